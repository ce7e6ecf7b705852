"""Dispatch: agencies, stations, unit types, units, incident categories and their unit-type matrix,
incidents, assignments, and the append-only event table.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UNIT_STATUSES = ("available", "dispatched", "en_route", "on_scene", "transporting", "returning", "out_of_service")
DISPOSITIONS = (
    "handled",
    "transported",
    "no_action_needed",
    "false_alarm",
    "prank",
    "ghost_call",
    "duplicate",
    "handed_off",
    "cancelled",
)


# Seed configuration: real agencies and a starting matrix that an admin edits through the API.
AGENCIES = [
    ("bpbd", "BPBD Kabupaten Mojokerto (incl. Damkar/PMK)"),
    ("dinkes", "Dinas Kesehatan Kabupaten Mojokerto (puskesmas)"),
    ("rsud", "RSUD (rumah sakit umum daerah)"),
    ("rs_swasta", "Rumah sakit swasta"),
    ("pmi", "Palang Merah Indonesia (PMI)"),
    ("satpol_pp", "Satpol PP Kabupaten Mojokerto"),
    ("satpol_pp_kota", "Satpol PP Kota Mojokerto (incl. UPT Damkar Kota)"),
    ("polres", "Polres Mojokerto"),
    ("polres_kota", "Polres Mojokerto Kota"),
    ("pupr", "Dinas PUPR Kabupaten Mojokerto"),
    ("pln", "PLN UP3 Mojokerto"),
    ("dinsos", "Dinas Sosial Kabupaten Mojokerto"),
    ("tni", "Kodim 0815/Mojokerto"),
]
# Speed factors: routing takes them from the unit_type table (a Satpol-PP pickup drives like BPBD rescue).
UNIT_TYPES = [
    ("ambulance", "Ambulans", 1.25, "patient transport under siren"),
    ("fire_truck", "Mobil pemadam kebakaran", 0.85, "heavy Damkar truck"),
    ("rescue", "Kendaraan rescue BPBD", 1.1, "BPBD rescue pickup (floods, landslides, fallen trees, animals)"),
    ("satpol_pp_patrol", "Patroli Satpol PP", 1.1, "public order patrol"),
    ("police_patrol", "Patroli polisi", 1.25, "Polres/Polsek patrol car"),
]
# (code, name, default priority 1 = life at risk .. 3 = not urgent, [(unit type, count, optional)])
CATEGORIES = [
    ("medis", "Medis", 1, [("ambulance", 1, False)]),
    ("kebakaran", "Kebakaran", 1, [("fire_truck", 2, False), ("ambulance", 1, True)]),
    ("kecelakaan_lalu_lintas", "Kecelakaan lalu lintas", 1, [("ambulance", 1, False), ("police_patrol", 1, False)]),
    ("banjir", "Banjir", 2, [("rescue", 1, False)]),
    ("tanah_longsor", "Tanah longsor", 1, [("rescue", 1, False), ("ambulance", 1, True)]),
    ("pohon_tumbang", "Pohon tumbang", 2, [("rescue", 1, False)]),
    ("gangguan_ketertiban", "Gangguan ketertiban", 2, [("satpol_pp_patrol", 1, False), ("police_patrol", 1, True)]),
    ("orang_tenggelam", "Orang tenggelam", 1, [("rescue", 1, False), ("ambulance", 1, False)]),
    ("hewan_berbahaya", "Hewan berbahaya", 2, [("rescue", 1, False)]),
    ("kriminalitas", "Kriminalitas", 1, [("police_patrol", 1, False)]),
    ("lainnya", "Lainnya", 3, []),
]


def _seed() -> None:
    meta = sa.MetaData()
    tables = {
        name: sa.Table(name, meta, autoload_with=op.get_bind())
        for name in ("agency", "unit_type", "incident_category", "category_requirement")
    }
    op.bulk_insert(tables["agency"], [{"code": c, "name": n} for c, n in AGENCIES])
    op.bulk_insert(
        tables["unit_type"], [{"code": c, "name": n, "speed_factor": f, "description": d} for c, n, f, d in UNIT_TYPES]
    )
    op.bulk_insert(
        tables["incident_category"],
        [{"code": c, "name": n, "default_priority": p, "sort_order": i} for i, (c, n, p, _) in enumerate(CATEGORIES)],
    )
    op.bulk_insert(
        tables["category_requirement"],
        [
            {"category_code": c, "unit_type_code": t, "count": k, "optional": o}
            for c, _, _, needs in CATEGORIES
            for t, k, o in needs
        ],
    )


def _point() -> Geometry:
    return Geometry("POINT", srid=4326, spatial_index=False)


def _ts(name: str, nullable: bool = True, now: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable, server_default=sa.func.now() if now else None)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "agency", sa.Column("code", sa.String(30), primary_key=True), sa.Column("name", sa.String(200), nullable=False)
    )
    op.create_table(
        "station",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(20), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("agency_code", sa.String(30), sa.ForeignKey("agency.code"), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("status", sa.String(60), nullable=False),
        sa.Column("address", sa.Text),
        sa.Column("phone", sa.Text),
        sa.Column("desa_code", sa.String(13), sa.ForeignKey("desa.code")),
        sa.Column("kecamatan_code", sa.String(8), sa.ForeignKey("kecamatan.code")),
        sa.Column("geom", _point(), nullable=False),
        sa.Column("precision", sa.String(20), nullable=False),
        sa.Column("source", sa.Text),
        sa.Column("note", sa.Text),
        _ts("updated_at", nullable=False, now=True),
        sa.CheckConstraint(
            _in("precision", ("surveyed", "desa", "kecamatan", "jurisdiction")), name="station_precision"
        ),
    )
    op.create_table(
        "unit_type",
        sa.Column("code", sa.String(30), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("speed_factor", sa.Float, nullable=False, server_default="1.0"),
        sa.Column("description", sa.Text),
        sa.CheckConstraint("speed_factor > 0 AND speed_factor <= 3", name="unit_type_speed_factor"),
        sa.CheckConstraint("code ~ '^[a-z][a-z0-9_]*$'", name="unit_type_code"),
    )
    op.create_table(
        "unit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("call_sign", sa.String(40), nullable=False, unique=True),
        sa.Column("unit_type_code", sa.String(30), sa.ForeignKey("unit_type.code"), nullable=False),
        sa.Column("agency_code", sa.String(30), sa.ForeignKey("agency.code"), nullable=False),
        sa.Column("station_id", sa.Integer, sa.ForeignKey("station.id")),
        sa.Column("status", sa.String(20), nullable=False, server_default="available"),
        _ts("status_at", nullable=False, now=True),
        sa.Column("geom", _point()),
        _ts("position_at"),
        sa.Column("position_source", sa.String(10)),
        sa.Column("demo", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("note", sa.Text),
        sa.CheckConstraint(_in("status", UNIT_STATUSES), name="unit_status"),
        sa.CheckConstraint(_in("position_source", ("station", "avl")), name="unit_position_source"),
        sa.CheckConstraint("(geom IS NULL) = (position_at IS NULL)", name="unit_position_has_time"),
    )
    op.create_index("ix_unit_type_status", "unit", ["unit_type_code", "status"])
    op.create_table(
        "incident_category",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("default_priority", sa.Integer, nullable=False),
        sa.Column("sort_order", sa.Integer, nullable=False, server_default="0"),
        sa.CheckConstraint("default_priority BETWEEN 1 AND 3", name="incident_category_priority"),
    )
    op.create_table(
        "category_requirement",
        sa.Column("category_code", sa.String(40), sa.ForeignKey("incident_category.code"), primary_key=True),
        sa.Column("unit_type_code", sa.String(30), sa.ForeignKey("unit_type.code"), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False, server_default="1"),
        sa.Column("optional", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.CheckConstraint("count BETWEEN 1 AND 20", name="category_requirement_count"),
    )
    op.create_table(
        "incident",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("category_code", sa.String(40), sa.ForeignKey("incident_category.code"), nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("caller_name", sa.String(200)),
        sa.Column("caller_phone", sa.String(40)),
        sa.Column("description", sa.Text),
        sa.Column("address", sa.Text),
        sa.Column("geom", _point(), nullable=False),
        sa.Column("road_geom", _point()),
        sa.Column("road_distance_m", sa.Float),
        sa.Column("location_match", sa.String(10), nullable=False),
        sa.Column("desa_code", sa.String(13), sa.ForeignKey("desa.code")),
        sa.Column("kecamatan_code", sa.String(8), sa.ForeignKey("kecamatan.code")),
        sa.Column("jurisdiction_code", sa.String(5), sa.ForeignKey("jurisdiction.code")),
        sa.Column("handoff", sa.Text),
        sa.Column("status", sa.String(10), nullable=False, server_default="open"),
        _ts("received_at", nullable=False, now=True),
        *[_ts(f"{phase}_at") for phase in ("dispatched", "en_route", "on_scene", "cleared", "closed")],
        sa.Column("disposition", sa.String(30)),
        sa.Column("disposition_note", sa.Text),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.CheckConstraint("priority BETWEEN 1 AND 3", name="incident_priority"),
        sa.CheckConstraint(_in("status", ("open", "closed")), name="incident_status"),
        sa.CheckConstraint(_in("location_match", ("inside", "nearest", "outside")), name="incident_location_match"),
        sa.CheckConstraint(_in("disposition", DISPOSITIONS), name="incident_disposition"),
        sa.CheckConstraint(
            "(status = 'closed') = (closed_at IS NOT NULL AND disposition IS NOT NULL)",
            name="incident_closed_has_disposition",
        ),
    )
    op.create_index("ix_incident_status_received", "incident", ["status", "received_at"])
    op.execute("CREATE INDEX ix_incident_geom ON incident USING gist (geom)")
    op.create_table(
        "assignment",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("incident_id", sa.Integer, sa.ForeignKey("incident.id"), nullable=False),
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("unit.id"), nullable=False),
        sa.Column("assigned_by", sa.String(100), nullable=False),
        _ts("assigned_at", nullable=False, now=True),
        sa.Column("eta_s", sa.Float),
        sa.Column("distance_m", sa.Float),
        *[_ts(f"{phase}_at") for phase in ("acknowledged", "en_route", "on_scene", "transporting", "ended")],
        sa.Column("end_reason", sa.String(20)),
        sa.CheckConstraint(_in("end_reason", ("cleared", "stood_down")), name="assignment_end_reason"),
        sa.CheckConstraint("(ended_at IS NULL) = (end_reason IS NULL)", name="assignment_ended_has_reason"),
    )
    op.create_index("ix_assignment_incident", "assignment", ["incident_id"])
    # The database itself guarantees a unit is never held by two incidents at once.
    op.execute("CREATE UNIQUE INDEX ux_assignment_active_unit ON assignment (unit_id) WHERE ended_at IS NULL")
    op.create_table(
        "event",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("clock_timestamp()")),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("entity", sa.String(40), nullable=False),
        sa.Column("entity_id", sa.String(60), nullable=False),
        sa.Column("incident_id", sa.Integer, sa.ForeignKey("incident.id")),
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("unit.id")),
        sa.Column("before", JSONB),
        sa.Column("after", JSONB),
    )
    op.create_index("ix_event_incident", "event", ["incident_id", "id"])
    op.create_index("ix_event_entity", "event", ["entity", "entity_id", "id"])
    # Append-only, whoever connects: a trigger cannot be bypassed by a forgotten REVOKE.
    op.execute("""
        CREATE FUNCTION event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'the event table is append-only: % is not allowed', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END $$
    """)
    op.execute(
        "CREATE TRIGGER event_no_update_delete BEFORE UPDATE OR DELETE ON event "
        "FOR EACH ROW EXECUTE FUNCTION event_append_only()"
    )
    op.execute(
        "CREATE TRIGGER event_no_truncate BEFORE TRUNCATE ON event "
        "FOR EACH STATEMENT EXECUTE FUNCTION event_append_only()"
    )
    _seed()


def downgrade() -> None:
    op.execute("DROP TABLE event")  # DROP is allowed: the triggers guard rows, not the schema
    op.execute("DROP FUNCTION event_append_only()")
    for table in (
        "assignment",
        "incident",
        "category_requirement",
        "incident_category",
        "unit",
        "unit_type",
        "station",
        "agency",
    ):
        op.drop_table(table)
