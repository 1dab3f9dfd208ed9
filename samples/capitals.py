"""Chinese capital numerals (大写金额) as printed in 价税合计（大写） on VAT invoices.

Contract: ``to_capitals(Decimal("1500.00")) == "壹仟伍佰圆整"``. Amounts are non-negative with at most two
decimals (fen). The output follows the tax-control software: 圆 for yuan, 整 only when there are neither
jiao nor fen (``52.70 -> 伍拾贰圆柒角``), a single 零 for each run of zeros, 壹拾 (never a bare 拾) for the
tens, and no 圆 when the integer part is zero (``0.50 -> 伍角``).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ("仟", "佰", "拾", "")
GROUP_UNITS = ("", "万", "亿", "万亿")


def _group(value: int) -> str:
    """Capitals for 0 < value < 10000, without a leading 零 (the caller adds it)."""
    out = []
    pending_zero = False
    for i, digit in enumerate(f"{value:04d}"):
        d = int(digit)
        if d == 0:
            pending_zero = bool(out)
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        out.append(DIGITS[d] + SMALL_UNITS[i])
    return "".join(out)


def integer_capitals(value: int) -> str:
    """Capitals for a non-negative integer of yuan, without the 圆 (``0`` -> ``零``)."""
    if value < 0:
        raise ValueError("negative amount")
    if value == 0:
        return "零"
    groups = []
    while value:
        groups.append(value % 10000)
        value //= 10000
    if len(groups) > len(GROUP_UNITS):
        raise ValueError("amount too large")
    out = []
    need_zero = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            need_zero = bool(out)
            continue
        if out and (need_zero or group < 1000):
            out.append("零")
        out.append(_group(group) + GROUP_UNITS[index])
        need_zero = False
    return "".join(out)


def to_capitals(amount: Decimal | str | int) -> str:
    """Capital-numeral form of an amount in yuan, as printed on a VAT invoice."""
    value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if value < 0:
        raise ValueError("negative amount")
    fen_total = int(value * 100)
    yuan, rest = divmod(fen_total, 100)
    jiao, fen = divmod(rest, 10)
    if fen_total == 0:
        return "零圆整"
    parts = []
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
