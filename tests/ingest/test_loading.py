"""The Mojokerto geography as loaded into PostGIS."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from geo112.ingest.boundaries import load_geography
from geo112.store.models import Dataset, Desa, Jurisdiction, Kecamatan
from geodata.kab_mojokerto import ManifestError, load_manifest

BPS_AREA_KM2 = 969.36  # facts/population_kecamatan.csv, sum of the 18 kecamatan


def test_counts(session: Session) -> None:
    kinds = dict(
        session.execute(
            select(Desa.kind, func.count())
            .join(Kecamatan)
            .where(Kecamatan.jurisdiction_code == "35.16")
            .group_by(Desa.kind)
        ).all()
    )
    assert kinds == {"desa": 299, "kelurahan": 5}
    assert (
        session.scalar(select(func.count()).select_from(Kecamatan).where(Kecamatan.jurisdiction_code == "35.16")) == 18
    )
    kota = session.scalar(
        select(func.count()).select_from(Desa).join(Kecamatan).where(Kecamatan.jurisdiction_code == "35.76")
    )
    assert kota == 18
    assert session.get(Jurisdiction, "35.76").kind == "kota" and not session.get(Jurisdiction, "35.76").served
    assert session.get(Jurisdiction, "35.16").served


def test_kecamatan_area_matches_bps(session: Session) -> None:
    total = session.scalar(select(func.sum(Kecamatan.area_km2)).where(Kecamatan.jurisdiction_code == "35.16"))
    assert abs(total - BPS_AREA_KM2) / BPS_AREA_KM2 < 0.02


def test_every_desa_lies_within_its_kecamatan(session: Session) -> None:
    # The dissolve may move shared vertices by floating-point noise; allow a square metre.
    outside = session.execute(
        text("""
        SELECT d.code FROM desa d JOIN kecamatan k ON k.code = d.kecamatan_code
        WHERE ST_Area(ST_Difference(d.geom, k.geom)::geography) > 1
    """)
    ).all()
    assert outside == []


def test_geometry_is_valid_and_published_population_loaded(session: Session) -> None:
    invalid = session.scalar(text("SELECT count(*) FROM desa WHERE NOT ST_IsValid(geom)"))
    assert invalid == 0
    mojosari = session.get(Kecamatan, "35.16.08")
    assert mojosari.population == 77997 and mojosari.population_year == 2020 and mojosari.population_source
    assert session.get(Kecamatan, "35.16.09").population is None  # Dlanggu: no published census figure
    jotangan = session.get(Desa, "35.16.08.2012")
    assert (jotangan.population, jotangan.population_method) == (3593, "published")


def test_reload_is_idempotent(session: Session, settings) -> None:
    def snapshot() -> list:
        return session.execute(
            text("SELECT code, name, kecamatan_code, md5(ST_AsBinary(geom)) FROM desa ORDER BY code")
        ).all()

    before = snapshot()
    report = load_geography(session, settings.data_dir)
    assert report.counts == {"jurisdiction": 2, "kecamatan": 21, "desa": 322}
    assert snapshot() == before
    recorded = session.scalars(select(Dataset.name).where(Dataset.name.in_(report.datasets))).all()
    assert sorted(recorded) == sorted(report.datasets)


def _copy_data(settings, tmp_path: Path) -> Path:
    for name in load_manifest():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        if name.startswith(("kab_mojokerto/raw/wilayah", "kab_mojokerto/facts/population")):
            shutil.copy(settings.data_dir / name, tmp_path / name)
    return tmp_path


def test_tampered_input_is_refused_and_nothing_written(session: Session, settings, tmp_path: Path) -> None:
    data = _copy_data(settings, tmp_path)
    tampered = data / "kab_mojokerto/raw/wilayah_boundaries_kel_35.16.sql"
    tampered.write_text(tampered.read_text().replace("Tawangrejo", "Tawangrejx"))
    session.execute(text("UPDATE desa SET name = 'marker' WHERE code = '35.16.01.2001'"))
    with pytest.raises(ManifestError, match=r"differs.*wilayah_boundaries_kel_35.16.sql"):
        load_geography(session, data)
    assert session.get(Desa, "35.16.01.2001").name == "marker"


def test_missing_input_names_the_file(session: Session, settings, tmp_path: Path) -> None:
    data = _copy_data(settings, tmp_path)
    (data / "kab_mojokerto/facts/population_desa.csv").unlink()
    with pytest.raises(ManifestError, match=r"missing.*population_desa.csv"):
        load_geography(session, data)
