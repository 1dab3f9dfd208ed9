"""Alerts of the tax cross-check: the invoices a finance team must look at, read page by page.

Contract: ``alert_page(session, kinds=, offset=, limit=)`` returns ``(alerts, count)``: ``count`` is the exact
number of alerts of those kinds; the page lists them kind by kind in ``ALERT_KINDS`` order (within a kind,
newest problem first) and reads from the database only the rows of the page. ``alerts(session, kinds=)``
is every alert of those kinds. Each alert: ``{"kind", "invoice_id", "url", "invoice_type", "invoice_code",
"invoice_number", "date", "total", "seller_name", "verification_status", "since", "detail"}``. Kinds:
``missing`` (not found after the whole re-check schedule; detail: first_not_found_at, next_check_at),
``mismatch`` (detail: code, differences), ``voided`` / ``red_flushed`` (detail: code, registry record,
accepted, previously_verified), ``duplicate`` (detail: duplicate_of, duplicate_of_url, key).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from capture.invoice import InvoiceStatus
from capture.taxcheck import Kind
from models.invoices import DUPLICATE, Invoice, InvoiceIssue, VerificationStatus
from models.verification import VerificationAttempt, VerificationSchedule

ALERT_KINDS = ("missing", "mismatch", "voided", "red_flushed", "duplicate")
_STATUS = {"mismatch": VerificationStatus.MISMATCH, "voided": VerificationStatus.VOIDED,
           "red_flushed": VerificationStatus.RED_FLUSHED}


def _rows(kind: str):
    """The kind's rows, newest problem first (ties on the invoice id)."""
    if kind == "missing":
        return (select(Invoice, VerificationSchedule)
                .join(VerificationSchedule, col(VerificationSchedule.invoice_id) == Invoice.id)
                .where(Invoice.verification_status == VerificationStatus.NOT_FOUND,
                       col(VerificationSchedule.missing_at).is_not(None))
                .order_by(col(VerificationSchedule.missing_at).desc(), Invoice.id))
    if kind == "duplicate":
        return (select(Invoice, InvoiceIssue).join(InvoiceIssue, col(InvoiceIssue.invoice_id) == Invoice.id)
                .where(InvoiceIssue.code == DUPLICATE).order_by(col(Invoice.created_at).desc(), Invoice.id))
    return (select(Invoice).where(Invoice.verification_status == _STATUS[kind])
            .order_by(col(Invoice.updated_at).desc(), Invoice.id))


def _count(session: Session, kind: str) -> int:
    return session.exec(select(func.count()).select_from(_rows(kind).order_by(None).subquery())).one()


def alert_page(session: Session, *, kinds: Sequence[str] = ALERT_KINDS, offset: int = 0,
               limit: int = 200) -> tuple[list[dict[str, Any]], int]:
    chosen = [k for k in ALERT_KINDS if k in kinds]
    counts = {k: _count(session, k) for k in chosen}
    out: list[dict[str, Any]] = []
    for kind in chosen:
        if len(out) >= limit:
            break
        if offset >= counts[kind]:
            offset -= counts[kind]
            continue
        rows = session.exec(_rows(kind).offset(offset).limit(limit - len(out))).all()
        out += [_DETAIL[kind](session, row) for row in rows]
        offset = 0
    return out, sum(counts.values())


def alerts(session: Session, *, kinds: Sequence[str] = ALERT_KINDS) -> list[dict[str, Any]]:
    return alert_page(session, kinds=kinds, limit=2 ** 31)[0]


def _alert(kind: str, inv: Invoice, since: dt.datetime | None, detail: dict[str, Any]) -> dict[str, Any]:
    return {"kind": kind, "invoice_id": str(inv.id), "url": f"/api/v1/invoices/{inv.id}",
            "invoice_type": inv.invoice_type, "invoice_code": inv.invoice_code,
            "invoice_number": inv.invoice_number, "date": inv.date.isoformat() if inv.date else None,
            "total": str(inv.total) if inv.total is not None else None, "seller_name": inv.seller_name,
            "verification_status": inv.verification_status.value, "since": since.isoformat() if since else None,
            "detail": detail}


def _last_attempt(session: Session, invoice_id: uuid.UUID, outcome: str) -> VerificationAttempt | None:
    return session.exec(select(VerificationAttempt).where(VerificationAttempt.invoice_id == invoice_id,
                                                          VerificationAttempt.outcome == outcome)
                        .order_by(col(VerificationAttempt.at).desc(), col(VerificationAttempt.id).desc())
                        .limit(1)).first()


def _first_not_found(session: Session, invoice_id: uuid.UUID, since: dt.datetime) -> dt.datetime | None:
    return session.exec(select(sa.func.min(VerificationAttempt.at)).where(
        VerificationAttempt.invoice_id == invoice_id, VerificationAttempt.outcome == Kind.NOT_FOUND.value,
        VerificationAttempt.at >= since)).one()


def _missing(session: Session, row) -> dict[str, Any]:
    inv, sched = row
    first = _first_not_found(session, inv.id, sched.scheduled_at)
    return _alert("missing", inv, sched.missing_at, {
        "first_not_found_at": first.isoformat() if first else None,
        "next_check_at": sched.due_at.isoformat() if sched.due_at else None})


def _answered(kind: str) -> Callable[[Session, Invoice], dict[str, Any]]:
    def detail(session: Session, inv: Invoice) -> dict[str, Any]:
        last = _last_attempt(session, inv.id, _STATUS[kind].value)
        response = (last.response or {}) if last else {}
        out: dict[str, Any] = {"code": last.code if last else None}
        if kind == "mismatch":
            out["differences"] = response.get("differences") or []
        else:
            out["registry"] = response.get("invoice")
            out["accepted"] = inv.status == InvoiceStatus.ACCEPTED
            out["previously_verified"] = _last_attempt(session, inv.id, Kind.VERIFIED.value) is not None
        return _alert(kind, inv, last.at if last else None, out)

    return detail


def _duplicate(session: Session, row) -> dict[str, Any]:
    inv, issue = row
    original = issue.detail.get("duplicate_of") or (str(inv.duplicate_of) if inv.duplicate_of else None)
    return _alert("duplicate", inv, inv.created_at, {
        "duplicate_of": original, "duplicate_of_url": f"/api/v1/invoices/{original}" if original else None,
        "key": issue.detail.get("key")})


_DETAIL: dict[str, Callable[[Session, Any], dict[str, Any]]] = {
    "missing": _missing, "duplicate": _duplicate, **{k: _answered(k) for k in _STATUS}}
