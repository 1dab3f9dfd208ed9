"""Invoices from a document: OCR'd pages -> QR decode -> field extraction -> validation.

Contract: ``capture_invoices(data, engine=, config=, today=)`` returns one ``PageInvoice`` per page
that holds an invoice (a page with neither a QR payload nor any rule set's keywords is skipped; if no
page holds one, the first page is returned so the caller always gets a record to review). ``today`` is
injected (capture reads no clock). Every box is in original-page pixels. Raises only ``CaptureError``.
With an engine that has ``recognize_crops`` (and ``InvoiceConfig.second_look``), the lines of a page's
doubtful names, item names and units are read again (``capture.ocr.second_look``; through
``read_lattices`` when the engine has it, so that the unit judge can weigh the recognizer's own
alternatives) and the page extracted again when a second look changed a text; the page's lines carry
the new texts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial

import numpy as np

from capture.extract.extractor import ExtractConfig, choose_rules, extract_page
from capture.extract.layout import center, squash
from capture.extract.lexicon import MIN_WORD, lost_letters
from capture.extract.table import TALL, item_name, read_table, stacked_cells
from capture.extract.units import named_package, repair_spec, spec_units
from capture.geometry import bbox
from capture.invoice import ExtractedInvoice, Source
from capture.ocr.base import OcrEngine, OcrLine
from capture.ocr.ctc import reader
from capture.ocr.reread import ReadCrops, variants
from capture.ocr.second_look import (
    Judge,
    after_category,
    agreed_spec,
    as_digits,
    category_of,
    chained,
    company_name,
    completed_word,
    completions,
    cuts,
    digits_sure,
    doubted_name,
    extended_text,
    extends,
    gained_stars,
    item_words,
    known_categories,
    known_category,
    known_unit,
    known_units,
    known_words,
    lost_words,
    misread_star,
    model_spec,
    named_unit,
    reread_lines,
    spaceless,
    star_split,
    unit_at_end,
    word_gaps_of,
)
from capture.pipeline import CaptureConfig, PageText, map_line, read_document
from capture.qr import QrPayload, decode_qr, parse_payload
from capture.validate import ValidationConfig, ValidationResult, validate
from capture.vendors import VendorList


@dataclass(frozen=True)
class InvoiceConfig:
    capture: CaptureConfig = field(default_factory=CaptureConfig)
    extract: ExtractConfig = field(default_factory=ExtractConfig)
    validation: ValidationConfig = field(default_factory=ValidationConfig)
    vendors: VendorList | None = None
    second_look: bool = True  # doubtful names and item names are read again (engines with recognize_crops)
    name_sure: float = 0.985  # a name line read with a lower score gets a second look
    # an item name's line with a character that no known word covers read with a lower score, likewise
    # (its lattice then weighs the words' characters: 代证 at 0.988 is 代订, 订 at 0.03-0.18 in the cuts)
    item_sure: float = 0.995
    # a key number read on the page alone (no QR code) that fewer than 4 of its 5 cuts read again gets at
    # most this confidence, under the validation's threshold (``second_look.digits_sure``)
    digits_unsure: float = 0.8


@dataclass(frozen=True)
class PageInvoice:
    page: PageText
    invoice: ExtractedInvoice
    validation: ValidationResult

    def to_dict(self) -> dict:
        inv = self.invoice.to_dict()
        return {
            "page": self.page.number,
            "status": self.validation.status.value,
            "fields": inv["fields"],
            "line_items": inv["line_items"],
            "line_item_provenance": [li.provenance() for li in self.invoice.line_items],
            "issues": [i.to_dict() for i in self.validation.issues],
            "qr": inv["qr"],
            "quality": self.page.quality.to_dict(),
        }


def _qr(page: PageText) -> tuple[QrPayload | None, tuple[float, float, float, float] | None]:
    """The page's QR payload and its box (original-page pixels): read on the prepared page, else on
    the page as loaded. Deskewing resamples the image, and a low-resolution code (2 pixels per module)
    blurs past reading: of the 9 hard samples in 80 (seed 3131) whose code did not read once prepared,
    6 read as loaded."""
    for hit in decode_qr(page.prepared.image):
        payload = parse_payload(hit.text)
        if payload is not None:
            return payload, bbox(page.prepared.chain.to_original(np.asarray(hit.polygon, float)))
    if page.original is None or not page.prepared.chain.steps:  # nothing resampled: no second chance
        return None, None
    for hit in decode_qr(page.original):
        payload = parse_payload(hit.text)
        if payload is not None:
            return payload, bbox(np.asarray(hit.polygon, float))
    return None, None


def _mapper(page: PageText):
    chain = page.prepared.chain

    def to_original(box):
        x0, y0, x1, y1 = box
        pts = chain.to_original(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], float))
        pts[:, 0] = pts[:, 0].clip(0, page.width - 1)
        pts[:, 1] = pts[:, 1].clip(0, page.height - 1)
        return bbox(pts)

    return to_original


def _doubtful(
    lines: Sequence[OcrLine], inv: ExtractedInvoice, name_sure: float, item_sure: float | None = None
) -> dict[int, Judge]:
    """Lines worth a second look: a buyer/seller name read with a low score or that the lexicon would
    change (``doubted_name``), the first line of an item name that lacks the asterisk between its
    category and its name, a unit cell read as no known unit (a unit the lexicon put right is
    ``derived``, not read again); and a line of an item name read with a low score with a character that
    a known word one character off would cover (``word_gaps_of``), or read surely with one that a word of
    ``MIN_WORD`` or more characters would, whose judge then also weighs that (``known_words``); a line
    of an item name holding a known word with a character lost (``lost_words``); a spec read one
    character short of a known word (``completed_word``), or read unsurely (``agreed_spec``). Model
    specs' lost last characters are ``_lost_ends``'s to pick."""
    names = [squash(fv.value) for n in ("buyer_name", "seller_name") if (fv := inv.fields.get(n)) and fv.value]
    items = [star_split(li.name.value)[0] for li in inv.line_items if li.name and li.name.value.count("*") < 2]
    units = _unknown_units(inv)
    # item names with both asterisks and a category that is none of the list's (the lexicon's repair
    # of a single misread character did not apply): their first line, read as *类别*
    odd = {
        cat for li in inv.line_items
        if li.name and (cat := category_of(li.name.value)) is not None and cat not in known_categories()
    }
    item_sure = name_sure if item_sure is None else item_sure
    # the item names and specs (their words: 铜版纸), spaces aside
    whole = [
        "".join(star_split(fv.value)[0].split())
        for li in inv.line_items for fv in (li.name, li.spec) if fv is not None and fv.value
    ]
    specs = _specs(inv)
    # a spec line with its row's unit glued on, the unit read as none the row allows: the line -> the units
    glued = {
        spaceless(li.spec.value) + li.unit.value: allowed
        for li in inv.line_items
        if li.spec is not None and li.spec.value and li.unit is not None and li.unit.value
        and len(li.unit.value) == 1 and li.unit.value not in (allowed := _allowed(li.value("spec"), li.value("name")))
    }
    # an item name naming the package it is sold by (…（20支/盘）) that is not its row's unit read:
    # the package named -> the units of the rows that name it so
    packaged: dict[str, set[str]] = {}
    for li in inv.line_items:
        named = named_package(li.value("name"))
        if named is not None and li.unit is not None and li.unit.value in known_units() and named != li.unit.value:
            packaged.setdefault(named, set()).add(li.unit.value)
    todo: dict[int, Judge] = {}
    for i, ln in enumerate(lines):
        bare = star_split(ln.text)[0]
        held = [name for name in names if name in squash(ln.text)]
        judge: Judge | None = None
        if held and (ln.score < name_sure or any(doubted_name(name) for name in held)):
            judge = company_name
        elif len(bare) >= 2 and any(name.startswith(bare) for name in items):
            judge = gained_stars
        elif ln.text.strip() in units and len(ln.text.strip()) <= 2:
            judge = known_unit
        elif odd and category_of(item_name(ln.text) or ln.text) in odd:
            judge = known_category
        elif after_category(squash(ln.text)) is not None:  # an item name: its category, no asterisk after
            judge = misread_star
        around = _around(_name_part("".join(bare.split()), specs), whole) if bare.strip() else None
        gaps = word_gaps_of(ln.text, *around) if around is not None else {}
        if gaps and (ln.score < item_sure or any(n >= MIN_WORD for opts in gaps.values() for n in opts.values())):
            words = partial(known_words, before=around[0], after=around[1])
            judge = chained(judge, words) if judge is not None else words
        if around is not None and lost_letters(ln.text, item_words()):  # 子头 of 子弹头
            judge = chained(judge, lost_words) if judge is not None else lost_words
        if squash(ln.text) in specs and completions(squash(ln.text)):  # 大床 of 大床房
            judge = chained(judge, completed_word) if judge is not None else completed_word
        if squash(ln.text) in specs and ln.score < SPEC_SURE:
            # first: the word judges weigh the characters of what the cuts agree on (标准阀 read, the cuts'
            # 标准阔 then 标准间 by its word; after them, the cuts' 标准阔 had undone the word, held-out 7777)
            judge = chained(agreed_spec, judge) if judge is not None else agreed_spec
        if (bare_line := spaceless(ln.text)) in glued:
            ending = partial(unit_at_end, among=glued[bare_line])
            judge = chained(judge, ending) if judge is not None else ending
        if len(sold_by := packaged.get(named_package(ln.text.rstrip()) or "", ())) == 1:
            named = partial(named_unit, unit=next(iter(sold_by)))
            judge = chained(judge, named) if judge is not None else named
        if judge is not None:
            todo[i] = judge
    return todo


def _specs(inv: ExtractedInvoice) -> set[str]:
    """The rows' specs as extracted, spaces aside (a line holding one is a spec line)."""
    return {squash(li.spec.value) for li in inv.line_items if li.spec is not None and li.spec.value}


