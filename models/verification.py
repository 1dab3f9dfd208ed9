"""Tax verification: every attempt, each invoice's schedule, claiming due checks, recording results, alerts.

Contract
- ``VerificationAttempt``: one row per call to the verifier (request JSON, outcome kind, result/transport code,
  response JSON, error, whether it counted against the invoice's daily checks, whether the service was down).
  It is written BEFORE the call with ``outcome`` NULL (in flight) and completed after it, so a worker that
  dies mid-call still leaves a counted check behind: the daily budget is never exceeded by crashes.
- ``VerificationSchedule``: one row per invoice that entered verification: the next due time (NULL = no
  automatic check), the lease of the worker checking it, ``missing_at`` (not found after the whole re-check
  schedule), ``halted`` (why it is not checked: a local ``Refusal`` reason or ``malformed``).
- ``schedule_pending(session, now=, ...)``: accepted invoices whose verification status is ``not_checked`` (new,
  or reset by a recapture/correction, i.e. changed since their last scheduling) become ``pending``, due the day
  after issue (or now when older); those that must not be sent get ``halted`` and stay ``not_checked``.
- ``claim_due(session, worker_id=, now=, limit=, lease_seconds=)``: due schedules, leased to one worker
  (PostgreSQL ``FOR UPDATE SKIP LOCKED``, SQLite one conditional ``UPDATE ... RETURNING`` under the write lock).
- ``start_attempt`` / ``finish_attempt`` record a call; ``finish_attempt`` applies the policy's decision while the
  worker still holds the lease, and only if the invoice still produces the request that was sent (a correction
  meanwhile resets it to not_checked and a new round starts). A status change caused by an answer (or a halt)
  adds an ``AuditEvent`` (actor ``verifier:<worker>``, action ``verify``); scheduling (not_checked -> pending)
  does not, so capturing an invoice leaves exactly its ``capture`` event.
- The alerts these statuses raise are read by ``models.alerts``.
- Nothing here commits; time is always the caller's ``now``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col, select, update

from capture.invoice import InvoiceStatus
from capture.taxcheck import AttemptRecord, Decision, InputConfig, Kind, Outcome, PolicyConfig, Refusal, build_request
from capture.taxcheck.policy import first_due, gate, local_day
from models.audit import audit
from models.db import immediate, is_sqlite
from models.invoices import Invoice, VerificationStatus
from models.types import UTCDateTime

DEFAULT_POLICY, DEFAULT_INPUTS = PolicyConfig(), InputConfig()

# ------------------------------------------------------------------------------------------ tables


class VerificationAttemptBase(SQLModel):
    at: dt.datetime = Field(sa_type=UTCDateTime, index=True)
    request: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    outcome: str | None = Field(default=None, max_length=16, description="capture.taxcheck.Kind; NULL = in flight")
    code: str | None = Field(default=None, max_length=32, description="result code (001...) or transport code")
    response: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    error: str | None = None
    counted: bool = Field(default=True, description="may have used one of the invoice's daily checks")
    service_down: bool = Field(default=False, description="a failure of the whole service (feeds the breaker)")


class VerificationAttempt(VerificationAttemptBase, table=True):
    __tablename__ = "verification_attempt"
    __table_args__ = (sa.Index("ix_verification_attempt_invoice_at", "invoice_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: uuid.UUID = Field(foreign_key="invoice.id", ondelete="CASCADE")
    worker: str | None = None


class VerificationAttemptPublic(VerificationAttemptBase):
    id: int


class VerificationSchedule(SQLModel, table=True):
    __tablename__ = "verification_schedule"

    invoice_id: uuid.UUID = Field(foreign_key="invoice.id", ondelete="CASCADE", primary_key=True)
    due_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    lease_owner: str | None = None
    lease_expires_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    scheduled_at: dt.datetime = Field(sa_type=UTCDateTime, description="start of the current verification round")
    missing_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    halted: str | None = Field(default=None, max_length=32)
    halted_detail: str | None = None
    last_checked_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_code: str | None = Field(default=None, max_length=32)
    failures: int = Field(default=0, description="consecutive transient failures (probes prefer the fewest)")
    reason: str | None = None


class VerificationPublic(SQLModel):
    """The verification part of an invoice's detail."""

    status: VerificationStatus
    due_at: dt.datetime | None = None
    missing_at: dt.datetime | None = None
    halted: str | None = None
    halted_detail: str | None = None
    reason: str | None = None
    attempts: list[VerificationAttemptPublic] = []


# ------------------------------------------------------------------------------------------ scheduling


def _fields(inv: Invoice) -> dict[str, Any]:
    return {"invoice_type": inv.invoice_type, "invoice_code": inv.invoice_code, "invoice_number": inv.invoice_number,
            "date": inv.date, "amount_excl_tax": inv.amount_excl_tax, "total": inv.total,
            "check_code": inv.check_code, "status": inv.status.value, "duplicate_of": inv.duplicate_of}


