"""Initial schema: every table of models/ (documents, jobs, the invoice archive, audit, API keys).

Revision ID: 0001
Revises:
Create Date: 2026-11-23 13:14:58.529434
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('api_key',
        sa.Column('name', sa.String(200), nullable=False),
        sa.Column('role', sa.String(16), nullable=False),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('key_hash', sa.String(64), nullable=False),
        sa.Column('prefix', sa.String(16), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_api_key_key_hash', 'api_key', ['key_hash'], unique=True)

    op.create_table('audit_event',
        sa.Column('actor', sa.String(), nullable=False),
        sa.Column('action', sa.String(), nullable=False),
        sa.Column('entity', sa.String(), nullable=False),
        sa.Column('entity_id', sa.String(), nullable=False),
        sa.Column('before', sa.JSON(), nullable=True),
        sa.Column('after', sa.JSON(), nullable=True),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_audit_event_at', 'audit_event', ['at'], unique=False)
    op.create_index('ix_audit_event_entity', 'audit_event', ['entity', 'entity_id', 'at'], unique=False)

    op.create_table('document',
        sa.Column('media_type', sa.String(), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('pages', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(16), nullable=False),
        sa.Column('station', sa.String(), nullable=True),
        sa.Column('filename', sa.String(), nullable=True),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('sha256', sa.String(64), nullable=False),
        sa.Column('uploader_key_id', sa.Uuid(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['uploader_key_id'], ['api_key.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_document_created_at', 'document', ['created_at'], unique=False)
    op.create_index('ix_document_sha256', 'document', ['sha256'], unique=True)
    op.create_index('ix_document_uploader_key_id', 'document', ['uploader_key_id'], unique=False)

    op.create_table('invoice',
        sa.Column('invoice_type', sa.String(), nullable=True),
        sa.Column('invoice_code', sa.String(), nullable=True),
        sa.Column('invoice_number', sa.String(), nullable=True),
        sa.Column('date', sa.Date(), nullable=True),
        sa.Column('amount_excl_tax', sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column('tax', sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column('total', sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column('total_in_words', sa.String(), nullable=True),
        sa.Column('check_code', sa.String(), nullable=True),
        sa.Column('machine_number', sa.String(), nullable=True),
        sa.Column('buyer_name', sa.String(), nullable=True),
        sa.Column('buyer_tax_id', sa.String(), nullable=True),
        sa.Column('seller_name', sa.String(), nullable=True),
        sa.Column('seller_tax_id', sa.String(), nullable=True),
        sa.Column('currency', sa.String(), nullable=True),
        sa.Column('remarks', sa.String(), nullable=True),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('verification_status', sa.String(16), nullable=False),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('document_id', sa.Uuid(), nullable=False),
        sa.Column('page', sa.Integer(), nullable=False),
        sa.Column('duplicate_of', sa.Uuid(), nullable=True),
        sa.Column('dedup_key', sa.String(), nullable=True),
        sa.Column('min_confidence', sa.Float(), nullable=True),
        sa.Column('qr', sa.JSON(), nullable=True),
        sa.Column('quality', sa.JSON(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['document.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['duplicate_of'], ['invoice.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('document_id', 'page', name='uq_invoice_document_page')
    )
    op.create_index('ix_invoice_buyer_tax_id', 'invoice', ['buyer_tax_id'], unique=False)
    op.create_index('ix_invoice_created_at', 'invoice', ['created_at'], unique=False)
    op.create_index('ix_invoice_date', 'invoice', ['date'], unique=False)
    op.create_index('ix_invoice_dedup_key', 'invoice', ['dedup_key'], unique=False)
    op.create_index('ix_invoice_document_id', 'invoice', ['document_id'], unique=False)
    op.create_index('ix_invoice_duplicate_of', 'invoice', ['duplicate_of'], unique=False)
    op.create_index('ix_invoice_invoice_code', 'invoice', ['invoice_code'], unique=False)
    op.create_index('ix_invoice_invoice_number', 'invoice', ['invoice_number'], unique=False)
    op.create_index('ix_invoice_invoice_type', 'invoice', ['invoice_type'], unique=False)
    op.create_index('ix_invoice_seller_tax_id', 'invoice', ['seller_tax_id'], unique=False)
    op.create_index('ix_invoice_status', 'invoice', ['status'], unique=False)
    op.create_index('ix_invoice_total', 'invoice', ['total'], unique=False)
    op.create_index('ix_invoice_verification_status', 'invoice', ['verification_status'], unique=False)

    op.create_table('job',
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('max_attempts', sa.Integer(), nullable=False),
        sa.Column('error_code', sa.String(), nullable=True),
        sa.Column('error_detail', sa.String(), nullable=True),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('document_id', sa.Uuid(), nullable=False),
        sa.Column('lease_owner', sa.String(), nullable=True),
        sa.Column('lease_expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('next_run_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['document_id'], ['document.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_job_claim', 'job', ['status', 'next_run_at'], unique=False)
    op.create_index('ix_job_document_id', 'job', ['document_id'], unique=False)

    op.create_table('ocr_line',
        sa.Column('page', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('text', sa.String(), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('x0', sa.Float(), nullable=False),
        sa.Column('y0', sa.Float(), nullable=False),
        sa.Column('x1', sa.Float(), nullable=False),
        sa.Column('y1', sa.Float(), nullable=False),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['document.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_ocr_line_document_page', 'ocr_line', ['document_id', 'page', 'seq'], unique=False)

    op.create_table('field_provenance',
        sa.Column('field', sa.String(), nullable=False),
        sa.Column('line', sa.Integer(), nullable=True),
        sa.Column('alternative', sa.Integer(), nullable=False),
        sa.Column('value', sa.String(), nullable=True),
        sa.Column('confidence', sa.Float(), nullable=False),
        sa.Column('source', sa.String(16), nullable=False),
        sa.Column('page', sa.Integer(), nullable=False),
        sa.Column('x0', sa.Float(), nullable=True),
        sa.Column('y0', sa.Float(), nullable=True),
        sa.Column('x1', sa.Float(), nullable=True),
        sa.Column('y1', sa.Float(), nullable=True),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('invoice_id', sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_field_provenance_invoice_id', 'field_provenance', ['invoice_id'], unique=False)

    op.create_table('invoice_issue',
        sa.Column('code', sa.String(), nullable=False),
        sa.Column('field', sa.String(), nullable=True),
        sa.Column('severity', sa.String(16), nullable=False),
        sa.Column('detail', sa.JSON(), nullable=False),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('invoice_id', sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_invoice_issue_code', 'invoice_issue', ['code'], unique=False)
    op.create_index('ix_invoice_issue_invoice_id', 'invoice_issue', ['invoice_id'], unique=False)

    op.create_table('line_item',
        sa.Column('line', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(), nullable=True),
        sa.Column('spec', sa.String(), nullable=True),
        sa.Column('unit', sa.String(), nullable=True),
        sa.Column('quantity', sa.Numeric(precision=28, scale=10), nullable=True),
        sa.Column('unit_price', sa.Numeric(precision=28, scale=10), nullable=True),
        sa.Column('amount', sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column('tax_rate', sa.String(), nullable=True),
        sa.Column('tax', sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column('confidence', sa.Float(), nullable=False),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('invoice_id', sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_line_item_invoice_id', 'line_item', ['invoice_id'], unique=False)


def downgrade() -> None:
    op.drop_table('line_item')
    op.drop_table('invoice_issue')
    op.drop_table('field_provenance')
    op.drop_table('ocr_line')
    op.drop_table('job')
    op.drop_table('invoice')
    op.drop_table('document')
    op.drop_table('audit_event')
    op.drop_table('api_key')
