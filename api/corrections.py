"""Corrections by a person (``PATCH /api/v1/invoices/{id}``, ``PUT .../{id}/line_items``), re-validated, audited.

Contract: ``correct_invoice(session=, invoice_id=, changes=, actor=, now=, today=, config=, vendors=)``
- ``changes`` are ``InvoiceUpdate`` values (only the fields sent). Each corrected field becomes a
  ``FieldValue`` with source ``human`` and confidence 1.0; it keeps the page and box of the value it replaces,
  and the replaced machine reading (with its own losing candidates) moves to the alternatives, so nothing
  read before is lost (a replaced earlier human value is kept by the audit trail only). A field sent as null
  (or "") is recorded as a human "absent" value.
- The invoice is rebuilt as an ``ExtractedInvoice`` from its stored provenance (fields, line item cells,
  the decoded QR payload) and re-validated with ``capture.validate.validate``: its issues are replaced, its
  status becomes the validation status unless ``status`` is sent (a person accepting or rejecting it), the
  business key and duplicate link are recomputed, and a change to a verification field resets the
  verification status. One ``correct`` AuditEvent holds the snapshot before and after.
- Line items: ``changes["line_items"]`` (a list of ``LineItemIn`` values, or dicts of them) is the corrected
  table, replacing the stored one row by row (row i of the list is line i; rows beyond it are removed, new
  rows added). A cell whose canonical value equals the stored one (numbers compared as numbers) keeps its
  provenance (a machine reading stays a machine reading); a changed cell becomes a ``human`` value
  (confidence 1.0, the page and box of the cell it replaces, the replaced machine reading moved to the
  alternatives, as for fields); a cell of a new row is a human value without a box. Money cells are kept to
  the cent, quantities and unit prices as sent (``"2.50"``), tax rates canonical (``"13%"``, ``"免税"``).
  The ``LineItem`` rows and the cells' ``FieldProvenance`` are rewritten; the audit event's before/after
  then also hold ``line_items`` (canonical values per row) and ``corrected`` names ``line_items``.
- Commits; returns the invoice, or None when there is no such invoice.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import defaultdict
from dataclasses import fields as dataclass_fields
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlmodel import Session, col, delete, select

from capture.extract.normalize import tax_rate
from capture.invoice import LINE_COLUMNS, ExtractedInvoice, FieldValue, InvoiceStatus, LineItem, Severity, Source
from capture.qr import QrPayload
from capture.validate import ValidationConfig, validate
from capture.vendors import VendorList
from models.archive import (
    VERIFICATION_FIELDS,
    business_key,
    find_original,
    line_item_row,
    min_key_confidence,
    snapshot,
)
from models.audit import audit
from models.db import immediate, is_sqlite
from models.invoices import DUPLICATE, MONEY, QUANTITY, FieldProvenance, Invoice, InvoiceIssue, VerificationStatus
from models.invoices import LineItem as LineItemRow

CENT = Decimal("0.01")
LINE_MONEY = ("amount", "tax")
LINE_NUMBERS = ("quantity", "unit_price", "amount", "tax")


class LineItemIn(BaseModel):
    """One corrected line item row (a missing or null cell is an absent value)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=1000)
    spec: str | None = Field(default=None, max_length=1000)
    unit: str | None = Field(default=None, max_length=100)
    quantity: Decimal | None = Field(default=None, allow_inf_nan=False, **QUANTITY)
    unit_price: Decimal | None = Field(default=None, allow_inf_nan=False, **QUANTITY)
    amount: Decimal | None = Field(default=None, allow_inf_nan=False, **MONEY)
    tax_rate: str | None = Field(default=None, description='"13%", "0%", "免税" or "不征税" ("13" is read as 13%)')
    tax: Decimal | None = Field(default=None, allow_inf_nan=False, **MONEY)

    @field_validator("tax_rate")
    @classmethod
    def _rate(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        rate = tax_rate(value)
        if rate is None:
            raise ValueError(f"{value!r} is not a tax rate (13%, 0%, 免税, 不征税)")
        return rate


def _field_value(rows: list[FieldProvenance]) -> FieldValue:
    """The chosen value (alternative 0) with its losing candidates."""

    def one(r: FieldProvenance) -> FieldValue:
        box = (r.x0, r.y0, r.x1, r.y1)
        return FieldValue(r.value, r.confidence, r.source, r.page, box if None not in box else None)

    rows = sorted(rows, key=lambda r: r.alternative)
    return replace(one(rows[0]), alternatives=tuple(one(r) for r in rows[1:]))


def _qr(data: dict[str, Any] | None) -> QrPayload | None:
    if not data:
        return None
    names = {f.name for f in dataclass_fields(QrPayload)}
    return QrPayload(**{k: v for k, v in data.items() if k in names})


def stored_invoice(session: Session, inv: Invoice) -> ExtractedInvoice:
    """The archived invoice as the extractor would have returned it."""
    rows = session.exec(select(FieldProvenance).where(FieldProvenance.invoice_id == inv.id)).all()
    fields: dict[str, list[FieldProvenance]] = defaultdict(list)
    cells: dict[int, dict[str, list[FieldProvenance]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        if r.line is None:
            fields[r.field].append(r)
        elif r.field in LINE_COLUMNS:
            cells[r.line][r.field].append(r)
    lines = tuple(LineItem(**{c: _field_value(v) for c, v in cells[i].items()}) for i in sorted(cells))
    return ExtractedInvoice(fields={k: _field_value(v) for k, v in fields.items()}, line_items=lines, page=inv.page,
                            qr=_qr(inv.qr))


def canonical(value: Any) -> str | None:
    """A corrected value as the canonical string the extractor produces."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return str(value.quantize(CENT))
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _column(value: Any) -> Any:
    """A corrected value for its typed column (money to the cent, text stripped, "" as NULL)."""
    if value is None or isinstance(value, dt.date):
        return value
    if isinstance(value, Decimal):
        return value.quantize(CENT)
    return canonical(value)


def _human(old: FieldValue | None, value: str | None, page: int) -> FieldValue:
    """The corrected value; a machine reading it replaces becomes an alternative (an earlier human value does
    not: the audit trail keeps it)."""
    if old is None:
        return FieldValue(value, 1.0, Source.HUMAN, page)
    replaced = () if old.source is Source.HUMAN else (replace(old, alternatives=()),)
    return FieldValue(value, 1.0, Source.HUMAN, old.page, old.box, alternatives=(*replaced, *old.alternatives))


def _provenance_rows(
    invoice_id: uuid.UUID, name: str, fv: FieldValue, line: int | None = None,
) -> list[FieldProvenance]:
    out = []
    for rank, v in enumerate((fv, *fv.alternatives)):
        x0, y0, x1, y1 = v.box if v.box is not None else (None, None, None, None)
        out.append(FieldProvenance(invoice_id=invoice_id, field=name, line=line, alternative=rank, value=v.value,
                                   confidence=float(v.confidence), source=v.source, page=v.page,
                                   x0=x0, y0=y0, x1=x1, y1=y1))
    return out


def line_canonical(column: str, value: Any) -> str | None:
    """A corrected cell as the canonical string the extractor produces for its column."""
    if isinstance(value, Decimal):
        return str(value.quantize(CENT)) if column in LINE_MONEY else format(value, "f")
    return canonical(value)


def _same(column: str, old: str | None, new: str | None) -> bool:
    """Equal cell values; numbers compare as numbers ("11" is the 11.0000000000 a client read back)."""
    if old == new:
        return True
    if column in LINE_NUMBERS and old is not None and new is not None:
        a, b = _number(old), _number(new)
        return a is not None and a == b
    return False


def _corrected_lines(old: tuple[LineItem, ...], rows: list[Any], page: int) -> tuple[LineItem, ...]:
    """The corrected table: unchanged cells keep their provenance, changed ones become human values."""
    out = []
    for index, row in enumerate(rows):
        values = (row if isinstance(row, LineItemIn) else LineItemIn.model_validate(row)).model_dump()
        before = old[index] if index < len(old) else None
        cells: dict[str, FieldValue | None] = {}
        for column in LINE_COLUMNS:
            value = line_canonical(column, values[column])
            prev: FieldValue | None = getattr(before, column) if before is not None else None
            if _same(column, prev.value if prev is not None else None, value):
                cells[column] = prev
            else:
                cells[column] = _human(prev, value, page)
        out.append(LineItem(**cells))
    return tuple(out)


def _number(value: str | None) -> Decimal | None:
    try:
        d = Decimal(value) if value else None
    except (InvalidOperation, ValueError):
        return None
    return d if d is not None and d.is_finite() else None


def _plain(detail: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(detail, default=str, ensure_ascii=False))


def _lock(session: Session, invoice_id: uuid.UUID) -> Invoice | None:
    stmt = select(Invoice).where(Invoice.id == invoice_id).execution_options(populate_existing=True)
    return session.exec(stmt if is_sqlite(session) else stmt.with_for_update()).first()


def correct_invoice(
    *, session: Session, invoice_id: uuid.UUID, changes: dict[str, Any], actor: str, now: dt.datetime,
    today: dt.date, config: ValidationConfig, vendors: VendorList | None = None,
) -> Invoice | None:
    immediate(session)
    inv = _lock(session, invoice_id)
    if inv is None:
        session.rollback()
        return None
    before = snapshot(inv)
    changes = dict(changes)
    status = changes.pop("status", None)
    rows = changes.pop("line_items", None)
    extracted = stored_invoice(session, inv)
    lines_before = [li.to_dict() for li in extracted.line_items]
    if rows is not None:
        extracted = replace(extracted, line_items=_corrected_lines(extracted.line_items, list(rows), inv.page))
    new_values: dict[str, FieldValue] = {}
    for name, value in changes.items():
        new_values[name] = _human(extracted.fields.get(name), canonical(value), inv.page)
        extracted = extracted.with_field(name, new_values[name])
        setattr(inv, name, _column(value))
    result = validate(extracted, config=config, today=today, vendors=vendors)

    if any(before[n] != snapshot(inv)[n] for n in VERIFICATION_FIELDS):
        inv.verification_status = VerificationStatus.NOT_CHECKED
    inv.status = status or result.status
    inv.dedup_key = business_key(extracted)
    inv.min_confidence = min_key_confidence(extracted)
    inv.duplicate_of = None
    inv.updated_at = now
    issues = [InvoiceIssue(invoice_id=inv.id, code=i.code.value, field=i.field, severity=i.severity,
                           detail=_plain(dict(i.detail))) for i in result.issues]
    if inv.dedup_key is not None and (original := find_original(session, invoice=inv, new=False)):
        inv.duplicate_of = original.duplicate_of or original.id
        inv.status = status or InvoiceStatus.NEEDS_REVIEW
        issues.append(InvoiceIssue(
            invoice_id=inv.id, code=DUPLICATE, field="invoice_number", severity=Severity.ERROR,
            detail={"duplicate_of": str(inv.duplicate_of), "document_id": str(original.document_id),
                    "key": inv.dedup_key},
        ))

    if new_values:
        session.exec(delete(FieldProvenance).where(
            FieldProvenance.invoice_id == inv.id, col(FieldProvenance.line).is_(None),
            col(FieldProvenance.field).in_(list(new_values)),
        ))
    if rows is not None:
        session.exec(delete(FieldProvenance).where(FieldProvenance.invoice_id == inv.id,
                                                   col(FieldProvenance.line).is_not(None)))
        session.exec(delete(LineItemRow).where(LineItemRow.invoice_id == inv.id))
    session.exec(delete(InvoiceIssue).where(InvoiceIssue.invoice_id == inv.id))
    session.add(inv)
    session.flush()
    for name, fv in new_values.items():
        session.add_all(_provenance_rows(inv.id, name, fv))
    if rows is not None:
        for index, li in enumerate(extracted.line_items):
            session.add(line_item_row(inv.id, index, li))
            for column in LINE_COLUMNS:
                if (cell := getattr(li, column)) is not None:
                    session.add_all(_provenance_rows(inv.id, column, cell, index))
    session.add_all(issues)
    after = snapshot(inv)
    corrected = sorted(new_values) + (["line_items"] if rows is not None else []) + (["status"] if status else [])
    if rows is not None:
        before = {**before, "line_items": lines_before}
        after = {**after, "line_items": [li.to_dict() for li in extracted.line_items]}
    audit(session, actor=actor, action="correct", entity="invoice", entity_id=inv.id, now=now, before=before,
          after={**after, "corrected": corrected})
    session.commit()
    return inv
