"""The capture worker: the one place that joins the database and the pipeline.

Contract
- ``Worker.run_once(now=None)`` claims one due job (None when there is none), reads the original from
  the blob store, runs ``capture_invoices`` and, in ONE transaction, marks the job done and archives the
  result (``models.archive``). A ``CaptureError`` (bad input, OCR failure, missing original) fails the job
  at once with its code; any other exception is retried with a backoff up to the job's max attempts
  (then failed with ``internal_error``). A worker that lost its lease meanwhile (it was too slow, or the
  document was re-queued) discards its result.
- Without an injected ``now`` the clock is read and a heartbeat thread keeps the lease alive while the
  pipeline runs; killed workers stop heartbeating, the lease expires and another worker redoes the job.
- ``run_forever(stop)`` polls until ``stop`` is set (finishing the job in hand); ``drain()`` runs until no job
  is queued or running. ``run_processes(n, stop)`` runs n separate worker processes (``invoice-capture
  worker --concurrency N``), each with its own database engine and OCR engine.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from capture.errors import CaptureError
from capture.invoices import InvoiceConfig, capture_invoices
from capture.ocr.base import OcrEngine
from capture.phash import page_hash
from models.archive import archive_result
from models.blobs import BlobStore
from models.documents import Document, Job
from models.jobs import JobPolicy, claim, complete, fail, heartbeat, pending_count
from models.types import utcnow
from models.verification import schedule_pending

if TYPE_CHECKING:
    from api.settings import Settings

log = logging.getLogger("invoice_capture.worker")
INTERNAL_ERROR = "internal_error"


@dataclass(frozen=True)
class WorkerConfig:
    invoice: InvoiceConfig = field(default_factory=InvoiceConfig)
    policy: JobPolicy = field(default_factory=JobPolicy)
    lease_seconds: float = 60.0
    poll_seconds: float = 1.0
    nice: int = 10

    @property
    def heartbeat_seconds(self) -> float:
        return self.lease_seconds / 3

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkerConfig:
        return cls(invoice=settings.invoice_config(), policy=settings.job_policy(),
                   lease_seconds=settings.job_lease_seconds, poll_seconds=settings.worker_poll_seconds,
                   nice=settings.worker_nice)


def lower_priority(nice: int) -> None:
    """Make the calling thread (and the threads it starts: the OCR engine's pool is built lazily on the
    first job, so in this thread) ``nice`` steps less urgent. On Linux niceness is per thread, so in
    ``serve`` the request threads keep theirs: an upload is acknowledged at once even while OCR keeps
    both cores busy, and OCR still gets every cycle the API leaves idle."""
    if nice <= 0 or not hasattr(os, "setpriority"):
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + nice))
    except OSError as exc:  # not permitted here: run at the usual priority
        log.warning("could not lower the worker's CPU priority: %s", exc)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class _Heartbeat:
    """Extends the lease every ``interval`` seconds on its own session until stopped."""

    def __init__(self, worker: Worker, job_id: uuid.UUID) -> None:
        self.worker, self.job_id = worker, job_id
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"heartbeat-{job_id}", daemon=True)

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop_event.set()
        self.thread.join()

    def _run(self) -> None:
        w = self.worker
        while not self.stop_event.wait(w.config.heartbeat_seconds):
            try:
                with w.sessions() as s:
                    held = heartbeat(s, job_id=self.job_id, worker_id=w.worker_id,
                                     lease_seconds=w.config.lease_seconds, now=w.clock())
                    s.commit()
            except Exception:  # a database hiccup: the lease may still be long enough, try again
                log.warning("heartbeat for job %s failed", self.job_id, exc_info=True)
                continue
            if not held:  # re-queued or taken over: completion will be refused, the result discarded
                log.warning("job %s: lease lost while capturing", self.job_id)
                return


class Worker:
    def __init__(
        self, config: WorkerConfig, engine: OcrEngine, sessions: sessionmaker[Session], blobs: BlobStore, *,
        worker_id: str | None = None, clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.config, self.engine, self.sessions, self.blobs = config, engine, sessions, blobs
        self.worker_id = worker_id or worker_name()
        self.clock = clock

    # ------------------------------------------------------------------------------------------ one job

    def run_once(self, now: datetime | None = None) -> Job | None:
        """Claim and process one job; returns it in its final state, or None when none was due."""
        with self.sessions() as s:
            job = claim(s, worker_id=self.worker_id, lease_seconds=self.config.lease_seconds,
                        now=now or self.clock())
            s.commit()
        if job is None:
            return None
        log.info("job %s (document %s) attempt %d: claimed by %s", job.id, job.document_id, job.attempts,
                 self.worker_id)
        if now is not None:  # injected time (tests): no clock, no heartbeat
            return self._process(job, lambda: now)
        with _Heartbeat(self, job.id):
            return self._process(job, self.clock)

    def _process(self, job: Job, now: Callable[[], datetime]) -> Job:
        try:
            with self.sessions() as s:
                document = s.get(Document, job.document_id)
            if document is None:  # deleted while queued: cascades removed the job too; nothing to do
                return job
            data = self.blobs.read(document.sha256)
            pages, found = capture_invoices(data, engine=self.engine, config=self.config.invoice,
                                            today=now().astimezone().date())
            hashes = {item.page.number: page_hash(item.page.prepared.image) for item in found}
        except CaptureError as exc:
            return self._fail(job, exc.code, exc.detail, retry=False, now=now())
        except Exception as exc:
            log.exception("job %s: capture crashed", job.id)
            return self._fail(job, INTERNAL_ERROR, f"{type(exc).__name__}: {exc}", retry=True, now=now())
        try:
            with self.sessions() as s:
                finished = now()
                if not complete(s, job_id=job.id, worker_id=self.worker_id, now=finished):
                    s.rollback()
                    log.warning("job %s: lease lost before completion; result discarded", job.id)
                    return self._reload(job)
                archived = archive_result(s, document=s.get(Document, job.document_id), pages=pages, found=found,
                                          now=finished, actor=f"worker:{self.worker_id}", hashes=hashes)
                # accepted invoices become pending for the tax check (run later by api/verifier.py: never waits)
                schedule_pending(s, now=finished, invoice_ids=[inv.id for inv in archived])
                s.commit()
        except Exception as exc:
            log.exception("job %s: archiving failed", job.id)
            return self._fail(job, INTERNAL_ERROR, f"{type(exc).__name__}: {exc}", retry=True, now=now())
        log.info("job %s: done, %d invoice(s) from %d page(s)", job.id, len(found), pages)
        return self._reload(job)

    def _fail(self, job: Job, code: str, detail: str, *, retry: bool, now: datetime) -> Job:
        with self.sessions() as s:
            failed = fail(s, job_id=job.id, worker_id=self.worker_id, error_code=code, detail=detail, now=now,
                          retry=retry, policy=self.config.policy)
            s.commit()
        if failed is None:
            log.warning("job %s: lease lost before recording failure %s", job.id, code)
            return self._reload(job)
        log.info("job %s: %s (%s) -> %s", job.id, code, detail, failed.status.value)
        return failed

    def _reload(self, job: Job) -> Job:
        with self.sessions() as s:
            return s.get(Job, job.id) or job

    # ------------------------------------------------------------------------------------------ loops

    def run_forever(self, stop: threading.Event) -> None:
        lower_priority(self.config.nice)
        log.info("worker %s started", self.worker_id)
        while not stop.is_set():
            try:
                job = self.run_once()
            except Exception:  # e.g. the database is unreachable for a moment: keep the worker alive
                log.exception("worker %s: claiming failed", self.worker_id)
                job = None
            if job is None:
                stop.wait(self.config.poll_seconds)
        log.info("worker %s stopped", self.worker_id)

    def drain(self, stop: threading.Event | None = None, on_job: Callable[[Job], None] | None = None) -> int:
        """Process jobs until none is queued or running (waiting out backoffs and other workers' leases)."""
        processed = 0
        while stop is None or not stop.is_set():
            job = self.run_once()
            if job is not None:
                processed += 1
                if on_job is not None:
                    on_job(job)
                continue
            with self.sessions() as s:
                if pending_count(s) == 0:
                    break
            (stop or threading.Event()).wait(self.config.poll_seconds)
        return processed


# ------------------------------------------------------------------------------------------ processes


def build_worker(settings: Settings) -> Worker:
    """A worker wired from the settings: its own database engine, session factory and OCR engine."""
    from api.engine import build_engine
    from models.db import make_engine, make_sessions

    engine = make_engine(settings.resolved_database_url())
    return Worker(WorkerConfig.from_settings(settings), build_engine(settings), make_sessions(engine),
                  BlobStore(settings.blob_dir()))


def _process_main(settings: Settings | None = None) -> None:
    """Entry of one worker process (spawned: nothing is inherited but the environment and ``settings``, by
    default read from that environment). It stops after the job in hand on SIGTERM (sent by the parent) or
    when the parent process disappears."""
    from api.settings import get_settings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(processName)s %(levelname)s %(message)s")
    stop = threading.Event()  # process-local: a shared multiprocessing.Event hangs once a waiter is killed
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent decides
    stop_on_signals(stop, (signal.SIGTERM,))
    parent = multiprocessing.parent_process()
    if parent is not None:  # the parent was killed: do not linger as an orphan
        threading.Thread(target=lambda: (parent.join(), stop.set()), name="parent-watch", daemon=True).start()
    build_worker(settings or get_settings()).run_forever(stop)


def stop_on_signals(stop, signals=(signal.SIGINT, signal.SIGTERM)) -> None:
    """Set ``stop`` when one of ``signals`` arrives. The event is set from a helper thread: a handler runs in
    the main thread, possibly while that thread holds the event's own lock inside ``wait()``."""

    def stopping(signum: int) -> None:
        log.info("signal %s: stopping after the job in hand", signal.Signals(signum).name)
        stop.set()

    def handler(signum, _frame) -> None:
        threading.Thread(target=stopping, args=(signum,), name="stop", daemon=True).start()

    for sig in signals:
        signal.signal(sig, handler)


def run_processes(count: int, stop: threading.Event, *, settings: Settings | None = None,
                  restart_delay: float = 2.0) -> None:
    """Run ``count`` worker processes (with ``settings``, by default the environment's) until ``stop`` is
    set, replacing any that dies; then SIGTERM them and wait while each finishes the job in hand."""
    ctx = multiprocessing.get_context("spawn")

    def start(i: int):
        p = ctx.Process(target=_process_main, args=(settings,), name=f"worker-{i}", daemon=False)
        p.start()
        return p

    procs = [start(i) for i in range(count)]
    try:
        while not stop.wait(restart_delay):
            for i, p in enumerate(procs):
                if not p.is_alive():
                    log.warning("%s exited with %s; starting a new one", p.name, p.exitcode)
                    procs[i] = start(i)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.join()
