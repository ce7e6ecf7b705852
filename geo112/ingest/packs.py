"""``geo112 region init``: write a region pack for any kabupaten/kota whose desa boundaries are in the data dir.

The pack (:mod:`geo112.region`) is made from what the data directory holds: the region's desa dump
(``*/raw/wilayah_boundaries_kel_<kode>.sql``), the province's name files and desa dumps, and facts files that
have rows for the region (population). What the data cannot say is guessed and listed in the pack's
``guessed``: the CAP sender, the seat, the yearly fire count, and — unless CSV files are given — the
facilities (a puskesmas and a polsek per kecamatan, a Damkar post, BPBD, RSUD, Satpol PP and Polres at the
seat, each row saying it is guessed) and the demo fleet's size. Enclaves are the other kabupaten/kota whose
outline lies inside the region's.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pooch
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from geo112.geography.names import name_key
from geo112.ingest.online_roads import Fetch, download_roads, overpass_elements
from geo112.ingest.synthetic_roads import synthetic_network
from geo112.region import DEFAULT_PACK, IN_PACK, REGION_FILE, forget_packs
from geodata.kab_mojokerto.boundaries import Area, read_areas, read_names
from geodata.kab_mojokerto.facts import read_rows
from geodata.kab_mojokerto.manifest import load_manifest

GUESSED = "GUESSED by geo112 region init: replace with the real"
#: Columns of a facilities file (the same as Mojokerto's ``facts/facilities.csv``).
FACILITY_COLUMNS = ("id", "name", "kind", "subtype", "status", "address", "desa", "desa_kode", "kecamatan",
                    "kab_kota", "lat", "lon", "coord_source", "phone", "confidence", "source", "source2",
                    "note")  # fmt: skip
#: Columns of a fleet file (Mojokerto's ``facts/emergency_fleet.csv``): published counts per agency.
FLEET_COLUMNS = ("agency", "asset_type", "count", "count_operational", "location", "as_of", "status", "source",
                 "note")  # fmt: skip
#: Mojokerto's published fires per desa and year (BPBD: 157 fires in 2018 over 322 desa and kelurahan of the Kab.
#: and the Kota), the guess for a region without a published count.
FIRES_PER_DESA_YEAR = 157 / 322
#: The agencies of a generated pack, by code: (name pattern, kinds of facility they run).
AGENCIES = {
    "damkar": ("Damkar {long_name}", "fire_station"),
    "dinkes": ("Dinas Kesehatan {long_name} (puskesmas)", "puskesmas"),
    "rsud": ("RSUD {long_name}", "hospital"),
    "bpbd": ("BPBD {long_name}", "bpbd"),
    "satpol_pp": ("Satpol PP {long_name}", "satpol_pp"),
    "polres": ("Polres {police}", "police"),
    "pmi": ("Palang Merah Indonesia (PMI)", "pmi"),
}
#: Agencies without facilities of their own that every deployment's migrations seed with Mojokerto's names
#: (0003: dispatch; issue 28's tickets route report categories to the same codes). A generated pack declares
#: each under its own region's name, so that loading it renames them: the codes stay (the category routing and
#: fleet rules name them), Mojokerto's agencies do not turn up in another regency's 112.
SEEDED_AGENCIES = {
    "rs_swasta": "Rumah sakit swasta",
    "pupr": "Dinas PUPR {long_name}",
    "pln": "PLN UP3 wilayah {long_name}",
    "dinsos": "Dinas Sosial {long_name}",
    "tni": "Kodim wilayah {long_name}",
    "dishub": "Dinas Perhubungan {long_name} (penerangan jalan umum)",
    "dprkp2": "Dinas Perumahan dan Kawasan Permukiman {long_name}",
    "dp2kbp2": "Dinas Pemberdayaan Perempuan dan Perlindungan Anak {long_name}",
    "pdam": "Perumda Air Minum (PDAM) {long_name}",
    "diskominfo": "Diskominfo {long_name} (pengelola Call Center 112)",
    "satpol_pp_kota": "Satpol PP {enclave}",
    "polres_kota": "Polres {enclave}",
}
#: The demo fleet of a generated pack: (unit type, call-sign prefix, facility kinds, units per station).
FLEET = (
    ("fire_truck", "PMK", ("fire_station",), 2, "fire truck (mobil"),
    ("ambulance", "AMB", ("puskesmas", "hospital", "pmi"), 1, None),
    ("rescue", "RESCUE", ("bpbd",), 2, None),
    ("satpol_pp_patrol", "SATPOL", ("satpol_pp",), 2, None),
    ("police_patrol", "PATROLI", ("police",), 1, None),
)


class PackError(RuntimeError):
    """The region cannot be made into a pack (no desa boundaries for its code in the data directory)."""


@dataclass
class InitReport:
    """What :func:`init_pack` wrote."""

    directory: Path
    name: str
    kind: str
    desa: int
    kecamatan: int
    enclaves: list[str] = field(default_factory=list)
    guessed: list[str] = field(default_factory=list)
    facilities: int = 0
    roads: dict[str, object] = field(default_factory=dict)


def _find(data_dir: Path, pattern: str) -> str | None:
    """The first file under ``data_dir`` matching a glob, relative to it (province folders before others)."""
    hits = sorted(data_dir.glob(pattern), key=lambda p: (p.parts[len(data_dir.parts)] != "jawa_timur", str(p)))
    return str(hits[0].relative_to(data_dir)) if hits else None


def _toml(value: object) -> str:
    """A TOML value of a string, number, bool, list or flat table (JSON's escapes are TOML's)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml(str(k))} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise TypeError(f"no TOML for {value!r}")


