"""full-text search: the whole document. Each version's text is written again from its record
with the section headings and the tables as the form prints them (parsing.form_text), and the
index is rebuilt from those texts

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 10:00:00
"""

from alembic import op

from storage import search_index

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    search_index.retext(op.get_bind())


def downgrade() -> None:
    # The longer texts are still a version's text (title and narrative are in them): nothing to undo.
    pass
