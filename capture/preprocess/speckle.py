"""Speckle removal by connected components: dark dust (toner, scanner dirt) becomes paper, text stays.

Contract: ``remove_specks(image, config)`` maps a BGR uint8 page to a BGR uint8 page of the same size and
returns a ``StepResult`` without a transform. It runs at the page's native resolution, before any
resampling, where a speck is still a few sharp pixels. Ink is the darkest channel darker than its local
paper by a noise-adaptive margin (so brown form print and blue ink count). Two kinds of specks:
- isolated: an ink component with both sides at most ``speck_max_side`` glyph sizes (at least 2 px) and
  no glyph-sized ink (other specks and grain do not count: dust comes in clusters) within
  ``speck_clearance`` glyph sizes of its bounding box. A decimal point between digits, the dots of a
  colon or of a character have a glyph next to them and stay.
- dark (only on faint print, see ``capture.preprocess.faint``): a speck-sized core of pixels at least
  ``speck_dark_ratio`` times as far below the paper as the faint text is, and that much darker than the
  ink around it, also when it sits on a glyph. A decimal point or a QR module is as dark as its
  neighbours and stays; black dust on pale print goes. On a page with normal ink nothing is "dark".
Specks (plus a one-pixel rim: blur and JPEG leave a halo) are filled from the paper around them
(``cv2.inpaint``); a dark speck sitting on a stroke is only lightened to the grey of the text around it
(inpainting it cut digits: "21017.10" read "1017.10"). Nothing changes unless at least
``speck_min_count`` specks are found (a clean page stays bit-exact). Never a median filter: at 100 DPI
that erases thin strokes.
Record: ``specks`` (isolated), ``dark_specks`` (None when the page is not faint print), ``char_px``
(glyph size the limits were scaled with).
"""

from __future__ import annotations

import cv2
import numpy as np

from capture.preprocess import ink
from capture.preprocess.base import PreprocessConfig, StepResult, r, skipped
from capture.preprocess.faint import measure_faint
from capture.preprocess.scale import glyph_px

NAME = "despeckle"
MIN_CONTRAST = 30  # grey levels below the local paper
NOISE_FACTOR = 3.0  # times the typical paper texture
DARK_MIN_MARGIN = 40  # grey levels a dark speck must be darker than the ink around it
CORE_FACTOR = 1.25  # candidate dark cores: this many times deeper below the paper than the faint text
AROUND_PERCENTILE = 25  # the ink around a dark core: this percentile of its grey levels
ON_STROKE = 0.3  # share of the ring around a dark core that is ink: the core sits on a stroke
FALLBACK_CHAR_PX = 12.0  # glyph size when none can be measured


def ink_pixels(gray: np.ndarray) -> np.ndarray:
    """Everything darker than the local paper by a margin that rises with the paper texture (grain), 0/1."""
    h, w = gray.shape[:2]
    k = max(15, (min(h, w) // 40) | 1)
    background = cv2.blur(cv2.dilate(gray, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))), (k, k))
    diff = cv2.subtract(background, gray)
    texture = float(np.median(diff[::2, ::2]))
    level = max(float(MIN_CONTRAST), NOISE_FACTOR * texture)
    return (diff > level).astype(np.uint8)


def _box_sums(integral: np.ndarray, x0, y0, x1, y1) -> np.ndarray:
    return integral[y1, x1] - integral[y0, x1] - integral[y1, x0] + integral[y0, x0]


def isolated_specks(mask: np.ndarray, char: float, config: PreprocessConfig) -> np.ndarray:
    """0/1 mask of small ink components with no glyph-sized ink within the clearance."""
    n, labels, stats, _c = cv2.connectedComponentsWithStats(mask, connectivity=8)
    side = max(2.0, config.speck_max_side * char)
    x, y, w, h, area = (stats[1:, i] for i in range(5))
    ids = np.nonzero((w <= side) & (h <= side) & (area <= side * side))[0]
    if len(ids) == 0:
        return np.zeros_like(mask)
    # only glyph-sized marks are evidence of text nearby: grain and other dust (clusters of specks) are not
    small = np.zeros(n, bool)
    small[ids + 1] = True
    evidence = np.where(small[labels], 0, mask).astype(np.uint8)
    reach = max(2, round(config.speck_clearance * char))
    hh, ww = mask.shape
    x0, y0 = np.clip(x[ids] - reach, 0, ww), np.clip(y[ids] - reach, 0, hh)
    x1, y1 = np.clip(x[ids] + w[ids] + reach, 0, ww), np.clip(y[ids] + h[ids] + reach, 0, hh)
    around = _box_sums(cv2.integral(evidence), x0, y0, x1, y1)
    remove = np.zeros(n, bool)
    remove[ids[around <= 0] + 1] = True
    return remove[labels].astype(np.uint8)