def _table(header: str, values: Mapping[str, object]) -> str:
    lines = [header] + [f"{_toml(k) if '.' in k else k} = {_toml(v)}" for k, v in values.items() if v is not None]
    return "\n".join(lines) + "\n"


def _manifest(data_dir: Path, names: Iterable[str]) -> str:
    """Manifest entries of the data files a pack reads: Mojokerto's entry when it lists the file, else its digest."""
    known = load_manifest(DEFAULT_PACK / "manifest.toml")
    out = ["# Inputs of this region pack, relative to the data directory (written by geo112 region init).\n"]
    for name in dict.fromkeys(names):
        entry = known.get(name)
        values = {
            "name": name,
            "sha256": entry.sha256 if entry else pooch.file_hash(str(data_dir / name), alg="sha256"),
            "licence": entry.licence if entry else "unknown: GUESSED, fill in",
            "origin": entry.origin if entry else "found in the data directory by geo112 region init",
            "description": entry.description if entry else "",
        }
        out.append(_table("[[file]]", values))
    return "\n".join(out)


def _outer(geom: BaseGeometry) -> BaseGeometry:
    """The region's outline with its holes filled (an enclave is a hole)."""
    return shapely.union_all([Polygon(p.exterior) for p in getattr(geom, "geoms", [geom])])


def _seat(kecamatan: dict[str, str], short: str) -> str:
    """The kecamatan named like the region (Jombang in Kab. Jombang), else the first: a guess."""
    by_key = {name_key(name): name for name in kecamatan.values()}
    return by_key.get(name_key(short), next(iter(kecamatan.values())))


def _seat_desa(desa: list[Area], kecamatan_code: str, kecamatan_name: str) -> Area:
    """The desa named like its kecamatan, else the first of the kecamatan."""
    own = [a for a in desa if a.code.startswith(kecamatan_code + ".")]
    return next((a for a in own if name_key(a.name) == name_key(kecamatan_name)), own[0])


