"""The extractor facade: one page's OCR lines (+ its decoded QR payload) -> ``ExtractedInvoice``.

Contract: ``extract_page(lines, page=, qr=, qr_box=, to_original=, config=)``. ``lines`` are in the
upright processed image's coordinates (layout geometry needs straight rows); ``to_original`` maps a box
of that space to the original page, and every ``FieldValue.box`` is mapped through it. The rule set is
chosen by keyword hits; the QR payload, when present, is the preferred source of the fields it holds
(its value wins, the OCR reading is kept as an alternative, validation reports a disagreement).
Totals that disagree are repaired when independent readings agree (``capture.extract.reconcile``);
missing totals are derived from the others (source ``derived``). Nothing here reads files or clocks.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation

from rapidfuzz import fuzz

from capture.extract import normalize as n
from capture.extract.capitals import CAPITALS_OFF, capitals_off, parse_capitals, to_capitals
from capture.extract.corroborate import corroborate
from capture.extract.fields import FieldRead, read_field
from capture.extract.items import (
    amount_from_total,
    amounts_by_tax,
    blotted_amount,
    blotted_price,
    factors_by_total,
    repair_item,
    tax_from_total,
    taxes_by_amounts,
    taxes_by_total,
)
from capture.extract.kinds import normalize_kind
from capture.extract.layout import (
    Anchor,
    Box,
    center,
    find_anchors,
    height,
    reading_order,
    right_of,
    rows,
    squash,
    v_overlap,
    value_part,
)
from capture.extract.lexicon import (
    Lexicon,
    balanced,
    bracket_in_word,
    form_start_lost,
    label_remnant,
    repair_company,
    repair_item_name,
    repair_product_words,
    repair_words,
    stray_marks,
    trade_char_lost,
)
from capture.extract.reconcile import line_sum, reconcile
from capture.extract.rules import FieldRule, RuleSet, TableRule, load_rulebook
from capture.extract.table import CELL_NORMALIZERS, Cell, TableRead, closed_bracket, read_table
from capture.extract.units import (
    container_litres,
    named_package,
    repair_spec,
    repair_unit,
    spec_package,
    spec_units,
    unit_from_spec,
)
from capture.invoice import ExtractedInvoice, FieldValue, LineItem, Source
from capture.ocr.base import OcrLine
from capture.qr import QrPayload
from capture.taxid import (
    ALPHABET,
    classify,
    invoice_province,
    is_valid_uscc,
    lost_end_candidates,
    province_candidates,
    region_candidates,
    repair_candidates,
)

Mapper = Callable[[Box], Box]


@dataclass(frozen=True)
class ExtractConfig:
    rules: tuple[RuleSet, ...] = field(default_factory=load_rulebook)
    qr_confidence: float = 0.99
    keyword_cutoff: float = 85.0


UNIT_UNREAD = 0.1  # a unit read with a lower score is as good as unread
# a lot (批, 宗) after a Chinese character that is no numeral: its 一 lost (清洁用品批)
_LOST_ONE = re.compile(r"(?<=[\u4e00-\u9fff])(?<![一二三四五六七八九十两几每])([批宗])$")
# a USCC ending a line, after its label or alone: a whole token, never the last 18 of a longer number
# (a 20-digit invoice number or check code passes a check character once in 31: held-out 2525)
_ID_END = re.compile(r"(?<![0-9A-Za-z])([0-9][0-9A-Za-z]{17})$")
# one character short of a USCC after a label's Chinese (纳税入测别号91440303077247F01, J lost): an
# account number of 17 digits is never right after one of the label's parts
_ID_SHORT = re.compile(r"(?:识别|别号|信用|代码|税号|纳税)[:：]?(9[0-9A-Z]{16})$")


def choose_rules(lines: Sequence[OcrLine], config: ExtractConfig) -> RuleSet | None:
    """The rule set most of whose keywords the page holds. A keyword counts only in a line at least as
    long as it (a partial ratio aligns the shorter text in the longer: a speck read as t is 100% of
    TOTAL, QTY and RECEIPT, which made a Chinese invoice English on held-out 2424)."""
    texts = [squash(ln.text).upper() for ln in lines]
    best, best_hits = None, 0
    for rs in config.rules:
        hits = sum(
            1
            for kw in (squash(k).upper() for k in rs.keywords)
            if any(len(t) >= len(kw) and fuzz.partial_ratio(kw, t) >= config.keyword_cutoff for t in texts)
        )
        if hits > best_hits:
            best, best_hits = rs, hits
    return best


def _title_type(lines: Sequence[OcrLine], rs: RuleSet) -> tuple[str, OcrLine] | None:
    best = None
    # a title may be split (电子发票 | （增值税专用发票）): try every line and every row's joined text
    for ln in [*lines, *(OcrLine("".join(x.text for x in r), min(x.score for x in r), r[0].polygon)
                        for r in rows(lines) if len(r) > 1)]:
        t = squash(ln.text)
        for title in rs.titles:
            want = squash(title.text)
            # a title must fit in the line (a regional prefix such as 山东 may precede it)
            score = fuzz.partial_ratio(want, t) if len(want) <= len(t) + 1 else fuzz.ratio(want, t)
            if score >= rs.title_cutoff and (best is None or (score, len(title.text)) > best[0]):
                best = ((score, len(title.text)), title.invoice_type, ln)
    return (best[1], best[2]) if best else None


def top_line(lines: Sequence[OcrLine], rule: FieldRule, rs: RuleSet, anchors) -> FieldRead | None:
    """The first line of the page (reading order) that is a value of ``rule.kind`` and is neither a
    label nor a keyword line: the letterhead name of an unlabelled seller."""
    labelled = {id(ln) for a in anchors for ln in a.lines}
    keywords = [squash(k).upper() for k in rs.keywords]
    for ln in reading_order(lines)[:8]:
        text = squash(ln.text).upper()
        if id(ln) in labelled or any(k in text for k in keywords):
            continue
        value = normalize_kind(rule.kind, ln.text)
        if value is not None:
            return FieldRead(value, ln.score, ln.box, ln.text, 0.0)
    return None


def _currency(lines: Sequence[OcrLine], rs: RuleSet) -> str | None:
    if rs.currency:
        return rs.currency
    text = " ".join(ln.text for ln in lines)
    for symbol, iso in sorted(rs.currency_symbols.items(), key=lambda kv: -len(kv[0])):
        if symbol in text:
            return iso
    return None


def _ocr_value(value: str, conf: float, box: Box | None, page: int, to_original: Mapper) -> FieldValue:
    return FieldValue(value, max(0.0, min(1.0, conf)), Source.OCR, page, to_original(box) if box else None)


def _line_item(
    row: dict[str, Cell], page: int, to_original: Mapper, rates: tuple[str, ...] = (), lexicon: Lexicon | None = None
) -> LineItem:
    cols = {}
    for col, cell in row.items():
        value = CELL_NORMALIZERS[col](cell.text)
        if value == "***":
            value = "0.00"  # 免税 lines print *** for the tax
        if value is not None:
            cols[col] = _ocr_value(value, cell.score, cell.box, page, to_original)
    if "amount" not in cols and (cell := row.get("amount")) is not None and "tax" in cols and "tax_rate" in cols:
        found = blotted_amount(cell.text, cols["tax"].value, cols["tax_rate"].value)
        if found is not None:
            cols["amount"] = FieldValue(found, min(cell.score, cols["tax"].confidence), Source.DERIVED, page,
                                        to_original(cell.box))
    price, quantity, amount = row.get("unit_price"), cols.get("quantity"), cols.get("amount")
    if "unit_price" not in cols and price is not None and quantity is not None and amount is not None:
        tax, rate = (cols[k].value if k in cols else None for k in ("tax", "tax_rate"))
        found = blotted_price(price.text, quantity.value, amount.value, tax, rate)
        if found is not None:
            cols["unit_price"] = FieldValue(found, min(price.score, amount.confidence), Source.DERIVED, page,
                                            to_original(price.box))
    _derived(cols, "name", closed_bracket(cols["name"].value) if "name" in cols else None)
    if lexicon is not None:
        _derived(cols, "name", bracket_in_word(cols["name"].value, lexicon.words) if "name" in cols else None)
        spec = cols.get("spec")
        _derived(cols, "name", repair_item_name(cols["name"].value, lexicon) if "name" in cols else None)
        fixed = repair_spec(spec.value) if spec is not None else None
        if fixed == "":
            del cols["spec"]  # a speck read as the spec
        _derived(cols, "spec", fixed)
        spec = cols.get("spec")
        _derived(cols, "spec", repair_product_words(spec.value, lexicon.product_words) if spec else None)
        spec = cols.get("spec")
        worded = repair_words(spec.value, frozenset(), lexicon.words) if spec else None
        _derived(cols, "spec", worded if spec and worded != spec.value else None)  # 大家房 -> 大床房
        spec = cols.get("spec")
        unit = cols.get("unit")
        fixed = repair_unit(unit.value, spec.value if spec else None, lexicon.units) if unit else None
        if fixed == "":
            del cols["unit"]  # a speck read in the unit column
            unit = None
        _derived(cols, "unit", fixed)
        unit = cols.get("unit")
        _derived(cols, "spec", container_litres(spec.value, unit.value) if spec and unit else None)
        spec = cols.get("spec")
        # 5kg/t$ over 袋: the package after a measure's slash read as no Chinese character at all
        garbled = re.fullmatch(r"(.*\d(?:kg|g|L|ml|mL)/)[^\u4e00-\u9fff\d/]{1,2}", spec.value) if spec else None
        if spec is not None and unit is not None and (spec.value.endswith("/") or garbled) and (
            unit.value in lexicon.units
        ):
            # 5kg/ over 袋: the package after the slash lost (printed against the unit cell); SL/ then 5L/桶
            whole = (garbled[1] if garbled else spec.value) + unit.value
            cols["spec"] = FieldValue(repair_spec(whole) or whole, spec.confidence, Source.DERIVED, spec.page,
                                      spec.box, (spec,))
        name = cols.get("name")
        if name is not None and unit is not None and re.search(r"[\u4e00-\u9fff]一$", name.value) and (
            unit.value in lexicon.units
        ):  # 清洁用品一 over 批: the counter after 一 lost at the cell's edge (一批, 一宗: the row's unit)
            cols["name"] = FieldValue(name.value + unit.value, name.confidence, Source.DERIVED, name.page, name.box,
                                      (name,))
        elif name is not None and (m := _LOST_ONE.search(name.value)) is not None:
            # 清洁用品批: a lot counted with no numeral before it, its 一 lost (一批 and 一宗 are idioms)
            cols["name"] = FieldValue(name.value[: m.start(1)] + "一" + m[1], name.confidence, Source.DERIVED,
                                      name.page, name.box, (name,))
        name = cols.get("name")
        counted = re.search(r"一([\u4e00-\u9fff])$", name.value) if name is not None else None
        if counted and unit is not None and unit.value not in lexicon.units and counted[1] in lexicon.units:
            # 微 under 清洁用品一批: the unit is the counter the name ends with
            cols["unit"] = FieldValue(counted[1], unit.confidence, Source.DERIVED, unit.page, unit.box, (unit,))
            unit = cols["unit"]
        named = named_package(name.value) if name is not None else None
        if named and named in lexicon.units and (
            (unit is not None and unit.confidence < UNIT_UNREAD and named != unit.value)
            or (unit is not None and unit.value not in lexicon.units)
            or (unit is None and "quantity" in cols)
        ):  # 台 read at 0.05, 盘 (no unit) or nothing read under 中性笔芯…（20支/盒）: the package it sells by
            old = (unit,) if unit is not None else ()
            at = unit or cols["quantity"]
            cols["unit"] = FieldValue(named, min(at.confidence, 0.5), Source.DERIVED, at.page,
                                      unit.box if unit is not None else None, old)
            unit = cols["unit"]
        package = spec_package(spec.value if spec else None, lexicon.units)
        allowed = spec_units(spec.value) if package else None
        if unit is not None and allowed and package in allowed and unit.value not in allowed:
            # 幅 under 5L/桶 (no unit a liquid is sold in): the package the spec prices
            cols["unit"] = FieldValue(package, min(unit.confidence, 0.5), Source.DERIVED, unit.page, unit.box, (unit,))
            unit = cols["unit"]
        if unit is None and spec is not None and (found := unit_from_spec(spec.value, lexicon.units)):
            cols["unit"] = FieldValue(found[0], spec.confidence, Source.DERIVED, spec.page, spec.box)
            if found[1]:
                del cols["spec"]
    return repair_item(LineItem(**cols), rates, page)


def _derived(cols: dict[str, FieldValue], column: str, fixed: str | None) -> None:
    """A cell's text put right by the lexicon (source ``derived``), the reading kept as its alternative."""
    old = cols.get(column)
    if fixed is not None and old is not None:
        cols[column] = FieldValue(fixed, old.confidence, Source.DERIVED, old.page, old.box, (old,))


