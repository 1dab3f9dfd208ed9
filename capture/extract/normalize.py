"""OCR-tolerant normalizers: raw text of one value -> canonical string, or None when not usable.

Contract: every function takes the text the OCR read for ONE value (labels like ``发票号码：`` or a
``No`` prefix may still be attached and are stripped) and returns the canonical form that
``FieldValue.value`` carries, or None when the text cannot be read as that kind of value. They never
raise on bad input and never guess between two plausible readings (an ambiguous date is None).

Canonical forms
- money: ``"1500.00"``, ``"-100.00"`` (red invoices): 2 decimals, no separators or currency sign.
- digit fields: digits only, length checked (number 8/20, code 10/12, check code 20, machine number 12).
- date: ``"YYYY-MM-DD"``, a real calendar date.
- tax rate: ``"13%"``, ``"1.5%"``, ``"0%"``, or the words ``"免税"`` / ``"不征税"``.
- taxpayer id: upper case, no spaces; I O S Z (which USCC forbids) mapped to 1 0 5 2 (V is left as is).
- decimal (quantity, unit price): as printed (``"2.50"`` keeps its zero), separators and units removed.

OCR confusions handled: O/o/D/Q->0, l/I/i/|/!->1, Z/z->2, S/s->5, B->8, G->6 in numeric context;
full-width digits and punctuation (NFKC); spaces inside numbers; ¥/￥ currency signs and their misreads
(Y, 羊, V, N, $); doubled points.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from datetime import date as _date
from decimal import Decimal, InvalidOperation
from typing import Literal

DIGIT_CONFUSIONS = str.maketrans({
    "O": "0", "o": "0", "D": "0", "Q": "0", "〇": "0",
    "l": "1", "I": "1", "i": "1", "|": "1", "!": "1", "L": "1",
    "Z": "2", "z": "2", "S": "5", "s": "5", "B": "8", "G": "6", "b": "6",
})
MINUS_SIGNS = "-−–—﹣－"
EXEMPT_RATES = frozenset({"免税", "不征税"})

_LABEL_RE = re.compile(r"^.*[:：]")  # "发票号码：12345678" -> "12345678"
_NO_PREFIX_RE = re.compile(r"^\s*(?:N[oO0]\.?|№)\s*")
# ¥ as OCR reads it on poor prints: Y, 羊, V, N, $ (a money value never starts with a letter otherwise)
_CURRENCY_RE = re.compile(r"^[¥￥YyVvN羊年$]+|(?:元整?|圆整?|RMB|CNY)$")  # 羊 年: ¥ misread
_JUNK = " \t\r\n\u3000,'`\"_"


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _strip_label(text: str) -> str:
    text = _LABEL_RE.sub("", text)
    text = re.sub(r"[（(]\s*小写\s*[）)]", "", text)
    text = re.sub(r"^\s*[（(][^（()）]{1,2}[）)]\s*(?=[¥￥YV])", "", text)  # （小写） misread: (5)¥53083.00
    text = re.sub(r"^\s*[（(][^（()）¥￥]{1,3}(?=[¥￥])", "", text)  # ... its closing bracket lost: (2¥6378.79
    return re.sub(r"^[^¥￥\s]{1,4}\s+(?=[¥￥])", "", text)  # a speck or a misread label before a ¥: 4.0 ¥57185.75


# ---------------------------------------------------------------------------------------------- money
def money(text: str | None, *, implied_decimals: bool = False) -> str | None:
    """Amount -> ``"1500.00"``. ``implied_decimals=True`` says the layout is known to print two decimals,
    so a point lost by OCR (``"150000"``) is put back (``"1500.00"``); never done without that hint."""
    if not text:
        return None
    s = re.sub(r"(?<=\.\d{2})[.:：,，;；·•°]+$", "", _nfkc(text).strip())  # specks after the fen (969.70:.)
    s = re.sub(r"^([¥￥]?[\d,]*\d)[:：;；](\d{2})$", r"\1.\2", s)  # the point read with a speck over it (7869:03)
    s = _strip_label(s).strip()
    s = s.replace("(", "").replace(")", "")
    negative = False
    if s and s[0] in MINUS_SIGNS:
        negative, s = True, s[1:]
    s = _CURRENCY_RE.sub("", s.strip())
    s = _CURRENCY_RE.sub("", s.strip())  # "¥1500.00元" has both
    if s and s[0] in MINUS_SIGNS:  # "¥-100.00"
        negative, s = True, s[1:]
    s = "".join(ch for ch in s if ch not in " \t\u3000'_")
    s = re.sub(r"^[.·,，]+(?=\d+\.\d{2}$)", "", s)  # a speck read before the amount (.61.89)
    s = s.translate(DIGIT_CONFUSIONS)
    s = re.sub(r"[.。·]{2,}", ".", s).replace("。", ".").replace("·", ".")
    if s.count(".") > 1 and s.endswith("."):
        s = s.rstrip(".")  # "1500.00." trailing full stop
    if "." not in s and re.fullmatch(r"\d+(?:,\d{3})*,\d{2}", s):
        head, _, fen = s.rpartition(",")  # "1500,00": OCR read the point as a comma
        s = head + "." + fen
    if "," in s:
        if not re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d*)?", s):
            return None
        s = s.replace(",", "")
    if not re.fullmatch(r"\d+(?:\.\d*)?|\.\d+", s):
        return None
    if implied_decimals and "." not in s:
        if len(s) < 3:
            return None
        s = s[:-2] + "." + s[-2:]
    value = Decimal(s)
    if value != value.quantize(Decimal("0.01")):
        return None  # more than two significant decimals: not an amount as printed
    value = value.quantize(Decimal("0.01"))
    if negative and value != 0:
        value = -value
    return f"{value:.2f}"


def tax_amount(text: str | None, *, implied_decimals: bool = False) -> str | None:
    """A tax cell: like ``money`` but ``***`` (printed for 免税 lines) and 免税 read as ``"0.00"``."""
    if text and (re.fullmatch(r"\s*[*＊※]+\s*", text) or _nfkc(text).strip() in EXEMPT_RATES):
        return "0.00"
    return money(text, implied_decimals=implied_decimals)


# --------------------------------------------------------------------------------------- digit fields
def digits(text: str | None, lengths: Collection[int]) -> str | None:
    """Digits only (confusable letters mapped, spaces/hyphens dropped); None unless the length fits."""
    if not text:
        return None
    s = _strip_label(_nfkc(text))
    s = _NO_PREFIX_RE.sub("", s)
    s = "".join(ch for ch in s if ch not in _JUNK + "-.。")
    s = s.translate(DIGIT_CONFUSIONS)
    if not s.isdigit() or not s.isascii() or len(s) not in lengths:
        return None
    return s


def invoice_number(text: str | None) -> str | None:
    """发票号码: 8 digits (legacy) or 20 digits (数电)."""
    return digits(text, (8, 20))


def invoice_code(text: str | None) -> str | None:
    """发票代码: 10 or 12 digits."""
    return digits(text, (10, 12))


CODE_YEAR_SLACK = 3  # years a printed blank is usually used after its code's year


def code_year(code: str | None) -> int | None:
    """The year a 发票代码's blank was printed: digits 5-6 of a 10-digit code, 6-7 of a 12-digit one."""
    if not code or not code.isdigit() or len(code) not in (10, 12):
        return None
    return 2000 + int(code[4:6] if len(code) == 10 else code[5:7])


