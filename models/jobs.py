"""Durable capture jobs: a row per document, claimed by one worker at a time under a lease.

Contract
- queued -> running (``claim``: attempts + 1, leased to ``worker_id`` until ``now + lease``) -> done
  (``complete``) | queued again with a backoff (``fail(retry=True)`` while attempts < max_attempts) |
  failed with ``error_code``/``error_detail`` (``fail`` otherwise). A running job whose lease expired
  (its worker died) is claimable again; one that has used all its attempts becomes failed with
  ``worker_lost`` instead. ``requeue`` (reprocess) puts any job back to queued with fresh attempts.
- ``claim`` never hands one job to two workers: PostgreSQL ``SELECT ... FOR UPDATE SKIP LOCKED``,
  SQLite one conditional ``UPDATE ... RETURNING`` under the database write lock.
- ``heartbeat``, ``complete`` and ``fail`` act only while ``worker_id`` still holds the job (returning
  False / None otherwise), so a worker that lost its lease cannot overwrite the new holder's work.
- Nothing here commits: every function works inside the caller's transaction (``enqueue`` shares the
  upload's transaction; the worker commits ``complete`` together with the archived result). Time is
  always the caller's ``now``; nothing reads a clock.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, func, select, update

from models.audit import audit
from models.db import immediate, is_sqlite
from models.documents import Job, JobStatus

WORKER_LOST = "worker_lost"  # error_code when a job's worker died on every attempt


@dataclass(frozen=True)
class JobPolicy:
    max_attempts: int = 3
    backoff_seconds: float = 10.0  # first retry delay; doubles per attempt
    backoff_max_seconds: float = 600.0

    def backoff(self, attempts: int) -> timedelta:
        delay = self.backoff_seconds * 2 ** max(attempts - 1, 0)
        return timedelta(seconds=min(delay, self.backoff_max_seconds))


def enqueue(session: Session, *, document_id: uuid.UUID, now: datetime, max_attempts: int = 3) -> Job:
    job = Job(document_id=document_id, max_attempts=max_attempts, next_run_at=now, created_at=now, updated_at=now)
    session.add(job)
    return job


def _claimable(now: datetime):
    return sa.or_(
        sa.and_(Job.status == JobStatus.QUEUED, Job.next_run_at <= now),
        sa.and_(Job.status == JobStatus.RUNNING, Job.lease_expires_at < now, Job.attempts < Job.max_attempts),
    )


def _exhausted(now: datetime):
    return sa.and_(Job.status == JobStatus.RUNNING, Job.lease_expires_at < now, Job.attempts >= Job.max_attempts)


def _give_up_exhausted(session: Session, now: datetime) -> None:
    """Running jobs whose worker died on their last attempt: failed, not retried forever."""
    where = _exhausted(now)
    if not is_sqlite(session):
        ids = select(Job.id).where(where).with_for_update(skip_locked=True)
        where = Job.id.in_(ids.scalar_subquery())
    session.exec(
        update(Job).where(where).values(
            status=JobStatus.FAILED, error_code=WORKER_LOST, lease_expires_at=None, updated_at=now,
            finished_at=now, error_detail="the worker stopped (crash or kill) on every attempt",
        )
    )


def claim(session: Session, *, worker_id: str, lease_seconds: float, now: datetime) -> Job | None:
    """The next due job, now leased to ``worker_id`` (commit to make the claim visible), or None."""
    immediate(session)
    _give_up_exhausted(session, now)
    values = {
        "status": JobStatus.RUNNING, "lease_owner": worker_id,
        "lease_expires_at": now + timedelta(seconds=lease_seconds), "attempts": Job.attempts + 1,
        "started_at": now, "updated_at": now, "finished_at": None,
    }
    order = (Job.next_run_at, Job.created_at, Job.id)
    if is_sqlite(session):
        # one statement under SQLite's single write lock: the pick and the update are atomic
        pick = select(Job.id).where(_claimable(now)).order_by(*order).limit(1).scalar_subquery()
        stmt = update(Job).where(Job.id == pick, _claimable(now)).values(**values).returning(Job.id)
        job_id = session.exec(stmt).scalar_one_or_none()
    else:
        pick = select(Job.id).where(_claimable(now)).order_by(*order).limit(1).with_for_update(skip_locked=True)
        job_id = session.exec(pick).first()
        if job_id is not None:
            session.exec(update(Job).where(Job.id == job_id).values(**values))
    if job_id is None:
        return None
    return session.get(Job, job_id, populate_existing=True)


def _held(job_id: uuid.UUID, worker_id: str):
    return sa.and_(Job.id == job_id, Job.lease_owner == worker_id, Job.status == JobStatus.RUNNING)


def heartbeat(session: Session, *, job_id: uuid.UUID, worker_id: str, lease_seconds: float, now: datetime) -> bool:
    """Extend the lease; False when the job is no longer this worker's (it must stop and discard)."""
    immediate(session)
    result = session.exec(
        update(Job).where(_held(job_id, worker_id))
        .values(lease_expires_at=now + timedelta(seconds=lease_seconds), updated_at=now)
    )
    return result.rowcount == 1


