"""Totals repair: when the read amount, tax and total disagree, independent readings that agree win.

Contract: ``reconcile(fields, items, page) -> fields`` returns a copy. It changes nothing when
amount_excl_tax + tax = total holds for the values read, or when fewer than ``MIN_SUPPORT`` independent
readings back any other consistent triple. The readings of each quantity are independent prints of it:
- amount_excl_tax: the 合计 amount (or the label's value), the sum of the line amounts, the QR amount
  (legacy invoices);
- tax: the 合计 tax, the sum of the line taxes;
- total: the （小写） figure, the capitals (价税合计（大写）; capitals that do not parse read the one
  candidate total they are at most ``CAPITALS_OFF`` characters off, the others being further), the QR
  amount (数电 invoices).
Every consistent triple (a + t = total) built from two readings (the third computed) is scored by how
many readings equal its values; the best one is taken when it is backed by at least ``MIN_SUPPORT``
readings and no other triple is backed as well (between equally backed triples, the one that more
readings are one character off wins, as the misreads it explains; then the one that replaces the
readings OCR was least sure of; an exact tie changes nothing). A triple whose tax is more than
``MAX_TAX_SHARE`` of its amount is no invoice's. An OCR misread that happens to
agree with two other independent readings to the cent is very unlikely. A QR value is never replaced, and a triple must
contain it; with a QR value two readings suffice (the QR and one more) when no other triple has as
many (confidence is no tie-breaker there), but such a repair gets only ``WEAK_CONFIDENCE`` (below the
review threshold). Amount, tax and total have one sign (a red invoice is
negative throughout). A changed value gets source ``derived``, confidence ``CONFIDENCE`` and keeps the
reading it replaced as its alternative. When no read value would change (only gaps), nothing is done
here: filling gaps is the extractor's ``_derive``.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal, InvalidOperation
from itertools import product

from rapidfuzz.distance import Levenshtein

from capture.extract.capitals import CAPITALS_OFF, PAIRS_SURE, capitals_off, capitals_pairs, parse_capitals
from capture.invoice import FieldValue, LineItem, Source

NAMES = ("amount_excl_tax", "tax", "total")
MIN_SUPPORT = 3
# no tax is more than this share of its amount before tax (VAT/GST rates: China 17% at most, ever; 27%
# the highest anywhere): 31109.84 on 13839.19 (the ¥ of 1109.84 read as 3) is no tax
MAX_TAX_SHARE = Decimal("0.3")
CONFIDENCE = 0.95
WEAK_CONFIDENCE = 0.85


def _dec(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def line_sum(items, column: str) -> Decimal | None:
    """The rows' ``column`` added up; None when a row lacks it (or there are no rows)."""
    values = [_dec(getattr(li, column).value) if getattr(li, column) is not None else None for li in items]
    if not values or None in values:
        return None
    return sum(values, Decimal(0))


def readings(fields: dict[str, FieldValue], items) -> dict[str, list[tuple[str, Decimal]]]:
    """quantity -> [(where it was read, value)], one entry per independent reading."""
    out: dict[str, list[tuple[str, Decimal]]] = {name: [] for name in NAMES}
    for name in NAMES:
        fv = fields.get(name)
        if fv is None:
            continue
        for cand in (fv, *fv.alternatives):
            value = _dec(cand.value)
            if value is not None and cand.source in (Source.OCR, Source.QR):
                out[name].append((cand.source.value, value))
    words = fields.get("total_in_words")
    if words is not None and (value := parse_capitals(words.value)) is not None:
        out["total"].append(("capitals", value))
    for name, column in (("amount_excl_tax", "amount"), ("tax", "tax")):
        value = line_sum(items, column)
        if value is not None:
            out[name].append(("lines", value))
    return out


def _support(triple: tuple[Decimal, Decimal, Decimal], seen: dict[str, list[tuple[str, Decimal]]]) -> int:
    return sum(v == value for name, value in zip(NAMES, triple, strict=True) for _, v in seen[name])


def _near(triple: tuple[Decimal, Decimal, Decimal], seen: dict[str, list[tuple[str, Decimal]]]) -> int:
    """How many readings are one character off the triple's values (58672.45 for 58672.15, 42844.49
    for 4844.49): the misreads a triple explains, the tie-breaker between equally backed triples."""
    return sum(
        v != value and Levenshtein.distance(f"{v:.2f}", f"{value:.2f}") == 1
        for name, value in zip(NAMES, triple, strict=True) for _, v in seen[name]
    )


