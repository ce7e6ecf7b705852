"""Calls apart from incidents: every call is a row of its own, and one incident can have many.

A call keeps who rang (name, phone), what they said and where they said it was; ``caller_number`` is the
phone as the network knows it (digits only, ``+62``/``62`` written as the leading ``0``), so that the same
caller is found whichever way the number was typed. Each existing incident gets the one call it was made
from.

Two incidents found to be one are merged: the absorbed incident is closed as ``duplicate`` and points to the
survivor (``merged_into``); its calls and assignments move over, each call remembering the incident it was
taken for (``merged_from``). Per category, the radius and time window in which a new call may be the same
incident (``duplicate_radius_m``, ``duplicate_window_min``).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_DIGITS = "regexp_replace(caller_phone, '[^0-9]', '', 'g')"
CALLER_NUMBER = f"CASE WHEN {_DIGITS} LIKE '62%' THEN '0' || substr({_DIGITS}, 3) ELSE {_DIGITS} END"


def upgrade() -> None:
    op.add_column("incident", sa.Column("merged_into", sa.Integer, sa.ForeignKey("incident.id")))
    op.add_column(
        "incident_category", sa.Column("duplicate_radius_m", sa.Integer, nullable=False, server_default="500")
    )
    op.add_column(
        "incident_category", sa.Column("duplicate_window_min", sa.Integer, nullable=False, server_default="30")
    )
    op.create_table(
        "call",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("incident_id", sa.Integer, sa.ForeignKey("incident.id"), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("caller_name", sa.String(200)),
        sa.Column("caller_phone", sa.String(40)),
        sa.Column("caller_number", sa.String(40), sa.Computed(CALLER_NUMBER, persisted=True)),
        sa.Column("description", sa.Text),
        sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False)),
        sa.Column("taken_by", sa.String(100), nullable=False),
        sa.Column("merged_from", sa.Integer, sa.ForeignKey("incident.id")),
        sa.Column("synthetic", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_call_incident", "call", ["incident_id"])
    # A caller's history and the same-caller duplicate check read one number's calls, newest first.
    op.create_index("ix_call_number_received", "call", ["caller_number", "received_at"])
    op.execute("""
        INSERT INTO call (incident_id, received_at, caller_name, caller_phone, description, geom, taken_by, synthetic)
        SELECT id, received_at, caller_name, caller_phone, description, geom, created_by, synthetic FROM incident
    """)


def downgrade() -> None:
    op.drop_table("call")
    op.drop_column("incident_category", "duplicate_window_min")
    op.drop_column("incident_category", "duplicate_radius_m")
    op.drop_column("incident", "merged_into")
