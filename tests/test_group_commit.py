"""Group commit of uploads (models.ingest.GroupCommit) and the SQLite writer queue (models.writelock)."""

from __future__ import annotations

import os
import threading
import time
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from capture.load import LoadLimits
from models import AuditEvent, Document, Job
from models.db import immediate, make_engine, make_sessions
from models.ingest import GroupCommit
from models.writelock import FifoLock, writer_lock
from tests.db_fixtures import png_bytes

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def args(**kw):
    return {"filename": "a.png", "source": "scanner", "station": "desk-1", "uploader": None, "limits": LoadLimits(),
            "now": T0, **kw}


class Batches:
    """The session factory GroupCommit is given, counting the transactions (one session per batch)."""

    def __init__(self, sessions) -> None:
        self.sessions, self.opened = sessions, 0

    def __call__(self):
        self.opened += 1
        return self.sessions()


def accept_together(group: GroupCommit, blobs, uploads: list[dict]) -> list:
    """One thread per upload while the commit turn is taken, so they all queue up (in order); then let go."""
    results: list = [None] * len(uploads)

    def run(i: int) -> None:
        try:
            results[i] = group.accept(blobs, **uploads[i])
        except Exception as exc:
            results[i] = exc

    with group._turn:
        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(uploads))]
        deadline = time.monotonic() + 30
        for i, t in enumerate(threads):  # each queued before the next starts: the batch is in this order
            t.start()
            while len(group._queue) < i + 1:
                assert time.monotonic() < deadline, "the uploads never queued"
                time.sleep(0.005)
    for t in threads:
        t.join(30)
    return results


@pytest.mark.db
def test_uploads_that_arrive_together_are_committed_in_one_transaction(db, blobs):
    batches = Batches(db.sessions)
    results = accept_together(GroupCommit(batches), blobs, [{"data": png_bytes(i), **args()} for i in range(8)])
    assert batches.opened == 1
    assert all(r.created for r in results) and len({r.document.id for r in results}) == 8
    with db.sessions() as s:
        assert len(s.exec(select(Document)).all()) == 8 and len(s.exec(select(Job)).all()) == 8
        assert len(s.exec(select(AuditEvent).where(AuditEvent.action == "upload")).all()) == 8
    for r in results:
        assert blobs.exists(r.document.sha256)


@pytest.mark.db
def test_the_same_bytes_twice_in_a_batch_and_an_archived_one_are_one_document_each(db, blobs):
    group = GroupCommit(db.sessions)
    archived = group.accept(blobs, png_bytes(1), **args())
    results = accept_together(group, blobs, [{"data": png_bytes(2), **args()}, {"data": png_bytes(2), **args()},
                                             {"data": png_bytes(1), **args()}])
    assert [r.created for r in results] == [True, False, False]
    assert results[0].document.id == results[1].document.id and results[0].job.id == results[1].job.id
    assert (results[2].document.id, results[2].job.id) == (archived.document.id, archived.job.id)
    with db.sessions() as s:
        assert len(s.exec(select(Document)).all()) == 2 and len(s.exec(select(Job)).all()) == 2


@pytest.mark.db
def test_a_row_the_database_refuses_fails_only_its_own_upload(db, blobs):
    batches = Batches(db.sessions)
    stranger = uuid.uuid4()  # no such API key: the foreign key refuses this document
    uploads = [{"data": png_bytes(3), **args()}, {"data": png_bytes(4), **args(uploader=stranger)},
               {"data": png_bytes(5), **args()}]
    results = accept_together(GroupCommit(batches), blobs, uploads)
    assert isinstance(results[1], IntegrityError)
    assert results[0].created and results[2].created
    assert batches.opened == 4  # the batch, then each upload on its own
    with db.sessions() as s:
        assert {d.sha256 for d in s.exec(select(Document)).all()} == {results[0].document.sha256,
                                                                     results[2].document.sha256}


# ------------------------------------------------------------------------------------------ writer queue


def test_the_writer_lock_is_granted_in_request_order():
    lock, order = FifoLock(), []
    assert lock.acquire(1)

    def wait(i: int) -> None:
        assert lock.acquire(30)
        order.append(i)
        lock.release()

    threads = []
    for i in range(6):
        threads.append(threading.Thread(target=wait, args=(i,)))
        threads[-1].start()
        while lock.waiting < i + 1:  # each queued before the next starts
            time.sleep(0.001)
    lock.release()
    for t in threads:
        t.join(30)
    assert order == list(range(6))
    assert lock.acquire(0)  # free again


def test_a_waiter_that_times_out_leaves_the_queue():
    lock = FifoLock()
    assert lock.acquire(1)
    assert not lock.acquire(0.05)
    assert lock.waiting == 0
    lock.release()
    assert lock.acquire(0)


def test_a_sqlite_write_transaction_holds_the_process_writer_lock_until_it_ends(tmp_path):
    path = tmp_path / "w.db"
    engine = make_engine(f"sqlite:///{path}")
    lock = writer_lock(str(path.resolve()))
    try:
        sessions = make_sessions(engine)
        for end in ("commit", "rollback", "close"):
            with sessions() as s:
                immediate(s)
                s.exec(select(1)).one()
                assert not lock.acquire(0), f"free during the transaction ({end})"
                getattr(s, end)()
            assert lock.acquire(0), f"still held after {end}"
            lock.release()
        with sessions() as s:  # a read transaction does not queue
            s.exec(select(1)).one()
            assert lock.acquire(0)
            lock.release()
    finally:
        engine.dispose()


def test_concurrent_writers_in_one_process_all_commit_without_waiting_out_the_busy_handler(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (i INTEGER)")
        sessions, errors = make_sessions(engine), []

        def write(i: int) -> None:
            try:
                for j in range(20):
                    with sessions() as s:
                        immediate(s)
                        s.connection().exec_driver_sql(f"INSERT INTO t VALUES ({i * 100 + j})")
                        s.commit()
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=write, args=(i,)) for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert errors == []
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 320
    finally:
        engine.dispose()


@pytest.mark.skipif(not hasattr(os, "setpriority"), reason="per-thread niceness is a Linux feature")
def test_the_capture_worker_lowers_only_its_own_threads_priority():
    from api.worker import lower_priority

    main_before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    seen = {}

    def worker_thread() -> None:
        before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        lower_priority(5)
        seen["worker"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) - before
        child = threading.Thread(target=lambda: seen.update(
            child=os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) - before))
        child.start()
        child.join()

    t = threading.Thread(target=worker_thread)
    t.start()
    t.join()
    expected = min(5, 19 - main_before)
    assert seen == {"worker": expected, "child": expected}  # the OCR engine's threads, started later, too
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == main_before