def _lost_ends(lines: Sequence[OcrLine], inv: ExtractedInvoice, image, read_crops: ReadCrops) -> list[int]:
    """Model spec lines (ThinkBook 16) whose plain crop, read once, shows one more character at its end
    (16+): the page's read may have lost it, and the second look's cuts decide (``extended_text``).
    One crop per model spec first: the five cuts of every one cost 0.2 s a document for a loss seen in
    about one invoice of ninety."""
    specs = _specs(inv)
    models = [i for i, ln in enumerate(lines) if squash(ln.text) in specs and model_spec(ln.text)]
    crops = [(i, cut[0]) for i in models if (cut := variants(image, lines[i].box))]
    if not crops:
        return []
    reads = read_crops([crop for _, crop in crops])
    return [i for (i, _), (text, *_) in zip(crops, reads, strict=True) if extends(lines[i].text, text)]


def _name_part(text: str, specs: set[str]) -> str:
    """A line's text without the row's spec at its end (the detector took 激光打印机确鼓（黑色） TN-2325 as
    one line, held-out 6969: the name's words were never looked at again)."""
    spec = next((sp for sp in specs if len(text) > len(sp) and text.endswith(sp)), None)
    return text[: -len(spec)] if spec else text


def _around(bare: str, names: Sequence[str], context: int = 4) -> tuple[str, str] | None:
    """The characters before and after a line's text in the item name that holds it (the name's other
    lines), or None when no name holds it."""
    for name in names:
        at = name.find(bare)
        if at >= 0:
            return name[max(0, at - context) : at], name[at + len(bare) : at + len(bare) + context]
    return None


