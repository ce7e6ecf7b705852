"""Notify listeners when what they keep in memory changes: the fleet's positions, types and speeds, and users.

Every process that ranks units keeps their travel-time rows, and every web worker remembers which sessions
are valid; a trigger sends ``NOTIFY`` at commit, whichever program made the change, and each process
catches up in a background thread (:mod:`geo112.store.notify`) instead of inside requests. The channel
names are frozen here (``geo112.store.notify.FLEET_CHANNEL`` and ``USERS_CHANNEL`` name the same).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# (trigger, table, events, channel)
_TRIGGERS = (
    ("unit_notify_fleet", "unit", "INSERT OR DELETE OR UPDATE OF geom, unit_type_code", "geo112_fleet"),
    ("unit_type_notify_fleet", "unit_type", "UPDATE OF speed_factor", "geo112_fleet"),
    ("app_user_notify_users", "app_user", "UPDATE OR DELETE", "geo112_users"),
)


def upgrade() -> None:
    # One notification per statement, on the channel the trigger names: PostgreSQL folds identical payloads
    # of one transaction into one.
    op.execute("""
        CREATE FUNCTION notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify(TG_ARGV[0], TG_TABLE_NAME);
            RETURN NULL;
        END $$
    """)
    for name, table, events, channel in _TRIGGERS:
        op.execute(
            f"CREATE TRIGGER {name} AFTER {events} ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION notify_change('{channel}')"
        )


def downgrade() -> None:
    for name, table, _, _ in _TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON {table}")
    op.execute("DROP FUNCTION notify_change()")
