"""Line items: rebuild the goods/services table from the header row's column positions.

Contract: ``read_table(lines, rule, ...)`` finds the header row (at least ``rule.min_header_columns``
column labels on one row), derives column bands from the header label centres, and builds one row per
printed amount (every item row has an amount); other cells join the nearest row at or above them, and a
cell lower than its row (a name wrapped onto a second line) is appended to that row's cell. The table
ends at the row labelled by ``rule.end_labels`` (合计), whose cells give the invoice totals named in
``rule.totals``; when no such label is read, the first row after an item with a ¥ amount and no item
name is that row, and the table ends there.
All boxes are in the coordinates of the lines given.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from statistics import median

from rapidfuzz import fuzz

from capture.extract import normalize as n
from capture.extract.kinds import cjk_text
from capture.extract.layout import CJK, Anchor, Box, center, find_anchors, height, squash, union
from capture.extract.rules import TableRule
from capture.ocr.base import OcrLine

CELL_NORMALIZERS: dict[str, Callable[[str], str | None]] = {
    "name": lambda t: item_name(t),
    "spec": cjk_text,
    "unit": cjk_text,
    "quantity": n.decimal,
    "unit_price": n.decimal,
    "amount": lambda t: n.money(t, implied_decimals=True),  # always printed with 2 decimals
    "tax_rate": lambda t: n.tax_rate(t) or n.tax_rate(_rate_head(t)) or _percent_as_digits(t),
    "tax": lambda t: "***" if set(squash(t)) <= {"*", "＊", "※"} and squash(t) else n.money(t, implied_decimals=True),
}


def _rate_head(text: str) -> str:
    """A rate cell's text up to its per cent sign (6%6: a speck read after the rate), else nothing."""
    head, sign, _ = text.partition("%")
    return head + sign if sign and 0 < len(head.strip()) <= 2 else ""


# a rate whose per cent sign OCR read as 08 or 06 (1308 for 13%, 906 for 9%): no number is printed in
# the rate column
_PERCENT_DIGITS = re.compile(r"^(1[0-7]|[1-9])0[68]$")


def _percent_as_digits(text: str) -> str | None:
    m = _PERCENT_DIGITS.match(squash(text))
    return f"{m[1]}%" if m else None


# 用品-一批, 用品·一批: a dash or a dot before 一 (the 一 read twice, or a speck beside it)
_DASH_BEFORE_ONE = re.compile(r"(?<=[\u4e00-\u9fff])(?:[-－—–]+|[·•‧∙・])(?=一)")
_DASH_ONE = re.compile(r"(?<=[\u4e00-\u9fff])[-－—–]{1,2}(?=[\u4e00-\u9fff])")  # 一 read as one dash or two
# 27英寸1PS面板: a 1 between a Chinese character and a run of capitals is the I of a Latin word, unless
# the capitals are a measure after a count (1TB, 1KG)
_LATIN_I = re.compile(r"(?<=[\u4e00-\u9fff])1(?=([A-Z]{2,})(?![A-Za-z0-9]))")
_AFTER_COUNT = {"TB", "GB", "MB", "KB", "KG", "MM", "CM", "ML", "KW", "MW", "HZ", "PCS", "PC", "ST", "ND", "RD", "TH"}
# 0.Smm: after a number's point comes a digit, whatever letter of its shape OCR read
_DECIMAL_LETTER = re.compile(r"(?<=\d\.)[SOoIlBZ]")
# the 0 before a measure's point read as a round letter (笔芯c.5mm -> 0.5mm)
# a second point read after a number's decimals, before its measure (0.5.mm): a speck
_SECOND_POINT = re.compile(r"(?<![\d.])(\d+\.\d+)\.(?=(?:mm|cm|ml|mL|kg|g|L|m)(?![A-Za-z]))")
_ZERO_LETTER = re.compile(r"(?<![A-Za-z0-9.])[cCoOD](?=\.\d+(?:mm|cm|ml|mL|kg|g|L|m)(?![A-Za-z]))")
_DIGIT_SHAPES = str.maketrans("SOoIlBZ", "5001182")
# U盘 (a USB drive, the one Latin letter before 盘 in goods names) with its U read as J or V
# IPS.面板, 替换芯·（: a speck read as a point between a word and a Chinese character or bracket
_INNER_SPECK = re.compile(r"(?<=[A-Za-z\u4e00-\u9fff])[.·•](?=[\u4e00-\u9fff（(])")
# （2C支/盒）: a 0 read as a round letter in the count of a packaging form
_COUNT_ZERO = re.compile(r"(?<=\d)[CcOoDQ](?=[支个张片粒只枚袋包瓶]/)")
_U_DISK = re.compile(r"(?<![A-Za-z])[JVu](?=盘)")
_STAR_LIKE = str.maketrans({"“": "*", "”": "*", "″": "*", '"': "*", "＊": "*", "※": "*"})


def item_name(text: str) -> str | None:
    """A goods/service name as printed, ``*类别*名称``: quote marks OCR reads for the asterisks become
    asterisks again, a lost leading asterisk (图书*企业财务会计实务) is put back, and a dot after the last
    Chinese character (a speck read as •, !, |, i or l, or as a closing bracket none opened) is dropped;
    a dash between Chinese characters is the 一 it was read for (用品-批, 用品--批), or dropped before one
    (用品-一批), as is a dot there (用品·一批); a 1 between a Chinese character and
    capitals that are no measure is an I (27英寸1PS面板 -> IPS; 1TB stays), and a letter of a digit's
    shape right after a number's point is that digit (0.Smm -> 0.5mm), and a round one before the point
    of a measure a 0 (c.5mm -> 0.5mm), a second point after its decimals dropped (0.5.mm); J盘 or V盘 is
    U盘; a round letter in the count of a packaging form a 0 (（2C支/盒） -> （20支/盒）); a point between a
    word and a Chinese character or bracket dropped (IPS.面板, 替换芯·（)."""
    text = text.strip()
    if not re.search(r"[\[【〔]", text):
        text = re.sub(r"(?<=[\u4e00-\u9fff])[\]】〕]$", "", text)  # a bracket never opened: a speck (代订])
    s = cjk_text(re.sub(r"(?<=[\u4e00-\u9fff）])[•·‧∙・!！|｜'iIl]+\s*$", "", text))
    if s:
        s = _DASH_ONE.sub("一", _DASH_BEFORE_ONE.sub("", s))
        s = _LATIN_I.sub(lambda m: "1" if m[1] in _AFTER_COUNT else "I", s)
        s = _ZERO_LETTER.sub("0", _DECIMAL_LETTER.sub(lambda m: m[0].translate(_DIGIT_SHAPES), s))
        s = _SECOND_POINT.sub(r"\1", s)
        s = _INNER_SPECK.sub("", _COUNT_ZERO.sub("0", _U_DISK.sub("U", s)))
    if s is None:
        return None
    if "*" in s.translate(_STAR_LIKE) and s.count("*") < 2:
        s = s.translate(_STAR_LIKE)
        # beyond the two of *类别*, a mark read between two Chinese characters is a speck, no asterisk
        # (“运输服务*国内道路”货物运输服务; a * between 550ml and 24 is a count's and stays)
        head, sep, rest = s.partition("*")
        if sep and "*" in rest:
            category, sep2, name = rest.partition("*")
            s = head + sep + category + sep2 + re.sub(r"(?<=[\u4e00-\u9fff])\*(?=[\u4e00-\u9fff])", "", name)
    if not s.startswith("*") and s.count("*") == 1 and 1 <= s.index("*") <= 10:
        s = "*" + s
    return s


