"""What the verification platform is asked, per national rules, and when an invoice must not be sent at all.

Contract
- ``TypeMapping`` maps our invoice types (national two-digit codes as archived, or ``receipt_en``) onto the
  verifier's type codes and input families; commercial APIs file types differently (INVOICE-FACTS: one files
  数电 under 08/10), so the mapping is data, replaceable through ``InputConfig.types``.
- ``build_request(fields, *, today, config) -> VerifyRequest | Refusal`` is pure. ``fields`` is any mapping of
  the archived invoice (``invoice_type``, ``invoice_code``, ``invoice_number``, ``date``, ``amount_excl_tax``,
  ``total``, ``check_code``; optional ``status``, ``duplicate_of``). Inputs by family:
  special (01/03/08): code, number, date, amount before tax; ordinary (04/10/11/14): code, number, date, last
  6 digits of the check code; digital 数电 (31/32): empty code, 20-digit number, date, total including tax.
- A ``Refusal(reason, field, detail)`` is returned, and nothing may be sent, when the invoice is not accepted,
  is a duplicate, has a type the verifier does not check, lacks an input, has an input of the wrong shape
  (digits, lengths, 数电 year prefix, money with at most 2 decimals), is dated in the future or outside the
  platform's window (``max_age_years``). A check spent on such an input is wasted and counts as abuse.
- ``VerifyRequest.to_json()`` is the body of ``POST /verify``: ``{"type", "code", "number", "date":
  "YYYY-MM-DD", "amount", "check_code"}`` with ``""`` for inputs the family does not use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any


class Family(StrEnum):
    SPECIAL = "special"  # code, number, date, amount before tax
    ORDINARY = "ordinary"  # code, number, date, last 6 of the check code
    DIGITAL = "digital"  # 20-digit number, date, total including tax


@dataclass(frozen=True)
class VerifierType:
    code: str  # the verifier's type code
    family: Family
    code_lengths: tuple[int, ...] = (10, 12)  # () = no 发票代码


DEFAULT_TYPES: Mapping[str, VerifierType] = {
    "01": VerifierType("01", Family.SPECIAL, (10,)),
    "03": VerifierType("03", Family.SPECIAL, (10, 12)),
    "08": VerifierType("08", Family.SPECIAL, (12,)),
    "04": VerifierType("04", Family.ORDINARY, (10, 12)),
    "10": VerifierType("10", Family.ORDINARY, (12,)),
    "11": VerifierType("11", Family.ORDINARY, (12,)),
    "14": VerifierType("14", Family.ORDINARY, (12,)),
    "31": VerifierType("31", Family.DIGITAL, ()),
    "32": VerifierType("32", Family.DIGITAL, ()),
}


@dataclass(frozen=True)
class InputConfig:
    types: Mapping[str, VerifierType] = field(default_factory=lambda: dict(DEFAULT_TYPES))
    max_age_years: int = 5  # the platform only checks the last 5 years
    legacy_number_length: int = 8
    digital_number_length: int = 20
    check_code_length: int = 20


@dataclass(frozen=True)
class VerifyRequest:
    type: str
    code: str
    number: str
    date: dt.date
    amount: str
    check_code: str

    def to_json(self) -> dict[str, str]:
        return {"type": self.type, "code": self.code, "number": self.number, "date": self.date.isoformat(),
                "amount": self.amount, "check_code": self.check_code}


@dataclass(frozen=True)
class Refusal:
    """Why an invoice is not sent to the verifier (stable ``reason`` codes; ``detail`` for people)."""

    reason: str  # not_accepted, duplicate, unsupported_type, missing_field, invalid_field, too_old, future_date
    field: str | None = None
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"reason": self.reason, "field": self.field, "detail": self.detail}


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(_text(value)) if _text(value) else None
    except ValueError:
        return None


def _money(value: Any) -> str | None:
    """Two-decimal money string, or None when the value is not an amount with at most 2 decimals."""
    try:
        d = Decimal(_text(value))
    except (InvalidOperation, ValueError):
        return None
    if not d.is_finite() or d.as_tuple().exponent < -2 or d == 0:  # type: ignore[operator]
        return None
    return f"{d:.2f}"


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def build_request(fields: Mapping[str, Any], *, today: dt.date, config: InputConfig = InputConfig()
                  ) -> VerifyRequest | Refusal:
    """The verify input for an archived invoice, or why it must not be sent (see the module contract)."""
    status = fields.get("status")
    if status is not None and _text(status) != "accepted":
        return Refusal("not_accepted", "status", f"invoice status is {_text(status)}, not accepted")
    if fields.get("duplicate_of"):
        return Refusal("duplicate", "invoice_number", "a duplicate of an archived invoice is not checked again")
    kind = _text(fields.get("invoice_type"))
    vtype = config.types.get(kind)
    if vtype is None:
        return Refusal("unsupported_type", "invoice_type",
                       f"type {kind or '(none)'} is not checkable on the verification platform")

    day = _date(fields.get("date"))
    if day is None:
        return Refusal("missing_field" if not _text(fields.get("date")) else "invalid_field", "date",
                       "the date of issue is needed")
    if day > today:
        return Refusal("future_date", "date", f"dated {day}, after today {today}")
    if day < years_before(today, config.max_age_years):
        return Refusal("too_old", "date", f"dated {day}: the platform checks only the last "
                                          f"{config.max_age_years} years")

    number = _text(fields.get("invoice_number"))
    code = _text(fields.get("invoice_code"))
    if not number:
        return Refusal("missing_field", "invoice_number", "the invoice number is needed")
    if vtype.family is Family.DIGITAL:
        if not (number.isdigit() and len(number) == config.digital_number_length):
            return Refusal("invalid_field", "invoice_number",
                           f"a 数电 number has {config.digital_number_length} digits, got {number!r}")
        if number[:2] != f"{day.year % 100:02d}":
            return Refusal("invalid_field", "invoice_number",
                           f"a 数电 number starts with the year of issue ({day.year % 100:02d}), got {number[:2]}")
        code = ""
    else:
        if not code:
            return Refusal("missing_field", "invoice_code", "the invoice code is needed")
        if not (code.isdigit() and len(code) in vtype.code_lengths):
            lengths = " or ".join(str(n) for n in vtype.code_lengths)
            return Refusal("invalid_field", "invoice_code", f"type {kind} has a {lengths}-digit code, got {code!r}")
        if not (number.isdigit() and len(number) == config.legacy_number_length):
            return Refusal("invalid_field", "invoice_number",
                           f"the number has {config.legacy_number_length} digits, got {number!r}")

    amount = check = ""
    if vtype.family is Family.ORDINARY:
        check = _text(fields.get("check_code"))
        if not check:
            return Refusal("missing_field", "check_code", "the check code is needed for an ordinary invoice")
        if not (check.isdigit() and len(check) == config.check_code_length):
            return Refusal("invalid_field", "check_code",
                           f"the check code has {config.check_code_length} digits, got {len(check)} characters")
        check = check[-6:]
    else:
        name = "total" if vtype.family is Family.DIGITAL else "amount_excl_tax"
        raw = fields.get(name)
        if raw is None or not _text(raw):
            return Refusal("missing_field", name, f"{name} is needed for type {kind}")
        money = _money(raw)
        if money is None:
            return Refusal("invalid_field", name, f"{name} {_text(raw)!r} is not a non-zero amount in fen")
        amount = money
    return VerifyRequest(type=vtype.code, code=code, number=number, date=day, amount=amount, check_code=check)
