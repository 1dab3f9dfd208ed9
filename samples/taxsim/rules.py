"""National input rules of the verification platform (pure: no I/O, no clock of its own).

Which fields identify and prove an invoice, by our type code (INVOICE-FACTS, "The verification platform"):

* special VAT (01, 03, 08): code (10 or 12 digits), number (8 digits), date, amount before tax;
* ordinary (04, 10, 11, 14): code, number, date, last 6 digits of the check code;
* fully digital (31, 32): no code, a 20-digit number whose first two digits are the year of issue, date,
  total including tax.

Also: no check on the day of issue, no date in the future, only the last 5 years. A request that breaks any rule
is answered 005 and costs no check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

SPECIAL = frozenset({"01", "03", "08"})
ORDINARY = frozenset({"04", "10", "11", "14"})
DIGITAL = frozenset({"31", "32"})
TYPES = SPECIAL | ORDINARY | DIGITAL

STATUS_NAMES = {"0": "normal", "1": "out_of_control", "2": "voided", "3": "red_flushed", "4": "abnormal"}

MESSAGES = {
    "001": "checked, consistent",
    "002": "daily limit for this invoice reached",
    "003": "too frequent",
    "004": "server request limit",
    "005": "illegal request",
    "006": "inconsistent",
    "009": "not found (or not synced yet)",
    "010": "network timeout",
    "015": "system error",
    "016": "server receiving too many requests",
}
CHECK_RESULTS = frozenset({"001", "006", "009"})  # the results that spend one of the invoice's daily checks
THROTTLE_CODES = frozenset({"003", "004", "016"})
YEARS_CHECKABLE = 5

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_AMOUNT = re.compile(r"-?\d+(\.\d{1,2})?")


class InputError(ValueError):
    """A request the platform refuses (005): ``field`` names the offending input."""

    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def group_of(type_code: str) -> str:
    if type_code in SPECIAL:
        return "special"
    if type_code in ORDINARY:
        return "ordinary"
    if type_code in DIGITAL:
        return "digital"
    raise InputError("type", f"unsupported invoice type {type_code!r}")


@dataclass(frozen=True)
class VerifyQuery:
    """A well-formed request: ``amount`` for special (before tax) and digital (total), ``check6`` for ordinary."""

    type: str
    code: str  # "" for fully digital invoices
    number: str
    date: date
    amount: Decimal | None
    check6: str | None

    @property
    def group(self) -> str:
        return group_of(self.type)


def five_years_before(today: date) -> date:
    try:
        return today.replace(year=today.year - YEARS_CHECKABLE)
    except ValueError:  # 29 February
        return today.replace(year=today.year - YEARS_CHECKABLE, day=28)


def _text(body: dict, key: str) -> str:
    value = body.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InputError(key, f"{key} must be a string")
    return str(value).strip()


def parse_amount(value: object, field: str = "amount") -> Decimal:
    text = "" if value is None or isinstance(value, bool) else str(value).strip()
    if not _AMOUNT.fullmatch(text):
        raise InputError(field, f"{field} must be a decimal with at most 2 places, got {value!r}")
    try:
        return Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation as exc:  # pragma: no cover - the pattern already guarantees a number
        raise InputError(field, f"{field} is not a number") from exc


def parse_query(body: object, *, today: date) -> VerifyQuery:
    """The request body as a :class:`VerifyQuery`, or :class:`InputError` (answered 005)."""
    if not isinstance(body, dict):
        raise InputError(None, "the body must be a JSON object")
    type_code = _text(body, "type")
    group = group_of(type_code)
    code, number, date_text = _text(body, "code"), _text(body, "number"), _text(body, "date")

    if not _DATE.fullmatch(date_text):
        raise InputError("date", f"date must be YYYY-MM-DD, got {date_text!r}")
    try:
        issued = date.fromisoformat(date_text)
    except ValueError as exc:
        raise InputError("date", f"no such date {date_text!r}") from exc
    if issued > today:
        raise InputError("date", "date is in the future")
    if issued == today:
        raise InputError("date", "not checkable on the day of issue")
    if issued < five_years_before(today):
        raise InputError("date", f"only the last {YEARS_CHECKABLE} years are checkable")

    if group == "digital":
        if code:
            raise InputError("code", "fully digital invoices have no code")
        if not (number.isascii() and number.isdigit() and len(number) == 20):
            raise InputError("number", "a fully digital invoice number has 20 digits")
        if number[:2] != f"{issued.year % 100:02d}":
            raise InputError("number", "the number's first two digits must be the year of issue")
    else:
        if not (code.isascii() and code.isdigit() and len(code) in (10, 12)):
            raise InputError("code", "the invoice code has 10 or 12 digits")
        if not (number.isascii() and number.isdigit() and len(number) == 8):
            raise InputError("number", "the invoice number has 8 digits")

    amount = check6 = None
    if group == "ordinary":
        check6 = _text(body, "check_code")
        if not (check6.isascii() and check6.isdigit() and len(check6) == 6):
            raise InputError("check_code", "give the last 6 digits of the check code")
    else:
        amount = parse_amount(body.get("amount"))
    return VerifyQuery(type=type_code, code=code, number=number, date=issued, amount=amount, check6=check6)


def differences(query: VerifyQuery, registered: dict) -> list[dict]:
    """Where the request disagrees with the registered invoice: ``[{field, submitted, registered}]``.

    Fields use our names: ``type``, ``date``, ``amount_excl_tax`` (special), ``total`` (digital),
    ``check_code`` (ordinary; both sides as the last 6 digits).
    """
    out: list[dict] = []
    if query.type != registered["type"]:
        out.append({"field": "type", "submitted": query.type, "registered": registered["type"]})
    if query.date.isoformat() != registered["date"]:
        out.append({"field": "date", "submitted": query.date.isoformat(), "registered": registered["date"]})
    if query.group == "ordinary":
        reg6 = (registered.get("check_code") or "")[-6:]
        if query.check6 != reg6:
            out.append({"field": "check_code", "submitted": query.check6, "registered": reg6 or None})
    else:
        field = "total" if query.group == "digital" else "amount_excl_tax"
        reg = registered.get(field)
        if reg is None or parse_amount(reg, field) != query.amount:
            out.append({"field": field, "submitted": f"{query.amount:.2f}", "registered": reg})
    return out
