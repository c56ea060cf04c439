"""blob packs: where each payload stored inside a pack file lies (storage/packs.py). A blob
batch's payloads are written into one pack file (one creation and one fsync for the batch, not
one file each); these rows, inserted in the transaction that commits the captures pointing at
the payloads, say which pack holds each digest and where. Loose blob files are unchanged.

Downgrading refuses while payloads are packed: without this table they could not be found.

Revision ID: 0013
Revises: 0012
Create Date: 2027-01-27 10:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'blob_packs',
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('pack', sa.String(length=64), nullable=False),
        sa.Column('start', sa.BigInteger(), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('digest', name=op.f('pk_blob_packs')),
    )
    op.create_index(op.f('ix_blob_packs_pack'), 'blob_packs', ['pack'])


def downgrade() -> None:
    packed = op.get_bind().execute(sa.text("SELECT count(*) FROM blob_packs")).scalar()
    if packed:
        raise RuntimeError(f"{packed} payloads are stored in pack files, found only through blob_packs: "
                           "this archive cannot go below migration 0013")
    op.drop_index(op.f('ix_blob_packs_pack'), table_name='blob_packs')
    op.drop_table('blob_packs')
