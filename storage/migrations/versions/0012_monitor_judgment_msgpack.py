"""monitor state: a kept judgment is MessagePack bytes (`monitor_judged.judgment`,
nianbao.monitoring.kept), not JSON: a new process decoding 100,000 kept judgments spent ~24 CPU us
on each as JSON, ~7 us as MessagePack decoded by msgspec.

The kept state is what the last evaluation saw and said, nothing more: it is dropped (every
year's), and the next evaluation of each year judges every agency again and keeps it anew.

Revision ID: 0012
Revises: 0011
Create Date: 2027-01-20 10:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def _judged(payload: sa.Column) -> None:
    op.create_table(
        'monitor_judged',
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('agency', sa.Text(), nullable=False),
        sa.Column('entry_key', sa.Text(), nullable=False),
        sa.Column('reports_key', sa.Text(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        payload,
        sa.Column('signature', sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint('year', 'agency', name=op.f('pk_monitor_judged')),
    )


def _forget_kept_state() -> None:
    op.execute(sa.text("DELETE FROM monitor_copy_pairs"))
    op.execute(sa.text("DELETE FROM monitor_state"))
    op.drop_table('monitor_judged')


def upgrade() -> None:
    _forget_kept_state()
    _judged(sa.Column('judgment', sa.LargeBinary(), nullable=False))


def downgrade() -> None:
    _forget_kept_state()
    _judged(sa.Column('judged', sa.JSON(), nullable=False))
