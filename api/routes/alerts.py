"""Alerts of the tax cross-check: what a finance team must look at.

Contract: ``GET /api/v1/alerts?kind=&limit=&offset=`` (reviewer, auditor, admin) -> ``{"data": [...], "count": N}``.
Each alert: ``{"kind", "invoice_id", "url", "invoice_type", "invoice_code", "invoice_number", "date", "total",
"seller_name", "verification_status", "since", "detail"}``; ``url`` is the invoice's ``/api/v1/invoices/{id}``.
``count`` is exact; only the page's rows are read. Kinds (``models.alerts``): ``missing`` (not found by the
tax system after the whole re-check schedule, +1 h ... +72 h; detail: first_not_found_at, next_check_at),
``mismatch`` (detail.differences: ``[{"field", "submitted", "registered"}]``), ``voided`` / ``red_flushed``
(detail: registry record, accepted, previously_verified), ``duplicate`` (detail: duplicate_of,
duplicate_of_url, key). ``kind`` may repeat.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from api.deps import SessionDep, require
from models.alerts import ALERT_KINDS, alert_page
from models.audit import ApiKey, Role

router = APIRouter(tags=["alerts"])

Reader = Annotated[ApiKey, Depends(require(Role.REVIEWER, Role.AUDITOR))]
AlertKind = Literal["missing", "mismatch", "voided", "red_flushed", "duplicate"]


class AlertsPublic(BaseModel):
    data: list[dict]
    count: int


@router.get("/alerts", response_model=AlertsPublic)
def list_alerts(
    session: SessionDep, key: Reader, kind: Annotated[list[AlertKind] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200, offset: Annotated[int, Query(ge=0)] = 0,
) -> AlertsPublic:
    page, count = alert_page(session, kinds=kind or ALERT_KINDS, offset=offset, limit=limit)
    return AlertsPublic(data=page, count=count)
