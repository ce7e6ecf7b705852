"""A returned ticket is an alert in the 112 console until a dispatcher has seen it.

An agency that returns a ticket (it is not theirs, or they cannot act) hands the report back to 112; until a
dispatcher says they saw it (``ticket.return_seen_by``/``return_seen_at``, and ``ticket.return_seen`` in the audit
trail) or the incident is closed, it is listed with the overdue tickets.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("ticket", sa.Column("return_seen_by", sa.String(100)))
    op.add_column("ticket", sa.Column("return_seen_at", sa.DateTime(timezone=True)))
    # returns from before this revision were dealt with on the phone: not alerts now
    op.execute(
        "UPDATE ticket SET return_seen_by = 'migration 0015', return_seen_at = closed_at WHERE status = 'returned'"
    )
    op.create_check_constraint(
        "ticket_return_seen_when_returned", "ticket", "return_seen_at IS NULL OR status = 'returned'"
    )


def downgrade() -> None:
    op.drop_constraint("ticket_return_seen_when_returned", "ticket", type_="check")
    op.drop_column("ticket", "return_seen_at")
    op.drop_column("ticket", "return_seen_by")