def _merge_qr(fields: dict[str, FieldValue], qr: QrPayload, qr_box: Box | None, config: ExtractConfig,
              page: int) -> None:
    for name, q in qr.fields().items():
        if q is None:
            continue
        ocr = fields.get(name)
        if ocr is not None and ocr.value == q:
            fields[name] = FieldValue(q, max(config.qr_confidence, ocr.confidence), Source.QR, page, ocr.box)
        else:
            alts = (ocr,) if ocr is not None else ()
            box = ocr.box if ocr is not None else qr_box
            fields[name] = FieldValue(q, config.qr_confidence, Source.QR, page, box, alts)


def _amount_not_from_rows(fields: dict[str, FieldValue]) -> str | None:
    """The invoice's amount before tax as read (or the QR's), else (unread, or replaced by ``reconcile``,
    whose readings include the rows' sum) its total less its tax, each read or the QR's: never a value
    the rows' amounts helped choose."""
    amount, total, tax = (fields.get(n) for n in ("amount_excl_tax", "total", "tax"))
    if amount is not None and amount.source is not Source.DERIVED:
        return amount.value
    if total is None or tax is None or Source.DERIVED in (total.source, tax.source):
        return None
    try:
        return f"{Decimal(total.value) - Decimal(tax.value):.2f}"
    except (InvalidOperation, TypeError):
        return None


