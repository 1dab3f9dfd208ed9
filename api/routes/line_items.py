"""Line item corrections: ``PUT /api/v1/invoices/{id}/line_items`` (reviewer, admin).

Contract: the body is ``{"line_items": [LineItemIn...], "status"?: "accepted"|"needs_review"}``: the whole
corrected table, row i = line i (unknown names are refused with 422). ``api.corrections.correct_invoice``
applies it: unchanged cells keep their provenance, changed cells become ``human`` values, the invoice is
re-validated and one ``correct`` AuditEvent holds the table before and after. Returns the invoice detail with
its history, as ``GET /api/v1/invoices/{id}``; 404 ``invoice_not_found``.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from api.corrections import LineItemIn
from api.deps import SessionDep, SettingsDep, require
from api.routes.invoices import InvoiceWithHistory, apply_correction
from capture.invoice import InvoiceStatus
from models.audit import ApiKey, Role

router = APIRouter(tags=["invoices"])

Corrector = Annotated[ApiKey, Depends(require(Role.REVIEWER))]
MAX_LINES = 1000


class LineItemsPut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_items: list[LineItemIn] = Field(max_length=MAX_LINES, description="the whole corrected table")
    status: InvoiceStatus | None = Field(default=None, description="a person accepting or rejecting the invoice")


@router.put("/invoices/{invoice_id}/line_items", response_model=InvoiceWithHistory)
def put_line_items(
    invoice_id: uuid.UUID, body: LineItemsPut, session: SessionDep, settings: SettingsDep, key: Corrector,
) -> InvoiceWithHistory:
    changes: dict = {"line_items": body.line_items}
    if body.status is not None:
        changes["status"] = body.status
    return apply_correction(invoice_id, changes, session=session, settings=settings, key=key)
