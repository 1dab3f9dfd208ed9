"""An index on ``invoice.updated_at``: the seller/buyer name search on SQLite matches the cached distinct names
through the name index and scans only the invoices written since (``api.search.name_matches``); sorting by
``updated_at`` uses it too.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 14:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_invoice_updated_at', 'invoice', ['updated_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_invoice_updated_at', table_name='invoice')
