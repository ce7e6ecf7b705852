"""The fleet's notifications name the unit that changed, so that a listener reads that unit, not the fleet.

Migration 0007 notified ``geo112_fleet`` once per statement with the table's name, and each process's
listener then read every positioned unit to find the one that had moved (an AVL fix moves one). Now a unit's
insert, delete, move or change of type notifies once per row with the unit's id; a unit type's new speed
still notifies ``unit_type`` (its units are read again). PostgreSQL still folds identical payloads of one
transaction into one.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_EVENTS = "INSERT OR DELETE OR UPDATE OF geom, unit_type_code"


def upgrade() -> None:
    op.execute("""
        CREATE FUNCTION notify_unit() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify(TG_ARGV[0], (CASE TG_OP WHEN 'DELETE' THEN OLD.id ELSE NEW.id END)::text);
            RETURN NULL;
        END $$
    """)
    op.execute("DROP TRIGGER unit_notify_fleet ON unit")
    op.execute(
        f"CREATE TRIGGER unit_notify_fleet AFTER {_EVENTS} ON unit "
        "FOR EACH ROW EXECUTE FUNCTION notify_unit('geo112_fleet')"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER unit_notify_fleet ON unit")
    op.execute(
        f"CREATE TRIGGER unit_notify_fleet AFTER {_EVENTS} ON unit "
        "FOR EACH STATEMENT EXECUTE FUNCTION notify_change('geo112_fleet')"
    )
    op.execute("DROP FUNCTION notify_unit()")