def _unknown_units(inv: ExtractedInvoice) -> set[str]:
    return {
        li.unit.value for li in inv.line_items
        if li.unit and li.unit.source is Source.OCR and li.unit.value not in known_units()
    }


def _stacked_units(lines: Sequence[OcrLine], inv: ExtractedInvoice) -> list[tuple[int, int, OcrLine]]:
    """(line index, character index, the character's own line) for each character read as no known
    unit in a line of units stacked down the unit column (这喜 for 次 over 项: the detector merges a
    column of one-character units into one tall box, and the recognizer reads such a box worse than
    one character at a time). The character's box is its share of the tall one, as the table splits it."""
    unknown = _unknown_units(inv)
    out = []
    for i, ln in enumerate(lines):
        cells = stacked_cells(ln)
        if not cells or not any(c.text in unknown for c in cells):
            continue
        for k, c in enumerate(cells):
            if c.text not in known_units():
                x0, y0, x1, y1 = c.box
                out.append((i, k, OcrLine(c.text, ln.score, ((x0, y0), (x1, y0), (x1, y1), (x0, y1)))))
    return out


def _halved_units(lines: Sequence[OcrLine], inv: ExtractedInvoice) -> list[tuple[int, int, OcrLine]]:
    """(line index, half, the half's own line) for a unit read as one known unit in a box as tall as two
    (桶 over 次 detected as one box and read 次) while a row has no unit: the top and the bottom half
    are read again on their own (the halves' lines have no text: each is judged afresh)."""
    if not inv.line_items or all(li.unit is not None for li in inv.line_items):
        return []
    out = []
    for i, ln in enumerate(lines):
        x0, y0, x1, y1 = ln.box
        if len(squash(ln.text)) == 1 and squash(ln.text) in known_units() and y1 - y0 >= TALL * (x1 - x0):
            mid = (y0 + y1) / 2
            for k, (a, b) in enumerate(((y0, mid), (mid, y1))):
                out.append((i, k, OcrLine("", ln.score, ((x0, a), (x1, a), (x1, b), (x0, b)))))
    return out


