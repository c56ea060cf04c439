"""the numbers table: every number cell of every report version, read out of its record once
(storage.numbers_table), so that statistics sum a field in SQL without parsing each record's JSON

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08 10:00:00
"""

from alembic import op

from storage import numbers_table

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    numbers_table.create_tables(connection)
    numbers_table.fill(connection)


def downgrade() -> None:
    numbers_table.drop_tables(op.get_bind())
