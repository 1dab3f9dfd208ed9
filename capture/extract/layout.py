"""Geometry over OCR lines: rows, label anchors, and where a label's value sits.

Contract: all functions take ``OcrLine`` objects in one page's (upright, deskewed) coordinate space and
never look at pixels. A label is found by fuzzy alignment (rapidfuzz, explicit ``score_cutoff``) at
the START of a line, where the line may be joined with the close lines that follow it on its row: OCR
splits spaced-out labels (名 | 称：济南…, 单 | 价). So misreads such as 发聚号码 still anchor, while
名称 inside 货物或应税劳务、服务名称 does not. ``Anchor.rest`` is what follows the label on the line
where the label ends.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from capture.ocr.base import OcrLine

SEPARATORS = " \u3000:;·,"
JOIN_GAP = 5.0  # larger line heights: followers closer than this on a row may complete a spaced-out label
Box = tuple[float, float, float, float]




CJK = re.compile(r"[\u4e00-\u9fff]")  # a Chinese character (CJK Unified Ideographs)


def squash(text: str) -> str:
    """NFKC text without the spaces OCR puts inside spaced-out labels (名 称, 价 税 合 计): a space
    survives (as one) only between two Latin letters or digits, where it separates words."""
    return squash_map(text)[0]


def squash_map(text: str) -> tuple[str, list[int]]:
    """``squash(text)`` and, for each of its characters, the index in ``NFKC(text)`` it came from."""
    t = unicodedata.normalize("NFKC", text).strip()
    out, pos = [], []
    for i, ch in enumerate(t):
        if ch.isspace():
            if out and out[-1] == " ":
                continue
            prev, nxt = t[i - 1 : i], t[i + 1 :].lstrip()[:1]
            if not (prev.isascii() and prev.isalnum() and nxt.isascii() and nxt.isalnum()):
                continue
            ch = " "
        out.append(ch)
        pos.append(i)
    return "".join(out), pos


def height(line: OcrLine) -> float:
    _, y0, _, y1 = line.box
    return max(1.0, y1 - y0)


def center(line: OcrLine) -> tuple[float, float]:
    x0, y0, x1, y1 = line.box
    return ((x0 + x1) / 2, (y0 + y1) / 2)


def union(boxes: Iterable[Box]) -> Box:
    bs = list(boxes)
    return (min(b[0] for b in bs), min(b[1] for b in bs), max(b[2] for b in bs), max(b[3] for b in bs))


def v_overlap(a: Box, b: Box) -> float:
    """Vertical overlap as a share of the shorter box's height (0..1)."""
    inter = min(a[3], b[3]) - max(a[1], b[1])
    return max(0.0, inter) / max(1.0, min(a[3] - a[1], b[3] - b[1]))


