"""Pixel-value steps (no geometry change): lighting, red seals, speckle.

Contract: each function maps a BGR uint8 page to a BGR uint8 page of the same size and returns a
``StepResult`` without a transform. None of them binarizes: adaptive thresholding was measured to
destroy OCR on blurred images, so the OCR engine always gets a grey-level page.
- ``normalize_contrast``: only for dark or unevenly lit pages (paper level below ``DARK_PAPER`` or
  uneven by more than ``UNEVEN``): divide by the estimated paper illumination (a smooth max filter of
  the page), so paper becomes near white and ink keeps its darkness relative to the paper around it.
- ``suppress_seals``: pixels of red/magenta ink (HSV hue near red or magenta, saturation and value
  above the configured minimums, inside a stamp-sized outline: fragments of reddish-brown form lines
  are not a stamp) and a rim of 2+ pixels around them are replaced by their red channel
  (in which red ink is nearly transparent) relative to the seal's own red level, times the paper colour:
  the seal becomes paper while dark text under it (low red channel) is kept. Brown form print (hue
  about 24 degrees, value about 120 on the samples; seals: about 2 degrees, value about 210) is outside
  the ranges and stays, unless it touches a seal.
- ``despeckle``: 3x3 median, only when the page is dusty (``speck_ratio`` above ``denoise_min_specks``)
  or noisy (Gaussian noise sigma above ``denoise_min_noise``); clean renders keep their thin strokes.
  Never on glyphs smaller than ``denoise_min_char_px`` (100-120 DPI pages): there a median erases
  one-pixel strokes (measured); dust on such pages is the job of ``capture.preprocess.speckle``.
"""

from __future__ import annotations

import cv2
import numpy as np

from capture.preprocess import ink
from capture.preprocess.base import PreprocessConfig, StepResult, r, skipped

DARK_PAPER = 185.0  # grey level of the paper below which a page counts as dark
UNEVEN = 40.0  # spread (5th..95th percentile) of the paper level across the page
TARGET_WHITE = 245.0
MAX_GAIN = 3.0
RED_HUE_LOW = 6  # OpenCV hue units (degrees / 2): 0..6 and >= RED_HUE_HIGH count as red
RED_HUE_HIGH = 145  # magenta-red seals included
MIN_SEAL_SHARE = 0.0003
GLYPH_LONG_SIDE = 1600  # working size for the glyph measurement
MIN_SEAL_SIDE = 0.06  # of the page's short side (a 40 x 30 mm stamp on a 140 mm invoice is ~0.2)


