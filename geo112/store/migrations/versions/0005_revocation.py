"""Revocation: a session version per user, a link version per assignment.

A login stores the user's ``session_version`` in the session; logging out, changing the password or disabling
the account increments it, so every copy of an old session cookie stops working. A responder link carries its
assignment's ``link_version``; issuing a new link increments it, so the old link stops working.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("app_user", sa.Column("session_version", sa.Integer, nullable=False, server_default="0"))
    op.add_column("assignment", sa.Column("link_version", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    op.drop_column("assignment", "link_version")
    op.drop_column("app_user", "session_version")
