"""the archive's change counter: a one-row table that triggers bump on every UPDATE or DELETE
of agencies, reports, report versions, crawl runs and captures, and every write to the
discovered departments and monitor events (storage.changes), so what the
web UI keeps per archive state is recomputed after edits in place too (`nianbao db reindex`,
an agency's region changed, reports refiled, a crawl run closed)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 15:00:00
"""

from alembic import op

from storage import changes

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    changes.create(op.get_bind())


def downgrade() -> None:
    changes.drop(op.get_bind())