def paper_illumination(gray: np.ndarray) -> np.ndarray:
    """Paper brightness per pixel, estimated at low resolution and resized back (smooth, text-free)."""
    small, _f = ink.resize_long(gray, 600)
    k = max(9, (max(small.shape) // 25) | 1)
    bg = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    bg = cv2.GaussianBlur(cv2.medianBlur(bg, 5), (0, 0), k / 2)
    return cv2.resize(bg, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)


def normalize_contrast(image: np.ndarray, config: PreprocessConfig) -> StepResult:
    name = "contrast"
    if not config.contrast:
        return skipped(name, image, "disabled")
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    bg = paper_illumination(gray)
    level = float(np.median(bg))
    lo, hi = np.percentile(bg, [5, 95])
    values = {"paper_level": r(level, 1), "unevenness": r(hi - lo, 1)}
    if level >= DARK_PAPER and hi - lo <= UNEVEN:
        return skipped(name, image, "lighting is even", **values)
    gain = np.clip(TARGET_WHITE / np.maximum(bg.astype(np.float32), 1.0), 1.0 / MAX_GAIN, MAX_GAIN)
    out = np.clip(image.astype(np.float32) * gain[:, :, None], 0, 255).astype(np.uint8)
    return StepResult(out, None, {"name": name, "applied": True, **values})


def seal_mask(image: np.ndarray, config: PreprocessConfig) -> np.ndarray:
    """Seal strokes: red/magenta, saturated, bright pixels inside a stamp-sized outline.

    A 2x2 opening drops one-pixel fringes; the blob test drops what is left of reddish-brown form lines
    (their light anti-aliased edges can pass the colour test): a seal is at least ``MIN_SEAL_SIDE`` of
    the page's short side in both directions once its strokes are joined, a line fragment is not."""
    hsv = cv2.cvtColor(image, cv2.COLOR_BGR2HSV)
    hue, sat, val = hsv[:, :, 0], hsv[:, :, 1], hsv[:, :, 2]
    red_hue = (hue <= RED_HUE_LOW) | (hue >= RED_HUE_HIGH)
    mask = (red_hue & (sat >= config.seal_min_saturation) & (val >= config.seal_min_value)).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    short = min(image.shape[:2])
    k = max(5, (short // 60) | 1)
    joined = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    contours, _ = cv2.findContours(joined, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    areas = np.zeros_like(mask)
    for contour in contours:
        _x, _y, w, h = cv2.boundingRect(contour)
        if min(w, h) >= MIN_SEAL_SIDE * short:  # filled: the star and the text inside the ring belong to it
            cv2.drawContours(areas, [contour], -1, 1, thickness=cv2.FILLED)
    return (mask > 0) & (areas > 0)


def suppress_seals(image: np.ndarray, config: PreprocessConfig) -> StepResult:
    name = "seal"
    if not config.seal_suppression:
        return skipped(name, image, "disabled")
    mask = seal_mask(image, config)
    share = float(np.count_nonzero(mask)) / mask.size
    if share < MIN_SEAL_SHARE:
        return skipped(name, image, "no red ink", red_share=r(share, 5))
    # the seal strokes plus a rim of a few pixels: blur and JPEG chroma subsampling leave greyish edges
    radius = max(2, round(max(image.shape[:2]) / 1000))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    region = cv2.dilate(mask.astype(np.uint8), kernel)
    # the paper around the seals (not the page-wide white point: a shaded photo would get white patches)
    ring = cv2.bitwise_and(cv2.dilate(region, np.ones((9, 9), np.uint8)), 1 - region) > 0
    region = region > 0
    around = image[ring].astype(np.float32)
    bright = around[around.sum(axis=1) >= np.percentile(around.sum(axis=1), 50)]
    paper = np.median(bright, axis=0) if len(bright) else np.full(3, 255.0, np.float32)
    # red ink is (nearly) transparent in the red channel: the seal's own red level maps to paper
    ink_red = max(float(np.median(image[:, :, 2][mask])), 0.6 * float(paper[2]), 1.0)
    red = image[:, :, 2][region].astype(np.float32)
    level = np.clip(red / ink_red, 0.0, 1.0)
    out = image.copy()
    out[region] = np.clip(level[:, None] * paper[None, :], 0, 255).astype(np.uint8)
    return StepResult(out, None, {"name": name, "applied": True, "red_share": r(share, 5)})


def noise_level(gray: np.ndarray) -> float:
    """Gaussian noise sigma: median absolute response of Immerkaer's operator (robust to text edges)."""
    kernel = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)
    resp = np.abs(cv2.filter2D(gray.astype(np.float32), -1, kernel))[1:-1, 1:-1]
    if resp.size == 0:
        return 0.0
    return float(np.median(resp[::2, ::2]) / (0.6745 * 6.0))


def speck_ratio(gray: np.ndarray) -> float:
    """Specks (dark marks of at most 4 pixels) per glyph-sized mark: ~0 on clean pages, > 1 when dusty."""
    stats = ink.components(ink.ink_mask(gray, min_area=1))
    tiny = int(np.count_nonzero(stats[:, 4] <= 4)) if len(stats) else 0
    return tiny / max(1, len(stats) - tiny)


def despeckle(image: np.ndarray, config: PreprocessConfig) -> StepResult:
    name = "denoise"
    if not config.denoise:
        return skipped(name, image, "disabled")
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    values = {"noise": r(noise_level(gray), 2), "specks": r(speck_ratio(gray), 2)}
    if values["noise"] < config.denoise_min_noise and values["specks"] < config.denoise_min_specks:
        return skipped(name, image, "clean enough", **values)
    work, f = ink.resize_long(ink.darkest_channel(image), GLYPH_LONG_SIDE)
    char = ink.char_size(ink.text_mask(ink.ink_mask(work)))
    values["char_px"] = None if char is None else r(char / f, 1)
    if char is not None and char / f < config.denoise_min_char_px:
        return skipped(name, image, "glyphs too small for a median (it would erase their strokes)", **values)
    return StepResult(cv2.medianBlur(image, 3), None, {"name": name, "applied": True, **values})
