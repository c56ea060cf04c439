"""discovered columns: 年报 columns found from an agency's portal, with their evidence and moves

Revision ID: 0005
Revises: 0004
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'discovered_columns',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('portal', sa.Text(), nullable=False),
        sa.Column('url', sa.Text(), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('platform', sa.String(length=20), nullable=True),
        sa.Column('evidence', sa.JSON(), nullable=False),
        sa.Column('reports_listed', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('moved_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('moved_why', sa.Text(), nullable=True),
        sa.Column('moved_from', sa.Text(), nullable=True),
        sa.Column('moved_to', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_discovered_columns_agency_id_agencies')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_discovered_columns')),
        sa.UniqueConstraint('agency_id', 'url', name='uq_discovered_columns_agency_url'),
    )
    with op.batch_alter_table('discovered_columns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discovered_columns_agency_id'), ['agency_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('discovered_columns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_discovered_columns_agency_id'))
    op.drop_table('discovered_columns')
