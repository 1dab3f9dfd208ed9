"""The tax-authority simulator: an HTTP service standing in for the national invoice verification platform.

Contract (the verification client is written against this; JSON everywhere, UTF-8).

``POST /verify`` -- body ``{"type", "code", "number", "date": "YYYY-MM-DD", "amount", "check_code"}``.
Inputs by our type code (samples/taxsim/rules.py):

* special VAT 01/03/08: ``code`` (10 or 12 digits), ``number`` (8 digits), ``date``, ``amount`` = amount
  before tax (string or number, at most 2 decimals); ``check_code`` ignored;
* ordinary 04/10/11/14: ``code``, ``number``, ``date``, ``check_code`` = the LAST 6 DIGITS of the check code
  (exactly 6 digits; the full 20 are refused); ``amount`` ignored;
* fully digital 31/32: ``code`` empty, absent or null; ``number`` 20 digits starting with the year of issue's
  last two digits; ``date``; ``amount`` = total including tax.

Every answer the platform gives is HTTP 200 with::

    {"code": "001", "message": "checked, consistent", "invoice": {...} | null, "differences": [...],
     "checked_at": "<simulator time, ISO, UTC+8>"}

``code`` (clients never parse ``message``):

* ``001`` consistent: ``invoice`` = the registry's record ``{"type", "code" (null for 31/32), "number",
  "date", "amount_excl_tax", "tax", "total", "check_code", "buyer_name", "buyer_tax_id", "seller_name",
  "seller_tax_id", "status", "status_name"}`` with amounts as strings ("1610.70") and ``status`` "0" normal,
  "1" out of control, "2" voided, "3" red-flushed, "4" abnormal (``status_name`` normal, out_of_control,
  voided, red_flushed, abnormal). A voided or red-flushed invoice is still 001, with its status.
* ``002`` this invoice's daily limit is reached: 5 checks per invoice (code + number) per simulator day; a
  check is a request answered 001, 006 or 009; no other answer spends one.
* ``003`` too frequent, ``004`` server request limit, ``016`` server receiving too many requests (throttling).
* ``005`` illegal request: malformed input, unsupported type, a date in the future, on the day of issue
  (simulator clock, UTC+8 day) or older than 5 years; ``message`` says which rule.
* ``006`` inconsistent: ``differences`` = ``[{"field", "submitted", "registered"}]`` with field one of
  ``type``, ``date``, ``amount_excl_tax`` (special), ``total`` (digital), ``check_code`` (ordinary, both sides
  the last 6 digits); ``invoice`` null.
* ``009`` not found: not registered, or registered with a ``visible_at`` still ahead of the simulator clock.
* ``010`` network timeout, ``015`` system error (injected faults).

Outside the platform's answers: during an outage ``/verify`` answers HTTP 503 ``{"detail": "service
unavailable"}`` (``Retry-After: 60``), or resets the connection with no response at all (the client sees a
transport error); slow responses arrive after a real delay (the client's timeout decides). Faults never apply
to ``/admin``; see faults.py for their order.

Admin API, every call with header ``X-Admin-Key: <key>`` (else HTTP 401):

* ``POST /admin/invoices`` one invoice or a list: ``{"type" | "invoice_type", "code" | "invoice_code",
  "number" | "invoice_number", "date", "amount_excl_tax", "tax", "total", "check_code", "buyer_name",
  "buyer_tax_id", "seller_name", "seller_tax_id", "status" ("0"), "visible_at" (ISO; naive = UTC+8) or
  "visible_after_seconds" (from the simulator clock's now)}``; other keys are ignored, so a sample's
  ``.expected.json`` can be posted as it is. Replaces an invoice with the same code + number.
  -> ``{"registered": n}``. ``GET /admin/invoices`` -> ``{"data": [...], "count": n}``.
* ``POST /admin/invoices/void``, ``POST /admin/invoices/red-flush`` ``{"code"?, "number"}`` (code may be
  left out when the number is unique), ``POST /admin/invoices/status`` ``{"code"?, "number", "status"}``
  -> ``{"invoice": {...}}``; 404 unknown, 409 ambiguous number.
* ``PUT /admin/faults`` (body: faults.FaultConfig, replaces the whole configuration; ``{}`` clears),
  ``GET /admin/faults``.
* ``PUT /admin/clock`` ``{"now": ISO, "frozen": true}`` | ``{"advance_seconds": n}`` | ``{"system": true}``
  -> ``{"now", "today", "frozen"}``; ``GET /admin/clock``.
* ``GET /admin/stats`` -> ``{"total_calls", "results": {code: n}, "registered", "days": [{"day", "calls",
  "checks"}], "invoices": [{"day", "code", "number", "calls", "checks", "results"}],
  "max_checks_per_invoice_day", "max_calls_per_invoice_day"}``; ``calls`` counts every ``/verify`` request
  (503/reset outages under results "503"/"reset", not attributed to an invoice), ``checks`` those answered 001,
  006 or 009.
* ``DELETE /admin/reset``: empties the registry and the statistics, clears the faults, puts the clock back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import socket
import struct
from datetime import datetime
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from samples.taxsim.clock import CST, SimClock, parse_time
from samples.taxsim.faults import FaultConfig, Faults
from samples.taxsim.registry import AmbiguousInvoice, Registry
from samples.taxsim.rules import (
    CHECK_RESULTS,
    DIGITAL,
    MESSAGES,
    STATUS_NAMES,
    TYPES,
    InputError,
    differences,
    parse_amount,
    parse_query,
)

DEFAULT_ADMIN_KEY = "taxsim-admin-key"
DAILY_LIMIT = 5
Status = Literal["0", "1", "2", "3", "4"]


class InvoiceIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: str = Field(validation_alias=AliasChoices("type", "invoice_type"))
    code: str | None = Field(None, validation_alias=AliasChoices("code", "invoice_code"))
    number: str = Field(validation_alias=AliasChoices("number", "invoice_number"))
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    amount_excl_tax: str | None = None
    tax: str | None = None
    total: str | None = None
    check_code: str | None = None
    buyer_name: str | None = None
    buyer_tax_id: str | None = None
    seller_name: str | None = None
    seller_tax_id: str | None = None
    status: Status = "0"
    visible_at: str | None = None
    visible_after_seconds: float | None = None

    @field_validator("amount_excl_tax", "tax", "total", mode="before")
    @classmethod
    def _money(cls, value: object) -> str | None:
        if value is None:
            return None
        try:
            return f"{parse_amount(value):.2f}"
        except InputError:
            return str(value)  # e.g. "***" for an exempt tax: kept as printed

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        if value not in TYPES:
            raise ValueError(f"unsupported type {value!r}; one of {sorted(TYPES)}")
        return value

    def record(self, now: datetime) -> dict:
        if self.type in DIGITAL and self.code:
            raise HTTPException(422, f"type {self.type} invoices have no code")
        if self.type not in DIGITAL and not self.code:
            raise HTTPException(422, f"type {self.type} invoices need a code")
        visible = None
        if self.visible_at:
            visible = parse_time(self.visible_at).timestamp()
        elif self.visible_after_seconds is not None:
            visible = now.timestamp() + self.visible_after_seconds
        return {**self.model_dump(exclude={"visible_at", "visible_after_seconds"}), "code": self.code or "",
                "visible_at": visible}


class InvoiceRef(BaseModel):
    code: str | None = Field(None, validation_alias=AliasChoices("code", "invoice_code"))
    number: str = Field(validation_alias=AliasChoices("number", "invoice_number"))


class StatusIn(InvoiceRef):
    status: Status


class ClockIn(BaseModel):
    now: str | None = None
    frozen: bool = True
    advance_seconds: float | None = None
    system: bool = False


def public_invoice(row: dict, *, admin: bool = False) -> dict:
    out = {k: row[k] for k in ("type", "code", "number", "date", "amount_excl_tax", "tax", "total", "check_code",
                               "buyer_name", "buyer_tax_id", "seller_name", "seller_tax_id", "status")}
    out["code"] = row["code"] or None
    out["status_name"] = STATUS_NAMES.get(row["status"], "unknown")
    if admin:
        at = row.get("visible_at")
        out["visible_at"] = datetime.fromtimestamp(at, CST).isoformat() if at is not None else None
    return out


class TaxSimApp(FastAPI):
    """The FastAPI app, with outages applied before routing so a reset reaches the server's own transport."""

    registry: Registry
    clock: SimClock
    faults: Faults

    async def __call__(self, scope, receive, send) -> None:
        outage = self.faults.outage if scope["type"] == "http" else None
        if outage and scope["path"].rstrip("/") == "/verify":
            self.registry.record_call(self.clock.today(), "", "", outage)
            if outage == "503":
                await JSONResponse({"detail": "service unavailable"}, 503, {"Retry-After": "60"})(
                    scope, receive, send)
            else:
                await reset_connection(send)
            return
        await super().__call__(scope, receive, send)


