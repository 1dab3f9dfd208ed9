"""A document's file: the original bytes, or a page image with the extracted fields' boxes drawn.

Contract
- ``GET /api/v1/documents/{id}/file`` (reviewer, auditor, admin):
  - without ``boxes`` (or ``boxes=0``): the original bytes with their media type, exactly as
    ``api.routes.documents.get_document_file`` returns them (this route calls it).
  - ``boxes=1[&page=N]`` (``page`` 1-based, default 1): ``image/png`` of page N as ``capture.load`` decodes
    it (EXIF orientation applied; PDF pages rendered): the page every stored box refers to. The chosen value
    (alternative 0) of every invoice field and line item cell of that page that has a box is drawn by
    ``capture.render.draw_boxes``, labelled with its field name (``invoice_number``; line item cells as
    ``item1.amount``, 1-based), coloured by source. ``Content-Disposition: inline`` with
    ``<file stem>-p<N>-boxes.png``.
  - 404 ``document_not_found``; 404 ``page_not_found`` (with ``pages``) for a page the file does not have;
    410 when the original is missing from the blob store; a file that no longer decodes gives its capture
    error (422 ``unreadable``...).
- This router is registered BEFORE the documents router so it answers ``/documents/{id}/file``.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlmodel import Session, col, select

from api.deps import ApiError, BlobsDep, SessionDep, SettingsDep, require
from api.routes.documents import get_document_file
from capture.errors import CaptureError
from models.audit import ApiKey, Role
from models.documents import Document
from models.invoices import FieldProvenance, Invoice

router = APIRouter(tags=["documents"])

Reader = Annotated[ApiKey, Depends(require(Role.REVIEWER, Role.AUDITOR))]


def field_boxes(session: Session, *, document_id: uuid.UUID, page: int) -> list:
    """The labelled boxes of every chosen field value and line item cell on ``page`` of the document."""
    from capture.render import LabelledBox

    rows = session.exec(
        select(FieldProvenance).join(Invoice, col(Invoice.id) == FieldProvenance.invoice_id)
        .where(Invoice.document_id == document_id, FieldProvenance.page == page, FieldProvenance.alternative == 0,
               col(FieldProvenance.x0).is_not(None), col(FieldProvenance.y0).is_not(None),
               col(FieldProvenance.x1).is_not(None), col(FieldProvenance.y1).is_not(None))
        .order_by(col(FieldProvenance.line).is_not(None), FieldProvenance.line, FieldProvenance.id)
    ).all()
    out = []
    for r in rows:
        label = r.field if r.line is None else f"item{r.line + 1}.{r.field}"
        out.append(LabelledBox(label, (r.x0, r.y0, r.x1, r.y1), r.source.value))
    return out


def _filename(document: Document, page: int) -> str:
    stem = PurePath(document.filename).stem if document.filename else str(document.id)
    return f"{stem}-p{page}-boxes.png"


@router.get("/documents/{document_id}/file")
def document_file(
    document_id: uuid.UUID, session: SessionDep, blobs: BlobsDep, settings: SettingsDep, key: Reader,
    boxes: Annotated[bool, Query(description="1: a PNG of the page with the extracted fields' boxes")] = False,
    page: Annotated[int, Query(ge=1, description="1-based page, with boxes=1")] = 1,
) -> Response:
    if not boxes:
        return get_document_file(document_id, session, blobs, key)
    from capture.load import load_pages
    from capture.render import draw_boxes, encode_png

    document = session.get(Document, document_id)
    if document is None:
        raise ApiError(404, "document_not_found", f"no document {document_id}")
    try:
        data = blobs.read(document.sha256)
    except CaptureError as exc:
        raise ApiError(410, exc.code, f"the original of document {document_id} is missing") from exc
    pages = load_pages(data, settings.capture_config().limits)  # a CaptureError is rendered by api.app
    if page > len(pages):
        raise ApiError(404, "page_not_found", f"document {document_id} has {len(pages)} page(s)", pages=len(pages))
    drawn = draw_boxes(pages[page - 1].image, field_boxes(session, document_id=document.id, page=page))
    headers = {"Content-Disposition": f"inline; filename*=UTF-8''{quote(_filename(document, page))}"}
    return Response(content=encode_png(drawn), media_type="image/png", headers=headers)
