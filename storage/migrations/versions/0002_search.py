"""full-text search: the index tables for the dialect (FTS5 on SQLite, pg_trgm on PostgreSQL),
filled from the versions already archived

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 13:45:00
"""

from alembic import op

from storage import search_index

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    search_index.create_tables(connection)
    search_index.rebuild(connection)


def downgrade() -> None:
    search_index.drop_tables(op.get_bind())