def _derive(fields: dict[str, FieldValue], items: Sequence[LineItem], page: int) -> None:
    def dec(name: str) -> Decimal | None:
        fv = fields.get(name)
        return Decimal(fv.value) if fv is not None and fv.value is not None else None

    def conf(*names: str) -> float:
        return min(fields[nm].confidence for nm in names)

    _from_rows(fields, items, page)
    amount, tax, total = dec("amount_excl_tax"), dec("tax"), dec("total")
    if total is None and "total_in_words" in fields:
        words = parse_capitals(fields["total_in_words"].value)
        if words is not None:
            fields["total"] = FieldValue(f"{words:.2f}", conf("total_in_words"), Source.DERIVED, page)
            total = words
    if total is None and amount is not None and tax is not None:
        fields["total"] = FieldValue(f"{amount + tax:.2f}", conf("amount_excl_tax", "tax"), Source.DERIVED, page)
    elif amount is None and total is not None and tax is not None:
        fields["amount_excl_tax"] = FieldValue(f"{total - tax:.2f}", conf("total", "tax"), Source.DERIVED, page)
    elif tax is None and total is not None and amount is not None:
        fields["tax"] = FieldValue(f"{total - amount:.2f}", conf("total", "amount_excl_tax"), Source.DERIVED, page)


def _capitals_of_total(fields: dict[str, FieldValue], page: int) -> None:
    """Capitals that do not parse, at most ``CAPITALS_OFF`` characters off the total's: the total's
    capitals (derived; the reading kept as the alternative)."""
    words, total = fields.get("total_in_words"), fields.get("total")
    if words is None or total is None or parse_capitals(words.value) is not None:
        return
    if capitals_off(words.value, Decimal(total.value)) <= CAPITALS_OFF:
        fields["total_in_words"] = FieldValue(
            to_capitals(total.value), min(words.confidence, total.confidence), Source.DERIVED, page, words.box,
            (words,),
        )


def _from_rows(fields: dict[str, FieldValue], items: Sequence[LineItem], page: int) -> None:
    """The invoice's amount before tax not read (¥52835.2y) while its tax was, and the rows' taxes add
    up to that tax: the rows are all there and read right, so their amounts add up to the amount
    (and the other way round for a tax not read). Two independent prints agree: the total tax and
    every row's tax as read. Neither read, the rows' amounts and taxes adding up to the total read (or,
    none read, to its capitals): both sums."""
    for missing, known, other in (("amount_excl_tax", "tax", "amount"), ("tax", "amount_excl_tax", "tax")):
        if missing in fields or known not in fields or not items:
            continue
        column = "tax" if known == "tax" else "amount"
        given, wanted = line_sum(items, column), line_sum(items, other)
        if given is None or wanted is None or f"{given:.2f}" != fields[known].value:
            continue
        if any(getattr(li, column).source is not Source.OCR for li in items):
            continue  # a row value derived from the invoice's own total proves nothing about it
        conf = min(fields[known].confidence, *(getattr(li, other).confidence for li in items))
        fields[missing] = FieldValue(f"{wanted:.2f}", conf, Source.DERIVED, page)
    # neither read (the 合计 row lost), the total read (or its capitals): the rows' amounts and taxes as
    # read add up to it
    total = fields.get("total") or fields.get("total_in_words")
    if "amount_excl_tax" in fields or "tax" in fields or total is None or not items:
        return
    value = total.value if "total" in fields else parse_capitals(total.value)
    amounts, taxes = line_sum(items, "amount"), line_sum(items, "tax")
    if amounts is None or taxes is None or value is None or f"{amounts + taxes:.2f}" != f"{Decimal(value):.2f}":
        return  # (no row value came from these totals: neither was read)
    conf = min(total.confidence, *(min(li.amount.confidence, li.tax.confidence) for li in items))
    fields["amount_excl_tax"] = FieldValue(f"{amounts:.2f}", conf, Source.DERIVED, page)
    fields["tax"] = FieldValue(f"{taxes:.2f}", conf, Source.DERIVED, page)


