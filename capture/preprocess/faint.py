"""Faint print: stretch the grey levels of a low-resolution page whose ink is pale (worn ribbon, toner saving).

Contract: ``measure_faint(image, config)`` says whether a page is faint print, with what it measured;
``stretch_faint(image, config)`` maps a BGR uint8 page to a BGR uint8 page of the same size (a StepResult
without a transform). A page is faint when both
- its relative ink contrast (paper - ink) / paper is below ``faint_max_contrast``: the paper level is
  the median grey, the ink level the ``INK_PERCENTILE``th percentile of the grey of text-sized marks
  (dust, often darker than faint print, left out). Relative, because a dim photo has proportionally
  less of both. Measured: poor 100-120 DPI scans 0.26-0.43, scans and photos 0.46-0.79, and
- its typical glyph is at most ``faint_max_char_px`` high: at 100-120 DPI a pale stroke is one pixel
  wide and the detector misses it. Larger glyphs it reads, and blurred photos (low contrast for another
  reason: 0.38-0.48 with 20-26 px glyphs) measured worse when stretched (table header words merged).
A faint page becomes its grey image with the levels stretched: the paper level to white (the paper
grain above it is clipped away) and the ink level to ``faint_target_ink``, linear in between. A gentle
target measured better than a strong one (a strong stretch blows up the grain); grey read the pale
brown form labels better than the stretched colours. Never a binarization. Runs after seal
suppression, so a seal is gone before its colour is lost.
Record: ``paper``, ``ink``, ``contrast`` (relative), ``char_px`` and, when applied, ``gain``.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from capture.preprocess import ink
from capture.preprocess.base import PreprocessConfig, StepResult, r, skipped

NAME = "faint"
WORK_LONG_SIDE = 1600
PAPER_PERCENTILE = 50
INK_PERCENTILE = 10
MIN_INK_SHARE = 0.002  # fewer ink pixels than this: nothing to measure
MIN_MARK_PX = 5  # marks narrower and lower than this (at the working size) are dust, not text


@dataclass(frozen=True)
class Faintness:
    faint: bool
    reason: str
    paper: float = 255.0
    ink: float = 0.0
    char_px: float | None = None

    @property
    def contrast(self) -> float:
        return self.paper - self.ink

    @property
    def relative(self) -> float:
        """Ink contrast as a share of the paper level (a dim photo has proportionally less of both)."""
        return self.contrast / max(self.paper, 1.0)

    def values(self) -> dict:
        return {"paper": r(self.paper, 1), "ink": r(self.ink, 1), "contrast": r(self.relative),
                "char_px": None if self.char_px is None else r(self.char_px, 1)}


def text_marks(gray: np.ndarray) -> np.ndarray:
    """Ink of marks at least ``MIN_MARK_PX`` across: dust specks (often darker than faint print) left out.
    A low Otsu fraction: with black dust on a page, Otsu splits dust from text, and pale text must count."""
    mask = ink.ink_mask(gray, otsu_fraction=0.4)
    n, labels, stats, _c = cv2.connectedComponentsWithStats(mask, connectivity=8)
    small = np.zeros(n, bool)
    small[1:] = np.maximum(stats[1:, 2], stats[1:, 3]) < MIN_MARK_PX
    mask[small[labels]] = 0
    return mask


def measure_faint(image: np.ndarray, config: PreprocessConfig) -> Faintness:
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    work, f = ink.resize_long(gray, WORK_LONG_SIDE)
    mask = text_marks(work)
    if np.count_nonzero(mask) < MIN_INK_SHARE * mask.size:
        return Faintness(False, "too little ink to measure")
    paper = float(np.percentile(work, PAPER_PERCENTILE))
    level = float(np.percentile(work[mask > 0], INK_PERCENTILE))
    if paper - level >= config.faint_max_contrast * paper:
        return Faintness(False, "ink is dark enough", paper, level)
    darkest = ink.resize_long(ink.darkest_channel(image), WORK_LONG_SIDE)[0]
    char = ink.char_size(ink.text_mask(ink.ink_mask(darkest)))
    char_px = None if char is None else char / f
    if char_px is None or char_px > config.faint_max_char_px:
        return Faintness(False, "glyphs are large enough", paper, level, char_px)
    return Faintness(True, "", paper, level, char_px)


def stretch_faint(image: np.ndarray, config: PreprocessConfig) -> StepResult:
    if not config.faint_stretch:
        return skipped(NAME, image, "disabled")
    m = measure_faint(image, config)
    if not m.faint:
        return skipped(NAME, image, m.reason, **m.values())
    gain = (255.0 - config.faint_target_ink) / max(m.contrast, 1.0)
    lut = np.clip(255.0 - (m.paper - np.arange(256, dtype=np.float32)) * gain, 0, 255).astype(np.uint8)
    out = cv2.cvtColor(cv2.LUT(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), lut), cv2.COLOR_GRAY2BGR)
    return StepResult(out, None, {"name": NAME, "applied": True, **m.values(), "gain": r(gain, 2)})
