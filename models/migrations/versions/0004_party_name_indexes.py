"""Indexes on the buyer and seller names: the fuzzy name search reads their distinct values from them, and on
PostgreSQL pg_trgm GIN indexes on them serve the substring search (``name ILIKE '%...%'``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 01:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRGM = ('ix_invoice_seller_name_trgm', 'ix_invoice_buyer_name_trgm')  # also in models.archive.FULLTEXT_OBJECTS


def upgrade() -> None:
    op.create_index('ix_invoice_seller_name', 'invoice', ['seller_name'], unique=False)
    op.create_index('ix_invoice_buyer_name', 'invoice', ['buyer_name'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        for name in TRGM:
            column = name.removeprefix('ix_invoice_').removesuffix('_trgm')
            op.execute(f'CREATE INDEX IF NOT EXISTS {name} ON invoice USING gin ({column} gin_trgm_ops)')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for name in TRGM:
            op.execute(f'DROP INDEX IF EXISTS {name}')
    op.drop_index('ix_invoice_buyer_name', table_name='invoice')
    op.drop_index('ix_invoice_seller_name', table_name='invoice')
