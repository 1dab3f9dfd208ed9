"""Decode an upload into page images: content sniffing, size limits, EXIF orientation, PDF rendering.

Contract:
- ``sniff(data)`` names the media type from magic bytes only (never a file name): image/jpeg, image/png,
  image/tiff, image/bmp, image/webp or application/pdf. Empty input raises ``EmptyFileError``; anything
  else raises ``UnsupportedTypeError`` saying what the bytes looked like ("text, not an image").
- ``load_pages(data, limits)`` returns one ``Page`` per page (every TIFF frame, every PDF page; the first
  frame of an animated WebP). ``Page.image`` is a BGR uint8 array with the EXIF orientation applied: it is
  the page as a viewer displays it, the "original" that every reported box refers to. ``Page.dpi`` comes
  from the file's metadata (None when absent or meaningless) or is the PDF render DPI.
- Limits are checked before pixels are decoded: bytes first, then page count, then each page's size from
  its header (``TooLargeError`` names the size). A PDF page that would exceed the pixel limits at
  ``pdf_dpi`` is rendered at the highest DPI that fits instead (its ``dpi`` says which).
- Corrupt or truncated content raises ``UnreadableFileError``. Only ``CaptureError`` subclasses escape.
- ``probe(data, limits)`` is the cheap check of the upload acknowledgment: the same sniffing and limits
  (bytes, pages, per-page pixels) from headers only, no pixel decoded. PNG and JPEG are parsed here (PNG:
  the chunk chain must reach IEND and every chunk's CRC must hold; JPEG: markers up to the first scan, an
  end-of-image marker after it); TIFF, BMP and WebP through Pillow's lazy header parser (TIFF strips and
  tiles, BMP/WebP declared sizes must lie inside the file); PDF through pdfium's page count and page
  sizes (nothing rendered). Truncated files are found cheaply; content that is corrupt inside a whole
  file (bad JPEG entropy data, a PDF page that does not render) only by ``load_pages``.
"""

from __future__ import annotations

import contextlib
import io
import math
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from struct import error as StructError
from typing import Any

import numpy as np
from PIL import (
    BmpImagePlugin,
    Image,
    ImageFile,
    ImageOps,
    JpegImagePlugin,
    PngImagePlugin,
    TiffImagePlugin,
    WebPImagePlugin,
)

from capture.errors import EmptyFileError, TooLargeError, UnreadableFileError, UnsupportedTypeError
from capture.headers import check_tiff_data, jpeg_size, png_size

MiB = 1024 * 1024

JPEG, PNG, TIFF, BMP, WEBP, PDF = (
    "image/jpeg", "image/png", "image/tiff", "image/bmp", "image/webp", "application/pdf",
)
SUPPORTED = (JPEG, PNG, TIFF, BMP, WEBP, PDF)

# Pillow plugin per sniffed type: the header is parsed by exactly that decoder (no format guessing) and
# without Image.open's global decompression-bomb check, so our own limits name the size.
_PLUGINS: dict[str, type[ImageFile.ImageFile]] = {
    JPEG: JpegImagePlugin.JpegImageFile,
    PNG: PngImagePlugin.PngImageFile,
    TIFF: TiffImagePlugin.TiffImageFile,
    BMP: BmpImagePlugin.BmpImageFile,
    WEBP: WebPImagePlugin.WebPImageFile,
}

# what Pillow's parsers and decoders raise on corrupt or truncated input
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError, StructError)
_PDFIUM_LOCK = threading.Lock()  # pdfium is not thread-safe
_PLAUSIBLE_DPI = (50.0, 2400.0)


@dataclass(frozen=True)
class LoadLimits:
    max_bytes: int = 50 * MiB
    max_pixels: int = 80_000_000  # per page
    max_side: int = 20_000
    max_pages: int = 50
    pdf_dpi: int = 200


@dataclass(frozen=True, eq=False)
class Page:
    index: int  # 0-based
    image: np.ndarray  # BGR uint8, EXIF orientation applied
    dpi: float | None
    media_type: str


# ---------------------------------------------------------------------------------------------- sniffing

