"""A millimetre-addressed drawing surface over a Pillow image that records every printed string and its box.

Contract: ``Canvas(width_mm, height_mm, dpi)``; all coordinates in mm from the top-left of the page; text
sizes are the font's em in mm. ``canvas.texts`` lists ``{"text", "box": [x0, y0, x1, y1] (px), "kind",
"field"}`` for every string drawn, in drawing order. ``canvas.data_offset`` (mm) shifts everything drawn with
``layer="data"`` (dot-matrix printers never hit the pre-printed form exactly). Fonts: Noto CJK only (the
Makefile installs fonts-noto-cjk), so renders are identical on every machine with the same font files.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import qrcode
from PIL import Image, ImageDraw, ImageFont

FONT_DIR = Path("/usr/share/fonts/opentype/noto")
FACES = {
    "serif": ("NotoSerifCJK-Regular.ttc", 2),
    "serif_bold": ("NotoSerifCJK-Bold.ttc", 2),
    "sans": ("NotoSansCJK-Regular.ttc", 2),
    "sans_bold": ("NotoSansCJK-Bold.ttc", 2),
    "mono": ("NotoSansCJK-Regular.ttc", 7),
}
MM_PER_INCH = 25.4


@lru_cache(maxsize=256)
def font(face: str, px: int) -> ImageFont.FreeTypeFont:
    name, index = FACES[face]
    return ImageFont.truetype(str(FONT_DIR / name), max(px, 4), index=index)


def qr_matrix(payload: str) -> np.ndarray:
    """Boolean module matrix (True = dark) of the QR code for ``payload``, without quiet zone."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0, box_size=1)
    code.add_data(payload)
    code.make(fit=True)
    return np.array(code.get_matrix(), dtype=bool)


