"""The capture facade: bytes in, OCR'd pages out, every box in original-page coordinates.

Contract: ``read_document(data, engine=..., config=...)`` decodes the upload (content-sniffed), runs
preprocessing on each page, sends all pages of the document to the engine in one batch, reads again the
taxpayer ids that fail their checksum (``capture.ocr.reread``, when the engine has ``recognize_crops``;
then among the recognizer's alternatives when it also has ``read_lattices``) and maps every line back
through the page's recorded transforms. It raises only ``capture.errors.CaptureError``
subclasses. No database, web or environment access happens here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from capture.load import LoadLimits, load_pages
from capture.ocr.base import OcrEngine, OcrLine
from capture.ocr.reread import reread_tax_ids
from capture.preprocess import Prepared, PreprocessConfig, preprocess
from capture.quality import QualityReport


@dataclass(frozen=True)
class CaptureConfig:
    limits: LoadLimits = field(default_factory=LoadLimits)
    preprocess: PreprocessConfig = field(default_factory=PreprocessConfig)
    reread_tax_ids: bool = True  # taxpayer ids failing their checksum are read again (engines with recognize_crops)


@dataclass(frozen=True)
class PageText:
    """One page after OCR: ``lines`` are in original-page pixels (``width`` x ``height``)."""

    number: int  # 1-based
    width: int
    height: int
    dpi: float | None
    lines: list[OcrLine]  # original-page coordinates
    processed_lines: list[OcrLine]  # coordinates of prepared.image (upright, deskewed): for layout
    quality: QualityReport
    steps: list[dict]
    prepared: Prepared
    original: np.ndarray | None = None  # the page as loaded (upright per EXIF), before any preprocessing

    def to_dict(self) -> dict:
        return {
            "page": self.number,
            "width": self.width,
            "height": self.height,
            "quality": self.quality.to_dict(),
            "steps": self.steps,
            "lines": [line.to_dict() for line in self.lines],
        }


@dataclass(frozen=True)
class DocumentText:
    media_type: str
    pages: list[PageText]

    def to_dict(self) -> dict:
        return {"media_type": self.media_type, "pages": [p.to_dict() for p in self.pages]}


def map_line(line: OcrLine, prepared: Prepared, width: int, height: int) -> OcrLine:
    pts = prepared.chain.to_original(np.asarray(line.polygon, float))
    pts[:, 0] = pts[:, 0].clip(0, width - 1)
    pts[:, 1] = pts[:, 1].clip(0, height - 1)
    return OcrLine(line.text, line.score, tuple((float(x), float(y)) for x, y in pts))


def read_document(data: bytes, *, engine: OcrEngine, config: CaptureConfig | None = None) -> DocumentText:
    config = config or CaptureConfig()
    pages = load_pages(data, config.limits)
    prepared = [preprocess(p.image, dpi=p.dpi, config=config.preprocess) for p in pages]
    results = engine.recognize([p.image for p in prepared])
    read_crops = getattr(engine, "recognize_crops", None)
    if config.reread_tax_ids and read_crops is not None:
        read_lattices = getattr(engine, "read_lattices", None)
        results = [
            reread_tax_ids(lines, p.image, read_crops, read_lattices)
            for p, lines in zip(prepared, results, strict=True)
        ]
    out = []
    for page, prep, lines in zip(pages, prepared, results, strict=True):
        h, w = page.image.shape[:2]
        out.append(
            PageText(
                number=page.index + 1,
                width=w,
                height=h,
                dpi=page.dpi,
                lines=[map_line(line, prep, w, h) for line in lines],
                processed_lines=list(lines),
                quality=prep.quality,
                steps=list(prep.steps),
                prepared=prep,
                original=page.image,
            )
        )
    return DocumentText(media_type=pages[0].media_type if pages else "", pages=out)
