"""Second look at doubtful text lines: recognition again on re-cut crops, a new text only on agreement.

Contract: ``reread_lines(lines, todo, image, read_crops) -> lines`` returns the lines of one page with
the text (and score) of some replaced. ``todo`` maps a line index to a ``Judge``; ``image`` is the
image the lines' polygons refer to; ``read_crops`` is a recognizer over whole crops (no detection),
e.g. ``PaddleOcrEngine.recognize_crops``. Each line in ``todo`` is read again in 5 cuts (the crop as is,
sharpened, enlarged 1.5x, 2x and 3x: the recognizer's errors differ between them) and its judge decides
from the original line and the readings whether one of them replaces it. There is no checksum on free
text, so the judges only accept what the readings agree on:
- ``agreed_text``: at least ``AGREE`` readings return the same text, of the original's
  length (spaces aside) with at most ``MAX_CHANGED`` characters changed, and their mean score beats the
  original's by ``MARGIN`` (a company name with one character misread: 杭附 -> 杭州);
- ``gained_stars``: a reading with the same characters as the original apart from the asterisks and
  the quote marks OCR reads for them, and asterisks the original lacks: the asterisks of both are kept
  when they are at most ``MAX_STARS``
  (*会议服务会议服务费 + 会议服务*会议服务费 -> *会议服务*会议服务费, the category separator of an item name
  that the first reading lost). Characters of item names are not voted on: on item names even four
  cuts of five agree on a misread too often (辅防 for 辅助).
Lines not in ``todo`` are never read again: the cost is a few crops per page.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

import cv2
import numpy as np

from capture.extract.layout import squash
from capture.ocr.base import OcrLine
from capture.ocr.reread import VARIANTS as CUTS
from capture.ocr.reread import ReadCrops, variants

Judge = Callable[[OcrLine, list[tuple[str, float]]], tuple[str, float] | None]
AGREE = 4  # of the 5 cuts: three (the plain and sharpened crops among them) agree on a misread too often
MAX_STARS = 2  # an item name is *category*name
MARGIN = 0.02
MAX_CHANGED = 2
_STARS = "*“”\"″＊※"


def _agreed(original: str, score: float, reads: list[tuple[str, str, float]]) -> tuple[str, str, float] | None:
    """The (key, text, mean score) that ``AGREE`` readings share, close to ``original``, clearly surer.
    ``reads`` are (key, text, score): readings compared by key (the squashed text)."""
    for cand, k in Counter(key for key, _, _ in reads).most_common():
        if cand == original or k < AGREE or len(cand) != len(original):
            continue
        if sum(a != b for a, b in zip(cand, original, strict=True)) > MAX_CHANGED:
            continue
        same = [(text, sc) for key, text, sc in reads if key == cand]
        mean = sum(sc for _, sc in same) / len(same)
        if mean >= score + MARGIN:
            return cand, same[0][0], mean
    return None


def agreed_text(line: OcrLine, reads: list[tuple[str, float]]) -> tuple[str, float] | None:
    got = _agreed(squash(line.text), line.score, [(squash(t), t, sc) for t, sc in reads])
    return (got[1], got[2]) if got else None


def star_split(text: str) -> tuple[str, frozenset[int]]:
    """(the text without asterisks, the positions in it that an asterisk precedes)."""
    bare, where = [], set()
    for ch in squash(text):
        if ch in _STARS:
            where.add(len(bare))
        else:
            bare.append(ch)
    return "".join(bare), frozenset(where)


def _starred(bare: str, stars: frozenset[int]) -> str:
    return "".join(("*" if k in stars else "") + ch for k, ch in enumerate(bare))


def gained_stars(line: OcrLine, reads: list[tuple[str, float]]) -> tuple[str, float] | None:
    bare, mine = star_split(line.text)
    for text, score in reads:
        other, theirs = star_split(text)
        if other == bare and not theirs <= mine and len(mine | theirs) <= MAX_STARS:
            return _starred(bare, mine | theirs), min(score, line.score)
    return None


def _cuts(image: np.ndarray, box: tuple[float, float, float, float]) -> list[np.ndarray]:
    """The crop as is, sharpened, and enlarged 1.5x, 2x and 3x (the recognizer's errors differ by scale)."""
    made = dict(zip(CUTS, variants(image, box), strict=False))
    if not made:
        return []
    scaled = {f: cv2.resize(made["crop"], None, fx=f, fy=f, interpolation=cv2.INTER_CUBIC) for f in (1.5, 3.0)}
    return [made["crop"], made["sharp"], scaled[1.5], made["double"], scaled[3.0]]


def reread_lines(
    lines: Sequence[OcrLine], todo: dict[int, Judge], image: np.ndarray, read_crops: ReadCrops
) -> list[OcrLine]:
    out = list(lines)
    crops, owners = [], []
    for i in todo:
        for crop in _cuts(image, lines[i].box):
            crops.append(crop)
            owners.append(i)
    if not crops:
        return out
    reads: dict[int, list[tuple[str, float]]] = {i: [] for i in todo}
    for i, (text, score) in zip(owners, read_crops(crops), strict=True):
        reads[i].append((text, float(score)))
    for i, judge in todo.items():
        got = judge(lines[i], reads[i])
        if got is not None:
            out[i] = OcrLine(got[0], got[1], lines[i].polygon)
    return out
