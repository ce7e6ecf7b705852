"""The inputs of a load: verified against the manifest first, recorded with their provenance after."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from geo112.store.models import Base, Dataset
from geodata.kab_mojokerto import load_manifest, verified_path


def verified_inputs(data_dir: Path, names: Sequence[str]) -> dict[str, Path]:
    """The paths of the named inputs, each checked against the manifest before anything is read or written.

    Raises
    ------
    geodata.kab_mojokerto.ManifestError
        When an input is missing or differs from the manifest.
    """
    return {name: verified_path(data_dir, name) for name in names}


def upsert(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Insert rows, or update the columns they give where the primary key exists already."""
    stmt = insert(model).values(rows)
    key = [c.name for c in model.__table__.primary_key]
    update = {c: stmt.excluded[c] for c in rows[0] if c not in key}
    session.execute(stmt.on_conflict_do_update(index_elements=key, set_=update))


def record_datasets(session: Session, names: Sequence[str]) -> None:
    """Record provenance rows for loaded input files (name, sha256, licence, origin, now)."""
    manifest = load_manifest()
    rows = [
        {"name": n, "sha256": manifest[n].sha256, "licence": manifest[n].licence, "origin": manifest[n].origin,
         "loaded_at": text("now()")}
        for n in names
    ]  # fmt: skip
    upsert(session, Dataset, rows)
