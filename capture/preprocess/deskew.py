"""Deskew: measure a small rotation (within +-max_skew_deg) of the text lines and table rules, undo it.

Contract: ``deskew(image, config)`` returns a ``StepResult`` whose transform is the affine rotation
(input -> output) about the image centre, onto a canvas enlarged so no corner is cut, the new border
filled with the paper colour. Record: ``angle`` = degrees the page was rotated counter-clockwise (as
displayed) to straighten it; ``score_gain`` = how much sharper the projections got.

The angle is the one that makes the row and column projections of the ink sharpest (sum of squared
bin counts of both profiles), searched coarse-to-fine on ink pixel coordinates (no image rotations).
Using both profiles makes the measure indifferent to 90-degree page orientation, so this step can run
before the orientation step, which then sees axis-aligned text lines.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from capture.geometry import Transform
from capture.preprocess import ink
from capture.preprocess.base import PreprocessConfig, StepResult, r, skipped

NAME = "deskew"
WORK_LONG_SIDE = 1000
MAX_POINTS = 60_000
MIN_POINTS = 300
MIN_GAIN = 1.03  # best projection score over the score at 0 degrees


def _profile_score(xs: np.ndarray, ys: np.ndarray, theta: float) -> float:
    c, s = math.cos(math.radians(theta)), math.sin(math.radians(theta))
    xr = xs * c + ys * s
    yr = -xs * s + ys * c
    rows = np.bincount((yr - yr.min()).astype(np.int64))
    cols = np.bincount((xr - xr.min()).astype(np.int64))
    return float(np.dot(rows, rows) + np.dot(cols, cols))


def measure_skew(image: np.ndarray, max_deg: float) -> tuple[float, float] | None:
    """(angle to rotate counter-clockwise, gain over 0 degrees), or None when there is too little ink."""
    gray, _f = ink.resize_long(ink.darkest_channel(image), WORK_LONG_SIDE)
    mask = ink.ink_mask(gray, otsu_fraction=0.4)
    ys, xs = np.nonzero(mask)
    if len(xs) < MIN_POINTS:
        return None
    step = max(1, len(xs) // MAX_POINTS)
    xs = xs[::step].astype(np.float64) - gray.shape[1] / 2
    ys = ys[::step].astype(np.float64) - gray.shape[0] / 2
    coarse = np.arange(-max_deg, max_deg + 1e-9, 0.25)
    scores = np.array([_profile_score(xs, ys, t) for t in coarse])
    best = float(coarse[int(np.argmax(scores))])
    fine = np.arange(best - 0.25, best + 0.25 + 1e-9, 0.05)
    fine_scores = np.array([_profile_score(xs, ys, t) for t in fine])
    angle = float(fine[int(np.argmax(fine_scores))])
    gain = float(fine_scores.max()) / max(_profile_score(xs, ys, 0.0), 1.0)
    return angle, gain


def paper_colour(image: np.ndarray) -> tuple[int, int, int]:
    """The colour of the paper: a bright percentile of each channel (robust to text and seals)."""
    small, _f = ink.resize_long(image, 400)
    if small.ndim == 2:
        v = int(np.percentile(small, 90))
        return (v, v, v)
    return tuple(int(np.percentile(small[:, :, c], 90)) for c in range(3))  # type: ignore[return-value]


def rotate_about_centre(
    image: np.ndarray, angle: float, fill: tuple[int, int, int]
) -> tuple[np.ndarray, Transform]:
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D(((w - 1) / 2.0, (h - 1) / 2.0), angle, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    new_w = math.ceil(h * sin + w * cos)
    new_h = math.ceil(h * cos + w * sin)
    m[0, 2] += (new_w - w) / 2.0
    m[1, 2] += (new_h - h) / 2.0
    out = cv2.warpAffine(
        image, m, (new_w, new_h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT, borderValue=fill
    )
    return out, Transform.affine(NAME, m, (new_w, new_h))


def deskew(image: np.ndarray, config: PreprocessConfig) -> StepResult:
    if not config.deskew:
        return skipped(NAME, image, "disabled")
    measured = measure_skew(image, config.max_skew_deg)
    if measured is None:
        return skipped(NAME, image, "too little ink to measure")
    angle, gain = measured
    values = {"angle": r(angle, 2), "score_gain": r(gain)}
    if abs(angle) >= config.max_skew_deg - 0.3:
        return skipped(NAME, image, "no clear skew within range (best angle at the search limit)", **values)
    if abs(angle) < config.min_skew_deg or gain < MIN_GAIN:
        return skipped(NAME, image, "already straight", **values)
    out, transform = rotate_about_centre(image, angle, paper_colour(image))
    return StepResult(out, transform, {"name": NAME, "applied": True, **values})