def closed_bracket(name: str | None) -> str | None:
    """An item name whose last bracket is never closed (液晶显示器（27英寸IPS面板窄边框, the ） lost at the
    end of its wrapped second line): closed at its end; None when nothing is to be changed. Only a
    bracket holding two characters or more (a name cut off right after （ is left alone)."""
    if not name or "（" not in name:
        return None
    inside = name[name.rindex("（") + 1 :]
    return name + "）" if len(inside) >= 2 and "）" not in inside else None


# money and rate printed so close that OCR returns one token: 4241.8613% -> 4241.86 | 13%
# (a speck or two OCR reads between them, 215.62°6%, 12025.47..6%, are neither)
_GLUED = re.compile(
    r"^(-?[¥￥]?\d[\d,]*\.\d{2})[°·•'.:：]{0,2}(\d{1,2}%|免税|\*{3})$|^(\d{1,2}%)[°·•']?(-?\d[\d,]*\.\d{2})$"
)


# a quantity and its unit price read as one token with a point between them (1.17138.67924528,
# 1·46821.10091743. with a speck after it): a number has one point, so the first point of two
# separates a whole quantity from the price
_GLUED_QUANTITY = re.compile(r"^([1-9]\d{0,2})[.·•](\d+\.\d+)\.?$")


@dataclass
class Cell:
    text: str
    score: float
    box: Box

    def extend(self, line: OcrLine, joiner: str = "") -> None:
        self.text = self.text + joiner + line.text.strip()
        self.score = min(self.score, line.score)
        self.box = union([self.box, line.box])


@dataclass
class TableRead:
    header: Box | None = None
    rows: list[dict[str, Cell]] = field(default_factory=list)
    columns: dict[str, Box] = field(default_factory=dict)  # each column's header label
    totals: dict[str, Cell] = field(default_factory=dict)
    end: Box | None = None


LONG_LABEL = 6  # characters: a header label this long is matched with ``LONG_CUTOFF`` (税率/征收率 and longer)
LONG_CUTOFF = 65.0
TALL = 1.6  # a box this many times as high as wide holds characters stacked (a column of units)
MAX_SLOPE = 0.05  # dy/dx: about 3 degrees, beyond what deskewing leaves
MIN_TILT = 0.25  # label heights over the header's width: a smaller tilt is taken for a level page
SPECK = 0.6  # header heights: a cell this short well below its row's line is a speck read as a digit
SPECK_SURE = 0.7  # a lone character well below its row's line read less surely than this is a speck too
WRAP_GAP = 1.5  # header heights from a cell's bottom to the centre of the line it wraps onto (~0.8 measured)
PARTNER_GAP = 3.0  # label heights between the characters of a spaced two-character header label (金 额: 2.3)
GLUED_LABEL = 4  # characters: a header label this long is looked for after a neighbour's stray character


def _header(lines: Sequence[OcrLine], rule: TableRule, unglue: bool = True) -> dict[str, Anchor]:
    labels = {squash(lab): col for col, labs in rule.columns.items() for lab in labs}
    anchors = find_anchors(lines, list(labels), rule.header_cutoff, max_start=0)
    # a long label (货物或应税劳务、服务名称) with three characters misread is still no other label
    taken = {id(ln) for a in anchors for ln in a.lines}
    long = [lab for lab in labels if len(lab) >= LONG_LABEL]
    anchors += [
        a for a in find_anchors(lines, long, LONG_CUTOFF, max_start=0) if not any(id(ln) in taken for ln in a.lines)
    ]
    best: dict[str, Anchor] = {}
    for group in _bands(anchors):
        cols: dict[str, Anchor] = {}
        for a in group:
            col = labels[squash(a.label)]
            if col not in cols or _rank(a) > _rank(cols[col]):
                cols[col] = a
        if len(cols) > len(best):
            best = cols
    if len(best) + len(_near_labels(lines, rule, best)) + _crowded(lines, rule, best) < rule.min_header_columns:
        return {}
    if unglue and (split := _unglued(lines, rule, best)) is not None:
        return _header(split, rule, unglue=False)
    best = _spaced_partner(lines, rule, _half_read_last(lines, rule, best))
    best = {**best, **_one_off_labels(lines, rule, best)}
    return {**best, **_unread_columns(lines, rule, best)}


def _crowded(lines: Sequence[OcrLine], rule: TableRule, found: dict[str, Anchor]) -> int:
    """1 when the found labels' band holds a box for every column of the rule, else 0: a header row,
    its other labels misread past matching (held-out 6868: 项目名称 and 金 found, 数单 one character off,
    欧格空 BMA 单 份 禁 税车：安收率 R 糖 not; the table and its totals had been lost). The 合计 row
    or an item row holds no label and fewer boxes."""
    if len(found) < 2:
        return 0
    box = union([a.box for a in found.values()])
    band = [ln for ln in lines if box[1] <= center(ln)[1] <= box[3]]
    return int(len(band) >= len(rule.columns))


HALF_WIDE = 1.6  # box widths over heights: a one-character read this wide lost the label's second character


