"""The tax cross-check's pure parts: verify inputs per national rules, outcome classification, the schedule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx
import pytest

from capture.taxcheck import (
    AttemptRecord,
    BreakerState,
    Kind,
    PolicyConfig,
    Refusal,
    VerifyRequest,
    after_outcome,
    breaker,
    build_request,
    classify_response,
    first_due,
    gate,
    may_check,
    transport_failure,
)
from capture.taxcheck.client import ClientConfig, TaxClient
from capture.taxcheck.policy import backoff, day_start

UTC = dt.UTC
CST = dt.timezone(dt.timedelta(hours=8))
TODAY = dt.date(2026, 12, 1)
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=CST).astimezone(UTC)
CFG = PolicyConfig()

SPECIAL = {"invoice_type": "01", "invoice_code": "3100265530", "invoice_number": "96985775",
           "date": dt.date(2026, 11, 12), "amount_excl_tax": Decimal("323454.46"), "total": Decimal("326689.00"),
           "status": "accepted"}
ORDINARY = {"invoice_type": "10", "invoice_code": "012001800311", "invoice_number": "33207675",
            "date": "2026-05-08", "amount_excl_tax": "46.62", "check_code": "76939056883466677916"}
DIGITAL = {"invoice_type": "32", "invoice_code": None, "invoice_number": "26437000000297554203",
           "date": "2026-10-13", "total": "17.00", "amount_excl_tax": "16.04"}


# ------------------------------------------------------------------------------------------ inputs


def test_inputs_per_national_rules():
    special = build_request(SPECIAL, today=TODAY)
    assert special == VerifyRequest("01", "3100265530", "96985775", dt.date(2026, 11, 12), "323454.46", "")
    assert special.to_json() == {"type": "01", "code": "3100265530", "number": "96985775", "date": "2026-11-12",
                                 "amount": "323454.46", "check_code": ""}
    ordinary = build_request(ORDINARY, today=TODAY)
    assert (ordinary.code, ordinary.check_code, ordinary.amount) == ("012001800311", "677916", "")
    digital = build_request(DIGITAL, today=TODAY)
    assert (digital.code, digital.number, digital.amount) == ("", "26437000000297554203", "17.00")


@pytest.mark.parametrize(("change", "reason", "field"), [
    ({"status": "needs_review"}, "not_accepted", "status"),
    ({"duplicate_of": "x"}, "duplicate", "invoice_number"),
    ({"invoice_type": "receipt_en"}, "unsupported_type", "invoice_type"),
    ({"invoice_type": None}, "unsupported_type", "invoice_type"),
    ({"invoice_code": None}, "missing_field", "invoice_code"),
    ({"invoice_code": "31002655"}, "invalid_field", "invoice_code"),
    ({"invoice_number": "9698577"}, "invalid_field", "invoice_number"),
    ({"date": None}, "missing_field", "date"),
    ({"date": "2026-13-01"}, "invalid_field", "date"),
    ({"date": dt.date(2026, 12, 2)}, "future_date", "date"),
    ({"date": dt.date(2021, 11, 30)}, "too_old", "date"),
    ({"amount_excl_tax": None}, "missing_field", "amount_excl_tax"),
    ({"amount_excl_tax": "12.345"}, "invalid_field", "amount_excl_tax"),
    ({"amount_excl_tax": "0"}, "invalid_field", "amount_excl_tax"),
])
def test_locally_invalid_special_invoice_is_refused(change, reason, field):
    refusal = build_request({**SPECIAL, **change}, today=TODAY)
    assert isinstance(refusal, Refusal)
    assert (refusal.reason, refusal.field) == (reason, field)


def test_ordinary_and_digital_refusals():
    assert build_request({**ORDINARY, "check_code": None}, today=TODAY).reason == "missing_field"
    assert build_request({**ORDINARY, "check_code": "677916"}, today=TODAY).field == "check_code"
    assert build_request({**DIGITAL, "invoice_number": "25437000000297554203"}, today=TODAY).reason == \
        "invalid_field"  # the year prefix must be the year of issue
    assert build_request({**DIGITAL, "total": None}, today=TODAY).field == "total"
    assert isinstance(build_request({**DIGITAL, "total": "-17.00"}, today=TODAY), VerifyRequest)  # red invoice


# ------------------------------------------------------------------------------------------ outcomes


def body(code, **kw):
    return {"code": code, "message": "m", "invoice": None, "differences": [], **kw}


@pytest.mark.parametrize(("status", "kind"), [("0", Kind.VERIFIED), ("2", Kind.VOIDED), ("3", Kind.RED_FLUSHED),
                                              ("1", Kind.ABNORMAL), ("4", Kind.ABNORMAL), ("9", Kind.ABNORMAL)])
def test_001_by_registry_status(status, kind):
    out = classify_response(200, body("001", invoice={"status": status, "total": "1.00"}))
    assert out.kind is kind and out.kind.final and out.registry["total"] == "1.00"


def test_result_codes():
    diff = [{"field": "amount_excl_tax", "submitted": "10.00", "registered": "110.00"}]
    mismatch = classify_response(200, body("006", differences=diff))
    assert mismatch.kind is Kind.MISMATCH and mismatch.differences[0].field == "amount_excl_tax"
    assert classify_response(200, body("009")).kind is Kind.NOT_FOUND
    assert classify_response(200, body("002")).kind is Kind.LIMIT
    assert classify_response(200, body("005")).kind is Kind.MALFORMED
    for code in ("003", "004", "010", "015", "016", "020"):
        out = classify_response(200, body(code))
        assert out.kind is Kind.TRANSIENT and out.counted
    assert not classify_response(200, body("003")).service_down
    assert classify_response(200, body("015")).service_down
    assert classify_response(503, {"detail": "down"}).kind is Kind.TRANSIENT
    assert classify_response(503, None).service_down
    assert classify_response(422, {"detail": "bad"}).kind is Kind.MALFORMED
    wrong_url = classify_response(404, {"detail": "Not Found"})
    assert wrong_url.kind is Kind.TRANSIENT and wrong_url.service_down  # never halts every invoice
    assert classify_response(429, None).kind is Kind.TRANSIENT
    assert classify_response(200, "not an object").code == "bad_response"
    assert classify_response(200, body("999")).kind is Kind.TRANSIENT
    refused = transport_failure("connect_error")
    assert refused.kind is Kind.TRANSIENT and refused.service_down and not refused.counted
    assert transport_failure("read_timeout").counted


def test_client_maps_transport_failures_without_raising():
    request = build_request(SPECIAL, today=TODAY)

    def handler(req: httpx.Request) -> httpx.Response:
        assert req.url.path == "/verify"
        return httpx.Response(200, json=body("001", invoice={"status": "0"}))

    def failing(exc):
        def handler(req):
            raise exc
        return httpx.MockTransport(handler)

    with TaxClient(ClientConfig(), transport=httpx.MockTransport(handler)) as client:
        assert client.verify(request).kind is Kind.VERIFIED
    cases = {"connect_error": httpx.ConnectError("refused"), "connect_timeout": httpx.ConnectTimeout("slow"),
             "read_timeout": httpx.ReadTimeout("slow"), "reset": httpx.RemoteProtocolError("reset")}
    for code, exc in cases.items():
        with TaxClient(ClientConfig(), transport=failing(exc)) as client:
            out = client.verify(request)
            assert (out.kind, out.code, out.service_down) == (Kind.TRANSIENT, code, True)
    with TaxClient(ClientConfig(), transport=httpx.MockTransport(lambda r: httpx.Response(200, text="<html>"))) as c:
        assert c.verify(request).code == "bad_response"


# ------------------------------------------------------------------------------------------ schedule


def rec(at, kind, counted=True, down=False):
    return AttemptRecord(at=at, kind=kind, counted=counted, service_down=down)


def test_never_on_the_day_of_issue():
    issued = dt.date(2026, 12, 1)
    due = first_due(issued, NOW)
    assert due == dt.datetime(2026, 12, 2, tzinfo=CST)  # the platform's next day (UTC+8)
    assert may_check([], now=NOW, issue_date=issued) == due
    assert first_due(dt.date(2026, 11, 1), NOW) == NOW  # an older invoice: now
    late = dt.datetime(2026, 12, 1, 23, 30, tzinfo=CST)
    assert may_check([], now=late, issue_date=issued) == due


def test_daily_budget_with_a_safety_margin():
    issued = dt.date(2026, 11, 1)
    history = [rec(NOW - dt.timedelta(minutes=m), Kind.TRANSIENT) for m in (40, 30, 20)]
    assert may_check(history, now=NOW, issue_date=issued) is None
    history.append(rec(NOW - dt.timedelta(minutes=10), None))  # in flight or lost in a crash: still counted
    tomorrow = dt.datetime(2026, 12, 2, tzinfo=CST)
    assert may_check(history, now=NOW, issue_date=issued) == tomorrow
    # a refused connection never reached the platform: not counted
    history[-1] = rec(NOW - dt.timedelta(minutes=10), Kind.TRANSIENT, counted=False)
    assert may_check(history, now=NOW, issue_date=issued) is None
    # a backoff that stays inside a spent day moves to the next day
    spent = [rec(NOW - dt.timedelta(minutes=m), Kind.TRANSIENT) for m in (4, 3, 2, 1)]
    assert gate(spent, due=NOW + dt.timedelta(minutes=5), issue_date=issued) == tomorrow
    assert PolicyConfig().daily_budget == 4 < 5


def test_transient_backoff_is_exponential_with_jitter_and_capped():
    delays = [backoff(n, "inv-1") for n in range(1, 12)]
    for n, d in enumerate(delays, 1):
        full = min(CFG.backoff_base * 2 ** (n - 1), CFG.backoff_max)
        assert full * (1 - CFG.jitter) <= d <= full
    assert delays[10] <= CFG.backoff_max
    assert backoff(3, "inv-1") == backoff(3, "inv-1") != backoff(3, "inv-2")  # deterministic, spread out
    history = [rec(NOW - dt.timedelta(minutes=5), Kind.TRANSIENT), rec(NOW, Kind.TRANSIENT)]
    d = after_outcome(history, now=NOW, issue_date=dt.date(2026, 11, 1), key="k")
    assert d.status is None and NOW + dt.timedelta(minutes=1) <= d.due_at <= NOW + dt.timedelta(minutes=2)


def test_not_found_schedule_then_missing():
    issued = dt.date(2026, 11, 30)
    t0 = dt.datetime(2026, 12, 1, 0, 10, tzinfo=CST)
    history: list[AttemptRecord] = []
    t = t0
    dues = []
    for _ in range(4):
        history.append(rec(t, Kind.NOT_FOUND))
        d = after_outcome(history, now=t, issue_date=issued, key="k")
        assert d.status == "not_found" and not d.missing
        dues.append(d.due_at - t0)
        t = d.due_at
    assert dues == [dt.timedelta(hours=h) for h in (1, 6, 24, 72)]
    history.append(rec(t, Kind.NOT_FOUND))
    d = after_outcome(history, now=t, issue_date=issued, key="k")
    assert d.missing and d.due_at == t + CFG.recheck_after
    # a transient failure in between does not restart the schedule
    mixed = [rec(t0, Kind.NOT_FOUND), rec(t0 + dt.timedelta(hours=1), Kind.TRANSIENT),
             rec(t0 + dt.timedelta(hours=1, minutes=2), Kind.NOT_FOUND)]
    assert after_outcome(mixed, now=mixed[-1].at, issue_date=issued, key="k").due_at == t0 + dt.timedelta(hours=6)


def test_final_statuses_and_rechecks():
    issued = dt.date(2026, 11, 1)
    verified = after_outcome([rec(NOW, Kind.VERIFIED)], now=NOW, issue_date=issued, key="k")
    assert verified.status == "verified" and verified.due_at == NOW + dt.timedelta(days=30)
    old = after_outcome([rec(NOW, Kind.VERIFIED)], now=NOW, issue_date=dt.date(2025, 11, 1), key="k")
    assert old.due_at is None  # beyond the re-check horizon
    for kind in (Kind.MISMATCH, Kind.VOIDED, Kind.RED_FLUSHED):
        d = after_outcome([rec(NOW, kind)], now=NOW, issue_date=issued, key="k")
        assert d.status == kind.value and d.due_at is None
    limit = after_outcome([rec(NOW, Kind.LIMIT)], now=NOW, issue_date=issued, key="k")
    start = day_start(dt.date(2026, 12, 2), CFG)
    assert limit.status is None and start <= limit.due_at <= start + CFG.limit_spread
    malformed = after_outcome([rec(NOW, Kind.MALFORMED)], now=NOW, issue_date=issued, key="k")
    assert malformed.halted == "malformed" and malformed.due_at is None
    with pytest.raises(ValueError):
        after_outcome([rec(NOW, None)], now=NOW, issue_date=issued, key="k")


def test_circuit_breaker_opens_probes_and_closes():
    fails = [rec(NOW - dt.timedelta(seconds=s), Kind.TRANSIENT, down=True) for s in (50, 40, 30, 20, 10)]
    assert breaker(fails[1:], now=NOW).state is BreakerState.CLOSED  # 4 < threshold
    opened = breaker(fails, now=NOW)
    assert opened.state is BreakerState.OPEN
    assert opened.retry_at == NOW - dt.timedelta(seconds=10) + CFG.breaker_cooldown
    assert breaker(fails, now=opened.retry_at).state is BreakerState.HALF_OPEN
    probe_failed = [*fails, rec(opened.retry_at, Kind.TRANSIENT, down=True)]
    assert breaker(probe_failed, now=opened.retry_at + dt.timedelta(seconds=1)).state is BreakerState.OPEN
    recovered = [*fails, rec(opened.retry_at, Kind.VERIFIED)]
    assert breaker(recovered, now=opened.retry_at).state is BreakerState.CLOSED
    throttled = [rec(NOW, Kind.TRANSIENT, down=False)] * 5  # 003 per client: backoff, not the breaker
    assert breaker(throttled, now=NOW).state is BreakerState.CLOSED