def verify_input(inv: Invoice, *, now: dt.datetime, policy: PolicyConfig, inputs: InputConfig):
    """The request for ``inv`` today (platform day), or the ``Refusal``."""
    return build_request(_fields(inv), today=local_day(now, policy), config=inputs)


def _set_status(session: Session, inv: Invoice, status: VerificationStatus, *, now: dt.datetime, actor: str,
                detail: dict[str, Any] | None = None) -> None:
    if inv.verification_status == status:
        return
    before = {"verification_status": inv.verification_status.value}
    inv.verification_status = status
    session.add(inv)
    audit(session, actor=actor, action="verify", entity="invoice", entity_id=inv.id, now=now, before=before,
          after={"verification_status": status.value, **(detail or {})})


def _halt(sched: VerificationSchedule, refusal: Refusal) -> None:
    sched.due_at, sched.halted, sched.halted_detail = None, refusal.reason, refusal.detail
    sched.reason = f"not sent: {refusal.reason}"


def schedule_pending(
    session: Session, *, now: dt.datetime, policy: PolicyConfig = DEFAULT_POLICY,
    inputs: InputConfig = DEFAULT_INPUTS, invoice_ids: Sequence[uuid.UUID] | None = None, limit: int = 500,
    actor: str = "verifier",
) -> int:
    """Start a verification round for accepted, not_checked invoices changed since their last round (see the
    contract). Returns how many became pending."""
    immediate(session)
    stmt = (select(Invoice).outerjoin(VerificationSchedule, VerificationSchedule.invoice_id == Invoice.id)
            .where(Invoice.status == InvoiceStatus.ACCEPTED,
                   Invoice.verification_status == VerificationStatus.NOT_CHECKED,
                   sa.or_(col(VerificationSchedule.scheduled_at).is_(None),
                          VerificationSchedule.scheduled_at < Invoice.updated_at))
            .order_by(Invoice.created_at, Invoice.id).limit(limit))
    if invoice_ids is not None:
        if not invoice_ids:
            return 0
        stmt = stmt.where(col(Invoice.id).in_(list(invoice_ids)))
    if not is_sqlite(session):
        stmt = stmt.with_for_update(of=Invoice, skip_locked=True)
    pending = 0
    for inv in session.exec(stmt.execution_options(populate_existing=True)).all():
        sched = session.get(VerificationSchedule, inv.id, populate_existing=True)
        if sched is None:
            sched = VerificationSchedule(invoice_id=inv.id, scheduled_at=now)
        sched.scheduled_at, sched.missing_at, sched.halted, sched.halted_detail = now, None, None, None
        sched.failures = 0
        sched.lease_owner = sched.lease_expires_at = None
        found = verify_input(inv, now=now, policy=policy, inputs=inputs)
        if isinstance(found, Refusal):
            _halt(sched, found)
        else:
            history = _history(session, inv.id, since=now, now=now, policy=policy)
            sched.due_at = gate(history, due=first_due(found.date, now, policy), issue_date=found.date, config=policy)
            sched.reason = "first check"
            # scheduling is not a result: no audit event (the schedule row shows when and why)
            inv.verification_status = VerificationStatus.PENDING
            session.add(inv)
            pending += 1
        session.add(sched)
    session.flush()
    return pending


# ------------------------------------------------------------------------------------------ claiming


def _claimable(now: dt.datetime):
    return sa.and_(col(VerificationSchedule.due_at).is_not(None), VerificationSchedule.due_at <= now,
                   col(VerificationSchedule.halted).is_(None),
                   sa.or_(col(VerificationSchedule.lease_expires_at).is_(None),
                          VerificationSchedule.lease_expires_at < now))


def claim_due(session: Session, *, worker_id: str, now: dt.datetime, limit: int, lease_seconds: float,
              probe: bool = False) -> list[uuid.UUID]:
    """Up to ``limit`` due invoices (earliest first), leased to ``worker_id``; commit to make the claim visible.
    ``probe`` (half-open breaker): the invoices with the fewest consecutive failures first, so probing a down
    service spreads over many invoices instead of spending one invoice's daily checks."""
    immediate(session)
    values = {"lease_owner": worker_id, "lease_expires_at": now + dt.timedelta(seconds=lease_seconds)}
    order = (VerificationSchedule.due_at, VerificationSchedule.invoice_id)
    if probe:
        order = (VerificationSchedule.failures, *order)
    pick = select(VerificationSchedule.invoice_id).where(_claimable(now)).order_by(*order).limit(limit)
    if is_sqlite(session):
        stmt = (update(VerificationSchedule)
                .where(col(VerificationSchedule.invoice_id).in_(pick.scalar_subquery()), _claimable(now))
                .values(**values).returning(VerificationSchedule.invoice_id))
        return list(session.exec(stmt).scalars().all())
    ids = list(session.exec(pick.with_for_update(skip_locked=True)).all())
    if ids:
        session.exec(update(VerificationSchedule).where(col(VerificationSchedule.invoice_id).in_(ids)).values(**values))
    return ids


