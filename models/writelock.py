"""One SQLite writer at a time per process, in arrival order, without the busy handler's sleeps.

SQLite lets one connection write at a time. A connection that finds the write lock taken waits in
SQLite's busy handler, which polls with growing sleeps (up to 100 ms): when the lock frees, the waiters
are asleep, and under many concurrent uploads most of an acknowledgment's time was spent sleeping
while the database sat idle, in random order (measured: p50 133 ms, p95 657 ms at 93 uploads/s with
32 uploaders and no OCR). Here the threads of one process queue for the write lock on a FIFO lock
instead: ``BEGIN IMMEDIATE`` is issued by the thread at the head of the queue, which hands the lock to
the next one the moment its transaction ends. Other processes (separate workers) still meet in SQLite's
busy handler, as before.

Contract
- ``writer_lock(path)``: the process-wide ``FifoLock`` of the database file at ``path``.
- ``LockingConnection``: the ``sqlite3.Connection`` factory of ``models.db``'s SQLite engines.
  ``hold(lock, timeout)`` takes ``lock`` (FIFO) for this connection's next write transaction; commit,
  rollback and close release it afterwards. A lock not obtained within ``timeout`` seconds is not held:
  the transaction then proceeds to SQLite's own busy handler, so a thread that already writes through
  another connection waits as long as before but cannot deadlock on this lock.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import deque


class FifoLock:
    """A lock granted in request order: ``release`` hands it straight to the longest waiter."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiters: deque[threading.Event] = deque()
        self._held = False

    def acquire(self, timeout: float) -> bool:
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            turn = threading.Event()
            self._waiters.append(turn)
        if turn.wait(timeout):
            return True
        with self._mutex:
            if turn.is_set():  # handed over just as the wait timed out: it is ours
                return True
            self._waiters.remove(turn)
            return False

    def release(self) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().set()  # stays held: now by the next waiter
            else:
                self._held = False

    @property
    def waiting(self) -> int:
        with self._mutex:
            return len(self._waiters)


_locks: dict[str, FifoLock] = {}
_locks_mutex = threading.Lock()


def writer_lock(path: str) -> FifoLock:
    with _locks_mutex:
        return _locks.setdefault(path, FifoLock())


class LockingConnection(sqlite3.Connection):
    """A sqlite3 connection that holds a process-wide writer lock for the length of a write transaction."""

    _held: FifoLock | None = None

    def hold(self, lock: FifoLock, timeout: float) -> None:
        if self._held is None and lock.acquire(timeout):
            self._held = lock

    def _release(self) -> None:
        lock, self._held = self._held, None
        if lock is not None:
            lock.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._release()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._release()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release()
