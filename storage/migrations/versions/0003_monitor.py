"""monitoring: why each capture was fetched, what each crawl's column listed, and monitor events

Revision ID: 0003
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('captures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=20), nullable=True))
    with op.batch_alter_table('crawl_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('listed', sa.JSON(), nullable=False, server_default='[]'))
    op.create_table('monitor_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('agency', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('observed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitor_events')),
    )
    with op.batch_alter_table('monitor_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monitor_events_year'), ['year'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('monitor_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monitor_events_year'))
    op.drop_table('monitor_events')
    with op.batch_alter_table('crawl_runs', schema=None) as batch_op:
        batch_op.drop_column('listed')
    with op.batch_alter_table('captures', schema=None) as batch_op:
        batch_op.drop_column('role')
