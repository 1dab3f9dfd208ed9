"""Second look at doubtful text lines: recognition again on re-cut crops, a new text only on agreement.

Contract: ``reread_lines(lines, todo, image, read_crops) -> lines`` returns the lines of one page with
the text (and score) of some replaced. ``todo`` maps a line index to a ``Judge``; ``image`` is the
image the lines' polygons refer to; ``read_crops`` is a recognizer over whole crops (no detection)
giving ``(text, score)`` per crop, e.g. ``PaddleOcrEngine.recognize_crops``, or ``(text, score,
lattice)`` (``capture.ocr.ctc.reader(engine.read_lattices)``), which the unit judge weighs. Each line
in ``todo`` is read again in 5 cuts (the crop as is,
sharpened, enlarged 1.5x, 2x and 3x: the recognizer's errors differ between them) and its judge decides
from the original line and the readings whether one of them replaces it. There is no checksum on free
text, so the judges only accept what the readings agree on:
- ``agreed_text``: at least ``AGREE`` readings return the same text, of the original's length (spaces
  aside) with at most ``MAX_CHANGED`` characters changed, and their mean score beats the original's by
  ``MARGIN`` (a company name with one character misread: 杭附 -> 杭州); or, when the reading has more of
  a company name's shape (capture.extract.lexicon.company_fit), at least equals it with one change
  more, a character lost or added among them (…有限公司广邦云司 -> …有限公司广州分公司);
- ``gained_stars``: a reading with the same characters as the original apart from the asterisks and
  the quote marks OCR reads for them, and asterisks the original lacks: the asterisks of both are kept
  when they are at most ``MAX_STARS``
  (*会议服务会议服务费 + 会议服务*会议服务费 -> *会议服务*会议服务费, the category separator of an item name
  that the first reading lost). Characters of item names are not voted on: on item names even four
  cuts of five agree on a misread too often (辅防 for 辅助);
- ``known_unit``: a unit cell read as no known unit gets the known unit (the lexicon's list) the cuts
  make clearly likeliest by the recognizer's own probabilities (癌 -> 瓶, 紫 -> 张: see the function).
Lines not in ``todo`` are never read again: the cost is a few crops per page.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from functools import cache

import cv2
import numpy as np
from rapidfuzz.distance import Levenshtein

from capture.extract.layout import squash
from capture.extract.lexicon import Lexicon, company_fit
from capture.extract.rules import load_rulebook
from capture.ocr.base import OcrLine
from capture.ocr.ctc import word_prob
from capture.ocr.reread import VARIANTS as CUTS
from capture.ocr.reread import ReadCrops, variants

Read = tuple  # (text, score) or (text, score, lattice): what the reader gives per cut
Judge = Callable[[OcrLine, list[Read]], tuple[str, float] | None]
AGREE = 4  # of the 5 cuts: three (the plain and sharpened crops among them) agree on a misread too often
MAX_STARS = 2  # an item name is *category*name
UNIT_SURE = 0.05  # mean probability over the 5 cuts of the likeliest known unit, for a cell read as no unit
UNIT_LEAD = 3.0  # over the next known unit
MARGIN = 0.02
MAX_CHANGED = 2
_STARS = "*“”\"″＊※"


def _agreed(
    original: str, score: float, reads: list[tuple[str, str, float]], better: Callable[[str], bool] = lambda _: False
) -> tuple[str, str, float] | None:
    """The (key, text, mean score) that ``AGREE`` readings share, of the length of ``original`` with at
    most ``MAX_CHANGED`` characters changed and clearly surer; or, when ``better(key)`` says the reading
    has more of the shape the text should have, at least as sure with one more change (a character
    lost or added among them).
    ``reads`` are (key, text, score): readings compared by key (the squashed text)."""
    for cand, k in Counter(key for key, _, _ in reads).most_common():
        if cand == original or k < AGREE or abs(len(cand) - len(original)) > 1:
            continue
        same = [(text, sc) for key, text, sc in reads if key == cand]
        mean = sum(sc for _, sc in same) / len(same)
        changed = Levenshtein.distance(cand, original)
        if better(cand):
            ok = changed <= MAX_CHANGED + 1 and mean >= score
        else:
            ok = len(cand) == len(original) and changed <= MAX_CHANGED and mean >= score + MARGIN
        if ok:
            return cand, same[0][0], mean
    return None


@cache
def _company_vocabulary() -> tuple[Lexicon, tuple[str, ...]] | None:
    rs = next((rs for rs in load_rulebook() if rs.lexicon), None)
    return (Lexicon.load(rs.lexicon), tuple(rs.legal_forms)) if rs is not None else None


def _fit(text: str) -> int:
    vocabulary = _company_vocabulary()
    if vocabulary is None:
        return 0
    head, colon, rest = text.partition("：")
    return company_fit(rest if colon and len(head) <= 3 else text, *vocabulary)


def agreed_text(line: OcrLine, reads: list[Read]) -> tuple[str, float] | None:
    """A company name's line: what the readings agree on; with the lexicon's company-name shape
    (a place, a legal form, a branch ``<place>分公司``) as the tie-breaker when they are not surer."""
    original = squash(line.text)
    got = _agreed(original, line.score, [(squash(t), t, sc) for t, sc, *_ in reads], lambda c: _fit(c) > _fit(original))
    return (got[1], got[2]) if got else None


@cache
def known_units() -> frozenset[str]:
    """The lexicon's unit list (the rule set that has a lexicon)."""
    rs = next((rs for rs in load_rulebook() if rs.lexicon), None)
    return Lexicon.load(rs.lexicon).units if rs is not None else frozenset()


def known_unit(line: OcrLine, reads: list[Read]) -> tuple[str, float] | None:
    """A unit cell read as no known unit (瓶 read as 癌, 张 as 紫): the known unit (the lexicon's list)
    the cuts make likeliest, when its mean probability over the cuts reaches ``UNIT_SURE`` and
    ``UNIT_LEAD`` times the next known unit's. The probability of a unit in a cut is the recognizer's
    own (``word_prob`` over the cut's lattice) when the reader gives lattices, else 1 for the text
    read and 0 for any other. The list is the evidence here, not the first choices (the cuts of such a
    cell are all read unsure, and a cut's first choice is often no unit at all: 崇 0.42 | 张 0.12)."""
    if squash(line.text) in known_units() or not reads:
        return None
    odds: Counter[str] = Counter()
    for text, _score, *lattice in reads:
        if not lattice:
            odds[squash(text)] += squash(text) in known_units()
            continue
        seen = {ch for step in lattice[0] for ch, _ in step}
        for unit in known_units():
            if set(unit) <= seen:
                odds[unit] += word_prob(lattice[0], unit)
    (unit, best), (_, runner) = [*odds.most_common(2), ("", 0.0), ("", 0.0)][:2]
    if best / len(reads) < UNIT_SURE or best < UNIT_LEAD * runner:
        return None
    return unit, best / len(reads)


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


def gained_stars(line: OcrLine, reads: list[Read]) -> tuple[str, float] | None:
    bare, mine = star_split(line.text)
    for text, score, *_ in reads:
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
    reads: dict[int, list[Read]] = {i: [] for i in todo}
    for i, read in zip(owners, read_crops(crops), strict=True):
        reads[i].append(read)
    for i, judge in todo.items():
        got = judge(lines[i], reads[i])
        if got is not None:
            out[i] = OcrLine(got[0], got[1], lines[i].polygon)
    return out
