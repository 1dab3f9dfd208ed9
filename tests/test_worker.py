"""The worker: one job end to end, failure funnels, lost leases, heartbeats, draining the queue (fake OCR)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from api.worker import INTERNAL_ERROR, Worker, WorkerConfig
from capture.errors import OcrEngineError
from capture.load import LoadLimits
from models import AuditEvent, FieldProvenance, Invoice, Job, JobStatus
from models.archive import document_invoices
from models.ingest import accept_upload
from models.jobs import JobPolicy, claim, requeue
from models.types import utcnow
from tests.db_fixtures import VAT_SPECIAL_LINES, FakeEngine, png_bytes

pytestmark = pytest.mark.db
T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
CONFIG = WorkerConfig(policy=JobPolicy(max_attempts=3, backoff_seconds=5), lease_seconds=30, poll_seconds=0.05)


def upload(db, blobs, seed: int, now: datetime = T0):
    with db.sessions() as s:
        return accept_upload(s, blobs, png_bytes(seed), filename=f"{seed}.png", source="api", station=None,
                             uploader=None, limits=LoadLimits(), now=now)


def job_of(db, acc) -> Job:
    with db.sessions() as s:
        return s.get(Job, acc.job.id)


def invoices_of(db, acc) -> list[Invoice]:
    with db.sessions() as s:
        return document_invoices(s, document_id=acc.document.id)


def test_run_once_captures_and_archives(db, blobs):
    acc = upload(db, blobs, 1)
    engine = FakeEngine(VAT_SPECIAL_LINES)
    worker = Worker(CONFIG, engine, db.sessions, blobs, worker_id="w1")
    job = worker.run_once(T0 + timedelta(seconds=1))
    assert (job.id, job.status, job.attempts, job.finished_at) == (acc.job.id, JobStatus.DONE, 1,
                                                                    T0 + timedelta(seconds=1))
    (inv,) = invoices_of(db, acc)
    assert (inv.invoice_code, inv.invoice_number) == ("3100265530", "96985775")
    with db.sessions() as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.entity == "invoice")).one()
    assert event.actor == "worker:w1"
    assert worker.run_once(T0 + timedelta(seconds=2)) is None and engine.calls == 1


def test_capture_errors_fail_at_once_with_their_code(db, blobs):
    acc = upload(db, blobs, 2)
    engine = FakeEngine(error=OcrEngineError("the OCR model could not be loaded"))
    job = Worker(CONFIG, engine, db.sessions, blobs).run_once(T0)
    assert (job.status, job.attempts, job.error_code, job.error_detail) == (
        JobStatus.FAILED, 1, "ocr_failed", "the OCR model could not be loaded")
    assert engine.calls == 1 and invoices_of(db, acc) == []


def test_a_missing_original_fails_the_job(db, blobs):
    acc = upload(db, blobs, 3)
    blobs.path(acc.document.sha256).unlink()
    job = Worker(CONFIG, FakeEngine(VAT_SPECIAL_LINES), db.sessions, blobs).run_once(T0)
    assert (job.status, job.error_code) == (JobStatus.FAILED, "file_not_found")


def test_unexpected_errors_are_retried_then_failed(db, blobs):
    acc = upload(db, blobs, 4)
    engine = FakeEngine(error=RuntimeError("segfault-ish"))
    worker = Worker(CONFIG, engine, db.sessions, blobs)
    now = T0
    for attempt, delay in ((1, 5), (2, 10)):
        job = worker.run_once(now)
        assert (job.status, job.attempts, job.error_code) == (JobStatus.QUEUED, attempt, INTERNAL_ERROR)
        assert job.next_run_at == now + timedelta(seconds=delay)
        assert worker.run_once(now + timedelta(seconds=delay - 1)) is None
        now += timedelta(seconds=delay)
    job = worker.run_once(now)
    assert (job.status, job.attempts, job.error_code) == (JobStatus.FAILED, 3, INTERNAL_ERROR)
    assert "RuntimeError: segfault-ish" in job.error_detail
    assert engine.calls == 3 and invoices_of(db, acc) == []
    engine.error = None  # fixed; a reprocess request runs it again
    with db.sessions() as s:
        requeue(s, document_id=acc.document.id, now=now, actor="test")
        s.commit()
    assert worker.run_once(now).status is JobStatus.DONE and len(invoices_of(db, acc)) == 1


def test_a_worker_that_lost_its_job_discards_its_result(db, blobs):
    acc = upload(db, blobs, 5)

    class Reprocessed(FakeEngine):
        def recognize(self, images):  # while this worker reads, someone asks for a reprocess
            with db.sessions() as s:
                requeue(s, document_id=acc.document.id, now=T0, actor="reviewer")
                s.commit()
            return super().recognize(images)

    slow = Worker(CONFIG, Reprocessed(VAT_SPECIAL_LINES), db.sessions, blobs, worker_id="slow")
    job = slow.run_once(T0)
    assert (job.status, job.attempts, job.lease_owner) == (JobStatus.QUEUED, 0, None)
    assert invoices_of(db, acc) == []
    done = Worker(CONFIG, FakeEngine(VAT_SPECIAL_LINES), db.sessions, blobs, worker_id="w2").run_once(T0)
    assert done.status is JobStatus.DONE and len(invoices_of(db, acc)) == 1


def test_heartbeat_keeps_the_lease_while_capture_runs(db, blobs):
    acc = upload(db, blobs, 6, now=utcnow())
    stolen: list = []

    class Slow(FakeEngine):
        def recognize(self, images):
            deadline = time.monotonic() + 2.5  # twice the lease
            while time.monotonic() < deadline:
                with db.sessions() as s:
                    stolen.append(claim(s, worker_id="thief", lease_seconds=5, now=utcnow()))
                    s.commit()
                time.sleep(0.1)
            return super().recognize(images)

    config = WorkerConfig(lease_seconds=1.2, poll_seconds=0.05)
    job = Worker(config, Slow(VAT_SPECIAL_LINES), db.sessions, blobs, worker_id="alive").run_once()
    assert job.status is JobStatus.DONE and job.lease_owner == "alive"
    assert stolen and all(x is None for x in stolen)
    assert len(invoices_of(db, acc)) == 1


def test_drain_and_run_forever(db, blobs):
    accs = [upload(db, blobs, 10 + i, now=utcnow()) for i in range(3)]
    worker = Worker(CONFIG, FakeEngine(VAT_SPECIAL_LINES), db.sessions, blobs)
    seen: list = []
    assert worker.drain(on_job=seen.append) == 3
    assert {j.status for j in seen} == {JobStatus.DONE}
    # the same key on three documents: the later two are duplicates of the first
    with db.sessions() as s:
        invoices = s.exec(select(Invoice).order_by(Invoice.created_at)).all()
    assert len(invoices) == 3 and sum(i.duplicate_of is not None for i in invoices) == 2

    late = upload(db, blobs, 20, now=utcnow())
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(stop,))
    thread.start()
    deadline = time.monotonic() + 30
    while job_of(db, late).status is not JobStatus.DONE and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive() and job_of(db, late).status is JobStatus.DONE
    assert all(job_of(db, a).status is JobStatus.DONE for a in accs)
    with db.sessions() as s:
        per_field = s.exec(select(FieldProvenance.invoice_id, FieldProvenance.field)
                           .where(FieldProvenance.line.is_(None), FieldProvenance.alternative == 0)).all()
    assert len(per_field) == len(set(per_field))  # one provenance row per field and invoice
