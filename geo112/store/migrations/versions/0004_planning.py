"""Planning: coverage thresholds per unit type, population basis per desa, synthetic incident history.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coverage_threshold",
        sa.Column(
            "unit_type_code", sa.String(30), sa.ForeignKey("unit_type.code", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("minutes", sa.Float, primary_key=True),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.CheckConstraint("minutes > 0 AND minutes <= 240", name="coverage_threshold_minutes"),
    )
    # How a desa's population figure was obtained: published, or estimated from its kecamatan or the
    # kabupaten remainder (see docs/coverage.md); real desa figures replace estimates on the next load.
    op.add_column("desa", sa.Column("population_basis", sa.String(30)))
    # Generated demo history is kept apart from real calls in every query and label.
    op.add_column("incident", sa.Column("synthetic", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_index("ix_incident_synthetic_received", "incident", ["synthetic", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_incident_synthetic_received", "incident")
    op.drop_column("incident", "synthetic")
    op.drop_column("desa", "population_basis")
    op.drop_table("coverage_threshold")
