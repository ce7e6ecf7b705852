"""Move-up: a unit can be ordered to another station to keep its type's coverage (status ``relocating``).

``unit.relocation_station_id`` is the station a relocating unit drives to; on arrival (``available``) a unit
without AVL is placed there and the column is cleared.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_BEFORE = ("available", "dispatched", "en_route", "on_scene", "transporting", "returning", "out_of_service")


def _statuses(statuses: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{s}'" for s in statuses) + ")"


def upgrade() -> None:
    op.add_column("unit", sa.Column("relocation_station_id", sa.Integer, sa.ForeignKey("station.id")))
    op.drop_constraint("unit_status", "unit", type_="check")
    op.create_check_constraint("unit_status", "unit", _statuses((*_BEFORE, "relocating")))
    op.create_check_constraint(
        "unit_relocation_has_target", "unit", "(status = 'relocating') = (relocation_station_id IS NOT NULL)"
    )


def downgrade() -> None:
    op.drop_constraint("unit_relocation_has_target", "unit", type_="check")
    op.execute("UPDATE unit SET status = 'available' WHERE status = 'relocating'")
    op.drop_constraint("unit_status", "unit", type_="check")
    op.create_check_constraint("unit_status", "unit", _statuses(_BEFORE))
    op.drop_column("unit", "relocation_station_id")
