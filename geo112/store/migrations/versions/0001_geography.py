"""Administrative geography and dataset provenance.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _geom() -> Geometry:
    return Geometry("MULTIPOLYGON", srid=4326, spatial_index=False)


def _population() -> list[sa.Column[Any]]:
    return [
        sa.Column("population", sa.Integer),
        sa.Column("population_year", sa.Integer),
        sa.Column("population_source", sa.Text),
    ]


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "jurisdiction",
        sa.Column("code", sa.String(5), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("served", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("geom", _geom(), nullable=False),
        sa.Column("area_km2", sa.Float, nullable=False),
        *_population(),
        sa.CheckConstraint("kind IN ('kabupaten', 'kota')", name="jurisdiction_kind"),
    )
    op.create_table(
        "kecamatan",
        sa.Column("code", sa.String(8), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("name_key", sa.String(100), nullable=False),
        sa.Column("jurisdiction_code", sa.String(5), sa.ForeignKey("jurisdiction.code"), nullable=False),
        sa.Column("geom", _geom(), nullable=False),
        sa.Column("area_km2", sa.Float, nullable=False),
        *_population(),
    )
    op.create_table(
        "desa",
        sa.Column("code", sa.String(13), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("name_key", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("kecamatan_code", sa.String(8), sa.ForeignKey("kecamatan.code"), nullable=False),
        sa.Column("geom", _geom(), nullable=False),
        sa.Column("area_km2", sa.Float, nullable=False),
        *_population(),
        sa.Column("population_method", sa.Text),
        sa.CheckConstraint("kind IN ('desa', 'kelurahan')", name="desa_kind"),
    )
    op.create_index("ix_desa_kecamatan_code", "desa", ["kecamatan_code"])
    op.create_index("ix_desa_name_key", "desa", ["name_key"])
    for table in ("kecamatan", "desa"):
        op.execute(f"CREATE INDEX ix_{table}_name_key_trgm ON {table} USING gin (name_key gin_trgm_ops)")
    for table in ("jurisdiction", "kecamatan", "desa"):
        op.execute(f"CREATE INDEX ix_{table}_geom ON {table} USING gist (geom)")
    op.create_table(
        "dataset",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("licence", sa.String(200), nullable=False),
        sa.Column("origin", sa.Text, nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def downgrade() -> None:
    for table in ("dataset", "desa", "kecamatan", "jurisdiction"):
        op.drop_table(table)