UNREAD_DIGITS = 4  # digits after a label that make an unreadable value (not a stray mark, not label text)


def _read_fields(
    lines, rs: RuleSet, table: TableRead | None, page: int, to_original: Mapper, unread: dict[str, str]
) -> dict:
    """The labelled fields; ``unread`` gets the fields whose label was found with text after it (with at
    least ``UNREAD_DIGITS`` digits: every key field is mostly digits) that is no value of the field
    (9112010438574区8463 after 纳税人识别号; not the rest of a label read in two parts, /纳税人识额号)."""
    fields: dict[str, FieldValue] = {}
    currency = _currency(lines, rs)
    hints = {"date_order": rs.date_order.get(currency or "", rs.date_order.get("default"))}
    # one pass over all labels: a line is claimed by the label it matches best (发票代码 vs 发票号码);
    # nothing in the table header is a field label (a header split as 货物或应税劳务、服务 | 名称)
    labels = sorted({lab for rule in rs.fields.values() for lab in (*rule.labels, *rule.fallback_labels)})
    cutoff = min(rule.label_cutoff for rule in rs.fields.values())
    header = table.header if table is not None else None
    anchors = [
        a for a in find_anchors(lines, labels, cutoff)
        if header is None or not (header[1] - 2 <= (a.box[1] + a.box[3]) / 2 <= header[3] + 2)
    ]
    paired = {tuple(r.labels) for r in rs.fields.values() if r.occurrence > 1}
    parties = [next(iter(find_anchors(lines, [label], 80.0)), None) for label in rs.party_labels]
    # where the buyer's block has surely ended: the item table's header, or (no header read) 价税合计
    totals = [a.box[1] for a in anchors if a.label.startswith("价税合计")]
    divider = header[3] if header is not None else min(totals, default=None)
    titled = _title_type(lines, rs)
    mid = _middle(lines) if titled is not None and titled[0] in rs.side_by_side else None
    read_twice = {
        tuple(r.labels): (found[0], found[1]) for r in rs.fields.values() if tuple(r.labels) in paired
        and len(found := [a for a in anchors if a.label in r.labels and a.score >= r.label_cutoff]) >= 2
    }
    for name, rule in rs.fields.items():
        mine = [a for a in anchors if a.label in rule.labels and a.score >= rule.label_cutoff]
        if tuple(rule.labels) in paired:
            mine = _split_label_once(mine)
            pair = next((v for k, v in read_twice.items() if k != tuple(rule.labels)), None)
            mine, rule = _one_of_pair(mine, rule, divider, parties, pair, mid)
        got = read_field(lines, rule, mine, strict=tuple(rule.labels) in paired, **hints)
        if got is None and rule.fallback_labels:
            more = [a for a in anchors if a.label in rule.fallback_labels and a.score >= rule.label_cutoff]
            got = read_field(lines, rule, more, **hints)
        if got is None and rule.fallback == "top_line":
            got = top_line(lines, rule, rs, anchors)
        if got is not None:
            fields[name] = _ocr_value(got.value, got.confidence, got.box, page, to_original)
        else:
            at = mine[rule.occurrence - 1 : rule.occurrence] if tuple(rule.labels) in paired else mine[:1]
            solved = _unread_id(lines, at[0], rule) if at and rule.kind == "tax_id" else None
            if solved is not None:
                fields[name] = FieldValue(solved[0], min(solved[1], ID_REPAIRED), Source.DERIVED, page,
                                          to_original(solved[2]))
            elif at and sum(ch.isdigit() for ch in at[0].rest) >= UNREAD_DIGITS:
                unread[name] = at[0].rest
    if titled is not None:
        fields["invoice_type"] = _ocr_value(titled[0], titled[1].score, titled[1].box, page, to_original)
    elif rs.default_type:
        fields["invoice_type"] = FieldValue(rs.default_type, 0.9, Source.DERIVED, page)
    if currency:
        fields["currency"] = FieldValue(currency, 1.0 if rs.currency else 0.95, Source.DERIVED, page)
    _unlabelled_name(lines, fields, rs, header, page, to_original)
    _unlabelled_id(lines, fields, rs, divider, page, to_original, unread, parties)
    _confused_ids(fields, rs)
    if rs.table is not None and "invoice_type" in fields:  # a VAT invoice's header
        _unlabelled_header(lines, fields, divider, page, to_original)
    _legal_forms(fields, rs)
    return fields


# a short label (a misread one: 复票号6, 校) and a colon, then digits: no bank account (账号) or phone
_AFTER_COLON = re.compile(r"^([^:：账户电话址]{1,5})[:：]\s*([\d ]{8,30})$")


def _unlabelled_header(lines, fields: dict, divider: float | None, page: int, to_original: Mapper) -> None:
    """A legacy invoice's number or check code whose label was misread past matching (复票号6：66227054,
    校：27871 49052 74794 69864): above the item table (``divider``), the one line of a short label (no
    account or phone), a colon and digits of the field's length (8 for the number under a 发票代码, 20 for
    the check code) is its value. The colon says a label came before; no other header field has those
    lengths."""
    if divider is None or "invoice_code" not in fields:
        return
    found: dict[str, list] = {"invoice_number": [], "check_code": []}
    for ln in lines:
        m = _AFTER_COLON.search(ln.text.strip()) if center(ln)[1] < divider else None
        if m is None:
            continue
        number, check = n.digits(m[2], (8,)), n.check_code(m[2])
        if number is not None:
            found["invoice_number"].append((number, ln))
        if check is not None:
            found["check_code"].append((check, ln))
    for name, hits in found.items():
        if name not in fields and len({v for v, _ in hits}) == 1:
            value, ln = hits[0]
            fields[name] = _ocr_value(value, ln.score, ln.box, page, to_original)