def rows(lines: Iterable[OcrLine], tolerance: float = 0.5) -> list[list[OcrLine]]:
    """Rows top to bottom, each left to right. A line joins the row whose mean centre is within
    ``tolerance`` median line heights of its own; lines taller than two median heights (vertical
    text such as 购买方 or 密码区) stay rows of their own so they cannot chain rows together."""
    lines = list(lines)
    if not lines:
        return []
    hs = sorted(height(ln) for ln in lines)
    unit = hs[len(hs) // 2]
    out: list[list[OcrLine]] = []
    centres: list[float] = []
    for line in sorted(lines, key=lambda ln: center(ln)[1]):
        cy = center(line)[1]
        tall = height(line) > 2 * unit
        best = None
        if not tall:
            near = [(abs(c - cy), i) for i, c in enumerate(centres) if len(out[i]) and height(out[i][0]) <= 2 * unit]
            near = [t for t in near if t[0] <= tolerance * unit]
            best = min(near)[1] if near else None
        if best is None:
            out.append([line])
            centres.append(cy)
        else:
            out[best].append(line)
            centres[best] = sum(center(ln)[1] for ln in out[best]) / len(out[best])
    for row in out:
        row.sort(key=lambda ln: ln.box[0])
    out.sort(key=lambda r: min(ln.box[1] for ln in r))
    return out


def reading_order(lines: Iterable[OcrLine]) -> list[OcrLine]:
    return [line for row in rows(lines) for line in row]


@dataclass(frozen=True)
class Anchor:
    lines: tuple[OcrLine, ...]  # the lines the label spans, left to right
    label: str
    score: float  # 0..100
    rest: str  # squashed text after the label on the last spanned line, separators stripped

    @property
    def last(self) -> OcrLine:
        return self.lines[-1]

    @property
    def box(self) -> Box:
        """The label's own box (the spanned lines, the last one cut where the label ends)."""
        boxes = [ln.box for ln in self.lines[:-1]]
        return union([*boxes, label_part(self.last, self.rest)])

    @property
    def center_x(self) -> float:
        b = self.box
        return (b[0] + b[2]) / 2


def label_part(line: OcrLine, rest: str) -> Box:
    """The part of ``line``'s box before ``rest`` (by character share)."""
    x0, y0, x1, y1 = line.box
    n = max(1, len(squash(line.text)))
    cut = x0 + (x1 - x0) * (n - len(rest)) / n
    return (x0, y0, max(x0 + 1, cut), y1)


def value_part(line: OcrLine, rest: str) -> Box:
    """The part of ``line``'s box that holds ``rest`` (by character share)."""
    x0, y0, x1, y1 = line.box
    n = max(1, len(squash(line.text)))
    cut = x0 + (x1 - x0) * (n - len(rest)) / n
    return (min(cut, x1 - 1), y0, x1, y1)


def _followers(row: Sequence[OcrLine], i: int, limit: int = 3) -> list[OcrLine]:
    out = [row[i]]
    for nxt in row[i + 1 : i + 1 + limit]:
        prev = out[-1]
        if nxt.box[0] - prev.box[2] > JOIN_GAP * max(height(prev), height(nxt)):
            break
        out.append(nxt)
    return out


def _fold(text: str) -> str:
    """Upper-case ASCII letters only (length-preserving, so slices map back to the original)."""
    return "".join(c.upper() if c.isascii() else c for c in text)


def _glued(joined: str, texts: list[str], end: int) -> bool:
    """True when a Latin label ending at ``end`` runs on into a word (INVOICE NOTES is not NO)."""
    bounds, acc = set(), 0
    for t in texts:
        acc += len(t)
        bounds.add(acc)
    nxt = joined[end : end + 1]
    return end not in bounds and joined[end - 1 : end].isalpha() and nxt.isascii() and nxt.isalpha()


def _tail(text: str, k: int) -> str:
    """What follows the first ``k`` characters of ``squash(text)`` in NFKC ``text``, spacing kept."""
    squashed, pos = squash_map(text)
    if k >= len(squashed):
        return ""
    return unicodedata.normalize("NFKC", text).strip()[pos[k] :]


def _match(group: list[OcrLine], labels: Sequence[str], cutoff: float, max_start: int) -> Anchor | None:
    texts = [squash(ln.text) for ln in group]
    joined = _fold("".join(texts))
    best: Anchor | None = None
    for label in labels:
        lab = _fold(squash(label))
        if len(lab) == 1:  # a one-character label anchors only a line that is exactly it (and a colon)
            if texts[0].rstrip(SEPARATORS) != lab:
                continue
            score, end = 100.0, 1
        elif len(lab) <= 3:
            # short labels must match exactly, at a word boundary (EIN is not INV-2026)
            start = joined.find(lab, 0, len(lab) + max_start)
            if start < 0 or start > max_start or _glued(joined, texts, start + len(lab)):
                continue
            score, end = 100.0, start + len(lab)
        else:
            head = joined[: len(lab) + max_start + 1]
            al = fuzz.partial_ratio_alignment(lab, head, score_cutoff=cutoff)
            if al is None or al.dest_start > max_start:
                continue
            if (al.dest_end - al.dest_start) < max(2, round(len(lab) * 0.75)):
                continue
            if lab.isascii() and _glued(joined, texts, al.dest_end):
                continue
            first = joined[al.dest_start : al.dest_start + 2]
            if first[:1] != lab[:1] and first[1:2] != lab[1:2]:
                continue  # the label must begin where the match begins (TAX INVOICE is not INVOICE NUMBER)
            score, end = al.score, al.dest_end
        # which line does the label end in?
        offset, j = 0, 0
        while j < len(texts) - 1 and end > offset + len(texts[j]):
            offset += len(texts[j])
            j += 1
        rest = _tail(group[j].text, end - offset).strip(SEPARATORS)
        cand = Anchor(tuple(group[: j + 1]), label, score, rest)
        if best is None or (score, len(lab)) > (best.score, len(squash(best.label))):
            best = cand
    return best


def find_anchors(
    lines: Iterable[OcrLine], labels: Sequence[str], score_cutoff: float, max_start: int = 1
) -> list[Anchor]:
    """Every place a label from ``labels`` starts, in reading order; a line is used by one label only."""
    found: list[Anchor] = []
    for row in rows(lines):
        used: set[int] = set()
        for i in range(len(row)):
            if id(row[i]) in used:
                continue
            anchor = _match(_followers(row, i), labels, score_cutoff, max_start)
            if anchor is not None:
                found.append(anchor)
                used.update(id(ln) for ln in anchor.lines)
    return found


def right_of(box: Box, lines: Iterable[OcrLine], max_gap: float, exclude: Iterable[OcrLine] = ()) -> list[OcrLine]:
    """Lines on the same row to the right of ``box``, nearest first, starting within ``max_gap`` px."""
    skip = {id(ln) for ln in exclude}
    h = max(1.0, box[3] - box[1])
    out = []
    for ln in lines:
        if id(ln) in skip or v_overlap(box, ln.box) < 0.5:
            continue
        gap = ln.box[0] - box[2]
        # boxes of neighbouring lines may overlap a little (a detector box runs past a colon): -0.6 h
        if -0.6 * h <= gap <= max_gap and ln.box[2] > box[2]:
            out.append((gap, ln))
    return [ln for _, ln in sorted(out, key=lambda t: t[0])]


def below(box: Box, lines: Iterable[OcrLine], max_gap: float, exclude: Iterable[OcrLine] = ()) -> list[OcrLine]:
    """Lines below ``box`` that start inside its horizontal span or overlap it, nearest first."""
    skip = {id(ln) for ln in exclude}
    h = max(1.0, box[3] - box[1])
    out = []
    for ln in lines:
        if id(ln) in skip:
            continue
        gap = ln.box[1] - box[3]
        if not (-0.3 * h <= gap <= max_gap):
            continue
        if min(box[2], ln.box[2]) - max(box[0], ln.box[0]) > 0:
            out.append((gap, ln))
    return [ln for _, ln in sorted(out, key=lambda t: t[0])]