def guessed_facilities(desa: list[Area], kecamatan: dict[str, str], name: str, seat: str) -> list[dict[str, str]]:
    """A facilities file to start from: a puskesmas and a polsek per kecamatan; Damkar, BPBD, RSUD, Satpol PP and
    Polres at the seat; every row says it is guessed."""
    seat_code = next(code for code, n in kecamatan.items() if n == seat)
    rows: list[dict[str, str]] = []

    def add(kind: str, title: str, code: str) -> None:
        place = _seat_desa(desa, code, kecamatan[code])
        rows.append({
            **dict.fromkeys(FACILITY_COLUMNS, ""),
            "id": f"G{len(rows) + 1:02d}", "name": title, "kind": kind, "status": "guessed", "desa": place.name,
            "desa_kode": place.code, "kecamatan": kecamatan[code], "kab_kota": name, "confidence": "none (guessed)",
            "source": f"{GUESSED} facility", "note": f"{GUESSED} facility (placed at the kecamatan's seat desa)",
        })  # fmt: skip

    for kind, title in (("fire_station", "Pos Damkar"), ("bpbd", "BPBD"), ("hospital", "RSUD"),
                        ("satpol_pp", "Satpol PP"), ("police", "Polres")):  # fmt: skip
        add(kind, f"{title} {name} (guessed)", seat_code)
    for code, kec in kecamatan.items():
        add("puskesmas", f"Puskesmas {kec} (guessed)", code)
        add("police", f"Polsek {kec} (guessed)", code)
    return rows


