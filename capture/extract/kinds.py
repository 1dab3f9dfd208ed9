"""Value kinds named by rule files -> the normalizer that turns one OCR'd text into a canonical value.

Contract: ``normalize_kind(kind, text, **hints)`` returns the canonical string or None ("this text is
not a value of that kind"); it never raises. Hints: ``date_order`` ("dmy"/"mdy") for numeric dates.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from capture.extract import normalize as n
from capture.extract.capitals import capitals_text, parse_capitals, to_capitals
from capture.extract.layout import CJK
from capture.taxid import is_valid_uscc

# 密码区 cipher text: digits and + - * / < > only; it must never leak into a neighbouring field
_CIPHER = re.compile(r"^[0-9+\-*/<>]{6,}$")
# a taxpayer id (read where a name should be, its label lost): 15-20 digits and capitals, mostly digits
_ID_LIKE = re.compile(r"^(?=(?:[A-Z]*\d){10})[0-9A-Z]{15,20}$")
_NAME_JUNK = " \t:：;；|丨_'\"`"


def name(text: str) -> str | None:
    s = unicodedata.normalize("NFKC", text).strip(_NAME_JUNK)
    s = re.sub(r"^(名\s*称|购\s*买\s*方|销\s*售\s*方)\s*[:：]?", "", s).strip(_NAME_JUNK)
    # 名称 misread (名构：, 有：): a company name holds no colon, one or two characters before one are a label
    s = re.sub(r"^[\u4e00-\u9fff]{1,2}\s*[:：]", "", s).strip(_NAME_JUNK)
    s = re.sub(r"^[.,·、。，]+", "", s)  # a speck before the name (.北京恒通…)
    s = s.translate(_FULL_WIDTH) if CJK.search(s) else s
    if len(s) < 2 or _CIPHER.match(s.replace(" ", "")) or _ID_LIKE.match(s.replace(" ", "")):
        return None
    if not CJK.search(s) and not re.search(r"[A-Za-z]{2}", s):
        return None
    return s


def tax_id(value: str) -> str | None:
    """A taxpayer id; when OCR glued stray characters in front (the colon after the label read as 2,
    the label's end read as 45), the trailing 18 characters are taken, but only if they carry a valid
    USCC check character and region, even when the whole has a legacy id's length (20: 45914403…; a
    legacy number's tail passes the check character one time in 31 and must hold a region too, and
    20-character legacy numbers are rare since 2015)."""
    got = n.taxpayer_id(value)
    if got is not None and len(got) <= 18:
        return got
    s = "".join(unicodedata.normalize("NFKC", value).split()).upper()
    if len(s) > 18:
        tail = n.taxpayer_id(s[-18:])
        if tail is not None and is_valid_uscc(tail):
            return tail
    return got


_FULL_WIDTH = str.maketrans({"(": "（", ")": "）", ":": "：", ";": "；", ",": "，"})


def cjk_text(value: str) -> str | None:
    """Free text as printed. In Chinese text, ASCII brackets, colons and commas that OCR returns for
    the printed full-width ones become full-width again (（20支/盒）, 订单号：)."""
    s = value.strip().strip(_NAME_JUNK)
    if CJK.search(s):
        s = re.sub(r"(?<=[\u4e00-\u9fff])[:;,]|[:;,](?=[\u4e00-\u9fff])", lambda m: m[0].translate(_FULL_WIDTH), s)
        s = re.sub(r"(?<=[\u4e00-\u9fff])\(|\((?=[\u4e00-\u9fff\d])", "（", s)
        s = re.sub(r"(?<=[\u4e00-\u9fff])\)|\)(?=[\u4e00-\u9fff])", "）", s)
        if "（" in s:
            s = s.replace(")", "）")
    return s or None


def text(value: str) -> str | None:
    return cjk_text(value)


def capitals(value: str) -> str | None:
    """The capitals in their printed form; capitals that do not parse as read (in canonical characters)
    when they are still mostly capital characters (the totals repair reads them against candidates)."""
    amount = parse_capitals(value)
    return capitals_text(value) if amount is None else to_capitals(amount)


def doc_id(value: str) -> str | None:
    s = unicodedata.normalize("NFKC", value).strip()
    s = re.sub(r"^(?:N[oO0]\.?|#|№|:)\s*", "", s).strip(" :#")
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9\-/_.]{2,29}", s) and re.search(r"\d", s):
        return s.upper()
    return None


_CURRENCY_PREFIX = re.compile(r"^(?:[A-Z]{3}\s*|[A-Z]{1,2}\$|\$|€|£)\s*")


def money(value: str, implied_decimals: bool = False) -> str | None:
    """Money in any currency: ``S$1,839.94``, ``$274.09``, ``USD 12.00``, ``¥464.67``. With
    ``implied_decimals`` (the layout always prints 2 decimals) a point lost by OCR is put back."""
    s = value.strip()
    if "%" in s:
        return None
    return n.money(_CURRENCY_PREFIX.sub("", s), implied_decimals=implied_decimals)


def tax_ref(value: str) -> str | None:
    """A foreign tax registration (ABN 99 797 497 862, GST Reg No 201669477W, VAT GB123456789). Eleven
    digits in groups are an ABN, printed in its groups of 2-3-3-3 (a space OCR lost or added between
    them does not change it: 00 228 139634 is 00 228 139 634)."""
    s = re.sub(r"^[^0-9A-Za-z]+", "", unicodedata.normalize("NFKC", value)).strip()
    if not (re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 \-]{5,24}", s) and sum(ch.isdigit() for ch in s) >= 6):
        return None
    digits = s.replace(" ", "")
    if " " in s and len(digits) == 11 and digits.isdigit():
        return f"{digits[:2]} {digits[2:5]} {digits[5:8]} {digits[8:]}"
    return s.upper()


_KINDS: dict[str, Callable[..., str | None]] = {
    "money": lambda t, **_: money(t),
    "money2": lambda t, **_: money(t, implied_decimals=True),
    "tax_ref": lambda t, **_: tax_ref(t),
    "invoice_number": lambda t, **_: n.invoice_number(t),
    "invoice_code": lambda t, **_: n.invoice_code(t),
    "check_code": lambda t, **_: n.check_code(t),
    "machine_number": lambda t, **_: n.machine_number(t),
    "date": lambda t, date_order=None, **_: n.date(t, order=date_order),
    "tax_id": lambda t, **_: tax_id(t),
    "name": lambda t, **_: name(t),
    "text": lambda t, **_: text(t),
    "capitals": lambda t, **_: capitals(t),
    "doc_id": lambda t, **_: doc_id(t),
}


def normalize_kind(kind: str, value: str | None, **hints) -> str | None:
    if not value or not value.strip():
        return None
    return _KINDS[kind](value, **hints)