def dark_specks(gray: np.ndarray, mask: np.ndarray, char: float, paper: float, ink_level: float,
                config: PreprocessConfig) -> tuple[np.ndarray, np.ndarray]:
    """(0/1 mask of speck-sized cores far darker than the faint text on or next to them, fill level).

    The fill level (per core pixel) is the grey of the text around the core when the core sits on a
    stroke (the stroke under it is unknown: a text-grey blob reads better than a hole), else 255 (paper)."""
    text_depth = max(paper - ink_level, 1.0)
    cores = (gray < paper - CORE_FACTOR * text_depth).astype(np.uint8)
    n, labels, stats, _c = cv2.connectedComponentsWithStats(cores, connectivity=8)
    side = max(2.0, config.speck_max_side * char)
    small = np.zeros(n, bool)
    small[1:] = (stats[1:, 2] <= side) & (stats[1:, 3] <= side)
    # the ink a core is compared with: not itself, nor another speck-sized core (two specks side by side)
    text = (mask > 0) & ~cv2.dilate(small[labels].astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    reach = max(2, round(config.speck_clearance * char))
    hh, ww = gray.shape
    out = np.zeros_like(cores)
    floor = np.full_like(gray, 255)
    for i in np.nonzero(small)[0]:
        x, y, w, h, _area = stats[i]
        sl = (slice(max(0, y - reach), min(hh, y + h + reach)), slice(max(0, x - reach), min(ww, x + w + reach)))
        own = labels[sl] == i
        other = text[sl]
        depth = paper - float(gray[sl][own].min())
        around = paper - float(np.percentile(gray[sl][other], AROUND_PERCENTILE)) if other.any() else 0.0
        if depth >= config.speck_dark_ratio * max(around, 1.0) and depth - around >= DARK_MIN_MARGIN:
            out[sl][own] = 1
            # the ring two pixels out (the first one is the speck's own blur halo)
            o8 = own.astype(np.uint8)
            ring = cv2.dilate(o8, np.ones((5, 5), np.uint8)) > cv2.dilate(o8, np.ones((3, 3), np.uint8))
            on_stroke = np.count_nonzero(other & ring) >= ON_STROKE * max(1, np.count_nonzero(ring))
            floor[sl][own] = np.uint8(round(paper - around)) if on_stroke else np.uint8(255)
    return out, floor


def remove_specks(image: np.ndarray, config: PreprocessConfig) -> StepResult:
    if not config.despeckle:
        return skipped(NAME, image, "disabled")
    gray = ink.darkest_channel(image)
    mask = ink_pixels(gray)
    faint = measure_faint(image, config)
    char = faint.char_px or glyph_px(image) or FALLBACK_CHAR_PX
    specks = isolated_specks(mask, char, config)
    values = {"specks": int(cv2.connectedComponents(specks, connectivity=8)[0] - 1), "dark_specks": None,
              "char_px": r(char, 1)}
    dark = floor = None
    if faint.faint and config.speck_dark_ratio > 0:
        luma = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        dark, floor = dark_specks(luma, mask, char, faint.paper, faint.ink, config)
        values["dark_specks"] = int(cv2.connectedComponents(dark, connectivity=8)[0] - 1)
    if values["specks"] + (values["dark_specks"] or 0) < config.speck_min_count:
        return skipped(NAME, image, "too few specks", **values)
    if dark is not None:
        on_paper = dark.astype(bool) & (floor == 255)
        specks |= on_paper.astype(np.uint8)
        dark = (dark.astype(bool) & ~on_paper).astype(np.uint8)
    region = cv2.dilate(specks, np.ones((3, 3), np.uint8))
    out = cv2.inpaint(image, region, 3, cv2.INPAINT_TELEA) if region.any() else image.copy()
    if dark is not None and dark.any():
        k = np.ones((3, 3), np.uint8)
        rim = cv2.dilate(dark, k) > 0
        level = cv2.erode(floor, k)  # spread each core's level over its rim
        out[rim] = np.maximum(out[rim], level[rim][:, None])
    return StepResult(out, None, {"name": NAME, "applied": True, **values})
