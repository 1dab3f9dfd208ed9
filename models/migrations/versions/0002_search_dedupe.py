"""Full-text search indexes, idempotency keys, perceptual-hash duplicates.

- The OCR text index (not in SQLModel.metadata: one dialect each, see ``models.archive.FULLTEXT_OBJECTS``):
  SQLite an FTS5 table ``ocr_line_fts`` with the trigram tokenizer over ``ocr_line.text`` (external
  content, kept in sync by triggers, filled from the existing rows); PostgreSQL the ``pg_trgm`` extension
  and a GIN trigram index ``ix_ocr_line_text_trgm`` (serves ILIKE '%...%').
- ``idempotency_key``: the first response of an upload per (API key, Idempotency-Key).
- ``page_hash``: a captured page's 64-bit perceptual hash and its five indexed bands.
- ``invoice.near_duplicate_of``.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 20:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_FTS = (
    "CREATE VIRTUAL TABLE ocr_line_fts USING fts5(text, content='ocr_line', content_rowid='id', "
    "tokenize='trigram')",
    "CREATE TRIGGER ocr_line_fts_ai AFTER INSERT ON ocr_line BEGIN "
    "INSERT INTO ocr_line_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER ocr_line_fts_ad AFTER DELETE ON ocr_line BEGIN "
    "INSERT INTO ocr_line_fts(ocr_line_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER ocr_line_fts_au AFTER UPDATE OF text ON ocr_line BEGIN "
    "INSERT INTO ocr_line_fts(ocr_line_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO ocr_line_fts(rowid, text) VALUES (new.id, new.text); END",
    "INSERT INTO ocr_line_fts(ocr_line_fts) VALUES ('rebuild')",
)
POSTGRES_TRGM = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS ix_ocr_line_text_trgm ON ocr_line USING gin (text gin_trgm_ops)",
)


def upgrade() -> None:
    op.create_table('idempotency_key',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('api_key_id', sa.Uuid(), nullable=False),
        sa.Column('key', sa.String(255), nullable=False),
        sa.Column('request_hash', sa.String(64), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=False),
        sa.Column('response', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['api_key_id'], ['api_key.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('api_key_id', 'key', name='uq_idempotency_key_api_key'),
    )
    op.create_index('ix_idempotency_key_created_at', 'idempotency_key', ['created_at'], unique=False)

    op.create_table('page_hash',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Uuid(), nullable=False),
        sa.Column('page', sa.Integer(), nullable=False),
        sa.Column('phash', sa.BigInteger(), nullable=False),
        *(sa.Column(f'b{i}', sa.Integer(), nullable=False) for i in range(5)),
        sa.ForeignKeyConstraint(['document_id'], ['document.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('document_id', 'page', name='uq_page_hash_document_page'),
    )
    for i in range(5):
        op.create_index(f'ix_page_hash_b{i}', 'page_hash', [f'b{i}'], unique=False)

    with op.batch_alter_table('invoice') as batch:
        batch.add_column(sa.Column('near_duplicate_of', sa.Uuid(), nullable=True))
        batch.create_index('ix_invoice_near_duplicate_of', ['near_duplicate_of'], unique=False)
        batch.create_foreign_key('fk_invoice_near_duplicate_of', 'invoice', ['near_duplicate_of'], ['id'],
                                 ondelete='SET NULL')

    dialect = op.get_bind().dialect.name
    for statement in SQLITE_FTS if dialect == 'sqlite' else POSTGRES_TRGM if dialect == 'postgresql' else ():
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        for trigger in ('ocr_line_fts_ai', 'ocr_line_fts_ad', 'ocr_line_fts_au'):
            op.execute(f'DROP TRIGGER IF EXISTS {trigger}')
        op.execute('DROP TABLE IF EXISTS ocr_line_fts')
    elif dialect == 'postgresql':
        op.execute('DROP INDEX IF EXISTS ix_ocr_line_text_trgm')  # the extension may serve others: kept
    with op.batch_alter_table('invoice') as batch:
        batch.drop_constraint('fk_invoice_near_duplicate_of', type_='foreignkey')
        batch.drop_index('ix_invoice_near_duplicate_of')
        batch.drop_column('near_duplicate_of')
    for i in range(5):
        op.drop_index(f'ix_page_hash_b{i}', table_name='page_hash')
    op.drop_table('page_hash')
    op.drop_index('ix_idempotency_key_created_at', table_name='idempotency_key')
    op.drop_table('idempotency_key')
