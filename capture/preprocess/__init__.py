"""Page preprocessing: from the original page image to the image the OCR engine reads.

Contract: ``preprocess(page_image, *, dpi, config) -> Prepared``.
- ``page_image`` is the ORIGINAL page (BGR uint8, EXIF orientation applied; a PDF page as rendered);
  ``dpi`` is the page's DPI when known (file metadata or PDF render DPI).
- ``Prepared.image`` is BGR uint8, upright, about ``config.target_dpi``, ready for OCR (never binarized).
- ``Prepared.chain`` holds one ``Transform`` per step that changed geometry, so
  ``prepared.chain.to_original(points)`` maps any point of ``Prepared.image`` back to ``page_image``.
- ``Prepared.steps`` is one JSON-ready record per step, in order: ``{"name", "applied", ...measured}``.
- ``Prepared.quality`` is ``capture.quality.assess`` of the original page.
Steps (each skippable by config): perspective (sheet on a background -> flat rectangle), despeckle
(dust, at native resolution), scale, deskew (small angles), orientation (0/90/180/270), contrast
(dark/uneven light), seal (red ink), faint (levels stretch of pale low-resolution print), denoise
(3x3 median when noisy, never on small glyphs). Deskew runs before orientation: its measure is
indifferent to quarter turns, and the orientation evidence is stronger on straight lines. Faint runs
after seal: a seal turned grey by the stretch could no longer be told from text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from capture import quality as _quality
from capture.geometry import TransformChain
from capture.preprocess.base import PreprocessConfig, Record, StepResult
from capture.preprocess.deskew import deskew
from capture.preprocess.enhance import despeckle, normalize_contrast, suppress_seals
from capture.preprocess.faint import stretch_faint
from capture.preprocess.orientation import orient
from capture.preprocess.quad import find_document
from capture.preprocess.scale import rescale
from capture.preprocess.speckle import remove_specks

if TYPE_CHECKING:
    from capture.quality import QualityReport

__all__ = ["Prepared", "PreprocessConfig", "preprocess"]


@dataclass(frozen=True, eq=False)
class Prepared:
    image: np.ndarray  # BGR uint8, ready for OCR
    chain: TransformChain  # original page -> image
    steps: list[Record] = field(default_factory=list)
    quality: QualityReport = field(default_factory=lambda: _quality.QualityReport(ok=True))

    @property
    def dpi(self) -> float | None:
        """The effective DPI of ``image`` as the scale step estimated it."""
        for step in self.steps:
            if step.get("name") == "scale":
                return step.get("dpi_out")
        return None


def _as_bgr(image: np.ndarray) -> np.ndarray:
    import cv2

    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    return image


def preprocess(
    page_image: np.ndarray, *, dpi: float | None, config: PreprocessConfig = PreprocessConfig()  # noqa: B008
) -> Prepared:
    image = _as_bgr(np.asarray(page_image, dtype=np.uint8))
    h, w = image.shape[:2]
    chain = TransformChain((w, h))
    steps: list[Record] = []
    report = _quality.assess(image, dpi=dpi) if config.quality else _quality.QualityReport(ok=True)

    def run(result: StepResult) -> np.ndarray:
        nonlocal chain
        if result.transform is not None:
            chain = chain.then(result.transform)
        steps.append(result.record)
        return result.image

    image = run(find_document(image, config))
    image = run(remove_specks(image, config))
    scaled, _dpi_out = rescale(image, dpi=dpi, config=config)
    image = run(scaled)
    image = run(deskew(image, config))
    image = run(orient(image, config))
    image = run(normalize_contrast(image, config))
    image = run(suppress_seals(image, config))
    image = run(stretch_faint(image, config))
    image = run(despeckle(image, config))
    return Prepared(image=np.ascontiguousarray(image), chain=chain, steps=steps, quality=report)
