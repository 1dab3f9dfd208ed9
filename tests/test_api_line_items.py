"""Line item corrections (PUT /api/v1/invoices/{id}/line_items): human cells, re-validation, audit trail."""

from __future__ import annotations

import pytest
from sqlmodel import select

from models import AuditEvent, JobStatus
from tests.conftest import SAMPLES
from tests.test_api_fixtures import api_fixture  # noqa: F401  (the api fixture)
from tests.test_api_invoices import captured

pytestmark = pytest.mark.db
AMOUNT, TAX = "323454.46", "3234.54"
ROW = {"name": "*不动产租赁服务*房屋租赁费", "unit": "月", "quantity": "11", "unit_price": "29404.95049505",
       "amount": AMOUNT, "tax_rate": "1", "tax": TAX}


def put(api, invoice_id: str, body: dict, role: str = "reviewer"):
    return api.client.put(f"/api/v1/invoices/{invoice_id}/line_items", headers=api.headers(role), json=body)


def cells(detail: dict, line: int = 0, alternative: int = 0) -> dict[str, dict]:
    return {f["field"]: f for f in detail["fields"] if f["line"] == line and f["alternative"] == alternative}


def codes(detail: dict) -> set[str]:
    return {i["code"] for i in detail["issues"]}


def test_put_line_items_adds_rows_revalidates_and_audits(api, db, blobs):
    inv = captured(api, db, blobs, 1)
    assert inv["line_items"] == []
    assert api.patch(f"/api/v1/invoices/{inv['id']}", json={"amount_excl_tax": AMOUNT, "tax": TAX}).status_code == 200

    r = put(api, inv["id"], {"line_items": [ROW]})
    assert r.status_code == 200, r.text
    after = r.json()
    (item,) = after["line_items"]
    assert (item["line"], item["name"], item["unit"], item["tax_rate"]) == (0, ROW["name"], "月", "1%")
    assert (item["amount"], item["tax"], float(item["quantity"])) == (AMOUNT, TAX, 11.0)
    row = cells(after)
    assert set(row) == {"name", "unit", "quantity", "unit_price", "amount", "tax_rate", "tax"}  # spec: not sent
    assert {(c["source"], c["confidence"], c["x0"]) for c in row.values()} == {("human", 1.0, None)}
    assert (row["quantity"]["value"], row["amount"]["value"]) == ("11", AMOUNT)
    assert not codes(after) & {"lines_amount_mismatch", "lines_tax_mismatch", "line_qty_price_mismatch"}

    wrong = put(api, inv["id"], {"line_items": [{**ROW, "amount": "323000.00"}]}).json()
    assert {"lines_amount_mismatch", "line_qty_price_mismatch"} <= codes(wrong)
    assert wrong["line_items"][0]["amount"] == "323000.00"

    with db.sessions() as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "correct", AuditEvent.entity_id == inv["id"])
                        .order_by(AuditEvent.id)).all()
    added, changed = events[-2:]
    assert added.before["line_items"] == [] and added.after["line_items"][0]["amount"] == AMOUNT
    assert added.after["corrected"] == ["line_items"]
    assert changed.before["line_items"][0]["amount"] == AMOUNT
    assert changed.after["line_items"][0]["amount"] == "323000.00"
    assert [e["action"] for e in wrong["history"]][-2:] == ["correct", "correct"]

    cleared = put(api, inv["id"], {"line_items": [], "status": "accepted"}).json()
    assert cleared["line_items"] == [] and not [f for f in cleared["fields"] if f["line"] is not None]
    assert cleared["status"] == "accepted"


def test_put_line_items_refusals(api, db, blobs):
    inv = captured(api, db, blobs, 1)
    for body in ({"line_items": [{"nmae": "x"}]}, {"line_items": [{"tax_rate": "lots"}]},
                 {"line_items": [{"amount": "1.234"}]}, {"line_items": [{"quantity": "NaN"}]}, {},
                 {"line_items": [], "status": "maybe"}):
        r = put(api, inv["id"], body)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request", (body, r.text)
    assert put(api, inv["id"], {"line_items": []}, "auditor").status_code == 403
    r = put(api, "00000000-0000-0000-0000-000000000000", {"line_items": []})
    assert r.status_code == 404 and r.json()["error"]["code"] == "invoice_not_found"


def test_correcting_one_cell_keeps_the_machine_readings(api, db, blobs, engine):
    sample = SAMPLES / "scan_vat_special_150dpi.png"
    doc = api.upload((sample.name, sample.read_bytes())).json()["documents"][0]
    assert api.worker(db, blobs, engine).run_once().status is JobStatus.DONE
    (invoice_id,) = api.get(doc["status_url"]).json()["invoice_ids"]
    before = api.get(f"/api/v1/invoices/{invoice_id}").json()
    (item,) = before["line_items"]
    ocr = cells(before)
    assert ocr["amount"]["source"] == "ocr" and ocr["amount"]["x0"] is not None

    sent = {c: item[c] for c in ("name", "spec", "unit", "quantity", "unit_price", "amount", "tax_rate", "tax")}
    # the table as read back, one cell changed
    r = put(api, invoice_id, {"line_items": [{**sent, "name": "*不动产租赁服务*房屋租赁"}]})
    assert r.status_code == 200, r.text
    after = r.json()
    now, replaced = cells(after), cells(after, alternative=1)
    assert (now["name"]["value"], now["name"]["source"]) == ("*不动产租赁服务*房屋租赁", "human")
    assert (replaced["name"]["value"], replaced["name"]["source"]) == (ocr["name"]["value"], "ocr")
    assert (now["name"]["x0"], now["name"]["y1"]) == (ocr["name"]["x0"], ocr["name"]["y1"])  # still on the page
    for column in ("quantity", "unit_price", "amount", "tax_rate", "tax"):  # unchanged: still the machine reading
        assert (now[column]["source"], now[column]["value"]) == (ocr[column]["source"], ocr[column]["value"]), column
    assert after["line_items"][0]["name"] == "*不动产租赁服务*房屋租赁"