def _write_csv(path: Path, columns: Iterable[str], rows: Iterable[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(columns))
        writer.writeheader()
        writer.writerows(rows)


def _population_file(data_dir: Path, code: str) -> str | None:
    """A facts file of the data directory with a census figure of the region (``pop_census``), if any."""
    for path in sorted(data_dir.glob("*/facts/population_kecamatan.csv")):
        if any(r["kode"] == code and r["measure"] == "pop_census" for r in read_rows(path)):
            return str(path.relative_to(data_dir))
    return None


def init_pack(
    data_dir: Path,
    code: str,
    out: Path,
    *,
    osm: Path | None = None,
    synthetic: bool = False,
    online: bool = False,
    facilities: Path | None = None,
    fleet: Path | None = None,
    cap_sender: str | None = None,
    fetch: Fetch = overpass_elements,
) -> InitReport:
    """Write a region pack for the kabupaten/kota ``code`` (``35.76``) into ``out``.

    Parameters
    ----------
    data_dir
        The data directory (read only).
    code
        The kode wilayah of the kabupaten/kota (``PP.KK``).
    out
        The pack directory to write (created; files in it are replaced).
    osm
        An OSM extract of the region's roads; referenced where it lies when it is in the data directory,
        else copied into the pack.
    synthetic
        Without ``osm``: write a synthetic demo network of the region and its enclaves into the pack
        (:func:`geo112.ingest.synthetic_roads.synthetic_network`), labelled synthetic.
    online
        Without ``osm``: download the roads and turn restrictions of the region's outline plus a margin from
        OpenStreetMap into the pack (:func:`geo112.ingest.online_roads.download_roads`), before anything is
        written.
    facilities, fleet
        CSV files in the columns of :data:`FACILITY_COLUMNS` and :data:`FLEET_COLUMNS`, copied into the pack;
        without them the pack gets guessed facilities and an empty fleet file (the demo fleet is then sized by
        assumption).
    cap_sender
        The 112's CAP sender id; guessed from the name when not given.
    fetch
        Runs one Overpass query for ``online`` (tests give another source than the internet).

    Returns
    -------
    InitReport

    Raises
    ------
    PackError
        When the data directory holds no desa boundaries for ``code``.
    geo112.ingest.online_roads.DownloadError
        With ``online``, when OpenStreetMap cannot be reached or answers no road.
    """
    data_dir = Path(data_dir)
    province = code[:2]
    desa_file = _find(data_dir, f"*/raw/wilayah_boundaries_kel_{code}.sql")
    kec_file = _find(data_dir, f"*/raw/wilayah_boundaries_kec_{province}.sql")
    kab_file = _find(data_dir, f"*/raw/wilayah_boundaries_kab_{province}.sql")
    if desa_file is None or kec_file is None or kab_file is None:
        raise PackError(f"no desa boundaries of {code} in {data_dir} (wilayah_boundaries_kel_{code}.sql)")
    desa = list(read_areas(data_dir / desa_file, code + "."))
    if not desa:
        raise PackError(f"{desa_file} holds no desa of {code}")
    names = read_names(data_dir / kab_file, province + ".")
    long_name = names.get(code, code)
    kota = long_name.lower().startswith("kota") or int(code[3:5]) >= 71
    short = long_name.split(" ", 1)[-1]
    name = f"Kota {short}" if kota else f"Kab. {short}"
    kecamatan = {k: v for k, v in read_names(data_dir / kec_file, code + ".").items()}
    kecamatan.update({a.code[:8]: a.code[:8] for a in desa if a.code[:8] not in kecamatan})
    kecamatan = dict(sorted(kecamatan.items()))
    seat = _seat(kecamatan, short)
    outline = shapely.union_all([a.geom for a in desa])
    filled = _outer(outline)
    enclaves = {}
    for area in read_areas(data_dir / kab_file, province + "."):
        if area.code != code and filled.contains(area.geom.representative_point()):
            enclave_file = _find(data_dir, f"*/raw/wilayah_boundaries_kel_{area.code}.sql")
            if enclave_file and not outline.contains(area.geom.representative_point()):
                enclaves[area.code] = (names.get(area.code, area.code), enclave_file)
    centre = outline.representative_point()
    slug = name_key(short).replace(" ", "") + ("kota" if kota else "kab")
    roads_report: dict[str, object] = {}
    if osm is None and online:  # first: a failed download leaves nothing written
        got = download_roads(filled, out / "osm" / f"{slug}_osm.osm.bz2", fetch=fetch)
        roads_report = {"source": "OpenStreetMap (Overpass)", "file": str(got.path), "nodes": got.nodes,
                        "ways": got.ways, "restrictions": got.restrictions, "queries": got.queries}  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    guessed = ["cap_sender", "seat", "history.fires_per_year", "fleet (per_station counts)", "agency names"]
    if cap_sender:
        guessed.remove("cap_sender")
    facilities_rows = guessed_facilities(desa, kecamatan, name, seat) if facilities is None else None
    if facilities is None:
        guessed.append("facilities.csv (every row)")
        _write_csv(out / "facilities.csv", FACILITY_COLUMNS, facilities_rows or [])
    else:
        shutil.copy(facilities, out / "facilities.csv")
    if fleet is None:
        _write_csv(out / "fleet.csv", FLEET_COLUMNS, [])
    else:
        shutil.copy(fleet, out / "fleet.csv")
    population = _population_file(data_dir, code)
    if population is None:
        guessed.append("population.total (missing: give it with its source)")
    roads = f"{IN_PACK}osm/{Path(str(roads_report['file'])).name}" if roads_report else None
    if osm is None and synthetic:
        everyone = desa + [a for _, f in enclaves.values() for a in read_areas(data_dir / f, province + ".")]
        file = f"{slug}_synthetic.osm.bz2"
        synthetic_network(everyone, read_names(data_dir / kec_file, province + "."), out / "osm" / file)
        roads = f"{IN_PACK}osm/{file}"
        guessed.append("roads: a SYNTHETIC network (--synthetic), for demonstration only")
    if osm is not None:
        osm = Path(osm).resolve()
        if osm.is_relative_to(data_dir.resolve()):
            roads = str(osm.relative_to(data_dir.resolve()))
        else:
            (out / "osm").mkdir(exist_ok=True)
            shutil.copy(osm, out / "osm" / osm.name)
            roads = f"{IN_PACK}osm/{osm.name}"
    mix = _find(data_dir, "*/facts/call_center_112.csv")
    province_files = sorted(
        str(p.relative_to(data_dir)) for p in data_dir.glob(f"{Path(desa_file).parent}/wilayah_boundaries_kel_*.sql")
    )
    data_files = [desa_file, *(f for _, f in enclaves.values()), kec_file, kab_file, *province_files]
    data_files += [f for f in (population, mix, roads) if f and not f.startswith(IN_PACK)]
    header = (
        f"# Region pack of {long_name}, written by `geo112 region init {code}`; read by geo112/region.py.\n"
        '# Paths are relative to the data directory and checked against manifest.toml; "./" marks a file of the\n'
        "# pack. Every value listed in `guessed` is a guess: check it, replace it, and take it off the list.\n\n"
    )
    top = {
        "code": code, "name": name, "long_name": long_name, "kind": "kota" if kota else "kabupaten", "seat": seat,
        "cap_sender": cap_sender or f"112.{slug}.go.id",
        "centre": [round(centre.y, 5), round(centre.x, 5)], "manifest": "manifest.toml", "guessed": guessed,
    }  # fmt: skip
    boundaries = {
        "kecamatan_names": kec_file, "region_names": kab_file, "province_desa": f"{Path(desa_file).parent}/",
        "province_prefix": province + ".",
    }  # fmt: skip
    facts = {"facilities": f"{IN_PACK}facilities.csv", "fleet": f"{IN_PACK}fleet.csv", "call_centre": mix}
    parts = [
        header + _table("", top).lstrip("\n"),
        *(_table("[[enclave]]", {"code": c, "name": n, "kind": "kota"}) for c, (n, _) in enclaves.items()),
        _table("[boundaries]", boundaries),
        _table("[boundaries.desa]", {code: desa_file, **{c: f for c, (_, f) in enclaves.items()}}),
        _table("[population]", {"kecamatan": population, "census_year": 2020}),
        _table("[facts]", facts),
        _table("[roads]", {"osm": roads}),
        _table("[history]", {"fires_per_year": round(FIRES_PER_DESA_YEAR * len(desa), 1)}),
    ]
    for agency, (pattern, _) in AGENCIES.items():
        agency_name = pattern.format(long_name=long_name, police=f"{short} Kota" if kota else short)
        parts.append(_table("[[agency]]", {"code": agency, "name": agency_name}))
    # Mojokerto's enclave agencies are the enclave's here, or named as no agency of this region.
    enclave = next(iter(enclaves.values()))[0] if enclaves else f"(bukan instansi {name})"
    for agency, pattern in SEEDED_AGENCIES.items():
        parts.append(_table("[[agency]]", {"code": agency, "name": pattern.format(long_name=long_name,
                                                                                 enclave=enclave)}))  # fmt: skip
    for agency, (_, kind) in AGENCIES.items():
        parts.append(_table("[[facility_rule]]", {"kind": kind, "agency": agency}))
    for unit_type, prefix, kinds, per_station, published in FLEET:
        rule: dict[str, object] = {"unit_type": unit_type, "prefix": prefix, "kinds": list(kinds)}
        rule |= {"per_station": per_station, "published": published}
        if unit_type == "police_patrol":
            rule["per_station_named"] = {"Polres": 2}
        parts.append(_table("[[fleet]]", rule))
    (out / REGION_FILE).write_text("\n".join(parts), encoding="utf-8")
    (out / "manifest.toml").write_text(_manifest(data_dir, data_files), encoding="utf-8")
    forget_packs()
    return InitReport(
        directory=out,
        name=name,
        kind="kota" if kota else "kabupaten",
        desa=len(desa),
        kecamatan=len(kecamatan),
        enclaves=list(enclaves),
        guessed=guessed,
        facilities=len(facilities_rows) if facilities_rows is not None else len(read_rows(out / "facilities.csv")),
        roads=roads_report,
    )
