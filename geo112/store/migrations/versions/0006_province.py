"""Beyond the regency: every desa of Jawa Timur, each kabupaten/kota with its 112, hand-offs and mutual aid.

``jurisdiction`` gets a row per kabupaten/kota of the province (Kab. and Kota Mojokerto keep theirs) with the
name of its call centre; ``province_desa`` holds the province's desa/kelurahan for locating calls that land
in the wrong 112; an incident remembers the CAP alert it came from. A ``handoff`` records a call passed to
another 112 and its answer; an assignment says whether it was mutual aid, and why.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

HANDOFF_STATUSES = ("pending", "accepted", "declined")
MUTUAL_AID_REASONS = ("nearest_unit", "requested_by_neighbour", "other")


def upgrade() -> None:
    op.add_column("jurisdiction", sa.Column("call_centre", sa.Text))
    op.execute("UPDATE jurisdiction SET call_centre = 'Call Center 112 ' || name")
    op.create_table(
        "province_desa",
        sa.Column("code", sa.String(13), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("name_key", sa.String(100), nullable=False),
        sa.Column("kecamatan_code", sa.String(8), nullable=False),
        sa.Column("kecamatan_name", sa.String(100), nullable=False),
        sa.Column("jurisdiction_code", sa.String(5), sa.ForeignKey("jurisdiction.code"), nullable=False),
        sa.Column("geom", Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=False),
    )
    op.execute("CREATE INDEX ix_province_desa_geom ON province_desa USING gist (geom)")
    op.create_index("ix_province_desa_jurisdiction", "province_desa", ["jurisdiction_code"])
    op.add_column("incident", sa.Column("handoff_code", sa.String(5), sa.ForeignKey("jurisdiction.code")))
    # "sender identifier" of the CAP alert an incident came from, so that an update finds it again.
    op.add_column("incident", sa.Column("cap_ref", sa.String(400), unique=True))
    op.create_table(
        "handoff",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("incident_id", sa.Integer, sa.ForeignKey("incident.id"), nullable=False, index=True),
        sa.Column("to_code", sa.String(5), sa.ForeignKey("jurisdiction.code")),
        sa.Column("to_name", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("status", sa.String(10), nullable=False, server_default="pending"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True)),
        sa.Column("answered_by", sa.String(100)),
        sa.Column("answer_note", sa.Text),
        sa.CheckConstraint("status IN ('pending', 'accepted', 'declined')", name="handoff_status"),
    )
    # One hand-off waits for an answer at a time per incident.
    op.execute("CREATE UNIQUE INDEX ux_handoff_pending ON handoff (incident_id) WHERE status = 'pending'")
    op.add_column("assignment", sa.Column("mutual_aid", sa.Boolean, nullable=False, server_default=sa.false()))
    op.add_column("assignment", sa.Column("mutual_aid_reason", sa.String(30)))
    op.create_check_constraint(
        "assignment_mutual_aid_reason", "assignment",
        "mutual_aid_reason IS NULL OR mutual_aid_reason IN ('nearest_unit', 'requested_by_neighbour', 'other')",
    )  # fmt: skip


def downgrade() -> None:
    op.drop_constraint("assignment_mutual_aid_reason", "assignment")
    op.drop_column("assignment", "mutual_aid_reason")
    op.drop_column("assignment", "mutual_aid")
    op.drop_table("handoff")
    op.drop_column("incident", "cap_ref")
    op.drop_column("incident", "handoff_code")
    op.drop_table("province_desa")
    op.drop_column("jurisdiction", "call_centre")
