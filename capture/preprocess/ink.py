"""Ink analysis shared by the geometry steps: where the dark marks are, how tall the characters are,
where the text lines run. Analysis only: nothing here changes the page the OCR engine sees.

Contract: every function takes a grayscale (or BGR) uint8 image at a working resolution chosen by the
caller and returns plain numbers / boxes in that image's pixel coordinates. Masks are uint8 0/255.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int

    @property
    def area(self) -> int:
        return self.w * self.h


def analysis_gray(image: np.ndarray) -> np.ndarray:
    """Gray for ink analysis: the red channel, so red seals and stamps fade while black text stays."""
    if image.ndim == 2:
        return image
    return np.ascontiguousarray(image[:, :, 2])


def darkest_channel(image: np.ndarray) -> np.ndarray:
    """Gray where any coloured print (brown/orange form lines, blue ink, seals) counts as ink."""
    if image.ndim == 2:
        return image
    b, g, r = cv2.split(image)
    return cv2.min(cv2.min(b, g), r)


def resize_long(image: np.ndarray, long_side: int) -> tuple[np.ndarray, float]:
    """Downscale (never upscale) so the long side is at most ``long_side``; returns (image, factor)."""
    h, w = image.shape[:2]
    f = min(1.0, long_side / max(h, w))
    if f >= 1.0:
        return image, 1.0
    size = (max(1, round(w * f)), max(1, round(h * f)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), f


def ink_mask(
    gray: np.ndarray, *, min_contrast: int = 24, min_area: int = 5, otsu_fraction: float = 0.8
) -> np.ndarray:
    """Marks darker than their local background (robust to shading), without specks below ``min_area``.

    The threshold adapts: at least ``min_contrast``, three times the typical paper texture, and
    ``otsu_fraction`` of the Otsu split. Glyph measurements want the default (crisp glyph outlines);
    the deskew measure asks for 0.4, since a QR code or a bold title pushes Otsu high and faint text
    still has to count as ink there."""
    h, w = gray.shape[:2]
    k = max(15, (min(h, w) // 40) | 1)
    background = cv2.dilate(gray, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    background = cv2.blur(background, (k, k))
    diff = cv2.subtract(background, gray)
    otsu, _ = cv2.threshold(diff, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    texture = float(np.median(diff[::2, ::2]))
    level = max(float(min_contrast), 3.0 * texture, otsu * otsu_fraction)
    _, mask = cv2.threshold(diff, level, 255, cv2.THRESH_BINARY)
    if min_area > 1:
        n, labels, stats, _c = cv2.connectedComponentsWithStats(mask, connectivity=8)
        small = np.zeros(n, bool)
        small[1:] = stats[1:, cv2.CC_STAT_AREA] < min_area
        mask[small[labels]] = 0
    return mask


def rule_mask(mask: np.ndarray, min_len: int) -> np.ndarray:
    """Long straight horizontal/vertical strokes (table rules, frames, underlines)."""
    min_len = max(3, int(min_len))
    horiz = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (min_len, 1)))
    vert = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, min_len)))
    return cv2.bitwise_or(horiz, vert)


def text_mask(mask: np.ndarray) -> np.ndarray:
    """The ink mask without table rules and frames."""
    h, w = mask.shape[:2]
    rules = rule_mask(mask, max(20, min(h, w) // 12))
    rules = cv2.dilate(rules, np.ones((3, 3), np.uint8))
    return cv2.bitwise_and(mask, cv2.bitwise_not(rules))


def components(mask: np.ndarray) -> np.ndarray:
    """Connected-component stats rows (x, y, w, h, area) without the background row."""
    _n, _labels, stats, _c = cv2.connectedComponentsWithStats(mask, connectivity=8)
    return stats[1:]


def char_size(mask: np.ndarray) -> float | None:
    """Typical character size in pixels: the median of the larger side of glyph-sized components."""
    stats = components(mask)
    if len(stats) == 0:
        return None
    h, w = mask.shape[:2]
    side = np.maximum(stats[:, 2], stats[:, 3]).astype(float)
    keep = (side >= 4) & (side <= min(h, w) / 8) & (stats[:, 4] >= 6)
    if keep.sum() < 5:
        return None
    sizes = np.sort(side[keep])
    # the upper half: Chinese characters break into radicals, the largest pieces are the whole glyphs
    return float(np.median(sizes[len(sizes) // 2 :]))


def line_boxes(text: np.ndarray, char: float, *, vertical: bool = False) -> list[Box]:
    """Text lines: glyphs smeared along the reading direction, kept when long and one glyph tall."""
    reach = max(3, round(char * 0.9))
    kernel = (1, reach) if vertical else (reach, 1)
    smeared = cv2.morphologyEx(text, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
    out = []
    for x, y, w, h, _area in components(smeared):
        length, thick = (h, w) if vertical else (w, h)
        if length >= 3 * thick and 0.5 * char <= thick <= 1.8 * char and length >= 3 * char:
            out.append(Box(int(x), int(y), int(w), int(h)))
    return out


def line_axis_scores(text: np.ndarray, char: float) -> tuple[float, float]:
    """How much ink forms horizontal vs vertical text lines (line area / glyph area, each direction)."""
    total = float(np.count_nonzero(text)) or 1.0
    scores = []
    for vertical in (False, True):
        covered = 0.0
        for b in line_boxes(text, char, vertical=vertical):
            sl = text[b.y : b.y + b.h, b.x : b.x + b.w]
            covered += float(np.count_nonzero(sl)) * min(1.0, (max(b.w, b.h) / min(b.w, b.h)) / 6.0)
        scores.append(covered / total)
    return scores[0], scores[1]
