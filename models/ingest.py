"""Accept one uploaded file: the single code path of every upload (API, CLI ingest, hot folder).

Contract: ``accept_upload(session, blobs, data, filename=, source=, station=, uploader=, limits=, now=)``
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
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

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


def inspect_upload(data: bytes, limits: LoadLimits) -> tuple[str, int]:
    """(media type, pages) of an upload whose headers are within the limits; raises CaptureError otherwise."""
    found = probe(data, limits)
    return found.media_type, found.pages


def find_document(session: Session, *, sha256: str) -> Document | None:
    return session.exec(select(Document).where(Document.sha256 == sha256)).first()


def _existing(session: Session, document: Document, now: datetime, max_attempts: int) -> Accepted:
    """In the caller's (write) transaction, which is committed here."""
    job = latest_job(session, document_id=document.id)
    if job is None:  # cannot happen through this module; repaired rather than failed
        job = enqueue(session, document_id=document.id, now=now, max_attempts=max_attempts)
    session.commit()
    return Accepted(document, job, created=False)


def accept_upload(
    session: Session, blobs: BlobStore, data: bytes, *, filename: str | None, source: DocumentSource | str,
    station: str | None, uploader: uuid.UUID | None, limits: LoadLimits, now: datetime, max_attempts: int = 3,
    actor: str | None = None,
) -> Accepted:
    source = DocumentSource(source)
    media_type, pages = inspect_upload(data, limits)
    digest = blobs.put(data)  # durable before any row names it
    try:
        immediate(session)
        if (found := find_document(session, sha256=digest)) is not None:
            return _existing(session, found, now, max_attempts)
        document = Document(sha256=digest, media_type=media_type, size=len(data), pages=pages, source=source,
                            station=station, filename=filename, uploader_key_id=uploader, created_at=now)
        session.add(document)
        session.flush()
        job = enqueue(session, document_id=document.id, now=now, max_attempts=max_attempts)
        audit(session, actor=actor or (f"key:{uploader}" if uploader else "anonymous"), action="upload",
              entity="document", entity_id=document.id, now=now,
              after={"sha256": digest, "filename": filename, "source": source.value, "station": station,
                     "media_type": media_type, "size": len(data), "pages": pages, "job_id": str(job.id)})
        session.commit()
    except IntegrityError:
        session.rollback()  # the same bytes were committed by a concurrent upload a moment ago
        immediate(session)
        found = find_document(session, sha256=digest)
        if found is None:
            raise
        return _existing(session, found, now, max_attempts)
    except BaseException:
        session.rollback()
        raise
    return Accepted(document, job, created=True)


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
