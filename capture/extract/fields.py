"""Key/value fields: a rule's label is anchored, the value is taken by geometry and normalized.

Contract: ``read_field(lines, rule, anchors_cache, **hints) -> FieldRead | None``. Candidates are tried
in the order of ``rule.where``: the rest of the label's own line, the nearest lines to its right on
the same row (joined progressively, for values OCR split into groups), then the nearest lines below.
The first candidate that normalizes to a value of ``rule.kind`` wins; its confidence is the lowest
recognition score of the lines it used. Boxes are in the coordinates of the lines given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from capture.extract.kinds import normalize_kind
from capture.extract.layout import Anchor, Box, below, find_anchors, height, right_of, squash, union, value_part
from capture.extract.rules import FieldRule
from capture.ocr.base import OcrLine


@dataclass(frozen=True)
class FieldRead:
    value: str
    confidence: float
    box: Box
    raw: str
    label_score: float


def _candidates(anchor: Anchor, lines: Sequence[OcrLine], rule: FieldRule):
    """(raw text, confidence, box) candidates for the value of ``anchor``, in rule order."""
    h = height(anchor.last)
    gap = rule.max_gap * h
    used = set(anchor.lines)
    for where in rule.where:
        if where == "same" and anchor.rest:
            yield anchor.rest, anchor.last.score, value_part(anchor.last, anchor.rest)
        elif where == "right":
            start = anchor.rest or ""
            parts, scores, boxes = [start] if start else [], [anchor.last.score] if start else [], []
            if start:
                boxes.append(value_part(anchor.last, start))
            for ln in right_of(anchor.box if not start else anchor.last.box, lines, gap, exclude=used)[:4]:
                text = squash(ln.text) if rule.kind not in ("name", "text") else ln.text.strip()
                if parts:  # the line alone first: a stray mark (⊗ read as X) must not lower confidence
                    yield text, ln.score, ln.box
                parts.append(text)
                scores.append(ln.score)
                boxes.append(ln.box)
                yield "".join(parts), min(scores), union(boxes)
        elif where == "below":
            for ln in below(anchor.box, lines, gap, exclude=used)[:1]:
                text = ln.text.strip()
                box, score = ln.box, ln.score
                if rule.multiline:
                    for nxt in below(ln.box, lines, 0.8 * h, exclude=used)[:3]:
                        text, box, score = text + nxt.text.strip(), union([box, nxt.box]), min(score, nxt.score)
                yield text, score, box


def read_field(
    lines: Sequence[OcrLine], rule: FieldRule, anchors: list[Anchor] | None = None, **hints
) -> FieldRead | None:
    if anchors is None:
        anchors = find_anchors(lines, rule.labels, rule.label_cutoff)
    if len(anchors) < rule.occurrence:
        return None
    anchor = anchors[rule.occurrence - 1]
    for raw, conf, box in _candidates(anchor, lines, rule):
        value = normalize_kind(rule.kind, raw, **hints)
        if value is not None:
            return FieldRead(value, conf, box, raw, anchor.score)
    return None