def complete(session: Session, *, job_id: uuid.UUID, worker_id: str, now: datetime) -> bool:
    """Mark done, in the caller's transaction; False (and nothing changed) when the lease was lost."""
    immediate(session)
    result = session.exec(
        update(Job).where(_held(job_id, worker_id)).values(
            status=JobStatus.DONE, lease_expires_at=None, error_code=None, error_detail=None, updated_at=now,
            finished_at=now,
        )
    )
    return result.rowcount == 1


def fail(
    session: Session, *, job_id: uuid.UUID, worker_id: str, error_code: str, detail: str, now: datetime,
    retry: bool, policy: JobPolicy = JobPolicy(),
) -> Job | None:
    """Record a failed attempt: back to queued after a backoff when ``retry`` and attempts remain, else
    failed. Returns the job, or None when this worker no longer holds it."""
    immediate(session)
    stmt = select(Job).where(_held(job_id, worker_id)).execution_options(populate_existing=True)
    job = session.exec(stmt if is_sqlite(session) else stmt.with_for_update()).first()
    if job is None:
        return None
    job.error_code, job.error_detail, job.updated_at, job.lease_expires_at = error_code, detail, now, None
    if retry and job.attempts < job.max_attempts:
        job.status = JobStatus.QUEUED
        job.next_run_at = now + policy.backoff(job.attempts)
    else:
        job.status = JobStatus.FAILED
        job.finished_at = now
    session.add(job)
    session.flush()
    return job


def latest_job(session: Session, *, document_id: uuid.UUID) -> Job | None:
    stmt = select(Job).where(Job.document_id == document_id).order_by(Job.created_at.desc(), Job.id)
    return session.exec(stmt.limit(1)).first()


def requeue(
    session: Session, *, document_id: uuid.UUID, now: datetime, actor: str, max_attempts: int | None = None,
) -> Job:
    """Reprocess a document: its job goes back to queued with fresh attempts (a running holder loses it)."""
    immediate(session)
    job = latest_job(session, document_id=document_id)
    if job is None:
        job = enqueue(session, document_id=document_id, now=now, max_attempts=max_attempts or 3)
        before = None
    else:
        before = {"status": job.status.value, "attempts": job.attempts, "error_code": job.error_code}
        job.status, job.attempts, job.next_run_at, job.updated_at = JobStatus.QUEUED, 0, now, now
        job.lease_owner = job.lease_expires_at = job.error_code = job.error_detail = job.finished_at = None
        if max_attempts is not None:
            job.max_attempts = max_attempts
        session.add(job)
    session.flush()
    audit(session, actor=actor, action="reprocess", entity="document", entity_id=document_id, now=now,
          before=before, after={"job_id": str(job.id), "status": JobStatus.QUEUED.value})
    return job


def pending_count(session: Session) -> int:
    """Jobs that are queued (due or backing off) or running."""
    stmt = select(func.count()).select_from(Job).where(Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
    return session.exec(stmt).one()
