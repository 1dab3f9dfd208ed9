"""Exports: ``GET /api/v1/invoices/export?format=csv|xlsx&<the filters of GET /api/v1/invoices>``.

Contract
- Role auditor (or admin). The filters, ``sort`` and ``offset`` are those of ``api.search.InvoiceFilters``
  (imported, so the export always selects exactly what the search does); ``limit`` is optional here (default:
  every match). The router is registered before the invoices router so ``/invoices/export`` is not taken for
  an invoice id.
- One row per line item, the invoice's columns repeated on each; an invoice without line items is one row
  with empty item columns. Columns: ``EXPORT_HEADER`` (invoice columns, then ``item_no`` (1-based) and the
  line item columns prefixed ``item_``). Rows follow the search order, items in line order.
- ``format=csv`` (default): UTF-8 with a BOM (Excel then reads Chinese correctly), comma separated, CRLF,
  streamed in batches (the whole export is never held in memory). Values: money/quantities as printed
  decimals, dates ``YYYY-MM-DD``, times ISO 8601 UTC, null as empty. A text value starting with ``= + - @``
  or a tab/CR gets a leading ``'`` so a spreadsheet never evaluates it as a formula.
- ``format=xlsx``: one sheet ``invoices`` (openpyxl, write-only), header row bold and frozen; money,
  quantities and confidence are numbers, dates are dates, times are UTC (Excel has no time zones), text
  cells are always text (a value starting with ``=`` is not a formula; digit strings keep leading zeros).
  More rows than a sheet holds -> 413 ``too_many_rows`` (use CSV or narrower filters).
- ``Content-Disposition: attachment; filename="invoices-<UTC yyyymmdd-HHMMSS>.<csv|xlsx>"``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import Field
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, select

from api import search
from api.deps import ApiError, require
from capture.invoice import FIELD_NAMES, LINE_COLUMNS
from models.audit import ApiKey, Role
from models.invoices import Invoice, LineItem
from models.types import utcnow

router = APIRouter(tags=["exports"])

Auditor = Annotated[ApiKey, Depends(require(Role.AUDITOR))]

BATCH = 500
XLSX_MAX_ROWS = 1_048_576  # one sheet, header included
INVOICE_COLUMNS: tuple[str, ...] = ("id", "document_id", "page", *FIELD_NAMES, "status", "verification_status",
                                    "duplicate_of", "min_confidence", "created_at", "updated_at")
EXPORT_HEADER: tuple[str, ...] = ("invoice_id", *INVOICE_COLUMNS[1:], "item_no",
                                  *(f"item_{c}" for c in LINE_COLUMNS))
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
TRIMMED = ("quantity", "unit_price")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ExportFilters(search.InvoiceFilters):
    format: Literal["csv", "xlsx"] = "csv"
    limit: int | None = Field(default=None, ge=1, description="at most this many invoices (default: all)")


# ------------------------------------------------------------------------------------------ rows


def _statement(session: Session, filters: search.InvoiceFilters):
    """The search's selection in its order, without paging."""
    column = getattr(Invoice, filters.sort.lstrip("-"))
    order = col(column).desc() if filters.sort.startswith("-") else col(column).asc()
    stmt = (select(Invoice).where(*search.filter_conditions(session=session, filters=filters))
            .order_by(col(column).is_(None), order, Invoice.id).offset(filters.offset))
    return stmt.limit(filters.limit) if filters.limit is not None else stmt


def _items(session: Session, invoice_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[LineItem]]:
    out: dict[uuid.UUID, list[LineItem]] = defaultdict(list)
    if invoice_ids:
        stmt = select(LineItem).where(col(LineItem.invoice_id).in_(invoice_ids)).order_by(LineItem.line, LineItem.id)
        for item in session.exec(stmt):
            out[item.invoice_id].append(item)
    return out


def export_rows(session: Session, filters: search.InvoiceFilters) -> Iterator[list[Any]]:
    """Plain Python values in ``EXPORT_HEADER`` order, one list per line item (or per invoice without items)."""
    if session.get_bind().dialect.name == "postgresql":  # one snapshot for the whole export
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    result = session.exec(_statement(session, filters).execution_options(yield_per=BATCH))
    for batch in result.partitions(BATCH):
        items = _items(session, [inv.id for inv in batch])
        for inv in batch:
            head = [getattr(inv, name) for name in INVOICE_COLUMNS]
            rows = items.get(inv.id) or [None]
            for item in rows:
                if item is None:
                    yield [*head, None, *(None for _ in LINE_COLUMNS)]
                else:
                    yield [*head, item.line + 1, *(_trim(c, getattr(item, c)) for c in LINE_COLUMNS)]


