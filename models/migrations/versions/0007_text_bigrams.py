"""Two-character full-text queries through an index: ``invoice_text.bigrams`` (every adjacent pair of
letters/digits of the page text, ``models.invoices.text_bigrams``) and its word index.

Why: a query of two characters (a common Chinese word: 北京, 软件, 餐饮) has no whole trigram for the index of
migration 0005, so it scanned every page text: 1.4 s at 1M invoices on SQLite.

- SQLite: FTS5 ``invoice_bigram_fts`` (unicode61 tokenizer: each stored pair is one token; external content
  on ``invoice_text``, rowid = ``invoice_text.id``), kept in sync by triggers.
- PostgreSQL: a GIN index ``ix_invoice_text_bigrams`` on ``to_tsvector('simple', bigrams)``.
Not in ``SQLModel.metadata`` (``models.archive.FULLTEXT_OBJECTS``). Existing rows are filled here (in Python:
the pairs are computed by ``text_bigrams``, as for new rows).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 14:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.invoices import text_bigrams

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_FTS = (
    "CREATE VIRTUAL TABLE invoice_bigram_fts USING fts5(bigrams, content='invoice_text', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER invoice_bigram_fts_ai AFTER INSERT ON invoice_text BEGIN "
    "INSERT INTO invoice_bigram_fts(rowid, bigrams) VALUES (new.id, new.bigrams); END",
    "CREATE TRIGGER invoice_bigram_fts_ad AFTER DELETE ON invoice_text BEGIN "
    "INSERT INTO invoice_bigram_fts(invoice_bigram_fts, rowid, bigrams) VALUES ('delete', old.id, old.bigrams); END",
    "CREATE TRIGGER invoice_bigram_fts_au AFTER UPDATE OF bigrams ON invoice_text BEGIN "
    "INSERT INTO invoice_bigram_fts(invoice_bigram_fts, rowid, bigrams) VALUES ('delete', old.id, old.bigrams); "
    "INSERT INTO invoice_bigram_fts(rowid, bigrams) VALUES (new.id, new.bigrams); END",
)
POSTGRES_INDEX = ("CREATE INDEX IF NOT EXISTS ix_invoice_text_bigrams ON invoice_text "
                  "USING gin (to_tsvector('simple'::regconfig, bigrams))")
BATCH = 5000


def _fill(bind) -> None:
    table = sa.table('invoice_text', sa.column('id', sa.Integer), sa.column('text', sa.Text),
                     sa.column('bigrams', sa.Text))
    last = 0
    while True:
        rows = bind.execute(sa.select(table.c.id, table.c.text).where(table.c.id > last)
                            .order_by(table.c.id).limit(BATCH)).all()
        if not rows:
            return
        bind.execute(table.update().where(table.c.id == sa.bindparam('row_id'))
                     .values(bigrams=sa.bindparam('pairs')),
                     [{'row_id': row_id, 'pairs': text_bigrams(text)} for row_id, text in rows])
        last = rows[-1][0]


def upgrade() -> None:
    # a plain ADD COLUMN (no table rebuild, which would drop migration 0005's triggers on this table)
    op.add_column('invoice_text', sa.Column('bigrams', sa.Text(), nullable=False, server_default=''))
    bind = op.get_bind()
    _fill(bind)
    if bind.dialect.name == 'sqlite':
        for statement in SQLITE_FTS:
            op.execute(statement)
        op.execute("INSERT INTO invoice_bigram_fts(invoice_bigram_fts) VALUES ('rebuild')")
    elif bind.dialect.name == 'postgresql':
        op.execute(POSTGRES_INDEX)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for name in ('invoice_bigram_fts_ai', 'invoice_bigram_fts_ad', 'invoice_bigram_fts_au'):
            op.execute(f'DROP TRIGGER IF EXISTS {name}')
        op.execute('DROP TABLE IF EXISTS invoice_bigram_fts')
        op.execute('ALTER TABLE invoice_text DROP COLUMN bigrams')  # SQLite >= 3.35; no rebuild
    else:
        op.execute('DROP INDEX IF EXISTS ix_invoice_text_bigrams')
        op.drop_column('invoice_text', 'bigrams')
