"""The caller's own location: how precise the caller's phone said it was, and an outbox of text messages.

``incident.caller_accuracy_m`` / ``caller_located_at``: set when the caller's phone sent its position through
the caller link (the incident moved there). ``sms_outbox``: the text messages geo112 asked to send, as the
logging outbox gateway keeps them (a real SMS gateway plugs in behind the same interface).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("incident", sa.Column("caller_accuracy_m", sa.Float))
    op.add_column("incident", sa.Column("caller_located_at", sa.DateTime(timezone=True)))
    op.create_table(
        "sms_outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("incident_id", sa.Integer, sa.ForeignKey("incident.id")),
        sa.Column("to_number", sa.String(40), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def downgrade() -> None:
    op.drop_table("sms_outbox")
    op.drop_column("incident", "caller_located_at")
    op.drop_column("incident", "caller_accuracy_m")
