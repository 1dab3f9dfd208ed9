"""Draw the boxes of extracted fields on a page image, for review (``GET /api/v1/documents/{id}/file?boxes=1``).

Contract
- ``draw_boxes(image, boxes)`` is pure: it returns a NEW BGR uint8 image (a grayscale or BGRA input is
  converted) and never changes ``image``. Each ``LabelledBox`` is drawn as a translucent fill plus an outline
  in the colour of its source (qr green, ocr blue, human orange, derived grey, tax purple) and its ``label``
  written in a filled tag just above the box (inside it when the box touches the top edge). Boxes are in the
  image's own pixels (the original page: what ``capture.load`` returns and every stored box refers to);
  parts outside the image are clipped, a box entirely outside or empty is skipped.
- Labels are ASCII (OpenCV's Hershey fonts have no CJK glyphs): any other character becomes ``?``.
- Line width and text size grow with the page so labels stay readable on 300 DPI scans.
- ``encode_png(image)`` returns PNG bytes (``ValueError`` when OpenCV cannot encode the array).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from capture.invoice import Box

# BGR colours per value source; anything else is drawn in red
SOURCE_COLORS: dict[str, tuple[int, int, int]] = {
    "qr": (40, 160, 40), "ocr": (200, 90, 20), "human": (0, 140, 255), "derived": (140, 140, 140),
    "tax": (160, 40, 160),
}
DEFAULT_COLOR = (40, 40, 220)
FILL_ALPHA = 0.18
FONT = cv2.FONT_HERSHEY_SIMPLEX


@dataclass(frozen=True)
class LabelledBox:
    label: str
    box: Box  # (x0, y0, x1, y1) in the image's pixels
    source: str | None = None


def ascii_label(text: str) -> str:
    return "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in text)


def _as_bgr(image: np.ndarray) -> np.ndarray:
    if image.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got {image.dtype}")
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    if image.ndim == 3 and image.shape[2] == 3:
        return image.copy()
    raise ValueError(f"expected a grayscale, BGR or BGRA image, got shape {image.shape}")


def _clip(box: Box, width: int, height: int) -> tuple[int, int, int, int] | None:
    x0, y0, x1, y1 = (round(float(v)) for v in box)
    x0, x1 = sorted((x0, x1))
    y0, y1 = sorted((y0, y1))
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(width - 1, x1), min(height - 1, y1)
    return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None


def draw_boxes(image: np.ndarray, boxes: Sequence[LabelledBox]) -> np.ndarray:
    """A copy of ``image`` with every box filled, outlined and labelled (see the module contract)."""
    out = _as_bgr(image)
    height, width = out.shape[:2]
    side = min(height, width)
    thickness = max(1, round(side / 600))
    scale = max(0.35, side / 2000)
    text_thickness = max(1, round(scale * 1.6))
    placed = [(b, r) for b in boxes if (r := _clip(b.box, width, height)) is not None]

    overlay = out.copy()
    for b, (x0, y0, x1, y1) in placed:
        cv2.rectangle(overlay, (x0, y0), (x1, y1), SOURCE_COLORS.get(b.source or "", DEFAULT_COLOR), -1)
    cv2.addWeighted(overlay, FILL_ALPHA, out, 1 - FILL_ALPHA, 0, dst=out)

    for b, (x0, y0, x1, y1) in placed:
        color = SOURCE_COLORS.get(b.source or "", DEFAULT_COLOR)
        cv2.rectangle(out, (x0, y0), (x1, y1), color, thickness)
        label = ascii_label(b.label)
        if not label:
            continue
        (tw, th), base = cv2.getTextSize(label, FONT, scale, text_thickness)
        pad = max(1, thickness)
        top = y0 - th - base - 2 * pad
        if top < 0:  # no room above: inside the box, at its top
            top = y0
        left = min(x0, max(0, width - tw - 2 * pad))
        cv2.rectangle(out, (left, top), (left + tw + 2 * pad, top + th + base + 2 * pad), color, -1)
        cv2.putText(out, label, (left + pad, top + pad + th), FONT, scale, (255, 255, 255), text_thickness,
                    cv2.LINE_AA)
    return out


def encode_png(image: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", image)
    if not ok:
        raise ValueError("OpenCV could not encode the image as PNG")
    return buf.tobytes()
