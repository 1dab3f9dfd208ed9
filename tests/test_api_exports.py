"""Exports (GET /api/v1/invoices/export): CSV and XLSX with one row per line item, the search's filters."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from api.routes import exports
from api.routes.exports import EXPORT_HEADER
from tests.db_fixtures import VAT_SPECIAL_LINES
from tests.test_api_fixtures import api_fixture  # noqa: F401  (the api fixture)
from tests.test_api_invoices import captured

pytestmark = pytest.mark.db
EXPORT = "/api/v1/invoices/export"
SELLER = "上海同创文化传媒股份有限公司"
ITEMS = [
    {"name": "*不动产租赁服务*房屋租赁费", "unit": "月", "quantity": "11", "unit_price": "29404.95049505",
     "amount": "323454.46", "tax_rate": "1%", "tax": "3234.54"},
    {"name": "=HYPERLINK(\"http://x\")", "spec": "-1", "amount": "0.00", "tax": "0.00"},
]


def other_number(number: str, total: str = "100.00") -> list:
    return [(t.replace("96985775", number).replace("326689.00", total), x, y) for t, x, y in VAT_SPECIAL_LINES]


@pytest.fixture
def archive(api, db, blobs) -> dict:
    """Two invoices: the first with two line items and a Chinese seller name, the second with none."""
    first = captured(api, db, blobs, 1)
    second = captured(api, db, blobs, 2, other_number("12345678"))
    r = api.client.put(f"/api/v1/invoices/{first['id']}/line_items", headers=api.headers("reviewer"),
                       json={"line_items": ITEMS})
    assert r.status_code == 200, r.text
    assert api.patch(f"/api/v1/invoices/{first['id']}", "reviewer", json={"seller_name": SELLER}).status_code == 200
    return {"first": first, "second": second}


def read_csv(body: bytes) -> list[dict]:
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the file as UTF-8
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert tuple(rows[0]) == EXPORT_HEADER
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def test_csv_one_row_per_line_item(api, archive):
    first, second = archive["first"], archive["second"]
    r = api.get(EXPORT, "auditor", params={"format": "csv", "sort": "invoice_number"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = r.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="invoices-') and disposition.endswith('.csv"')
    rows = read_csv(r.content)
    assert [(x["invoice_id"], x["item_no"]) for x in rows] == [
        (second["id"], ""), (first["id"], "1"), (first["id"], "2")]
    lone, item1, item2 = rows
    assert lone["item_name"] == lone["item_amount"] == "" and lone["invoice_number"] == "12345678"
    assert (item1["seller_name"], item2["seller_name"]) == (SELLER, SELLER)  # invoice columns repeated
    assert (item1["total"], item1["date"], item1["invoice_code"]) == ("326689.00", "2026-11-12", "3100265530")
    assert (item1["item_name"], item1["item_unit"]) == ("*不动产租赁服务*房屋租赁费", "月")
    assert item1["item_tax_rate"] == "1%"
    assert (item1["item_quantity"], item1["item_unit_price"]) == ("11", "29404.95049505")
    assert (item1["item_amount"], item1["item_tax"]) == ("323454.46", "3234.54")
    assert item2["item_name"] == "'=HYPERLINK(\"http://x\")" and item2["item_spec"] == "'-1"  # never a formula
    assert item1["status"] in ("accepted", "needs_review") and item1["created_at"].endswith("+00:00")


def test_csv_uses_the_search_filters(api, archive):
    def ids(**params) -> list[tuple[str, str]]:
        r = api.get(EXPORT, params=params)
        assert r.status_code == 200, r.text
        return [(x["invoice_number"], x["item_no"]) for x in read_csv(r.content)]

    assert ids(number="12345678") == [("12345678", "")]
    assert ids(seller="同创", format="csv") == [("96985775", "1"), ("96985775", "2")]
    assert ids(total_min="1000", date_from="2026-11-01") == [("96985775", "1"), ("96985775", "2")]
    assert ids(q="12345678") == [("12345678", "")]
    assert ids(sort="-total", limit=1) == [("96985775", "1"), ("96985775", "2")]
    assert ids(sort="-total", offset=1) == [("12345678", "")]
    assert ids(date_to="2020-01-01") == []


def test_csv_streams_in_batches(api, db, blobs, monkeypatch):
    monkeypatch.setattr(exports, "BATCH", 2)
    numbers = [f"1000000{i}" for i in range(5)]
    for i, number in enumerate(numbers):
        captured(api, db, blobs, 10 + i, other_number(number))
    r = api.get(EXPORT, "auditor", params={"sort": "invoice_number"})
    assert [x["invoice_number"] for x in read_csv(r.content)] == numbers
    chunks = list(exports.csv_chunks(([str(i)] for i in range(5)), batch=2))
    assert len(chunks) == 3 and b"".join(chunks).decode("utf-8-sig").splitlines()[1:] == ["0", "1", "2", "3", "4"]


def test_xlsx_reads_back(api, archive):
    first, second = archive["first"], archive["second"]
    r = api.get(EXPORT, "auditor", params={"format": "xlsx", "sort": "-invoice_number"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == exports.MEDIA_TYPES["xlsx"]
    assert r.headers["content-disposition"].endswith('.xlsx"')
    assert int(r.headers["content-length"]) == len(r.content)
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb["invoices"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == EXPORT_HEADER
    data = [dict(zip(EXPORT_HEADER, row, strict=True)) for row in rows[1:]]
    assert [(x["invoice_id"], x["item_no"]) for x in data] == [(first["id"], 1), (first["id"], 2), (second["id"], None)]
    item1, item2, lone = data
    assert item1["total"] == pytest.approx(326689.00) and item1["item_amount"] == pytest.approx(323454.46)
    assert item1["invoice_number"] == "96985775" and item1["invoice_code"] == "3100265530"  # text, not numbers
    assert item1["date"].date().isoformat() == "2026-11-12"
    assert (item1["seller_name"], item1["item_name"]) == (SELLER, "*不动产租赁服务*房屋租赁费")
    assert item2["item_name"] == "=HYPERLINK(\"http://x\")"  # kept as text: the cell is not a formula
    formula_cell = next(c for c in ws.iter_rows(min_row=3, max_row=3) for c in c
                        if c.column == EXPORT_HEADER.index("item_name") + 1)
    assert formula_cell.data_type == "s"
    assert lone["item_name"] is None and lone["invoice_number"] == "12345678"


def test_export_roles_and_refusals(api, archive):
    assert api.get(EXPORT, "auditor").status_code == 200
    assert api.get(EXPORT, "admin", params={"format": "xlsx"}).status_code == 200
    for role in ("reviewer", "scanner"):
        r = api.get(EXPORT, role)
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert api.client.get(EXPORT).status_code == 401
    for params in ({"format": "pdf"}, {"sort": "nonsense"}, {"limit": 0}, {"date_from": "2026-13-01"}):
        r = api.get(EXPORT, params=params)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request", params
    # the export route is not taken for an invoice id, and invoice ids still resolve
    assert api.get(f"/api/v1/invoices/{archive['first']['id']}", "auditor").status_code == 200


def test_xlsx_row_limit(monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 3)
    with pytest.raises(exports.ApiError) as err:
        exports.write_xlsx(([i] for i in range(5)), io.BytesIO())
    assert err.value.status == 413 and err.value.code == "too_many_rows"
