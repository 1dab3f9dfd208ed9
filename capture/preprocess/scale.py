"""Resample the page to about ``target_dpi`` (150-200 DPI is what the OCR models read best).

Contract: ``rescale(image, dpi=..., config=...)`` returns ``(StepResult, dpi_out)``. The transform is the
exact pixel-centre scaling cv2.resize applies (x' = (x + 0.5) * s - 0.5). The page DPI is taken from the
file when it is plausible for a document (implied long side 70..600 mm), else estimated from the page
size (a landscape invoice is ``page_width_mm`` wide, an A4-shaped page 297 mm long). Whatever the DPI
says, the typical glyph is never scaled below ``min_char_px`` (this protects a photo where the sheet
fills only part of the frame); a page is enlarged only when its glyphs are below ``upscale_below_px``
(then up to ``upscale_char_px``, at most ``max_upscale``); the long side is capped at ``max_long_side``.
Factors within 5 % of 1 are skipped. Glyphs of 12-16 px (100-120 DPI scans) are left as they are:
enlarging them (cubic, to 16-26 px) was measured to cost detections (key fields on poor scans -4 to
-8 points), the detector reads 12 px text better than the blown-up blur and grain.
The glyph size is measured on the darkest channel, so pale brown form print counts as text.
Record: ``factor``, ``dpi_in`` with ``dpi_source``, ``char_px`` (glyph size after), ``dpi_out``.
"""

from __future__ import annotations

import cv2
import numpy as np

from capture.geometry import Transform
from capture.preprocess import ink
from capture.preprocess.base import PreprocessConfig, StepResult, r, skipped

NAME = "scale"
WORK_LONG_SIDE = 1600
PLAUSIBLE_LONG_MM = (70.0, 600.0)
A4_LONG_MM = 297.0


def page_dpi(shape: tuple[int, ...], dpi: float | None, config: PreprocessConfig) -> tuple[float, str]:
    """(dpi, source): the file's DPI when plausible, else an estimate from the page's pixel size."""
    h, w = shape[:2]
    long_px, short_px = max(h, w), max(1, min(h, w))
    if dpi and dpi > 0:
        long_mm = long_px / dpi * 25.4
        if PLAUSIBLE_LONG_MM[0] <= long_mm <= PLAUSIBLE_LONG_MM[1]:
            return float(dpi), "metadata"
    aspect = long_px / short_px
    if 1.3 <= aspect < 1.55:
        return long_px / (A4_LONG_MM / 25.4), "page size (A4)"
    return long_px / (config.page_width_mm / 25.4), "page size (invoice)"


def glyph_px(image: np.ndarray) -> float | None:
    """Typical glyph size in this image's pixels (None when no text is measurable)."""
    work, f = ink.resize_long(ink.darkest_channel(image), WORK_LONG_SIDE)
    char = ink.char_size(ink.text_mask(ink.ink_mask(work)))
    return None if char is None else char / f


def resize_transform(name: str, in_size: tuple[int, int], out_size: tuple[int, int]) -> Transform:
    sx, sy = out_size[0] / in_size[0], out_size[1] / in_size[1]
    m = np.array([[sx, 0.0, 0.5 * sx - 0.5], [0.0, sy, 0.5 * sy - 0.5]])
    return Transform.affine(name, m, out_size)


def rescale(
    image: np.ndarray, *, dpi: float | None, config: PreprocessConfig
) -> tuple[StepResult, float | None]:
    est, source = page_dpi(image.shape, dpi, config)
    if not config.downscale:
        return skipped(NAME, image, "disabled"), est
    h, w = image.shape[:2]
    char = glyph_px(image)
    factor = config.target_dpi / est
    if char is not None:
        factor = max(factor, config.min_char_px / char)  # keep glyphs readable
    if factor > 1.0:
        # enlarge only to bring tiny glyphs up to min_char_px; never just to reach a nominal DPI
        small_glyphs = char is not None and char < config.upscale_below_px
        factor = min(config.upscale_char_px / char, config.max_upscale) if small_glyphs else 1.0
    factor = min(factor, config.max_long_side / max(h, w))
    values = {
        "factor": r(factor),
        "dpi_in": r(est, 1),
        "dpi_source": source,
        "char_px": None if char is None else r(char * factor, 1),
    }
    if abs(factor - 1.0) <= 0.05:
        return skipped(NAME, image, "already at the working resolution", **values, dpi_out=r(est, 1)), est
    out_size = (max(1, round(w * factor)), max(1, round(h * factor)))
    interp = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
    out = cv2.resize(image, out_size, interpolation=interp)
    dpi_out = est * out_size[0] / w
    record = {"name": NAME, "applied": True, **values, "dpi_out": r(dpi_out, 1)}
    return StepResult(out, resize_transform(NAME, (w, h), out_size), record), dpi_out