SPLIT_GAP = 5.0  # label heights: the two parts of one label read as two lines (名 | 称：…) are this close


def _split_label_once(anchors: list[Anchor]) -> list[Anchor]:
    """Anchors of a shared label with one label read as two (名 | 公 | 称：南京…: 名称 split, each part a
    label of its own): an anchor with nothing after it followed on its row, within ``SPLIT_GAP`` label
    heights, by another is that one's first part, not the other party's label (which would make the
    buyer's name the seller's). Side-by-side blocks (数电) have the buyer's value between the two."""
    out = []
    for k, a in enumerate(anchors):
        b = anchors[k + 1] if k + 1 < len(anchors) else None
        h = a.box[3] - a.box[1]
        same_row = b is not None and abs(center(b.last)[1] - center(a.last)[1]) < 0.5 * h
        if not (same_row and not a.rest and 0 <= b.box[0] - a.box[2] <= SPLIT_GAP * h):
            out.append(a)
    return out


def _one_of_pair(
    anchors: list, rule: FieldRule, divider: float | None, parties: Sequence[Anchor | None] = (),
    pair: tuple[Anchor, Anchor] | None = None, mid: float | None = None,
) -> tuple[list, FieldRule]:
    """Only one anchor of a label the buyer and the seller share (名称, 纳税人识别号; the other misread):
    it is the seller's when it sits in the seller's block (``_party``: the block label beside it;
    数电 invoices print the two blocks side by side), or, no block label read, when it is clearly
    nearer the seller's anchor of another shared label read twice (``pair``: the buyer's and the
    seller's 纳税人识别号 for a lone 名称), or, on a page that prints the blocks side by side, right of
    ``mid`` (held-out 7070: 销售方信息 and the buyer's labels misread, the seller's 名称 had been the
    buyer's and both parties swapped), or, none of these, below ``divider`` (the
    item table's header, else the 价税合计 line: the buyer's block is always above the table); then
    the buyer's field gets no anchor and the seller's takes it, and the other way round."""
    if len(anchors) != 1:
        return anchors, rule
    side = _party(anchors[0], parties)
    if side is None and pair is not None:
        side = _nearer(anchors[0], pair)
    if side is None and mid is not None:
        side = int(anchors[0].box[0] > mid)
    if side is None and divider is not None:
        side = 1 if (anchors[0].box[1] + anchors[0].box[3]) / 2 > divider else None
    if side is None:
        return anchors, rule
    if side == rule.occurrence - 1:
        return anchors, rule.model_copy(update={"occurrence": 1})
    return [], rule


def _middle(lines: Sequence[OcrLine]) -> float | None:
    """The x halfway across the page's text."""
    return (min(ln.box[0] for ln in lines) + max(ln.box[2] for ln in lines)) / 2 if lines else None


def _nearer(anchor: Anchor, pair: tuple[Anchor, Anchor]) -> int | None:
    """0 or 1: the anchor of ``pair`` (buyer's, seller's) ``anchor`` is clearly nearer (half the
    distance or less), else None."""
    def dist(other: Anchor) -> float:
        (a0, a1, a2, a3), (b0, b1, b2, b3) = anchor.box, other.box
        return (((a0 + a2) - (b0 + b2)) ** 2 + ((a1 + a3) - (b1 + b3)) ** 2) ** 0.5 / 2

    near, far = sorted((dist(a), k) for k, a in enumerate(pair))
    return near[1] if near[0] <= 0.5 * far[0] else None


def _party(anchor: Anchor, parties: Sequence[Anchor | None]) -> int | None:
    """0 (buyer) or 1 (seller): the block whose label (``RuleSet.party_labels``) is beside ``anchor``,
    on its rows and nearest to its left; None unless both labels were read (with one, the nearest
    label to the left may be the other block's, far off: 销售方 misread, the seller's 名称 is right of
    购买方 too) or when neither is beside it."""
    if len(parties) < 2 or any(label is None for label in parties):
        return None
    x0, y0, _, y1 = anchor.box
    h = y1 - y0
    cy = (y0 + y1) / 2
    best: tuple[float, float, int] | None = None
    for k, label in enumerate(parties):
        if x0 < label.box[0] - h:
            continue
        _, ly0, lx1, ly1 = label.box
        key = (max(0.0, ly0 - cy, cy - ly1), x0 - lx1, k)
        if key[0] <= 2 * h and (best is None or key < best):
            best = key
    return best[2] if best is not None else None


# a branch after the company's legal form: <place>分公司 (天津正大网络科技有限责任公司北京分公司)
_BRANCH_END = r"[\u4e00-\u9fff]{2,4}分公司$"


def _unlabelled_name(lines, fields: dict, rs: RuleSet, header: Box | None, page: int, to_original: Mapper) -> None:
    """One name field not found (its 名称 label misread) and the other found: the one other line outside
    the item table that is a whole company name (it ends with a legal form, or a legal form and a branch's
    <place>分公司) is its value."""
    missing = [nm for nm in rs.name_fields if nm not in fields]
    if len(missing) != 1 or len(missing) == len(rs.name_fields) or not rs.legal_forms:
        return
    taken = {squash(fields[nm].value) for nm in rs.name_fields if nm in fields}
    found = [
        (value, ln) for ln in lines
        if (header is None or center(ln)[1] < header[1] or center(ln)[1] > header[3])
        and (value := normalize_kind("name", ln.text)) is not None
        and not any(t in squash(ln.text) for t in taken) and _whole_name(ln.text, value)
        and any(value.endswith(form) or re.search(re.escape(form) + _BRANCH_END, value) for form in rs.legal_forms)
    ]
    if len(found) == 1:
        value, ln = found[0]
        fields[missing[0]] = _ocr_value(value, ln.score, ln.box, page, to_original)


