"""monitor state: what the last evaluation of a report year saw and said, so the next one judges
only the agencies whose archive, registry entry or deadline changed (nianbao.monitoring.incremental,
storage.monitor_state); and an index on captures.final_url, so the reports' fetches are found
through redirects without scanning every capture

Revision ID: 0009
Revises: 0008
Create Date: 2027-01-10 10:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('captures', schema=None) as batch_op:
        batch_op.create_index('ix_captures_final_url', ['final_url'], unique=False)
    op.create_table(
        'monitor_state',
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('marks', sa.JSON(), nullable=False),
        sa.Column('generation', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('year', name=op.f('pk_monitor_state')),
    )
    op.create_table(
        'monitor_judged',
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('agency', sa.Text(), nullable=False),
        sa.Column('entry_key', sa.Text(), nullable=False),
        sa.Column('reports_key', sa.Text(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('judged', sa.JSON(), nullable=False),
        sa.Column('signature', sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint('year', 'agency', name=op.f('pk_monitor_judged')),
    )
    op.create_table(
        'monitor_copy_pairs',
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('agency_a', sa.Text(), nullable=False),
        sa.Column('agency_b', sa.Text(), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('year', 'agency_a', 'agency_b', name=op.f('pk_monitor_copy_pairs')),
    )
    with op.batch_alter_table('monitor_copy_pairs', schema=None) as batch_op:
        batch_op.create_index('ix_monitor_copy_pairs_year_b', ['year', 'agency_b'], unique=False)


def downgrade() -> None:
    op.drop_table('monitor_copy_pairs')
    op.drop_table('monitor_judged')
    op.drop_table('monitor_state')
    with op.batch_alter_table('captures', schema=None) as batch_op:
        batch_op.drop_index('ix_captures_final_url')
