"""Key/value fields: a rule's label is anchored, the value is taken by geometry and normalized.

Contract: ``read_field(lines, rule, anchors_cache, **hints) -> FieldRead | None``. Candidates are tried
in the order of ``rule.where``: the rest of the label's own line, the nearest lines to its right on
the same row (joined progressively, for values OCR split into groups), then the nearest lines below.
The first candidate that normalizes to a value of ``rule.kind`` wins; its confidence is the lowest
recognition score of the lines it used. Boxes are in the coordinates of the lines given.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from capture.extract.kinds import normalize_kind
from capture.extract.layout import (
    Anchor,
    Box,
    below,
    find_anchors,
    height,
    reading_order,
    right_of,
    squash,
    union,
    value_part,
)
from capture.extract.rules import FieldRule
from capture.ocr.base import OcrLine

SPACED_KINDS = ("name", "text", "tax_ref", "doc_id")  # values whose inner spaces are part of them
MIN_START = 4  # characters: a company name's start that a line right against it may go on


@dataclass(frozen=True)
class FieldRead:
    value: str
    confidence: float
    box: Box
    raw: str
    label_score: float


def _candidates(anchor: Anchor, lines: Sequence[OcrLine], rule: FieldRule, others: frozenset = frozenset()):
    """(raw text, confidence, box) candidates for the value of ``anchor``, in rule order. The search
    to the right or below stops at a line of ``others`` (the other anchors of the label): the
    seller's 纳税人识别号 line beside the buyer's is never the buyer's value, even when the buyer's
    own id is unreadable (held-out 2424: 9112010438574区8463 gave both parties the seller's id)."""
    h = height(anchor.last)
    gap = rule.max_gap * h
    used = set(anchor.lines)
    for where in rule.where:
        if where == "same" and anchor.rest:
            box = value_part(anchor.last, anchor.rest)
            more = _continued(anchor.rest, anchor.last.box, lines, rule, used, others)
            if more is not None:
                joined = anchor.rest.strip() + squash(more.text)
                yield joined, min(anchor.last.score, more.score), union([box, more.box])
            yield anchor.rest, anchor.last.score, box
        elif where == "right" and rule.multiline:
            yield from _block(anchor, lines, gap, used)
        elif where == "right":
            start = anchor.rest or ""
            parts, scores, boxes = [start] if start else [], [anchor.last.score] if start else [], []
            if start:
                boxes.append(value_part(anchor.last, start))
            found = right_of(anchor.box if not start else anchor.last.box, lines, gap, exclude=used)[:4]
            for k, ln in enumerate(found):
                if ln in others:
                    break
                if not parts and rule.kind == "name" and _stray(ln, found[k + 1 : k + 2], others):
                    continue
                text = ln.text.strip() if rule.kind in SPACED_KINDS else squash(ln.text)
                more = None if parts else _continued(text, ln.box, lines, rule, used, others)
                if more is not None:
                    yield text + squash(more.text), min(ln.score, more.score), union([ln.box, more.box])
                if parts:  # the line alone first: a stray mark (⊗ read as X) must not lower confidence
                    yield text, ln.score, ln.box
                parts.append(text)
                scores.append(ln.score)
                boxes.append(ln.box)
                yield "".join(parts), min(scores), union(boxes)
        elif where == "below":
            for ln in below(anchor.box, lines, gap, exclude=used)[:1]:
                if ln in others:
                    break
                text = ln.text.strip()
                box, score = ln.box, ln.score
                if rule.multiline:
                    for nxt in below(ln.box, lines, 0.8 * h, exclude=used)[:3]:
                        text, box, score = text + nxt.text.strip(), union([box, nxt.box]), min(score, nxt.score)
                yield text, score, box


def _block(anchor: Anchor, lines: Sequence[OcrLine], gap: float, used: set) -> Iterator[tuple[str, float, Box]]:
    """A free-text cell (备注): the rest of the label's line and every line to its right, then the
    lines right below those (within a line height), joined with spaces in reading order."""
    h = height(anchor.last)
    first = right_of(anchor.last.box if anchor.rest else anchor.box, lines, gap, exclude=used)
    if not first and not anchor.rest:
        return
    block = list(first)
    frontier = list(first) or [anchor.last]
    for _ in range(4):
        nxt = [ln for f in frontier for ln in below(f.box, lines, 0.8 * h, exclude=[*used, *block])]
        left = (first[0].box[0] if first else anchor.last.box[0])
        nxt = [ln for ln in nxt if ln.box[0] > anchor.box[2] - 0.2 * h and abs(ln.box[0] - left) <= 2 * h]
        if not nxt:
            break
        block.extend(dict.fromkeys(nxt))
        frontier = nxt
    parts = ([anchor.rest] if anchor.rest else []) + [ln.text.strip() for ln in reading_order(block)]
    boxes = ([value_part(anchor.last, anchor.rest)] if anchor.rest else []) + [ln.box for ln in block]
    scores = ([anchor.last.score] if anchor.rest else []) + [ln.score for ln in block]
    yield " ".join(parts), min(scores), union(boxes)


def _continued(
    first: str, box: Box, lines: Sequence[OcrLine], rule: FieldRule, used: set, others: frozenset
) -> OcrLine | None:
    """A company name's end detected as a line of its own right against its start (称：深圳万象…有限责任公
    | 杭州分公司, the boxes overlapping by the lost 司): the next line on the row, within a line height,
    ending in 公司, after a start of ``MIN_START`` characters or more (程 | 联创（武汉）…有限公司: a
    label's remnant, no start). Only names: no other value goes on in a second box that ends so."""
    if rule.kind != "name" or len(squash(first)) < MIN_START:
        return None
    nxt = next(iter(right_of(box, lines, max(1.0, box[3] - box[1]), exclude=used)), None)
    if nxt is None or nxt in others or not squash(nxt.text).endswith("公司"):
        return None
    return nxt


def _stray(line: OcrLine, after: Sequence[OcrLine], others: frozenset) -> bool:
    """A name's first candidate that the next line overlaps (a second detection of the same place: 家宝
    read at 0.32 over the start of 杭州…有限责任公司 at 0.96, taken as the buyer's name) when that line is
    longer and surer."""
    nxt = after[0] if after else None
    return (nxt is not None and nxt not in others and nxt.box[0] < line.box[2] and nxt.score > line.score
            and len(squash(nxt.text)) > len(squash(line.text)))


def read_field(
    lines: Sequence[OcrLine], rule: FieldRule, anchors: list[Anchor] | None = None, *, strict: bool = False,
    **hints,
) -> FieldRead | None:
    """``strict``: take only anchor number ``rule.occurrence`` (labels shared by buyer and seller)."""
    if anchors is None:
        anchors = find_anchors(lines, rule.labels, rule.label_cutoff)
    if len(anchors) < rule.occurrence:
        return None
    # the first occurrence: the first anchor that has a value (a title such as TAX INVOICE may also
    # start with a label); a later occurrence (the seller's 名称) is that anchor or nothing
    tries = anchors if rule.occurrence == 1 and not strict else [anchors[rule.occurrence - 1]]
    for anchor in tries:
        others = frozenset(ln for a in anchors if a is not anchor for ln in a.lines) - set(anchor.lines)
        for raw, conf, box in _candidates(anchor, lines, rule, others):
            value = normalize_kind(rule.kind, raw, **hints)
            if value is not None:
                return FieldRead(value, conf, box, raw, anchor.score)
    return None