def _whole_name(text: str, value: str) -> bool:
    """The line is the name, or the name after a misread label (名构：)."""
    head = squash(text)[: -len(squash(value))] if squash(text).endswith(squash(value)) else None
    return head == "" or (head is not None and len(head) <= 3 and head[-1] in ":：")


def _unlabelled_id(lines, fields: dict, rs: RuleSet, divider: float | None, page: int, to_original: Mapper,
                   unread: dict[str, str], parties: Sequence[Anchor | None] = ()) -> None:
    """One taxpayer id not found (its label misread: 纳税人职资号) and the other found: the one line on
    the missing one's side that ends in a valid USCC other than the found one is its value. The side:
    with the two party labels read side by side (数电: 购买方信息 | 销售方信息 on one band), left or right
    of the seller's label within that band; else above or below ``divider`` (the buyer's block is above
    the item table). The check character is the evidence; with no valid one there, the one id-shaped
    value is ``unread`` (printed, unreadable: an error for validation, where a missing buyer id on an
    ordinary invoice is none; such an invoice had been accepted without its misread id)."""
    missing = [k for k, nm in enumerate(rs.id_fields) if nm not in fields]
    if len(rs.id_fields) == 2 and len(missing) == 2:
        _ids_by_names(lines, fields, rs, page, to_original)
        return
    if len(rs.id_fields) != 2 or len(missing) != 1 or divider is None:
        return
    seller = missing[0] == 1
    buyer_label, seller_label = [*parties, None, None][:2]
    side_by_side = buyer_label is not None and seller_label is not None and (
        abs(center(buyer_label.last)[1] - center(seller_label.last)[1]) < 0.5 * height(seller_label.last))
    taken = fields[rs.id_fields[1 - missing[0]]].value
    held = [ln for value, ln in _line_ids(lines) if value == taken]
    if len(held) == 1 and not side_by_side:
        # a party label misread (典实方结息 for 购买方信息): the found id's line has the other beside it on
        # its row (数电), right of it for the seller's; a legacy invoice never prints two ids on one row
        beside = [
            (value, ln) for value, ln in _line_ids(lines)
            if ln is not held[0] and v_overlap(held[0].box, ln.box) >= 0.5
            and (center(ln)[0] > center(held[0])[0]) == seller and is_valid_uscc(value)
        ]
        if len({value for value, _ in beside}) == 1:
            value, ln = beside[0]
            fields[rs.id_fields[missing[0]]] = _ocr_value(value, ln.score, ln.box, page, to_original)
            return
    if side_by_side:
        top, bottom = seller_label.box[1], seller_label.box[3]

        def on_side(ln: OcrLine) -> bool:
            return top <= center(ln)[1] <= bottom and (center(ln)[0] > seller_label.box[0]) == seller
    else:
        def on_side(ln: OcrLine) -> bool:
            return (center(ln)[1] > divider) == seller
    shaped = [(value, ln) for value, ln in _line_ids(lines) if on_side(ln) and value != taken]
    found = [(value, ln) for value, ln in shaped if is_valid_uscc(value)]
    if len({value for value, _ in found}) == 1:
        value, ln = found[0]
        fields[rs.id_fields[missing[0]]] = _ocr_value(value, ln.score, ln.box, page, to_original)
    elif not found and len({value for value, _ in shaped}) == 1:
        unread.setdefault(rs.id_fields[missing[0]], shaped[0][0])
    elif not shaped:
        # the label misread past anchoring and the id one character short: what ``lost_end_candidates``
        # makes of it, a guess for a person to confirm
        short = [
            (got[0], ln) for ln in lines
            if on_side(ln) and (m := _ID_SHORT.search("".join(ln.text.split()))) is not None
            and len(got := lost_end_candidates(m[1])) == 1
        ]
        if len({value for value, _ in short}) == 1:
            value, ln = short[0]
            fv = _ocr_value(value, ln.score, ln.box, page, to_original)
            fields[rs.id_fields[missing[0]]] = replace(fv, confidence=min(fv.confidence, ID_REPAIRED),
                                                       source=Source.DERIVED)


ID_REPAIRED = 0.85  # confidence of a tax id put right by one confusable character: below review's 0.90


def _confused_ids(fields: dict, rs: RuleSet) -> None:
    """A tax id failing its check character that exactly one substitution of an OCR-confusable
    character makes valid (91510104500863759J read ...7591; ``repair_candidates``) is that id,
    ``derived`` with a confidence below the review threshold: a repair the check character cannot
    prove (a random misread has a unique wrong candidate about one time in 17), for a person to confirm.
    So is a 17-character id starting with 9 (no legacy number does) that one lost character makes
    valid (``lost_end_candidates``: 9111010819089160X for …160XJ). The issuer's (the seller's) id whose
    province is one character off the invoice's first gets that province, when it makes the id valid
    (``province_candidates``)."""
    for name in rs.id_fields:
        fv = fields.get(name)
        if fv is None or not fv.value or classify(fv.value) not in ("bad_check", "invalid"):
            continue
        issued = (
            invoice_province(*(f.value if (f := fields.get(k)) else None for k in ("invoice_code", "invoice_number")))
            if name == rs.issuer_id else None
        )
        province = issued[1] if issued else None
        candidates = (
            (province_candidates(fv.value, province) or repair_candidates(fv.value) or region_candidates(fv.value))
            if len(fv.value) == 18 else lost_end_candidates(fv.value)
        )
        if len(candidates) == 1:
            fields[name] = FieldValue(candidates[0], min(fv.confidence, ID_REPAIRED), Source.DERIVED, fv.page,
                                      fv.box, (fv,))