def _rates_under(lines: Sequence[OcrLine], box: Box, hbox: Box) -> bool:
    """The first row's cell under a header box is a tax rate (13%)."""
    under = [b for b in lines if b.box[1] > hbox[3] and b.box[0] < box[2] and b.box[2] > box[0]]
    first = min(under, key=lambda b: b.box[1], default=None)
    return first is not None and bool(_RATE.match(squash(first.text)))


def _half_read_last(lines: Sequence[OcrLine], rule: TableRule, found: dict[str, Anchor]) -> dict[str, Anchor]:
    """The last column's one-character label (税 of 税额) read from a box two characters wide, with the
    column before it not found and header text beyond it, or a rate under it: the box was that column's
    label with its second character lost (税率 read 税), and the text beyond is the last column's header
    (税额 read 检 额, left to ``_edge_columns``, which places the column one pitch beyond when nothing
    of its header was read: held-out 7373, a phone photo, a row's tax had been its amount)."""
    order = list(rule.columns)
    last, before = order[-1], order[-2]
    a = found.get(last)
    if a is None or before in found or len(a.lines) != 1 or len(squash(a.lines[0].text)) != 1:
        return found
    box = a.lines[0].box
    if box[2] - box[0] < HALF_WIDE * height(a.lines[0]):
        return found
    if not any(len(lab) == 2 and lab.startswith(squash(a.label)) for lab in rule.columns[before]):
        return found
    used = {id(ln) for anchor in found.values() for ln in anchor.lines}
    hbox = union([anchor.box for anchor in found.values()])
    beyond = [
        ln for ln in lines
        if id(ln) not in used and hbox[1] - 5 <= center(ln)[1] <= hbox[3] + 5 and ln.box[0] >= box[2]
    ]
    if not beyond and not _rates_under(lines, box, hbox):
        return found
    out = {c: anchor for c, anchor in found.items() if c != last}
    out[before] = Anchor(a.lines, a.label, a.score, a.rest)
    return out


def _spaced_partner(lines: Sequence[OcrLine], rule: TableRule, found: dict[str, Anchor]) -> dict[str, Anchor]:
    """A column found by the first character of its two-character label alone (金 of 金额, printed
    spaced) with the next header box right of it one character, nearer than ``PARTNER_GAP`` label heights
    and before any other found label: that box is the label's second character misread (额 read 禁). It
    had been taken for the next column's header (税率 read 税常), whose centre moved over the amounts,
    and the amounts, taken for misread rates, were lost (held-out 8080)."""
    band = _unmatched_band(lines, found)
    out = dict(found)
    for col, a in found.items():
        first = squash(a.label)
        if len(first) != 1 or len(a.lines) != 1 or not any(
            len(lab) == 2 and lab.startswith(first) for lab in map(squash, rule.columns[col])
        ):
            continue
        x, h = a.box[2], height(a.lines[0])
        nxt = min((b.box[0] for b in found.values() if b.box[0] >= x), default=float("inf"))
        partner = min((ln for ln in band if ln.box[0] >= x), key=lambda ln: ln.box[0], default=None)
        near = partner is not None and partner.box[0] - x <= PARTNER_GAP * h and partner.box[2] < nxt
        if near and len(squash(partner.text)) == 1:
            out[col] = Anchor((a.lines[0], partner), a.label, a.score, "")
    return out


def _near_labels(lines: Sequence[OcrLine], rule: TableRule, found: dict[str, Anchor]) -> set[str]:
    """The columns not found whose label a line on the found labels' band is one character off (规格型号
    read as 您格型号): they count towards ``min_header_columns`` (held-out 5252: 项目名称, 单位 and 价
    read, 您格型号 and the rest misread; the table had been lost)."""
    if not found:
        return set()
    hbox = union([a.box for a in found.values()])
    band = [squash(ln.text) for ln in lines if hbox[1] - 5 <= center(ln)[1] <= hbox[3] + 5]
    return {
        col for col, labs in rule.columns.items()
        if col not in found and any(_one_char_off(text, squash(lab)) for text in band for lab in labs)
    }


def _unglued(lines: Sequence[OcrLine], rule: TableRule, found: dict[str, Anchor]) -> list[OcrLine] | None:
    """The lines with a header line that holds a label after a character or two of its neighbour's
    (额权率/征收率: the 额 of 金额, then 税率/征收率 with 税 misread) cut in two, each part's box by its
    share of the characters; None when the header row holds no such line. Labels of ``GLUED_LABEL``
    characters or more only: a shorter one is too easily found inside other words."""
    hbox = union([a.box for a in found.values()])
    used = {id(ln) for a in found.values() for ln in a.lines}
    long = [squash(lab) for labs in rule.columns.values() for lab in labs if len(squash(lab)) >= GLUED_LABEL]
    out, changed = [], False
    for ln in lines:
        text = squash(ln.text)
        if id(ln) in used or not hbox[1] - 5 <= center(ln)[1] <= hbox[3] + 5:
            out.append(ln)
            continue
        # the label ends the line and is as long as read (the alignment may skip its misread first character)
        cut = max(
            (len(text) - len(lab) for lab in long
             if (al := fuzz.partial_ratio_alignment(lab, text, score_cutoff=rule.header_cutoff)) is not None
             and 1 <= len(text) - len(lab) <= 2 and al.dest_end == len(text)),
            default=None,
        )
        if cut is None:
            out.append(ln)
            continue
        x0, y0, x1, y1 = ln.box
        xm = x0 + (x1 - x0) * cut / len(text)
        out += [_boxed(text[:cut], ln.score, (x0, y0, xm, y1)), _boxed(text[cut:], ln.score, (xm, y0, x1, y1))]
        changed = True
    return out if changed else None


def _boxed(text: str, score: float, box: Box) -> OcrLine:
    x0, y0, x1, y1 = box
    return OcrLine(text, score, ((x0, y0), (x1, y0), (x1, y1), (x0, y1)))


def _unmatched_band(lines: Sequence[OcrLine], found: dict[str, Anchor]) -> list[OcrLine]:
    """The header text no found label took: lines on the found labels' band, a row's value (12568.71,
    9%) aside."""
    hbox = union([a.box for a in found.values()])
    used = {id(ln) for a in found.values() for ln in a.lines}
    return [
        ln for ln in lines
        if id(ln) not in used and hbox[1] - 5 <= center(ln)[1] <= hbox[3] + 5 and not _CELL_VALUE.search(ln.text)
    ]


