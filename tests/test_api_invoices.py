"""Reading, searching and correcting invoices through HTTP; one end-to-end run on a real sample with real OCR."""

from __future__ import annotations

import pytest
from sqlmodel import select

from models import AuditEvent, JobStatus
from tests.conftest import SAMPLES
from tests.db_fixtures import VAT_SPECIAL_LINES, FakeEngine, png_bytes
from tests.test_api_fixtures import api_fixture  # noqa: F401  (the api fixture)

pytestmark = pytest.mark.db
SAMPLE = SAMPLES / "scan_vat_special_150dpi.png"


def captured(api, db, blobs, seed: int, lines=VAT_SPECIAL_LINES) -> dict:
    """Upload a page, capture it with a fake OCR reading ``lines``; the invoice detail."""
    doc = api.upload((f"{seed}.png", png_bytes(seed))).json()["documents"][0]
    assert api.worker(db, blobs, FakeEngine(lines)).run_once().status is JobStatus.DONE
    (invoice_id,) = api.get(doc["status_url"]).json()["invoice_ids"]
    return api.get(f"/api/v1/invoices/{invoice_id}", "auditor").json()


def search(api, **params) -> dict:
    r = api.get("/api/v1/invoices", "reviewer", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def field(detail: dict, name: str, alternative: int = 0) -> dict:
    return next(f for f in detail["fields"] if f["field"] == name and f["line"] is None
                and f["alternative"] == alternative)


def test_invoice_detail_has_fields_with_provenance(api, db, blobs):
    inv = captured(api, db, blobs, 1)
    assert (inv["invoice_code"], inv["invoice_number"], inv["total"]) == ("3100265530", "96985775", "326689.00")
    assert inv["status"] in ("accepted", "needs_review") and inv["duplicate_of"] is None
    number = field(inv, "invoice_number")
    assert number["value"] == "96985775" and number["source"] == "ocr" and number["x0"] is not None
    assert isinstance(inv["issues"], list) and isinstance(inv["line_items"], list)
    missing = api.get("/api/v1/invoices/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "invoice_not_found"


def test_search_filters(api, db, blobs):
    first = captured(api, db, blobs, 1)
    other_lines = [(t.replace("96985775", "12345678").replace("326689.00", "100.00"), x, y)
                   for t, x, y in VAT_SPECIAL_LINES]
    second = captured(api, db, blobs, 2, other_lines)
    dup = captured(api, db, blobs, 3)  # the first invoice's business key on another document
    assert dup["duplicate_of"] == first["id"] and any(i["code"] == "duplicate" for i in dup["issues"])

    def ids(**params) -> list[str]:
        return [inv["id"] for inv in search(api, **params)["data"]]

    assert search(api)["count"] == 3
    assert sorted(ids(number="96985775")) == sorted([first["id"], dup["id"]])
    assert ids(number="96985775", duplicate="false") == [first["id"]]
    assert ids(duplicate="true") == [dup["id"]]
    assert ids(code="3100265530", total_max="1000") == [second["id"]]
    assert sorted(ids(total_min="1000", date_from="2026-11-01", date_to="2026-11-30")) == sorted(
        [first["id"], dup["id"]])
    assert ids(date_to="2026-01-01") == []
    assert ids(q="12345678") == [second["id"]]  # substring of the stored OCR text
    assert ids(q="增值税专用", sort="total", limit=1) == [second["id"]]
    page = search(api, sort="-total", limit=2, offset=2)
    assert page["count"] == 3 and len(page["data"]) == 1
    assert ids(q="100%_") == []  # wildcards are literal
    bad = api.get("/api/v1/invoices", params={"sort": "nonsense", "limit": 0})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"


def test_patch_records_a_human_correction_and_revalidates(api, db, blobs):
    inv = captured(api, db, blobs, 1)
    r = api.patch(f"/api/v1/invoices/{inv['id']}", "reviewer",
                  json={"seller_name": "  上海同创文化传媒股份有限公司 ", "seller_tax_id": "91310112088711930N"})
    assert r.status_code == 200, r.text
    after = r.json()
    assert after["seller_name"] == "上海同创文化传媒股份有限公司"
    seller = field(after, "seller_name")
    assert (seller["value"], seller["source"], seller["confidence"]) == ("上海同创文化传媒股份有限公司", "human", 1.0)
    assert [i["code"] for i in after["issues"] if i["field"] == "seller_name"] == []
    assert search(api, seller="同创文化")["count"] == 1
    assert search(api, seller="91310112088711930N")["count"] == 1
    with db.sessions() as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "correct")).one()
    assert event.entity_id == inv["id"] and event.actor.startswith("key:")
    assert event.before["seller_name"] is None and event.after["seller_name"] == "上海同创文化传媒股份有限公司"
    assert event.after["corrected"] == ["seller_name", "seller_tax_id"]
    history = api.get(f"/api/v1/invoices/{inv['id']}", "auditor").json()["history"]
    assert [e["action"] for e in history] == ["capture", "correct"]
    assert history[1]["after"]["seller_name"] == "上海同创文化传媒股份有限公司"