def _trim(column: str, value: Any) -> Any:
    """Quantities and unit prices without the zeros the 10-place column pads them with (11.0000000000 -> 11)."""
    if column in TRIMMED and isinstance(value, Decimal) and value.is_finite():
        value = value.normalize()
        return value.quantize(1) if value.as_tuple().exponent > 0 else value
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, float):
        return round(value, 4)
    return value


# ------------------------------------------------------------------------------------------ CSV


def csv_text(value: Any) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    text = str(value)
    return "'" + text if isinstance(value, str) and text.startswith(FORMULA_START) else text


def csv_chunks(rows: Iterable[list[Any]], batch: int = BATCH) -> Iterator[bytes]:
    """UTF-8 CSV with a BOM, in chunks of ``batch`` rows."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    buf.write("\ufeff")
    writer.writerow(EXPORT_HEADER)
    for n, row in enumerate(rows, 1):
        writer.writerow([csv_text(v) for v in row])
        if n % batch == 0:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue().encode("utf-8")


def _csv_stream(sessions: sessionmaker[Session], filters: ExportFilters) -> Iterator[bytes]:
    with sessions() as session:  # its own session: the request's may be closed while the body streams
        yield from csv_chunks(export_rows(session, filters))


# ------------------------------------------------------------------------------------------ XLSX


def write_xlsx(rows: Iterable[list[Any]], out) -> int:
    """Write the rows as an XLSX workbook to the binary file ``out``; returns the number of data rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("invoices")
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name in EXPORT_HEADER:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = bold
        header.append(cell)
    ws.append(header)

    def cell_of(value: Any):
        value = _plain(value)
        if isinstance(value, dt.datetime):
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value)
        if isinstance(value, str):
            cell.data_type = "s"  # text, never a formula
        elif isinstance(value, Decimal):
            cell.number_format = "0.00" if value.as_tuple().exponent == -2 else "General"
        elif isinstance(value, dt.datetime):
            cell.number_format = "yyyy-mm-dd hh:mm:ss"
        elif isinstance(value, dt.date):
            cell.number_format = "yyyy-mm-dd"
        return cell

    n = 0
    try:
        for n, row in enumerate(rows, 1):
            if n >= XLSX_MAX_ROWS:
                raise ApiError(413, "too_many_rows", f"more than {XLSX_MAX_ROWS - 1} rows do not fit in one sheet: "
                               "export CSV or narrow the filters", max_rows=XLSX_MAX_ROWS - 1)
            ws.append([cell_of(v) for v in row])
    except BaseException:
        ws.close()  # finish the sheet's temporary file and remove it
        ws._writer.cleanup()
        raise
    wb.save(out)
    return n


def _file_chunks(f, size: int = 1 << 16) -> Iterator[bytes]:
    try:
        while chunk := f.read(size):
            yield chunk
    finally:
        f.close()


# ------------------------------------------------------------------------------------------ route


@router.get("/invoices/export", response_class=StreamingResponse,
            responses={200: {"content": {MEDIA_TYPES["csv"]: {}, MEDIA_TYPES["xlsx"]: {}}}})
def export_invoices(request: Request, key: Auditor, filters: Annotated[ExportFilters, Query()]) -> StreamingResponse:
    sessions: sessionmaker[Session] = request.app.state.sessions
    name = f"invoices-{utcnow():%Y%m%d-%H%M%S}.{filters.format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if filters.format == "csv":
        return StreamingResponse(_csv_stream(sessions, filters), media_type=MEDIA_TYPES["csv"], headers=headers)
    out = tempfile.TemporaryFile()  # noqa: SIM115  (on disk, then streamed; _file_chunks closes it)
    try:
        with sessions() as session:
            write_xlsx(export_rows(session, filters), out)
        headers["Content-Length"] = str(out.tell())
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return StreamingResponse(_file_chunks(out), media_type=MEDIA_TYPES["xlsx"], headers=headers)
