"""Image quality checks with actionable reasons: is this page good enough to read, and if not, what to do.

Contract: ``assess(image, *, dpi=None) -> QualityReport``. ``image`` is the page as uploaded (BGR or
grey uint8, after EXIF orientation); ``dpi`` is the file's DPI if known. ``ok`` is True when there are
no reasons. Each ``QualityReason`` has a stable ``code`` (clients branch on it, never on the message),
an actionable ``message``, the measured ``value`` and the ``threshold`` it was compared with:
- ``blurred``: sharpness = median variance of the Laplacian over the tiles that hold ink, measured on the
  page scaled to a long side of at most ``NORMAL_LONG_SIDE`` pixels (never enlarged), paper level scaled
  to 255 (a page without ink gets no verdict);
- ``too_dark``: paper brightness (90th percentile grey level) below ``MIN_PAPER``;
- ``too_bright``: the darkest text is pale (1st percentile grey level above ``MAX_INK``): washed out;
- ``glare``: blown-out highlights (all channels >= 250) cover a share of a page whose paper is not
  white itself (a specular reflection on a photo, not a clean scan);
- ``too_small``: typical character height below ``MIN_CHAR_PX`` (when no text is measurable: a DPI
  below ``MIN_DPI``), or a long side below ``MIN_LONG_SIDE`` pixels;
- ``cut_off``: the sheet runs off an image edge (value 1, threshold 0), or more than ``MAX_CUT_GLYPHS``
  glyph-sized marks are cut by the image border (value = that count).
Thresholds were calibrated on synthetic invoices: clean scans and PDF renders pass; Gaussian blur of
sigma >= 3 (at 200 DPI), a page darkened to a quarter, a page scaled below ~90 DPI fail.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from capture.preprocess import ink
from capture.preprocess.quad import detect_sheet

BLURRED, TOO_DARK, TOO_BRIGHT, GLARE, TOO_SMALL, CUT_OFF = (
    "blurred", "too_dark", "too_bright", "glare", "too_small", "cut_off",
)

NORMAL_LONG_SIDE = 1600
TILE = 64
MIN_SHARPNESS = 150.0
MIN_PAPER = 90.0
MAX_INK = 150.0
MAX_GLARE = 0.02
MIN_CHAR_PX = 11.0
MIN_DPI = 100.0
MIN_LONG_SIDE = 640
MAX_CUT_GLYPHS = 3


@dataclass(frozen=True)
class QualityReason:
    code: str
    message: str
    value: float
    threshold: float

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "value": self.value, "threshold": self.threshold}


@dataclass(frozen=True)
class QualityReport:
    ok: bool
    reasons: list[QualityReason] = field(default_factory=list)
    metrics: dict[str, float | None] = field(default_factory=dict)

    @property
    def codes(self) -> list[str]:
        return [reason.code for reason in self.reasons]

    def to_dict(self) -> dict:
        return {"ok": self.ok, "reasons": [x.to_dict() for x in self.reasons], "metrics": dict(self.metrics)}


def _gray(image: np.ndarray) -> np.ndarray:
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def sharpness(gray: np.ndarray, mask: np.ndarray, paper: float) -> float | None:
    """Median Laplacian variance over tiles with ink (None when fewer than 3 tiles hold ink), with the
    paper level scaled to 255 so that a dim photo is not mistaken for a blurred one."""
    gain = 255.0 / max(paper, 64.0)
    lap = cv2.Laplacian(gray, cv2.CV_32F, ksize=3) * gain
    h, w = gray.shape[:2]
    values = []
    for y in range(0, h - TILE // 2, TILE):
        for x in range(0, w - TILE // 2, TILE):
            if np.count_nonzero(mask[y : y + TILE, x : x + TILE]) > 0.03 * TILE * TILE:
                values.append(float(lap[y : y + TILE, x : x + TILE].var()))
    return float(np.median(values)) if len(values) >= 3 else None


def sheet_cut(image: np.ndarray) -> str | None:
    """The image edge a sheet on a background runs off, or None. The document detector decides first:
    four visible corners = not cut; a sheet-like outline with a corner at the edge = cut there. Without
    an outline, a bright region on a clearly darker background that covers a long run of one edge
    while another edge shows only background counts as cut."""
    colour = image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    sheet = detect_sheet(colour)
    if sheet.quad is not None or sheet.cut_edge is not None:
        return sheet.cut_edge
    if "contrast" in sheet.values:  # an outline was judged and it was not a sheet on a background
        return None
    gray = ink.resize_long(_gray(image), 600)[0]
    blur = cv2.GaussianBlur(gray, (0, 0), 3)
    k = max(5, (max(gray.shape) // 60) | 1)
    blur = cv2.morphologyEx(blur, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    _t, bright = cv2.threshold(blur, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    hi, lo = blur[bright > 0], blur[bright == 0]
    if hi.size < 0.15 * blur.size or lo.size < 0.05 * blur.size or float(hi.mean()) - float(lo.mean()) < 50:
        return None  # not a sheet on a distinct background
    _n, labels, stats, _c = cv2.connectedComponentsWithStats(bright)
    sheet = labels == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    edges = {"top": sheet[0, :], "bottom": sheet[-1, :], "left": sheet[:, 0], "right": sheet[:, -1]}
    shares = {name: float(v.mean()) for name, v in edges.items()}
    touched = max(shares, key=lambda e: shares[e])
    return touched if shares[touched] > 0.25 and min(shares.values()) < 0.02 else None


def cut_glyphs(mask: np.ndarray, char: float | None) -> int:
    """Glyph-sized ink components touching the image border."""
    if char is None:
        return 0
    h, w = mask.shape[:2]
    count = 0
    for x, y, cw, ch, area in ink.components(mask):
        along = []  # the extent along each border the mark touches
        if x <= 1 or x + cw >= w - 1:
            along.append(ch)
        if y <= 1 or y + ch >= h - 1:
            along.append(cw)
        if along and 0.4 * char <= max(along) <= 2.5 * char and area >= 0.05 * max(along) ** 2:
            count += 1
    return count


def assess(image: np.ndarray, *, dpi: float | None = None) -> QualityReport:
    full_h, full_w = image.shape[:2]
    gray, f = ink.resize_long(_gray(image), NORMAL_LONG_SIDE)
    mask = ink.ink_mask(gray)
    text = ink.text_mask(mask)
    char_small = ink.char_size(text)
    char = None if char_small is None else char_small / f
    paper = float(np.percentile(gray, 90))
    ink_level = float(np.percentile(gray[mask > 0], 1)) if np.count_nonzero(mask) > 50 else None
    sharp = sharpness(gray, mask, paper)
    colour = image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    small_bgr, _ = ink.resize_long(colour, 800)
    blown = float(np.mean(np.all(small_bgr >= 250, axis=2)))
    paper_median = float(np.median(cv2.cvtColor(small_bgr, cv2.COLOR_BGR2GRAY)))
    cut = sheet_cut(image)
    glyphs_cut = cut_glyphs(text, char_small)

    reasons: list[QualityReason] = []

    def add(code: str, message: str, value: float, threshold: float) -> None:
        reasons.append(QualityReason(code, message, round(float(value), 2), float(threshold)))

    if sharp is not None and sharp < MIN_SHARPNESS:
        add(BLURRED, f"retake: the photo is blurred (sharpness {sharp:.1f} < {MIN_SHARPNESS:.0f}); "
            "hold the camera steady and let it focus on the text", sharp, MIN_SHARPNESS)
    if paper < MIN_PAPER:
        add(TOO_DARK, f"retake in better light: the page is too dark (paper brightness {paper:.0f} < "
            f"{MIN_PAPER:.0f})", paper, MIN_PAPER)
    elif ink_level is not None and ink_level > MAX_INK:
        add(TOO_BRIGHT, f"retake with less light or rescan darker: the text is washed out (darkest text "
            f"{ink_level:.0f} > {MAX_INK:.0f})", ink_level, MAX_INK)
    if blown > MAX_GLARE and paper_median < 235:
        add(GLARE, f"retake without flash or direct light: glare covers {blown:.1%} of the image "
            f"(limit {MAX_GLARE:.0%})", blown, MAX_GLARE)
    if char is not None:
        if char < MIN_CHAR_PX:
            add(TOO_SMALL, f"rescan at 200 DPI or move the camera closer: characters are {char:.0f} px tall "
                f"(< {MIN_CHAR_PX:.0f})", char, MIN_CHAR_PX)
    elif dpi is not None and dpi < MIN_DPI:
        add(TOO_SMALL, f"rescan at 200 DPI or more: the image is {dpi:.0f} DPI (< {MIN_DPI:.0f})",
            dpi, MIN_DPI)
    if max(full_h, full_w) < MIN_LONG_SIDE and TOO_SMALL not in [x.code for x in reasons]:
        add(TOO_SMALL, f"rescan or retake at a higher resolution: the image is {full_w}x{full_h} pixels "
            f"(long side < {MIN_LONG_SIDE})", max(full_h, full_w), MIN_LONG_SIDE)
    if cut is not None:
        add(CUT_OFF, f"retake showing the whole invoice: the page runs off the {cut} edge of the photo",
            1.0, 0.0)
    elif glyphs_cut > MAX_CUT_GLYPHS:
        add(CUT_OFF, f"retake or rescan with a margin: {glyphs_cut} characters are cut by the image edge "
            f"(limit {MAX_CUT_GLYPHS})", glyphs_cut, MAX_CUT_GLYPHS)

    metrics = {
        "sharpness": None if sharp is None else round(sharp, 2),
        "paper_brightness": round(paper, 1),
        "darkest_ink": None if ink_level is None else round(ink_level, 1),
        "glare_share": round(blown, 4),
        "char_px": None if char is None else round(char, 1),
        "dpi": dpi,
        "glyphs_cut": glyphs_cut,
    }
    return QualityReport(ok=not reasons, reasons=reasons, metrics=metrics)