def test_patch_keeps_the_replaced_reading_and_resets_verification(api, db, blobs):
    inv = captured(api, db, blobs, 1)
    r = api.patch(f"/api/v1/invoices/{inv['id']}", json={"total": "326689", "invoice_number": "96985776"})
    assert r.status_code == 200, r.text
    after = r.json()
    assert (after["total"], after["invoice_number"]) == ("326689.00", "96985776")
    number, replaced = field(after, "invoice_number"), field(after, "invoice_number", 1)
    assert (number["source"], replaced["source"], replaced["value"]) == ("human", "ocr", "96985775")
    assert (number["x0"], number["page"]) == (replaced["x0"], replaced["page"])  # still points at the page
    assert after["verification_status"] == "not_checked"
    assert search(api, number="96985776")["count"] == 1 and search(api, number="96985775")["count"] == 0
    again = api.patch(f"/api/v1/invoices/{inv['id']}", json={"invoice_number": "96985777"}).json()
    readings = [(f["value"], f["source"]) for f in again["fields"] if f["field"] == "invoice_number"]
    assert readings == [("96985777", "human"), ("96985775", "ocr")]  # the machine reading is kept once


def test_patch_status_by_a_person_and_refusals(api, db, blobs):
    inv = captured(api, db, blobs, 1)
    url = f"/api/v1/invoices/{inv['id']}"
    assert api.patch(url, "reviewer", json={"status": "accepted"}).json()["status"] == "accepted"
    for body, code in (({"sellr_name": "x"}, "invalid_request"), ({}, "nothing_to_change"),
                       ({"total": "12.345"}, "invalid_request"), ({"date": "2026-13-01"}, "invalid_request")):
        r = api.patch(url, json=body)
        assert r.status_code == 422 and r.json()["error"]["code"] == code, (body, r.text)
    r = api.patch("/api/v1/invoices/00000000-0000-0000-0000-000000000000", json={"seller_name": "x"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "invoice_not_found"
    assert api.patch(url, "auditor", json={"seller_name": "x"}).status_code == 403


def test_end_to_end_with_real_ocr(api, db, blobs, engine):
    r = api.upload((SAMPLE.name, SAMPLE.read_bytes()), source="scanner", station="desk-1")
    assert r.status_code == 202, r.text
    doc = r.json()["documents"][0]
    job = api.worker(db, blobs, engine).run_once()
    assert job.status is JobStatus.DONE, job.error_detail
    status = api.get(doc["status_url"], "scanner").json()
    assert status["status"] == "done" and status["error"] is None and len(status["invoice_ids"]) == 1
    url = f"/api/v1/invoices/{status['invoice_ids'][0]}"
    inv = api.get(url, "reviewer").json()
    assert (inv["invoice_code"], inv["invoice_number"], inv["total"]) == ("3100265530", "96985775", "326689.00")
    number = field(inv, "invoice_number")
    assert number["source"] in ("qr", "ocr") and 0 < number["confidence"] <= 1
    assert len(inv["line_items"]) == 1 and any(f["line"] == 0 for f in inv["fields"])
    assert [i["id"] for i in search(api, number="96985775")["data"]] == [inv["id"]]
    assert search(api, q="房屋租赁")["count"] == 1
    r = api.patch(url, "reviewer", json={"seller_name": "上海同创文化传媒有限公司"})
    assert r.status_code == 200, r.text
    seller = field(r.json(), "seller_name")
    assert (seller["value"], seller["source"]) == ("上海同创文化传媒有限公司", "human")
    with db.sessions() as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "correct")).one()
    assert event.after["seller_name"] == "上海同创文化传媒有限公司"
    assert event.before["seller_name"] != event.after["seller_name"]
