"""The tax cross-check end to end: archive -> verifier loop -> the simulator over loopback, with an injected clock.

Invoices are seeded into the archive directly (no OCR); the simulator's clock and the verifier's clock are moved
together, so nothing sleeps. Counts of what reached the simulator come from its /admin/stats.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from decimal import Decimal

import pytest
from sqlmodel import col, select

from api.verifier import Verifier, VerifierConfig
from capture.invoice import InvoiceStatus, Severity
from capture.taxcheck import PolicyConfig
from capture.taxcheck.client import ClientConfig, TaxClient
from capture.taxcheck.policy import local_day
from models import AuditEvent, Document, Invoice
from models.alerts import alerts
from models.invoices import DUPLICATE, InvoiceIssue, VerificationStatus
from models.verification import VerificationAttempt, VerificationSchedule
from samples.taxsim import running_simulator
from tests.test_api_fixtures import api_fixture  # noqa: F401  (the api fixture)

pytestmark = pytest.mark.db
CST = dt.timezone(dt.timedelta(hours=8))
START = dt.datetime(2026, 12, 1, 9, 0, tzinfo=CST)  # the platform's morning; invoices dated the day before
ISSUED = dt.date(2026, 11, 30)
V = VerificationStatus


class Clock:
    """One time for the verifier and the simulator."""

    def __init__(self, sim, now: dt.datetime) -> None:
        self.sim, self.now = sim, now.astimezone(dt.UTC)
        sim.admin.set_clock(self.now)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)
        self.sim.admin.set_clock(self.now)


@pytest.fixture
def sim():
    with running_simulator(now=START) as s:
        yield s


def make_verifier(db, sim, clock, **policy) -> Verifier:
    cfg = VerifierConfig(client=ClientConfig(base_url=sim.url, connect_timeout=2, read_timeout=2),
                         policy=PolicyConfig(**policy), batch=8, concurrency=4)
    return Verifier(cfg, db.sessions, TaxClient(cfg.client), worker_id="test-verifier", clock=clock)


def invoice_fields(i: int, *, kind: str = "01", date: dt.date = ISSUED, amount: str = "1000.00") -> dict:
    base = {"invoice_type": kind, "date": date, "amount_excl_tax": Decimal(amount), "tax": Decimal("130.00"),
            "total": Decimal(amount) + Decimal("130.00"), "seller_name": f"卖方{i}"}
    if kind in ("31", "32"):
        return {**base, "invoice_code": None, "invoice_number": f"{date.year % 100:02d}{i:018d}"}
    if kind in ("04", "10"):
        return {**base, "invoice_code": "012001800311", "invoice_number": f"{i:08d}",
                "check_code": f"{i:020d}"}
    return {**base, "invoice_code": "3100265530", "invoice_number": f"{i:08d}"}


def seed(db, rows: list[dict], *, at: dt.datetime, status=InvoiceStatus.ACCEPTED) -> list[uuid.UUID]:
    """Archive invoices directly (a document each), as the capture worker would leave them."""
    ids = []
    with db.sessions() as s:
        for fields in rows:
            doc = Document(sha256=uuid.uuid4().hex * 2, media_type="image/png", size=1, pages=1, created_at=at)
            s.add(doc)
            s.flush()
            inv = Invoice(document_id=doc.id, page=1, status=status, created_at=at, updated_at=at, **fields)
            s.add(inv)
            s.flush()
            ids.append(inv.id)
        s.commit()
    return ids


def registry_record(fields: dict, **over) -> dict:
    rec = {"type": fields["invoice_type"], "code": fields.get("invoice_code"), "number": fields["invoice_number"],
           "date": fields["date"].isoformat(), "amount_excl_tax": str(fields["amount_excl_tax"]),
           "tax": str(fields["tax"]), "total": str(fields["total"]), "check_code": fields.get("check_code")}
    return {**rec, **over}


def statuses(db, ids) -> Counter:
    with db.sessions() as s:
        rows = s.exec(select(Invoice.verification_status).where(col(Invoice.id).in_(ids))).all()
    return Counter(r.value for r in rows)


def status_of(db, invoice_id) -> VerificationStatus:
    with db.sessions() as s:
        return s.get(Invoice, invoice_id).verification_status


def counted_per_day(db, policy: PolicyConfig | None = None) -> Counter:
    policy = policy or PolicyConfig()
    with db.sessions() as s:
        rows = s.exec(select(VerificationAttempt).where(col(VerificationAttempt.counted))).all()
    return Counter((a.invoice_id, local_day(a.at, policy)) for a in rows)


def run_until(verifier, clock, done, *, step=dt.timedelta(minutes=1), rounds=500) -> int:
    for n in range(rounds):
        verifier.run_due()
        if done():
            return n
        clock.now += step
        clock.sim.admin.set_clock(clock.now)
    with verifier.sessions() as s:  # what is left, for the failure report
        left = [(x.invoice_id, x.due_at, x.reason) for x in s.exec(select(VerificationSchedule)).all()]
    raise AssertionError(f"did not finish by {clock.now}: {left[:10]}")


# ------------------------------------------------------------------------------------------ outage


def test_outage_across_many_uploads_loses_nothing_and_all_verify_after_recovery(db, sim):
    clock = Clock(sim, START)
    rows = [invoice_fields(i) for i in range(1, 41)]
    sim.admin.register([registry_record(r) for r in rows])
    verifier = make_verifier(db, sim, clock)
    sim.admin.set_faults(outage="503")
    ids: list[uuid.UUID] = []
    for minute in range(40):  # uploads keep arriving through a 40-minute outage (503, then resets)
        if minute == 20:
            sim.admin.set_faults(outage="reset")
        ids += seed(db, rows[minute:minute + 1], at=clock())
        summary = verifier.run_due()
        assert summary.calls <= 8  # the breaker stops hammering: at most one batch before it opens, then probes
        clock.advance(minutes=1)
    assert statuses(db, ids) == Counter({"pending": 40})  # none lost, none given up
    outage_calls = sim.admin.stats()["total_calls"]
    assert outage_calls < 40 + 40  # probes every cool-down, not one call per invoice per round

    sim.admin.clear_faults()
    run_until(verifier, clock, lambda: statuses(db, ids) == Counter({"verified": 40}))
    stats = sim.admin.stats()
    assert stats["max_checks_per_invoice_day"] == 1  # after recovery: one check each
    assert max(counted_per_day(db).values()) <= 4
    with db.sessions() as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "verify")).all()
    assert Counter(e.after["verification_status"] for e in events) == Counter({"verified": 40})
    assert {e.before["verification_status"] for e in events} == {"pending"}
    verifier.close()


def test_capture_worker_schedules_accepted_invoices_without_calling(db, sim):
    """What the capture worker does (schedule_pending after archiving) never touches the tax service."""
    from models.verification import schedule_pending

    clock = Clock(sim, START)
    today = seed(db, [invoice_fields(1, date=START.date())], at=clock())
    older = seed(db, [invoice_fields(2)], at=clock())
    review = seed(db, [invoice_fields(3)], at=clock(), status=InvoiceStatus.NEEDS_REVIEW)
    with db.sessions() as s:
        assert schedule_pending(s, now=clock(), invoice_ids=today + older + review) == 2
        s.commit()
        due = {i: s.get(VerificationSchedule, i).due_at for i in today + older}
        assert s.get(VerificationSchedule, review[0]) is None
    assert due[today[0]] == dt.datetime(2026, 12, 2, tzinfo=CST)  # the day after issue, platform time
    assert due[older[0]] == clock()
    assert status_of(db, review[0]) is V.NOT_CHECKED
    assert sim.admin.stats()["total_calls"] == 0


# ------------------------------------------------------------------------------------------ limits


def test_the_daily_limit_is_never_exceeded(db, sim):
    clock = Clock(sim, START)
    rows = [invoice_fields(i) for i in range(1, 6)]
    sim.admin.register([registry_record(r) for r in rows])
    ids = seed(db, rows, at=clock())
    verifier = make_verifier(db, sim, clock)
    sim.admin.set_faults(throttle_share=1.0, throttle_code="003")  # every call throttled, all day long
    for _ in range(24 * 6):
        verifier.run_due()
        clock.advance(minutes=10)
    stats = sim.admin.stats()
    assert stats["max_calls_per_invoice_day"] <= 4  # the platform allows 5; we keep one in reserve
    assert max(counted_per_day(db).values()) <= 4
    assert statuses(db, ids) == Counter({"pending": 5})
    sim.admin.clear_faults()
    run_until(verifier, clock, lambda: statuses(db, ids) == Counter({"verified": 5}), step=dt.timedelta(minutes=30))
    verifier.close()


def test_platform_limit_002_waits_for_the_next_day(db):
    with running_simulator(now=START, daily_limit=1) as sim:
        clock = Clock(sim, START)
        row = invoice_fields(7)
        (inv,) = seed(db, [row], at=clock())
        verifier = make_verifier(db, sim, clock)
        verifier.run_due()  # 009: not registered yet
        assert status_of(db, inv) is V.NOT_FOUND
        sim.admin.register(registry_record(row))
        clock.advance(hours=1)
        verifier.run_due()  # the simulator's limit of 1 is spent: 002
        with db.sessions() as s:
            sched = s.get(VerificationSchedule, inv)
            assert sched.last_code == "002" and local_day(sched.due_at, PolicyConfig()) == dt.date(2026, 12, 2)
        clock.advance(hours=16)  # the next day
        verifier.run_due()
        assert status_of(db, inv) is V.VERIFIED
        verifier.close()


# ------------------------------------------------------------------------------------------ outcomes


def test_a_delayed_invoice_goes_not_found_then_verified(db, sim):
    clock = Clock(sim, START)
    row = invoice_fields(11, kind="10")
    sim.admin.register(registry_record(row, visible_after_seconds=3 * 3600))  # synced 3 hours late
    (inv,) = seed(db, [row], at=clock())
    verifier = make_verifier(db, sim, clock)
    verifier.run_due()
    assert status_of(db, inv) is V.NOT_FOUND
    clock.advance(minutes=59)
    assert verifier.run_due().calls == 0  # the +1 h re-check is not due yet
    clock.advance(minutes=1)
    verifier.run_due()
    assert status_of(db, inv) is V.NOT_FOUND
    clock.advance(hours=5)  # +6 h after the first not_found
    verifier.run_due()
    assert status_of(db, inv) is V.VERIFIED
    with db.sessions() as s:
        codes = [a.code for a in s.exec(select(VerificationAttempt).order_by(VerificationAttempt.at)).all()]
    assert codes == ["009", "009", "001"]
    with db.sessions() as s:
        assert alerts(s, kinds=["missing"]) == []
    verifier.close()


def test_not_found_after_the_whole_schedule_is_a_missing_alert(db, sim):
    clock = Clock(sim, START)
    (inv,) = seed(db, [invoice_fields(12, kind="32")], at=clock())
    verifier = make_verifier(db, sim, clock)
    for hours in (0, 1, 5, 18, 48):  # first check, then +1 h, +6 h, +24 h, +72 h
        clock.advance(hours=hours)
        verifier.run_due()
        assert status_of(db, inv) is V.NOT_FOUND
        with db.sessions() as s:
            missing = alerts(s, kinds=["missing"])
        assert (len(missing) == 1) == (hours == 48)
    assert missing[0]["invoice_id"] == str(inv) and missing[0]["url"] == f"/api/v1/invoices/{inv}"
    assert sim.admin.stats()["results"] == {"009": 5}
    verifier.close()


def test_an_amount_difference_is_a_mismatch_naming_the_field(db, sim):
    clock = Clock(sim, START)
    row = invoice_fields(21)
    sim.admin.register(registry_record(row, amount_excl_tax="1100.00"))
    (inv,) = seed(db, [row], at=clock())
    verifier = make_verifier(db, sim, clock)
    verifier.run_due()
    assert status_of(db, inv) is V.MISMATCH
    with db.sessions() as s:
        (alert,) = alerts(s, kinds=["mismatch"])
        assert s.get(VerificationSchedule, inv).due_at is None  # final: not re-checked until corrected
    assert alert["detail"]["differences"] == [
        {"field": "amount_excl_tax", "submitted": "1000.00", "registered": "1100.00"}]
    verifier.close()


def test_a_void_after_acceptance_raises_an_alert(db, sim):
    clock = Clock(sim, START)
    rows = [invoice_fields(31), invoice_fields(32, kind="31")]
    sim.admin.register([registry_record(r) for r in rows])
    voided, flushed = seed(db, rows, at=clock())
    verifier = make_verifier(db, sim, clock)
    verifier.run_due()
    assert statuses(db, [voided, flushed]) == Counter({"verified": 2})
    sim.admin.void(rows[0]["invoice_number"], rows[0]["invoice_code"])
    sim.admin.red_flush(rows[1]["invoice_number"])
    clock.advance(days=29)
    assert verifier.run_due().calls == 0  # the periodic re-check is 30 days out
    clock.advance(days=1)
    verifier.run_due()
    assert status_of(db, voided) is V.VOIDED and status_of(db, flushed) is V.RED_FLUSHED
    with db.sessions() as s:
        found = {a["kind"]: a for a in alerts(s)}
    assert set(found) == {"voided", "red_flushed"}
    assert found["voided"]["invoice_id"] == str(voided)
    assert found["voided"]["detail"]["previously_verified"] and found["voided"]["detail"]["accepted"]
    assert found["red_flushed"]["detail"]["registry"]["status"] == "3"
    verifier.close()


def test_malformed_or_locally_invalid_input_never_reaches_the_simulator(db, sim):
    clock = Clock(sim, START)
    bad = [
        {**invoice_fields(41), "invoice_code": "31002655"},  # a code of the wrong length
        {**invoice_fields(42), "amount_excl_tax": None},  # an input missing
        {**invoice_fields(43, kind="10"), "check_code": "123"},
        {**invoice_fields(44, kind="32"), "invoice_number": "25000000000000000044"},  # year prefix differs
        {**invoice_fields(45), "invoice_type": "receipt_en"},
        {**invoice_fields(46), "date": dt.date(2021, 1, 1)},  # older than 5 years
    ]
    ids = seed(db, bad, at=clock())
    review = seed(db, [invoice_fields(47)], at=clock(), status=InvoiceStatus.NEEDS_REVIEW)
    today = seed(db, [invoice_fields(48, date=START.date())], at=clock())  # checkable tomorrow only
    verifier = make_verifier(db, sim, clock)
    for _ in range(3):
        verifier.run_due()
        clock.advance(hours=1)
    assert sim.admin.stats()["total_calls"] == 0
    assert statuses(db, ids + review) == Counter({"not_checked": 7})
    assert status_of(db, today[0]) is V.PENDING
    with db.sessions() as s:
        halted = [s.get(VerificationSchedule, i).halted for i in ids]
    assert halted == ["invalid_field", "missing_field", "invalid_field", "invalid_field", "unsupported_type",
                      "too_old"]
    verifier.close()


def test_a_correction_starts_a_new_round(db, sim):
    clock = Clock(sim, START)
    row = invoice_fields(51)
    sim.admin.register(registry_record(row, amount_excl_tax="1200.00"))
    (inv,) = seed(db, [row], at=clock())
    verifier = make_verifier(db, sim, clock)
    verifier.run_due()
    assert status_of(db, inv) is V.MISMATCH
    clock.advance(minutes=5)
    with db.sessions() as s:  # what a reviewer's correction does (api.corrections): new value, status reset
        obj = s.get(Invoice, inv)
        obj.amount_excl_tax, obj.verification_status, obj.updated_at = Decimal("1200.00"), V.NOT_CHECKED, clock()
        s.add(obj)
        s.commit()
    verifier.run_due()
    assert status_of(db, inv) is V.VERIFIED
    verifier.close()


def test_duplicates_are_alerts_and_not_checked(db, sim):
    clock = Clock(sim, START)
    (first,) = seed(db, [invoice_fields(61)], at=clock())
    (dup,) = seed(db, [invoice_fields(61)], at=clock(), status=InvoiceStatus.NEEDS_REVIEW)
    with db.sessions() as s:
        obj = s.get(Invoice, dup)
        obj.duplicate_of = first
        s.add(obj)
        s.add(InvoiceIssue(invoice_id=dup, code=DUPLICATE, field="invoice_number", severity=Severity.ERROR,
                           detail={"duplicate_of": str(first), "key": "01:3100265530:00000061"}))
        s.commit()
        (alert,) = alerts(s, kinds=["duplicate"])
    assert alert["invoice_id"] == str(dup) and alert["detail"]["duplicate_of_url"] == f"/api/v1/invoices/{first}"


# ------------------------------------------------------------------------------------------ HTTP API


def test_api_filter_detail_and_alerts(api, db, sim):
    clock = Clock(sim, START)
    good, bad = invoice_fields(71), invoice_fields(72)
    sim.admin.register([registry_record(good), registry_record(bad, amount_excl_tax="1.00")])
    ok_id, bad_id = seed(db, [good, bad], at=clock())
    verifier = make_verifier(db, sim, clock)
    verifier.run_due()
    r = api.get("/api/v1/invoices", "reviewer", params={"verification": "verified"})
    assert r.status_code == 200 and [i["id"] for i in r.json()["data"]] == [str(ok_id)]
    detail = api.get(f"/api/v1/invoices/{bad_id}", "auditor").json()
    assert detail["verification_status"] == "mismatch"
    (attempt,) = detail["verification"]["attempts"]
    assert attempt["code"] == "006" and attempt["request"]["amount"] == "1000.00"
    assert attempt["response"]["differences"][0]["field"] == "amount_excl_tax"
    r = api.get("/api/v1/alerts", "auditor")
    assert r.status_code == 200
    (alert,) = r.json()["data"]
    assert (alert["kind"], alert["invoice_id"], alert["url"]) == ("mismatch", str(bad_id),
                                                                  f"/api/v1/invoices/{bad_id}")
    assert api.get("/api/v1/alerts", "scanner").status_code == 403
    assert api.get("/api/v1/alerts", "reviewer", params={"kind": "voided"}).json()["count"] == 0
    verifier.close()


# ------------------------------------------------------------------------------------------ CLI


def test_cli_verify_due_runs_the_due_checks_once(db, data_dir):
    import json
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    yesterday = dt.datetime.now(CST).date() - dt.timedelta(days=1)
    with running_simulator() as sim:  # the system clock, as the CLI uses
        rows = [invoice_fields(81, date=yesterday), invoice_fields(82, date=yesterday)]
        sim.admin.register([registry_record(rows[0])])
        ok, missing = seed(db, rows, at=dt.datetime.now(dt.UTC))
        env = {**os.environ, "INVOICE_CAPTURE_DATA_DIR": str(data_dir), "INVOICE_CAPTURE_DATABASE_URL": db.url,
               "INVOICE_CAPTURE_TAX_URL": sim.url}
        done = subprocess.run([sys.executable, "-m", "api.cli", "verify", "--due", "--json"], capture_output=True,
                              text=True, cwd=ROOT, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        summary = json.loads(done.stdout.splitlines()[-1])
        assert (summary["scheduled"], summary["calls"], summary["due_left"]) == (2, 2, 0)
        assert summary["outcomes"] == {"not_found": 1, "verified": 1}
        assert status_of(db, ok) is V.VERIFIED and status_of(db, missing) is V.NOT_FOUND
        again = subprocess.run([sys.executable, "-m", "api.cli", "verify", "--due"], capture_output=True, text=True,
                               cwd=ROOT, env=env, timeout=120)
        assert again.returncode == 0 and "0 check(s) sent" in again.stdout, again.stdout + again.stderr
        assert sim.admin.stats()["total_calls"] == 2


def test_concurrent_claims_never_hand_an_invoice_to_two_workers(db):
    import threading

    from models.verification import claim_due, schedule_pending

    now = START.astimezone(dt.UTC)
    ids = seed(db, [invoice_fields(i) for i in range(100, 160)], at=now)
    with db.sessions() as s:
        assert schedule_pending(s, now=now) == 60
        s.commit()
    got: dict[str, list] = {}
    barrier = threading.Barrier(4)

    def worker(name: str) -> None:
        mine: list = []
        barrier.wait()
        while True:
            with db.sessions() as s:
                batch = claim_due(s, worker_id=name, now=now, limit=4, lease_seconds=60)
                s.commit()
            if not batch:
                break
            mine += batch
        got[name] = mine

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    claimed = [i for batch in got.values() for i in batch]
    assert sorted(claimed) == sorted(ids)  # every invoice once, none twice