SPEC_SURE = 0.95  # a spec line read with a lower score is read again (``agreed_spec``)
UNIT_DOUBT = 0.5  # a unit cell read with a lower score is read again from scratch (克 at 0.18 for 千克)


def _rect(x0: float, y0: float, x1: float, y1: float) -> tuple[tuple[float, float], ...]:
    return (x0, y0), (x1, y0), (x1, y1), (x0, y1)


def _unit_cells(
    lines: Sequence[OcrLine], config: InvoiceConfig, inv: ExtractedInvoice | None = None
) -> list[tuple[int | None, bool, OcrLine, frozenset[str] | None]]:
    """Unit cells to read again one row at a time, as (the line read there or None, whether that line
    stacks several rows' units, an empty line over the cell, the units the row's spec allows or None):
    in a row with a quantity and no unit where the detector found nothing (a lone faint character
    missed), in every row a line spans that stacks units of several rows (箱贷 over three rows: 桶
    lost, the rest misplaced; the cell is the unit label's width, half a label height wider each side,
    the height of the row's numbers; not a stack read as one known unit per row), and a unit of at most
    two characters read unsurely or read as no known unit under a spec that names the units it allows
    (紫 for 张 under A4 157g铜版纸: its own box)."""
    rs = choose_rules(lines, config.extract)
    if rs is None or rs.table is None:
        return []
    if inv is not None and not any(stacked_cells(ln) for ln in lines) and all(
        li.unit is not None and li.unit.value in _allowed(li.value("spec"), li.value("name"))
        and li.unit.confidence >= UNIT_DOUBT
        for li in inv.line_items if li.quantity is not None
    ):
        return []  # every counted row has a unit known (and allowed) read surely, and nothing is stacked
    table = read_table(lines, rs.table)
    label = table.columns.get("unit")
    if label is None:
        return []
    pad = (label[3] - label[1]) / 2
    x0, x1 = label[0] - pad, label[2] + pad
    out: list[tuple[int | None, bool, OcrLine, frozenset[str] | None]] = []
    for row in table.rows:
        numbers = [row[k].box for k in ("quantity", "unit_price", "amount", "tax") if k in row]
        if not numbers:
            continue
        y0, y1 = min(b[1] for b in numbers), max(b[3] for b in numbers)
        there = [i for i, ln in enumerate(lines) if x0 < center(ln)[0] < x1 and ln.box[1] < (y0 + y1) / 2 < ln.box[3]]
        piece = OcrLine("", 0.0, _rect(x0, y0, x1, y1))
        if len(there) > 1:
            continue
        allowed = _hint(_spec_text(row), row["name"].text if "name" in row else None)
        if not there:
            if "quantity" in row and "unit" not in row:
                out.append((None, False, piece, allowed))
            continue
        ln = lines[there[0]]
        stacked = ln.box[3] - ln.box[1] > 1.6 * (y1 - y0)
        short = len(squash(ln.text)) <= 2 and "quantity" in row and "unit" in row
        unsure = short and ln.score < UNIT_DOUBT
        hinted = short and allowed is not None and squash(ln.text) not in allowed
        if stacked or unsure or hinted:  # a line of one row: its own box, as read
            own = piece if stacked else OcrLine("", 0.0, ln.polygon)
            out.append((there[0], stacked, own, allowed))
    # a stack read as one known unit per row it spans is read right: nothing to read again
    spans = Counter(i for i, stacked, _, _ in out if stacked)
    fine = {
        i for i, rows in spans.items()
        if len(squash(lines[i].text)) == rows and all(ch in known_units() for ch in squash(lines[i].text))
    }
    return [cell for cell in out if cell[0] not in fine]


