"""The inputs of a load: verified against the manifest first, recorded with their provenance after."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from geo112.region import Region, current_region
from geo112.store.models import Base, Dataset


def verified_inputs(data_dir: Path, names: Sequence[str], region: Region | None = None) -> dict[str, Path]:
    """The paths of the named inputs, each checked against the region pack's manifest before anything is read.

    Raises
    ------
    geodata.kab_mojokerto.ManifestError
        When an input is missing or differs from the manifest.
    """
    region = region or current_region()
    return {name: region.path(data_dir, name) for name in names}


def upsert(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Insert rows, or update the columns they give where the primary key exists already."""
    stmt = insert(model).values(rows)
    key = [c.name for c in model.__table__.primary_key]
    update = {c: stmt.excluded[c] for c in rows[0] if c not in key}
    session.execute(stmt.on_conflict_do_update(index_elements=key, set_=update))


def record_datasets(session: Session, names: Sequence[str], region: Region | None = None) -> None:
    """Record provenance rows for loaded input files (name, sha256, licence, origin, now)."""
    region = region or current_region()
    entries = [region.provenance(n) for n in names]
    rows = [
        {"name": e.name, "sha256": e.sha256, "licence": e.licence, "origin": e.origin, "loaded_at": text("now()")}
        for e in entries
    ]
    upsert(session, Dataset, rows)
