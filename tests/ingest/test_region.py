"""Region packs: Mojokerto's is the default, and a second region (Kota Mojokerto, 35.76) runs from a pack that
``geo112 region init`` writes: load, locate, a fire answered by the Kota's own trucks by road, its population."""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo112.analytics.synthetic_history import generate_history
from geo112.cli import main
from geo112.config import Settings, get_settings
from geo112.dispatch import caller_location, schemas
from geo112.dispatch.incidents import create_incident
from geo112.dispatch.recommend import recommend
from geo112.geography.locate import locate
from geo112.ingest.basemap import ROAD_DATASET, load_basemap
from geo112.ingest.packs import PackError, init_pack
from geo112.ingest.population import load_planning_data, store_population
from geo112.network import Network, RoutedFleet, load_network
from geo112.planning.coverage import service as coverage
from geo112.planning.desa_index import desa_index
from geo112.region import DEFAULT_PACK, Region, RegionError, load_region
from geo112.store.db import session_factory
from geo112.store.models import Dataset, Desa, Jurisdiction, Kecamatan, Station, Unit
from tests.conftest import pack_database

#: A point in Kelurahan Kranggan, Kota Mojokerto; and one in Mojosari, Kab. Mojokerto.
KOTA = (112.4340, -7.4720)
MOJOSARI = (112.5600, -7.5180)


def test_mojokerto_is_the_default_pack() -> None:
    region = load_region()
    assert region.directory == DEFAULT_PACK.resolve()
    assert (region.code, region.kind, region.name, region.cap_sender) == (
        "35.16",
        "kabupaten",
        "Kab. Mojokerto",
        "112.mojokertokab.go.id",
    )
    assert [(e.code, e.kind) for e in region.enclaves] == [("35.76", "kota")]
    assert load_region("kab_mojokerto") is load_region(DEFAULT_PACK.resolve())
    assert region.agency_of({"kind": "fire_station", "name": "Pos", "kab_kota": "Kota Mojokerto"}) == "satpol_pp_kota"
    assert region.agency_of({"kind": "fire_station", "name": "Pos", "kab_kota": "Kab. Mojokerto"}) == "bpbd"
    assert region.agency_of({"kind": "school", "name": "SD"}) is None