def _hint(spec: str | None, name: str | None) -> frozenset[str] | None:
    """The units a row can be counted in by its spec (``spec_units``: a paper, a liquid) or by the
    package its name ends by naming (中性笔芯（20支/盒）: 盒), else None."""
    named = named_package(name)
    return spec_units(spec) or (frozenset({named}) if named in known_units() else None)


def _allowed(spec: str | None, name: str | None) -> frozenset[str]:
    return _hint(spec, name) or known_units()


def _spec_text(row: dict) -> str | None:
    spec = row.get("spec")
    return (repair_spec(spec.text) or spec.text) if spec is not None else None


def _unit_read(line: OcrLine, reads: list, among: frozenset[str] | None = None) -> tuple[str, float] | None:
    """A known unit the cuts make clearly likeliest (of those ``among`` allows), else what every cut
    reads (one or two characters)."""
    unit = known_unit(line, reads, among)
    if unit is not None or not reads:
        return unit
    texts = {squash(text) for text, *_ in reads}
    text = texts.pop() if len(texts) == 1 else ""
    units = (among or known_units()) & known_units()
    if len(text) == 2 and text not in known_units() and len(held := [ch for ch in text if ch in units]) == 1:
        text = held[0]  # the cell's crop caught a neighbour's edge (氏张: 纸 of the spec before it, cut in half)
    return (text, min(score for _, score, *_ in reads)) if 0 < len(text) <= 2 else None