def _capitals_near(totals: set[Decimal], words: FieldValue | None) -> list[tuple[str, Decimal]]:
    """Capitals that do not parse (伍万陆仟额佰零柒调叁角贰分: 捌 and 圆 misread) as a reading of the one
    candidate total whose capitals they are at most ``CAPITALS_OFF`` characters off, every other
    candidate being further off; else, of the one whose numeral-unit pairs they hold and no other's
    (``capitals_pairs``)."""
    if words is None or not words.value or parse_capitals(words.value) is not None:
        return []
    off = sorted((capitals_off(words.value, t), t) for t in totals)
    if off and off[0][0] <= CAPITALS_OFF and (len(off) == 1 or off[1][0] > off[0][0]):
        return [("capitals", off[0][1])]
    # garbled further: the one total whose capitals hold ``PAIRS_SURE`` of their numeral-unit pairs
    # while every other's contradict one (伍仟 in ②政万伍仟贰佰集检测叁角玖分 against 96220.39)
    fits = {t: capitals_pairs(words.value, t) for t in totals}
    sure = [t for t, n in fits.items() if n is not None and n >= PAIRS_SURE]
    if len(sure) == 1 and all(n is None for t, n in fits.items() if t != sure[0]):
        return [("capitals", sure[0])]
    return []


def _tails(values: set[Decimal], seen: list[tuple[str, Decimal]]) -> list[tuple[str, Decimal]]:
    """Readings no consistent triple holds (43789882.09 for the total: （小写）¥ read 4378) as readings of
    the one candidate value each ends with (9882.09, held-out 7070), a label's misread glued before it."""
    out = []
    for where, v in seen:
        if v in values or where not in ("ocr", "qr"):
            continue
        fits = [c for c in values if c > 0 and f"{v:.2f}".endswith(f"{c:.2f}")]
        if len(fits) == 1:
            out.append(("tail", fits[0]))
    return out


def reconcile(fields: dict[str, FieldValue], items: tuple[LineItem, ...] | list[LineItem], page: int) -> dict:
    current = tuple(_dec(fields[n].value) if n in fields else None for n in NAMES)
    if None not in current and current[0] + current[1] == current[2]:
        return fields
    seen = readings(fields, items)
    a_s, t_s, s_s = ({v for _, v in seen[n]} for n in NAMES)
    triples = {(a, t, a + t) for a, t in product(a_s, t_s)}
    triples |= {(a, s - a, s) for a, s in product(a_s, s_s)}
    triples |= {(s - t, t, s) for t, s in product(t_s, s_s)}
    fixed = {n: _dec(fields[n].value) for n in NAMES if n in fields and fields[n].source is Source.QR}
    triples = {
        tr for tr in triples
        if all(tr[NAMES.index(n)] == v for n, v in fixed.items()) and (min(tr) >= 0 or max(tr) <= 0)
        and abs(tr[1]) <= MAX_TAX_SHARE * abs(tr[0])
    }
    if not triples:
        return fields
    seen["total"] += _capitals_near({tr[2] for tr in triples}, fields.get("total_in_words"))
    for k, name in enumerate(NAMES):
        seen[name] += _tails({tr[k] for tr in triples}, seen[name])

    def doubt(tr: tuple[Decimal, Decimal, Decimal]) -> float:
        """How sure OCR was of the readings this triple replaces (the least sure are replaced first)."""
        return max([fields[n].confidence for n, v in zip(NAMES, tr, strict=True)
                    if n in fields and _dec(fields[n].value) != v] or [0.0])

    scored = sorted(((_support(tr, seen), _near(tr, seen), -doubt(tr), tr) for tr in triples), reverse=True)
    best_support, best_near, best_doubt, best = scored[0]
    if len(scored) > 1 and scored[1][:3] == (best_support, best_near, best_doubt):
        return fields
    if best_support >= MIN_SUPPORT:
        confidence = CONFIDENCE
    elif fixed and best_support >= 2 and (len(scored) == 1 or scored[1][0] < best_support):
        confidence = WEAK_CONFIDENCE  # the QR and one reading, and no other triple as well backed
    else:
        return fields
    replaced = [n for n, v in zip(NAMES, best, strict=True) if n in fields and _dec(fields[n].value) != v]
    if not replaced:
        return fields  # only gaps to fill: that is ``_derive``'s job
    out = dict(fields)
    for name, value in zip(NAMES, best, strict=True):
        old = fields.get(name)
        if old is not None and _dec(old.value) == value:
            continue
        text = f"{value:.2f}"
        if old is None:
            out[name] = FieldValue(text, confidence, Source.DERIVED, page)
        else:
            out[name] = replace(old, value=text, confidence=confidence, source=Source.DERIVED,
                                alternatives=(replace(old, alternatives=()), *old.alternatives))
    return out
