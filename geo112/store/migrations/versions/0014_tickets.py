"""Tickets: reports 112 forwards to the agencies (OPDs) behind it, and the officers who answer them.

- The agencies that answer reports but own no units (Dishub, DPRKP2, DP2KBP2, PDAM, Diskominfo) join
  ``agency``; the region pack (``[[agency]]``) writes the same on every load.
- Report categories that go to an agency (lampu jalan, listrik padam, jalan rusak, air bersih, KDRT, ODGJ)
  join ``incident_category``; ``category_agency`` says which agencies get a ticket for a category, whether the
  agency sees the caller's name and phone (to call back), whether the ticket goes out when the incident is
  recorded, and whether the caller gets a text when it is done. The seeds and their sources: docs/agencies.md.
- ``ticket``: one per agency and incident while it is not returned; sent → acknowledged → in_progress → done,
  or returned (back to the 112 queue). Every change is an event of the audit trail.
- ``app_user.agency_code``: the agency an officer works for (role ``officer``, and only that role, has one).
- ``phase_target`` takes two phases more, ``ticket_acknowledge`` (sent → acknowledged) and ``ticket_done``
  (sent → done), with defaults per priority and their sources.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

AGENCIES = [
    ("dishub", "Dinas Perhubungan Kabupaten Mojokerto (penerangan jalan umum)"),
    ("dprkp2", "Dinas Perumahan Rakyat, Kawasan Permukiman dan Pertanahan (DPRKP2) Kabupaten Mojokerto"),
    ("dp2kbp2", "DP2KBP2 Kabupaten Mojokerto (perlindungan perempuan dan anak)"),
    ("pdam", "Perumda Air Minum (PDAM) Kabupaten Mojokerto"),
    ("diskominfo", "Diskominfo Kabupaten Mojokerto (pengelola Call Center 112)"),
]
# (code, name, default priority, sort order): reports that are an agency's work more than a unit's.
CATEGORIES = [
    ("lampu_jalan", "Lampu jalan (PJU) mati", 3, 20),
    ("listrik_padam", "Listrik padam / kabel putus", 2, 21),
    ("jalan_rusak", "Jalan rusak / berlubang", 3, 22),
    ("air_bersih", "Air bersih (PDAM) mati", 3, 23),
    ("kdrt", "KDRT / kekerasan terhadap anak", 1, 24),
    ("odgj_terlantar", "ODGJ / orang terlantar", 2, 25),
]
_DOC = "docs/agencies.md"
# (category, agency, caller visible, forwarded when recorded, text the caller when done)
ROUTES = [
    ("lampu_jalan", "dishub", False, True, True),
    ("listrik_padam", "pln", False, True, True),
    ("jalan_rusak", "pupr", False, True, True),
    ("pohon_tumbang", "bpbd", False, False, False),
    ("pohon_tumbang", "pupr", False, False, False),
    ("air_bersih", "pdam", True, True, True),
    ("kdrt", "dp2kbp2", True, False, False),
    ("odgj_terlantar", "dinsos", True, False, False),
    ("hewan_berbahaya", "bpbd", True, False, False),
]
_DEFAULT = "geo112 default for forwarded reports (docs/agencies.md, 'Deadlines')"
_LAPOR = ("SP4N-LAPOR!: first answer within 3 days, a complaint settled within 5 (KemenPAN-RB, "
          "republika.co.id 2018-06-14); geo112 asks 112's agencies for less (docs/agencies.md)")  # fmt: skip
TARGETS = [
    ("ticket_acknowledge", None, 1, 15 * 60, _DEFAULT),
    ("ticket_acknowledge", None, 2, 60 * 60, _DEFAULT),
    ("ticket_acknowledge", None, 3, 4 * 3600, _DEFAULT),
    ("ticket_done", None, 1, 4 * 3600, _DEFAULT),
    ("ticket_done", None, 2, 24 * 3600, _DEFAULT),
    ("ticket_done", None, 3, 3 * 24 * 3600, _LAPOR),
]
_PHASES = ("dispatch", "acknowledge", "en_route", "on_scene", "on_scene_time")
STATES = ("sent", "acknowledged", "in_progress", "done", "returned")


def _phases(phases: tuple[str, ...]) -> str:
    return "phase IN (" + ", ".join(f"'{p}'" for p in phases) + ")"


def upgrade() -> None:
    meta = sa.MetaData()
    agency = sa.Table("agency", meta, autoload_with=op.get_bind())
    op.execute(
        sa.dialects.postgresql.insert(agency)
        .values([{"code": c, "name": n} for c, n in AGENCIES])
        .on_conflict_do_nothing()
    )
    category = sa.Table("incident_category", meta, autoload_with=op.get_bind())
    op.bulk_insert(
        category,
        [{"code": c, "name": n, "default_priority": p, "sort_order": s, "duplicate_radius_m": 200,
          "duplicate_window_min": 24 * 60} for c, n, p, s in CATEGORIES],
    )  # fmt: skip
    routes = op.create_table(
        "category_agency",
        sa.Column("category_code", sa.String(40), sa.ForeignKey("incident_category.code", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("agency_code", sa.String(30), sa.ForeignKey("agency.code"), primary_key=True),
        sa.Column("caller_visible", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("auto_forward", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("notify_caller", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("source", sa.Text, nullable=False),
    )  # fmt: skip
    op.bulk_insert(
        routes,
        [{"category_code": c, "agency_code": a, "caller_visible": v, "auto_forward": f, "notify_caller": n,
          "source": _DOC} for c, a, v, f, n in ROUTES],
    )  # fmt: skip
    op.create_table(
        "ticket",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("incident_id", sa.Integer, sa.ForeignKey("incident.id"), nullable=False, index=True),
        sa.Column("agency_code", sa.String(30), sa.ForeignKey("agency.code"), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="sent"),
        sa.Column("sent_by", sa.String(100), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("acknowledged_by", sa.String(100)),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True)),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("closed_by", sa.String(100)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("resolution", sa.Text),
        sa.Column("return_reason", sa.Text),
        sa.Column("escalations", sa.Integer, nullable=False, server_default="0"),
        sa.Column("escalated_at", sa.DateTime(timezone=True)),
        sa.Column("link_version", sa.Integer, nullable=False, server_default="0"),
        sa.Column("synthetic", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.CheckConstraint("status IN (" + ", ".join(f"'{s}'" for s in STATES) + ")", name="ticket_status"),
        sa.CheckConstraint("(status IN ('done', 'returned')) = (closed_at IS NOT NULL)", name="ticket_closed"),
        sa.CheckConstraint("status <> 'done' OR resolution IS NOT NULL", name="ticket_done_has_resolution"),
        sa.CheckConstraint("status <> 'returned' OR return_reason IS NOT NULL", name="ticket_returned_has_reason"),
    )
    # One live ticket per agency and incident; a returned one may be followed by a new one.
    op.execute("CREATE UNIQUE INDEX ux_ticket_live ON ticket (incident_id, agency_code) WHERE status <> 'returned'")
    op.execute("CREATE INDEX ix_ticket_agency_sent ON ticket (agency_code, sent_at)")
    op.add_column("app_user", sa.Column("agency_code", sa.String(30), sa.ForeignKey("agency.code")))
    op.drop_constraint("app_user_role", "app_user", type_="check")
    op.create_check_constraint("app_user_role", "app_user", "role IN ('dispatcher', 'planner', 'admin', 'officer')")
    op.create_check_constraint("app_user_officer_agency", "app_user", "(role = 'officer') = (agency_code IS NOT NULL)")
    op.drop_constraint("phase_target_phase", "phase_target", type_="check")
    op.create_check_constraint(
        "phase_target_phase", "phase_target", _phases((*_PHASES, "ticket_acknowledge", "ticket_done"))
    )
    target = sa.Table("phase_target", meta, autoload_with=op.get_bind())
    op.bulk_insert(
        target, [dict(zip(("phase", "category_code", "priority", "seconds", "source"), row)) for row in TARGETS]
    )


def downgrade() -> None:
    op.execute("DELETE FROM phase_target WHERE phase LIKE 'ticket_%'")
    op.drop_constraint("phase_target_phase", "phase_target", type_="check")
    op.create_check_constraint("phase_target_phase", "phase_target", _phases(_PHASES))
    op.drop_constraint("app_user_officer_agency", "app_user", type_="check")
    op.execute("DELETE FROM app_user WHERE role = 'officer'")
    op.drop_constraint("app_user_role", "app_user", type_="check")
    op.create_check_constraint("app_user_role", "app_user", "role IN ('dispatcher', 'planner', 'admin')")
    op.drop_column("app_user", "agency_code")
    op.drop_table("ticket")
    op.drop_table("category_agency")
    codes = ", ".join(f"'{c}'" for c, *_ in CATEGORIES)
    op.execute(f"DELETE FROM phase_target WHERE category_code IN ({codes})")
    op.execute(f"DELETE FROM category_requirement WHERE category_code IN ({codes})")
    op.execute(f"DELETE FROM incident_category WHERE code IN ({codes})")
    # The agencies stay: the region pack may name them, and stations or units may belong to them.
