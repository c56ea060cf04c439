"""PostgreSQL search: terms of 3+ characters through the windows of each text's parts
(search_parts, a GIN index on nianbao_windows(body): storage.search_index), not a pg_trgm index
on the whole text, whose every candidate had its TOASTed text read again. SQLite: nothing

Revision ID: 0011
Revises: 0010
Create Date: 2027-01-20 10:00:00
"""

from alembic import op

from storage import search_index

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        search_index.add_parts(connection)


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        search_index.drop_parts(connection)