async def reset_connection(send) -> None:
    """Close the connection with a TCP reset and no response (the server's transport, via its ``send``)."""
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:  # not served by uvicorn: start a response and break it off
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100")]})
        raise ConnectionResetError("taxsim: outage (reset)")
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):  # a transport without a real socket: plain close
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    for _ in range(5):  # let the server see the connection is gone before it answers for us
        if getattr(cycle, "disconnected", True):
            break
        await asyncio.sleep(0)


def create_app(*, db_path: str = ":memory:", admin_key: str = DEFAULT_ADMIN_KEY, now: datetime | None = None,
               daily_limit: int = DAILY_LIMIT) -> TaxSimApp:
    """A simulator with its own registry (``db_path``: a SQLite file, or memory) and clock (frozen at ``now`` if
    given, else system time)."""
    app = TaxSimApp(title="Tax-authority simulator", docs_url=None, redoc_url=None, openapi_url=None)
    app.registry, app.clock, app.faults = Registry(db_path), SimClock(now), Faults()
    registry, clock, faults = app.registry, app.clock, app.faults

    def answer(code: str, *, invoice: dict | None = None, diffs: list | None = None, detail: str = "") -> dict:
        message = MESSAGES[code] + (f": {detail}" if detail else "")
        return {"code": code, "message": message, "invoice": invoice, "differences": diffs or [],
                "checked_at": clock.now().isoformat()}

    @app.post("/verify")
    async def verify(request: Request) -> dict:
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = None
        named = body if isinstance(body, dict) else {}
        code, number = (named.get(k) if isinstance(named.get(k), str) else "" for k in ("code", "number"))
        now = clock.now()
        draw = faults.draw(now.strftime("%Y-%m-%dT%H:%M"))
        if draw.delay:
            await asyncio.sleep(draw.delay)
        result = _verify(body, draw.code)
        registry.record_call(clock.today(), code.strip(), number.strip(), result["code"])
        return result

    def _verify(body: object, fault: str | None) -> dict:
        if fault:
            return answer(fault)
        now = clock.now()
        try:
            query = parse_query(body, today=now.date())
        except InputError as exc:
            return answer("005", detail=exc.reason)
        spent = registry.checks_on(now.date(), query.code, query.number, CHECK_RESULTS)
        if spent >= daily_limit:
            return answer("002")
        row = registry.get(query.code, query.number)
        if row is None or (row["visible_at"] is not None and row["visible_at"] > now.timestamp()):
            return answer("009")
        diffs = differences(query, row)
        if diffs:
            return answer("006", diffs=diffs)
        return answer("001", invoice=public_invoice(row))

    def require_admin(x_admin_key: Annotated[str | None, Header()] = None) -> None:
        if not x_admin_key or not secrets.compare_digest(x_admin_key.encode(), admin_key.encode()):
            raise HTTPException(401, "admin key missing or wrong (header X-Admin-Key)")

    admin = [Depends(require_admin)]

    @app.post("/admin/invoices", dependencies=admin)
    def register(body: InvoiceIn | list[InvoiceIn]) -> dict:
        items = body if isinstance(body, list) else [body]
        now = clock.now()
        return {"registered": registry.upsert([item.record(now) for item in items])}

    @app.get("/admin/invoices", dependencies=admin)
    def list_invoices() -> dict:
        rows = registry.all()
        return {"data": [public_invoice(r, admin=True) for r in rows], "count": len(rows)}

    def change_status(ref: InvoiceRef, status: str) -> dict:
        try:
            row = registry.find(ref.code, ref.number)
        except AmbiguousInvoice as exc:
            raise HTTPException(409, str(exc)) from exc
        if row is None:
            raise HTTPException(404, f"no registered invoice {ref.code or ''} {ref.number}".replace("  ", " "))
        registry.set_status(row["code"], row["number"], status)
        return {"invoice": public_invoice({**row, "status": status}, admin=True)}

    @app.post("/admin/invoices/void", dependencies=admin)
    def void(ref: InvoiceRef) -> dict:
        return change_status(ref, "2")

    @app.post("/admin/invoices/red-flush", dependencies=admin)
    def red_flush(ref: InvoiceRef) -> dict:
        return change_status(ref, "3")

    @app.post("/admin/invoices/status", dependencies=admin)
    def set_status(body: StatusIn) -> dict:
        return change_status(body, body.status)

    @app.get("/admin/faults", dependencies=admin)
    def get_faults() -> FaultConfig:
        return faults.config

    @app.put("/admin/faults", dependencies=admin)
    def put_faults(body: FaultConfig) -> FaultConfig:
        faults.configure(body)
        return faults.config

    @app.get("/admin/clock", dependencies=admin)
    def get_clock() -> dict:
        return clock.as_dict()

    @app.put("/admin/clock", dependencies=admin)
    def put_clock(body: ClockIn) -> dict:
        if body.system:
            clock.use_system_time()
        if body.now is not None:
            try:
                clock.set(parse_time(body.now), frozen=body.frozen)
            except ValueError as exc:
                raise HTTPException(422, f"now: not an ISO time: {body.now!r}") from exc
        if body.advance_seconds is not None:
            clock.advance(body.advance_seconds)
        return clock.as_dict()

    @app.get("/admin/stats", dependencies=admin)
    def stats() -> dict:
        return build_stats(registry.call_rows(), registered=registry.count())

    @app.delete("/admin/reset", dependencies=admin)
    def reset() -> dict:
        registry.clear()
        faults.configure(FaultConfig())
        clock.reset()
        return {"reset": True, "clock": clock.as_dict()}

    return app


def build_stats(rows: list[dict], *, registered: int) -> dict:
    results: dict[str, int] = {}
    days: dict[str, dict] = {}
    invoices: dict[tuple, dict] = {}
    for r in rows:
        n, res, checks = r["n"], r["result"], r["n"] if r["result"] in CHECK_RESULTS else 0
        results[res] = results.get(res, 0) + n
        day = days.setdefault(r["day"], {"day": r["day"], "calls": 0, "checks": 0})
        day["calls"] += n
        day["checks"] += checks
        if r["number"]:
            inv = invoices.setdefault((r["day"], r["code"], r["number"]), {
                "day": r["day"], "code": r["code"] or None, "number": r["number"], "calls": 0, "checks": 0,
                "results": {}})
            inv["calls"] += n
            inv["checks"] += checks
            inv["results"][res] = inv["results"].get(res, 0) + n
    per_invoice = list(invoices.values())
    return {
        "total_calls": sum(results.values()),
        "results": results,
        "registered": registered,
        "days": list(days.values()),
        "invoices": per_invoice,
        "max_checks_per_invoice_day": max((i["checks"] for i in per_invoice), default=0),
        "max_calls_per_invoice_day": max((i["calls"] for i in per_invoice), default=0),
    }
