"""Tax verification: every attempt, and each invoice's verification schedule.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 00:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('verification_attempt',
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('request', sa.JSON(), nullable=False),
        sa.Column('outcome', sa.String(16), nullable=True),
        sa.Column('code', sa.String(32), nullable=True),
        sa.Column('response', sa.JSON(), nullable=True),
        sa.Column('error', sa.String(), nullable=True),
        sa.Column('counted', sa.Boolean(), nullable=False),
        sa.Column('service_down', sa.Boolean(), nullable=False),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('invoice_id', sa.Uuid(), nullable=False),
        sa.Column('worker', sa.String(), nullable=True),
        sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_verification_attempt_at', 'verification_attempt', ['at'], unique=False)
    op.create_index('ix_verification_attempt_invoice_at', 'verification_attempt', ['invoice_id', 'at'], unique=False)

    op.create_table('verification_schedule',
        sa.Column('invoice_id', sa.Uuid(), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('lease_owner', sa.String(), nullable=True),
        sa.Column('lease_expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('scheduled_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('missing_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('halted', sa.String(32), nullable=True),
        sa.Column('halted_detail', sa.String(), nullable=True),
        sa.Column('last_checked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_code', sa.String(32), nullable=True),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(), nullable=True),
        sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('invoice_id')
    )
    op.create_index('ix_verification_schedule_due_at', 'verification_schedule', ['due_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_verification_schedule_due_at', table_name='verification_schedule')
    op.drop_table('verification_schedule')
    op.drop_index('ix_verification_attempt_invoice_at', table_name='verification_attempt')
    op.drop_index('ix_verification_attempt_at', table_name='verification_attempt')
    op.drop_table('verification_attempt')