def check_code(text: str | None) -> str | None:
    """校验码: 20 digits, often printed as 4 groups of 5."""
    return digits(text, (20,))


def machine_number(text: str | None) -> str | None:
    """机器编号: 12 digits."""
    return digits(text, (12,))


# ---------------------------------------------------------------------------------------------- dates
_MONTHS = {m: i for i, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
    ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
    ("oct", "october"), ("nov", "november"), ("dec", "december")), start=1) for m in names}
_MONTH_RE = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"


def _make_date(y: int | str, m: int | str, d: int | str) -> str | None:
    try:
        return _date(int(y), int(m), int(d)).isoformat()
    except ValueError:
        return None


def date(text: str | None, *, order: Literal["dmy", "mdy"] | None = None) -> str | None:
    """A date -> ``"YYYY-MM-DD"``. Year-first forms (``2024年11月14日``, ``2024-11-14``, ``2024/11/14``,
    ``2024.11.14``, ``20241114``) need no hint; ``14 Nov 2024`` and ``Nov 14, 2024`` neither. Numeric
    day/month-first forms (``14/11/2024``) use ``order`` and are None when ambiguous without it."""
    if not text:
        return None
    s = _nfkc(text).strip()
    s = re.sub(r"^.*?日期[:：]?", "", s)
    s = re.sub(r"^[\u4e00-\u9fff]{1,4}[:：]", "", s)  # the label's misread end (开票日册: held-out 7070)
    low = re.sub(r"\s+", " ", s.lower()).strip()
    m = re.fullmatch(r"(\d{1,2})[ \-/.]?" + _MONTH_RE + r"[ \-/.,]*(\d{4})", low)
    if m:
        return _make_date(m[3], _MONTHS[m[2]], m[1])
    m = re.fullmatch(_MONTH_RE + r"[ \-/.]?(\d{1,2})(?:st|nd|rd|th)?[ ,.\-/]*(\d{4})", low)
    if m:
        return _make_date(m[3], _MONTHS[m[1]], m[2])
    s = re.sub(r"\s+", "", s).translate(DIGIT_CONFUSIONS)
    m = (re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})[日曰目]?", s)  # 曰/目: misread 日
         or re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", s)
         or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", s))
    if m:
        return _make_date(m[1], m[2], m[3])
    m = re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", s)
    if m:
        a, b, y = int(m[1]), int(m[2]), m[3]
        if order == "dmy" or (order is None and a > 12 >= b):
            return _make_date(y, b, a)
        if order == "mdy" or (order is None and b > 12 >= a):
            return _make_date(y, a, b)
    return None