def _unread_id(lines, anchor: Anchor, rule: FieldRule) -> tuple[str, float, Box] | None:
    """(the id ``_solved_id`` makes of the text after a tax id's label, or of the line right of it, the
    score it was read with, its box) or None."""
    if anchor.rest:
        found = _solved_id(anchor.rest)
        return (found, anchor.last.score, value_part(anchor.last, anchor.rest)) if found else None
    nxt = next(iter(right_of(anchor.box, lines, rule.max_gap * height(anchor.last), exclude=anchor.lines)), None)
    found = _solved_id(nxt.text) if nxt is not None else None
    return (found, nxt.score, nxt.box) if found else None


def _solved_id(text: str) -> str | None:
    """A USCC with one character read as no id character at all (9142011135F108114月 and …706区 for a
    check character J, E; 914≤0111131D566088, 9111@10802GTM59374, 9137010303279LT:41 inside; held-out
    5959-6464): the one character there that makes the id valid (one position free, exactly one of the
    31 fits the check character). Only the check character says an id is read right, and here it is
    spent on the solving: a guess for a person to confirm (``ID_REPAIRED``), not a reading."""
    # what is left of a label the anchor did not cover (统一社会信用代码纳税人识别号：…, the / lost)
    s = re.sub(r"^.*[\u4e00-\u9fff][:：]", "", "".join(text.split())).upper()
    odd = [i for i, ch in enumerate(s) if not (ch.isascii() and ch.isalnum())]
    if len(s) != 18 or len(odd) != 1:
        return None
    at = odd[0]
    fits = {
        code for ch in ALPHABET
        if (code := n.taxpayer_id(s[:at] + ch + s[at + 1 :])) is not None and is_valid_uscc(code)
    }
    return fits.pop() if len(fits) == 1 else None


def _line_ids(lines) -> list[tuple[str, OcrLine]]:
    """(the id, its line) for each line ending in an id-shaped value (18 characters, a digit first)."""
    return [
        (value, ln)
        for ln in lines
        if (m := _ID_END.search(ln.text.replace(" ", ""))) is not None
        and (value := n.taxpayer_id(m.group(1))) is not None
    ]


def _ids_by_names(lines, fields: dict, rs: RuleSet, page: int, to_original: Mapper) -> None:
    """Both taxpayer ids not found (both labels misread: 一位会用代码辆税人号：913701125964H0327D): two
    lines ending in a valid USCC, each nearest the line of a different party's name (read), are those
    parties' ids."""
    if len(rs.name_fields) != 2 or any(nm not in fields or not fields[nm].value for nm in rs.name_fields):
        return
    named = []
    for nm in rs.name_fields:
        held = [ln for ln in lines if squash(fields[nm].value) in squash(ln.text)]
        if len(held) != 1:
            return
        named.append(held[0])
    found = {(value, id(ln)): ln for value, ln in _line_ids(lines) if is_valid_uscc(value)}
    if len(found) != 2 or len({value for value, _ in found}) != 2:
        return

    def nearest(ln: OcrLine) -> int:
        (x, y) = center(ln)
        return min(range(2), key=lambda k: math.dist((x, y), center(named[k])))

    sides = {nearest(ln): (value, ln) for (value, _), ln in found.items()}
    if len(sides) != 2:
        return
    for k, (value, ln) in sides.items():
        fields[rs.id_fields[k]] = _ocr_value(value, ln.score, ln.box, page, to_original)


def legal_form(name: str, forms: Sequence[str]) -> str | None:
    """``name`` with its ending put right when it is one character off a legal form (有限公爵 -> 有限公司;
    the longer forms first, so 毅份有限公司 is 股份有限公司, not a 有限公司 already) or the form without its
    last character (有限公 -> 有限公司: cut off at the cell's edge), or a longer form without its last two
    (有限责任 -> 有限责任公司), or a long form with a character inside it lost (有限责公司 -> 有限责任公司);
    None when it ends with a form already
    or is not close to one. A branch's name (…有限资任公司济南分公司) has its company's form put right
    before the branch; a form of six characters or more two characters off (有限奠迁公司) is that form
    when no other is as near."""
    branch = _BRANCH.search(name)
    if branch is not None and branch.start(1) > 0:
        head = legal_form(name[: branch.start(1)], forms)
        return head + branch[1] if head is not None else None
    near = [
        form for form in forms
        if len(form) >= LONG_FORM and len(name) > len(form) and not name.endswith(form)
        and sum(a != b for a, b in zip(name[-len(form) :], form, strict=True)) == 2
    ]
    for form in sorted(forms, key=len, reverse=True):
        if name.endswith(form):
            return None
        if len(name) <= len(form):
            continue
        if sum(a != b for a, b in zip(name[-len(form) :], form, strict=True)) == 1:
            return name[: -len(form)] + form
        if len(form) > 3 and name.endswith(form[:-1]):
            return name + form[-1]
        if len(form) > 4 and name.endswith(form[:-2]):  # 有限责任 | 股份有限: 公司 cut off
            return name + form[-2:]
        for k in range(1, len(form) - 2):  # a character inside a long form lost (有限责公司)
            short = form[:k] + form[k + 1 :]
            if len(form) > 5 and name.endswith(short) and len(name) > len(short):
                return name[: -len(short)] + form
    if len(near) == 1 and not any(name.endswith(f) for f in forms):
        return name[: -len(near[0])] + near[0]
    return None


LONG_FORM = 6  # characters: a legal form this long two characters off is still that form
# a branch after its company's form, or after the form's 公 (司 lost where the branch's box overlaps)
_BRANCH = re.compile(r"(?:公司|公)([\u4e00-\u9fff]{2,4}分公司)$")


def _issue_years(fields: dict[str, FieldValue]) -> range | None:
    """The years the invoice can have been issued in by its number (数电: the first two digits are the
    year) or its code (the year its blank was printed, and a few years after)."""
    number, code = (fields[k].value if k in fields else None for k in ("invoice_number", "invoice_code"))
    if number and len(number) == 20 and number[:2].isdigit():
        return range(2000 + int(number[:2]), 2001 + int(number[:2]))
    year = n.code_year(code)
    return range(year, year + n.CODE_YEAR_SLACK + 1) if year is not None else None


