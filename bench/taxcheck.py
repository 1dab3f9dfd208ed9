"""The tax cross-check through an outage: N invoices, a simulated outage, a share of slow responses.

    .venv/bin/python bench/taxcheck.py [--n 1000] [--outage-minutes 10] [--outage-mode 503|reset]
        [--slow-share 0.3] [--slow-seconds 0.5] [--read-timeout 2.0] [--delayed-share 0.05]
        [--concurrency 8] [--batch 16] [--database-url URL] [--seed 1]

The simulator (samples/taxsim, over loopback) and the verifier share a simulated clock. Invoices (dated the day
before, seeded into the archive directly: no OCR) arrive evenly over the first ``--arrival-minutes``; the outage
starts at minute 2 and lasts ``--outage-minutes``; ``--slow-share`` of the answers take ``--slow-seconds`` of real
time (longer than ``--read-timeout``: they become timeouts). ``--delayed-share`` of the invoices appear in the
registry only 2 h after the start (they go not_found, then verified by the +1 h / +6 h re-checks). The simulated
clock jumps when nothing is due and advances by the real time of each round while checks run, so the drain time
after recovery includes the real cost of the calls. Prints the final statuses, checks spent per invoice (all,
and outside the not-found schedule), the simulator's own counts, and the time to drain the backlog after
recovery. A measurement, never a timed test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
import uuid
from collections import Counter
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlmodel import col, select  # noqa: E402

from api.verifier import Verifier, VerifierConfig  # noqa: E402
from capture.invoice import InvoiceStatus  # noqa: E402
from capture.taxcheck import PolicyConfig  # noqa: E402
from capture.taxcheck.client import ClientConfig, TaxClient  # noqa: E402
from capture.taxcheck.policy import local_day  # noqa: E402
from models import Document, Invoice  # noqa: E402
from models.db import make_engine, make_sessions, migrate_engine, sqlite_url  # noqa: E402
from models.invoices import VerificationStatus  # noqa: E402
from models.verification import VerificationAttempt, VerificationSchedule  # noqa: E402
from samples.taxsim import running_simulator  # noqa: E402

CST = dt.timezone(dt.timedelta(hours=8))
START = dt.datetime(2026, 12, 1, 9, 0, tzinfo=CST).astimezone(dt.UTC)
ISSUED = dt.date(2026, 11, 30)
PENDING_LIKE = (VerificationStatus.PENDING, VerificationStatus.NOT_CHECKED)


def invoice_rows(n: int, rng: random.Random) -> list[dict]:
    rows = []
    for i in range(1, n + 1):
        amount = Decimal(rng.randint(100, 10_000_000)) / 100
        kind = rng.choice(["01", "10", "32"])
        row = {"invoice_type": kind, "date": ISSUED, "amount_excl_tax": amount, "tax": (amount * Decimal("0.13"))
               .quantize(Decimal("0.01")), "seller_name": f"卖方{i}"}
        row["total"] = row["amount_excl_tax"] + row["tax"]
        if kind == "32":
            row.update(invoice_code=None, invoice_number=f"26{i:018d}")
        elif kind == "10":
            check = f"{rng.randrange(10**20):020d}"
            row.update(invoice_code="012001800311", invoice_number=f"{i:08d}", check_code=check)
        else:
            row.update(invoice_code="3100265530", invoice_number=f"{i:08d}")
        rows.append(row)
    return rows


def registry_record(row: dict, **extra) -> dict:
    return {"type": row["invoice_type"], "code": row.get("invoice_code"), "number": row["invoice_number"],
            "date": row["date"].isoformat(), "amount_excl_tax": str(row["amount_excl_tax"]), "tax": str(row["tax"]),
            "total": str(row["total"]), "check_code": row.get("check_code"), **extra}


def seed(sessions, rows: list[dict], at: dt.datetime) -> list[uuid.UUID]:
    ids = []
    with sessions() as s:
        for row in rows:
            doc = Document(sha256=uuid.uuid4().hex * 2, media_type="image/png", size=1, pages=1, created_at=at)
            s.add(doc)
            s.flush()
            inv = Invoice(document_id=doc.id, page=1, status=InvoiceStatus.ACCEPTED, created_at=at, updated_at=at,
                          **row)
            s.add(inv)
            ids.append(inv.id)
        s.commit()
    return ids


def statuses(sessions) -> Counter:
    with sessions() as s:
        return Counter(v.value for v in s.exec(select(Invoice.verification_status)).all())


def waiting(sessions, ids: list[uuid.UUID]) -> int:
    """How many of ``ids`` still wait for their first answer (pending or not yet scheduled)."""
    with sessions() as s:
        rows = s.exec(select(Invoice.verification_status).where(col(Invoice.id).in_(ids))).all()
    return sum(1 for v in rows if v in PENDING_LIKE)


def next_due(sessions) -> dt.datetime | None:
    with sessions() as s:
        return s.exec(select(sa.func.min(VerificationSchedule.due_at))).one()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--arrival-minutes", type=float, default=15)
    ap.add_argument("--outage-minutes", type=float, default=10)
    ap.add_argument("--outage-mode", choices=["503", "reset"], default="503")
    ap.add_argument("--slow-share", type=float, default=0.3)
    ap.add_argument("--slow-seconds", type=float, default=0.5)
    ap.add_argument("--read-timeout", type=float, default=2.0)
    ap.add_argument("--delayed-share", type=float, default=0.05)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--database-url", help="default: a fresh SQLite file in a temporary folder")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-hours", type=float, default=48, help="stop after this much simulated time")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    tmp = tempfile.TemporaryDirectory()
    engine = make_engine(args.database_url or sqlite_url(tmp.name))
    migrate_engine(engine)
    sessions = make_sessions(engine)
    rows = invoice_rows(args.n, rng)
    delayed = set(rng.sample(range(args.n), int(args.n * args.delayed_share)))
    outage_start = START + dt.timedelta(minutes=2)
    recovery = outage_start + dt.timedelta(minutes=args.outage_minutes)
    arrivals_end = START + dt.timedelta(minutes=args.arrival_minutes)

    with running_simulator(now=START) as sim:
        admin = sim.admin
        admin.register([registry_record(r, visible_after_seconds=7200 if i in delayed else None)
                        for i, r in enumerate(rows)])
        policy = PolicyConfig()
        cfg = VerifierConfig(client=ClientConfig(base_url=sim.url, connect_timeout=2, read_timeout=args.read_timeout),
                             policy=policy, batch=args.batch, concurrency=args.concurrency)
        now = START
        verifier = Verifier(cfg, sessions, TaxClient(cfg.client), clock=lambda: now)
        slow = {"slow_share": args.slow_share, "slow_seconds": args.slow_seconds, "seed": args.seed}
        admin.set_faults(**slow)
        seeded, in_outage, drained_at, wall_recovery, wall_drained = 0, False, None, None, None
        outage_ids: list[uuid.UUID] = []
        backlog: list[uuid.UUID] = []  # every invoice that arrived before the recovery
        wall0 = time.monotonic()
        while True:
            admin.set_clock(now)
            due = int(min(args.n, args.n * (now - START) / (arrivals_end - START) + 1))
            if seeded < due:
                new = seed(sessions, rows[seeded:due], now)
                if outage_start <= now < recovery:
                    outage_ids += new
                if now < recovery:
                    backlog += new
                seeded = due
            want = outage_start <= now < recovery
            if want != in_outage:
                admin.set_faults(**slow, **({"outage": args.outage_mode} if want else {}))
                in_outage = want
                if not want:
                    wall_recovery = time.monotonic()
            t0 = time.monotonic()
            summary = verifier.run_once(now)
            spent = time.monotonic() - t0
            counts = statuses(sessions)
            if drained_at is None and now >= recovery and not waiting(sessions, backlog):
                drained_at, wall_drained = now, time.monotonic()
            if counts.get("verified", 0) == args.n or now - START > dt.timedelta(hours=args.max_hours):
                break
            if summary.claimed > 0:  # the calls took real time
                now += dt.timedelta(seconds=max(spent, 0.001))
            elif seeded < args.n or now < recovery:
                now += dt.timedelta(seconds=5)
            else:  # nothing due: jump to the next due check
                now = max(now + dt.timedelta(seconds=1), next_due(sessions) or now + dt.timedelta(minutes=1))
        verifier.close()
        stats = admin.stats()
        wall = time.monotonic() - wall0

    with sessions() as s:
        attempts = s.exec(select(VerificationAttempt).where(col(VerificationAttempt.outcome).is_not(None))).all()
    per_invoice = Counter(a.invoice_id for a in attempts)
    outside_nf = Counter(a.invoice_id for a in attempts if a.outcome != "not_found")
    outage_calls = Counter(a.code for a in attempts)
    per_day = Counter((a.invoice_id, local_day(a.at, policy)) for a in attempts if a.counted)
    final = statuses(sessions)
    n = args.n
    print(f"invoices {n} ({len(delayed)} registered 2 h late), outage {args.outage_minutes:g} min "
          f"({args.outage_mode}), slow {args.slow_share:.0%} x {args.slow_seconds:g} s "
          f"(read timeout {args.read_timeout:g} s), concurrency {args.concurrency}, batch {args.batch}")
    print(f"final statuses: {dict(sorted(final.items()))}")
    print(f"verified: {final.get('verified', 0)} / {n}")
    print(f"checks per invoice: {sum(per_invoice.values()) / n:.2f} on average (max {max(per_invoice.values())}); "
          f"outside the not-found schedule {sum(outside_nf.values()) / n:.2f} (max {max(outside_nf.values())})")
    print(f"attempt codes: {dict(sorted(outage_calls.items()))}")
    print(f"simulator: {stats['total_calls']} calls {dict(sorted(stats['results'].items()))}, max calls per invoice "
          f"per day {stats['max_calls_per_invoice_day']}, max checks {stats['max_checks_per_invoice_day']}; "
          f"ours: max counted per invoice per day {max(per_day.values())}")
    if drained_at is not None:
        print(f"backlog at recovery ({len(backlog)} invoices, {len(outage_ids)} of them arrived during the outage): "
              f"every one answered "
              f"{(drained_at - recovery).total_seconds():.0f} s (simulated) after recovery; "
              f"{wall_drained - wall_recovery:.1f} s of real time")
    end = "all verified" if final.get("verified", 0) == n else "stopped (--max-hours)"
    print(f"{end} after {now - START} (simulated); wall time {wall:.1f} s")
    engine.dispose()
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