def units_again(
    lines: Sequence[OcrLine], image, read_crops, config: InvoiceConfig, inv: ExtractedInvoice | None = None
) -> tuple[dict[int, str], set[int], list[OcrLine]]:
    """The unit cells (``_unit_cells``) read again on their own, as (new texts by line, lines dropped,
    lines added): a known unit the cuts make clearly likeliest (``known_unit``) fills an empty cell or
    replaces a unit read unsurely; a line of stacked units gives way to its rows' cells read one at a
    time when every one reads as a known unit or the same in every cut (``_unit_read``). With ``inv``
    (the page's extraction) nothing is looked at when every counted row has a known unit read surely
    and no line is stacked (the table is not rebuilt)."""
    cells = _unit_cells(lines, config, inv)
    if not cells:
        return {}, set(), []
    pieces = [piece for _, _, piece, _ in cells]
    judges = {k: partial(_unit_read, among=among) for k, (_, _, _, among) in enumerate(cells)}
    got = reread_lines(pieces, judges, image, read_crops)
    stacks: dict[int, list[OcrLine]] = {}
    added, changed = [], {}
    for (i, stacked, _piece, _among), read in zip(cells, got, strict=True):
        if i is None and read.text in known_units():
            added.append(read)
        elif i is not None and stacked:
            stacks.setdefault(i, []).append(read)
        elif i is not None and read.text in known_units():
            changed[i] = read.text
    dropped = set()
    for i, reads in stacks.items():
        if len(reads) > 1 and all(r.text for r in reads):  # a stack seen in one row only: left as it was
            dropped.add(i)
            added += reads
    return changed, dropped, added


def _with_units(page: PageText, changed: dict[int, str], dropped: set[int], added: list[OcrLine]) -> PageText:
    def kept(lines: list[OcrLine]) -> list[OcrLine]:
        return [
            OcrLine(changed.get(i, ln.text), ln.score, ln.polygon) for i, ln in enumerate(lines) if i not in dropped
        ]

    h, w = page.height, page.width
    return replace(
        page, processed_lines=[*kept(page.processed_lines), *added],
        lines=[*kept(page.lines), *(map_line(ln, page.prepared, w, h) for ln in added)],
    )


def _second_look(
    lines: Sequence[OcrLine], todo: dict[int, Judge], pieces: list[tuple[int, int, OcrLine]], image, read_crops,
    halves: Sequence[tuple[int, int, OcrLine]] = (),
) -> list[OcrLine]:
    """The doubtful lines read again (``reread_lines``), and each stacked unit character read again on
    its own: a known unit the cuts make clearly likeliest (``known_unit``) takes its place in its line;
    a unit box two units tall (``_halved_units``) becomes the two units its halves read (one half read
    surely as another unit than the box was: the box's unit is the other half's)."""
    n, parts = len(lines), [*pieces, *halves]
    todo = {**todo, **{n + j: known_unit for j in range(len(parts))}}
    got = reread_lines([*lines, *(piece for _, _, piece in parts)], todo, image, read_crops)
    out = got[:n]
    for j, (i, k, piece) in enumerate(pieces):
        new = got[n + j].text
        if new != piece.text and len(new) == 1:
            chars = list(squash(out[i].text))
            chars[k] = new
            out[i] = OcrLine("".join(chars), out[i].score, out[i].polygon)
    read = {(i, k): got[n + len(pieces) + j].text for j, (i, k, _) in enumerate(halves)}
    for i in {i for i, _, _ in halves}:
        first = squash(out[i].text)
        top, bottom = read[(i, 0)], read[(i, 1)]
        if top and bottom:
            out[i] = OcrLine(top + bottom, out[i].score, out[i].polygon)
        elif (top or bottom) and (top or bottom) != first:  # the unit first read is the other half's
            out[i] = OcrLine((top or first) + (bottom or first), out[i].score, out[i].polygon)
    return out


# key fields that neither a check character nor a sum confirms: when no QR code gave them, the page's
# reading is all there is, and its line score (a mean over the line) hides one doubtful digit
UNCONFIRMED = ("invoice_number", "invoice_code", "check_code")


