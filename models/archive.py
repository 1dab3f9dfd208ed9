"""Archive the result of capturing one document, in the caller's transaction.

Contract
- ``archive_result(session, document=, pages=, found=, now=)`` writes, for each ``PageInvoice``, the
  ``Invoice`` (typed columns from the canonical values; one per (document, page)), its ``LineItem`` rows,
  a ``FieldProvenance`` row for every extracted field and every line item cell (plus the losing
  alternatives), its ``InvoiceIssue`` rows, the page's ``OcrLine`` rows and an ``AuditEvent``. It does not
  commit: the worker commits it together with the job's completion, so a result is archived exactly
  when its job is done.
- Re-processing replaces: the invoice of a page keeps its id (links and history stay valid) and gets new
  values and children; invoices of pages where nothing is found any more are deleted.
- Duplicates: an invoice whose business key (type + code + number, or a 20-digit 数电 number) was archived
  before from another document gets ``duplicate_of`` = the first such invoice, a ``duplicate`` error
  issue and status ``needs_review`` (re-capturing the first one does not make it a duplicate of later
  ones). Pages of the same document are never duplicates of each other.
- Near-identical images: ``hashes`` maps page numbers to the 64-bit perceptual hash of the page image
  (``capture.phash.page_hash``, computed by the worker). Each is stored as a ``PageHash`` (replacing the
  document's earlier ones); an invoice whose page is within ``NEAR_DISTANCE`` bits of a page of another
  document (any archived one for a new invoice, only earlier-uploaded ones for a recaptured one) gets
  ``near_duplicate_of`` = that page's invoice (the closest; ties: the earliest upload), a
  ``near_duplicate`` warning issue (``detail``: near_duplicate_of, document_id, page, distance) and
  status ``needs_review``.
- Each invoice's page text (its OCR lines joined by newlines) is written as its ``InvoiceText`` row and the
  text's bigrams as its ``InvoiceBigrams`` row; the full-text indexes over them (SQLite FTS5 tables,
  PostgreSQL GIN indexes; migrations 0005, 0009) follow by themselves (triggers / index maintenance).
  ``FULLTEXT_OBJECTS`` names their database objects, which are not in ``SQLModel.metadata``: schema
  comparisons skip them with ``include_name``.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, col, delete, select

from capture.invoice import (
    FIELD_NAMES,
    KEY_FIELDS,
    LINE_COLUMNS,
    ExtractedInvoice,
    FieldValue,
    InvoiceStatus,
    Severity,
)
from capture.invoice import LineItem as ExtractedLine
from capture.phash import NEAR_DISTANCE, bands, hamming, to_signed, to_unsigned
from models.audit import audit
from models.db import immediate
from models.documents import Document, PageHash
from models.invoices import (
    DUPLICATE,
    NEAR_DUPLICATE,
    FieldProvenance,
    FieldProvenancePublic,
    Invoice,
    InvoiceBigrams,
    InvoiceDetailPublic,
    InvoiceIssue,
    InvoiceIssuePublic,
    InvoiceText,
    LineItem,
    LineItemPublic,
    OcrLine,
    VerificationStatus,
    text_bigrams,
)

if TYPE_CHECKING:  # capture.invoices pulls in the OCR pipeline; models only needs the record shape
    from capture.invoices import PageInvoice

# the full-text index of OCR text (migration 0002): one dialect each, not in SQLModel.metadata
FULLTEXT_OBJECTS = frozenset({
    *(f"{table}{part}" for table in ("invoice_text_fts", "invoice_bigram_fts", "ocr_line_fts")  # ocr_line: < 0005
      for part in ("", "_data", "_idx", "_docsize", "_config", "_content")),
    "ix_invoice_text_text_trgm", "ix_invoice_text_bigrams", "ix_invoice_text_bigram_tsv", "ix_ocr_line_text_trgm",
    "ix_invoice_bigrams_bigram_tsv",
    "ix_invoice_seller_name_trgm", "ix_invoice_buyer_name_trgm",
    "bigram_tsv",  # a column: the bigrams' stored tsvector on PostgreSQL (migrations 0008, 0009)
})


def include_name(name: str | None, type_: str, parent_names: Mapping[str, Any]) -> bool:
    """Alembic ``include_name`` hook: compare everything but the full-text index objects."""
    return name not in FULLTEXT_OBJECTS


MONEY_FIELDS = ("amount_excl_tax", "tax", "total")
# a change in any of these makes an earlier tax verification meaningless
VERIFICATION_FIELDS = ("invoice_type", "invoice_code", "invoice_number", "date", "amount_excl_tax", "total",
                       "check_code")


def _decimal(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        d = Decimal(value)
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _column_value(name: str, value: str | None) -> Any:
    if name in MONEY_FIELDS:
        return _decimal(value)
    if name == "date":
        return _date(value)
    return value


def _jsonable(obj: Any) -> Any:
    """Plain JSON (numpy scalars, Decimals and dates become numbers/strings)."""

    def default(o: Any) -> Any:
        if hasattr(o, "item"):
            return o.item()
        if isinstance(o, Decimal | dt.date | uuid.UUID):
            return str(o)
        raise TypeError(f"not JSON serializable: {type(o).__name__}")

    return json.loads(json.dumps(obj, default=default, ensure_ascii=False))


def business_key(inv: ExtractedInvoice) -> str | None:
    """``"n:<20 digits>"`` for a 数电 number, ``"<type>:<code>:<number>"`` for legacy invoices, else None."""
    number = inv.value("invoice_number")
    if number and len(number) == 20 and number.isdigit():
        return f"n:{number}"
    kind, code = inv.value("invoice_type"), inv.value("invoice_code")
    return f"{kind}:{code}:{number}" if kind and code and number else None


def min_key_confidence(inv: ExtractedInvoice) -> float | None:
    present = [fv.confidence for name in KEY_FIELDS if (fv := inv.get(name)) is not None]
    return min(present) if present else None


def snapshot(inv: Invoice) -> dict[str, Any]:
    """The audit view of an invoice: its fields, status and duplicate link."""
    out = {name: getattr(inv, name) for name in FIELD_NAMES}
    out.update(status=inv.status, verification_status=inv.verification_status, duplicate_of=inv.duplicate_of)
    return _jsonable(out)


def _box(fv: FieldValue) -> dict[str, float | None]:
    x0, y0, x1, y1 = fv.box if fv.box is not None else (None, None, None, None)
    return {"x0": x0, "y0": y0, "x1": x1, "y1": y1}


def _provenance(invoice_id: uuid.UUID, name: str, fv: FieldValue, line: int | None) -> list[FieldProvenance]:
    rows = []
    for rank, v in enumerate((fv, *fv.alternatives)):
        rows.append(FieldProvenance(invoice_id=invoice_id, field=name, line=line, alternative=rank, value=v.value,
                                    confidence=float(v.confidence), source=v.source, page=v.page, **_box(v)))
    return rows


def line_item_row(invoice_id: uuid.UUID, index: int, li: ExtractedLine) -> LineItem:
    """The LineItem row of one extracted (or corrected) line item."""
    return LineItem(
        invoice_id=invoice_id, line=index, name=li.value("name"), spec=li.value("spec"), unit=li.value("unit"),
        quantity=_decimal(li.value("quantity")), unit_price=_decimal(li.value("unit_price")),
        amount=_decimal(li.value("amount")), tax_rate=li.value("tax_rate"), tax=_decimal(li.value("tax")),
        confidence=float(li.confidence),
    )


def find_original(session: Session, *, invoice: Invoice, new: bool) -> Invoice | None:
    """The first archived invoice of another document with ``invoice``'s business key: for a new invoice any
    such one (it was archived first), for a recaptured one only those archived before it."""
    stmt = select(Invoice).where(Invoice.dedup_key == invoice.dedup_key, Invoice.document_id != invoice.document_id)
    if not new:
        stmt = stmt.where(sa.or_(
            Invoice.created_at < invoice.created_at,
            sa.and_(Invoice.created_at == invoice.created_at, Invoice.id < invoice.id),
        ))
    if session.get_bind().dialect.name == "postgresql":  # concurrent workers archiving the same key: one at a time
        session.exec(select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(invoice.dedup_key))))
    return session.exec(stmt.order_by(Invoice.created_at, Invoice.id).limit(1)).first()


def find_near_duplicate(
    session: Session, *, document: Document, phash: int, new: bool
) -> tuple[Invoice, int] | None:
    """The invoice of the closest page of another document within NEAR_DISTANCE bits of ``phash`` (for a
    recaptured document only pages of documents uploaded before it), with its distance."""
    candidates = (
        sa.select(PageHash.document_id, PageHash.page, PageHash.phash)
        .join(Document, col(Document.id) == col(PageHash.document_id))
        .where(col(PageHash.document_id) != document.id,
               sa.or_(*(getattr(PageHash, f"b{i}") == v for i, v in enumerate(bands(phash)))))
        .order_by(Document.created_at, Document.id)
    )
    if not new:
        candidates = candidates.where(sa.or_(
            Document.created_at < document.created_at,
            sa.and_(Document.created_at == document.created_at, col(Document.id) < document.id),
        ))
    best: tuple[int, uuid.UUID, int] | None = None
    for document_id, page, stored in session.execute(candidates):
        distance = hamming(phash, to_unsigned(stored))
        if distance <= NEAR_DISTANCE and (best is None or distance < best[0]):
            best = (distance, document_id, page)
    if best is None:
        return None
    other = session.exec(select(Invoice).where(Invoice.document_id == best[1], Invoice.page == best[2])).first()
    return (other, best[0]) if other is not None else None


def _store_hashes(session: Session, document_id: uuid.UUID, hashes: Mapping[int, int]) -> None:
    session.exec(delete(PageHash).where(col(PageHash.document_id) == document_id))
    session.add_all(PageHash(document_id=document_id, page=page, phash=to_signed(h),
                             **{f"b{i}": v for i, v in enumerate(bands(h))})
                    for page, h in sorted(hashes.items()))


def _delete_children(session: Session, invoice_ids: list[uuid.UUID]) -> None:
    if invoice_ids:
        for table in (LineItem, FieldProvenance, InvoiceIssue, InvoiceText, InvoiceBigrams):
            session.exec(delete(table).where(col(table.invoice_id).in_(invoice_ids)))


def _write_invoice(
    session: Session, inv: Invoice, found: PageInvoice, now: dt.datetime, *, new: bool, document: Document,
    phash: int | None,
) -> None:
    extracted = found.invoice
    values = {name: _column_value(name, extracted.value(name)) for name in FIELD_NAMES}
    if any(getattr(inv, n) != values[n] for n in VERIFICATION_FIELDS):
        inv.verification_status = VerificationStatus.NOT_CHECKED
    for name, value in values.items():
        setattr(inv, name, value)
    inv.status = found.validation.status
    inv.dedup_key = business_key(extracted)
    inv.min_confidence = min_key_confidence(extracted)
    inv.qr = _jsonable(extracted.qr.to_dict()) if extracted.qr is not None else None
    inv.quality = _jsonable(found.page.quality.to_dict())
    inv.duplicate_of = None
    inv.near_duplicate_of = None
    inv.updated_at = now

    rows: list[Any] = []
    for name in FIELD_NAMES:
        if (fv := extracted.fields.get(name)) is not None:
            rows += _provenance(inv.id, name, fv, None)
    for index, li in enumerate(extracted.line_items):
        rows.append(line_item_row(inv.id, index, li))
        for column in LINE_COLUMNS:
            if (cell := getattr(li, column)) is not None:
                rows += _provenance(inv.id, column, cell, index)
    for issue in found.validation.issues:
        rows.append(InvoiceIssue(invoice_id=inv.id, code=issue.code.value, field=issue.field,
                                 severity=issue.severity, detail=_jsonable(dict(issue.detail))))
    if inv.dedup_key is not None and (original := find_original(session, invoice=inv, new=new)):
        inv.duplicate_of = original.duplicate_of or original.id
        inv.status = InvoiceStatus.NEEDS_REVIEW
        rows.append(InvoiceIssue(
            invoice_id=inv.id, code=DUPLICATE, field="invoice_number", severity=Severity.ERROR,
            detail={"duplicate_of": str(inv.duplicate_of), "document_id": str(original.document_id),
                    "key": inv.dedup_key},
        ))
    if phash is not None and (near := find_near_duplicate(session, document=document, phash=phash, new=new)):
        other, distance = near
        inv.near_duplicate_of = other.id
        inv.status = InvoiceStatus.NEEDS_REVIEW
        rows.append(InvoiceIssue(
            invoice_id=inv.id, code=NEAR_DUPLICATE, field=None, severity=Severity.WARNING,
            detail={"near_duplicate_of": str(other.id), "document_id": str(other.document_id), "page": other.page,
                    "distance": distance},
        ))
    if found.page.lines:
        text = page_text(found.page.lines)
        rows += [InvoiceText(invoice_id=inv.id, text=text),
                 InvoiceBigrams(invoice_id=inv.id, bigrams=text_bigrams(text))]
    session.add(inv)
    session.flush()  # the invoice row first: its children reference it (no ORM relationships order them)
    session.add_all(rows)


def page_text(lines) -> str:
    """The searchable text of a page: its OCR lines in reading order, one per line (a line's own line
    breaks, which OCR does not produce, become spaces so a search never matches across two lines)."""
    return "\n".join(" ".join(line.text.splitlines()) for line in lines)


def _ocr_lines(document_id: uuid.UUID, found: PageInvoice) -> list[OcrLine]:
    out = []
    for seq, line in enumerate(found.page.lines):
        x0, y0, x1, y1 = (float(v) for v in line.box)
        out.append(OcrLine(document_id=document_id, page=found.page.number, seq=seq, text=line.text,
                           score=float(line.score), x0=x0, y0=y0, x1=x1, y1=y1))
    return out


def archive_result(
    session: Session, *, document: Document, pages: int, found: list[PageInvoice], now: dt.datetime,
    actor: str = "worker", hashes: Mapping[int, int] | None = None,
) -> list[Invoice]:
    """Write (or replace) everything captured from ``document``; returns its invoices in page order.
    ``hashes``: page number -> perceptual hash of that page's image (None: not computed, kept as it was)."""
    immediate(session)
    existing = {inv.page: inv for inv in document_invoices(session, document_id=document.id)}
    _delete_children(session, [inv.id for inv in existing.values()])
    session.exec(delete(OcrLine).where(col(OcrLine.document_id) == document.id))
    if document.pages != pages:
        document.pages = pages
        session.add(document)
    if hashes is not None:
        _store_hashes(session, document.id, hashes)
        session.flush()
    else:  # not computed this time: the hashes stored earlier still describe the pages
        stored = session.exec(select(PageHash).where(PageHash.document_id == document.id)).all()
        hashes = {row.page: to_unsigned(row.phash) for row in stored}

    out = []
    for item in sorted(found, key=lambda f: f.page.number):
        old = existing.pop(item.page.number, None)
        before = snapshot(old) if old is not None else None
        inv = old or Invoice(document_id=document.id, page=item.page.number, created_at=now, updated_at=now)
        _write_invoice(session, inv, item, now, new=old is None, document=document,
                       phash=hashes.get(item.page.number))
        session.add_all(_ocr_lines(document.id, item))
        session.flush()
        audit(session, actor=actor, action="capture" if old is None else "recapture", entity="invoice",
              entity_id=inv.id, now=now, before=before, after=snapshot(inv))
        out.append(inv)
    for gone in existing.values():  # a page where no invoice is found any more
        audit(session, actor=actor, action="delete", entity="invoice", entity_id=gone.id, now=now,
              before=snapshot(gone), after=None)
        session.delete(gone)
    session.flush()
    return out