def _one_off_labels(lines: Sequence[OcrLine], rule: TableRule, found: dict[str, Anchor]) -> dict[str, Anchor]:
    """Header lines beyond the outermost found columns one character off a label of a column not found
    (税率 read as 税车 right of 单价, 金额 and 税额 lost): that column, when its place in the order and
    the cells under it (rates or not) leave only one. Between found columns the words are counted
    against the columns instead (``_unread_columns``)."""
    order = list(rule.columns)
    hbox = union([a.box for a in found.values()])
    band = _unmatched_band(lines, found)
    out: dict[str, Anchor] = {}
    for ln in band:
        text, x = squash(ln.text), center(ln)[0]
        cols = [
            c for c in order
            if c not in found and c not in out and _between(c, x, order, found) and _outside(x, found)
            and any(_one_char_off(text, squash(lab)) for lab in rule.columns[c])
        ]
        if len(cols) > 1:  # 税率 or 税额: the first row's cell under the word says which
            under = [b for b in lines if b.box[1] > hbox[3] and b.box[0] < ln.box[2] and b.box[2] > ln.box[0]]
            first = min(under, key=lambda b: b.box[1], default=None)
            rated = first is not None and bool(_RATE.match(squash(first.text)))
            cols = [c for c in cols if (c == "tax_rate") == rated]
        if len(cols) == 1:
            out[cols[0]] = Anchor((ln,), cols[0], 0.0, "")
    return out


def _one_char_off(text: str, label: str) -> bool:
    return len(text) == len(label) >= 2 and sum(a != b for a, b in zip(text, label, strict=True)) == 1


def _outside(x: float, found: dict[str, Anchor]) -> bool:
    return x > max(a.center_x for a in found.values()) or x < min(a.center_x for a in found.values())


def _between(col: str, x: float, order: list[str], found: dict[str, Anchor]) -> bool:
    """``x`` lies between the found columns that come before and after ``col`` in the rule's order."""
    i = order.index(col)
    left = next((found[c] for c in reversed(order[:i]) if c in found), None)
    right = next((found[c] for c in order[i + 1 :] if c in found), None)
    return (left is None or left.center_x < x) and (right is None or x < right.center_x)


def _rank(a: Anchor) -> tuple[float, int, int, float]:
    """Of two header anchors of one column, the surer: the better label match, then the longer label (税
    | 额 spread over the 税额 column beats a lone 税, which is 税率 with its 率 lost), then the one read as
    fewer lines (单位 read whole beats 单 | 位, which is 单价 with its 价 misread), then the surer OCR."""
    return a.score, len(squash(a.label)), -len(a.lines), min(ln.score for ln in a.lines)


# a row's value (12568.71, 9%) on the header's band (a tall header label widens it): no header text
_CELL_VALUE = re.compile(r"\d\.\d{2}(?!\d)|\d%")


def _unread_columns(lines: Sequence[OcrLine], rule: TableRule, found: dict[str, Anchor]) -> dict[str, Anchor]:
    """Columns whose header OCR misread (金额 read as 企新): placed at the unmatched header text that
    sits between the found neighbours in the rule's column order (or beyond the outermost ones)."""
    order = list(rule.columns)
    hbox = union([a.box for a in found.values()])
    band = _unmatched_band(lines, found)
    out: dict[str, Anchor] = {}
    for i, col in enumerate(order):
        if col in found or col in out:
            continue
        left = next((found[c] for c in reversed(order[:i]) if c in found), None)
        right = next((found[c] for c in order[i + 1 :] if c in found), None)
        if left is None or right is None:
            continue
        run = list(itertools.takewhile(lambda c: c not in found, order[i:]))
        between = sorted((ln for ln in band if left.box[2] <= center(ln)[0] <= right.box[0]), key=lambda ln: ln.box[0])
        words = _words(between)
        step = (right.center_x - left.center_x) / (len(run) + 1)
        even = {c: left.center_x + (k + 1) * step for k, c in enumerate(run)}  # where unread headers would be
        owner = _one_owner(words, run, rule)
        if len(run) > 1 and owner is not None:
            # every word one column's (单 | ☑价, 价 read with a mark before it, 金额 lost): that column
            # takes them all, the other numeric ones sit at their even places
            out[owner] = Anchor(tuple(ln for w in words for ln in w), owner, 0.0, "")
            out.update({c: _ghost(c, even[c], hbox) for c in run if c != owner and c in GHOSTED})
        elif len(run) > 1 and len(words) == len(run):  # 单 价 | 私 器 for 单价 | 金额: one header word each
            out.update({c: Anchor(w, c, 0.0, "") for c, w in zip(run, words, strict=True)})
        elif len(run) > 1 and 0 < len(words) < len(run):
            # fewer header words than unread columns (单 of 单价 read, 金额 lost): each word is the column
            # whose even place it is nearest, the numeric others sit at their even places; a word is
            # never two columns' header
            for w in words:
                wx = (min(ln.box[0] for ln in w) + max(ln.box[2] for ln in w)) / 2
                c = min((c for c in run if c not in out), key=lambda c: abs(even[c] - wx))
                out[c] = Anchor(w, c, 0.0, "")
            out.update({c: _ghost(c, even[c], hbox) for c in run if c not in out and c in GHOSTED})
        elif len(run) > 1 and len(words) > len(run):
            # more header words than unread columns (单 | 68 | 我 额 for 单价 | 金额: 价 read as two
            # characters): each word goes to the column whose even place it is nearest
            near: dict[str, list[OcrLine]] = {}
            for w in words:
                wx = (min(ln.box[0] for ln in w) + max(ln.box[2] for ln in w)) / 2
                near.setdefault(min(run, key=lambda c: abs(even[c] - wx)), []).extend(w)
            out.update({c: Anchor(tuple(near[c]), c, 0.0, "") for c in run if c in near})
            out.update({c: _ghost(c, even[c], hbox) for c in run if c not in near and c in GHOSTED})
        elif between:
            out[col] = Anchor(tuple(between), col, 0.0, "")
        elif col in GHOSTED:
            # not read at all (every item row has an amount; 数量 lost leaves its numbers to the price;
            # 单位 lost leaves a unit glued to its spec with no column to go to): the run of unread
            # columns evenly spaced between the read neighbours
            out[col] = _ghost(col, even[col], hbox)
    out.update(_edge_columns(order, found, band))
    return out


