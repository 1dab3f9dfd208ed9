"""The bigrams of each page text move from ``invoice_text.bigrams`` to a table of their own,
``invoice_bigrams`` (``models.invoices.InvoiceBigrams``), with their index (migrations 0007, 0008).

Why: PostgreSQL rechecks every row a trigram match finds against its text. With the bigrams and their
stored tsvector beside the text an ``invoice_text`` row was ~1.3 kB, of which the text ~0.2 kB: counting a
term on 5% of 1M invoices read ~47k pages of 8 kB (~230 ms); with the text alone ~26k pages (~150 ms).

- SQLite: FTS5 ``invoice_bigram_fts`` (unicode61, each pair one token) now has its external content on
  ``invoice_bigrams`` (rowid = ``invoice_bigrams.id``), kept in sync by triggers, rebuilt here.
- PostgreSQL: the stored generated tsvector ``invoice_bigrams.bigram_tsv`` and its GIN index
  ``ix_invoice_bigrams_bigram_tsv``. Dropping the old columns does not shrink rows already written: on a
  large archive, ``VACUUM FULL invoice_text`` after the upgrade rewrites them narrow.
The FTS objects, the tsvector column and its index are not in ``SQLModel.metadata``
(``models.archive.FULLTEXT_OBJECTS``).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 16:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_TRIGGERS = ('invoice_bigram_fts_ai', 'invoice_bigram_fts_ad', 'invoice_bigram_fts_au')


def _sqlite_fts(table: str) -> tuple[str, ...]:
    """Migration 0007's FTS5 bigram index with its external content (and triggers) on ``table``."""
    return (
        f"CREATE VIRTUAL TABLE invoice_bigram_fts USING fts5(bigrams, content='{table}', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 0')",
        f"CREATE TRIGGER invoice_bigram_fts_ai AFTER INSERT ON {table} BEGIN "
        "INSERT INTO invoice_bigram_fts(rowid, bigrams) VALUES (new.id, new.bigrams); END",
        f"CREATE TRIGGER invoice_bigram_fts_ad AFTER DELETE ON {table} BEGIN "
        "INSERT INTO invoice_bigram_fts(invoice_bigram_fts, rowid, bigrams) VALUES ('delete', old.id, old.bigrams); "
        "END",
        f"CREATE TRIGGER invoice_bigram_fts_au AFTER UPDATE OF bigrams ON {table} BEGIN "
        "INSERT INTO invoice_bigram_fts(invoice_bigram_fts, rowid, bigrams) VALUES ('delete', old.id, old.bigrams); "
        "INSERT INTO invoice_bigram_fts(rowid, bigrams) VALUES (new.id, new.bigrams); END",
        "INSERT INTO invoice_bigram_fts(invoice_bigram_fts) VALUES ('rebuild')",
    )


def _drop_sqlite_fts() -> None:
    for name in OLD_TRIGGERS:
        op.execute(f'DROP TRIGGER IF EXISTS {name}')
    op.execute('DROP TABLE IF EXISTS invoice_bigram_fts')


def upgrade() -> None:
    op.create_table('invoice_bigrams',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('invoice_id', sa.Uuid(), nullable=False),
        sa.Column('bigrams', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('invoice_id'),
    )
    op.execute('INSERT INTO invoice_bigrams (id, invoice_id, bigrams) '
               'SELECT id, invoice_id, bigrams FROM invoice_text ORDER BY id')
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        _drop_sqlite_fts()
        for statement in _sqlite_fts('invoice_bigrams'):
            op.execute(statement)
        op.execute('ALTER TABLE invoice_text DROP COLUMN bigrams')  # SQLite >= 3.35; no rebuild
    elif dialect == 'postgresql':
        # the ids were copied: the sequence goes on after them
        op.execute("SELECT setval(pg_get_serial_sequence('invoice_bigrams', 'id'), "
                   "coalesce((SELECT max(id) FROM invoice_bigrams), 0) + 1, false)")
        op.execute("ALTER TABLE invoice_bigrams ADD COLUMN bigram_tsv tsvector "
                   "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, bigrams)) STORED")
        op.execute('CREATE INDEX ix_invoice_bigrams_bigram_tsv ON invoice_bigrams USING gin (bigram_tsv)')
        op.execute('DROP INDEX IF EXISTS ix_invoice_text_bigram_tsv')
        op.execute('ALTER TABLE invoice_text DROP COLUMN bigram_tsv')
        op.drop_column('invoice_text', 'bigrams')


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column('invoice_text', sa.Column('bigrams', sa.Text(), nullable=False, server_default=''))
    op.execute('UPDATE invoice_text SET bigrams = (SELECT b.bigrams FROM invoice_bigrams b '
               'WHERE b.invoice_id = invoice_text.invoice_id) '
               'WHERE EXISTS (SELECT 1 FROM invoice_bigrams b WHERE b.invoice_id = invoice_text.invoice_id)')
    if dialect == 'sqlite':
        _drop_sqlite_fts()
        op.drop_table('invoice_bigrams')
        for statement in _sqlite_fts('invoice_text'):
            op.execute(statement)
    elif dialect == 'postgresql':
        op.drop_table('invoice_bigrams')
        op.execute("ALTER TABLE invoice_text ADD COLUMN bigram_tsv tsvector "
                   "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, bigrams)) STORED")
        op.execute('CREATE INDEX ix_invoice_text_bigram_tsv ON invoice_text USING gin (bigram_tsv)')
