"""Loading uploads: sniffing by content, limits checked before decoding, EXIF orientation, PDF/TIFF pages."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from capture.errors import EmptyFileError, TooLargeError, UnreadableFileError, UnsupportedTypeError
from capture.load import LoadLimits, Page, load_pages, probe, sniff

BAD = Path(__file__).resolve().parents[1] / "samples" / "bad"


def encode(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` x ``height`` but carries almost no data (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    body = chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def marked(size=(300, 200)) -> Image.Image:
    """White image with a red square in the stored top-left corner."""
    im = Image.new("RGB", size, "white")
    im.paste((255, 0, 0), (0, 0, 40, 40))
    return im


def pdf_of(*sizes_pt: tuple[int, int]) -> bytes:
    pages = [Image.new("RGB", s, "white") for s in sizes_pt]
    return encode(pages[0], "PDF", save_all=True, append_images=pages[1:], resolution=72)


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("TIFF", "image/tiff"), ("BMP", "image/bmp"),
     ("WEBP", "image/webp"), ("PDF", "application/pdf")],
)
def test_sniff_by_content_and_load_every_format(fmt: str, media_type: str) -> None:
    data = encode(marked(), fmt)
    assert sniff(data) == media_type
    pages = load_pages(data)
    assert len(pages) == 1 and pages[0].media_type == media_type and pages[0].index == 0
    img = pages[0].image
    assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3 and img.flags.c_contiguous
    if fmt != "PDF":
        assert img.shape[:2] == (200, 300)
        b, g, r = img[10, 10]
        assert r > 200 and g < 60 and b < 60  # BGR order, red stays red


@pytest.mark.parametrize(
    ("data", "needle"),
    [(b"hello, this is a plain text file\n", "text, not an image"),
     (b"GIF89a\x01\x00\x01\x00", "GIF"),
     (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "HEIC"),
     (b"PK\x03\x04\x14\x00\x00\x00", "ZIP"),
     (b"<!DOCTYPE html><html><body>x</body></html>", "HTML"),
     (bytes(range(200, 256)) * 4, "unknown binary data")],
)
def test_unsupported_content_says_what_it_looks_like(data: bytes, needle: str) -> None:
    with pytest.raises(UnsupportedTypeError) as err:
        load_pages(data)
    assert needle in err.value.detail and err.value.code == "unsupported_type"


def test_empty_input() -> None:
    with pytest.raises(EmptyFileError):
        sniff(b"")
    with pytest.raises(EmptyFileError):
        load_pages(b"")


def test_decompression_bomb_is_refused_from_the_header() -> None:
    data = png_header_only(20000, 20000)
    assert len(data) < 200
    with pytest.raises(TooLargeError) as err:
        load_pages(data)
    assert "20000x20000" in err.value.detail and err.value.code == "too_large"
    with pytest.raises(TooLargeError):  # one side alone can be too long
        load_pages(png_header_only(30000, 10), LoadLimits(max_pixels=10**9))


def test_byte_and_pixel_limits() -> None:
    data = encode(marked((400, 300)), "PNG")
    with pytest.raises(TooLargeError, match="MiB"):
        load_pages(data, LoadLimits(max_bytes=len(data) - 1))
    with pytest.raises(TooLargeError, match="400x300"):
        load_pages(data, LoadLimits(max_pixels=100_000))
    assert load_pages(data, LoadLimits(max_pixels=120_000))[0].image.shape == (300, 400, 3)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "TIFF", "WEBP", "PDF"])
def test_truncated_or_corrupt_files_are_unreadable(fmt: str) -> None:
    data = encode(Image.effect_noise((400, 300), 60).convert("RGB"), fmt)
    with pytest.raises(UnreadableFileError) as err:
        load_pages(data[: len(data) // 2])
    assert err.value.code == "unreadable"


def test_committed_bad_samples() -> None:
    cases = {"empty.jpg": EmptyFileError, "not_an_image.jpg": UnsupportedTypeError,
             "truncated.jpg": UnreadableFileError, "bomb.png": TooLargeError}
    for name, exc in cases.items():
        with pytest.raises(exc):
            load_pages((BAD / name).read_bytes())


@pytest.mark.parametrize(("orientation", "corner"), [(1, "tl"), (3, "br"), (6, "tr"), (8, "bl")])
def test_exif_orientation_is_applied(orientation: int, corner: str) -> None:
    im = marked()
    exif = im.getexif()
    exif[0x0112] = orientation
    page = load_pages(encode(im, "JPEG", exif=exif, quality=95))[0]
    h, w = page.image.shape[:2]
    assert (w, h) == ((200, 300) if orientation in (6, 8) else (300, 200))
    red = page.image[:, :, 2].astype(int) - page.image[:, :, 1]
    spots = {"tl": red[:20, :20], "tr": red[:20, -20:], "bl": red[-20:, :20], "br": red[-20:, -20:]}
    assert spots[corner].mean() > 150 and all(v.mean() < 30 for k, v in spots.items() if k != corner)


def test_dpi_from_metadata_and_nonsense_dropped() -> None:
    assert load_pages(encode(marked(), "JPEG", dpi=(300, 300)))[0].dpi == 300
    assert load_pages(encode(marked(), "PNG", dpi=(150, 150)))[0].dpi == pytest.approx(150, abs=0.1)
    assert load_pages(encode(marked(), "TIFF", dpi=(200, 200)))[0].dpi == 200
    assert load_pages(encode(marked(), "PNG"))[0].dpi is None
    assert load_pages(encode(marked(), "JPEG", dpi=(1, 1)))[0].dpi is None


def test_multipage_tiff_every_frame_and_modes_normalized() -> None:
    frames = [Image.new("L", (50, 40), 128), Image.new("CMYK", (30, 20), (0, 255, 0, 0)),
              Image.new("RGBA", (10, 10), (255, 0, 0, 0)), Image.new("1", (16, 8), 1)]
    data = encode(frames[0], "TIFF", save_all=True, append_images=frames[1:])
    pages = load_pages(data)
    assert [p.index for p in pages] == [0, 1, 2, 3]
    assert [p.image.shape for p in pages] == [(40, 50, 3), (20, 30, 3), (10, 10, 3), (8, 16, 3)]
    assert pages[0].image[0, 0].tolist() == [128, 128, 128]
    assert pages[1].image[0, 0].tolist() == [255, 0, 255]  # CMYK magenta -> BGR
    assert pages[2].image[0, 0].tolist() == [255, 255, 255]  # transparent -> white paper
    assert pages[3].image[0, 0].tolist() == [255, 255, 255]
    assert all(p.image.dtype == np.uint8 for p in pages)
    with pytest.raises(TooLargeError, match="more than 3 pages"):
        load_pages(data, LoadLimits(max_pages=3))


def test_sixteen_bit_and_alpha_are_normalized() -> None:
    deep = np.full((20, 30), 40000, np.uint16)
    page = load_pages(encode(Image.fromarray(deep), "PNG"))[0]
    assert page.image.shape == (20, 30, 3) and abs(int(page.image[0, 0, 0]) - 40000 // 257) <= 1
    half = Image.new("RGBA", (10, 10), (0, 0, 0, 128))
    assert 120 <= load_pages(encode(half, "PNG"))[0].image[0, 0, 0] <= 135  # black at 50 % over white


def test_pdf_pages_rendered_at_the_load_dpi() -> None:
    data = pdf_of((595, 842), (842, 595))  # A4 portrait, A4 landscape
    pages = load_pages(data, LoadLimits(pdf_dpi=100))
    assert [p.image.shape[:2] for p in pages] == [(1170, 827), (827, 1170)]
    assert all(p.dpi == 100 and p.media_type == "application/pdf" for p in pages)
    assert pages[0].image.mean() > 250
    with pytest.raises(TooLargeError, match="2 pages"):
        load_pages(data, LoadLimits(max_pages=1))
    small = load_pages(data, LoadLimits(max_pixels=500_000))[0]  # too big at 200 DPI: rendered lower
    assert small.image.shape[0] * small.image.shape[1] <= 500_000 and small.dpi < 200


def test_pdf_garbage_after_header_is_unreadable() -> None:
    with pytest.raises(UnreadableFileError):
        load_pages(b"%PDF-1.7\n" + b"\x00garbage" * 100)


def test_page_is_frozen() -> None:
    page = load_pages(encode(marked(), "PNG"))[0]
    assert isinstance(page, Page)
    with pytest.raises(AttributeError):
        page.dpi = 1.0  # type: ignore[misc]


# ---------------------------------------------------------------------------------------------- probe (upload ack)

FORMATS = ["JPEG", "PNG", "TIFF", "BMP", "WEBP", "PDF"]


def sample_of(fmt: str) -> bytes:
    return pdf_of((300, 200), (200, 300)) if fmt == "PDF" else encode(marked(), fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_probe_reads_headers_only(fmt: str, monkeypatch) -> None:
    import pypdfium2
    from PIL import ImageFile

    import capture.load

    def no_decoding(*args, **kwargs):
        raise AssertionError("probe decoded pixels")

    data = sample_of(fmt)
    monkeypatch.setattr(capture.load, "_to_bgr", no_decoding)
    monkeypatch.setattr(pypdfium2.PdfPage, "render", no_decoding)
    monkeypatch.setattr(Image.Image, "load", no_decoding)
    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    found = probe(data)
    assert found.media_type == sniff(data)
    assert found.sizes == (((300.0, 200.0), (200.0, 300.0)) if fmt == "PDF" else ((300.0, 200.0),))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("keep", [0.5, 0.9, 0.99])
def test_probe_finds_truncated_files(fmt: str, keep: float) -> None:
    data = sample_of(fmt)
    with pytest.raises(UnreadableFileError) as err:
        probe(data[: int(len(data) * keep)])
    assert err.value.code == "unreadable" and ("truncated" in err.value.detail or "corrupt" in err.value.detail)


def test_probe_checks_the_limits_from_headers() -> None:
    with pytest.raises(TooLargeError, match="20000x20000"):
        probe((BAD / "bomb.png").read_bytes())
    with pytest.raises(TooLargeError, match="30000x10"):
        probe(png_header_only(30000, 10), LoadLimits(max_pixels=10**9))
    data = encode(marked((400, 300)), "JPEG")
    with pytest.raises(TooLargeError):
        probe(data, LoadLimits(max_pixels=100_000))
    with pytest.raises(TooLargeError, match="MiB"):
        probe(data, LoadLimits(max_bytes=len(data) - 1))
    pages = [marked() for _ in range(4)]
    tiff = encode(pages[0], "TIFF", save_all=True, append_images=pages[1:])
    assert probe(tiff).pages == 4
    with pytest.raises(TooLargeError, match="more than 3 pages"):
        probe(tiff, LoadLimits(max_pages=3))
    with pytest.raises(TooLargeError, match="2 pages"):
        probe(pdf_of((300, 200), (300, 200)), LoadLimits(max_pages=1))
    with pytest.raises(TooLargeError, match="too large to render"):
        probe(pdf_of((14400, 14400)), LoadLimits(max_pixels=1_000))


def test_probe_refuses_what_load_pages_refuses_cheaply() -> None:
    for name, error in {"empty.jpg": EmptyFileError, "not_an_image.jpg": UnsupportedTypeError,
                        "truncated.jpg": UnreadableFileError, "bomb.png": TooLargeError}.items():
        with pytest.raises(error):
            probe((BAD / name).read_bytes())
    with pytest.raises(UnreadableFileError):
        probe(b"%PDF-1.7\n" + b"\x00garbage" * 100)
    png = bytearray(encode(marked(), "PNG"))
    png[len(png) // 2] ^= 0xFF  # one damaged byte: the chunk's CRC fails
    with pytest.raises(UnreadableFileError, match="CRC"):
        probe(bytes(png))


def test_probe_agrees_with_load_pages_on_the_committed_samples() -> None:
    from tests.conftest import SAMPLES

    for path in sorted(p for p in SAMPLES.iterdir() if p.suffix != ".json"):
        data = path.read_bytes()
        found, pages = probe(data), load_pages(data)
        assert found.pages == len(pages), path.name
        if found.media_type != "application/pdf":  # PDF sizes are in points
            for (w, h), page in zip(found.sizes, pages, strict=True):
                assert sorted((int(w), int(h))) == sorted(page.image.shape[:2]), path.name  # EXIF may turn it
