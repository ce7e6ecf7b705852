"""Calls from the phone system: a call rings before anyone types it, and many calls never become incidents.

``call`` rows now also come from the PBX (``sip_call_id``): ringing (``received_at``, the phones that rang),
answered (when, by which phone and operator), ended (when, by whom) or abandoned, and the operator's one-key
class. A call closed as prank, silent, information, wrong number or test has no incident, so ``incident_id``
may be empty (a call typed in by a dispatcher still always has one).

``operator_phone`` maps a phone's extension to the operator who sits at it; ``watch_list`` holds numbers
listed for repeated prank or silent calls, until when, and who lifted them.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
CLASSES = ("darurat", "informasi", "prank", "silent", "salah_sambung", "tes", "gabung")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    op.alter_column("call", "incident_id", nullable=True)
    for column in (
        sa.Column("sip_call_id", sa.String(200), unique=True),
        sa.Column("rang_phones", postgresql.ARRAY(sa.String(40))),
        sa.Column("answered_at", _TS),
        sa.Column("answered_phone", sa.String(40)),
        sa.Column("ended_at", _TS),
        sa.Column("ended_by", sa.String(10)),
        sa.Column("outcome", sa.String(12)),
        sa.Column("classification", sa.String(20)),
        sa.Column("classified_at", _TS),
        sa.Column("classification_note", sa.Text),
        sa.Column("watch_listed", sa.Boolean, nullable=False, server_default=sa.false()),
    ):
        op.add_column("call", column)
    op.create_check_constraint("call_ended_by", "call", _in("ended_by", ("caller", "operator")))
    op.create_check_constraint(
        "call_outcome", "call", _in("outcome", ("answered", "abandoned", "unanswered", "rejected"))
    )
    op.create_check_constraint("call_classification", "call", _in("classification", CLASSES))
    # A call typed in by a dispatcher is about an incident; only a PBX call may stand alone.
    op.create_check_constraint("call_has_incident_or_sip", "call", "incident_id IS NOT NULL OR sip_call_id IS NOT NULL")
    op.create_index(
        "call_ringing",
        "call",
        ["received_at"],
        postgresql_where=sa.text("sip_call_id IS NOT NULL AND ended_at IS NULL"),
    )
    op.create_table(
        "operator_phone",
        sa.Column("extension", sa.String(40), primary_key=True),
        sa.Column("username", sa.String(64), sa.ForeignKey("app_user.username", ondelete="CASCADE"), nullable=False),
    )
    op.create_table(
        "watch_list",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("number", sa.String(40), nullable=False),
        sa.Column("listed_at", _TS, nullable=False, server_default=sa.func.now()),
        sa.Column("until", _TS, nullable=False),
        sa.Column("calls", sa.Integer, nullable=False),
        sa.Column("lifted_at", _TS),
        sa.Column("lifted_by", sa.String(100)),
        sa.Column("lift_reason", sa.Text),
    )
    op.create_index("watch_list_number", "watch_list", ["number", "until"])


def downgrade() -> None:
    op.drop_table("watch_list")
    op.drop_table("operator_phone")
    op.drop_index("call_ringing", "call")
    op.execute("DELETE FROM call WHERE incident_id IS NULL")
    for name in ("call_has_incident_or_sip", "call_classification", "call_outcome", "call_ended_by"):
        op.drop_constraint(name, "call", type_="check")
    for name in ("watch_listed", "classification_note", "classified_at", "classification", "outcome", "ended_by",
                 "ended_at", "answered_phone", "answered_at", "rang_phones", "sip_call_id"):  # fmt: skip
        op.drop_column("call", name)
    op.alter_column("call", "incident_id", nullable=False)
