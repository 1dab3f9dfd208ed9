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
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import cv2
import numpy as np

from capture.extract.normalize import taxpayer_id
from capture.ocr.base import OcrLine
from capture.taxid import is_valid_uscc

ReadCrops = Callable[[Sequence[np.ndarray]], list[tuple[str, float]]]

# an id at the end of a line: id characters plus what OCR makes of J and 7 on poor prints
_ID_TAIL = re.compile(r"([0-9][0-9A-Za-z}\]/)|]{15,21})\s*$")
_LABEL = re.compile(r"(识别|信用|代码|税号|纳税|社会)[^0-9]*$")  # parts of 统一社会信用代码/纳税人识别号
VARIANTS = ("crop", "sharp", "double", "otsu")
_PUNCT_ID = str.maketrans({"}": "J", "]": "J", ")": "J", "/": "7", "|": "1"})


def id_tail(text: str) -> tuple[str, str] | None:
    """(label part, id part) when ``text`` ends in something shaped like a taxpayer id, else None."""
    s = text.strip()
    m = _ID_TAIL.search(s.replace(" ", "")) if not re.search(r"[+*<>]", s) else None
    if m is None:
        return None
    compact = s.replace(" ", "")
    head = compact[: m.start(1)]
    if head and not _LABEL.search(head):
        return None  # a bank account after a bank name, a phone number after an address...
    if not head and not (m.group(1)[0] == "9" or re.search(r"[A-Za-z]", m.group(1))):
        return None  # a lone number that is not shaped like a company's id
    return head, m.group(1)


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


def reread_tax_ids(lines: Sequence[OcrLine], image: np.ndarray, read_crops: ReadCrops) -> list[OcrLine]:
    lines = [_repaired(ln) for ln in lines]
    todo = [i for i, ln in enumerate(lines) if needs_reread(ln)]
    if not todo:
        return lines
    crops, owners = [], []
    for i in todo:
        for crop in variants(image, lines[i].box):
            crops.append(crop)
            owners.append(i)
    if not crops:
        return list(lines)
    reads = read_crops(crops)
    out = list(lines)
    done: set[int] = set()
    for i, (text, score) in zip(owners, reads, strict=True):
        if i in done:
            continue
        m = _ID_TAIL.search(text.replace(" ", ""))
        fixed = valid_id(m.group(1)) if m else None
        if fixed is not None:
            head = id_tail(lines[i].text)[0]
            out[i] = OcrLine(head + fixed, float(score), lines[i].polygon)
            done.add(i)
    return out