def _one_owner(words: list[tuple[OcrLine, ...]], run: list[str], rule: TableRule) -> str | None:
    """The one column of ``run`` that every header word belongs to, at least one of them holding one of
    its labels (☑价 holds 价) and the others holding one or the first character of one (单 of 单价)."""
    owners: set[str] = set()
    held = False
    for w in words:
        text = squash("".join(ln.text for ln in w))
        cols = {c for c in run for lab in rule.columns[c] if squash(lab) in text}
        held = held or bool(cols)
        if not cols and len(text) == 1:
            cols = {c for c in run for lab in rule.columns[c] if len(lab) > 1 and squash(lab).startswith(text)}
        if len(cols) != 1:
            return None
        owners |= cols
    return owners.pop() if held and len(owners) == 1 else None


def _ghost(col: str, x: float, hbox: Box) -> Anchor:
    """A column whose header was not read at all, placed at ``x``."""
    line = OcrLine(col, 0.0, ((x - 1, hbox[1]), (x + 1, hbox[1]), (x + 1, hbox[3]), (x - 1, hbox[3])))
    return Anchor((line,), col, 0.0, "")


def _edge_columns(order: list[str], found: dict[str, Anchor], band: list[OcrLine]) -> dict[str, Anchor]:
    """Leading/trailing columns whose header OCR misread (税额 read as 炭 辉): the unmatched header text
    beyond the outermost found column. One missing column takes all of it; several take one line each,
    in order, only when the counts agree."""
    out: dict[str, Anchor] = {}
    known = [i for i, c in enumerate(order) if c in found]
    if not known:
        return out
    first, last = found[order[known[0]]], found[order[known[-1]]]
    for missing, side, edge in (
        (order[: known[0]], [ln for ln in band if center(ln)[0] < first.box[0]], first),
        (order[known[-1] + 1 :], [ln for ln in band if center(ln)[0] > last.box[2]], last),
    ):
        side = _partner_dropped(sorted(side, key=lambda ln: ln.box[0]), edge)
        if len(missing) == 1 and not side and len(known) >= 2:
            # the header not read at all (税额 lost): one column pitch beyond the outermost found one
            step = -1 if missing[0] == order[0] else 1
            edge, inner = (known[0], known[1]) if step < 0 else (known[-1], known[-2])
            a, b = found[order[edge]].center_x, found[order[inner]].center_x
            out[missing[0]] = _ghost(missing[0], a + (a - b) * abs(edge - inner) ** -1, union([first.box, last.box]))
            continue
        if not missing or not side:
            continue
        if len(missing) == 1:
            out[missing[0]] = Anchor(tuple(side), missing[0], 0.0, "")
        elif len(missing) == len(words := _words(side)):
            out.update({col: Anchor(w, col, 0.0, "") for col, w in zip(missing, words, strict=True)})
    return out


def _partner_dropped(side: list[OcrLine], edge: Anchor) -> list[OcrLine]:
    """Header text beyond the outermost found column without the other half of that column's label: a
    spread two-character label matched by one character (金 of 金   额, its 额 read as 食) leaves the
    other character next to it, which heads no column of its own."""
    if len(edge.lines) != 1 or len(squash(edge.lines[0].text)) != 1 or not side:
        return side
    near = side[0] if side[0].box[0] >= edge.box[2] else side[-1]
    gap = near.box[0] - edge.box[2] if near is side[0] else edge.box[0] - near.box[2]
    if len(squash(near.text)) == 1 and 0 <= gap <= 3 * max(height(near), height(edge.lines[0])):
        return [ln for ln in side if ln is not near]
    return side


def _words(lines: list[OcrLine]) -> list[tuple[OcrLine, ...]]:
    """Header lines (left to right) as header words: a two-character label is printed spread out over
    its column (税   额) and OCR returns its characters as two lines; close one-character lines pair up."""
    out: list[tuple[OcrLine, ...]] = []
    for ln in lines:
        prev = out[-1] if out else ()
        if (
            len(prev) == 1 and len(squash(prev[0].text)) == 1 and len(squash(ln.text)) == 1
            and ln.box[0] - prev[0].box[2] <= 3 * max(height(prev[0]), height(ln))
        ):
            out[-1] = (prev[0], ln)
        else:
            out.append((ln,))
    return out


def _bands(anchors: list[Anchor]) -> list[list[Anchor]]:
    """Anchors grouped by vertical centre (within one label height)."""
    out: list[list[Anchor]] = []
    for a in sorted(anchors, key=lambda a: (a.box[1] + a.box[3]) / 2):
        cy, h = (a.box[1] + a.box[3]) / 2, a.box[3] - a.box[1]
        if out and abs(cy - out[-1][-1].box[1] / 2 - out[-1][-1].box[3] / 2) <= h:
            out[-1].append(a)
        else:
            out.append([a])
    return out


_RATE = re.compile(r"^(\d{1,2}(\.\d+)?%|免税|不征税|[*＊※]{2,})$")
_YEN_LIKE = "¥￥YVN$羊年"
# ¥ as OCR misreads it; the point before the fen read as a colon (7869:03)
_NUMBER = re.compile(r"^-?[¥￥YVN$羊年]?[\d.,]*\d[\d.,]*(?:[:：;；]\d{2})?$")
NUMERIC = ("quantity", "unit_price", "amount", "tax")
TEXTUAL = ("name", "spec", "unit")
GHOSTED = (*NUMERIC, "unit")  # columns placed where their header would be when it was not read at all