def _date_year(fields: dict[str, FieldValue]) -> None:
    """A date read with a year that its number or code rules out and that is one digit off exactly one
    year they allow: that year (2626年10月20日 read at 1.00 under a code of 2026)."""
    fv, years = fields.get("date"), _issue_years(fields)
    if fv is None or fv.source is not Source.OCR or years is None or not fv.value or int(fv.value[:4]) in years:
        return
    fits = [y for y in years if _one_digit(fv.value[:4], str(y))]
    if len(fits) != 1:
        return
    try:
        fixed = date.fromisoformat(f"{fits[0]}{fv.value[4:]}").isoformat()
    except ValueError:
        return  # 29 February of a year that has none
    fields["date"] = FieldValue(fixed, fv.confidence, Source.DERIVED, fv.page, fv.box, (fv,))


def _one_digit(a: str, b: str) -> bool:
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def _legal_forms(fields: dict[str, FieldValue], rs: RuleSet) -> None:
    """Company names repaired by their legal form, in simplified characters, a bracket around a known place
    that OCR lost put back, then (read with a low score) by the lexicon; the reading is kept as the
    alternative."""
    lexicon = Lexicon.load(rs.lexicon) if rs.lexicon else None
    for name in rs.name_fields:
        fv = fields.get(name)
        if fv is None or not fv.value:
            continue
        lost = form_start_lost(fv.value, lexicon, rs.legal_forms) if lexicon is not None else None
        fixed = lost or legal_form(fv.value, rs.legal_forms) or fv.value
        if lexicon is not None:  # a mainland name is printed in simplified characters (聯創 read for 联创)
            fixed = lexicon.to_simplified(fixed)
        if lexicon is not None:  # a lost bracket or trade character at any score; the lexicon's words below it only
            fixed = trade_char_lost(fixed, lexicon, rs.legal_forms) or fixed
            fixed = label_remnant(fixed, lexicon, rs.legal_forms) or fixed
            repaired = (repair_company(fixed, lexicon, tuple(rs.legal_forms)) if fv.confidence < rs.lexicon_name_below
                        else balanced(fixed, lexicon))
            fixed = stray_marks(repaired or fixed) or repaired or fixed  # after a bracket put back: 正大、上海）
        if fixed != fv.value:
            fields[name] = FieldValue(fixed, fv.confidence, Source.DERIVED, fv.page, fv.box, (fv,))


def _table_totals(table: TableRead, rule: TableRule, fields: dict, page: int, to_original: Mapper) -> dict:
    """Invoice totals from the 合计 row's cells (金额 -> amount_excl_tax, 税额 -> tax), unless read already."""
    out = {}
    for fname, col in rule.totals.items():
        cell = table.totals.get(col)
        if cell is None or fname in fields:
            continue
        value = n.money(cell.text, implied_decimals=True)
        if value is None and set(squash(cell.text)) <= {"*"}:
            value = "0.00"  # every line 免税: the tax total prints ***
        if value is not None:
            out[fname] = _ocr_value(value, cell.score, cell.box, page, to_original)
    return out


def extract_page(
    lines: Sequence[OcrLine],
    *,
    page: int = 1,
    qr: QrPayload | None = None,
    qr_box: Box | None = None,
    to_original: Mapper = lambda b: b,
    config: ExtractConfig | None = None,
) -> ExtractedInvoice:
    config = config or ExtractConfig()
    rs = choose_rules(lines, config)
    fields: dict[str, FieldValue] = {}
    items: list[LineItem] = []
    unread: dict[str, str] = {}
    if rs is not None:
        table = read_table(lines, rs.table) if rs.table is not None else None
        fields.update(_read_fields(lines, rs, table, page, to_original, unread))
        if table is not None and rs.table is not None:
            rates = tuple(rs.table.rates)
            lexicon = Lexicon.load(rs.lexicon) if rs.lexicon else None
            items = [_line_item(row, page, to_original, rates, lexicon) for row in table.rows]
            fields.update(_table_totals(table, rs.table, fields, page, to_original))
            total = fields.get("amount_excl_tax")
            items = amount_from_total(items, total.value if total is not None else None, rates, page)
            tax = fields.get("tax")
            items = tax_from_total(items, tax.value if tax is not None else None, rates, page)
            items = taxes_by_total(items, tax.value if tax is not None else None, rates, page)
            items = amounts_by_tax(items, tax.value if tax is not None else None, rates, page)
    if qr is not None:
        _merge_qr(fields, qr, qr_box, config, page)
        if "currency" not in fields:
            fields["currency"] = FieldValue("CNY", 1.0, Source.DERIVED, page)
    if rs is not None and rs.table is not None and (amount := fields.get("amount_excl_tax")) is not None:
        items = taxes_by_amounts(items, amount.value, tuple(rs.table.rates), page)
    fields = reconcile(fields, items, page)
    if rs is not None and rs.table is not None:
        independent, amount = _amount_not_from_rows(fields), fields.get("amount_excl_tax")
        if independent is not None:
            items = factors_by_total(items, independent, tuple(rs.table.rates), page)
            # a row amount unread: what the amount leaves it, now that the others may have been mended
            items = amount_from_total(items, independent, tuple(rs.table.rates), page)
        elif amount is not None and amount.value:  # as reconcile chose it (the rows may have helped): mends only
            items = factors_by_total(items, amount.value, tuple(rs.table.rates), page, confirm=False)
    _date_year(fields)
    _derive(fields, items, page)
    _capitals_of_total(fields, page)
    fields = corroborate(fields, items)
    unread = {k: v for k, v in unread.items() if k not in fields or not fields[k].present}
    return ExtractedInvoice(fields=fields, line_items=tuple(items), page=page, qr=qr, unread=unread)
