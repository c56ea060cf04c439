"""PostgreSQL search: `search_parts.is_current`, a copy of each part's entry's flag, so a term's
current matches are found in the parts alone (the windows index, then the part's own row), not
joined back to `search_entries` one index probe per match (100,000 probes for a term in every
report: the 3-character p95 of bench/search.py). `refresh_current` keeps the copy in step;
`search_index.verify` reports a disagreement. SQLite: nothing.

The column is added with the default true (held in the catalogue: no rewrite of the table), then
the parts of versions that are not current are set false, each a row update that computes the
part's windows again for the index (~3 ms a part).

Revision ID: 0014
Revises: 0013
Create Date: 2027-01-27 12:00:00
"""

from alembic import op

from storage import search_index

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        search_index.add_parts_current(connection)


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        search_index.drop_parts_current(connection)