def _column_of(text: str, span: tuple[float, float], centers: list[tuple[float, str]]) -> str:
    """The column a cell spanning ``span`` (x0, x1) belongs to, among the columns its content can be
    (a rate goes to the rate column, a number to a numeric one, words to name/spec/unit). Numbers are
    usually right-aligned in their cell, so a number is near a column when its centre is near the
    header's centre OR its right edge is near the column's right boundary (midway to the next header):
    a long unit price such as 398.2300885 is not taken for the quantity to its left."""
    t = squash(text)
    x0, x1 = span
    xc = (x0 + x1) / 2
    nearest = min(centers, key=lambda c: abs(c[0] - xc))[1]
    if _RATE.match(t) or (nearest == "tax_rate" and (_PERCENT_DIGITS.match(t) or _centred(xc, "tax_rate", centers))):
        # a number right under the rate header is a misread rate (650 for 6%): no number is printed
        # there, and taken for the amount it pushed the row's real amount out
        allowed = ("tax_rate", "tax") if t.strip("*＊※") == "" else ("tax_rate",)
    elif _NUMBER.match(t):
        # a number under the spec header is a spec (1.9L read as 1.91), never the quantity right of the
        # unit; one under the name header is part of a name (or a speck), never a quantity far to its right
        allowed = (nearest,) if nearest in ("spec", "name") else NUMERIC
    else:
        allowed = TEXTUAL
    pool = [c for c in centers if c[1] in allowed] or centers
    if allowed is TEXTUAL:
        # words far out among the number columns are a misread (*** of a 免税 tax read as aRR): they go
        # to that column, whose normalizer rejects them, and never push a row's unit out
        text, anywhere = (min(cs, key=lambda c: abs(c[0] - xc)) for cs in (pool, centers))
        return anywhere[1] if abs(anywhere[0] - xc) < 0.5 * abs(text[0] - xc) else text[1]
    if allowed is not NUMERIC:
        return min(pool, key=lambda c: abs(c[0] - xc))[1]
    xs = [c[0] for c in centers]

    def distance(c: tuple[float, str]) -> float:
        k = xs.index(c[0])
        right = (xs[k] + xs[k + 1]) / 2 if k + 1 < len(xs) else xs[k] + (xs[k] - xs[k - 1]) / 2
        return min(abs(c[0] - xc), abs(right - x1))

    return min(pool, key=distance)[1]


def _centred(xc: float, col: str, centers: list[tuple[float, str]], share: float = 0.25) -> bool:
    """``xc`` lies within ``share`` of the pitch to the nearest other column from ``col``'s centre."""
    x = next((c[0] for c in centers if c[1] == col), None)
    pitch = min((abs(c[0] - x) for c in centers if c[1] != col), default=0.0) if x is not None else 0.0
    return x is not None and abs(xc - x) <= share * pitch


def _split_tokens(line: OcrLine) -> list[tuple[str, float, float]]:
    """A line's whitespace-separated tokens with their estimated x spans (by character share)."""
    x0, _, x1, _ = line.box
    text = line.text.strip()
    total = max(1, len(text))
    out, pos = [], 0
    for token in text.split():
        start = text.index(token, pos)
        pos = start + len(token)
        m = _GLUED.match(token.rstrip(".")) or _GLUED_QUANTITY.match(token)
        parts = [p for p in m.groups() if p] if m else [token]
        for part in parts:
            out.append((part, x0 + (x1 - x0) * start / total, x0 + (x1 - x0) * (start + len(part)) / total))
            start += len(part)
    return out


def stacked_cells(line: OcrLine, h: float | None = None) -> list[Cell] | None:
    """A tall narrow line is several one-character cells stacked (OCR merges a column of units such
    as 项/月/次 into one vertical line): split it, spacing the characters evenly. Tall: 1.6 times as
    high as wide, or (two square units in a box wider than they are: 张本) as high as two text lines of
    height ``h`` and narrower than its characters laid side by side."""
    x0, y0, x1, y1 = line.box
    text = squash(line.text)
    stacked = (y1 - y0) >= TALL * (x1 - x0) or (h is not None and y1 - y0 >= 1.8 * h and x1 - x0 < len(text) * h)
    if len(text) < 2 or not stacked:
        return None
    step = (y1 - y0) / len(text)
    return [Cell(ch, line.score, (x0, y0 + i * step, x1, y0 + (i + 1) * step)) for i, ch in enumerate(text)]


def _cells(line: OcrLine, centers: list[tuple[float, str]], h: float | None = None) -> list[tuple[str, Cell]]:
    """A line as cells: split at spaces when its tokens fall in different columns."""
    x0, _, x1, _ = line.box
    stacked = stacked_cells(line, h)
    if stacked is not None:
        return [(_column_of(c.text, (x0, x1), centers), c) for c in stacked]
    spaced = _SPACED_FEN.fullmatch(line.text.strip())
    money = [c for c in centers if c[1] in NUMERIC]
    if spaced and money and min(money, key=lambda c: abs(c[0] - (x0 + x1) / 2))[1] in ("amount", "tax"):
        # 24887 50 under 金额: the point before the fen read as a space (always printed with 2 decimals)
        text = f"{spaced[1]}.{spaced[2]}"
        return [(_column_of(text, (x0, x1), centers), Cell(text, line.score, line.box))]
    tokens = _split_tokens(line)
    # split only a line whose tokens sit under different headers (MateBook 14 stays one spec cell), or
    # that holds a rate and a number (an amount and its rate are never one cell, wherever they sit)
    heads = [min(centers, key=lambda c: abs(c[0] - (a + b) / 2))[1] for _, a, b in tokens]
    # a number is never a unit: one over 单位 right after a spec's word is the spec's (MateBook | 14); nor
    # is a word of a line that ends before the unit header's centre (ThinkPad X1 Cat bon: a unit cell is
    # centred under its header)
    unit_x = next((x for x, c in centers if c == "unit"), None)
    heads = [
        "spec" if h == "unit" and k and heads[k - 1] == "spec" and (
            _NUMBER.match(tokens[k][0]) or (unit_x is not None and x1 < unit_x)
        ) else h
        for k, h in enumerate(heads)
    ]
    where = set(heads)
    rated = any(_RATE.match(t) for t, _, _ in tokens) and any(_NUMBER.match(t) for t, _, _ in tokens)
    if len(tokens) > 1 and (len(where) > 1 or rated):
        split = [(_column_of(tok, (a, b), centers), Cell(tok, line.score, line.box)) for tok, a, b in tokens]
        return _unsplit_units(_joined_runs(split))
    text = line.text.strip()
    col = _column_of(text, (x0, x1), centers)
    return _spec_run(text, line, centers) if col == "name" else [(col, Cell(text, line.score, line.box))]


def _joined_runs(cells: list[tuple[str, Cell]]) -> list[tuple[str, Cell]]:
    """Neighbouring tokens of a split line that fall in one column, as one cell (their words joined by a
    space): a row takes one cell per column from a line, and the others had been lost (ThinkPad | X1 |
    Cat under 规格型号 left ThinkPad, held-out 8181)."""
    out: list[tuple[str, Cell]] = []
    for col, cell in cells:
        if out and out[-1][0] == col and col in ("name", "spec"):
            prev = out[-1][1]
            out[-1] = (col, Cell(f"{prev.text} {cell.text}", prev.score, prev.box))
        else:
            out.append((col, cell))
    return out


