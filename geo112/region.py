"""The region pack: everything that makes geo112 one kabupaten/kota's 112, read from one file.

A pack is a directory holding ``region.toml`` and its ``manifest.toml`` (``geodata/kab_mojokerto`` is the
default): the region's code, name and kind, its enclaves (kota inside a kabupaten with a 112 of their own),
the boundary and province files, facilities, fleet, which agency runs which facility and which units they get,
population totals with their sources, the CAP sender and the name texts show. ``GEO112_REGION`` names the pack
(a directory, or the name of one under ``geodata/``); every module asks :func:`current_region` or the
:class:`Region` it is given, never a constant. ``geo112 region init`` writes packs (:mod:`geo112.ingest.packs`).

Paths in a pack are relative to the data directory and checked against the pack's manifest, except those that
start with ``./``: files of the pack itself (facilities and fleet the operator writes, a generated network).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from geodata.kab_mojokerto.facts import Figure
from geodata.kab_mojokerto.manifest import DataFile, ManifestError, load_manifest, verified_path

PACKS = Path(__file__).resolve().parent.parent / "geodata"
#: The pack served when ``GEO112_REGION`` is not set.
DEFAULT_PACK = PACKS / "kab_mojokerto"
REGION_FILE = "region.toml"
#: Prefix of a pack's own files (not in the data directory).
IN_PACK = "./"


class RegionError(RuntimeError):
    """A region pack is missing, or its ``region.toml`` lacks a required value."""


@dataclass(frozen=True)
class Enclave:
    """A kabupaten/kota inside the region with a 112 of its own (Kota Mojokerto in Kab. Mojokerto)."""

    code: str
    name: str
    kind: str


@dataclass(frozen=True)
class FleetRule:
    """Which stations get which units of the demo fleet (``[[fleet]]`` of the pack)."""

    unit_type: str
    prefix: str
    kinds: tuple[str, ...]
    agencies: tuple[str, ...] = ()
    per_station: int = 1
    per_station_named: dict[str, int] = field(default_factory=dict)
    published: str | None = None
    anywhere: bool = False


@dataclass(frozen=True)
class Region:
    """A region pack, as read from its ``region.toml`` (:func:`load_region`)."""

    directory: Path
    code: str
    name: str
    long_name: str
    kind: str
    seat: str | None
    cap_sender: str
    centre: tuple[float, float]
    manifest_path: Path
    enclaves: tuple[Enclave, ...]
    desa_files: dict[str, str]
    kecamatan_names: str
    region_names: str
    province_desa: str
    province_prefix: str
    population_kecamatan: str | None
    population_desa: str | None
    census_year: int
    total: Figure | None
    facilities: str | None
    fleet: str | None
    incident_stats: str | None
    call_centre_facts: str | None
    rivers: str | None
    osm: str | None
    fires_per_year: float | None
    agencies: tuple[tuple[str, str], ...]
    facility_rules: tuple[dict[str, str], ...]
    fleet_rules: tuple[FleetRule, ...]
    guessed: tuple[str, ...]
    projection: int | None = None

    @property
    def metric_srid(self) -> int:
        """The metric CRS of grids over the region (heat maps): ``projection``, else the UTM zone of its centre."""
        lat, lon = self.centre
        return self.projection or (32600 if lat >= 0 else 32700) + int((lon + 180.0) // 6.0) + 1

    @property
    def call_centre(self) -> str:
        """The name of this region's 112 as callers read it (``Call Center 112 Kab. Mojokerto``)."""
        return f"Call Center 112 {self.name}"

    @property
    def jurisdiction_codes(self) -> tuple[str, ...]:
        """The region's code and its enclaves', whose desa the region's own tables hold."""
        return (self.code, *(e.code for e in self.enclaves))

    def kind_of(self, code: str) -> str:
        """``kabupaten`` or ``kota`` of the region or one of its enclaves."""
        return self.kind if code == self.code else next(e.kind for e in self.enclaves if e.code == code)

    def manifest(self) -> dict[str, DataFile]:
        """The pack's manifest entries, keyed by their path relative to the data directory."""
        return load_manifest(self.manifest_path)

    def path(self, data_dir: Path, name: str) -> Path:
        """The verified path of an input: a pack file as it is, a data file after its manifest check.

        Raises
        ------
        ManifestError
            When a data file is missing, differs from the manifest or is not listed; or a pack file is missing.
        """
        if name.startswith(IN_PACK):
            path = self.directory / name[len(IN_PACK) :]
            if not path.is_file():
                raise ManifestError(f"file of the region pack missing: {path}")
            return path
        return verified_path(data_dir, name, self.manifest_path)

    def provenance(self, name: str) -> DataFile:
        """Sha256, licence and origin of an input: the manifest's entry, or a pack file's own digest."""
        if name.startswith(IN_PACK):
            import pooch  # ~12 MB: only a process that loads data needs it, not every worker that imports this

            path = self.directory / name[len(IN_PACK) :]
            return DataFile(name=f"{self.directory.name}/{name[len(IN_PACK):]}",
                            sha256=pooch.file_hash(str(path), alg="sha256"), licence="region pack",
                            origin=f"region pack {self.directory}")  # fmt: skip
        return self.manifest()[name]

    def osm_path(self, data_dir: Path) -> Path:
        """The OSM extract of the pack's road network (``[roads] osm``)."""
        if self.osm is None:
            raise RegionError(f"the region pack {self.directory} names no road network ([roads] osm)")
        return self.directory / self.osm[len(IN_PACK) :] if self.osm.startswith(IN_PACK) else data_dir / self.osm

    def agency_of(self, row: dict[str, str]) -> str | None:
        """The agency code of a facilities row by the pack's ``[[facility_rule]]``, or None (no dispatcher)."""
        for rule in self.facility_rules:
            if _matches(rule, row):
                return rule["agency"] or None
        return None


