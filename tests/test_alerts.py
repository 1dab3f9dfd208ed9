"""Alerts read page by page: the exact count of every alert of the kinds asked, and only the page's rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models import Invoice
from models.alerts import alert_page, alerts
from models.invoices import DUPLICATE, InvoiceIssue, VerificationStatus
from tests.test_models_archive import new_document

pytestmark = pytest.mark.db
T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def _invoice(db, seed: int, status: VerificationStatus, *, duplicate: bool = False) -> str:
    doc = new_document(db, seed)
    with db.sessions() as s:
        inv = Invoice(document_id=doc.id, page=1, verification_status=status, invoice_number=f"{seed:08d}",
                      created_at=T0 + timedelta(minutes=seed), updated_at=T0 + timedelta(minutes=seed))
        s.add(inv)
        s.flush()
        if duplicate:
            s.add(InvoiceIssue(invoice_id=inv.id, code=DUPLICATE, field="invoice_number", severity="error",
                               detail={"key": f"n:{seed}"}))
        s.commit()
        return str(inv.id)


def test_pages_run_across_the_kinds_in_order_with_the_exact_count(db):
    mismatches = [_invoice(db, i, VerificationStatus.MISMATCH) for i in range(1, 4)]
    duplicates = [_invoice(db, i, VerificationStatus.NOT_CHECKED, duplicate=True) for i in range(4, 6)]
    _invoice(db, 6, VerificationStatus.VERIFIED)  # no alert
    expected = [*reversed(mismatches), *reversed(duplicates)]  # kind by kind, newest first within a kind
    with db.sessions() as s:
        assert [a["invoice_id"] for a in alerts(s)] == expected
        pages = [alert_page(s, offset=o, limit=2) for o in (0, 2, 4, 6)]
        assert [n for _page, n in pages] == [5, 5, 5, 5]
        assert [[a["invoice_id"] for a in page] for page, _n in pages] == [expected[0:2], expected[2:4],
                                                                           expected[4:5], []]
        assert [a["kind"] for a in pages[1][0]] == ["mismatch", "duplicate"]
        page, count = alert_page(s, kinds=["duplicate"], offset=1, limit=5)
        assert ([a["invoice_id"] for a in page], count) == ([expected[4]], 2)
        assert alert_page(s, kinds=["voided", "missing"]) == ([], 0)
