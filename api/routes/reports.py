"""Reports: ``GET /api/v1/reports?period=day|month|year&date_from=&date_to=&include_duplicates=``.

Contract (role auditor or admin; the query is ``models.reports.invoice_report``)::

    {"period": "month", "date_from": "2026-01-01" | null, "date_to": null, "include_duplicates": false,
     "periods": [                                   # one per bucket of the invoice date, oldest first,
       {"period": "2026-11",                        # "YYYY-MM-DD" | "YYYY-MM" | "YYYY"; null = no date (last)
        "count": 3, "amount_excl_tax": "646908.92", "tax": "6469.08", "total": "653378.00",
        "by_seller": [{"seller_tax_id": "9131...", "seller_name": "...", "count", "amount_excl_tax", "tax",
                       "total"}, ...],              # total descending
        "by_type":   [{"invoice_type": "01", "count", ...}, ...],
        "by_status": [{"status": "accepted", "count", ...}, ...]},
       ...],
     "overall": {"count", "amount_excl_tax", "tax", "total", "by_seller", "by_type", "by_status"}}

Money is a decimal string with two places; a sum over nothing is "0.00". Duplicates are left out unless
``include_duplicates=true``. ``date_from``/``date_to`` are inclusive; with either, undated invoices are
left out. 422 ``invalid_request`` for an unknown period or a bad date, and when date_from > date_to.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import ApiError, SessionDep, require
from models.audit import ApiKey, Role
from models.reports import Period, ReportPublic, invoice_report

router = APIRouter(tags=["reports"])

Auditor = Annotated[ApiKey, Depends(require(Role.AUDITOR))]


@router.get("/reports", response_model=ReportPublic)
def get_report(
    session: SessionDep, key: Auditor,
    period: Annotated[Period, Query(description="bucket of the invoice date")] = Period.MONTH,
    date_from: Annotated[dt.date | None, Query(description="inclusive")] = None,
    date_to: Annotated[dt.date | None, Query(description="inclusive")] = None,
    include_duplicates: Annotated[bool, Query(description="count invoices marked duplicate_of too")] = False,
) -> ReportPublic:
    if date_from is not None and date_to is not None and date_from > date_to:
        raise ApiError(422, "invalid_request", f"date_from {date_from} is after date_to {date_to}")
    return invoice_report(session=session, period=period, date_from=date_from, date_to=date_to,
                          include_duplicates=include_duplicates)
