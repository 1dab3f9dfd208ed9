"""The verification loop: runs due tax checks against ``INVOICE_CAPTURE_TAX_URL``, never in the capture path.

Contract
- ``Verifier.run_once(now=None) -> RunSummary``: (1) accepted, not_checked invoices become pending
  (``models.verification.schedule_pending``); (2) the circuit breaker is read from the newest attempts of all
  invoices: open -> nothing is sent; half-open -> one invoice is claimed as the probe; (3) up to ``batch`` due
  invoices are claimed under a lease and checked on ``concurrency`` threads: each is re-validated (a ``Refusal``
  halts it without a call), its daily budget and the day-of-issue rule are applied (deferred without a call),
  the attempt is committed as in flight, the call is made OUTSIDE any transaction, then the result is recorded
  and the policy's next step applied. Uploads and capture never wait for any of this.
- ``run_due()`` repeats ``run_once`` until nothing is due or the breaker is open (``invoice-capture verify --due``);
  ``run_forever(stop)`` polls every ``poll_seconds`` (a thread of ``serve``, and ``invoice-capture worker``).
- Time: an injected ``clock`` (tests and the bench move it; nothing sleeps on it) or ``now=``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from capture.taxcheck import BreakerState, InputConfig, PolicyConfig, Refusal, breaker, may_check
from capture.taxcheck.client import ClientConfig, TaxClient
from models.db import immediate
from models.invoices import Invoice
from models.types import utcnow
from models.verification import (
    claim_due,
    due_count,
    finish_attempt,
    halt,
    invoice_history,
    pull_in_backoffs,
    recent_attempts,
    release,
    schedule_pending,
    start_attempt,
    verify_input,
)

if TYPE_CHECKING:
    from api.settings import Settings

log = logging.getLogger("invoice_capture.verifier")


@dataclass(frozen=True)
class VerifierConfig:
    client: ClientConfig = field(default_factory=ClientConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    inputs: InputConfig = field(default_factory=InputConfig)
    batch: int = 16
    concurrency: int = 4
    poll_seconds: float = 5.0

    @property
    def lease_seconds(self) -> float:
        return 2 * (self.client.connect_timeout + self.client.read_timeout) + 30

    @classmethod
    def from_settings(cls, settings: Settings) -> VerifierConfig:
        return settings.verifier_config()


@dataclass
class RunSummary:
    scheduled: int = 0  # invoices that became pending
    claimed: int = 0
    calls: int = 0  # requests sent to the verifier
    deferred: int = 0  # claimed but not sent: budget spent today, or the day of issue
    refused: int = 0  # claimed but not sendable (changed since scheduled)
    outcomes: Counter = field(default_factory=Counter)  # Kind value -> count
    breaker: str = BreakerState.CLOSED.value
    due_left: int = 0

    def add(self, other: RunSummary) -> None:
        self.scheduled += other.scheduled
        self.claimed += other.claimed
        self.calls += other.calls
        self.deferred += other.deferred
        self.refused += other.refused
        self.outcomes.update(other.outcomes)
        self.breaker, self.due_left = other.breaker, other.due_left

    def to_dict(self) -> dict:
        return {"scheduled": self.scheduled, "claimed": self.claimed, "calls": self.calls, "deferred": self.deferred,
                "refused": self.refused, "outcomes": dict(sorted(self.outcomes.items())), "breaker": self.breaker,
                "due_left": self.due_left}


class Verifier:
    def __init__(self, config: VerifierConfig, sessions: sessionmaker[Session], client: TaxClient | None = None, *,
                 worker_id: str | None = None, clock: Callable[[], datetime] = utcnow) -> None:
        self.config, self.sessions = config, sessions
        self.client = client or TaxClient(config.client)
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.clock = clock
        self._pool = ThreadPoolExecutor(max_workers=max(config.concurrency, 1), thread_name_prefix="tax-check")

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.client.close()

    # ------------------------------------------------------------------------------------------ one round

    def run_once(self, now: datetime | None = None) -> RunSummary:
        cfg, summary = self.config, RunSummary()
        clock = (lambda: now) if now is not None else self.clock
        start = clock()
        with self.sessions() as s:
            summary.scheduled = schedule_pending(s, now=start, policy=cfg.policy, inputs=cfg.inputs)
            s.commit()
        with self.sessions() as s:
            state = breaker(recent_attempts(s, limit=cfg.policy.breaker_threshold), now=start, config=cfg.policy)
        summary.breaker = state.state.value
        if state.state is BreakerState.OPEN:
            with self.sessions() as s:
                summary.due_left = due_count(s, now=start)
            return summary
        with self.sessions() as s:
            limit = 1 if state.state is BreakerState.HALF_OPEN else cfg.batch
            ids = claim_due(s, worker_id=self.worker_id, now=start, limit=limit, lease_seconds=cfg.lease_seconds,
                            probe=state.state is BreakerState.HALF_OPEN)
            s.commit()
        summary.claimed = len(ids)
        if len(ids) > 1 and cfg.concurrency > 1:
            results = list(self._pool.map(lambda i: self._check(i, clock), ids))
        else:
            results = [self._check(i, clock) for i in ids]
        if state.state is BreakerState.HALF_OPEN and results and results[0] not in ("transient", "gone", "deferred",
                                                                                    "refused"):
            with self.sessions() as s:  # the probe got an answer: the service is back
                pulled = pull_in_backoffs(s, now=clock())
                s.commit()
            log.info("verifier: the tax service answers again; %d backed-off invoice(s) due now", pulled)
        for what in results:
            if what in ("deferred", "refused", "gone"):
                summary.deferred += what == "deferred"
                summary.refused += what == "refused"
            else:
                summary.calls += 1
                summary.outcomes[what] += 1
        with self.sessions() as s:
            summary.due_left = due_count(s, now=clock())
        return summary

    def _check(self, invoice_id: uuid.UUID, clock: Callable[[], datetime]) -> str:
        cfg = self.config
        try:
            with self.sessions() as s:
                immediate(s)  # reads then writes: take SQLite's write lock up front
                now = clock()
                inv = s.get(Invoice, invoice_id, populate_existing=True)
                if inv is None:
                    return "gone"
                found = verify_input(inv, now=now, policy=cfg.policy, inputs=cfg.inputs)
                if isinstance(found, Refusal):
                    halt(s, invoice_id=invoice_id, worker_id=self.worker_id, refusal=found, now=now)
                    s.commit()
                    return "refused"
                history = invoice_history(s, invoice_id=invoice_id, now=now, policy=cfg.policy)
                later = may_check(history, now=now, issue_date=found.date, config=cfg.policy)
                if later is not None:
                    release(s, invoice_id=invoice_id, worker_id=self.worker_id, due_at=later,
                            reason="daily budget spent or the day of issue")
                    s.commit()
                    return "deferred"
                attempt = start_attempt(s, invoice_id=invoice_id, request=found.to_json(), worker_id=self.worker_id,
                                        now=now)
                s.commit()
                attempt_id = attempt.id
            outcome = self.client.verify(found)  # no transaction is open during the call
            with self.sessions() as s:
                finish_attempt(s, attempt_id=attempt_id, outcome=outcome, worker_id=self.worker_id, now=clock(),
                               policy=cfg.policy, inputs=cfg.inputs)
                s.commit()
            log.info("invoice %s: %s (%s)", invoice_id, outcome.kind.value, outcome.code)
            return outcome.kind.value
        except Exception:  # a database hiccup: the lease expires and the invoice is claimed again
            log.exception("invoice %s: verification failed", invoice_id)
            return "gone"

    # ------------------------------------------------------------------------------------------ loops

    def run_due(self, now: datetime | None = None, *, max_rounds: int = 10_000) -> RunSummary:
        """Run rounds until nothing due is left, or the breaker stops sending."""
        total = RunSummary()
        for _ in range(max_rounds):
            one = self.run_once(now)
            total.add(one)
            if one.claimed == 0 or one.breaker == BreakerState.OPEN.value:
                break
        return total

    def run_forever(self, stop: threading.Event) -> None:
        log.info("verifier %s started (%s)", self.worker_id, self.config.client.base_url)
        while not stop.is_set():
            try:
                summary = self.run_once()
            except Exception:  # e.g. the database is unreachable for a moment: keep the loop alive
                log.exception("verifier %s: round failed", self.worker_id)
                summary = RunSummary()
            if summary.claimed == 0:
                stop.wait(self.config.poll_seconds)
        self.close()
        log.info("verifier %s stopped", self.worker_id)


def build_verifier(settings: Settings, sessions: sessionmaker[Session] | None = None) -> Verifier:
    if sessions is None:
        from models.db import make_engine, make_sessions

        sessions = make_sessions(make_engine(settings.resolved_database_url()))
    return Verifier(settings.verifier_config(), sessions)


def start_verifier_thread(settings: Settings, sessions: sessionmaker[Session] | None, stop: threading.Event
                          ) -> threading.Thread | None:
    """The verification loop on a daemon thread (None when ``tax_check`` is off)."""
    if not settings.tax_check:
        return None
    verifier = build_verifier(settings, sessions)
    thread = threading.Thread(target=verifier.run_forever, args=(stop,), name="tax-verifier", daemon=True)
    thread.start()
    return thread
