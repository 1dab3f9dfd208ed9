"""Reports (GET /api/v1/reports): counts and sums per period, by seller, type and status, on both databases."""

from __future__ import annotations

import pytest

from tests.test_api_exports import other_number
from tests.test_api_fixtures import api_fixture  # noqa: F401  (the api fixture)
from tests.test_api_invoices import captured

pytestmark = pytest.mark.db
REPORTS = "/api/v1/reports"
TAX_ID = "91310112088711930N"
SELLER = "上海同创文化传媒股份有限公司"
AMOUNT, TAX = "323454.46", "3234.54"  # every invoice below is given these (only the number and total vary)


@pytest.fixture
def archive(api, db, blobs) -> dict:
    def make(seed: int, number: str, total: str, **patch) -> dict:
        inv = captured(api, db, blobs, seed, other_number(number, total))
        r = api.patch(f"/api/v1/invoices/{inv['id']}", "reviewer",
                      json={"amount_excl_tax": AMOUNT, "tax": TAX, **patch})
        assert r.status_code == 200, r.text
        return r.json()

    out = {
        "a": make(1, "96985775", "326689.00", seller_name=SELLER, seller_tax_id=TAX_ID, status="accepted"),
        "b": make(2, "12345678", "100.00", seller_name="同创文化", seller_tax_id=TAX_ID, date="2026-10-05",
                  status="needs_review"),
        "c": make(3, "22222222", "100.00", seller_name="某某商店", date="2026-10-20", status="accepted"),
        "e": make(4, "33333333", "100.00", date=None, status="needs_review"),
    }
    out["dup"] = captured(api, db, blobs, 5, other_number("96985775", "326689.00"))  # a's business key again
    assert out["dup"]["duplicate_of"] == out["a"]["id"]
    return out


def report(api, role: str = "auditor", **params) -> dict:
    r = api.get(REPORTS, role, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def sums(count: int, total: str, n_amount: int | None = None) -> dict:
    n = count if n_amount is None else n_amount
    cents = lambda v: f"{round(float(v) * 100) * n / 100:.2f}"  # noqa: E731
    return {"count": count, "amount_excl_tax": cents(AMOUNT), "tax": cents(TAX), "total": total}


def pick(row: dict) -> dict:
    return {k: row[k] for k in ("count", "amount_excl_tax", "tax", "total")}


def test_monthly_report(api, archive):
    rep = report(api, period="month")
    assert (rep["period"], rep["date_from"], rep["include_duplicates"]) == ("month", None, False)
    assert [p["period"] for p in rep["periods"]] == ["2026-10", "2026-11", None]  # undated last
    oct_, nov, undated = rep["periods"]
    assert pick(oct_) == sums(2, "200.00") and pick(nov) == sums(1, "326689.00") and pick(undated) == sums(1, "100.00")
    assert pick(rep["overall"]) == sums(4, "326989.00")  # the duplicate is not counted twice

    sellers = rep["overall"]["by_seller"]
    assert [(s["seller_tax_id"], s["count"], s["total"]) for s in sellers] == [
        (TAX_ID, 2, "326789.00"), (None, 1, "100.00"), (None, 1, "100.00")]
    assert sellers[0]["seller_name"] in (SELLER, "同创文化")  # one tax id, two spellings: one group
    assert [s["seller_name"] for s in sellers[1:]] == [None, "某某商店"]
    assert [(s["seller_tax_id"], s["seller_name"], s["count"]) for s in oct_["by_seller"]] == [
        (None, "某某商店", 1), (TAX_ID, "同创文化", 1)]  # equal totals: by tax id, then name

    assert [(t["invoice_type"], t["count"]) for t in rep["overall"]["by_type"]] == [("01", 4)]
    assert [(s["status"], s["count"], s["total"]) for s in rep["overall"]["by_status"]] == [
        ("accepted", 2, "326789.00"), ("needs_review", 2, "200.00")]
    assert [(s["status"], s["count"]) for s in oct_["by_status"]] == [("accepted", 1), ("needs_review", 1)]


def test_day_and_year_buckets_date_range_and_duplicates(api, archive):
    assert [p["period"] for p in report(api, period="day")["periods"]] == ["2026-10-05", "2026-10-20", "2026-11-12",
                                                                          None]
    year = report(api, period="year")
    assert [(p["period"], p["count"]) for p in year["periods"]] == [("2026", 3), (None, 1)]
    ranged = report(api, period="month", date_from="2026-10-10", date_to="2026-12-31")
    assert [(p["period"], p["count"], p["total"]) for p in ranged["periods"]] == [
        ("2026-10", 1, "100.00"), ("2026-11", 1, "326689.00")]
    assert ranged["date_from"] == "2026-10-10" and ranged["overall"]["count"] == 2
    both = report(api, include_duplicates="true")
    nov = next(p for p in both["periods"] if p["period"] == "2026-11")
    assert pick(nov) == sums(2, "653378.00", n_amount=1) and both["overall"]["count"] == 5  # dup: no amounts
    empty = report(api, date_from="2030-01-01")
    assert empty["periods"] == [] and pick(empty["overall"]) == {"count": 0, "amount_excl_tax": "0.00",
                                                                 "tax": "0.00", "total": "0.00"}


def test_report_roles_and_refusals(api, archive):
    assert report(api, "admin")["overall"]["count"] == 4
    for role in ("reviewer", "scanner"):
        assert api.get(REPORTS, role).status_code == 403
    assert api.client.get(REPORTS).status_code == 401
    for params in ({"period": "week"}, {"date_from": "2026-02-30"},
                   {"date_from": "2026-12-01", "date_to": "2026-01-01"}):
        r = api.get(REPORTS, params=params)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request", params