#: Conditions of a facility rule: (the row's column, how its value is compared with the rule's).
_CONDITIONS = {
    "kind": ("kind", "equals"),
    "kab_kota": ("kab_kota", "equals"),
    "name_prefix": ("name", "starts"),
    "name_contains": ("name", "contains"),
    "subtype_contains": ("subtype", "contains"),
}


def _matches(rule: dict[str, str], row: dict[str, str]) -> bool:
    """True when every condition of a facility rule holds for a facilities row (ignoring case)."""
    for key, (column, how) in _CONDITIONS.items():
        if key not in rule:
            continue
        have, want = (row.get(column) or "").strip().lower(), rule[key].lower()
        ok = have == want if how == "equals" else have.startswith(want) if how == "starts" else want in have
        if not ok:
            return False
    return True


def resolve_pack(pack: str | Path | None) -> Path:
    """The directory of a pack named by ``GEO112_REGION``: a directory, or a pack's name under ``geodata/``.

    Raises
    ------
    RegionError
        When neither holds a ``region.toml``.
    """
    if pack is None or str(pack) == "":
        return DEFAULT_PACK
    for candidate in (Path(pack), PACKS / str(pack)):
        if (candidate / REGION_FILE).is_file():
            return candidate.resolve()
    raise RegionError(f"no region pack {pack}: expected a directory holding {REGION_FILE}, or a name under {PACKS}")


def _figure(table: dict[str, Any], prefix: str) -> Figure | None:
    value = table.get(prefix)
    if value is None or value == "":
        return None
    return Figure(float(value), table.get(f"{prefix}_year"), table.get(f"{prefix}_source", ""))


def load_region(pack: str | Path | None = None) -> Region:
    """Read a region pack (default Mojokerto's); cached per pack directory.

    Parameters
    ----------
    pack
        A pack directory or a pack's name under ``geodata/`` (``GEO112_REGION``).

    Returns
    -------
    Region

    Raises
    ------
    RegionError
        When the pack is missing or lacks a required value (the message names it).
    """
    return _read(resolve_pack(pack))


def forget_packs() -> None:
    """Forget the packs read so far (``region init`` has rewritten one)."""
    _read.cache_clear()


@cache
def _read(directory: Path) -> Region:
    raw = tomllib.loads((directory / REGION_FILE).read_text(encoding="utf-8"))
    try:
        boundaries, population = raw["boundaries"], raw.get("population", {})
        facts, roads = raw.get("facts", {}), raw.get("roads", {})
        lat, lon = raw["centre"]
        return Region(
            directory=directory,
            code=raw["code"],
            name=raw["name"],
            long_name=raw.get("long_name", raw["name"]),
            kind=raw["kind"],
            seat=raw.get("seat") or None,
            cap_sender=raw["cap_sender"],
            centre=(float(lat), float(lon)),
            manifest_path=directory / raw.get("manifest", "manifest.toml"),
            enclaves=tuple(Enclave(e["code"], e["name"], e["kind"]) for e in raw.get("enclave", [])),
            desa_files=dict(boundaries["desa"]),
            kecamatan_names=boundaries["kecamatan_names"],
            region_names=boundaries["region_names"],
            province_desa=boundaries.get("province_desa", ""),
            province_prefix=boundaries.get("province_prefix", raw["code"][:3]),
            population_kecamatan=population.get("kecamatan") or None,
            population_desa=population.get("desa") or None,
            census_year=int(population.get("census_year", 2020)),
            total=_figure(population, "total"),
            facilities=facts.get("facilities") or None,
            fleet=facts.get("fleet") or None,
            incident_stats=facts.get("incident_stats") or None,
            call_centre_facts=facts.get("call_centre") or None,
            rivers=facts.get("rivers") or None,
            osm=roads.get("osm") or None,
            fires_per_year=raw.get("history", {}).get("fires_per_year"),
            agencies=tuple((a["code"], a["name"]) for a in raw.get("agency", [])),
            facility_rules=tuple(dict(r) for r in raw.get("facility_rule", [])),
            fleet_rules=tuple(
                FleetRule(
                    unit_type=f["unit_type"],
                    prefix=f["prefix"],
                    kinds=tuple(f["kinds"]),
                    agencies=tuple(f.get("agencies", ())),
                    per_station=int(f.get("per_station", 1)),
                    per_station_named=dict(f.get("per_station_named", {})),
                    published=f.get("published"),
                    anywhere=bool(f.get("anywhere", False)),
                )
                for f in raw.get("fleet", [])
            ),
            guessed=tuple(raw.get("guessed", ())),
            projection=raw.get("projection"),
        )
    except (KeyError, ValueError, StopIteration) as exc:
        raise RegionError(f"{directory / REGION_FILE}: missing or invalid value {exc}") from None


def current_region() -> Region:
    """The pack of this process's settings (``GEO112_REGION``)."""
    from geo112.config import get_settings

    return load_region(get_settings().region)
