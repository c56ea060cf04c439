"""discovered agencies: departments and townships found from a government's portal, kept apart
from the registry until accepted

Revision ID: 0006
Revises: 0005
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'discovered_agencies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('government', sa.Text(), nullable=False),
        sa.Column('unit', sa.String(length=20), nullable=False),
        sa.Column('portal', sa.Text(), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('evidence', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('accepted_into', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_discovered_agencies_agency_id_agencies')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_discovered_agencies')),
        sa.UniqueConstraint('agency_id', name=op.f('uq_discovered_agencies_agency_id')),
    )
    with op.batch_alter_table('discovered_agencies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discovered_agencies_government'), ['government'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('discovered_agencies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_discovered_agencies_government'))
    op.drop_table('discovered_agencies')