# ------------------------------------------------------------------------------------------ reading


def document_invoices(session: Session, *, document_id: uuid.UUID) -> list[Invoice]:
    stmt = select(Invoice).where(Invoice.document_id == document_id).order_by(Invoice.page)
    return list(session.exec(stmt.execution_options(populate_existing=True)).all())


def invoice_detail(session: Session, *, invoice_id: uuid.UUID) -> InvoiceDetailPublic | None:
    inv = session.get(Invoice, invoice_id)
    if inv is None:
        return None
    items = session.exec(select(LineItem).where(LineItem.invoice_id == invoice_id).order_by(LineItem.line)).all()
    prov = session.exec(
        select(FieldProvenance).where(FieldProvenance.invoice_id == invoice_id)
        .order_by(col(FieldProvenance.line).is_not(None), FieldProvenance.line, FieldProvenance.id)
    ).all()
    issues = session.exec(select(InvoiceIssue).where(InvoiceIssue.invoice_id == invoice_id)
                          .order_by(InvoiceIssue.id)).all()
    return InvoiceDetailPublic.model_validate(
        inv, update={
            "line_items": [LineItemPublic.model_validate(x) for x in items],
            "fields": [FieldProvenancePublic.model_validate(x) for x in prov],
            "issues": [InvoiceIssuePublic.model_validate(x) for x in issues],
        },
    )
