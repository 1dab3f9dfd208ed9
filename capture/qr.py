"""The VAT invoice QR code: find and decode it in a page image, and parse its payload.

Contract
- ``parse_payload(text) -> QrPayload | None``. The payload is comma separated,
  ``01,<type>,<code>,<number>,<amount>,<YYYYMMDD>,<check code>,<crc>,`` (trailing comma optional).
  Code and check code may be empty (数电 invoices have no code, special VAT invoices no check code).
  Fields are taken BY POSITION with length checks (type 2 digits, code empty/10/12 digits, number 8/20
  digits, amount a decimal, date a real YYYYMMDD, check code empty/20 digits); an extra taxpayer-id
  field some regional e-invoices insert (unconfirmed) is recognized by its length (15-20 alphanumerics)
  wherever it sits after the number and kept as ``seller_tax_id``. Anything else -> None. ``amount``
  means the amount BEFORE tax on legacy invoices and the total INCLUDING tax on 数电 (31/32, or no code
  with a 20-digit number): ``QrPayload.amount_field`` names the invoice field it corresponds to.
- ``decode_qr(image_bgr) -> list[QrHit]`` returns the QR symbols it could read, each with its text and
  its 4-point polygon in the coordinates of THE IMAGE GIVEN (the caller maps them further), points in
  the symbol's own order (top-left, top-right, bottom-right, bottom-left of the code, so a code printed
  upside down has its "top-left" at the image's bottom-right). Strategy: zxing-cpp on the whole image
  (every code it finds); if nothing, candidate regions (OpenCV's QR detector used for location only,
  finder-pattern-like nested squares, square blocks of high local contrast) are cropped and retried
  upscaled (2x, 3x INTER_CUBIC; Lanczos and 5x for tiny codes), median-filtered, unsharp-masked and
  Otsu-binarized (on the crop only), stopping at the first region that reads (one code per invoice
  page); OpenCV's own decoder is the last resort. Uncertain input never raises; an image without a
  code returns [] (measured here: 0.1-0.5 s for a 1000x1400 page, about 1 s for a 12 MP photo; that
  is the price of the retries).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation

import cv2
import numpy as np
import zxingcpp

from capture.geometry import Polygon
from capture.invoice import DIGITAL_TYPES

# ------------------------------------------------------------------------------------------ payload


@dataclass(frozen=True)
class QrPayload:
    version: str  # "01"
    invoice_type: str  # national type code, e.g. "01", "04", "10", "32"
    invoice_code: str | None  # 10/12 digits, None when empty (数电)
    invoice_number: str  # 8 or 20 digits
    amount: str  # canonical money "46.62"; see amount_field
    date: str  # "YYYY-MM-DD"
    check_code: str | None  # 20 digits, None when empty
    crc: str | None  # opaque trailing field (no public algorithm)
    seller_tax_id: str | None = None  # extra field on some regional e-invoices (unconfirmed)
    raw: str = ""

    @property
    def is_digital(self) -> bool:
        """数电 invoice: type 31/32, or no code and a 20-digit number (APIs that file 数电 under 08/10)."""
        if self.invoice_type in DIGITAL_TYPES:
            return True
        return self.invoice_code is None and len(self.invoice_number) == 20

    @property
    def amount_field(self) -> str:
        """The invoice field ``amount`` corresponds to: ``"total"`` on 数电, else ``"amount_excl_tax"``."""
        return "total" if self.is_digital else "amount_excl_tax"

    def fields(self) -> dict[str, str | None]:
        """The payload as invoice field name -> canonical value."""
        out = {
            "invoice_type": self.invoice_type, "invoice_code": self.invoice_code,
            "invoice_number": self.invoice_number, "date": self.date, "check_code": self.check_code,
            self.amount_field: self.amount,
        }
        if self.seller_tax_id:
            out["seller_tax_id"] = self.seller_tax_id
        return out

    def to_dict(self) -> dict[str, str | None]:
        return {
            "version": self.version, "invoice_type": self.invoice_type, "invoice_code": self.invoice_code,
            "invoice_number": self.invoice_number, "amount": self.amount, "amount_field": self.amount_field,
            "date": self.date, "check_code": self.check_code, "crc": self.crc,
            "seller_tax_id": self.seller_tax_id, "raw": self.raw,
        }


_TAX_ID_RE = re.compile(r"[0-9A-Z]{15,20}")


def _parse_fields(parts: list[str], raw: str) -> QrPayload | None:
    if len(parts) not in (7, 8):
        return None
    version, kind, code, number, amount, ymd, check = parts[:7]
    crc = parts[7] if len(parts) == 8 else ""
    if version != "01" or not re.fullmatch(r"\d{2}", kind):
        return None
    if code and not re.fullmatch(r"\d{10}|\d{12}", code):
        return None
    if not re.fullmatch(r"\d{8}|\d{20}", number):
        return None
    if check and not re.fullmatch(r"\d{20}", check):
        return None
    if not re.fullmatch(r"-?\d+(?:\.\d{1,2})?", amount) or not re.fullmatch(r"\d{8}", ymd):
        return None
    if crc and not re.fullmatch(r"[0-9A-Za-z]{1,16}", crc):
        return None
    try:
        day = date(int(ymd[:4]), int(ymd[4:6]), int(ymd[6:]))
        money = Decimal(amount).quantize(Decimal("0.01"))
    except (ValueError, InvalidOperation):
        return None
    return QrPayload(version, kind, code or None, number, f"{money:.2f}", day.isoformat(), check or None,
                     crc or None, raw=raw)


def parse_payload(text: str | None) -> QrPayload | None:
    """Parse a VAT invoice QR payload (see the module contract); None if it is not one."""
    if not text:
        return None
    raw = text
    parts = [p.strip() for p in text.strip().lstrip("\ufeff").split(",")]
    if parts and parts[-1] == "":
        parts.pop()  # trailing comma
    parsed = _parse_fields(parts, raw)
    if parsed is not None:
        return parsed
    # an extra seller-tax-id field somewhere after the number: drop it and parse by position again
    for i in range(4, len(parts)):
        if _TAX_ID_RE.fullmatch(parts[i]) and not re.fullmatch(r"\d{20}", parts[i]):
            parsed = _parse_fields(parts[:i] + parts[i + 1:], raw)
            if parsed is not None:
                return replace(parsed, seller_tax_id=parts[i])
    return None


# ------------------------------------------------------------------------------------------- decode


@dataclass(frozen=True)
class QrHit:
    text: str
    polygon: Polygon  # 4 points in the given image's pixels, in the symbol's own corner order
    method: str = "zxing"  # which attempt read it: "zxing", "zxing-crop:<variant>", "opencv"


Rect = tuple[int, int, int, int]  # x0, y0, x1, y1

MAX_CANDIDATES = 8
WORK_SIDE = 2000  # the locators and OpenCV's whole-image decode run on at most this many pixels a side
_QR = zxingcpp.BarcodeFormat.QRCode


def _gray(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return image
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def _unscale(x: float, y: float, scale: float, offset: tuple[int, int]) -> tuple[float, float]:
    """A point of a crop upscaled by ``scale`` (cv2.resize pixel-centre convention) -> the input image."""
    return (float((x + 0.5) / scale - 0.5 + offset[0]), float((y + 0.5) / scale - 0.5 + offset[1]))


def _zxing(gray: np.ndarray, scale: float = 1.0, offset: tuple[int, int] = (0, 0),
           method: str = "zxing") -> list[QrHit]:
    hits = []
    for r in zxingcpp.read_barcodes(np.ascontiguousarray(gray), formats=_QR):
        p = r.position
        pts = (p.top_left, p.top_right, p.bottom_right, p.bottom_left)
        poly = tuple(_unscale(pt.x, pt.y, scale, offset) for pt in pts)
        hits.append(QrHit(r.text, poly, method))
    return hits


def _clip(rect: tuple[float, float, float, float], w: int, h: int) -> Rect | None:
    x0, y0, x1, y1 = (round(v) for v in rect)
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    return (x0, y0, x1, y1) if x1 - x0 >= 12 and y1 - y0 >= 12 else None


def _expand(rect: tuple[float, float, float, float], frac: float, minimum: float = 8) -> tuple[float, ...]:
    x0, y0, x1, y1 = rect
    m = max(minimum, frac * max(x1 - x0, y1 - y0))
    return (x0 - m, y0 - m, x1 + m, y1 + m)


def _detector_regions(gray: np.ndarray) -> list[tuple[float, ...]]:
    """OpenCV's QR detector, for the location only."""
    out = []
    try:
        ok, pts = cv2.QRCodeDetector().detectMulti(gray)
    except cv2.error:
        ok, pts = False, None
    if ok and pts is not None:
        for quad in np.asarray(pts, float).reshape(-1, 4, 2):
            out.append((*quad.min(axis=0), *quad.max(axis=0)))
    return out


