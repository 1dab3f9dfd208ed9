"""Page orientation 0/90/180/270, decided without the OCR engine.

Contract: ``orient(image, config)`` returns a ``StepResult`` that turns the page upright by a multiple
of 90 degrees (``Transform.rotate90``), or no transform when it already is. Record: ``rotation`` =
degrees the content was found rotated clockwise (0/90/180/270; the step turned it back), the evidence
(``line_axis``, ``page_model``, ``line_model``) and ``margin`` (the weaker of the two decisions' summed
log-odds: axis, then upright vs upside down).

Evidence, summed as log-odds (run after deskew, so text lines are axis-aligned):
1. axis (horizontal vs vertical lines): morphology (glyphs smeared along rows vs columns form lines)
   plus the 4-class page orientation model (p0 + p180 vs p90 + p270);
2. upright vs upside down on that axis: the page model's two candidate classes plus a vote of the
   PP-OCR text-line 0/180 classifier over segments of the longest text lines (its vote bounded by
   CLIP x segments / FULL_VOTE: one segment of a speckled low-resolution page, read upside down,
   outvoted a page model 0.92 sure of upright and turned the page over).
Measured on synthetic invoices and text pages (44 pages x 4 rotations, incl. skewed, degraded, photos):
the page model on the ink bounding box alone was right on all (on the whole page, centre-cropped as
it was trained, it failed on a page whose text sits at the top); the line classifier alone on 64/64
0-vs-180 cases; the morphology axis on all deskewed pages. The combination: 176/176 there, and 100/100
pages of samples/generate.py (scanner, hard, phone with 90/180/270 and EXIF turns), smallest margin 2.9.
Without the models (``orientation_models`` off or weights missing) only the axis is decided and 0 is
preferred over 180. A page on which no text line shows (a faint print whose QR code set the ink
threshold: the page model alone, 0.50 against 0.40, turned an upright page over) is measured again
with the lower threshold the deskew measure uses.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from capture.geometry import Transform
from capture.preprocess import ink, models
from capture.preprocess.base import PreprocessConfig, StepResult, r, skipped

NAME = "orientation"
WORK_LONG_SIDE = 1200
_ROTATE_CW = {1: cv2.ROTATE_90_CLOCKWISE, 2: cv2.ROTATE_180, 3: cv2.ROTATE_90_COUNTERCLOCKWISE}
_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
_STD = np.array([0.229, 0.224, 0.225], np.float32)
MAX_LINES = 12
MAX_SEGMENTS = 24
CLIP = 4.0  # no single piece of evidence may outvote everything else
FULL_VOTE = 4  # line segments the line classifier's vote needs for its full weight (CLIP)
NO_LINES = 0.05  # line axis scores (horizontal + vertical) below which the page showed no text lines
FAINT_OTSU = 0.4  # share of the Otsu split that the ink threshold then needs (ink.ink_mask)


def rotate_cw(image: np.ndarray, quarter_turns: int) -> np.ndarray:
    k = quarter_turns % 4
    return image if k == 0 else cv2.rotate(image, _ROTATE_CW[k])


def _log_odds(a: float, b: float) -> float:
    return float(np.clip(math.log((a + 1e-6) / (b + 1e-6)), -CLIP, CLIP))


def ink_bbox(mask: np.ndarray, pad_frac: float = 0.03) -> tuple[int, int, int, int] | None:
    ys, xs = np.nonzero(mask)
    if len(xs) < 50:
        return None
    x0, x1 = np.percentile(xs, [0.5, 99.5])
    y0, y1 = np.percentile(ys, [0.5, 99.5])
    pad = int(pad_frac * max(mask.shape))
    h, w = mask.shape[:2]
    return max(0, int(x0) - pad), max(0, int(y0) - pad), min(w, int(x1) + pad + 1), min(h, int(y1) + pad + 1)


def page_model_input(bgr: np.ndarray) -> np.ndarray:
    """Resize the short side to 256, centre-crop 224, ImageNet-normalize (as the model was trained)."""
    h, w = bgr.shape[:2]
    s = 256.0 / min(h, w)
    im = cv2.resize(bgr, (max(224, round(w * s)), max(224, round(h * s))), interpolation=cv2.INTER_AREA)
    h, w = im.shape[:2]
    top, left = (h - 224) // 2, (w - 224) // 2
    im = im[top : top + 224, left : left + 224].astype(np.float32) / 255.0
    return ((im - _MEAN) / _STD).transpose(2, 0, 1)


def line_model_input(crop: np.ndarray) -> np.ndarray:
    """Height 48, width up to 192 keeping the aspect ratio, right-padded; scaled to [-1, 1]."""
    h, w = crop.shape[:2]
    rw = max(1, min(192, math.ceil(48 * w / max(h, 1))))
    im = cv2.resize(crop, (rw, 48), interpolation=cv2.INTER_AREA if h > 48 else cv2.INTER_LINEAR)
    out = np.zeros((3, 48, 192), np.float32)
    out[:, :, :rw] = ((im.astype(np.float32) / 255.0 - 0.5) / 0.5).transpose(2, 0, 1)
    return out


def line_segments(image: np.ndarray, boxes: list[ink.Box], scale: float) -> list[np.ndarray]:
    """Crops of about 4:1 (the classifier's input shape) along the longest text lines of ``image``."""
    h, w = image.shape[:2]
    crops = []
    for b in sorted(boxes, key=lambda b: -b.w)[:MAX_LINES]:
        pad = 0.25 * b.h
        y0, y1 = max(0, int((b.y - pad) / scale)), min(h, int((b.y + b.h + pad) / scale) + 1)
        x0, x1 = max(0, int((b.x - pad) / scale)), min(w, int((b.x + b.w + pad) / scale) + 1)
        seg = 4 * (y1 - y0)
        for start in range(x0, max(x0 + 1, x1 - seg // 2), max(1, seg)):
            crops.append(image[y0:y1, start : min(x1, start + seg)])
    return [c for c in crops if c.shape[0] >= 8 and c.shape[1] >= 8][:MAX_SEGMENTS]


def orient(image: np.ndarray, config: PreprocessConfig) -> StepResult:
    if not config.orientation:
        return skipped(NAME, image, "disabled")
    work, f = ink.resize_long(image, WORK_LONG_SIDE)
    mask = ink.ink_mask(ink.analysis_gray(work))
    text = ink.text_mask(mask)
    char = ink.char_size(text)
    box = ink_bbox(mask)
    if char is None or box is None:
        return skipped(NAME, image, "no text found to judge the orientation")

    horiz, vert = ink.line_axis_scores(text, char)
    if horiz + vert < NO_LINES:
        # no text lines found: a faint page whose QR code pushed the ink threshold over its text (the
        # deskew measure's lower share of the Otsu split still sees it)
        faint = ink.text_mask(ink.ink_mask(ink.analysis_gray(work), otsu_fraction=FAINT_OTSU))
        if (faint_char := ink.char_size(faint)) is not None:
            text, char = faint, faint_char
            horiz, vert = ink.line_axis_scores(text, char)
    axis_morph = float(np.clip(math.log((horiz + 0.02) / (vert + 0.02)), -3.0, 3.0))
    values: dict = {"line_axis": {"horizontal": r(horiz), "vertical": r(vert)}}

    probs = None
    if config.orientation_models:
        x0, y0, x1, y1 = box
        try:
            probs = models.page_orientation(page_model_input(work[y0:y1, x0:x1])[None])[0]
            values["page_model"] = [r(p) for p in probs]
        except models.ModelUnavailable as exc:
            values["model_error"] = str(exc)
    axis_model = _log_odds(probs[0] + probs[2], probs[1] + probs[3]) if probs is not None else 0.0
    first, second = (0, 2) if axis_morph + axis_model >= 0 else (1, 3)
    margin_axis = abs(axis_morph + axis_model)

    # upright vs upside down: turn the candidate `first` back, then ask both models
    evidence = _log_odds(probs[first], probs[second]) if probs is not None else 0.0
    if probs is not None:
        undo = (4 - first) % 4
        text_up = rotate_cw(text, undo)
        boxes = ink.line_boxes(text_up, char)
        crops = line_segments(rotate_cw(image, undo), boxes, f)
        if crops:
            try:
                lp = models.textline_180(np.stack([line_model_input(c) for c in crops]))
                # the mean over few segments is weak evidence: its bound grows with their number (one
                # speckled segment read upside down turned a page the page model was sure of)
                bound = CLIP * min(1.0, len(crops) / FULL_VOTE)
                line_lo = float(np.clip(np.mean(np.log((lp[:, 0] + 1e-6) / (lp[:, 1] + 1e-6))), -bound, bound))
                values["line_model"] = {"segments": len(crops), "log_odds_upright": r(line_lo)}
                evidence += line_lo
            except models.ModelUnavailable as exc:
                values["model_error"] = str(exc)
    turns = first if evidence >= 0 else second
    values["margin"] = r(min(margin_axis, abs(evidence)) if probs is not None else margin_axis)
    values["rotation"] = 90 * turns
    if turns == 0:
        return StepResult(image, None, {"name": NAME, "applied": False, **values})
    undo = (4 - turns) % 4
    h, w = image.shape[:2]
    transform = Transform.rotate90(NAME, undo, (w, h))
    return StepResult(rotate_cw(image, undo), transform, {"name": NAME, "applied": True, **values})
