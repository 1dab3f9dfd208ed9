"""Boxes and the transforms that map them back to the original image.

Contract: every preprocessing step that changes pixel geometry records a ``Transform`` whose
``matrix`` is the 3x3 homography taking a point of its INPUT image to its OUTPUT image. A
``TransformChain`` composes them; ``to_original`` maps points of the final (OCR) image back to the
original uploaded page as a viewer shows it (EXIF orientation already applied by the loader; the
chain starts there), so every box the
service reports is in original-image pixel coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

Point = tuple[float, float]
Polygon = tuple[Point, ...]


@dataclass(frozen=True)
class Transform:
    name: str
    matrix: np.ndarray  # 3x3 float64, input -> output
    out_size: tuple[int, int]  # (width, height) of the output image

    @staticmethod
    def scale(name: str, sx: float, sy: float, out_size: tuple[int, int]) -> Transform:
        return Transform(name, np.array([[sx, 0, 0], [0, sy, 0], [0, 0, 1]], float), out_size)

    @staticmethod
    def translate(name: str, dx: float, dy: float, out_size: tuple[int, int]) -> Transform:
        return Transform(name, np.array([[1, 0, dx], [0, 1, dy], [0, 0, 1]], float), out_size)

    @staticmethod
    def affine(name: str, m2x3: np.ndarray, out_size: tuple[int, int]) -> Transform:
        m = np.vstack([np.asarray(m2x3, float).reshape(2, 3), [0.0, 0.0, 1.0]])
        return Transform(name, m, out_size)

    @staticmethod
    def rotate90(name: str, quarter_turns_cw: int, in_size: tuple[int, int]) -> Transform:
        """Rotation by k*90 degrees clockwise of an image of ``in_size`` (w, h), as cv2.rotate does."""
        w, h = in_size
        k = quarter_turns_cw % 4
        if k == 0:
            m, out = np.eye(3), (w, h)
        elif k == 1:  # cv2.ROTATE_90_CLOCKWISE: (x, y) -> (h-1-y, x)
            m, out = np.array([[0, -1, h - 1], [1, 0, 0], [0, 0, 1]], float), (h, w)
        elif k == 2:  # cv2.ROTATE_180
            m, out = np.array([[-1, 0, w - 1], [0, -1, h - 1], [0, 0, 1]], float), (w, h)
        else:  # cv2.ROTATE_90_COUNTERCLOCKWISE: (x, y) -> (y, w-1-x)
            m, out = np.array([[0, 1, 0], [-1, 0, w - 1], [0, 0, 1]], float), (h, w)
        return Transform(name, m, out)


@dataclass(frozen=True)
class TransformChain:
    """Ordered transforms from the original page to the processed image."""

    original_size: tuple[int, int]
    steps: tuple[Transform, ...] = field(default_factory=tuple)

    def then(self, t: Transform) -> TransformChain:
        return TransformChain(self.original_size, (*self.steps, t))

    @property
    def size(self) -> tuple[int, int]:
        return self.steps[-1].out_size if self.steps else self.original_size

    @property
    def matrix(self) -> np.ndarray:
        m = np.eye(3)
        for t in self.steps:
            m = t.matrix @ m
        return m

    def names(self) -> list[str]:
        return [t.name for t in self.steps]

    def to_original(self, points: np.ndarray) -> np.ndarray:
        """Map an (N, 2) array of processed-image points back to original-image points."""
        return apply_homography(np.linalg.inv(self.matrix), points)

    def from_original(self, points: np.ndarray) -> np.ndarray:
        return apply_homography(self.matrix, points)


def apply_homography(m: np.ndarray, points: np.ndarray) -> np.ndarray:
    pts = np.asarray(points, float).reshape(-1, 2)
    homog = np.hstack([pts, np.ones((len(pts), 1))]) @ m.T
    return homog[:, :2] / homog[:, 2:3]


def bbox(polygon: Polygon | np.ndarray) -> tuple[float, float, float, float]:
    """Axis-aligned [x0, y0, x1, y1] of a polygon."""
    arr = np.asarray(polygon, float).reshape(-1, 2)
    x0, y0 = arr.min(axis=0)
    x1, y1 = arr.max(axis=0)
    return (float(x0), float(y0), float(x1), float(y1))