def pull_in_backoffs(session: Session, *, now: dt.datetime) -> int:
    """The service answered again after being down: invoices waiting out a backoff are due now (the batch size
    and the breaker still meter the load; budgets are applied when each is checked)."""
    immediate(session)
    result = session.exec(update(VerificationSchedule).where(
        VerificationSchedule.failures > 0, VerificationSchedule.due_at > now,
        col(VerificationSchedule.halted).is_(None), col(VerificationSchedule.lease_owner).is_(None),
    ).values(due_at=now))
    return result.rowcount


def release(session: Session, *, invoice_id: uuid.UUID, worker_id: str, due_at: dt.datetime | None,
            reason: str | None = None) -> None:
    """Give a claimed invoice back without checking it (e.g. its budget for today is spent)."""
    values: dict[str, Any] = {"lease_owner": None, "lease_expires_at": None, "due_at": due_at}
    if reason is not None:
        values["reason"] = reason
    session.exec(update(VerificationSchedule).where(VerificationSchedule.invoice_id == invoice_id,
                                                    VerificationSchedule.lease_owner == worker_id).values(**values))


# ------------------------------------------------------------------------------------------ attempts


def _record(a: VerificationAttempt) -> AttemptRecord:
    return AttemptRecord(at=a.at, kind=Kind(a.outcome) if a.outcome else None, counted=a.counted,
                         service_down=a.service_down)


def _history(session: Session, invoice_id: uuid.UUID, *, since: dt.datetime, now: dt.datetime,
             policy: PolicyConfig) -> list[AttemptRecord]:
    """This round's attempts (since ``since``) plus, for the daily budget, earlier ones of the last two days
    (without their kind, so they never extend a streak)."""
    window = min(since, now - dt.timedelta(days=2))
    rows = session.exec(select(VerificationAttempt).where(VerificationAttempt.invoice_id == invoice_id,
                                                          VerificationAttempt.at >= window)
                        .order_by(VerificationAttempt.at, VerificationAttempt.id)).all()
    out = []
    for a in rows:
        rec = _record(a)
        if a.at < since:
            rec = AttemptRecord(at=a.at, kind=None, counted=a.counted)
        out.append(rec)
    return out


def invoice_history(session: Session, *, invoice_id: uuid.UUID, now: dt.datetime, policy: PolicyConfig
                    ) -> list[AttemptRecord]:
    sched = session.get(VerificationSchedule, invoice_id)
    return _history(session, invoice_id, since=sched.scheduled_at if sched else now, now=now, policy=policy)


def recent_attempts(session: Session, *, limit: int) -> list[AttemptRecord]:
    """The newest finished attempts of all invoices (for the circuit breaker)."""
    rows = session.exec(select(VerificationAttempt).where(col(VerificationAttempt.outcome).is_not(None))
                        .order_by(col(VerificationAttempt.at).desc(), col(VerificationAttempt.id).desc())
                        .limit(limit)).all()
    return [_record(a) for a in rows]


def start_attempt(session: Session, *, invoice_id: uuid.UUID, request: dict[str, Any], worker_id: str,
                  now: dt.datetime) -> VerificationAttempt:
    """The attempt row, in flight (counted), before the call is made: commit it before calling."""
    attempt = VerificationAttempt(invoice_id=invoice_id, at=now, request=request, worker=worker_id)
    session.add(attempt)
    session.flush()
    return attempt


FINAL_STATUS = {Kind.VERIFIED: VerificationStatus.VERIFIED, Kind.MISMATCH: VerificationStatus.MISMATCH,
                Kind.NOT_FOUND: VerificationStatus.NOT_FOUND, Kind.VOIDED: VerificationStatus.VOIDED,
                Kind.RED_FLUSHED: VerificationStatus.RED_FLUSHED, Kind.ABNORMAL: VerificationStatus.ABNORMAL}


