"""Documents: upload, status, the original file, reprocess.

Contract
- ``POST /api/v1/documents`` (scanner, admin) multipart: one or many files in the field ``files``, optional
  ``source`` (scanner|mobile|folder|api, default api) and ``station``. Every file goes through
  ``models.ingest.GroupCommit.accept`` (bytes fsynced, then Document + Job + AuditEvent committed, together
  with those of uploads arriving at the same moment) BEFORE the response. Each accepted file is
  ``{"id", "job_id", "status", "status_url", "file", "created"}``.
  - All files accepted: 202 ``{"documents": [...]}`` when at least one is new, 200 when every one was
    already archived (the existing documents; never a second record; a ``reupload`` AuditEvent records
    the sender, so a scanner may read the status of bytes another station sent first).
  - One file that is refused: its error, ``{"error": {"code", "detail", "file"}}`` with 413 too_large,
    415 unsupported_type, 422 unreadable/empty_file; nothing is stored.
  - A batch with refused files: every file is tried on its own; the accepted ones are stored and listed,
    a refused one is ``{"file", "error": {...}}`` in ``documents`` (same order as sent). The status is
    202/200 as above when any file was accepted, else the status of the first error (body also carries
    that first ``error``).
  - ``Idempotency-Key`` header (1-255 characters, scoped to the caller's API key, remembered 24 hours): the
    first 200/202 response to a key is stored; the same key with the same request (form fields, file names
    and contents) returns that response again (header ``Idempotent-Replayed: true``) and changes nothing;
    the same key with a different request is 422 ``idempotency_key_reused``, and 409
    ``idempotency_key_conflict`` when a different request with that key finished concurrently. Refusals
    (4xx) are not stored: a retry is checked again. Without the header the same bytes are still the same
    document (content address).
- ``GET /api/v1/documents/{id}`` (scanner: only documents it uploaded; reviewer, auditor, admin):
  ``{"id", "job_id", "status": queued|running|done|failed, "error": {"code", "detail"} | null,
  "invoice_ids": [...]}``.
- ``GET /api/v1/documents/{id}/file`` (reviewer, auditor, admin): the original bytes with their media type
  (``get_document_file``; the route itself is in api/routes/pages.py, which adds ``?boxes=1[&page=N]``).
- ``POST /api/v1/documents/{id}/reprocess`` (reviewer, admin): the job goes back to queued; 202.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Annotated, Any
from urllib.parse import quote

import sqlalchemy as sa
from fastapi import APIRouter, Depends, File, Form, Header, UploadFile
from fastapi.responses import JSONResponse, Response
from sqlmodel import Session, select

from api.app import FileCaptureError, capture_error_status
from api.deps import ApiError, BlobsDep, SessionDep, SettingsDep, UploadsDep, actor, require
from capture.errors import CaptureError, TooLargeError
from models.archive import document_invoices
from models.audit import ApiKey, AuditEvent, Role, audit
from models.db import immediate
from models.documents import Document, DocumentSource, Job
from models.ingest import Accepted, GroupCommit, find_idempotent, remember_idempotent, request_fingerprint
from models.jobs import latest_job, requeue
from models.types import utcnow

router = APIRouter(tags=["documents"])

Uploader = Annotated[ApiKey, Depends(require(Role.SCANNER))]
StatusReader = Annotated[ApiKey, Depends(require(Role.SCANNER, Role.REVIEWER, Role.AUDITOR))]
Reader = Annotated[ApiKey, Depends(require(Role.REVIEWER, Role.AUDITOR))]
Corrector = Annotated[ApiKey, Depends(require(Role.REVIEWER))]
UPLOAD_ACTIONS = ("upload", "reupload")
IDEMPOTENCY_HEADER = "Idempotency-Key"


def status_url(document_id: uuid.UUID) -> str:
    return f"/api/v1/documents/{document_id}"


def _accepted(acc: Accepted, filename: str | None) -> dict[str, Any]:
    return {"id": str(acc.document.id), "job_id": str(acc.job.id), "status": acc.job.status.value,
            "status_url": status_url(acc.document.id), "file": filename, "created": acc.created}


def _read(upload: UploadFile, max_bytes: int) -> bytes:
    """The file's bytes, refusing (without reading further) one larger than the limit."""
    data = upload.file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise TooLargeError(f"the file is larger than the limit of {max_bytes} bytes")
    return data


def _record_reupload(session: Session, key: ApiKey, acc: Accepted, filename: str | None) -> None:
    """The same bytes sent again: remember who sent them (a scanner may then read the document's status)."""
    immediate(session)
    audit(session, actor=actor(key), action="reupload", entity="document", entity_id=acc.document.id,
          now=utcnow(), after={"filename": filename, "sha256": acc.document.sha256})
    session.commit()


def _fingerprint(files: list[UploadFile], source: DocumentSource, station: str | None) -> str:
    """The request's digest: form fields, file names and contents (streamed; each file rewound after)."""
    digests = []
    for upload in files:
        h = hashlib.sha256()
        while chunk := upload.file.read(1 << 20):
            h.update(chunk)
        upload.file.seek(0)
        digests.append((upload.filename, h.hexdigest()))
    return request_fingerprint(fields={"source": source.value, "station": station}, files=digests)


def _replay(stored_hash: str, fingerprint: str, idempotency_key: str, status: int, body: dict) -> JSONResponse:
    if stored_hash != fingerprint:
        raise ApiError(status, "idempotency_key_reused" if status == 422 else "idempotency_key_conflict",
                       f"the {IDEMPOTENCY_HEADER} {idempotency_key!r} was already used with a different request "
                       "(other files or form fields): send a new key for a new request")
    return JSONResponse(body["body"], status_code=body["status"], headers={"Idempotent-Replayed": "true"})


