"""`monitor_events` indexed by (observed_at, id): the Atom feed's newest 200 events
(`storage.monitor_events.newest_events`) read from the index, not by sorting every event. At
100,000 agencies a first recorded run adds ~190,000 events, and every `nianbao monitor --atom`
from cron sorted them all again (~0.5 s of a run that must stay within 5 s).

Revision ID: 0015
Revises: 0014
Create Date: 2027-02-03 12:00:00
"""

from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_monitor_events_observed_at_id", "monitor_events", ["observed_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_monitor_events_observed_at_id", table_name="monitor_events")