def _unsure_numbers(
    lines: Sequence[OcrLine], inv: ExtractedInvoice, image, read_crops, unsure: float
) -> ExtractedInvoice:
    """``inv`` with the confidence of each ``UNCONFIRMED`` field read by OCR lowered to what the five cuts
    of its line give its least sure digit (``digits_sure``), when that is lower."""
    todo: dict[int, list[str]] = {}
    for name in UNCONFIRMED:
        fv = inv.fields.get(name)
        if fv is None or fv.value is None or fv.source is not Source.OCR:
            continue
        at = next((i for i, ln in enumerate(lines) if fv.value in as_digits(ln.text)), None)
        if at is not None:
            todo.setdefault(at, []).append(name)
    crops = [(i, cut) for i in todo for cut in cuts(image, lines[i].box)]
    if not crops:
        return inv
    reads: dict[int, list] = {}
    for (i, _), read in zip(crops, read_crops([cut for _, cut in crops]), strict=True):
        reads.setdefault(i, []).append(read)
    fields = dict(inv.fields)
    for i, names in todo.items():
        for name in names:
            fv = fields[name]
            sure = digits_sure(fv.value, reads.get(i, []), unsure)
            if sure < fv.confidence:
                fields[name] = replace(fv, confidence=round(sure, 4))
    return replace(inv, fields=fields)


def _with_lines(page: PageText, lines: list[OcrLine]) -> PageText:
    """The page with new texts for its processed lines (the original-space lines follow, index by index)."""
    moved = [OcrLine(new.text, new.score, old.polygon) for old, new in zip(page.lines, lines, strict=True)]
    return replace(page, processed_lines=lines, lines=moved)


def _extract(page: PageText, qr, qr_box, config: InvoiceConfig) -> ExtractedInvoice:
    return extract_page(
        page.processed_lines, page=page.number, qr=qr, qr_box=qr_box, to_original=_mapper(page),
        config=config.extract,
    )


def invoice_from_page(
    page: PageText, *, config: InvoiceConfig, today: date, read_crops: ReadCrops | None = None
) -> PageInvoice | None:
    qr, qr_box = _qr(page)
    if qr is None and choose_rules(page.processed_lines, config.extract) is None:
        return None
    inv = _extract(page, qr, qr_box, config)
    look = read_crops is not None and config.second_look
    todo = _doubtful(page.processed_lines, inv, config.name_sure, config.item_sure) if look else {}
    for i in _lost_ends(page.processed_lines, inv, page.prepared.image, read_crops) if look else []:
        todo[i] = chained(todo[i], extended_text) if i in todo else extended_text
    pieces = _stacked_units(page.processed_lines, inv) if look else []
    halves = _halved_units(page.processed_lines, inv) if look else []
    if todo or pieces or halves:
        lines = _second_look(page.processed_lines, todo, pieces, page.prepared.image, read_crops, halves)
        if lines != page.processed_lines:
            page = _with_lines(page, lines)
            inv = _extract(page, qr, qr_box, config)
    if look:
        changed, dropped, added = units_again(page.processed_lines, page.prepared.image, read_crops, config, inv)
        if changed or dropped or added:
            page = _with_units(page, changed, dropped, added)
            inv = _extract(page, qr, qr_box, config)
    if look:
        inv = _unsure_numbers(page.processed_lines, inv, page.prepared.image, read_crops, config.digits_unsure)
    result = validate(inv, config=config.validation, today=today, vendors=config.vendors)
    return PageInvoice(page, inv, result)


def capture_invoices(
    data: bytes, *, engine: OcrEngine, config: InvoiceConfig | None = None, today: date
) -> tuple[int, list[PageInvoice]]:
    """(number of pages, invoices found) for one uploaded file."""
    config = config or InvoiceConfig()
    doc = read_document(data, engine=engine, config=config.capture)
    read_lattices = getattr(engine, "read_lattices", None)
    read_crops = reader(read_lattices) if read_lattices else getattr(engine, "recognize_crops", None)
    found = [
        inv for page in doc.pages
        if (inv := invoice_from_page(page, config=config, today=today, read_crops=read_crops))
    ]
    if not found and doc.pages:
        page = doc.pages[0]
        inv = extract_page(page.processed_lines, page=page.number, to_original=_mapper(page), config=config.extract)
        found = [PageInvoice(page, inv, validate(inv, config=config.validation, today=today))]
    return len(doc.pages), found
