"""The tax-authority simulator over real HTTP on loopback, with its clock frozen (nothing waits on the clock)."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import httpx
import pytest

from samples.taxsim import create_app, running_simulator
from samples.taxsim.clock import CST
from samples.taxsim.register import load_expected, parse_selection, plan_registration, register_samples
from samples.taxsim.rules import DIGITAL, ORDINARY
from tests.conftest import SAMPLES

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=CST)

SPECIAL = {"type": "01", "code": "1200257530", "number": "42969860", "date": "2025-06-03",
           "amount_excl_tax": "1610.70", "tax": "209.39", "total": "1820.09", "buyer_name": "天津华信科技有限责任公司",
           "buyer_tax_id": "91120101377423G24T", "seller_name": "天津海纳文化传媒有限公司",
           "seller_tax_id": "91120116306951U97J"}
ORDINARY_INV = {"type": "10", "code": "031002610811", "number": "12040789", "date": "2026-04-02",
                "amount_excl_tax": "127572.62", "tax": "11481.54", "total": "139054.16",
                "check_code": "40054562943782268332"}
DIGITAL_INV = {"type": "32", "code": None, "number": "25517000650059144072", "date": "2025-01-14",
               "amount_excl_tax": "28584.20", "tax": "1836.81", "total": "30421.01"}


def query_for(inv: dict) -> dict:
    """The national inputs for a registered invoice (by its type)."""
    q = {"type": inv["type"], "code": inv.get("code") or None, "number": inv["number"], "date": inv["date"]}
    if inv["type"] in ORDINARY:
        q["check_code"] = inv["check_code"][-6:]
    else:
        q["amount"] = inv["total"] if inv["type"] in DIGITAL else inv["amount_excl_tax"]
    return q


@pytest.fixture(scope="module")
def server():
    with running_simulator(now=NOW) as sim:
        yield sim


@pytest.fixture
def sim(server):
    server.admin.reset()  # empty registry and stats, no faults, clock back at NOW (frozen)
    return server


def verify(sim, **fields) -> dict:
    response = sim.admin.verify(**fields)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"code", "message", "invoice", "differences", "checked_at"}
    return body


def test_consistent_for_each_type_group_returns_the_registry_record(sim):
    assert sim.admin.register([SPECIAL, ORDINARY_INV, DIGITAL_INV]) == 3
    for inv in (SPECIAL, ORDINARY_INV, DIGITAL_INV):
        body = verify(sim, **query_for(inv))
        assert body["code"] == "001", body
        assert body["message"] == "checked, consistent"
        assert body["differences"] == []
        got = body["invoice"]
        assert (got["type"], got["code"], got["number"]) == (inv["type"], inv["code"], inv["number"])
        assert (got["total"], got["status"], got["status_name"]) == (inv["total"], "0", "normal")
        assert body["checked_at"] == NOW.isoformat()
    assert verify(sim, **query_for(SPECIAL))["invoice"]["buyer_tax_id"] == "91120101377423G24T"
    # amounts as JSON numbers and an absent code for digital invoices are fine too
    assert verify(sim, type="32", number=DIGITAL_INV["number"], date=DIGITAL_INV["date"], amount=30421.01)[
        "code"] == "001"


@pytest.mark.parametrize(("inv", "change", "field", "submitted", "registered"), [
    (SPECIAL, {"amount": "1610.71"}, "amount_excl_tax", "1610.71", "1610.70"),
    (SPECIAL, {"date": "2025-06-04"}, "date", "2025-06-04", "2025-06-03"),
    (ORDINARY_INV, {"check_code": "123456"}, "check_code", "123456", "268332"),
    (DIGITAL_INV, {"amount": "30421.00"}, "total", "30421.00", "30421.01"),
    (SPECIAL, {"type": "08"}, "type", "08", "01"),
])
def test_inconsistent_names_the_field(sim, inv, change, field, submitted, registered):
    sim.admin.register(inv)
    body = verify(sim, **{**query_for(inv), **change})
    assert body["code"] == "006"
    assert body["invoice"] is None
    assert body["differences"] == [{"field": field, "submitted": submitted, "registered": registered}]


@pytest.mark.parametrize(("change", "words"), [
    ({"type": "99"}, "unsupported invoice type"),
    ({"type": None}, "unsupported invoice type"),
    ({"code": "12002575"}, "10 or 12 digits"),
    ({"number": "4296986"}, "8 digits"),
    ({"amount": "1610.701"}, "at most 2 places"),
    ({"amount": None}, "at most 2 places"),
    ({"date": "2025/06/03"}, "YYYY-MM-DD"),
    ({"date": "2025-02-30"}, "no such date"),
    ({"date": "2026-12-02"}, "future"),
    ({"date": "2026-12-01"}, "day of issue"),
    ({"date": "2021-11-30"}, "last 5 years"),
])
def test_malformed_special_requests_are_005(sim, change, words):
    sim.admin.register(SPECIAL)
    body = verify(sim, **{**query_for(SPECIAL), **change})
    assert body["code"] == "005"
    assert body["message"].startswith("illegal request: ") and words in body["message"]


@pytest.mark.parametrize(("inv", "change", "words"), [
    (ORDINARY_INV, {"check_code": ORDINARY_INV["check_code"]}, "last 6 digits"),
    (ORDINARY_INV, {"check_code": None}, "last 6 digits"),
    (DIGITAL_INV, {"code": "1200257530"}, "no code"),
    (DIGITAL_INV, {"number": "2551700065005914407"}, "20 digits"),
    (DIGITAL_INV, {"number": "24517000650059144072"}, "year of issue"),
])
def test_malformed_by_type_rules_are_005(sim, inv, change, words):
    sim.admin.register(inv)
    body = verify(sim, **{**query_for(inv), **change})
    assert (body["code"], words in body["message"]) == ("005", True), body


def test_not_json_is_005_and_five_years_back_is_still_checkable(sim):
    response = httpx.post(f"{sim.url}/verify", content=b"not json", timeout=5)
    assert (response.status_code, response.json()["code"]) == (200, "005")
    assert verify(sim, **{**query_for(SPECIAL), "date": "2021-12-01"})["code"] == "009"  # in the window, unknown


def test_not_found_and_sync_delay(sim):
    assert verify(sim, **query_for(SPECIAL))["code"] == "009"
    sim.admin.register({**SPECIAL, "visible_after_seconds": 3600})
    sim.admin.register({**DIGITAL_INV, "visible_at": "2026-12-02T09:00:00"})  # naive: UTC+8
    assert verify(sim, **query_for(SPECIAL))["code"] == "009"
    sim.admin.advance(3599)
    assert verify(sim, **query_for(SPECIAL))["code"] == "009"
    sim.admin.advance(2)
    assert verify(sim, **query_for(SPECIAL))["code"] == "001"
    assert verify(sim, **query_for(DIGITAL_INV))["code"] == "009"
    sim.admin.set_clock("2026-12-02T09:00:00+08:00")
    assert verify(sim, **query_for(DIGITAL_INV))["code"] == "001"


def test_daily_limit_is_five_checks_per_invoice_per_day(sim):
    sim.admin.register([SPECIAL, DIGITAL_INV])
    codes = [verify(sim, **query_for(SPECIAL))["code"] for _ in range(3)]
    codes += [verify(sim, **{**query_for(SPECIAL), "amount": "1.00"})["code"]]  # 006 spends a check too
    sim.admin.set_faults(error_share=1.0)
    codes += [verify(sim, **query_for(SPECIAL))["code"]]  # a fault answer spends none
    sim.admin.clear_faults()
    codes += [verify(sim, **query_for(SPECIAL))["code"] for _ in range(3)]
    assert codes == ["001", "001", "001", "006", "015", "001", "002", "002"]
    assert verify(sim, **query_for(DIGITAL_INV))["code"] == "001"  # the limit is per invoice
    stats = sim.admin.stats()
    mine = [i for i in stats["invoices"] if i["number"] == SPECIAL["number"]]
    assert mine == [{"day": "2026-12-01", "code": SPECIAL["code"], "number": SPECIAL["number"], "calls": 8,
                     "checks": 5, "results": {"001": 4, "006": 1, "015": 1, "002": 2}}]
    assert (stats["total_calls"], stats["max_checks_per_invoice_day"], stats["max_calls_per_invoice_day"]) == (
        9, 5, 8)
    sim.admin.advance(14 * 3600)  # 2026-12-02 00:00 UTC+8: a new day
    assert verify(sim, **query_for(SPECIAL))["code"] == "001"
    assert [d["day"] for d in sim.admin.stats()["days"]] == ["2026-12-01", "2026-12-02"]


def test_not_found_checks_count_against_the_limit(sim):
    codes = [verify(sim, **query_for(SPECIAL))["code"] for _ in range(6)]
    assert codes == ["009"] * 5 + ["002"]


def test_void_red_flush_and_other_statuses(sim):
    sim.admin.register([SPECIAL, ORDINARY_INV, DIGITAL_INV])
    assert verify(sim, **query_for(SPECIAL))["invoice"]["status"] == "0"
    assert sim.admin.void(SPECIAL["number"], code=SPECIAL["code"])["status"] == "2"
    body = verify(sim, **query_for(SPECIAL))
    assert (body["code"], body["invoice"]["status"], body["invoice"]["status_name"]) == ("001", "2", "voided")
    sim.admin.red_flush(DIGITAL_INV["number"])  # the number alone when it is unique
    assert verify(sim, **query_for(DIGITAL_INV))["invoice"]["status_name"] == "red_flushed"
    sim.admin.set_status(ORDINARY_INV["number"], "4")
    assert verify(sim, **query_for(ORDINARY_INV))["invoice"]["status_name"] == "abnormal"

    with pytest.raises(httpx.HTTPStatusError) as err:
        sim.admin.void("99999999")
    assert err.value.response.status_code == 404
    sim.admin.register({**SPECIAL, "code": "3200262530"})  # same number, other code
    with pytest.raises(httpx.HTTPStatusError) as err:
        sim.admin.void(SPECIAL["number"])
    assert err.value.response.status_code == 409


def test_outage_503_leaves_admin_working(sim):
    sim.admin.register(SPECIAL)
    sim.admin.set_faults(outage="503")
    response = httpx.post(f"{sim.url}/verify", json=query_for(SPECIAL), timeout=5)
    assert (response.status_code, response.headers["retry-after"]) == (503, "60")
    assert sim.admin.stats()["results"] == {"503": 1}
    sim.admin.clear_faults()
    assert verify(sim, **query_for(SPECIAL))["code"] == "001"


def test_outage_reset_is_a_transport_error(sim):
    sim.admin.register(SPECIAL)
    sim.admin.set_faults(outage="reset")
    with httpx.Client(timeout=5) as client:
        for _ in range(2):  # also on a kept-alive connection's next request
            with pytest.raises(httpx.TransportError):
                client.post(f"{sim.url}/verify", json=query_for(SPECIAL))
        sim.admin.clear_faults()
        assert client.post(f"{sim.url}/verify", json=query_for(SPECIAL)).json()["code"] == "001"
    assert sim.admin.stats()["results"] == {"reset": 2, "001": 1}


@pytest.mark.parametrize("code", ["003", "004", "016"])
def test_throttling(sim, code):
    sim.admin.register(SPECIAL)
    sim.admin.set_faults(throttle_code=code, throttle_share=1.0)
    assert verify(sim, **query_for(SPECIAL))["code"] == code
    assert sim.admin.stats()["max_checks_per_invoice_day"] == 0


def test_rate_limit_per_simulated_minute(sim):
    sim.admin.register(SPECIAL)
    sim.admin.set_faults(rate_limit_per_minute=2)
    assert [verify(sim, **query_for(SPECIAL))["code"] for _ in range(3)] == ["001", "001", "004"]
    sim.admin.advance(60)
    assert verify(sim, **query_for(SPECIAL))["code"] == "001"


def test_timeout_and_system_error_shares_are_seeded(sim):
    sim.admin.register(SPECIAL)
    sim.admin.set_faults(timeout_share=1.0)
    assert verify(sim, **query_for(SPECIAL))["code"] == "010"
    runs = []
    for _ in range(2):
        sim.admin.set_faults(timeout_share=0.3, error_share=0.3, seed=11)
        runs.append([verify(sim, **query_for(SPECIAL))["code"] for _ in range(12)])
        sim.admin.advance(86400)  # keep clear of the daily limit
    assert runs[0] == runs[1]
    assert {"010", "015"} <= set(runs[0]) and set(runs[0]) <= {"001", "010", "015"}


def test_slow_responses_trip_the_client_timeout(sim):
    sim.admin.register(SPECIAL)
    sim.admin.set_faults(slow_seconds=0.4, slow_share=1.0)
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{sim.url}/verify", json=query_for(SPECIAL), timeout=0.1)
    sim.admin.set_faults(slow_seconds=0.4, slow_share=0.0)
    assert httpx.post(f"{sim.url}/verify", json=query_for(SPECIAL), timeout=0.3).json()["code"] == "001"


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/admin/invoices"), ("GET", "/admin/invoices"), ("POST", "/admin/invoices/void"),
    ("POST", "/admin/invoices/red-flush"), ("POST", "/admin/invoices/status"), ("PUT", "/admin/faults"),
    ("GET", "/admin/faults"), ("PUT", "/admin/clock"), ("GET", "/admin/clock"), ("GET", "/admin/stats"),
    ("DELETE", "/admin/reset"),
])
def test_admin_needs_its_key(sim, method, path):
    for headers in ({}, {"X-Admin-Key": "wrong"}):
        response = httpx.request(method, f"{sim.url}{path}", headers=headers, json={}, timeout=5)
        assert response.status_code == 401, (path, headers)


def test_admin_refuses_bad_invoices_and_sets_the_clock(sim):
    bad = [{**SPECIAL, "type": "99"}, {**SPECIAL, "code": None}, {**DIGITAL_INV, "code": "1200257530"},
           {**SPECIAL, "date": "3 June"}]
    for inv in bad:
        with pytest.raises(httpx.HTTPStatusError) as err:
            sim.admin.register(inv)
        assert err.value.response.status_code == 422
    assert sim.admin.clock() == {"now": NOW.isoformat(), "today": "2026-12-01", "frozen": True}
    assert sim.admin.set_clock("2026-12-05T08:30:00")["now"] == "2026-12-05T08:30:00+08:00"
    assert sim.admin.advance(3600)["now"] == "2026-12-05T09:30:00+08:00"
    running = sim.admin.set_clock("2026-12-05T08:30:00", frozen=False)
    assert running["frozen"] is False and running["today"] == "2026-12-05"


def test_sample_registration_is_seeded_and_answers_as_planned(sim):
    samples = load_expected(SAMPLES)
    assert len(samples) == 32 and all(s.record["type"] != "receipt_en" for s in samples)
    assert {"multipage_pdf#1", "multipage_pdf#2"} <= {s.name for s in samples}
    plan = register_samples(sim.admin, SAMPLES, seed=5, unregistered=2, mismatching=0.1)
    again = plan_registration(SAMPLES, seed=5, unregistered=2, mismatching=0.1)
    assert [s.name for s in plan.unregistered] == [s.name for s in again.unregistered]
    assert [s.name for s in plan.mismatching] == [s.name for s in again.mismatching]
    assert (len(plan.unregistered), len(plan.mismatching), len(plan.registered)) == (2, 3, 27)
    assert all(s.record["type"] not in ORDINARY for s in plan.mismatching)
    assert sim.admin.stats()["registered"] == 30

    def answer(sample) -> dict:
        return verify(sim, **query_for({**sample.record, "code": sample.record["code"] or None}))

    assert {answer(s)["code"] for s in plan.registered} == {"001"}
    assert {answer(s)["code"] for s in plan.unregistered} == {"009"}
    for s in plan.mismatching:
        (diff,) = answer(s)["differences"]
        field = "total" if s.record["type"] in DIGITAL else "amount_excl_tax"
        assert diff["field"] == field and Decimal(diff["registered"]) == Decimal(s.record[field]) + 100


def test_sample_registration_by_name_or_number(sim):
    plan = plan_registration(SAMPLES, unregistered=parse_selection("hard_vat_special,25517000650059144072"),
                             mismatching=["scan_vat_ordinary_150dpi"])
    assert sorted(s.name for s in plan.unregistered) == ["hard_digital_ordinary", "hard_vat_special"]
    (changed,) = plan.records()[-1:]
    assert (changed["number"], changed["amount_excl_tax"], changed["total"]) == ("99538998", "29300.52", "31177.18")
    assert parse_selection("0") == 0 and parse_selection("0.25") == 0.25 and parse_selection("") is None


def test_registry_file_keeps_invoices_and_daily_counts(tmp_path):
    db = str(tmp_path / "taxsim.sqlite")
    app = create_app(db_path=db, now=NOW)
    register_samples(app.registry, SAMPLES, unregistered=0)
    app.registry.record_call(NOW.date(), SPECIAL["code"], SPECIAL["number"], "001")
    app.registry.close()
    app = create_app(db_path=db, now=NOW)
    assert app.registry.count() == 32
    assert app.registry.checks_on(NOW.date(), SPECIAL["code"], SPECIAL["number"], ["001"]) == 1
    app.registry.close()


def test_cli_has_the_taxsim_command():
    from api.cli import build_parser, cmd_taxsim

    args = build_parser().parse_args(["taxsim", "--port", "8101", "--db", "x.sqlite", "--admin-key", "k",
                                      "--register-samples", "samples/images", "--unregistered", "1"])
    assert (args.handler, args.port, args.db, args.admin_key, args.host) == (cmd_taxsim, 8101, "x.sqlite", "k",
                                                                               "127.0.0.1")


def test_an_expected_json_can_be_posted_as_it_is(sim):
    truth = json.loads((SAMPLES / "hard_vat_special.expected.json").read_text(encoding="utf-8"))
    assert sim.admin.register(truth) == 1
    (listed,) = sim.admin.invoices()
    assert (listed["type"], listed["code"], listed["total"], listed["visible_at"]) == ("01", "1200257530",
                                                                                       "1820.09", None)
    assert verify(sim, **query_for(SPECIAL))["code"] == "001"
