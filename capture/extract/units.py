"""A row's spec and unit put right where the row's own text points at one answer.

Contract: ``repair_spec(spec) -> str | None`` and ``repair_unit(unit, spec, units) -> str | None`` return
the repaired text, or None when nothing is to be changed. Both read the packaging form of a spec,
``<amount><measure>/<package>`` (5L/桶, 500ml/瓶, 10kg/袋, 20支/盒):
- in its amount, a Latin letter of a digit's shape is that digit (SL/桶 -> 5L/桶, 1OOml/瓶 -> 100ml/瓶):
  an amount is a number, and the measure after it says the letter belongs to one;
- a unit that is no known unit (``units``: the lexicon's list) is the package the spec names, when that
  is a known unit (a unit misread as 福 under a spec of 5L/桶 is 桶); a unit read right, or a spec of
  another form, is never changed.
"""

from __future__ import annotations

import re

# Latin letters OCR reads for digits of the same shape
DIGIT_LOOKALIKES = str.maketrans({"S": "5", "s": "5", "O": "0", "o": "0", "l": "1", "I": "1", "B": "8", "Z": "2"})
MEASURES = (
    "L", "l", "ml", "mL", "ML", "kg", "KG", "Kg", "g", "mm", "cm", "m", "W", "V", "Ah", "mAh",
    "克", "千克", "公斤", "升", "毫升", "米", "支", "片", "粒", "个", "只", "张", "包", "袋", "瓶", "盒", "枚", "卷",
)
_PACKAGING = re.compile(
    r"^(?P<amount>[\dSsOolIBZ.]*[\dSsOolIBZ])(?P<measure>"
    + "|".join(sorted(map(re.escape, MEASURES), key=len, reverse=True))
    + r")/(?P<package>[\u4e00-\u9fff]{1,2})$"
)


def _packaging(spec: str | None) -> re.Match[str] | None:
    return _PACKAGING.match(spec.strip()) if spec else None


def repair_spec(spec: str | None) -> str | None:
    m = _packaging(spec)
    if m is None:
        return None
    amount = m["amount"].translate(DIGIT_LOOKALIKES)
    if amount == m["amount"] or not re.fullmatch(r"\d+(\.\d+)?", amount):
        return None
    return f"{amount}{m['measure']}/{m['package']}"


def repair_unit(unit: str | None, spec: str | None, units: frozenset[str]) -> str | None:
    if not unit or unit in units:
        return None
    m = _packaging(spec)
    return m["package"] if m is not None and m["package"] in units else None
