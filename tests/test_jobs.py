"""Durable jobs: claims are exclusive, leases expire, retries are bounded, time is injected (no sleeping)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from models import AuditEvent, Document, Job, JobStatus
from models.jobs import (
    WORKER_LOST,
    JobPolicy,
    claim,
    complete,
    enqueue,
    fail,
    heartbeat,
    latest_job,
    pending_count,
    requeue,
)

pytestmark = pytest.mark.db
T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
LEASE = 30.0


def s_(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def make_jobs(db, n: int, *, max_attempts: int = 3) -> list[Job]:
    jobs = []
    with db.sessions() as s:
        for i in range(n):
            doc = Document(sha256=f"{i:064x}", media_type="image/png", size=1, pages=1, created_at=T0)
            s.add(doc)
            s.flush()
            jobs.append(enqueue(s, document_id=doc.id, now=s_(i / 1000), max_attempts=max_attempts))
        s.commit()
    return jobs


def do_claim(db, worker: str, now: datetime, lease: float = LEASE) -> Job | None:
    with db.sessions() as s:
        job = claim(s, worker_id=worker, lease_seconds=lease, now=now)
        s.commit()
        return job


def get(db, job_id) -> Job:
    with db.sessions() as s:
        return s.get(Job, job_id)


def test_claim_complete_in_queue_order(db):
    jobs = make_jobs(db, 2)
    first = do_claim(db, "w1", s_(1))
    assert first.id == jobs[0].id
    assert (first.status, first.attempts, first.lease_owner, first.lease_expires_at, first.started_at) == (
        JobStatus.RUNNING, 1, "w1", s_(1 + LEASE), s_(1))
    with db.sessions() as s:
        assert complete(s, job_id=first.id, worker_id="w1", now=s_(2))
        s.commit()
    done = get(db, first.id)
    assert (done.status, done.finished_at, done.lease_expires_at) == (JobStatus.DONE, s_(2), None)
    assert do_claim(db, "w1", s_(3)).id == jobs[1].id
    assert do_claim(db, "w1", s_(4)) is None
    with db.sessions() as s:
        assert pending_count(s) == 1  # the second one is running


def test_concurrent_claims_never_hand_a_job_to_two_workers(db):
    workers, rounds = 6, 5
    jobs = make_jobs(db, workers * rounds)
    claimed: dict[str, list] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(workers)

    def worker(name: str) -> None:
        mine = claimed.setdefault(name, [])
        try:
            for _ in range(rounds):  # every round, all workers claim at the same moment: they really compete
                barrier.wait()
                if (job := do_claim(db, name, s_(60))) is not None:
                    mine.append(job.id)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    all_claims = [j for ids in claimed.values() for j in ids]
    assert sorted(all_claims) == sorted(j.id for j in jobs)  # every job once, none twice, none missed
    assert do_claim(db, "late", s_(60)) is None
    with db.sessions() as s:
        rows = s.exec(select(Job)).all()
    assert {(r.status, r.attempts) for r in rows} == {(JobStatus.RUNNING, 1)}
    owner = {j: w for w, ids in claimed.items() for j in ids}
    assert all(r.lease_owner == owner[r.id] for r in rows)


def test_expired_lease_is_reclaimed_and_the_old_holder_is_locked_out(db):
    (job,) = make_jobs(db, 1)
    assert do_claim(db, "a", s_(0)).id == job.id
    assert do_claim(db, "b", s_(LEASE - 1)) is None  # still a's
    with db.sessions() as s:
        assert heartbeat(s, job_id=job.id, worker_id="a", lease_seconds=LEASE, now=s_(20))
        s.commit()
    assert do_claim(db, "b", s_(LEASE + 1)) is None  # the heartbeat extended it to 20 + LEASE
    taken = do_claim(db, "b", s_(20 + LEASE + 1))
    assert (taken.id, taken.lease_owner, taken.attempts) == (job.id, "b", 2)
    with db.sessions() as s:  # the old holder can no longer heartbeat, complete or fail the job
        assert not heartbeat(s, job_id=job.id, worker_id="a", lease_seconds=LEASE, now=s_(60))
        assert not complete(s, job_id=job.id, worker_id="a", now=s_(60))
        assert fail(s, job_id=job.id, worker_id="a", error_code="x", detail="x", now=s_(60), retry=True) is None
        s.commit()
    assert get(db, job.id).lease_owner == "b" and get(db, job.id).status is JobStatus.RUNNING


def test_bounded_retries_with_backoff(db):
    policy = JobPolicy(max_attempts=3, backoff_seconds=10, backoff_max_seconds=15)
    (job,) = make_jobs(db, 1, max_attempts=3)
    now = s_(0)
    for attempt, delay in ((1, 10), (2, 15)):
        claimed = do_claim(db, "w", now)
        assert claimed.attempts == attempt
        with db.sessions() as s:
            failed = fail(s, job_id=job.id, worker_id="w", error_code="internal_error", detail="boom", now=now,
                          retry=True, policy=policy)
            s.commit()
        assert (failed.status, failed.next_run_at, failed.error_code) == (
            JobStatus.QUEUED, now + timedelta(seconds=delay), "internal_error")
        assert do_claim(db, "w", now + timedelta(seconds=delay - 1)) is None  # backing off
        now += timedelta(seconds=delay)
    assert do_claim(db, "w", now).attempts == 3
    with db.sessions() as s:
        last = fail(s, job_id=job.id, worker_id="w", error_code="internal_error", detail="boom 3", now=now,
                    retry=True, policy=policy)
        s.commit()
    assert (last.status, last.error_code, last.error_detail, last.finished_at) == (
        JobStatus.FAILED, "internal_error", "boom 3", now)
    assert do_claim(db, "w", now + timedelta(days=1)) is None
    with db.sessions() as s:
        assert pending_count(s) == 0


def test_non_retryable_failure_fails_at_once(db):
    (job,) = make_jobs(db, 1)
    do_claim(db, "w", s_(0))
    with db.sessions() as s:
        failed = fail(s, job_id=job.id, worker_id="w", error_code="unreadable", detail="corrupt", now=s_(1),
                      retry=False)
        s.commit()
    assert (failed.status, failed.attempts, failed.error_code) == (JobStatus.FAILED, 1, "unreadable")


def test_a_job_whose_worker_dies_every_time_ends_failed(db):
    (job,) = make_jobs(db, 1, max_attempts=2)
    assert do_claim(db, "a", s_(0)).attempts == 1
    assert do_claim(db, "b", s_(LEASE + 1)).attempts == 2
    assert do_claim(db, "c", s_(2 * LEASE + 2)) is None  # no third attempt...
    dead = get(db, job.id)
    assert (dead.status, dead.error_code) == (JobStatus.FAILED, WORKER_LOST)  # ...and it is not stuck running


def test_requeue_for_reprocess(db):
    (job,) = make_jobs(db, 1)
    do_claim(db, "w", s_(0))
    with db.sessions() as s:
        fail(s, job_id=job.id, worker_id="w", error_code="unreadable", detail="x", now=s_(1), retry=False)
        s.commit()
    with db.sessions() as s:
        again = requeue(s, document_id=job.document_id, now=s_(5), actor="key:reviewer")
        s.commit()
    assert again.id == job.id
    assert (again.status, again.attempts, again.error_code, again.next_run_at) == (JobStatus.QUEUED, 0, None, s_(5))
    with db.sessions() as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "reprocess")).one()
        assert event.actor == "key:reviewer" and event.before["status"] == "failed"
        assert latest_job(s, document_id=job.document_id).id == job.id
    assert do_claim(db, "w2", s_(5)).attempts == 1


def test_requeue_while_running_takes_the_job_from_its_worker(db):
    (job,) = make_jobs(db, 1)
    do_claim(db, "old", s_(0))
    with db.sessions() as s:
        requeue(s, document_id=job.document_id, now=s_(1), actor="cli")
        s.commit()
    with db.sessions() as s:
        assert not complete(s, job_id=job.id, worker_id="old", now=s_(2))
    assert do_claim(db, "new", s_(2)).lease_owner == "new"
