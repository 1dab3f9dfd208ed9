"""The audit trail: ``GET /api/v1/audit?invoice_id=&document_id=&action=&actor=&limit=&offset=``.

Contract (role auditor or admin; the query is ``models.reports.audit_events``): ``{"data": [AuditEventPublic],
"count": N}`` newest first (``count`` before limit/offset). ``invoice_id``: that invoice's events (capture,
recapture, correct...); ``document_id``: the document's events (upload, reupload, reprocess) and those of
its invoices; both: events matching both; neither: every event. ``limit`` 1..1000 (default 100).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import SessionDep, require
from models.audit import ApiKey, AuditEventPublic, AuditEventsPublic, Role
from models.reports import audit_events

router = APIRouter(tags=["audit"])

Auditor = Annotated[ApiKey, Depends(require(Role.AUDITOR))]


@router.get("/audit", response_model=AuditEventsPublic)
def list_audit_events(
    session: SessionDep, key: Auditor,
    invoice_id: uuid.UUID | None = None, document_id: uuid.UUID | None = None,
    action: Annotated[str | None, Query(max_length=64, description="upload, capture, correct...")] = None,
    actor: Annotated[str | None, Query(max_length=200, description='"key:<id>", "worker", "cli"...')] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> AuditEventsPublic:
    events, count = audit_events(session=session, invoice_id=invoice_id, document_id=document_id, action=action,
                                 actor=actor, limit=limit, offset=offset)
    return AuditEventsPublic(data=[AuditEventPublic.model_validate(e) for e in events], count=count)