_OTHER_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"GIF87a", "a GIF image (not supported: convert it to PNG or JPEG)"),
    (b"GIF89a", "a GIF image (not supported: convert it to PNG or JPEG)"),
    (b"PK\x03\x04", "a ZIP archive or Office document, not an image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Office document, not an image"),
    (b"\x1f\x8b", "a gzip archive, not an image"),
    (b"Rar!", "a RAR archive, not an image"),
    (b"7z\xbc\xaf\x27\x1c", "a 7z archive, not an image"),
    (b"\x00\x00\x00\x0cjP  ", "a JPEG 2000 image (not supported: convert it to PNG or JPEG)"),
    (b"\xff\x4f\xff\x51", "a JPEG 2000 codestream (not supported: convert it to PNG or JPEG)"),
    (b"8BPS", "a Photoshop document, not an image we read"),
    (b"\x00\x00\x01\x00", "an icon file, not a page image"),
    (b"\x7fELF", "an executable, not an image"),
    (b"MZ", "an executable, not an image"),
)


def sniff(data: bytes) -> str:
    """Media type from magic bytes; raises EmptyFileError / UnsupportedTypeError."""
    if not data:
        raise EmptyFileError("the file is empty (0 bytes)")
    head = bytes(data[:16])
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return TIFF
    if head.startswith(b"BM") and len(data) >= 26:
        return BMP
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if b"%PDF-" in bytes(data[:1024]):  # the spec tolerates junk before the header
        return PDF
    raise UnsupportedTypeError(f"unsupported file type: {_describe(bytes(data[:4096]))}")


def _describe(head: bytes) -> str:
    for magic, what in _OTHER_SIGNATURES:
        if head.startswith(magic):
            return what
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"mif1", b"msf1", b"heim", b"heis", b"hevc", b"avif"):
            return "a HEIC/HEIF/AVIF photo (not supported: export it as JPEG)"
        return "an MP4/QuickTime video or ISO media file, not an image"
    if head.startswith(b"RIFF"):
        return "a RIFF file (audio/video), not an image"
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    lowered = text[:256].lower()
    if lowered.startswith((b"<svg", b"<?xml")) and b"<svg" in lowered:
        return "an SVG drawing (not supported: export it as PNG or PDF)"
    if lowered.startswith((b"<!doctype html", b"<html")):
        return "an HTML page, not an image"
    if lowered.startswith(b"<?xml") or lowered.startswith(b"<"):
        return "XML/markup text, not an image"
    if _looks_like_text(head):
        return "text, not an image"
    return f"unknown binary data (starts with {head[:8].hex(' ')})"


def _looks_like_text(head: bytes) -> bool:
    try:
        decoded = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # a multi-byte char cut at the end of the sample is fine
            return False
        decoded = head[: exc.start].decode("utf-8")
    if not decoded:
        return False
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in decoded)
    return printable / len(decoded) > 0.95


# ---------------------------------------------------------------------------------------------- loading


def load_pages(data: bytes, limits: LoadLimits = LoadLimits()) -> list[Page]:
    if len(data) > limits.max_bytes:
        raise TooLargeError(
            f"the file is {len(data) / MiB:.1f} MiB; the limit is {limits.max_bytes / MiB:.1f} MiB"
        )
    media_type = sniff(data)
    if media_type == PDF:
        return _load_pdf(data, limits)
    return _load_image(data, media_type, limits)


def _check_size(width: int, height: int, limits: LoadLimits, what: str) -> None:
    if width <= 0 or height <= 0:
        raise UnreadableFileError(f"{what} declares an empty size {width}x{height}")
    if max(width, height) > limits.max_side or width * height > limits.max_pixels:
        raise TooLargeError(
            f"{what} is {width}x{height} pixels ({width * height / 1e6:.1f} MP); the limit is "
            f"{limits.max_pixels / 1e6:.0f} MP and {limits.max_side} pixels per side"
        )