def _finder_regions(gray: np.ndarray) -> list[tuple[float, ...]]:
    """Groups of finder-pattern-like nested squares (a dark square in a light ring in a dark square)."""
    _, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    contours, hierarchy = cv2.findContours(binary, cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    hier = hierarchy[0]
    child = hier[:, 2]
    grandchild = np.where(child >= 0, hier[np.maximum(child, 0), 2], -1)
    finders = []  # (cx, cy, side, rect)
    for i in np.flatnonzero(grandchild >= 0)[:2000]:  # nested twice, vectorized: noise has 1e5 contours
        c = contours[i]
        x, y, w, h = cv2.boundingRect(c)
        if w < 7 or h < 7 or not 0.6 < w / h < 1.6:
            continue
        inner = cv2.contourArea(contours[grandchild[i]])
        outer = cv2.contourArea(c)
        if inner <= 0 or not 2.0 < outer / inner < 14.0:
            continue
        finders.append((x + w / 2, y + h / 2, (w + h) / 2, (x, y, x + w, y + h)))
        if len(finders) > 200:
            break
    groups: list[list[int]] = []
    for i, (cx, cy, side, _) in enumerate(finders):
        for g in groups:
            j = g[0]
            fx, fy, fs, _ = finders[j]
            if 0.5 < side / fs < 2.0 and np.hypot(cx - fx, cy - fy) < 10 * max(side, fs):
                g.append(i)
                break
        else:
            groups.append([i])
    out = []
    for g in groups:
        if len(g) < 2:
            continue
        rects = np.array([finders[i][3] for i in g], float)
        x0, y0 = rects[:, :2].min(axis=0)
        x1, y1 = rects[:, 2:].max(axis=0)
        if len(g) == 2:  # the third corner is unknown: make it a square around both
            side = max(x1 - x0, y1 - y0)
            cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
            x0, y0, x1, y1 = cx - side, cy - side, cx + side, cy + side
        out.append((x0, y0, x1, y1))
    return out


def _blob_regions(gray: np.ndarray) -> list[tuple[float, ...]]:
    """Square blocks of high local contrast (a QR code too blurred or small for the finder test).

    The local standard deviation over a window of ~1/80 of the page is Otsu-thresholded and closed;
    squares come from square-ish components and from the peaks of the mask's distance transform (the
    largest inscribed square survives text printed right next to the code). Ranked by the weaker of
    the row and column profile modulations: strong for a code, weak across lines of text."""
    h, w = gray.shape
    f = min(1.0, 1000 / max(h, w))
    small = cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else gray
    k = max(5, round(max(small.shape) / 80))
    img = small.astype(np.float32)
    mean = cv2.blur(img, (k, k))
    sd = np.sqrt(np.maximum(cv2.blur(img * img, (k, k)) - mean * mean, 0))
    sd8 = np.clip(sd * (255.0 / max(float(sd.max()), 1.0)), 0, 255).astype(np.uint8)
    _, mask = cv2.threshold(sd8, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
    # opening wider than a line of text detaches a code from text (and background) touching it
    opened = cv2.morphologyEx(closed, cv2.MORPH_OPEN, np.ones((2 * k + 1, 2 * k + 1), np.uint8))
    limit = 0.6 * min(small.shape)
    rects: list[tuple[int, int, int, int]] = []
    for c in (*cv2.findContours(closed, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)[0],
              *cv2.findContours(opened, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)[0]):
        x, y, bw, bh = cv2.boundingRect(c)
        if 16 <= bw <= limit and 16 <= bh <= limit and 0.6 < bw / bh < 1.6 \
                and cv2.contourArea(c) >= 0.6 * bw * bh:
            rects.append((x, y, x + bw, y + bh))
    dist = cv2.distanceTransform(closed, cv2.DIST_L2, 5)
    added = 0
    for _ in range(8 * MAX_CANDIDATES):  # peaks of a large textured background are skipped, not counted
        _, d, _, (cx, cy) = cv2.minMaxLoc(dist)
        if d < 8 or added >= 2 * MAX_CANDIDATES:
            break
        r = round(1.1 * d)
        if 2 * r <= limit:
            rects.append((cx - r, cy - r, cx + r + 1, cy + r + 1))
            added += 1
        dist[max(0, cy - r):cy + r + 1, max(0, cx - r):cx + r + 1] = 0
    scored = []
    for x0, y0, x1, y1 in rects:
        x0, y0 = max(0, x0), max(0, y0)
        block = small[y0:y1, x0:x1].astype(np.float32)
        if block.size == 0:
            continue
        # a code modulates both the row and the column profile; lines of text only the row profile
        score = min(float(block.mean(axis=1).std()), float(block.mean(axis=0).std()))
        scored.append((score, (x0 / f, y0 / f, x1 / f, y1 / f)))
    scored.sort(key=lambda s: -s[0])
    return [r for _, r in scored]


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - ix * iy
    return ix * iy / union if union > 0 else 0.0


def _work_image(gray: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    f = min(1.0, max_side / max(gray.shape))
    return (cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA), f) if f < 1 else (gray, 1.0)


def candidate_regions(gray: np.ndarray) -> list[Rect]:
    """Rectangles (x0, y0, x1, y1) that may hold a QR code, most trustworthy first, with a margin.
    Located on a copy of at most ``WORK_SIDE`` pixels (large photos), returned in ``gray``'s pixels."""
    h, w = gray.shape
    work, f = _work_image(gray, WORK_SIDE)
    located = [tuple(v / f for v in r) for r in (*_detector_regions(work), *_finder_regions(work))]
    out: list[Rect] = []
    for raw in (*located, *_blob_regions(gray)):
        rect = _clip(_expand(raw, 0.15), w, h)
        if rect is None or any(_iou(rect, r) > 0.7 for r in out):
            continue
        out.append(rect)
        if len(out) >= MAX_CANDIDATES:
            break
    return out


def _variants(crop: np.ndarray) -> Iterator[tuple[str, float, np.ndarray]]:
    """(name, scale, image): the crop upscaled (cubic; also Lanczos and 5x for tiny codes, where the
    module is about one pixel), median-filtered (specks), unsharp-masked (mild and strong),
    Otsu-binarized."""
    side = max(crop.shape)
    scales = (1, 2, 3, 5) if side < 160 else (1, 2, 3)
    for s in scales:
        if s > 1 and side * s > 2400:
            break
        up = crop if s == 1 else cv2.resize(crop, None, fx=s, fy=s, interpolation=cv2.INTER_CUBIC)
        if s > 1:
            yield f"up{s}", s, up
            # dust and toner specks (a pixel or two) break up modules of a low-resolution code
            yield f"median{s}", s, cv2.medianBlur(up, 2 * s - 1 if s < 4 else 5)
        if s > 1 and side < 160:
            yield f"lanczos{s}", s, cv2.resize(crop, None, fx=s, fy=s, interpolation=cv2.INTER_LANCZOS4)
        for label, sigma, amount in (("sharp", 2.0, 3.0), ("sharp+", 1.5, 10.0)):
            blur = cv2.GaussianBlur(up, (0, 0), sigma * s)
            sharp = cv2.addWeighted(up, 1.0 + amount, blur, -amount, 0)
            yield f"{label}{s}", s, sharp
            _, otsu = cv2.threshold(sharp, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
            yield f"{label}-otsu{s}", s, otsu


def _opencv(gray: np.ndarray, scale: float = 1.0, offset: tuple[int, int] = (0, 0)) -> list[QrHit]:
    try:
        text, pts, _ = cv2.QRCodeDetector().detectAndDecode(gray)
    except cv2.error:
        return []
    if not text or pts is None:
        return []
    quad = np.asarray(pts, float).reshape(4, 2)
    return [QrHit(text, tuple(_unscale(x, y, scale, offset) for x, y in quad), "opencv")]


def decode_qr(image: np.ndarray) -> list[QrHit]:
    """Every QR code readable in ``image`` (BGR, BGRA or gray uint8); see the module contract."""
    gray = _gray(image)
    hits = _zxing(gray)
    if hits:
        return hits
    regions = candidate_regions(gray)
    for x0, y0, x1, y1 in regions:
        crop = gray[y0:y1, x0:x1]
        for name, scale, variant in _variants(crop):
            hits = _zxing(variant, scale, (x0, y0), f"zxing-crop:{name}")
            if hits:
                return hits  # one code per invoice page: stop at the first region that reads
    work, f = _work_image(gray, WORK_SIDE)
    hits = _opencv(work, f)
    for x0, y0, x1, y1 in regions[:3]:  # slow on busy crops; it rarely reads what zxing could not
        if hits:
            break
        crop = gray[y0:y1, x0:x1]
        hits = _opencv(cv2.resize(crop, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC), 2, (x0, y0))
    return hits
