"""archive_result: every field with provenance, issues, OCR text, duplicates, and re-processing that replaces."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from capture.invoice import ExtractedInvoice, FieldValue, InvoiceStatus, Issue, IssueCode, Severity, Source
from capture.invoice import LineItem as Row
from capture.invoices import PageInvoice, capture_invoices
from capture.ocr.base import OcrLine as EngineLine
from capture.pipeline import PageText
from capture.quality import QualityReport
from capture.validate import ValidationResult
from models import AuditEvent, Document, FieldProvenance, Invoice, InvoiceIssue, LineItem, OcrLine
from models.archive import archive_result, business_key, document_invoices, invoice_detail
from models.invoices import DUPLICATE, VerificationStatus
from tests.db_fixtures import VAT_SPECIAL_LINES, FakeEngine, png_bytes

pytestmark = pytest.mark.db
T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
BOX = (10.0, 20.0, 110.0, 40.0)


def fv(value, conf=0.99, source=Source.OCR, alternatives=(), box=BOX, page=1):
    return FieldValue(value, conf, source, page, box, alternatives)


def special(**over) -> dict[str, FieldValue]:
    fields = {
        "invoice_type": fv("01", source=Source.QR, box=None),
        "invoice_code": fv("3100265530", 0.97),
        "invoice_number": fv("96985775", 1.0, Source.QR, (fv("96985776", 0.6),)),
        "date": fv("2026-11-12"),
        "amount_excl_tax": fv("323454.46"),
        "tax": fv("3234.54", 0.95),
        "total": fv("326689.00"),
        "seller_name": fv("上海同创文化传媒股份有限公司", 0.9),
        "seller_tax_id": fv("91310112088711930N", 0.8),
        "currency": fv("CNY", 1.0, Source.DERIVED, box=None),
    }
    fields.update(over)
    return {k: v for k, v in fields.items() if v is not None}


def found(fields, *, number=1, rows=(), issues=(), status=InvoiceStatus.ACCEPTED, lines=()) -> PageInvoice:
    ocr = [EngineLine(t, 0.9, ((x, y), (x + 50, y), (x + 50, y + 10), (x, y + 10))) for t, x, y in lines]
    page = PageText(number=number, width=600, height=400, dpi=150.0, lines=ocr, processed_lines=ocr,
                    quality=QualityReport(ok=True), steps=[], prepared=None)
    inv = ExtractedInvoice(fields=fields, line_items=tuple(rows), page=number)
    return PageInvoice(page, inv, ValidationResult(status, tuple(issues)))


def new_document(db, seed: int, at: datetime = T0) -> Document:
    with db.sessions() as s:
        doc = Document(sha256=f"{seed:064x}", media_type="image/png", size=1, pages=1, created_at=at)
        s.add(doc)
        s.commit()
        return doc


def archive(db, doc, items, pages=1, now=T0) -> list[Invoice]:
    with db.sessions() as s:
        out = archive_result(s, document=s.get(Document, doc.id), pages=pages, found=items, now=now)
        s.commit()
        return out


def rows_of(db, table, **where):
    with db.sessions() as s:
        stmt = select(table)
        for k, v in where.items():
            stmt = stmt.where(getattr(table, k) == v)
        return s.exec(stmt).all()


def test_archive_writes_every_field_with_provenance(db):
    doc = new_document(db, 1)
    rows = [Row(name=fv("*服务*租赁费", 0.9, box=(5.0, 200.0, 80.0, 215.0)), quantity=fv("11"),
                unit_price=fv("29404.95049505"), amount=fv("323454.46"), tax_rate=fv("1%"), tax=fv("***", 0.7))]
    issue = Issue(IssueCode.LOW_CONFIDENCE, "seller_tax_id", Severity.WARNING, {"confidence": 0.8, "threshold": 0.9})
    (inv,) = archive(db, doc, [found(special(), rows=rows, issues=[issue], status=InvoiceStatus.NEEDS_REVIEW,
                                     lines=[("发票代码：3100265530", 400, 40), ("合计", 40, 250)])])
    stored = rows_of(db, Invoice)[0]
    assert stored.id == inv.id and stored.page == 1 and stored.status is InvoiceStatus.NEEDS_REVIEW
    assert (stored.invoice_type, stored.invoice_code, stored.invoice_number) == ("01", "3100265530", "96985775")
    assert (stored.date, stored.total, stored.tax) == (date(2026, 11, 12), Decimal("326689.00"), Decimal("3234.54"))
    assert stored.seller_tax_id == "91310112088711930N" and stored.buyer_tax_id is None
    assert stored.min_confidence == 0.8 and stored.dedup_key == "01:3100265530:96985775"
    assert stored.verification_status is VerificationStatus.NOT_CHECKED and stored.duplicate_of is None
    assert stored.quality == {"ok": True, "reasons": [], "metrics": {}}

    prov = rows_of(db, FieldProvenance, invoice_id=inv.id)
    fields = {(p.field, p.alternative): p for p in prov if p.line is None}
    assert {f for f, _ in fields} == set(special())
    number, alt = fields[("invoice_number", 0)], fields[("invoice_number", 1)]
    assert (number.value, number.source, number.confidence, number.x0, number.y1) == ("96985775", Source.QR, 1.0,
                                                                                      10.0, 40.0)
    assert (alt.value, alt.source, alt.confidence) == ("96985776", Source.OCR, 0.6)
    assert fields[("invoice_type", 0)].x0 is None  # QR-only value: no place on the page
    cells = {p.field: p for p in prov if p.line == 0}
    assert set(cells) == {"name", "quantity", "unit_price", "amount", "tax_rate", "tax"}
    assert (cells["name"].value, cells["name"].y0, cells["tax"].value) == ("*服务*租赁费", 200.0, "***")

    (item,) = rows_of(db, LineItem, invoice_id=inv.id)
    assert (item.line, item.quantity, item.unit_price, item.amount, item.tax_rate, item.tax) == (
        0, Decimal("11"), Decimal("29404.95049505"), Decimal("323454.46"), "1%", None)
    assert item.confidence == 0.7
    (stored_issue,) = rows_of(db, InvoiceIssue, invoice_id=inv.id)
    assert (stored_issue.code, stored_issue.field, stored_issue.severity, stored_issue.detail) == (
        "low_confidence", "seller_tax_id", Severity.WARNING, {"confidence": 0.8, "threshold": 0.9})
    ocr = sorted(rows_of(db, OcrLine, document_id=doc.id), key=lambda r: r.seq)
    assert [(o.page, o.seq, o.text, o.x0, o.y1) for o in ocr] == [(1, 0, "发票代码：3100265530", 400.0, 50.0),
                                                                  (1, 1, "合计", 40.0, 260.0)]
    (event,) = rows_of(db, AuditEvent, entity="invoice")
    assert (event.action, event.entity_id, event.before) == ("capture", str(inv.id), None)
    assert event.after["total"] == "326689.00" and event.after["status"] == "needs_review"

    with db.sessions() as s:
        detail = invoice_detail(s, invoice_id=inv.id).model_dump(mode="json")
        assert invoice_detail(s, invoice_id=doc.id) is None
    assert detail["invoice_number"] == "96985775" and detail["total"] == "326689.00"
    assert len(detail["line_items"]) == 1 and len(detail["issues"]) == 1
    assert len(detail["fields"]) == len(prov) and detail["fields"][0]["line"] is None


def test_unparseable_values_keep_the_raw_string_in_provenance(db):
    doc = new_document(db, 2)
    (inv,) = archive(db, doc, [found(special(total=fv("12,3x4"), date=fv("2026-13-45")))])
    stored = rows_of(db, Invoice)[0]
    assert stored.total is None and stored.date is None
    values = {p.field: p.value for p in rows_of(db, FieldProvenance, invoice_id=inv.id)}
    assert values["total"] == "12,3x4" and values["date"] == "2026-13-45"


def test_reprocessing_replaces_keeps_ids_and_removes_vanished_pages(db):
    doc = new_document(db, 3)
    rows = [Row.of(name="a", amount="1.00"), Row.of(name="b", amount="2.00")]
    first = archive(db, doc, [found(special(), rows=rows, lines=[("x", 1, 1)] * 3),
                              found(special(invoice_number=fv("11111111")), number=2)], pages=2)
    with db.sessions() as s:  # a person (or the tax check) verified it meanwhile
        inv = s.get(Invoice, first[0].id)
        inv.verification_status = VerificationStatus.VERIFIED
        s.add(inv)
        s.commit()
    again = archive(db, doc, [found(special(total=fv("326690.00")), rows=rows[:1], lines=[("y", 1, 1)])],
                    pages=2, now=T0 + timedelta(minutes=5))
    assert [i.id for i in again] == [first[0].id]
    (stored,) = rows_of(db, Invoice)
    assert stored.total == Decimal("326690.00") and stored.created_at == T0
    assert stored.updated_at == T0 + timedelta(minutes=5)
    assert stored.verification_status is VerificationStatus.NOT_CHECKED  # the total changed: check again
    assert len(rows_of(db, LineItem)) == 1
    assert len(rows_of(db, FieldProvenance, field="total")) == 1
    assert [o.text for o in rows_of(db, OcrLine)] == ["y"]
    actions = sorted((e.action, e.entity_id) for e in rows_of(db, AuditEvent))
    assert actions == sorted([("capture", str(first[0].id)), ("capture", str(first[1].id)),
                              ("recapture", str(first[0].id)), ("delete", str(first[1].id))])
    recapture = rows_of(db, AuditEvent, action="recapture")[0]
    assert recapture.before["total"] == "326689.00" and recapture.after["total"] == "326690.00"


def test_unchanged_key_values_keep_the_verification_status(db):
    doc = new_document(db, 4)
    (inv,) = archive(db, doc, [found(special())])
    with db.sessions() as s:
        row = s.get(Invoice, inv.id)
        row.verification_status = VerificationStatus.VERIFIED
        s.add(row)
        s.commit()
    archive(db, doc, [found(special(seller_name=fv("上海同创文化传媒有限公司")))])
    assert rows_of(db, Invoice)[0].verification_status is VerificationStatus.VERIFIED


def test_duplicates_point_to_the_first_archived_invoice(db):
    a, b, c = new_document(db, 10), new_document(db, 11), new_document(db, 12)
    (first,) = archive(db, a, [found(special())])
    (second,) = archive(db, b, [found(special())], now=T0 + timedelta(seconds=1))
    (third,) = archive(db, c, [found(special())], now=T0 + timedelta(seconds=2))
    with db.sessions() as s:
        rows = {i.id: i for i in s.exec(select(Invoice)).all()}
    assert rows[first.id].duplicate_of is None and rows[first.id].status is InvoiceStatus.ACCEPTED
    assert rows[second.id].duplicate_of == first.id and rows[third.id].duplicate_of == first.id
    assert rows[second.id].status is InvoiceStatus.NEEDS_REVIEW
    (issue,) = rows_of(db, InvoiceIssue, code=DUPLICATE, invoice_id=second.id)
    assert issue.severity is Severity.ERROR
    assert issue.detail == {"duplicate_of": str(first.id), "document_id": str(a.id), "key": "01:3100265530:96985775"}
    # re-capturing the first document does not make it a duplicate of the later ones
    archive(db, a, [found(special())], now=T0 + timedelta(seconds=3))
    assert rows_of(db, Invoice, id=first.id)[0].duplicate_of is None
    assert rows_of(db, InvoiceIssue, code=DUPLICATE, invoice_id=first.id) == []


def test_digital_invoices_are_keyed_by_the_20_digit_number(db):
    number = "25437000000297554203"
    a, b = new_document(db, 20), new_document(db, 21)
    digital = {"invoice_type": fv("32"), "invoice_number": fv(number), "total": fv("17.00")}
    (first,) = archive(db, a, [found(digital)])
    (second,) = archive(db, b, [found({**digital, "invoice_type": fv("10")})], now=T0 + timedelta(seconds=1))
    assert rows_of(db, Invoice, id=second.id)[0].duplicate_of == first.id
    assert business_key(ExtractedInvoice(fields=digital)) == f"n:{number}"
    assert business_key(ExtractedInvoice(fields={"invoice_number": fv("96985775")})) is None


def test_pages_of_one_document_are_not_duplicates_of_each_other(db):
    doc = new_document(db, 30)
    invoices = archive(db, doc, [found(special(), number=1), found(special(), number=2)], pages=2)
    assert [i.duplicate_of for i in invoices] == [None, None]
    assert rows_of(db, InvoiceIssue, code=DUPLICATE) == []


def test_archive_the_pipeline_output(db):
    doc = new_document(db, 40)
    pages, items = capture_invoices(png_bytes(40), engine=FakeEngine(VAT_SPECIAL_LINES), today=date(2026, 11, 20))
    archive(db, doc, items, pages=pages)
    with db.sessions() as s:
        (inv,) = document_invoices(s, document_id=doc.id)
        detail = invoice_detail(s, invoice_id=inv.id)
    assert (inv.invoice_type, inv.invoice_code, inv.invoice_number, inv.total) == (
        "01", "3100265530", "96985775", Decimal("326689.00"))
    assert {f.field for f in detail.fields} >= {"invoice_code", "invoice_number", "date", "total"}
    assert all(f.x0 is not None for f in detail.fields if f.field == "invoice_code")
    assert {i.code for i in detail.issues} == {i.code.value for i in items[0].validation.issues}
    assert len(rows_of(db, OcrLine, document_id=doc.id)) == len(VAT_SPECIAL_LINES)