def _load_image(data: bytes, media_type: str, limits: LoadLimits) -> list[Page]:
    kind = media_type.split("/")[1].upper()
    try:
        im = _PLUGINS[media_type](io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise TooLargeError(f"the {kind} image is too large: {exc}") from exc
    except _DECODE_ERRORS as exc:
        raise UnreadableFileError(f"the {kind} file is corrupt or truncated ({_short(exc)})") from exc
    try:
        frames = _frame_count(im, limits) if media_type == TIFF else 1
        pages = []
        for index in range(frames):
            if index:
                im.seek(index)
            what = f"page {index + 1}" if frames > 1 else "the image"
            _check_size(im.width, im.height, limits, what)
            pages.append(Page(index, _to_bgr(im), _dpi_of(im), media_type))
        return pages
    except Image.DecompressionBombError as exc:
        raise TooLargeError(f"the {kind} image is too large: {exc}") from exc
    except _DECODE_ERRORS as exc:
        raise UnreadableFileError(f"the {kind} file is corrupt or truncated ({_short(exc)})") from exc
    finally:
        im.close()


def _frame_count(im: ImageFile.ImageFile, limits: LoadLimits) -> int:
    """Count TIFF frames without walking more than max_pages + 1 directories."""
    count = 1
    while True:
        try:
            im.seek(count)
        except EOFError:
            break
        count += 1
        if count > limits.max_pages:
            raise TooLargeError(f"the TIFF has more than {limits.max_pages} pages (the limit)")
    im.seek(0)
    return count


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < 160 else text[:157] + "..."


def _dpi_of(im: Image.Image) -> float | None:
    dpi = im.info.get("dpi")
    if not dpi:
        return None
    try:
        values = [float(v) for v in (dpi if isinstance(dpi, tuple | list) else (dpi, dpi))]
    except (TypeError, ValueError):
        return None
    values = [v for v in values if math.isfinite(v) and _PLAUSIBLE_DPI[0] <= v <= _PLAUSIBLE_DPI[1]]
    return round(sum(values) / len(values), 2) if values else None


def _to_bgr(im: Image.Image) -> np.ndarray:
    """Decode the current frame, apply EXIF orientation, normalize to BGR uint8 (alpha over white)."""
    im.load()
    img = ImageOps.exif_transpose(im)
    mode = img.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        arr = np.asarray(img).astype(np.float64)
        top = float(arr.max()) if arr.size else 0.0
        if mode == "F":
            low = float(arr.min()) if arr.size else 0.0
            arr = (arr - low) * (255.0 / max(top - low, 1e-9))
        elif top > 255:
            arr = arr / 257.0 if top <= 65535 else arr * (255.0 / top)
        gray = np.clip(arr + 0.5, 0, 255).astype(np.uint8)
        return np.ascontiguousarray(np.repeat(gray[:, :, None], 3, axis=2))
    if mode in ("RGBA", "LA", "PA", "La", "RGBa") or (mode == "P" and "transparency" in img.info) or (
        mode in ("L", "RGB") and "transparency" in img.info
    ):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        rgb = Image.alpha_composite(white, rgba).convert("RGB")
    elif mode == "RGB":
        rgb = img
    else:  # 1, L, P, CMYK, YCbCr, LAB, HSV ...
        rgb = img.convert("RGB")
    arr = np.asarray(rgb, dtype=np.uint8)
    return np.ascontiguousarray(arr[:, :, ::-1])


# ---------------------------------------------------------------------------------------------- PDF


def _load_pdf(data: bytes, limits: LoadLimits) -> list[Page]:
    import pypdfium2 as pdfium

    with _open_pdf(data, limits) as (pdf, count):
        try:
            return [_render_pdf_page(pdf, i, limits) for i in range(count)]
        except pdfium.PdfiumError as exc:
            raise UnreadableFileError(f"a PDF page could not be rendered ({_short(exc)})") from exc


@contextlib.contextmanager
def _open_pdf(data: bytes, limits: LoadLimits) -> Iterator[tuple[Any, int]]:
    """The opened PDF and its page count (refused when empty or over the page limit), under the pdfium lock."""
    import pypdfium2 as pdfium

    with _PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                raise UnreadableFileError("the PDF is password-protected: upload an unlocked copy") from exc
            raise UnreadableFileError(f"the PDF is corrupt or truncated ({_short(exc)})") from exc
        try:
            count = len(pdf)
            if count == 0:
                raise UnreadableFileError("the PDF has no pages")
            if count > limits.max_pages:
                raise TooLargeError(f"the PDF has {count} pages; the limit is {limits.max_pages}")
            yield pdf, count
        finally:
            pdf.close()


def _render_pdf_page(pdf, index: int, limits: LoadLimits) -> Page:
    page = pdf[index]
    try:
        width_pt, height_pt = page.get_size()
        dpi = _pdf_render_dpi(width_pt, height_pt, index, limits)
        bitmap = page.render(scale=dpi / 72.0, fill_color=(255, 255, 255, 255))
        arr = bitmap.to_numpy()
        if arr.ndim == 2:
            arr = np.repeat(arr[:, :, None], 3, axis=2)
        elif arr.shape[2] == 4:
            arr = arr[:, :, :3]
        return Page(index, np.ascontiguousarray(arr, dtype=np.uint8), dpi, PDF)
    finally:
        page.close()


# ---------------------------------------------------------------------------------------------- probe


@dataclass(frozen=True)
class Probe:
    """What the headers say about an upload: its media type and each page's size (pixels; PDF: points)."""

    media_type: str
    sizes: tuple[tuple[float, float], ...]

    @property
    def pages(self) -> int:
        return len(self.sizes)


def probe(data: bytes, limits: LoadLimits = LoadLimits()) -> Probe:
    """Sniff, then check the byte/page/pixel limits and the file's structure from its headers only."""
    if len(data) > limits.max_bytes:
        raise TooLargeError(
            f"the file is {len(data) / MiB:.1f} MiB; the limit is {limits.max_bytes / MiB:.1f} MiB"
        )
    media_type = sniff(data)
    if media_type == PDF:
        return Probe(PDF, _probe_pdf(data, limits))
    try:
        if media_type == PNG:
            sizes = [png_size(data)]
        elif media_type == JPEG:
            sizes = [jpeg_size(data)]
        else:
            sizes = _pil_sizes(data, media_type, limits)
    except Image.DecompressionBombError as exc:
        raise TooLargeError(f"the {media_type.split('/')[1].upper()} image is too large: {exc}") from exc
    except _DECODE_ERRORS as exc:
        raise UnreadableFileError(
            f"the {media_type.split('/')[1].upper()} file is corrupt or truncated ({_short(exc)})"
        ) from exc
    for index, (width, height) in enumerate(sizes):
        _check_size(width, height, limits, f"page {index + 1}" if len(sizes) > 1 else "the image")
    return Probe(media_type, tuple((float(w), float(h)) for w, h in sizes))


def _pil_sizes(data: bytes, media_type: str, limits: LoadLimits) -> list[tuple[int, int]]:
    """TIFF (every frame), BMP and WebP sizes from Pillow's lazy header parser: no pixel is decoded."""
    if media_type == WEBP and struct.unpack_from("<I", data, 4)[0] + 8 > len(data):
        raise UnreadableFileError("the WEBP file is truncated (shorter than its RIFF header says)")
    if media_type == BMP and (declared := struct.unpack_from("<I", data, 2)[0]) > len(data):
        raise UnreadableFileError(f"the BMP file is truncated ({len(data)} of the {declared} bytes it declares)")
    im = _PLUGINS[media_type](io.BytesIO(data))
    try:
        frames = _frame_count(im, limits) if media_type == TIFF else 1
        sizes = []
        for index in range(frames):
            if index:
                im.seek(index)
            if media_type == TIFF:
                check_tiff_data(im, len(data), index, frames)
            sizes.append((im.width, im.height))
        return sizes
    finally:
        im.close()


def _probe_pdf(data: bytes, limits: LoadLimits) -> tuple[tuple[float, float], ...]:
    """Page count and page sizes (points) from pdfium; refuses a page too large to render at any DPI."""
    import pypdfium2 as pdfium

    with _open_pdf(data, limits) as (pdf, count):
        try:
            sizes = tuple(pdf.get_page_size(i) for i in range(count))
        except pdfium.PdfiumError as exc:
            raise UnreadableFileError(f"a PDF page could not be read ({_short(exc)})") from exc
    for index, (width_pt, height_pt) in enumerate(sizes):
        _pdf_render_dpi(width_pt, height_pt, index, limits)
    return sizes


def _pdf_render_dpi(width_pt: float, height_pt: float, index: int, limits: LoadLimits) -> float:
    """The highest DPI (<= pdf_dpi) at which the page fits the pixel limits; refuses what fits at none."""
    if not (width_pt > 0 and height_pt > 0 and math.isfinite(width_pt * height_pt)):
        raise UnreadableFileError(f"PDF page {index + 1} has an invalid size {width_pt}x{height_pt} pt")
    fit_side = limits.max_side / (max(width_pt, height_pt) / 72.0)
    fit_area = math.sqrt(limits.max_pixels / (width_pt * height_pt / 72.0**2))
    dpi = min(float(limits.pdf_dpi), math.floor(min(fit_side, fit_area) * 0.999))
    if dpi < 10:
        w_mm, h_mm = width_pt / 72 * 25.4, height_pt / 72 * 25.4
        raise TooLargeError(f"PDF page {index + 1} is {w_mm:.0f}x{h_mm:.0f} mm: too large to render")
    return dpi