_SPACED_FEN = re.compile(r"([¥￥]?\d+)\s(\d{2})")
_SPEC_RUN = re.compile(r"^(.*[\u4e00-\u9fff（()）])([A-Za-z0-9][A-Za-z0-9\-./·•]{2,})$")


def _spec_run(text: str, line: OcrLine, centers: list[tuple[float, str]]) -> list[tuple[str, Cell]]:
    """A name line that runs on under 规格型号 and ends in a model code there (硒鼓（CF230A, 硒鼓（黑色）CF230A:
    the first line of a wrapped name and the spec printed next to it, read as one line): the code is the spec. Where
    the code sits is estimated from the characters' widths (a Chinese character is two Latin ones)."""
    whole = [("name", Cell(text, line.score, line.box))]
    spec = next((x for x, c in centers if c == "spec"), None)
    m = _SPEC_RUN.match(text)
    if spec is None or m is None or line.box[2] <= spec:
        return whole
    width = [2 if ord(ch) > 0x2E7F else 1 for ch in text]
    x0, _, x1, _ = line.box
    start = x0 + (x1 - x0) * sum(width[: len(m[1])]) / sum(width)
    if min(centers, key=lambda c: abs(c[0] - (start + x1) / 2))[1] != "spec":
        return whole
    return [("name", Cell(m[1], line.score, line.box)), ("spec", Cell(m[2], line.score, line.box))]


def _unsplit_units(cells: list[tuple[str, Cell]]) -> list[tuple[str, Cell]]:
    """A token with a digit is no unit: one that a split put in the unit column after a spec token is the
    end of the spec (ThinkBook 16+ printed long enough to reach under 单位)."""
    out: list[tuple[str, Cell]] = []
    for col, cell in cells:
        if col == "unit" and out and out[-1][0] == "spec" and any(ch.isdigit() for ch in cell.text):
            out[-1][1].text += " " + cell.text
        else:
            out.append((col, cell))
    return out


def read_table(lines: Sequence[OcrLine], rule: TableRule, end_anchor: Box | None = None) -> TableRead:
    header = _header(lines, rule)
    if not header:
        return TableRead()
    hbox = union([a.box for a in header.values()])
    h = median([a.box[3] - a.box[1] for a in header.values()])
    centers = sorted((a.center_x, col) for col, a in header.items())
    below_header = [ln for ln in lines if center(ln)[1] > hbox[3] - 0.2 * h]
    ends = find_anchors(below_header, rule.end_labels, 80.0, max_start=0)
    end_box = ends[0].box if ends else end_anchor
    # the body also stops at whatever comes after the table when 合计 was not read (价税合计, 名称 ...)
    stops = [a.box[1] for a in find_anchors(below_header, rule.stop_labels, 80.0, max_start=1)]
    bottom = min([end_box[1] - 0.6 * h if end_box else float("inf")] + [y - 0.3 * h for y in stops])
    body = sorted(
        (ln for ln in below_header if center(ln)[1] < bottom or _above_totals(ln, end_box, stops)),
        key=lambda ln: center(ln)[1],
    )
    in_body = {id(ln) for ln in body}
    read = TableRead(header=hbox, end=end_box, columns={col: a.box for col, a in header.items()})
    read.rows = _rows(body, centers, h, _slope(header, h))
    if end_box is None:  # 合计 not read at all: its ¥ amounts still say what the row is, and the table
        # ends there (a 价税合计 figure misread too would be read as one more row)
        at = next((i for i, row in enumerate(read.rows) if i and _totals_like(row)), None)
        if at is not None:
            read.totals, read.rows = read.rows[at], read.rows[:at]
    if end_box is not None:
        band = [
            ln for ln in lines
            if end_box[1] - 1.2 * h <= center(ln)[1] <= end_box[3] + 0.5 * h and ln.box[0] > end_box[2]
            and id(ln) not in in_body
        ]
        for ln in sorted(band, key=lambda ln: ln.box[0]):
            for col, cell in _cells(ln, centers):
                read.totals.setdefault(col, cell)
    return read


def _slope(header: dict[str, Anchor], h: float) -> float:
    """dy/dx of the header's labels (least squares over their centres); 0 for fewer than 3 labels, a
    slope beyond ``MAX_SLOPE`` (no header is printed that turned: a misplaced label) or one that moves
    the header's ends by less than ``MIN_TILT`` label heights (a level page: cells on one printed line
    keep their reading order)."""
    points = [((a.box[0] + a.box[2]) / 2, (a.box[1] + a.box[3]) / 2) for a in header.values()]
    if len(points) < 3:
        return 0.0
    mx, my = sum(x for x, _ in points) / len(points), sum(y for _, y in points) / len(points)
    var = sum((x - mx) ** 2 for x, _ in points)
    slope = sum((x - mx) * (y - my) for x, y in points) / var if var else 0.0
    width = max(x for x, _ in points) - min(x for x, _ in points)
    return slope if abs(slope) <= MAX_SLOPE and abs(slope) * width >= MIN_TILT * h else 0.0


def _above_totals(line: OcrLine, end_box: Box | None, stops: list[float]) -> bool:
    """A line in the margin above 合计 that is still the table's body: its centre above the label's top
    and not a total (totals print ¥, which OCR reads as ¥ or a letter of its shape). The margin keeps
    the totals' cells out of the body; an item row or the last line of a wrapped name printed right
    above the 合计 row must not be cut with them."""
    if end_box is None or center(line)[1] >= end_box[1] or any(center(line)[1] >= y for y in stops):
        return False
    return squash(line.text)[:1] not in _YEN_LIKE


def _totals_like(row: dict[str, Cell]) -> bool:
    """A row of the 合计 kind: an amount and an amount or tax printed with ¥ (item amounts never are; the
    amount's ¥ may be read as 1), or a tax printed with ¥ and nothing else, and no item name (at most two
    characters without asterisks: 合 or 计 misread)."""
    amount, name = row.get("amount"), row.get("name")
    # a speck or a misread 合 in the name column (言) does not make it an item
    nameless = name is None or (len(squash(name.text)) <= 2 and "*" not in name.text)
    yen = [cell for cell in (amount, row.get("tax")) if cell is not None and squash(cell.text)[:1] in _YEN_LIKE]
    # ¥ (or a misread of it, V) on the amount or the tax; the amount lost, a ¥ tax alone (no quantity,
    # price or rate: an item's tax is never printed with ¥)
    alone = not any(k in row for k in ("quantity", "unit_price", "tax_rate", "spec", "unit"))
    return (amount is not None or alone) and nameless and bool(yen)


