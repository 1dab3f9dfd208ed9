"""Accept one uploaded file: the single code path of every upload (API, CLI ingest, hot folder).

Contract: ``accept_upload(session, blobs, data, filename=, source=, station=, uploader=, limits=, now=)``
1. checks the bytes the way the pipeline will read them (content sniffing, byte/page/pixel limits, a
   decode that finds corrupt or truncated files) and raises the typed ``CaptureError`` otherwise
   (``empty_file``, ``unsupported_type``, ``too_large``, ``unreadable``) before anything is written;
2. writes the original to the blob store (fsynced) FIRST;
3. then commits the ``Document``, its queued ``Job`` and an ``upload`` AuditEvent in ONE transaction.
When it returns, the upload is durable. The same bytes again (even concurrently) return the existing
document and its job with ``created=False``; no second record is made. The session's transaction is
committed (or rolled back on error) here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from capture.load import LoadLimits, load_pages, sniff
from models.audit import audit
from models.blobs import BlobStore
from models.db import immediate
from models.documents import Document, DocumentSource, Job
from models.jobs import enqueue, latest_job

PROBE_PDF_DPI = 36  # PDF pages are rendered small at upload: enough to prove they render, cheap


@dataclass(frozen=True)
class Accepted:
    document: Document
    job: Job
    created: bool  # False: these bytes were already archived as ``document``


def inspect_upload(data: bytes, limits: LoadLimits) -> tuple[str, int]:
    """(media type, pages) of a readable upload within the limits; raises CaptureError otherwise."""
    media_type = sniff(data)
    pages = load_pages(data, replace(limits, pdf_dpi=min(limits.pdf_dpi, PROBE_PDF_DPI)))
    return media_type, len(pages)


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
