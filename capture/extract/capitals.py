"""Chinese capital amounts (大写金额, as in 价税合计（大写）) in both directions.

Contract
- ``to_capitals(Decimal("1500")) == "壹仟伍佰圆整"``: amounts are rounded half-up to the fen; the
  output follows the tax-control software: 圆 for yuan, 整 only when there are neither jiao nor fen
  (``52.70 -> 伍拾贰圆柒角``), one 零 for each run of zeros (``10050.05 -> 壹万零伍拾圆零伍分``), 壹拾 for
  the tens, no 圆 when there are no yuan (``0.50 -> 伍角``), ``零圆整`` for zero, 负 before negatives.
- ``parse_capitals(text) -> Decimal | None`` reads what OCR made of such a string: it tolerates the
  ⊗/ⓧ mark printed before the amount, a ``（大写）`` label, spaces, 元/园/圆, 正/整, ordinary numerals
  (一二三..十百千) and common misreads (参->叁, 伯->佰, 染->柒, 抬/恰->拾, traditional forms). It returns the amount
  with two decimals, or None when the text is not a well-formed capital amount (a unit missing
  between two digits, units out of order, a numeral without any unit...): it never guesses.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from rapidfuzz.distance import Levenshtein

DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = {"拾": 10, "佰": 100, "仟": 1000}
_GROUP_UNITS = ("", "万", "亿", "万亿")

# OCR confusions and alternative forms -> the canonical character
_CANON = str.maketrans({
    "元": "圆", "园": "圆", "圓": "圆", "正": "整",
    "〇": "零", "O": "零", "o": "零", "0": "零",
    "一": "壹", "弌": "壹", "壶": "壹", "二": "贰", "弍": "贰", "貳": "贰", "贮": "贰",
    "三": "叁", "参": "叁", "參": "叁", "叄": "叁", "四": "肆", "五": "伍", "六": "陆", "陸": "陆",
    "七": "柒", "染": "柒", "八": "捌", "九": "玖", "十": "拾", "抬": "拾", "恰": "拾",
    "百": "佰", "伯": "佰", "千": "仟",
    "萬": "万", "億": "亿",
})
_UNITS = set("拾佰仟万亿圆角分整")
# the ⊗ before the amount is also read as a circled digit or a ring
_NOISE = set(" \t\r\n\u3000⊗ⓧ⒳Ⓧ⨂⨯×☒:：()（）[]【】②⑧◎⊙○⊘") | set("大写人民币")


# ------------------------------------------------------------------------------------------ format
def _group(value: int) -> str:
    """Capitals for 0 < value < 10000 without leading 零."""
    out: list[str] = []
    pending_zero = False
    for digit, unit in zip(f"{value:04d}", ("仟", "佰", "拾", ""), strict=True):
        if digit == "0":
            pending_zero = bool(out)
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        out.append(DIGITS[int(digit)] + unit)
    return "".join(out)


def integer_capitals(value: int) -> str:
    """Capitals for a non-negative whole number of yuan, without 圆 (``0 -> 零``)."""
    if value < 0:
        raise ValueError("negative value")
    if value == 0:
        return "零"
    groups = []
    while value:
        value, g = divmod(value, 10000)
        groups.append(g)
    if len(groups) > len(_GROUP_UNITS):
        raise ValueError("amount too large")
    out: list[str] = []
    need_zero = False
    for index in range(len(groups) - 1, -1, -1):
        g = groups[index]
        if g == 0:
            need_zero = bool(out)
            continue
        if out and (need_zero or g < 1000):
            out.append("零")
        out.append(_group(g) + _GROUP_UNITS[index])
        need_zero = False
    return "".join(out)


def to_capitals(amount: Decimal | int | str) -> str:
    """Capital-numeral form of an amount in yuan, as printed on a VAT invoice (see the contract)."""
    value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "负" if value < 0 else ""
    fen_total = int(abs(value) * 100)
    if fen_total == 0:
        return "零圆整"
    yuan, rest = divmod(fen_total, 100)
    jiao, fen = divmod(rest, 10)
    parts = [sign]
    if yuan:
        parts.append(integer_capitals(yuan) + "圆")
    if jiao:
        parts.append(DIGITS[jiao] + "角")
    if fen:
        if yuan and not jiao:
            parts.append("零")
        parts.append(DIGITS[fen] + "分")
    if not jiao and not fen:
        parts.append("整")
    return "".join(parts)


# ------------------------------------------------------------------------------------------- parse
def _section(s: str, *, leading: bool) -> int | None:
    """Value of a section below 万 (仟佰拾 and digits, 零 between); None if malformed. A bare 拾
    (拾伍 = 15) is allowed only at the very start of the number (``leading``)."""
    value = 0
    digit: int | None = None
    last_unit = 10_000
    for i, ch in enumerate(s):
        if ch in DIGITS:
            d = DIGITS.index(ch)
            if digit is not None:
                return None  # two digits without a unit between them ("壹贰", "壹零")
            digit = d or None
        elif ch in _SMALL_UNITS:
            unit = _SMALL_UNITS[ch]
            if unit >= last_unit:
                return None
            if digit is None:
                if not (leading and i == 0 and ch == "拾"):
                    return None
                digit = 1
            value += digit * unit
            digit, last_unit = None, unit
        else:
            return None
    return value + (digit or 0)


def _below_yi(s: str, *, leading: bool) -> int | None:
    """Value below 1e8: ``<section>万<section>`` or a single section."""
    high, has_wan, low = s.partition("万")
    if not has_wan:
        return _section(s, leading=leading)
    a, b = _section(high, leading=leading), _section(low, leading=False)
    return None if not a or b is None else a * 10_000 + b


def _below_wanyi(s: str, *, leading: bool) -> int | None:
    """Value below 1e12: ``<below 1e8>亿<below 1e8>`` or below 1e8."""
    high, has_yi, low = s.partition("亿")
    if not has_yi:
        return _below_yi(s, leading=leading)
    a, b = _below_yi(high, leading=leading), _below_yi(low, leading=False)
    return None if not a or b is None else a * 100_000_000 + b


def _parse_integer(s: str) -> int | None:
    """Whole yuan from 壹万零伍拾 style numerals (up to the 万亿 group); None if malformed."""
    if not s:
        return None
    high, has_wy, low = s.partition("万亿")
    if not has_wy:
        return _below_wanyi(s, leading=True)
    a, b = _section(high, leading=True), _below_wanyi(low, leading=False)
    return None if not a or b is None else a * 1_000_000_000_000 + b


def _canonical(text: str) -> tuple[str, bool]:
    s = "".join(ch for ch in text.translate(_CANON) if ch not in _NOISE)
    if s[:1] in "123456789Xx" and s[1:2] in DIGITS:
        s = s[1:]  # the ⊗ mark read as a digit or a letter (NFKC turns ② into 2): never a capital amount's start
    negative = False
    for prefix in ("负数", "负", "負", "-", "－"):
        if s.startswith(prefix):
            negative, s = True, s[len(prefix):]
            break
    return s, negative


def parse_capitals(text: str | None) -> Decimal | None:
    """``"壹仟伍佰圆整"`` -> ``Decimal("1500.00")``; None when not a well-formed capital amount."""
    if not text:
        return None
    s, negative = _canonical(text)
    if not any(ch in _UNITS for ch in s):
        return None  # a lone numeral (the 大 of a （大写） label read as 六) names no amount
    if s.endswith("整"):
        s = s[:-1]
    if not s or "整" in s:
        return None
    yuan_text, has_yuan, frac = s.partition("圆")
    if not has_yuan:
        if "角" in s or "分" in s:  # 伍角 / 伍分: no yuan
            yuan_text, frac = "", s
        else:
            yuan_text, frac = s, ""  # 圆 lost by OCR: 壹仟伍佰整
    yuan = 0
    if yuan_text and yuan_text != "零":
        parsed = _parse_integer(yuan_text)
        if parsed is None:
            return None
        yuan = parsed
    jiao = fen = 0
    rest = frac[2:] if frac.startswith("零角") else frac.removeprefix("零")  # 壹圆零角伍分 / 壹圆零伍分
    if rest.startswith(tuple(DIGITS)) and rest[1:2] == "角":
        jiao, rest = DIGITS.index(rest[0]), rest[2:]
    rest = rest.removeprefix("零")
    if rest.startswith(tuple(DIGITS)) and rest[1:2] == "分":
        fen, rest = DIGITS.index(rest[0]), rest[2:]
    if rest:
        return None
    if not yuan_text and not frac:
        return None
    value = Decimal(yuan) + Decimal(jiao) / 10 + Decimal(fen) / 100
    value = value.quantize(Decimal("0.01"))
    return -value if negative and value else value


CAPITALS_OFF = 3  # characters: capitals that do not parse still read a total this close to its capitals
CAPITAL_SHARE = 0.6  # of misread capitals still numerals or units (9 of 14: ②政万伍仟贰佰集检测叁角玖分)
_CAPITAL_CHARS = set(DIGITS) | set(_SMALL_UNITS) | set("万亿圆角分整")


def capitals_text(text: str | None) -> str | None:
    """A capital amount that does not parse (伍万陆仟额佰零柒调叁角贰分: 捌 and 圆 misread), in canonical
    characters, when at least ``CAPITAL_SHARE`` of its characters are still capital numerals or units:
    a reading to compare with the capitals of candidate totals (``capitals_off``); else None."""
    if not text:
        return None
    s, negative = _canonical(text)
    if len(s) < 3 or sum(ch in _CAPITAL_CHARS for ch in s) < CAPITAL_SHARE * len(s):
        return None
    return ("负" if negative else "") + s


def capitals_off(text: str, amount: Decimal) -> int:
    """How many characters the capitals ``text`` are off the capitals of ``amount``."""
    return Levenshtein.distance(_canonical(text)[0], to_capitals(amount).removeprefix("负"))


_PAIR = re.compile(f"([{DIGITS}])([{''.join(_SMALL_UNITS)}万亿角分])")
PAIRS_SURE = 3  # numeral-unit pairs of garbled capitals that all agree with one total and none with another


def capitals_pairs(text: str, amount: Decimal) -> int | None:
    """Capitals garbled past comparing as a whole (②政万伍仟贰佰集检测叁角玖分: 玖 and 柒拾圆 misread) read
    as their numeral-unit pairs (伍仟, 贰佰, 叁角, 玖分): how many of them the capitals of ``amount``
    hold, or None when one contradicts them (a numeral before a unit that ``amount`` has with another:
    伍仟 against 玖万陆仟…)."""
    read = _PAIR.findall(_canonical(text)[0])
    want = _PAIR.findall(to_capitals(amount).removeprefix("负"))
    units = {u for _, u in want}
    if any(pair not in want and pair[1] in units for pair in read):
        return None
    return sum(pair in want for pair in read)
