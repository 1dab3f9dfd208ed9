"""The archive of captured invoices (tables and API schemas).

One ``Invoice`` per invoice page of a document ((document_id, page) is unique), its typed columns
filled from the extracted canonical values (a value that does not parse as money/date leaves the
column NULL; the raw string is always in ``FieldProvenance``). Every extracted field and every line
item cell has a ``FieldProvenance`` row (value, confidence, source, page, box in original-page pixels;
``line`` is the 0-based line item index for cells, NULL for invoice fields; ``alternative`` 0 is the
chosen value, 1.. the losing candidates). ``InvoiceIssue`` holds validation findings with a JSON
``detail``; ``OcrLine`` the OCR text of every page of a document, for full-text search and review.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from capture.invoice import InvoiceStatus, Severity, Source
from models.types import UTCDateTime, str_enum


class VerificationStatus(StrEnum):
    NOT_CHECKED = "not_checked"
    PENDING = "pending"
    VERIFIED = "verified"
    MISMATCH = "mismatch"
    NOT_FOUND = "not_found"
    VOIDED = "voided"
    RED_FLUSHED = "red_flushed"
    ABNORMAL = "abnormal"


DUPLICATE = "duplicate"  # InvoiceIssue.code of a duplicate business key (the capture codes are IssueCode)
NEAR_DUPLICATE = "near_duplicate"  # InvoiceIssue.code of a near-identical page image (perceptual hash)

MONEY = {"max_digits": 16, "decimal_places": 2}
QUANTITY = {"max_digits": 28, "decimal_places": 10}


# ------------------------------------------------------------------------------------------ Invoice


class InvoiceFields(SQLModel):
    """The invoice fields a person can correct (names as in capture.invoice.FIELD_NAMES)."""

    invoice_type: str | None = Field(default=None, index=True, description="national two-digit type code")
    invoice_code: str | None = Field(default=None, index=True)
    invoice_number: str | None = Field(default=None, index=True)
    date: dt.date | None = Field(default=None, index=True)
    amount_excl_tax: Decimal | None = Field(default=None, **MONEY)
    tax: Decimal | None = Field(default=None, **MONEY)
    total: Decimal | None = Field(default=None, index=True, **MONEY)
    total_in_words: str | None = None
    check_code: str | None = None
    machine_number: str | None = None
    buyer_name: str | None = Field(default=None, index=True)
    buyer_tax_id: str | None = Field(default=None, index=True)
    seller_name: str | None = Field(default=None, index=True)
    seller_tax_id: str | None = Field(default=None, index=True)
    currency: str | None = None
    remarks: str | None = None


class InvoiceBase(InvoiceFields):
    status: InvoiceStatus = Field(
        default=InvoiceStatus.NEEDS_REVIEW, sa_type=str_enum(InvoiceStatus, 16), index=True
    )
    verification_status: VerificationStatus = Field(
        default=VerificationStatus.NOT_CHECKED, sa_type=str_enum(VerificationStatus, 16), index=True
    )


class Invoice(InvoiceBase, table=True):
    __tablename__ = "invoice"
    __table_args__ = (sa.UniqueConstraint("document_id", "page", name="uq_invoice_document_page"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    document_id: uuid.UUID = Field(foreign_key="document.id", ondelete="CASCADE", index=True)
    page: int = Field(ge=1)
    duplicate_of: uuid.UUID | None = Field(default=None, foreign_key="invoice.id", ondelete="SET NULL", index=True)
    dedup_key: str | None = Field(default=None, index=True, description="business key for duplicate detection")
    near_duplicate_of: uuid.UUID | None = Field(
        default=None, foreign_key="invoice.id", ondelete="SET NULL", index=True,
        description="an invoice of another document whose page image is near-identical")
    min_confidence: float | None = Field(default=None, description="lowest confidence of the present key fields")
    qr: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON, description="decoded QR payload")
    quality: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON, description="page quality report")
    created_at: dt.datetime = Field(sa_type=UTCDateTime, index=True)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime, index=True)


class InvoiceCreate(InvoiceBase):
    document_id: uuid.UUID
    page: int = Field(default=1, ge=1)


class InvoiceUpdate(InvoiceFields):
    """PATCH body: only the fields sent are changed (``model_dump(exclude_unset=True)``)."""

    status: InvoiceStatus | None = None


class InvoicePublic(InvoiceBase):
    id: uuid.UUID
    document_id: uuid.UUID
    page: int
    duplicate_of: uuid.UUID | None
    near_duplicate_of: uuid.UUID | None = None
    min_confidence: float | None
    created_at: dt.datetime
    updated_at: dt.datetime


class InvoicesPublic(SQLModel):
    data: list[InvoicePublic]
    count: int


# ------------------------------------------------------------------------------------------ LineItem


class LineItemBase(SQLModel):
    line: int = Field(ge=0, description="0-based row index on the invoice")
    name: str | None = None
    spec: str | None = None
    unit: str | None = None
    quantity: Decimal | None = Field(default=None, **QUANTITY)
    unit_price: Decimal | None = Field(default=None, **QUANTITY)
    amount: Decimal | None = Field(default=None, **MONEY)
    tax_rate: str | None = Field(default=None, description='"13%", "0%" or "免税"')
    tax: Decimal | None = Field(default=None, **MONEY)
    confidence: float = Field(default=1.0, ge=0, le=1, description="lowest confidence of its cells")


class LineItem(LineItemBase, table=True):
    __tablename__ = "line_item"

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: uuid.UUID = Field(foreign_key="invoice.id", ondelete="CASCADE", index=True)


class LineItemPublic(LineItemBase):
    id: int


# ------------------------------------------------------------------------------------------ provenance


class FieldProvenanceBase(SQLModel):
    field: str = Field(description="invoice field name, or line item column when line is set")
    line: int | None = Field(default=None, description="0-based line item index; NULL for invoice fields")
    alternative: int = Field(default=0, ge=0, description="0 = the chosen value, 1.. = losing candidates")
    value: str | None = None
    confidence: float = Field(ge=0, le=1)
    source: Source = Field(sa_type=str_enum(Source, 16))
    page: int = Field(default=1, ge=1)
    x0: float | None = None
    y0: float | None = None
    x1: float | None = None
    y1: float | None = None


class FieldProvenance(FieldProvenanceBase, table=True):
    __tablename__ = "field_provenance"

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: uuid.UUID = Field(foreign_key="invoice.id", ondelete="CASCADE", index=True)


class FieldProvenancePublic(FieldProvenanceBase):
    id: int


# ------------------------------------------------------------------------------------------ issues


class InvoiceIssueBase(SQLModel):
    code: str = Field(index=True, description="capture.invoice.IssueCode value, or 'duplicate'")
    field: str | None = None
    severity: Severity = Field(sa_type=str_enum(Severity, 16))
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)


class InvoiceIssue(InvoiceIssueBase, table=True):
    __tablename__ = "invoice_issue"

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: uuid.UUID = Field(foreign_key="invoice.id", ondelete="CASCADE", index=True)


class InvoiceIssuePublic(InvoiceIssueBase):
    id: int


# ------------------------------------------------------------------------------------------ OCR text


class OcrLineBase(SQLModel):
    page: int = Field(ge=1)
    seq: int = Field(ge=0, description="reading order on the page")
    text: str
    score: float
    x0: float
    y0: float
    x1: float
    y1: float


class OcrLine(OcrLineBase, table=True):
    __tablename__ = "ocr_line"
    __table_args__ = (sa.Index("ix_ocr_line_document_page", "document_id", "page", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: uuid.UUID = Field(foreign_key="document.id", ondelete="CASCADE")


class OcrLinePublic(OcrLineBase):
    id: int


class InvoiceText(SQLModel, table=True):
    """The OCR text of an invoice's page, one line per ``\\n``: what full-text search reads (migration 0005's
    trigram index over it: one row per invoice, so a common term is counted and paged over invoices, not
    over OCR lines mapped back to invoices). Written with the invoice by ``models.archive``. Kept narrow (the
    bigrams live in ``InvoiceBigrams``): PostgreSQL rechecks every row a trigram match finds."""

    __tablename__ = "invoice_text"

    id: int | None = Field(default=None, primary_key=True)  # the FTS5 rowid (stable, unlike an implicit rowid)
    invoice_id: uuid.UUID = Field(foreign_key="invoice.id", ondelete="CASCADE", unique=True)
    text: str = Field(sa_type=sa.Text)


class InvoiceBigrams(SQLModel, table=True):
    """The bigrams (``text_bigrams``) of an invoice's page text: the tokens a two-character query (no whole
    trigram) is looked up by, through migration 0009's index (SQLite FTS5 ``invoice_bigram_fts``, PostgreSQL
    the stored tsvector ``bigram_tsv``). Written with the invoice by ``models.archive``."""

    __tablename__ = "invoice_bigrams"

    id: int | None = Field(default=None, primary_key=True)  # the FTS5 rowid
    invoice_id: uuid.UUID = Field(foreign_key="invoice.id", ondelete="CASCADE", unique=True)
    bigrams: str = Field(sa_type=sa.Text)


_WORD_RUN = re.compile(r"[^\W_]{2,}")  # letters and digits (any script), two or more in a row


def text_bigrams(text: str) -> str:
    """Every pair of adjacent letters/digits of ``text`` (lower case, each once, space-separated): the tokens
    a two-character query is looked up by. Pairs never span punctuation, spaces or lines."""
    pairs: dict[str, None] = {}
    for run in _WORD_RUN.findall(text.lower()):
        pairs.update(dict.fromkeys(run[i:i + 2] for i in range(len(run) - 1)))
    return " ".join(pairs)


def is_bigram_query(q: str) -> bool:
    """Whether ``q`` is looked up by its bigram (two letters/digits) rather than scanned for."""
    return len(q) == 2 and _WORD_RUN.fullmatch(q) is not None


class InvoiceDetailPublic(InvoicePublic):
    """One invoice with everything archived for it."""

    line_items: list[LineItemPublic]
    fields: list[FieldProvenancePublic]
    issues: list[InvoiceIssuePublic]
