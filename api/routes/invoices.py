"""Invoices: search, one invoice with everything archived for it, corrections.

Contract
- ``GET /api/v1/invoices`` (reviewer, auditor, admin): the filters of ``api.search.InvoiceFilters`` as query
  parameters -> ``{"data": [InvoicePublic...], "count": N}`` (count before limit/offset).
- ``GET /api/v1/invoices/{id}`` (reviewer, auditor, admin): ``InvoiceDetailPublic``: every field column,
  status, verification status, duplicate_of, line items, field provenance (value, confidence, source,
  page, box, alternatives) and issues; plus ``history``: the invoice's AuditEvents, oldest first.
- ``PATCH /api/v1/invoices/{id}`` (reviewer, admin): a JSON object of ``InvoiceUpdate`` fields (unknown
  names are refused with 422); see ``api.corrections``. Returns the updated detail.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlmodel import Session, SQLModel, select

from api.corrections import correct_invoice
from api.deps import ApiError, SessionDep, SettingsDep, actor, require
from api.search import InvoiceFilters, search_invoices
from api.settings import Settings
from models.archive import invoice_detail
from models.audit import ApiKey, AuditEvent, AuditEventPublic, Role
from models.invoices import InvoiceDetailPublic, InvoicePublic, InvoicesPublic, InvoiceUpdate
from models.types import utcnow
from models.verification import VerificationPublic, verification_detail

router = APIRouter(tags=["invoices"])

Reader = Annotated[ApiKey, Depends(require(Role.REVIEWER, Role.AUDITOR))]
Corrector = Annotated[ApiKey, Depends(require(Role.REVIEWER))]


class InvoiceWithHistory(InvoiceDetailPublic):
    """The detail plus the invoice's audit trail, oldest first (capture, recapture, corrections)."""

    history: list[AuditEventPublic]
    verification: VerificationPublic | None = None  # status, next due check, every tax attempt (newest first)


def _with_history(session: Session, invoice_id: uuid.UUID) -> InvoiceWithHistory | None:
    detail = invoice_detail(session, invoice_id=invoice_id)
    if detail is None:
        return None
    events = session.exec(select(AuditEvent).where(AuditEvent.entity == "invoice",
                                                   AuditEvent.entity_id == str(invoice_id))
                          .order_by(AuditEvent.at, AuditEvent.id)).all()
    verification = verification_detail(session, invoice_id=invoice_id, status=detail.verification_status)
    return InvoiceWithHistory.model_validate(
        detail.model_dump(), update={"history": [AuditEventPublic.model_validate(e) for e in events],
                                     "verification": verification})


class InvoicePatch(InvoiceUpdate):
    """``InvoiceUpdate`` refusing unknown field names (a typo must not be silently ignored)."""

    model_config = SQLModel.model_config | {"extra": "forbid"}


@router.get("/invoices", response_model=InvoicesPublic)
def list_invoices(
    session: SessionDep, key: Reader, filters: Annotated[InvoiceFilters, Query()],
) -> InvoicesPublic:
    found, count = search_invoices(session=session, filters=filters)
    return InvoicesPublic(data=[InvoicePublic.model_validate(inv) for inv in found], count=count)


@router.get("/invoices/{invoice_id}", response_model=InvoiceWithHistory)
def get_invoice(invoice_id: uuid.UUID, session: SessionDep, key: Reader) -> InvoiceWithHistory:
    detail = _with_history(session, invoice_id)
    if detail is None:
        raise ApiError(404, "invoice_not_found", f"no invoice {invoice_id}")
    return detail


@router.patch("/invoices/{invoice_id}", response_model=InvoiceWithHistory)
def patch_invoice(
    invoice_id: uuid.UUID, patch: InvoicePatch, session: SessionDep, settings: SettingsDep, key: Corrector,
) -> InvoiceWithHistory:
    changes = patch.model_dump(exclude_unset=True)
    if not changes:
        raise ApiError(422, "nothing_to_change", "send at least one invoice field or status")
    if "status" in changes and changes["status"] is None:
        raise ApiError(422, "invalid_request", "status cannot be null")
    return apply_correction(invoice_id, changes, session=session, settings=settings, key=key)


def apply_correction(
    invoice_id: uuid.UUID, changes: dict, *, session: Session, settings: Settings, key: ApiKey,
) -> InvoiceWithHistory:
    """A person's changes, re-validated and audited (``api.corrections``); the invoice as it is now."""
    config = settings.invoice_config()
    now = utcnow()
    inv = correct_invoice(session=session, invoice_id=invoice_id, changes=changes, actor=actor(key), now=now,
                          today=now.astimezone().date(), config=config.validation, vendors=config.vendors)
    if inv is None:
        raise ApiError(404, "invoice_not_found", f"no invoice {invoice_id}")
    return _with_history(session, invoice_id)
