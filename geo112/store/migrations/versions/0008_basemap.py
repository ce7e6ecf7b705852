"""The base map's own tables: roads by class with their names, and rivers, drawn as vector tiles.

Roads come from the compiled road graph (``geo112 data load`` stores each road once, a two-way street as one
line), rivers from the RBI layer of the data directory. Both are stored in web mercator (EPSG:3857), the
tiles' own projection, because they exist to be drawn: a tile query then clips and encodes without
transforming every row (boundaries, kept in 4326 for the spatial questions, are clipped and transformed per
tile). Jurisdictions, kecamatan and desa get their label point as a generated column: a point on the surface
of a kabupaten's polygon costs milliseconds, too much to compute in every tile.

Boundaries are drawn as outlines, so the tiles read them from ``boundary_line``, a materialised view of the
polygons' rings in web mercator cut into pieces of at most 256 vertices: a tile then reads the few pieces it
touches instead of detoasting a whole kabupaten. ``geo112 data load`` refreshes it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_AREAS = ("jurisdiction", "kecamatan", "desa")
_OUTLINES = (
    "SELECT 'kabupaten' AS kind, code, name, served, geom FROM jurisdiction",
    "SELECT 'kecamatan', code, name, NULL, geom FROM kecamatan",
    "SELECT kind, code, name, NULL, geom FROM desa",
)


def upgrade() -> None:
    op.create_table(
        "road",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("highway", sa.String(20), nullable=False),
        sa.Column("name", sa.Text, nullable=False, server_default=""),
        sa.Column("oneway", sa.Boolean, nullable=False),
        sa.Column("geom", Geometry("LINESTRING", srid=3857, spatial_index=False), nullable=False),
    )
    op.execute("CREATE INDEX ix_road_geom ON road USING gist (geom)")
    # Tiles at low zoom want the few arterials of a large square, not every street in it.
    op.create_index("ix_road_highway", "road", ["highway"])
    op.create_table(
        "river",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("geom", Geometry("MULTILINESTRING", srid=3857, spatial_index=False), nullable=False),
    )
    op.execute("CREATE INDEX ix_river_geom ON river USING gist (geom)")
    for table in _AREAS:
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN label geometry(Point, 3857)"
            " GENERATED ALWAYS AS (ST_Transform(ST_PointOnSurface(geom), 3857)) STORED"
        )

    op.execute(f"""
        CREATE MATERIALIZED VIEW boundary_line AS
        SELECT kind, code, name, served, ST_Subdivide(ST_Transform(ST_Boundary(geom), 3857), 256) AS geom
          FROM ({" UNION ALL ".join(_OUTLINES)}) areas
    """)
    op.execute("CREATE INDEX ix_boundary_line_geom ON boundary_line USING gist (geom)")


def downgrade() -> None:
    op.execute("DROP MATERIALIZED VIEW boundary_line")
    for table in _AREAS:
        op.drop_column(table, "label")
    op.drop_table("river")
    op.drop_table("road")