@router.post("/documents", status_code=202)
def upload_documents(
    session: SessionDep, uploads: UploadsDep, blobs: BlobsDep, settings: SettingsDep, key: Uploader,
    files: Annotated[list[UploadFile], File(description="one or many images or PDFs")],
    source: Annotated[DocumentSource, Form()] = DocumentSource.API,
    station: Annotated[str | None, Form(max_length=200)] = None,
    idempotency_key: Annotated[str | None, Header(alias=IDEMPOTENCY_HEADER, min_length=1, max_length=255,
                                                  description="retries with this key return the first response")]
    = None,
) -> JSONResponse:
    if idempotency_key is None:
        return _upload(session, uploads, blobs, settings, key, files, source, station)
    fingerprint = _fingerprint(files, source, station)
    stored = find_idempotent(session, api_key_id=key.id, key=idempotency_key, now=utcnow())
    if stored is not None:
        return _replay(stored.request_hash, fingerprint, idempotency_key, 422,
                       {"body": stored.response, "status": stored.status_code})
    response = _upload(session, uploads, blobs, settings, key, files, source, station)
    if response.status_code in (200, 202):
        body = json.loads(response.body)
        first = remember_idempotent(session, api_key_id=key.id, key=idempotency_key, request_hash=fingerprint,
                                    status_code=response.status_code, response=body, now=utcnow())
        return _replay(first.request_hash, fingerprint, idempotency_key, 409,
                       {"body": first.response, "status": first.status_code}) if first.response != body else response
    return response


def _upload(
    session: Session, uploads: GroupCommit, blobs, settings, key: ApiKey, files: list[UploadFile],
    source: DocumentSource,
    station: str | None,
) -> JSONResponse:
    limits = settings.capture_config().limits
    results: list[dict[str, Any]] = []
    first_error: FileCaptureError | None = None
    for upload in files:
        try:
            acc = uploads.accept(
                blobs, _read(upload, limits.max_bytes), filename=upload.filename, source=source,
                station=station, uploader=key.id, limits=limits, now=utcnow(),
                max_attempts=settings.job_max_attempts, actor=actor(key),
            )
        except CaptureError as exc:
            first_error = first_error or FileCaptureError(exc, upload.filename)
            results.append({"file": upload.filename, "error": {**exc.as_dict(), "file": upload.filename}})
            continue
        if not acc.created:
            _record_reupload(session, key, acc, upload.filename)
        results.append(_accepted(acc, upload.filename))
    accepted = [r for r in results if "error" not in r]
    if first_error is not None and not accepted:
        if len(files) == 1:
            raise first_error
        body = {"error": {**first_error.error.as_dict(), "file": first_error.filename}, "documents": results}
        return JSONResponse(body, status_code=capture_error_status(first_error.error))
    created = any(r["created"] for r in accepted)
    return JSONResponse({"documents": results}, status_code=202 if created else 200)


def _document(session: Session, document_id: uuid.UUID) -> Document:
    document = session.get(Document, document_id)
    if document is None:
        raise ApiError(404, "document_not_found", f"no document {document_id}")
    return document


def _may_read(session: Session, key: ApiKey, document: Document) -> bool:
    if key.role is not Role.SCANNER or document.uploader_key_id == key.id:
        return True
    sent = select(AuditEvent.id).where(
        AuditEvent.entity == "document", AuditEvent.entity_id == str(document.id), AuditEvent.actor == actor(key),
        sa.or_(*(AuditEvent.action == a for a in UPLOAD_ACTIONS)),
    )
    return session.exec(sent.limit(1)).first() is not None


def _status(job: Job | None) -> dict[str, Any]:
    if job is None:
        return {"job_id": None, "status": None, "error": None}
    error = {"code": job.error_code, "detail": job.error_detail} if job.error_code else None
    return {"job_id": str(job.id), "status": job.status.value, "error": error}


@router.get("/documents/{document_id}")
def get_document(document_id: uuid.UUID, session: SessionDep, key: StatusReader) -> dict[str, Any]:
    document = _document(session, document_id)
    if not _may_read(session, key, document):  # a scanner sees only what it sent: as if absent
        raise ApiError(404, "document_not_found", f"no document {document_id}")
    job = latest_job(session, document_id=document.id)
    invoices = document_invoices(session, document_id=document.id)
    return {"id": str(document.id), **_status(job), "invoice_ids": [str(inv.id) for inv in invoices]}


def get_document_file(document_id: uuid.UUID, session: SessionDep, blobs: BlobsDep, key: Reader) -> Response:
    document = _document(session, document_id)
    try:
        data = blobs.read(document.sha256)
    except CaptureError as exc:
        raise ApiError(410, exc.code, f"the original of document {document_id} is missing") from exc
    headers = {}
    if document.filename:
        headers["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(document.filename)}"
    return Response(content=data, media_type=document.media_type, headers=headers)


@router.post("/documents/{document_id}/reprocess", status_code=202)
def reprocess_document(
    document_id: uuid.UUID, session: SessionDep, settings: SettingsDep, key: Corrector,
) -> dict[str, Any]:
    immediate(session)
    document = _document(session, document_id)
    job = requeue(session, document_id=document.id, now=utcnow(), actor=actor(key),
                  max_attempts=settings.job_max_attempts)
    session.commit()
    return {"id": str(document.id), "job_id": str(job.id), "status": job.status.value,
            "status_url": status_url(document.id)}