def _unclosed(text: str) -> bool:
    """A bracket opened (（ or () and not closed, right after a Chinese character at the text's end."""
    return text.count("（") + text.count("(") > text.count("）") + text.count(")") and bool(
        re.search(r"[（(][^)）]*[\u4e00-\u9fff]$", text)
    )


def _rows(body: list[OcrLine], centers: list[tuple[float, str]], h: float, slope: float = 0.0) -> list[dict[str, Cell]]:
    """The body's cells grouped into item rows. ``slope`` (dy/dx of the header) levels a page still
    slightly turned (a phone photo): a cell's height is taken at the amount column's x."""
    cells = [(col, cell, ln) for ln in body for col, cell in _cells(ln, centers, h)]
    x_ref = next((x for x, col in centers if col == "amount"), 0.0)

    def level(box: Box) -> float:
        return (box[1] + box[3]) / 2 - slope * ((box[0] + box[2]) / 2 - x_ref)

    # a row starts at its amount, or at its tax when the amount is unreadable (1650.6€): a wrapped name's
    # next line prints neither
    starts = sorted(
        level(cell.box) for col, cell, _ in cells
        if col in ("amount", "tax") and CELL_NORMALIZERS[col](cell.text) not in (None, "***")
    )
    if not starts:
        return []
    # two amounts on one printed row (a tax read as an amount) start one row, not two
    starts = [y for i, y in enumerate(starts) if i == 0 or y - starts[i - 1] > 0.5 * h]
    rows: list[dict[str, Cell]] = [{} for _ in starts]
    for col, cell, _ln in sorted(cells, key=lambda t: level(t[1].box)):
        cy = level(cell.box)
        # the row at or above this cell (a little tolerance for print offsets), else the first row
        idx = max([i for i, y in enumerate(starts) if y <= cy + 0.6 * h] or [0])
        short = cell.box[3] - cell.box[1] < SPECK * h
        lone = len(squash(cell.text).strip(".,·'`")) == 1 and cell.score < SPECK_SURE
        if (cy - starts[idx] > h and (short or lone)) or (short and lone):
            # a dot well below the row's printed line read as 1 (or 2), or a mark there read unsurely as
            # one character (5 at 0.64, 3. at 0.38, held-out 7474, 7575), or a small one read so on the
            # row's line (2 at 0.23, half a digit's height): no quantity (or spec) of it
            continue
        row = rows[idx]
        if col in row and (merged := _speck_at_start(row[col], cell, h, col)) is not None:
            row[col] = merged
            continue
        if col in row:
            # wrapped onto the next line: below the cell, and not a line further down (a speck)
            below = cy - level(row[col].box)
            bottom = level(row[col].box) + (row[col].box[3] - row[col].box[1]) / 2
            if col in ("name", "spec", "unit") and 0.5 * h < below and cy - bottom <= WRAP_GAP * h:
                if col == "name" and _unclosed(row[col].text) and not re.search(r"[)）]", cell.text):
                    row[col].text += "）"  # closed at the line's end, where OCR lost it: 硒鼓（黑色 | 高容量
                row[col].text += cell.text
                row[col].score = min(row[col].score, cell.score)
                row[col].box = union([row[col].box, cell.box])
            continue
        row[col] = Cell(cell.text, cell.score, cell.box)
    for row in rows:
        _overhung_unit(row, centers, h)
    return rows




def _speck_at_start(a: Cell, b: Cell, h: float, col: str) -> Cell | None:
    """Two cells of one column on one printed line, one of them a single character under ``SPECK``
    header heights tall at the other's start (held-out 6969, a scan: the asterisk opening
    *会议服务*会议服务费 detected as a box of its own and read 大 at 0.46, the rest read
    会议服务*会议服务费, and the row's name had become 大): the line, with its leading asterisk back
    when it is an item name that has only the one between category and name; else None."""
    speck, line = (a, b) if len(squash(a.text)) <= len(squash(b.text)) else (b, a)
    if len(squash(speck.text)) != 1 or speck.box[3] - speck.box[1] >= SPECK * h:
        return None
    if abs((a.box[1] + a.box[3]) / 2 - (b.box[1] + b.box[3]) / 2) > 0.5 * h:
        return None
    if not (speck.box[0] <= line.box[0] + 0.3 * h and speck.box[2] >= line.box[0] - 0.3 * h):
        return None
    text = line.text
    if col == "name" and text.count("*") == 1 and not text.startswith("*"):
        text = "*" + text
    return Cell(text, line.score, union([speck.box, line.box]))


def _overhung_unit(row: dict[str, Cell], centers: list[tuple[float, str]], h: float) -> None:
    """A row without a unit whose spec (or name) line ends with a Chinese character centred under 单位:
    it is the unit, glued to the spec by the detector (A4 157g铜版纸张 with 张 under 单位). Character
    positions are estimated from the line's box, a Latin letter or digit counting as about half a
    Chinese character (measured: the unit within 0.1 of a character of the header's centre, the
    character before it about one character left); the character before must sit clearly left of the
    unit's centre, so a spec that merely overflows its cell keeps its end. One character only: the
    estimate cannot tell 纸张 from 纸 + 张."""
    unit_x = next((x for x, col in centers if col == "unit"), None)
    col = "spec" if "spec" in row else "name"
    cell = row.get(col)
    if unit_x is None or "unit" in row or cell is None or cell.box[3] - cell.box[1] > 1.5 * h:
        return
    text = cell.text.rstrip()
    x0, y0, x1, y1 = cell.box
    widths = [1.0 if CJK.match(ch) else 0.55 for ch in text]
    if x1 <= unit_x or len(text) < 3 or sum(widths) == 0:
        return
    per = (x1 - x0) / sum(widths)
    ends = [x0 + per * sum(widths[: k + 1]) for k in range(len(text))]
    centre = [e - per * w / 2 for e, w in zip(ends, widths, strict=True)]
    if CJK.match(text[-1]) and abs(centre[-1] - unit_x) <= 0.5 * per and centre[-2] <= unit_x - 0.8 * per:
        cut = ends[-2]
        row[col] = Cell(text[:-1].rstrip(), cell.score, (x0, y0, cut, y1))
        row["unit"] = Cell(text[-1], cell.score, (cut, y0, x1, y1))


__all__ = ["CELL_NORMALIZERS", "Cell", "TableRead", "height", "read_table", "stacked_cells"]
