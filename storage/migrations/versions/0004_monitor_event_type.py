"""monitor events: the column `kind` becomes `event_type` ("status" or the finding's word; an
agency's kind is another thing)

Revision ID: 0004
Revises: 0003
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('monitor_events', schema=None) as batch_op:
        batch_op.alter_column('kind', new_column_name='event_type', existing_type=sa.String(length=30),
                              existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('monitor_events', schema=None) as batch_op:
        batch_op.alter_column('event_type', new_column_name='kind', existing_type=sa.String(length=30),
                              existing_nullable=False)
