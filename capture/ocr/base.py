"""The OCR contract.

An ``OcrEngine`` is built once per process (it is expensive) and then called with a batch of page
images (BGR uint8 numpy arrays, as preprocessing left them). It returns, per image, the text lines it
read, each with its recognition score in [0, 1] and its 4-point polygon in THAT image's coordinates.
Mapping back to the original upload is the pipeline's job (capture.geometry).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol, runtime_checkable

import numpy as np

from capture.geometry import Polygon, bbox


@dataclass(frozen=True)
class OcrLine:
    text: str
    score: float
    polygon: Polygon  # 4 points, clockwise from top-left

    @cached_property
    def box(self) -> tuple[float, float, float, float]:
        """Computed once per line: layout asks for it hundreds of thousands of times per page set."""
        return bbox(self.polygon)

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "score": round(self.score, 4),
            "box": [round(v, 1) for v in self.box],
            "polygon": [[round(x, 1), round(y, 1)] for x, y in self.polygon],
        }


@runtime_checkable
class OcrEngine(Protocol):
    name: str

    def recognize(self, images: Sequence[np.ndarray]) -> list[list[OcrLine]]:
        """Read every image; one list of lines per image, in reading order (top to bottom, left to right)."""
        ...