def finish_attempt(
    session: Session, *, attempt_id: int, outcome: Outcome, worker_id: str, now: dt.datetime,
    policy: PolicyConfig = DEFAULT_POLICY, inputs: InputConfig = DEFAULT_INPUTS,
) -> Decision | None:
    """Complete the attempt and apply what follows (see the contract). None when the lease was lost or the
    invoice changed meanwhile (the attempt is still recorded)."""
    from capture.taxcheck import after_outcome

    immediate(session)
    attempt = session.get(VerificationAttempt, attempt_id, populate_existing=True)
    attempt.outcome, attempt.code, attempt.counted = outcome.kind.value, outcome.code, outcome.counted
    attempt.service_down = outcome.service_down
    attempt.response = dict(outcome.response) if outcome.response is not None else None
    attempt.error = None if outcome.response is not None else (outcome.message or outcome.code)
    session.add(attempt)
    session.flush()
    stmt = select(VerificationSchedule).where(VerificationSchedule.invoice_id == attempt.invoice_id,
                                              VerificationSchedule.lease_owner == worker_id)
    if not is_sqlite(session):
        stmt = stmt.with_for_update()
    sched = session.exec(stmt.execution_options(populate_existing=True)).first()
    inv = session.get(Invoice, attempt.invoice_id, populate_existing=True)
    if sched is None or inv is None:
        return None
    sched.lease_owner = sched.lease_expires_at = None
    sched.last_checked_at, sched.last_code = now, outcome.code
    sched.failures = sched.failures + 1 if outcome.kind is Kind.TRANSIENT else 0
    current = verify_input(inv, now=now, policy=policy, inputs=inputs)
    if isinstance(current, Refusal) or current.to_json() != attempt.request or \
            inv.verification_status == VerificationStatus.NOT_CHECKED:
        sched.due_at, sched.reason = None, "the invoice changed during the check"
        session.add(sched)
        return None
    history = _history(session, inv.id, since=sched.scheduled_at, now=now, policy=policy)
    decision = after_outcome(history, now=now, issue_date=current.date, key=str(inv.id), config=policy)
    sched.due_at, sched.reason = decision.due_at, decision.reason
    if decision.missing and sched.missing_at is None:
        sched.missing_at = now
    elif decision.status is not None and decision.status != VerificationStatus.NOT_FOUND:
        sched.missing_at = None
    if decision.halted is not None:
        sched.halted, sched.halted_detail = decision.halted, f"{outcome.code}: {outcome.message}"
        if inv.verification_status == VerificationStatus.PENDING:
            _set_status(session, inv, VerificationStatus.NOT_CHECKED, now=now, actor=f"verifier:{worker_id}",
                        detail={"code": outcome.code, "halted": decision.halted})
    if decision.status is not None:
        detail: dict[str, Any] = {"code": outcome.code}
        if outcome.differences:
            detail["differences"] = [d.to_dict() for d in outcome.differences]
        _set_status(session, inv, VerificationStatus(decision.status), now=now, actor=f"verifier:{worker_id}",
                    detail=detail)
    session.add(sched)
    session.flush()
    return decision


# ------------------------------------------------------------------------------------------ reading


def verification_detail(session: Session, *, invoice_id: uuid.UUID, status: VerificationStatus,
                        limit: int = 50) -> VerificationPublic:
    sched = session.get(VerificationSchedule, invoice_id)
    rows = session.exec(select(VerificationAttempt).where(VerificationAttempt.invoice_id == invoice_id)
                        .order_by(col(VerificationAttempt.at).desc(), col(VerificationAttempt.id).desc())
                        .limit(limit)).all()
    out = VerificationPublic(status=status, attempts=[VerificationAttemptPublic.model_validate(a) for a in rows])
    if sched is not None:
        out.due_at, out.missing_at, out.reason = sched.due_at, sched.missing_at, sched.reason
        out.halted, out.halted_detail = sched.halted, sched.halted_detail
    return out


def counts(session: Session) -> dict[str, int]:
    rows = session.exec(select(Invoice.verification_status, sa.func.count()).group_by(Invoice.verification_status))
    return {str(getattr(s, "value", s)): n for s, n in rows.all()}


def due_count(session: Session, *, now: dt.datetime) -> int:
    return session.exec(select(sa.func.count()).select_from(VerificationSchedule).where(_claimable(now))).one()


# ------------------------------------------------------------------------------------------ alerts

def halt(session: Session, *, invoice_id: uuid.UUID, worker_id: str, refusal: Refusal, now: dt.datetime) -> None:
    """A claimed invoice that must not be sent (it changed since it was scheduled): stop checking it."""
    immediate(session)
    sched = session.get(VerificationSchedule, invoice_id, populate_existing=True)
    inv = session.get(Invoice, invoice_id, populate_existing=True)
    if sched is None or inv is None or sched.lease_owner != worker_id:
        return
    _halt(sched, refusal)
    sched.lease_owner = sched.lease_expires_at = None
    session.add(sched)
    if inv.verification_status == VerificationStatus.PENDING:
        _set_status(session, inv, VerificationStatus.NOT_CHECKED, now=now, actor=f"verifier:{worker_id}",
                    detail={"halted": refusal.reason, "field": refusal.field})
    session.flush()
