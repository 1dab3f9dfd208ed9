"""Configuration and result types shared by the preprocessing steps.

Contract: ``PreprocessConfig`` is frozen and built once at the edge; every step can be switched off with
its flag. A step is a function ``image -> StepResult``: the new image, the ``Transform`` from its input
to its output when the geometry changed (None otherwise) and a small JSON-ready record of what it
measured and decided (``{"name": "deskew", "applied": True, "angle": -1.2}``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from capture.geometry import Transform


@dataclass(frozen=True)
class PreprocessConfig:
    # 1. document quad + perspective warp (photos of a sheet on a background)
    document_quad: bool = True
    quad_min_area: float = 0.15  # of the image
    quad_min_contrast: float = 10.0  # Lab distance between background and paper near the edge
    # 1b. isolated specks (dust) removed at native resolution by connected components
    despeckle: bool = True
    speck_max_side: float = 0.35  # of the glyph size: larger marks are never specks
    speck_clearance: float = 0.5  # of the glyph size: a small mark with ink this close is kept
    speck_min_count: int = 25  # fewer specks than this: the page is left untouched
    speck_dark_ratio: float = 1.5  # faint pages: speck-sized cores this many times darker than the text go
    # 2. downscale
    downscale: bool = True
    target_dpi: float = 200.0
    max_long_side: int = 3200
    min_char_px: float = 16.0  # never scale the typical character below this height
    upscale_below_px: float = 11.0  # enlarge only pages whose glyphs are smaller than this
    upscale_char_px: float = 16.0  # ...up to this glyph height (at most max_upscale)
    max_upscale: float = 2.0
    page_width_mm: float = 240.0  # assumed width of a landscape invoice when the DPI is unknown
    # 3. deskew (small angles)
    deskew: bool = True
    max_skew_deg: float = 10.0
    min_skew_deg: float = 0.15  # below this the page is left untouched (no resampling)
    # 4. orientation 0/90/180/270
    orientation: bool = True
    orientation_models: bool = True  # False: morphology only (no 0/180 decision)
    # 5. contrast normalization (dark or unevenly lit photos)
    contrast: bool = True
    # 6. red seal suppression
    seal_suppression: bool = True
    seal_min_saturation: int = 40  # HSV, 0..255 (paper is ~20, seal ink 50..150)
    seal_min_value: int = 160
    # 6b. faint print: levels stretch of a low-resolution page with pale ink
    faint_stretch: bool = True
    faint_max_contrast: float = 0.47  # (paper - ink level) / paper below this counts as faint...
    faint_max_char_px: float = 16.0  # ...on a page whose glyphs are at most this high
    faint_target_ink: float = 110.0  # the measured ink level is mapped to this grey level
    # 7. speckle: 3x3 median when the page is dusty or noisy
    denoise: bool = True
    denoise_min_specks: float = 1.0  # specks (<= 4 px) per glyph-sized mark
    denoise_min_noise: float = 4.0  # Gaussian noise sigma, grey levels
    denoise_min_char_px: float = 17.0  # never on smaller glyphs: a 3x3 median erases their strokes
    # quality report on the original page
    quality: bool = True


Record = dict[str, Any]


@dataclass(frozen=True, eq=False)
class StepResult:
    image: np.ndarray
    transform: Transform | None
    record: Record = field(default_factory=dict)


def skipped(name: str, image: np.ndarray, reason: str, **values: Any) -> StepResult:
    return StepResult(image, None, {"name": name, "applied": False, "reason": reason, **values})


def r(value: float, digits: int = 3) -> float:
    """A JSON-friendly rounded float (numpy scalars become Python floats)."""
    return round(float(value), digits)
