"""PostgreSQL: the bigrams' tsvector stored (a generated column ``invoice_text.bigram_tsv``) and indexed,
instead of an index on the expression ``to_tsvector('simple', bigrams)``.

Why: every row the index cannot settle alone (a lossy bitmap page, or a term on most invoices, where the
planner rightly scans) recomputed ``to_tsvector`` per row: counting 有限 (on every invoice) took 15 s at 1M.
With the vector stored, that work is a comparison. SQLite is unchanged (its FTS5 table holds the tokens).
The column is PostgreSQL-only, so not in ``SQLModel.metadata`` (``models.archive.FULLTEXT_OBJECTS``).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 14:35:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("ALTER TABLE invoice_text ADD COLUMN bigram_tsv tsvector "
               "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, bigrams)) STORED")
    op.execute('DROP INDEX IF EXISTS ix_invoice_text_bigrams')
    op.execute('CREATE INDEX ix_invoice_text_bigram_tsv ON invoice_text USING gin (bigram_tsv)')


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('DROP INDEX IF EXISTS ix_invoice_text_bigram_tsv')
    op.execute('ALTER TABLE invoice_text DROP COLUMN bigram_tsv')
    op.execute("CREATE INDEX IF NOT EXISTS ix_invoice_text_bigrams ON invoice_text "
               "USING gin (to_tsvector('simple'::regconfig, bigrams))")