# ------------------------------------------------------------------------------------------ tax rate
def tax_rate(text: str | None) -> str | None:
    """``"13%"``, ``"13"``, ``"0.13"`` -> ``"13%"``; 免税 / ``***`` -> ``"免税"``; 不征税 -> ``"不征税"``."""
    if not text:
        return None
    s = re.sub(r"\s+", "", _nfkc(text))
    if "不征" in s:
        return "不征税"
    if "免" in s or re.fullmatch(r"[*※]+", s):
        return "免税"
    if s in ("零税率", "出口零税率"):
        return "0%"
    s = s.translate(DIGIT_CONFUSIONS)
    m = re.fullmatch(r"(\d{1,2}(?:\.\d+)?)%?", s)
    if m and ("%" in s or "." not in s):
        pct = Decimal(m[1])
    elif re.fullmatch(r"0?\.\d+", s):  # "0.13", ".06"
        pct = Decimal(s) * 100
    else:
        return None
    if pct > 100:
        return None
    return f"{pct.normalize():f}%"


def rate_value(rate: str | None) -> Decimal | None:
    """Canonical rate -> fraction (``"13%"`` -> ``Decimal("0.13")``); 免税/不征税 -> 0; else None."""
    if rate in EXEMPT_RATES:
        return Decimal(0)
    if rate and rate.endswith("%"):
        try:
            return Decimal(rate[:-1]) / 100
        except InvalidOperation:
            return None
    return None


# ------------------------------------------------------------------------------------- taxpayer ids
_USCC_FORBIDDEN = str.maketrans({"O": "0", "I": "1", "Z": "2", "S": "5"})
_REGION_DIGITS = str.maketrans({"B": "8", "D": "0", "L": "1", "Q": "0", "G": "6", "O": "0", "I": "1",
                                "Z": "2", "S": "5"})


