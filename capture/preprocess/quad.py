"""Document quad + perspective warp: find a sheet of paper lying on a background and flatten it.

Contract: ``detect_sheet(image, config)`` finds the sheet (``Sheet.quad`` or the reason there is none);
``find_document(image, config)`` returns a ``StepResult`` whose transform is the homography
(input -> output) that maps the sheet's four corners to an upright rectangle, or no transform when no
sheet is found. It never crops a page that is already flat: a candidate quadrilateral is only accepted
when it is clearly a sheet on a background, i.e.
- it is a convex 4-gon covering ``quad_min_area``..98 % of the image, with corner angles 45..135 degrees,
  opposite sides of similar length and well filled by the outline's convex hull (hull area / quad area:
  an edge outline is thin, and a sheet whose corner lies in a shadow has a bright region with a bite
  out of it, so the edge outline's hull is what finds that corner);
- all four corners are visible (not at the image edge, where the sheet may be cut off) and there is
  a band of background around it (not a quad hugging the image border, as a scan's page edge
  or a photo cropped to the sheet would be);
- that background differs from the paper just inside the edge (Lab distance >= ``quad_min_contrast``;
  below ``STRONG_CONTRAST`` the paper must also be the lighter side): a table frame or a box printed on
  the page has paper on both sides (distance ~0) and is rejected.
Record: ``corners`` (input pixels, clockwise from top-left), ``area``, ``contrast`` and, when nothing
was warped, the ``reason`` (the best candidate's failed check).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from capture.geometry import Transform
from capture.preprocess import ink
from capture.preprocess.base import PreprocessConfig, StepResult, r, skipped

NAME = "perspective"
WORK_LONG_SIDE = 800
MAX_AREA = 0.98
MIN_FILL = 0.88  # hull area / quad area
MIN_BAND = 0.45  # share of the band around the quad that lies inside the image
STRONG_CONTRAST = 18.0  # below this, the sheet must also be lighter than its surroundings
EDGE_GAP = 0.004  # corners closer than this (of the long side) to the image edge may be cut off


def order_clockwise(pts: np.ndarray) -> np.ndarray:
    """4 points clockwise (as displayed, y down) starting with the one nearest the top-left."""
    pts = np.asarray(pts, np.float64).reshape(4, 2)
    c = pts.mean(axis=0)
    ang = np.arctan2(pts[:, 1] - c[1], pts[:, 0] - c[0])
    pts = pts[np.argsort(ang)]  # increasing angle = clockwise on screen
    start = int(np.argmin(pts.sum(axis=1)))
    return np.roll(pts, -start, axis=0)


def _approx_quad(contour: np.ndarray) -> np.ndarray | None:
    hull = cv2.convexHull(contour)
    peri = cv2.arcLength(hull, True)
    for eps in (0.01, 0.02, 0.03, 0.05, 0.08):
        approx = cv2.approxPolyDP(hull, eps * peri, True)
        if len(approx) == 4:
            return approx.reshape(4, 2).astype(np.float64)
        if len(approx) < 4:
            return None
    return None


def _corner_angles(q: np.ndarray) -> list[float]:
    out = []
    for i in range(4):
        a, b, c = q[i - 1], q[i], q[(i + 1) % 4]
        v1, v2 = a - b, c - b
        cosv = float(np.dot(v1, v2) / (np.linalg.norm(v1) * np.linalg.norm(v2) + 1e-9))
        out.append(math.degrees(math.acos(max(-1.0, min(1.0, cosv)))))
    return out


def _candidates(small: np.ndarray) -> list[np.ndarray]:
    """Outer contours from two cues: edges, and bright low-chroma regions (the paper)."""
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    blur = cv2.GaussianBlur(gray, (5, 5), 0)
    contours: list[np.ndarray] = []
    med = float(np.median(blur))
    edges = cv2.Canny(blur, max(10.0, 0.5 * med), max(30.0, 1.2 * med))
    edges = cv2.dilate(edges, np.ones((3, 3), np.uint8))
    found, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    contours += sorted(found, key=cv2.contourArea, reverse=True)[:3]
    k = max(5, (max(small.shape[:2]) // 60) | 1)
    closed = cv2.morphologyEx(blur, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    _t, bright = cv2.threshold(closed, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bright = cv2.morphologyEx(bright, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    found, _ = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    contours += sorted(found, key=cv2.contourArea, reverse=True)[:2]
    return contours


def _check(small: np.ndarray, lab: np.ndarray, contour: np.ndarray, config: PreprocessConfig) -> tuple:
    """(quad or None, failure reason or '', measured values)."""
    h, w = small.shape[:2]
    q = _approx_quad(contour)
    if q is None:
        return None, "no four-cornered outline", {}
    q = order_clockwise(q)
    area = abs(cv2.contourArea(q.astype(np.float32))) / float(h * w)
    values = {"area": r(area)}
    if not config.quad_min_area <= area <= MAX_AREA:
        return None, f"outline covers {area:.0%} of the image", values
    if not cv2.isContourConvex(q.astype(np.float32).reshape(-1, 1, 2)):
        return None, "outline is not convex", values
    angles = _corner_angles(q)
    if min(angles) < 45 or max(angles) > 135:
        return None, f"corner angles {min(angles):.0f}..{max(angles):.0f} degrees", values
    edge = EDGE_GAP * max(h, w)
    gaps = {"left": q[:, 0].min(), "top": q[:, 1].min(), "right": w - 1 - q[:, 0].max(),
            "bottom": h - 1 - q[:, 1].max()}
    nearest = min(gaps, key=lambda k: gaps[k])
    if sum(g < edge for g in gaps.values()) >= 3:
        return None, "outline follows the image border (a scan or a blank page)", values
    if gaps[nearest] < edge:
        values["edge"] = nearest
        return None, f"a corner of the sheet is at or beyond the {nearest} edge of the image", values
    sides = [float(np.linalg.norm(q[(i + 1) % 4] - q[i])) for i in range(4)]
    if min(sides[0], sides[2]) < 0.5 * max(sides[0], sides[2]) or min(sides[1], sides[3]) < 0.5 * max(
        sides[1], sides[3]
    ):
        return None, "opposite sides too different", values
    # an edge outline is thin (its own area is ~0): how well its hull fills the quad is what says "sheet"
    fill = abs(cv2.contourArea(cv2.convexHull(contour))) / max(1.0, abs(cv2.contourArea(q.astype(np.float32))))
    if fill < MIN_FILL:
        return None, f"outline fills only {fill:.0%} of its quad", values
    # background band outside vs paper band inside
    qmask = np.zeros((h, w), np.uint8)
    cv2.fillConvexPoly(qmask, np.round(q).astype(np.int32), 255)
    band = max(4, int(0.03 * max(h, w)))
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * band + 1, 2 * band + 1))
    outside = cv2.bitwise_and(cv2.dilate(qmask, kernel), cv2.bitwise_not(qmask))
    inside = cv2.bitwise_and(qmask, cv2.bitwise_not(cv2.erode(qmask, kernel)))
    expected = cv2.arcLength(q.astype(np.float32).reshape(-1, 1, 2), True) * band
    margin = float(np.count_nonzero(outside)) / max(1.0, expected)
    values["background_band"] = r(margin)
    if margin < MIN_BAND:
        return None, f"no background around the outline (band {margin:.0%})", values
    lab_out = np.median(lab[outside > 0], axis=0)
    lab_in = np.median(lab[inside > 0], axis=0)
    contrast = float(np.linalg.norm(lab_out - lab_in))
    values["contrast"] = r(contrast, 1)
    if contrast < config.quad_min_contrast:
        return None, f"background too similar to the paper (contrast {contrast:.1f})", values
    lighter = float(lab_in[0] - lab_out[0])
    if lighter < -10 or (contrast < STRONG_CONTRAST and lighter < 5):
        # a sheet darker than what surrounds it is not paper on a desk; with a weak contrast the paper
        # must at least be the lighter side (a tinted box printed on white paper is not a sheet)
        return None, f"outline is not lighter than its surroundings (contrast {contrast:.1f})", values
    return q, "", values


@dataclass(frozen=True, eq=False)
class Sheet:
    """The detected sheet: ``quad`` in image pixels (clockwise from top-left) or None with the reason."""

    quad: np.ndarray | None
    reason: str
    values: dict

    @property
    def cut_edge(self) -> str | None:
        """The image edge a sheet-like outline runs into (its corner is not visible), if that was the case."""
        return self.values.get("edge") if self.quad is None else None


def detect_sheet(image: np.ndarray, config: PreprocessConfig = PreprocessConfig()) -> Sheet:  # noqa: B008
    bgr = image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    small, f = ink.resize_long(bgr, WORK_LONG_SIDE)
    lab = cv2.cvtColor(small, cv2.COLOR_BGR2LAB).reshape(small.shape[0], small.shape[1], 3).astype(np.float32)
    lab[:, :, 0] *= 100.0 / 255.0  # L to 0..100 so distances are roughly CIE units
    best, best_area, reason, best_values = None, 0.0, "no outline found", {}
    for contour in _candidates(small):
        if cv2.contourArea(cv2.convexHull(contour)) < config.quad_min_area * small.shape[0] * small.shape[1] * 0.8:
            continue
        q, why, values = _check(small, lab, contour, config)
        if q is not None and values["area"] > best_area:
            best, best_area, best_values = q, values["area"], values
        elif best is None and values.get("area", 0) >= best_values.get("area", 0):
            reason, best_values = why, values
    if best is None:
        return Sheet(None, reason, best_values)
    return Sheet(best / f, "", best_values)


def find_document(image: np.ndarray, config: PreprocessConfig) -> StepResult:
    if not config.document_quad:
        return skipped(NAME, image, "disabled")
    sheet = detect_sheet(image, config)
    if sheet.quad is None:
        return skipped(NAME, image, sheet.reason, **sheet.values)
    corners = sheet.quad
    top = np.linalg.norm(corners[1] - corners[0])
    bottom = np.linalg.norm(corners[2] - corners[3])
    left = np.linalg.norm(corners[3] - corners[0])
    right = np.linalg.norm(corners[2] - corners[1])
    out_w, out_h = round(max(top, bottom)), round(max(left, right))
    dst = np.array([[0, 0], [out_w - 1, 0], [out_w - 1, out_h - 1], [0, out_h - 1]], np.float32)
    m = cv2.getPerspectiveTransform(corners.astype(np.float32), dst)
    out = cv2.warpPerspective(
        image, m, (out_w, out_h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )
    record = {
        "name": NAME,
        "applied": True,
        "corners": [[r(x, 1), r(y, 1)] for x, y in corners],
        **sheet.values,
    }
    return StepResult(out, Transform(NAME, m.astype(np.float64), (out_w, out_h)), record)
