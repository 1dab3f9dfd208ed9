"""Independent evidence raises a field's confidence.

Contract: ``corroborate(fields, items) -> fields`` returns a copy in which fields that are confirmed by
other, independently read values get ``confidence = max(confidence, floor)``; nothing is ever lowered
and no value is changed. The OCR score of a line says how sure the recognizer was of its characters;
a checksum or an arithmetic identity that holds over several independently read numbers is stronger
evidence that each of them is right (a misread that keeps amount + tax = total to the cent, or keeps
a GB 32100 check character valid, is rare: about 1 in 31 for a random single-character error).
- amount_excl_tax + tax = total exactly, all three read (not derived): each >= ``ARITHMETIC``.
- total_in_words parses to total: both >= ``CAPITALS``.
- the line amounts add up to amount_excl_tax exactly: amount_excl_tax >= ``ARITHMETIC``.
- a taxpayer id read with a valid USCC check character (and a score of ``CHECKSUM_FROM`` or more):
  >= ``CHECKSUM``.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal, InvalidOperation

from capture.extract.capitals import parse_capitals
from capture.invoice import FieldValue, LineItem, Source
from capture.taxid import is_valid_uscc

ARITHMETIC = 0.97
CAPITALS = 0.98
CHECKSUM = 0.95
# an id with a lower score is not lifted: one chosen among the recognizer's alternatives by its check
# character (``capture.ocr.reread.CHOSEN``), or read nearly blind
CHECKSUM_FROM = 0.5


def _dec(fv: FieldValue | None) -> Decimal | None:
    if fv is None or fv.value is None or fv.source is Source.DERIVED:
        return None
    try:
        return Decimal(fv.value)
    except InvalidOperation:
        return None


def corroborate(fields: dict[str, FieldValue], items: tuple[LineItem, ...] | list[LineItem]) -> dict[str, FieldValue]:
    out = dict(fields)

    def lift(name: str, floor: float) -> None:
        fv = out.get(name)
        if fv is not None and fv.confidence < floor:
            out[name] = replace(fv, confidence=floor)

    amount, tax, total = (_dec(fields.get(n)) for n in ("amount_excl_tax", "tax", "total"))
    if amount is not None and tax is not None and total is not None and amount + tax == total:
        for name in ("amount_excl_tax", "tax", "total"):
            lift(name, ARITHMETIC)
    words = fields.get("total_in_words")
    if total is not None and words is not None and parse_capitals(words.value) == total:
        lift("total", CAPITALS)
        lift("total_in_words", CAPITALS)
    line_amounts = [_dec(li.amount) for li in items]
    if amount is not None and line_amounts and None not in line_amounts and sum(line_amounts) == amount:
        lift("amount_excl_tax", ARITHMETIC)
    for name in ("buyer_tax_id", "seller_tax_id"):
        fv = fields.get(name)
        # read so (a check character the extractor made hold by a repair is no evidence of it)
        if fv is not None and fv.source is not Source.DERIVED and fv.confidence >= CHECKSUM_FROM and is_valid_uscc(
            fv.value
        ):
            lift(name, CHECKSUM)
    return out