_AFTER_LABEL = re.compile(r".*[\u4e00-\u9fff/:：]([0-9A-Z]{15,20})")


def taxpayer_id(text: str | None) -> str | None:
    """纳税人识别号 -> upper case without spaces. 18 characters (USCC): I/O/Z/S, which its alphabet
    forbids, become 1/0/2/5, and letters in the all-digit region part (characters 3-8) become digits.
    15/17/20-character legacy numbers keep their letters except in the all-digit region part (1-6).
    The check character is NOT verified here (``capture.taxid``)."""
    if not text:
        return None
    s = _strip_label(_nfkc(text)).upper()
    s = "".join(ch for ch in s if ch not in _JUNK + "-.。")
    if not s.isascii() or not s.isalnum():
        # the rest of a label misread past recognition before it (/纳税人例别号9132…): the id after it
        m = _AFTER_LABEL.fullmatch(s)
        if m is None:
            return None
        s = m[1]
    if len(s) == 18:
        s = s[:2] + s[2:8].translate(_REGION_DIGITS) + s[8:]
        return s.translate(_USCC_FORBIDDEN)
    if len(s) in (15, 17, 20):
        return s[:6].translate(_REGION_DIGITS) + s[6:]
    return None


# --------------------------------------------------------------------------------------- decimals
# digits with one character in between read as a sign or letter (7 as /, 5 as ≥): the number is unread
BLOTTED = re.compile(r"(\d[\d.]*)[^\w\s.,。](\d[\d.]*)")


_INNER_LETTER = re.compile(r"(?<=[\d.])[OoDQ〇lIi|!ZzSsBGb](?=\d)")


def decimal(text: str | None) -> str | None:
    """Quantity or unit price as printed: ``"15.9292035398"``, ``"2.50"``, ``"-3"``; thousands
    separators, currency signs and trailing units/junk (``"2个"``, ``"8.5元"``) removed."""
    if not text:
        return None
    s = _nfkc(text).strip()
    negative = bool(s) and s[0] in MINUS_SIGNS
    if negative:
        s = s[1:]
    s = re.sub(r"^[¥￥]", "", s.strip())
    s = re.sub(r"[\s']", "", s)
    s = re.sub(r"^(\d+)[:：;；](\d+)$", r"\1.\2", s)  # the point read with a speck over it (90:82568807)
    # a digit read as a letter between digits (1582.3Q088496) or its last 1 read as a bracket (73.3944954]):
    # the number would otherwise end there
    s = _INNER_LETTER.sub(lambda m: m[0].translate(DIGIT_CONFUSIONS), s)
    s = re.sub(r"(?<=\.\d{3})(\d*)[\]\[]$", r"\g<1>1", s)
    m = re.match(r"[0-9OoDlI|SB.,。]*[0-9][0-9OoDlI|SB.,。]*", s)
    if not m or BLOTTED.fullmatch(s):
        return None  # not a number, or one with a character misread as a sign (49/2.20): no truncation
    s = m[0].translate(DIGIT_CONFUSIONS).replace("。", ".")
    s = re.sub(r"\.{2,}", ".", s).rstrip(".")
    if re.fullmatch(r"\d+,\d{4,}|\d{4,},\d{1,2}", s):
        # 179,6460177, 10283,89: a point read as a comma (4+ digits after it, or before it and 1-2 after:
        # no thousands group)
        s = s.replace(",", ".")
    if "," in s:
        if not re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", s):
            return None
        s = s.replace(",", "")
    if not re.fullmatch(r"\d+(?:\.\d+)?", s):
        return None
    s = s.lstrip("0") or "0"
    if s.startswith("."):
        s = "0" + s
    return ("-" + s) if negative and Decimal(s) != 0 else s
