"""The planners' simulation results, kept so that the web report prints one in its *Simulasi* section.

A run of ``POST /api/v1/simulation`` is a year of calls replayed (seconds of CPU); the report takes a kept
result instead of running its own in a request. The newest few are kept (``geo112.simulation.stored``).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "simulation_result",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("document", JSONB, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("simulation_result")