class Canvas:
    def __init__(self, width_mm: float, height_mm: float, dpi: int, paper=(252, 251, 246)):
        self.dpi = dpi
        self.scale = dpi / MM_PER_INCH
        self.width_mm, self.height_mm = width_mm, height_mm
        self.image = Image.new("RGB", (round(width_mm * self.scale), round(height_mm * self.scale)), paper)
        self.draw = ImageDraw.Draw(self.image)
        self.texts: list[dict] = []
        self.regions: dict[str, list[int]] = {}
        self.data_offset = (0.0, 0.0)

    # geometry -------------------------------------------------------------------------------------
    def px(self, mm: float) -> float:
        return mm * self.scale

    def pt(self, x: float, y: float, layer: str = "form") -> tuple[float, float]:
        if layer == "data":
            x, y = x + self.data_offset[0], y + self.data_offset[1]
        return x * self.scale, y * self.scale

    def box_px(self, x0: float, y0: float, x1: float, y1: float) -> list[int]:
        return [
            round(x0 * self.scale),
            round(y0 * self.scale),
            round(x1 * self.scale),
            round(y1 * self.scale),
        ]

    # primitives -----------------------------------------------------------------------------------
    def line(self, x0, y0, x1, y1, color, width: float = 0.25) -> None:
        w = max(1, round(width * self.scale))
        self.draw.line([self.pt(x0, y0), self.pt(x1, y1)], fill=color, width=w)

    def rect(self, x0, y0, x1, y1, color, width: float = 0.25) -> None:
        w = max(1, round(width * self.scale))
        self.draw.rectangle([self.pt(x0, y0), self.pt(x1, y1)], outline=color, width=w)

    def font(self, size_mm: float, face: str = "serif") -> ImageFont.FreeTypeFont:
        return font(face, round(size_mm * self.scale))

    def width_of(self, text: str, size_mm: float, face: str = "serif") -> float:
        """Advance width of ``text`` in mm."""
        return self.font(size_mm, face).getlength(text) / self.scale

    def text(
        self,
        x: float,
        y: float,
        text: str,
        size_mm: float,
        color,
        *,
        face: str = "serif",
        anchor: str = "lm",
        kind: str = "data",
        field: str | None = None,
        layer: str | None = None,
        max_width: float | None = None,
    ) -> list[int]:
        """Draw ``text`` anchored at (x, y) mm; shrinks the font to fit ``max_width`` mm. Returns the box."""
        if not text:
            return [0, 0, 0, 0]
        layer = layer or ("data" if kind == "data" else "form")
        if max_width:
            while size_mm > 1.2 and self.width_of(text, size_mm, face) > max_width:
                size_mm *= 0.94
        fnt = self.font(size_mm, face)
        xy = self.pt(x, y, layer)
        self.draw.text(xy, text, fill=color, font=fnt, anchor=anchor)
        box = [round(v) for v in self.draw.textbbox(xy, text, font=fnt, anchor=anchor)]
        self.texts.append({"text": text, "box": box, "kind": kind, "field": field})
        return box

    def spread(
        self,
        x0: float,
        x1: float,
        y: float,
        text: str,
        size_mm: float,
        color,
        *,
        face: str = "serif",
        kind: str = "label",
        field: str | None = None,
    ) -> list[int]:
        """Characters spaced evenly from x0 to x1 (form labels like 名    称); recorded as one string."""
        fnt = self.font(size_mm, face)
        widths = [fnt.getlength(ch) / self.scale for ch in text]
        gap = (x1 - x0 - sum(widths)) / (len(text) - 1) if len(text) > 1 else 0
        x = x0 if len(text) > 1 else (x0 + x1 - widths[0]) / 2
        boxes = []
        for ch, w in zip(text, widths, strict=True):
            xy = self.pt(x, y)
            self.draw.text(xy, ch, fill=color, font=fnt, anchor="lm")
            boxes.append(self.draw.textbbox(xy, ch, font=fnt, anchor="lm"))
            x += w + gap
        box = [
            round(min(b[0] for b in boxes)),
            round(min(b[1] for b in boxes)),
            round(max(b[2] for b in boxes)),
            round(max(b[3] for b in boxes)),
        ]
        self.texts.append({"text": text, "box": box, "kind": kind, "field": field})
        return box

    def vtext(
        self,
        x: float,
        y0: float,
        y1: float,
        text: str,
        size_mm: float,
        color,
        *,
        face: str = "serif",
        kind: str = "label",
    ) -> list[int]:
        """Characters stacked vertically, centred on x, spread from y0 to y1 (购买方, 密码区)."""
        fnt = self.font(size_mm, face)
        n = len(text)
        boxes = []
        for i, ch in enumerate(text):
            cy = (y0 + y1) / 2 if n == 1 else y0 + (y1 - y0) * i / (n - 1)
            xy = self.pt(x, cy)
            self.draw.text(xy, ch, fill=color, font=fnt, anchor="mm")
            boxes.append(self.draw.textbbox(xy, ch, font=fnt, anchor="mm"))
        box = [
            round(min(b[0] for b in boxes)),
            round(min(b[1] for b in boxes)),
            round(max(b[2] for b in boxes)),
            round(max(b[3] for b in boxes)),
        ]
        self.texts.append({"text": text, "box": box, "kind": kind, "field": None, "vertical": True})
        return box

    def wrap(self, text: str, width_mm: float, size_mm: float, face: str = "serif") -> list[str]:
        """Greedy character wrap (CJK text has no spaces) to ``width_mm``."""
        lines, current = [], ""
        for ch in text:
            if current and self.width_of(current + ch, size_mm, face) > width_mm:
                lines.append(current)
                current = ch
            else:
                current += ch
        if current:
            lines.append(current)
        return lines

    def qr(self, x: float, y: float, size: float, payload: str, color=(0, 0, 0)) -> list[int]:
        """QR code with its top-left at (x, y) mm, about ``size`` mm wide, integer pixels per module."""
        matrix = qr_matrix(payload)
        module = max(2, int(self.px(size) // matrix.shape[0]))
        x0, y0 = (round(v) for v in self.pt(x, y, "data"))
        for r, c in zip(*np.nonzero(matrix), strict=True):
            self.draw.rectangle(
                [x0 + c * module, y0 + r * module, x0 + (c + 1) * module - 1, y0 + (r + 1) * module - 1],
                fill=color,
            )
        side = matrix.shape[0] * module
        box = [x0, y0, x0 + side, y0 + side]
        self.regions["qr"] = box
        return box

    def double_underline(self, x0: float, x1: float, y: float, color, gap: float = 0.8) -> None:
        self.line(x0, y, x1, y, color, 0.35)
        self.line(x0, y + gap, x1, y + gap, color, 0.35)
