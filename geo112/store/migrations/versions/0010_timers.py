"""Phase targets and acknowledged alerts: how long each phase of an incident may take, and who saw it run over.

``phase_target`` holds a number of seconds per phase (``dispatch``: call to first unit sent;
``acknowledge``: unit sent to *Terima tugas*; ``en_route``: unit sent to on its way; ``on_scene``: call to
the first unit on scene; ``on_scene_time``: first unit on scene to cleared), for a category and/or a priority
or for all (NULL): the most specific row wins. Seeded with the one published target (fire: 15 minutes from
notification to on scene, Permen PU 20/PRT/M/2009, which BPBD Kab. Mojokerto cites) and geo112's defaults,
each row naming its source. ``alert_ack`` records who acknowledged a phase running over (once per incident,
assignment and phase). Alerts themselves are not stored: they are computed from these and the phase
timestamps whenever asked, by any worker.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_DEFAULT = "geo112 default: no target for this phase is published for Kab. Mojokerto (facts/call_center_112.csv)"
_FIRE = ("Permen PU 20/PRT/M/2009: at most 15 minutes from notification to on scene, cited by BPBD "
         "Kab. Mojokerto (facts/call_center_112.csv, fire_response_standard)")  # fmt: skip
SEEDS = [
    ("dispatch", None, 1, 90, _DEFAULT),
    ("dispatch", None, 2, 180, _DEFAULT),
    ("dispatch", None, 3, 600, _DEFAULT),
    ("acknowledge", None, None, 120, _DEFAULT),
    ("en_route", None, None, 240, _DEFAULT),
    ("on_scene", None, 1, 900, _DEFAULT),
    ("on_scene", None, 2, 1200, _DEFAULT),
    ("on_scene", None, 3, 1800, _DEFAULT),
    ("on_scene", "kebakaran", None, 900, _FIRE),
    ("on_scene_time", None, None, 3600, _DEFAULT),
]


def upgrade() -> None:
    target = op.create_table(
        "phase_target",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("phase", sa.String(20), nullable=False),
        sa.Column("category_code", sa.String(40), sa.ForeignKey("incident_category.code", ondelete="CASCADE")),
        sa.Column("priority", sa.Integer),
        sa.Column("seconds", sa.Integer, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.CheckConstraint(
            "phase IN ('dispatch', 'acknowledge', 'en_route', 'on_scene', 'on_scene_time')", name="phase_target_phase"
        ),
        sa.CheckConstraint("seconds > 0", name="phase_target_positive"),
    )
    op.execute(
        "CREATE UNIQUE INDEX ux_phase_target"
        " ON phase_target (phase, coalesce(category_code, ''), coalesce(priority, 0))"
    )
    op.bulk_insert(
        target, [dict(zip(("phase", "category_code", "priority", "seconds", "source"), row)) for row in SEEDS]
    )
    op.create_table(
        "alert_ack",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("incident_id", sa.Integer, sa.ForeignKey("incident.id"), nullable=False),
        sa.Column("assignment_id", sa.Integer, sa.ForeignKey("assignment.id")),
        sa.Column("phase", sa.String(20), nullable=False),
        sa.Column("acknowledged_by", sa.String(100), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.execute("CREATE UNIQUE INDEX ux_alert_ack ON alert_ack (incident_id, coalesce(assignment_id, 0), phase)")


def downgrade() -> None:
    op.drop_table("alert_ack")
    op.drop_table("phase_target")
