"""Capture simulation: turn a clean rendered page into a scan, a phone photo or a hard (poor) scan.

Contract: every function takes an RGB uint8 page and a ``random.Random`` and returns ``(image, H)`` where
``H`` is the 3x3 homography mapping page pixels to output pixels, so printed-text boxes can be carried into
the output. ``orient`` rotates pixels clockwise and composes ``H``; ``exif_store`` gives the pixels to store
for an EXIF Orientation tag such that a viewer (or ``ImageOps.exif_transpose``) shows the input image.
"""

from __future__ import annotations

import random

import cv2
import numpy as np

EXIF_STORE_ROT = {
    1: 0,
    3: 180,
    6: 270,
    8: 90,
}  # clockwise rotation applied to the displayed image to store it


def _np_rng(rng: random.Random) -> np.random.Generator:
    return np.random.default_rng(rng.getrandbits(64))


def _noise(img: np.ndarray, sigma: float, gen: np.random.Generator) -> np.ndarray:
    if sigma <= 0:
        return img
    noise = gen.normal(0, sigma, img.shape[:2]).astype(np.float32)[..., None]
    return np.clip(img.astype(np.float32) + noise, 0, 255).astype(np.uint8)


def _blur(img: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(img, (0, 0), sigma) if sigma > 0 else img


def rotation_matrix(width: int, height: int, degrees: int) -> np.ndarray:
    """Pixel-coordinate map of a clockwise rotation by 0/90/180/270 of a width x height image."""
    k = (degrees // 90) % 4
    if k == 0:
        return np.eye(3)
    if k == 1:
        return np.array([[0, -1, height - 1], [1, 0, 0], [0, 0, 1]], dtype=float)
    if k == 2:
        return np.array([[-1, 0, width - 1], [0, -1, height - 1], [0, 0, 1]], dtype=float)
    return np.array([[0, 1, 0], [-1, 0, width - 1], [0, 0, 1]], dtype=float)


def orient(img: np.ndarray, H: np.ndarray, degrees: int) -> tuple[np.ndarray, np.ndarray]:
    """Rotate the pixels clockwise by ``degrees`` (multiple of 90) and compose the homography."""
    h, w = img.shape[:2]
    R = rotation_matrix(w, h, degrees)
    return np.ascontiguousarray(np.rot90(img, k=-((degrees // 90) % 4))), R @ H


def exif_store(img: np.ndarray, orientation: int) -> np.ndarray:
    """Pixels to store with EXIF ``orientation`` so that viewers display ``img``."""
    return np.ascontiguousarray(np.rot90(img, k=-(EXIF_STORE_ROT[orientation] // 90)))


def scanner(
    page: np.ndarray, rng: random.Random, *, dpi: int, noise: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Flatbed scan: white lid around the sheet, a faint paper edge, skew within +-1.5 degrees, mild blur."""
    gen = _np_rng(rng)
    h, w = page.shape[:2]
    mm = dpi / 25.4
    ml, mt = round(rng.uniform(2, 12) * mm), round(rng.uniform(2, 12) * mm)
    mr, mb = round(rng.uniform(2, 12) * mm), round(rng.uniform(2, 12) * mm)
    lid = rng.randint(246, 254)
    canvas = np.full((h + mt + mb, w + ml + mr, 3), lid, dtype=np.uint8)
    canvas[mt : mt + h, ml : ml + w] = page
    cv2.rectangle(canvas, (ml, mt), (ml + w - 1, mt + h - 1), (lid - 40,) * 3, 1)
    angle = rng.uniform(-1.5, 1.5)
    ch, cw = canvas.shape[:2]
    A = cv2.getRotationMatrix2D((cw / 2, ch / 2), angle, 1.0)
    canvas = cv2.warpAffine(canvas, A, (cw, ch), flags=cv2.INTER_LINEAR, borderValue=(lid, lid, lid))
    H = np.vstack([A, [0, 0, 1]]) @ np.array([[1, 0, ml], [0, 1, mt], [0, 0, 1]], dtype=float)
    canvas = _blur(canvas, rng.uniform(0.3, 0.6))
    return _noise(canvas, noise, gen), H


def _desk(width: int, height: int, rng: random.Random, gen: np.random.Generator) -> np.ndarray:
    """A smooth desk/table surface: wood grain, a plain laminate, or dark fabric."""
    small_w, small_h = max(8, width // 8), max(8, height // 8)
    yy, xx = np.mgrid[0:small_h, 0:small_w].astype(np.float32)
    style = rng.choice(("wood", "laminate", "fabric"))
    low = cv2.resize(gen.random((6, 8)).astype(np.float32), (small_w, small_h), interpolation=cv2.INTER_CUBIC)
    if style == "wood":
        base = np.array([rng.uniform(120, 170), rng.uniform(80, 115), rng.uniform(45, 70)], dtype=np.float32)
        freq = rng.uniform(0.15, 0.3)
        grain = np.sin(yy * freq + low * rng.uniform(6, 14) + np.sin(xx * 0.01) * 3)
        tex = base * (0.85 + 0.1 * grain[..., None] + 0.1 * low[..., None])
    elif style == "laminate":
        base = np.array([rng.uniform(150, 215)] * 3, dtype=np.float32) * np.array(
            [1, 0.98, 0.95], dtype=np.float32
        )
        tex = base * (0.9 + 0.12 * low[..., None])
    else:
        base = np.array([rng.uniform(30, 60), rng.uniform(40, 70), rng.uniform(60, 100)], dtype=np.float32)
        tex = base * (0.85 + 0.25 * low[..., None])
    tex = cv2.resize(tex, (width, height), interpolation=cv2.INTER_CUBIC)
    return np.clip(tex, 0, 255).astype(np.float32)


def phone(page: np.ndarray, rng: random.Random, *, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """A photo of the sheet lying on a desk: perspective, uneven light and a shadow, colour cast, blur, noise.

    ``size`` is (width, height) of the upright photo; the page is placed to fill 68-90 % of it.
    """
    gen = _np_rng(rng)
    out_w, out_h = size
    ph, pw = page.shape[:2]
    fill = rng.uniform(0.68, 0.9)
    scale = min(out_w * fill / pw, out_h * fill / ph)
    tw, th = pw * scale, ph * scale
    cx = out_w / 2 + rng.uniform(-0.08, 0.08) * (out_w - tw)
    cy = out_h / 2 + rng.uniform(-0.08, 0.08) * (out_h - th)
    jitter = 0.045 * min(tw, th)
    tilt = rng.uniform(-0.05, 0.05) * tw  # the far edge looks narrower: keystone
    dst = np.array(
        [
            [cx - tw / 2 + tilt, cy - th / 2],
            [cx + tw / 2 - tilt, cy - th / 2],
            [cx + tw / 2, cy + th / 2],
            [cx - tw / 2, cy + th / 2],
        ],
        dtype=np.float32,
    )
    dst += np.array(
        [[rng.uniform(-jitter, jitter), rng.uniform(-jitter, jitter)] for _ in range(4)], np.float32
    )
    src = np.array([[0, 0], [pw - 1, 0], [pw - 1, ph - 1], [0, ph - 1]], dtype=np.float32)
    H = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(page, H, (out_w, out_h), flags=cv2.INTER_AREA).astype(np.float32)
    mask = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), H, (out_w, out_h), flags=cv2.INTER_LINEAR)
    alpha = cv2.GaussianBlur(mask, (0, 0), 0.8).astype(np.float32)[..., None] / 255

    desk = _desk(out_w, out_h, rng, gen)
    shadow_mask = cv2.warpAffine(
        mask, np.float32([[1, 0, out_w * 0.006], [0, 1, out_h * 0.01]]), (out_w, out_h)
    )
    soft = cv2.GaussianBlur(shadow_mask, (0, 0), out_w * 0.008).astype(np.float32)[..., None] / 255
    desk *= 1 - 0.45 * soft
    img = warped * alpha + desk * (1 - alpha)

    yy, xx = np.mgrid[0:out_h, 0:out_w].astype(np.float32)
    ang = rng.uniform(0, 2 * np.pi)
    grad = (xx / out_w - 0.5) * np.cos(ang) + (yy / out_h - 0.5) * np.sin(ang)
    light = 0.93 + rng.uniform(0.12, 0.28) * grad
    r2 = (xx / out_w - 0.5) ** 2 + (yy / out_h - 0.5) ** 2
    light *= 1 - rng.uniform(0.1, 0.25) * r2
    if rng.random() < 0.7:  # the phone's / hand's shadow: a large soft blob
        sx, sy = rng.uniform(0, out_w), rng.uniform(0, out_h)
        rad = rng.uniform(0.25, 0.5) * out_w
        blob = np.exp(-(((xx - sx) ** 2 + (yy - sy) ** 2) / (2 * rad**2)))
        light *= 1 - rng.uniform(0.15, 0.3) * blob
    cast = np.array([1.0, rng.uniform(0.96, 1.0), rng.uniform(0.86, 0.97)], dtype=np.float32)
    img = img * light[..., None] * cast
    img = np.clip(img, 0, 255).astype(np.uint8)
    img = _blur(img, rng.uniform(0.6, 1.3) * out_w / 1600)
    return _noise(img, rng.uniform(2.5, 5.0), gen), H


def hard(page: np.ndarray, rng: random.Random) -> tuple[np.ndarray, np.ndarray]:
    """A poor low-resolution scan: speckles (toner dust and dropouts), grainy noise, slight skew and blur."""
    gen = _np_rng(rng)
    h, w = page.shape[:2]
    angle = rng.uniform(-1.2, 1.2)
    A = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    img = cv2.warpAffine(page, A, (w, h), flags=cv2.INTER_LINEAR, borderValue=(245, 245, 245))
    img = _blur(img, rng.uniform(0.4, 0.7)).astype(np.float32)
    dark = gen.random((h, w)) < rng.uniform(0.0004, 0.0012)
    big = gen.random((h, w)) < 0.0003  # a few larger toner specks
    dark = (cv2.dilate(big.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0) | dark
    light = gen.random((h, w)) < rng.uniform(0.003, 0.008)
    img[dark] = img[dark] * 0.25 + 20
    img[light] = np.maximum(img[light], 235)
    img = np.clip(img + gen.normal(0, rng.uniform(5, 9), (h, w, 1)), 0, 255).astype(np.uint8)
    return img, np.vstack([A, [0, 0, 1]])
