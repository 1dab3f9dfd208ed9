"""Accept one uploaded file: the single code path of every upload (API, CLI ingest, hot folder).

Contract: ``accept_upload(session, blobs, data, filename=, source=, station=, uploader=, limits=, now=)``
(= ``store_upload`` for steps 1-2, then ``commit_uploads`` for step 3; ``GroupCommit.accept`` takes the
same arguments and commits the rows of concurrent uploads together, which the HTTP API uses)
1. checks the bytes from their headers only (``capture.load.probe``: content sniffing, byte/page/pixel
   limits, structure checks that find truncated files; no pixel is decoded, so the acknowledgment stays
   cheap) and raises the typed ``CaptureError`` otherwise (``empty_file``, ``unsupported_type``,
   ``too_large``, ``unreadable``) before anything is written. Content that is corrupt inside a whole file
   is found by the worker's full decode: its job fails with ``unreadable``;
2. writes the original to the blob store (fsynced) FIRST;
3. then commits the ``Document``, its queued ``Job`` and an ``upload`` AuditEvent in ONE transaction.
When it returns, the upload is durable. The same bytes again (even concurrently) return the existing
document and its job with ``created=False``; no second record is made. The session's transaction is
committed (or rolled back on error) here.

Idempotency keys: ``request_fingerprint`` digests a request (form fields, file names and contents);
``find_idempotent`` returns the stored first response for (API key, key) unless it is older than
``IDEMPOTENCY_TTL`` (then it is forgotten); ``remember_idempotent`` stores one and, when a concurrent
request stored the same key first, returns that one instead.
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from capture.load import LoadLimits, probe
from models.audit import audit
from models.blobs import BlobStore
from models.db import immediate
from models.documents import Document, DocumentSource, IdempotencyKey, Job
from models.jobs import enqueue, latest_job


@dataclass(frozen=True)
class Accepted:
    document: Document
    job: Job
    created: bool  # False: these bytes were already archived as ``document``


@dataclass(frozen=True)
class Stored:
    """An upload whose bytes passed the header checks and are durable in the blob store; rows to commit."""

    digest: str
    media_type: str
    size: int
    pages: int
    source: DocumentSource
    station: str | None
    filename: str | None
    uploader: uuid.UUID | None
    now: datetime
    max_attempts: int
    actor: str


def inspect_upload(data: bytes, limits: LoadLimits) -> tuple[str, int]:
    """(media type, pages) of an upload whose headers are within the limits; raises CaptureError otherwise."""
    found = probe(data, limits)
    return found.media_type, found.pages


def store_upload(
    blobs: BlobStore, data: bytes, *, filename: str | None, source: DocumentSource | str, station: str | None,
    uploader: uuid.UUID | None, limits: LoadLimits, now: datetime, max_attempts: int = 3, actor: str | None = None,
) -> Stored:
    """Steps 1 and 2: check the headers (CaptureError), then write the bytes, fsynced."""
    source = DocumentSource(source)
    media_type, pages = inspect_upload(data, limits)
    digest = blobs.put(data)  # durable before any row names it
    return Stored(digest, media_type, len(data), pages, source, station, filename, uploader, now, max_attempts,
                  actor or (f"key:{uploader}" if uploader else "anonymous"))


def find_document(session: Session, *, sha256: str) -> Document | None:
    return session.exec(select(Document).where(Document.sha256 == sha256)).first()


def _existing(session: Session, document: Document, up: Stored) -> Accepted:
    job = latest_job(session, document_id=document.id)
    if job is None:  # cannot happen through this module; repaired rather than failed
        job = enqueue(session, document_id=document.id, now=up.now, max_attempts=up.max_attempts)
    return Accepted(document, job, created=False)


def _new(up: Stored) -> Document:
    return Document(sha256=up.digest, media_type=up.media_type, size=up.size, pages=up.pages, source=up.source,
                    station=up.station, filename=up.filename, uploader_key_id=up.uploader, created_at=up.now)


def _rows(session: Session, stored: list[Stored]) -> list[Accepted]:
    """Step 3 for ``stored`` in the session's (write) transaction: existing documents found by content
    address, new ones added with their job and ``upload`` AuditEvent; the same bytes twice are one document."""
    digests = sorted({up.digest for up in stored})
    known = {d.sha256: d for d in session.exec(select(Document).where(col(Document.sha256).in_(digests)))}
    new = {up.digest: _new(up) for up in stored if up.digest not in known}
    session.add_all(new.values())
    session.flush()  # documents before the rows that reference them (no ORM relationships order them)
    out, jobs = [], {}
    for up in stored:
        if up.digest in known:
            out.append(_existing(session, known[up.digest], up))
            continue
        document = new[up.digest]
        if up.digest in jobs:  # the same bytes earlier in this batch
            out.append(Accepted(document, jobs[up.digest], created=False))
            continue
        job = jobs[up.digest] = enqueue(session, document_id=document.id, now=up.now, max_attempts=up.max_attempts)
        audit(session, actor=up.actor, action="upload", entity="document", entity_id=document.id, now=up.now,
              after={"sha256": up.digest, "filename": up.filename, "source": up.source.value,
                     "station": up.station, "media_type": up.media_type, "size": up.size, "pages": up.pages,
                     "job_id": str(job.id)})
        out.append(Accepted(document, job, created=True))
    return out


def commit_uploads(session: Session, stored: list[Stored]) -> list[Accepted]:
    """Step 3 for many stored uploads in ONE transaction (one commit, one fsync), committed here (or rolled
    back on error). Bytes committed by a concurrent upload meanwhile (unique sha256) are found on a retry."""
    for attempt in range(3):
        try:
            immediate(session)
            out = _rows(session, stored)
            session.commit()
            return out
        except IntegrityError:
            session.rollback()  # the same bytes were committed by a concurrent upload a moment ago
            if attempt == 2:
                raise
        except BaseException:
            session.rollback()
            raise
    raise AssertionError("unreachable")


def accept_upload(
    session: Session, blobs: BlobStore, data: bytes, *, filename: str | None, source: DocumentSource | str,
    station: str | None, uploader: uuid.UUID | None, limits: LoadLimits, now: datetime, max_attempts: int = 3,
    actor: str | None = None,
) -> Accepted:
    stored = store_upload(blobs, data, filename=filename, source=source, station=station, uploader=uploader,
                          limits=limits, now=now, max_attempts=max_attempts, actor=actor)
    return commit_uploads(session, [stored])[0]


class GroupCommit:
    """Uploads arriving together share one transaction: ``accept`` stores the bytes (in the caller's thread,
    concurrently), queues the rows and waits until they are committed. The first waiter to get the commit
    turn commits everything queued by then (at most ``max_batch``); the others find theirs done.

    Under load one commit (one fsync, one write-lock turn) serves a batch of uploads instead of one: with
    32 back-to-back uploaders on SQLite (no OCR) one API process went from ~97 to ~120-160 acknowledgments
    per second. A batch that fails is retried upload by upload, so one bad row fails only its own upload.
    """

    def __init__(self, sessions: Callable[[], Session], *, max_batch: int = 64) -> None:
        self._sessions, self._max_batch = sessions, max_batch
        self._queue: list[_Waiting] = []
        self._mutex = threading.Lock()  # guards _queue
        self._turn = threading.Lock()  # one committer at a time

    def accept(self, blobs: BlobStore, data: bytes, **kwargs: Any) -> Accepted:
        waiting = _Waiting(store_upload(blobs, data, **kwargs))
        with self._mutex:
            self._queue.append(waiting)
        while not waiting.done:
            with self._turn:
                if not waiting.done:
                    with self._mutex:
                        batch, self._queue = self._queue[:self._max_batch], self._queue[self._max_batch:]
                    try:
                        self._commit(batch)
                    finally:  # never leave a waiter of this batch spinning (an interrupt mid-commit)
                        for w in batch:
                            if not w.done:
                                w.finish(error=RuntimeError("the upload's commit was interrupted"))
        if waiting.error is not None:
            raise waiting.error
        assert waiting.result is not None
        return waiting.result

    def _commit(self, batch: list[_Waiting]) -> None:
        try:
            with self._sessions() as session:
                results = commit_uploads(session, [w.stored for w in batch])
        except Exception:
            if len(batch) == 1:
                batch[0].finish(error=sys.exc_info()[1])
                return
            for one in batch:  # find the upload that fails; the others commit on their own
                self._commit([one])
            return
        for w, result in zip(batch, results, strict=True):
            w.finish(result=result)


class _Waiting:
    def __init__(self, stored: Stored) -> None:
        self.stored, self.done = stored, False
        self.result: Accepted | None = None
        self.error: BaseException | None = None

    def finish(self, *, result: Accepted | None = None, error: BaseException | None = None) -> None:
        self.result, self.error, self.done = result, error, True


# ------------------------------------------------------------------------------------------ idempotency

IDEMPOTENCY_TTL = timedelta(hours=24)


def request_fingerprint(*, fields: dict[str, Any], files: Iterable[tuple[str | None, str]]) -> str:
    """SHA-256 of a request: its form ``fields`` and its (file name, SHA-256 of content) pairs in order."""
    body = json.dumps({"fields": fields, "files": list(files)}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def _stored(session: Session, api_key_id: uuid.UUID, key: str) -> IdempotencyKey | None:
    stmt = select(IdempotencyKey).where(IdempotencyKey.api_key_id == api_key_id, IdempotencyKey.key == key)
    return session.exec(stmt).first()


def find_idempotent(
    session: Session, *, api_key_id: uuid.UUID, key: str, now: datetime, ttl: timedelta = IDEMPOTENCY_TTL,
) -> IdempotencyKey | None:
    found = _stored(session, api_key_id, key)
    if found is not None and found.created_at < now - ttl:
        immediate(session)
        session.delete(found)
        session.commit()
        return None
    if found is not None:
        session.expunge(found)  # stays readable after the rollback
    session.rollback()  # end the read: the caller's next transaction begins afresh
    return found


def remember_idempotent(
    session: Session, *, api_key_id: uuid.UUID, key: str, request_hash: str, status_code: int,
    response: dict[str, Any], now: datetime,
) -> IdempotencyKey:
    row = IdempotencyKey(api_key_id=api_key_id, key=key, request_hash=request_hash, status_code=status_code,
                         response=response, created_at=now)
    try:
        immediate(session)
        session.add(row)
        session.commit()
        return row
    except IntegrityError:
        session.rollback()  # a concurrent request with the same key stored its response first
        found = _stored(session, api_key_id, key)
        if found is None:
            raise
        session.expunge(found)
        session.rollback()
        return found
