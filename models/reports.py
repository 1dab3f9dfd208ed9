"""Reports over the archive and the audit trail listing (keyword-only query functions).

Contract
- ``invoice_report(session=, period=, date_from=, date_to=, include_duplicates=)`` -> ``ReportPublic``:
  invoices counted and their ``amount_excl_tax``, ``tax`` and ``total`` summed, bucketed by the invoice
  ``date`` per ``period`` (``day`` -> ``"2026-11-12"``, ``month`` -> ``"2026-11"``, ``year`` -> ``"2026"``;
  invoices without a date fall in the bucket ``null``, listed last), and within each bucket broken down by
  seller, by type and by status; the same breakdowns over the whole range and the grand totals follow.
  ``date_from``/``date_to`` are inclusive bounds on the invoice date (an invoice without a date is left
  out when either bound is given). Duplicates (``duplicate_of`` set) are left out unless
  ``include_duplicates``: they are the same invoice twice and would double the sums.
- Grouping is done by the database (GROUP BY on both SQLite and PostgreSQL; the date bucket is
  ``strftime`` on SQLite and ``to_char`` on PostgreSQL). Sums are exact: NUMERIC on PostgreSQL, whole cents
  on SQLite (which stores money as REAL). A sum over no values is ``"0.00"``; money is a decimal string.
- Sellers are grouped by tax id when it is present (the name shown is one of the names written with that
  id), else by name; ``seller_tax_id``/``seller_name`` may be null. Breakdown rows are ordered by total
  descending, then key (sellers), or by key (type, status).
- ``audit_events(session=, invoice_id=, document_id=, action=, actor=, limit=, offset=)`` -> ``(events,
  count)``, newest first: an invoice's events; a document's events plus those of its invoices; or all.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlmodel import Session, col, func, select

from models.audit import AuditEvent
from models.invoices import Invoice

CENT = Decimal("0.01")
MONEY_COLUMNS = ("amount_excl_tax", "tax", "total")


class Period(StrEnum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


SQLITE_FORMATS = {Period.DAY: "%Y-%m-%d", Period.MONTH: "%Y-%m", Period.YEAR: "%Y"}
POSTGRES_FORMATS = {Period.DAY: "YYYY-MM-DD", Period.MONTH: "YYYY-MM", Period.YEAR: "YYYY"}


class Sums(BaseModel):
    count: int = 0
    amount_excl_tax: Decimal = Decimal("0.00")
    tax: Decimal = Decimal("0.00")
    total: Decimal = Decimal("0.00")

    def add(self, other: Sums) -> None:
        self.count += other.count
        for name in MONEY_COLUMNS:
            setattr(self, name, getattr(self, name) + getattr(other, name))


class SellerSums(Sums):
    seller_tax_id: str | None
    seller_name: str | None


class TypeSums(Sums):
    invoice_type: str | None


class StatusSums(Sums):
    status: str


class Breakdown(Sums):
    by_seller: list[SellerSums]
    by_type: list[TypeSums]
    by_status: list[StatusSums]


class PeriodSums(Breakdown):
    period: str | None


class ReportPublic(BaseModel):
    period: Period
    date_from: dt.date | None
    date_to: dt.date | None
    include_duplicates: bool
    periods: list[PeriodSums]
    overall: Breakdown


def _bucket(dialect: str, period: Period):
    if dialect == "sqlite":
        return func.strftime(SQLITE_FORMATS[period], Invoice.date)
    if dialect == "postgresql":
        return func.to_char(Invoice.date, POSTGRES_FORMATS[period])
    raise NotImplementedError(f"reports support SQLite and PostgreSQL, not {dialect}")


def _sum(dialect: str, column) -> Any:
    """SUM as an exact value: NUMERIC on PostgreSQL, whole cents on SQLite (money is REAL there)."""
    if dialect == "sqlite":
        return func.coalesce(func.sum(sa.cast(func.round(column * 100), sa.Integer)), 0)
    return func.coalesce(func.sum(column), 0)


def _money(dialect: str, value: Any) -> Decimal:
    d = Decimal(value or 0)
    return (d / 100 if dialect == "sqlite" else d).quantize(CENT)


def _grouped(session: Session, dialect: str, bucket, keys: list, conds: list, extras: tuple = ()) -> list:
    """``(bucket, (*key values, *extra values), sums)`` per group of ``(bucket, *keys)``; ``extras`` are
    aggregates computed per group (not grouping keys)."""
    stmt = (select(bucket.label("bucket"), *keys, *extras, func.count(Invoice.id),
                   *(_sum(dialect, getattr(Invoice, m)) for m in MONEY_COLUMNS))
            .where(*conds).group_by(bucket, *keys))
    width = len(keys) + len(extras)
    out = []
    for row in session.exec(stmt).all():
        b, values, (count, *money) = row[0], tuple(row[1:1 + width]), row[1 + width:]
        sums = Sums(count=count, **{m: _money(dialect, v) for m, v in zip(MONEY_COLUMNS, money, strict=True)})
        out.append((b, values, sums))
    return out


def _rollup(rows: list[tuple[Any, tuple, Sums]], make: Callable[[tuple, Sums], Sums]) -> dict[Any, dict]:
    """bucket -> key -> merged sums (the merged row built by ``make`` from the first key values)."""
    out: dict[Any, dict] = defaultdict(dict)
    for b, key_values, sums in rows:
        for target in (b, "__overall__"):
            group = out[target]
            key = key_values[0]
            if key not in group:
                group[key] = make(key_values, Sums())
            merged = group[key]
            merged.add(sums)
            if isinstance(merged, SellerSums):  # one spelling of the name across buckets: the greatest
                merged.seller_name = max(filter(None, (merged.seller_name, key_values[1])), default=None)
    return out


def invoice_report(
    *, session: Session, period: Period = Period.MONTH, date_from: dt.date | None = None,
    date_to: dt.date | None = None, include_duplicates: bool = False,
) -> ReportPublic:
    dialect = session.get_bind().dialect.name
    period = Period(period)
    conds: list = []
    if date_from is not None:
        conds.append(Invoice.date >= date_from)
    if date_to is not None:
        conds.append(Invoice.date <= date_to)
    if not include_duplicates:
        conds.append(col(Invoice.duplicate_of).is_(None))
    bucket = _bucket(dialect, period)

    # sellers: the tax id when present, else the name; the shown name is the greatest spelling in the group
    seller_key = func.coalesce(Invoice.seller_tax_id, sa.literal("name:") + func.coalesce(Invoice.seller_name, ""))
    sellers = _grouped(session, dialect, bucket, [seller_key], conds,
                       extras=(func.max(Invoice.seller_name), func.max(Invoice.seller_tax_id)))
    types = _grouped(session, dialect, bucket, [Invoice.invoice_type], conds)
    statuses = _grouped(session, dialect, bucket, [Invoice.status], conds)

    by_seller = _rollup(sellers, lambda kv, s: SellerSums(seller_tax_id=kv[2], seller_name=kv[1]))
    by_type = _rollup(types, lambda kv, s: TypeSums(invoice_type=kv[0]))
    by_status = _rollup(statuses, lambda kv, s: StatusSums(status=getattr(kv[0], "value", kv[0])))

    def breakdown(target: Any) -> dict[str, Any]:
        totals = Sums()
        for s in by_status.get(target, {}).values():
            totals.add(s)
        return {
            **totals.model_dump(),
            "by_seller": sorted(by_seller.get(target, {}).values(),
                                key=lambda s: (-s.total, s.seller_tax_id or "", s.seller_name or "")),
            "by_type": sorted(by_type.get(target, {}).values(), key=lambda s: s.invoice_type or "\uffff"),
            "by_status": sorted(by_status.get(target, {}).values(), key=lambda s: s.status),
        }

    buckets = sorted({b for b, _k, _s in statuses}, key=lambda b: (b is None, b or ""))
    return ReportPublic(
        period=period, date_from=date_from, date_to=date_to, include_duplicates=include_duplicates,
        periods=[PeriodSums(period=b, **breakdown(b)) for b in buckets],
        overall=Breakdown(**breakdown("__overall__")),
    )


# ------------------------------------------------------------------------------------------ audit trail


def audit_events(
    *, session: Session, invoice_id: uuid.UUID | None = None, document_id: uuid.UUID | None = None,
    action: str | None = None, actor: str | None = None, limit: int = 100, offset: int = 0,
) -> tuple[list[AuditEvent], int]:
    conds: list = []
    if invoice_id is not None:
        conds.append(sa.and_(AuditEvent.entity == "invoice", AuditEvent.entity_id == str(invoice_id)))
    if document_id is not None:
        ids = [str(i) for i in session.exec(select(Invoice.id).where(Invoice.document_id == document_id)).all()]
        conds.append(sa.or_(
            sa.and_(AuditEvent.entity == "document", AuditEvent.entity_id == str(document_id)),
            sa.and_(AuditEvent.entity == "invoice", col(AuditEvent.entity_id).in_(ids or [""])),
        ))
    if action is not None:
        conds.append(AuditEvent.action == action)
    if actor is not None:
        conds.append(AuditEvent.actor == actor)
    count = session.exec(select(func.count()).select_from(AuditEvent).where(*conds)).one()
    stmt = (select(AuditEvent).where(*conds).order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
            .offset(offset).limit(limit))
    return list(session.exec(stmt).all()), count
