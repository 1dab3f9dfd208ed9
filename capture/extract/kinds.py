"""Value kinds named by rule files -> the normalizer that turns one OCR'd text into a canonical value.

Contract: ``normalize_kind(kind, text, **hints)`` returns the canonical string or None ("this text is
not a value of that kind"); it never raises. Hints: ``date_order`` ("dmy"/"mdy") for numeric dates.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from capture.extract import normalize as n
from capture.extract.capitals import parse_capitals, to_capitals

_CJK = re.compile(r"[\u4e00-\u9fff]")
# 密码区 cipher text: digits and + - * / < > only; it must never leak into a neighbouring field
_CIPHER = re.compile(r"^[0-9+\-*/<>]{6,}$")
_NAME_JUNK = " \t:：;；|丨_'\"`"


def name(text: str) -> str | None:
    s = unicodedata.normalize("NFKC", text).strip(_NAME_JUNK)
    s = re.sub(r"^(名\s*称|购\s*买\s*方|销\s*售\s*方)\s*[:：]?", "", s).strip(_NAME_JUNK)
    s = s.replace("(", "（").replace(")", "）")
    if len(s) < 2 or _CIPHER.match(s.replace(" ", "")):
        return None
    if not _CJK.search(s) and not re.search(r"[A-Za-z]{2}", s):
        return None
    return s


def text(value: str) -> str | None:
    s = unicodedata.normalize("NFKC", value).strip(_NAME_JUNK)
    return s or None


def capitals(value: str) -> str | None:
    amount = parse_capitals(value)
    return None if amount is None else to_capitals(amount)


def doc_id(value: str) -> str | None:
    s = unicodedata.normalize("NFKC", value).strip()
    s = re.sub(r"^(?:N[oO0]\.?|#|№|:)\s*", "", s).strip(" :#")
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9\-/_.]{2,29}", s) and re.search(r"\d", s):
        return s.upper()
    return None


_KINDS: dict[str, Callable[..., str | None]] = {
    "money": lambda t, **_: n.money(t),
    "invoice_number": lambda t, **_: n.invoice_number(t),
    "invoice_code": lambda t, **_: n.invoice_code(t),
    "check_code": lambda t, **_: n.check_code(t),
    "machine_number": lambda t, **_: n.machine_number(t),
    "date": lambda t, date_order=None, **_: n.date(t, order=date_order),
    "tax_id": lambda t, **_: n.taxpayer_id(t),
    "name": lambda t, **_: name(t),
    "text": lambda t, **_: text(t),
    "capitals": lambda t, **_: capitals(t),
    "doc_id": lambda t, **_: doc_id(t),
}


def normalize_kind(kind: str, value: str | None, **hints) -> str | None:
    if not value or not value.strip():
        return None
    return _KINDS[kind](value, **hints)