def test_the_setting_picks_the_pack_and_its_cap_sender(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("GEO112_CAP_SENDER", raising=False)
    monkeypatch.setenv("GEO112_REGION", str(tmp_path / "nowhere"))
    with pytest.raises(RegionError, match="no region pack"):
        get_settings()
    (tmp_path / "pack").mkdir()
    text = (DEFAULT_PACK / "region.toml").read_text().replace("112.mojokertokab.go.id", "112.example.go.id")
    (tmp_path / "pack" / "region.toml").write_text(text)
    monkeypatch.setenv("GEO112_REGION", str(tmp_path / "pack"))
    assert get_settings().cap_sender == "112.example.go.id"


def test_init_refuses_a_region_without_boundaries(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(PackError, match=r"35\.99"):
        init_pack(settings.data_dir, "35.99", tmp_path)


def test_init_finds_the_enclave_of_the_kabupaten(settings: Settings, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["region", "init", "35.16", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    region = load_region(tmp_path)
    assert (region.name, region.kind, [e.code for e in region.enclaves]) == ("Kab. Mojokerto", "kabupaten", ["35.76"])
    assert "cap_sender" in region.guessed and "facilities.csv (every row)" in region.guessed


@pytest.fixture(scope="module")
def kota(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Region:
    """The pack ``region init 35.76 --synthetic`` writes (a synthetic network made from the Kota's boundaries)."""
    out = tmp_path_factory.mktemp("kota_mojokerto")
    init_pack(settings.data_dir, "35.76", out, synthetic=True)
    return load_region(out)


@pytest.fixture(scope="module")
def kota_network(kota: Region, settings: Settings) -> Network:
    """The road network of the Kota's pack."""
    return load_network(kota.osm_path(settings.data_dir), settings.cache_dir)


@pytest.fixture(scope="module")
def kota_db(kota: Region, settings: Settings, kota_network: Network) -> str:
    """A database of its own, loaded from the Kota's pack as ``geo112 data load`` does."""
    url = pack_database("region_kota", settings.data_dir, kota)
    with session_factory(url).begin() as session:
        load_planning_data(session, kota_network, settings.data_dir, kota)
        load_basemap(session, settings.data_dir, kota_network, kota)
    return url


@pytest.fixture
def kota_session(kota_db: str) -> Iterator[Session]:
    with session_factory(kota_db)() as session:
        yield session
        session.rollback()


def test_the_kota_loads_as_the_served_region(kota: Region, kota_session: Session) -> None:
    assert kota.kind == "kota" and kota.enclaves == () and kota.osm == "./osm/mojokertokota_synthetic.osm.bz2"
    roads = kota_session.get(Dataset, ROAD_DATASET)
    assert roads.licence.startswith("generated") and "SYNTHETIC" in roads.origin
    served = kota_session.scalars(select(Jurisdiction).where(Jurisdiction.served)).all()
    assert [(j.code, j.kind) for j in served] == [("35.76", "kota")]
    assert kota_session.scalar(select(func.count()).select_from(Kecamatan)) == 3
    assert kota_session.scalar(select(func.count()).select_from(Desa)) == 18
    here = locate(kota_session, *KOTA)
    assert here.jurisdiction.code == "35.76" and here.jurisdiction.served and here.handoff is None
    # The Kabupaten is now the other 112: a call from Mojosari is handed to it.
    there = locate(kota_session, *MOJOSARI)
    assert there.jurisdiction.code == "35.16" and there.handoff == "Call Center 112 Kabupaten Mojokerto"


def test_the_kota_population_adds_up_to_its_census(kota_session: Session) -> None:
    total = kota_session.scalar(select(Jurisdiction.population).where(Jurisdiction.code == "35.76"))
    assert total == 132434
    assert kota_session.scalar(select(func.sum(Desa.population))) == total


def test_a_fire_in_the_kota_gets_the_kotas_trucks_by_road(kota_session: Session, kota_network: Network) -> None:
    trucks = kota_session.scalars(select(Unit).where(Unit.unit_type_code == "fire_truck")).all()
    assert trucks and all(u.demo and u.agency_code == "damkar" for u in trucks)
    incident = create_incident(kota_session, schemas.IncidentCreate(category="kebakaran", lon=KOTA[0], lat=KOTA[1]),
                               "tester")  # fmt: skip
    result = recommend(kota_session, RoutedFleet(kota_network), incident.id, k=3)
    assert result["method"] == "road"
    fire = next(r for r in result["requirements"] if r["unit_type"] == "fire_truck")
    proposed = {c["unit_id"] for c in fire["proposed"]}
    assert proposed and proposed <= {u.id for u in trucks}
    assert all(c["eta_s"] is not None for c in fire["proposed"])
    stations = kota_session.scalars(select(Station.kecamatan_code).where(Station.agency_code == "damkar")).all()
    assert stations and all(code.startswith("35.76.") for code in stations)


def test_the_synthetic_history_runs_on_the_kota(
    kota: Region, kota_session: Session, kota_network: Network, settings: Settings
) -> None:
    report = generate_history(kota_session, kota_network, 40, 7, date(2026, 1, 1), date(2026, 3, 1), settings.data_dir,
                              region=kota)  # fmt: skip
    assert report.n == 40 and report.assignments > 0
    assert report.implied_incidents_per_year > kota.fires_per_year  # fires are a share of all incidents


def test_texts_name_the_region_of_the_pack(kota: Region, kota_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from web import create_app

    monkeypatch.setenv("GEO112_REGION", str(kota.directory))
    assert caller_location.message("https://x/l/t").startswith("Call Center 112 Kota Mojokerto: ")
    app = create_app({"TESTING": True, "GEO112_DATABASE_URL": kota_db,
                      "RATELIMIT_KEY_PREFIX": f"geo112-test-{uuid.uuid4().hex}"})  # fmt: skip
    page = app.test_client().get("/login").get_data(as_text=True)
    assert "Call Center 112 Kota Mojokerto" in page and "Kab. Mojokerto" not in page
    assert app.config["GEO112_SETTINGS"].cap_sender == "112.mojokertokota.go.id"


def test_fire_coverage_of_the_kota_by_its_stations(kota_session: Session, kota_network: Network) -> None:
    cov = coverage.coverage_of(kota_session, RoutedFleet(kota_network), "fire_truck", 10.0, "stations")
    figures = coverage.totals(cov)
    assert figures["population"] == 132434 and figures["sources"] == 2  # the guessed Damkar post's two trucks
    assert 0.5 < figures["covered"] <= 1.0  # a city of 20 km² from its centre, in ten minutes


def test_hints_for_no_kecamatan_of_the_region_are_no_hints(kota_session: Session, kota_network: Network) -> None:
    index = desa_index(kota_session, kota_network)
    for hint in ({}, {"35.16.01": 44012.0}):
        report = store_population(kota_session, index, hint)
        assert report.stored_total == report.kabupaten_total == 132434
        sources = set(kota_session.scalars(select(Desa.population_source)))
        assert not any("unofficial" in s for s in sources)


def test_a_generated_pack_renames_every_agency_the_migrations_seed(settings: Settings, tmp_path: Path) -> None:
    seeded = importlib.import_module("geo112.store.migrations.versions.0003_dispatch").AGENCIES
    init_pack(settings.data_dir, "35.17", tmp_path)
    agencies = dict(load_region(tmp_path).agencies)
    assert {code for code, _ in seeded} <= set(agencies)  # loading the pack upserts each under Jombang's name
    assert [name for name in agencies.values() if "Mojokerto" in name] == []
    assert agencies["pln"] == "PLN UP3 wilayah Kabupaten Jombang"
    assert agencies["satpol_pp_kota"] == "Satpol PP (bukan instansi Kab. Jombang)"  # Jombang has no enclave
    kabupaten = tmp_path / "kab"
    init_pack(settings.data_dir, "35.16", kabupaten)
    assert dict(load_region(kabupaten).agencies)["satpol_pp_kota"] == "Satpol PP Kota Mojokerto"


def test_region_init_works_when_the_setting_already_names_the_pack(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pack = tmp_path / "kota"
    monkeypatch.setenv("GEO112_REGION", str(pack))  # an operator who exported it first
    missing = CliRunner().invoke(main, ["locate", "--lat", "-7.47", "--lon", "112.43"])
    assert missing.exit_code == 1 and f"no region pack {pack}" in missing.output
    made = CliRunner().invoke(main, ["region", "init", "35.76", "--out", str(pack)])
    assert made.exit_code == 0, made.output
    assert load_region(pack).code == "35.76"
