"""Red oval seals: the seller's 发票专用章 and the title's 全国统一发票监制章, stamped by multiply blending.

Contract: ``invoice_seal(dpi, company, tax_id, rng)`` and ``supervision_seal(dpi, bureau, rng)`` return an
``L`` mask (255 = full ink) already rotated by a random angle; ``stamp(image, mask, center_px, color,
opacity)`` multiplies it onto an RGB page in place (red over black text stays dark, as real ink does) and
returns the stamped box in pixels.
"""

from __future__ import annotations

import math
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from samples.canvas import MM_PER_INCH, font

SEAL_RED = (212, 40, 48)


def _arc_text(
    mask: Image.Image,
    text: str,
    cx: float,
    cy: float,
    a: float,
    b: float,
    span_deg: float,
    size_px: int,
    face: str = "sans_bold",
    bottom: bool = False,
) -> None:
    """Place characters upright-outward along the top (or bottom) of an ellipse, evenly by arc length."""
    start = math.radians(270 - span_deg / 2) if not bottom else math.radians(90 + span_deg / 2)
    end = math.radians(270 + span_deg / 2) if not bottom else math.radians(90 - span_deg / 2)
    ts = np.linspace(start, end, 720)
    pts = np.stack([a * np.cos(ts), b * np.sin(ts)], axis=1)
    seg = np.hypot(*np.diff(pts, axis=0).T)
    cum = np.concatenate([[0], np.cumsum(seg)])
    fnt = font(face, size_px)
    n = len(text)
    for i, ch in enumerate(text):
        target = cum[-1] * (i + 0.5) / n
        t = ts[int(np.searchsorted(cum, target).clip(0, len(ts) - 1))]
        px, py = cx + a * math.cos(t), cy + b * math.sin(t)
        nx, ny = math.cos(t) / a, math.sin(t) / b
        if bottom:
            nx, ny = -nx, -ny  # bottom text reads left to right with its top towards the centre
        angle = math.degrees(math.atan2(-ny, nx)) - 90
        tile = Image.new("L", (size_px * 2, size_px * 2), 0)
        ImageDraw.Draw(tile).text((size_px, size_px), ch, fill=255, font=fnt, anchor="mm")
        tile = tile.rotate(angle, resample=Image.BICUBIC)
        mask.paste(255, (round(px - size_px), round(py - size_px)), tile)


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float) -> None:
    pts = []
    for k in range(10):
        rad = r if k % 2 == 0 else r * 0.382
        ang = math.radians(-90 + 36 * k)
        pts.append((cx + rad * math.cos(ang), cy + rad * math.sin(ang)))
    draw.polygon(pts, fill=255)


def _ink(mask: Image.Image, rng: random.Random, strength: float) -> Image.Image:
    """Uneven ink: low-frequency blotches and a few dropouts, so the seal looks stamped, not printed."""
    arr = np.asarray(mask, dtype=np.float32) / 255
    gen = np.random.default_rng(rng.getrandbits(32))
    h, w = arr.shape
    coarse = gen.random((max(2, h // 24), max(2, w // 24))).astype(np.float32)
    field = (
        np.asarray(
            Image.fromarray((coarse * 255).astype(np.uint8)).resize((w, h), Image.BICUBIC), dtype=np.float32
        )
        / 255
    )
    fine = gen.random((h, w)).astype(np.float32)
    arr = arr * (1 - strength * field) * np.where(fine < 0.04 * strength, 0.3, 1.0)
    out = Image.fromarray((arr.clip(0, 1) * 255).astype(np.uint8))
    return out.filter(ImageFilter.GaussianBlur(0.6))


def invoice_seal(
    dpi: int,
    company: str,
    tax_id: str | None,
    rng: random.Random,
    width_mm: float = 40,
    height_mm: float = 30,
) -> Image.Image:
    s = dpi / MM_PER_INCH
    w, h = round(width_mm * s), round(height_mm * s)
    pad = round(2 * s)
    mask = Image.new("L", (w + 2 * pad, h + 2 * pad), 0)
    draw = ImageDraw.Draw(mask)
    border = max(2, round(0.9 * s))
    draw.ellipse([pad, pad, pad + w, pad + h], outline=255, width=border)
    cx, cy = pad + w / 2, pad + h / 2
    name_px = round(min(4.2, 58 / max(len(company), 8)) * s)
    span = min(250, 120 + 7 * len(company))
    _arc_text(
        mask, company, cx, cy, w / 2 - border - name_px * 0.75, h / 2 - border - name_px * 0.75, span, name_px
    )
    _star(draw, cx, cy - 3.4 * s, 2.3 * s)
    if tax_id:
        tid_font = font("sans_bold", round(2.7 * s))
        draw.text((cx, cy + 2.6 * s), tax_id, fill=255, font=tid_font, anchor="mm")
    draw.text((cx, cy + 8.6 * s), "发票专用章", fill=255, font=font("sans_bold", round(3.4 * s)), anchor="mm")
    mask = _ink(mask, rng, strength=0.45)
    return mask.rotate(rng.uniform(-18, 18), resample=Image.BICUBIC, expand=True)


def supervision_seal(dpi: int, bureau: str, rng: random.Random) -> Image.Image:
    """全国统一发票监制章: printed on the form in the middle of the title (orange-red, finer)."""
    s = dpi / MM_PER_INCH
    w, h = round(26 * s), round(17 * s)
    pad = round(1 * s)
    mask = Image.new("L", (w + 2 * pad, h + 2 * pad), 0)
    draw = ImageDraw.Draw(mask)
    border = max(1, round(0.5 * s))
    draw.ellipse([pad, pad, pad + w, pad + h], outline=255, width=border)
    cx, cy = pad + w / 2, pad + h / 2
    size = round(2.3 * s)
    _arc_text(
        mask,
        "全国统一发票监制章",
        cx,
        cy,
        w / 2 - border - size * 0.7,
        h / 2 - border - size * 0.7,
        200,
        size,
        face="serif_bold",
    )
    name = bureau.removeprefix("国家税务总局")
    draw.text(
        (cx, cy + 1.4 * s), "国家税务总局", fill=255, font=font("serif_bold", round(2.2 * s)), anchor="mm"
    )
    draw.text((cx, cy + 4.6 * s), name, fill=255, font=font("serif_bold", round(2.0 * s)), anchor="mm")
    return _ink(mask, rng, strength=0.2)


def stamp(
    image: Image.Image,
    mask: Image.Image,
    center_px: tuple[float, float],
    color=SEAL_RED,
    opacity: float = 0.85,
) -> list[int]:
    """Multiply-blend ``mask`` (ink coverage) in ``color`` onto ``image`` centred at ``center_px``."""
    alpha = np.asarray(mask, dtype=np.float32)[..., None] / 255 * opacity
    mh, mw = alpha.shape[:2]
    x0, y0 = round(center_px[0] - mw / 2), round(center_px[1] - mh / 2)
    px0, py0 = max(0, x0), max(0, y0)
    px1, py1 = min(image.width, x0 + mw), min(image.height, y0 + mh)
    if px1 <= px0 or py1 <= py0:
        return [0, 0, 0, 0]
    a = alpha[py0 - y0 : py1 - y0, px0 - x0 : px1 - x0]
    ink = np.array(color, dtype=np.float32) / 255
    region = np.asarray(image.crop((px0, py0, px1, py1)), dtype=np.float32)
    region = region * (1 - a + a * ink)
    image.paste(Image.fromarray(region.clip(0, 255).astype(np.uint8)), (px0, py0))
    return [px0, py0, px1, py1]
