"""The committed sample set: a fixed list of (name, kind, variant, options), two multi-page files, bad files.

``generate_committed(seed, out_dir, bad_dir)`` rewrites it; every sample's seed is derived from the set seed
and the sample's *name*, so editing one entry leaves the others byte-identical.
Multi-page files carry ``<name>.expected.json`` = ``{"pages": [truth, truth], "meta": {...}}``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import struct
import zlib
from pathlib import Path

from PIL import Image

from samples.generate import render_sample, sample_seed, write_sample
from samples.truth import KIND_NAMES, REF_DATE

ROOT = Path(__file__).resolve().parent
SCAN_KINDS = ("01", "04", "10", "31", "32")


def _scan(kind: str, dpi: int) -> tuple[str, str, str, dict]:
    options = {"dpi": dpi, "fmt": "jpg" if dpi == 300 else "png", "quality": 92}
    return f"scan_{KIND_NAMES[kind]}_{dpi}dpi", kind, "scanner", options


def _phone(name: str, kind: str, size=(1600, 1200), rotation=0, exif=None) -> tuple[str, str, str, dict]:
    return name, kind, "phone", {"size": size, "rotation": rotation, "exif_orientation": exif}


# (name, kind, variant, options)
SPECS: list[tuple[str, str, str, dict]] = [
    *[_scan(kind, dpi) for kind in SCAN_KINDS for dpi in (150, 200, 300)],
    _phone("phone_vat_special", "01"),
    _phone("phone_vat_ordinary_3000px", "04", size=(3000, 2250)),
    _phone("phone_vat_e_ordinary_rot90", "10", rotation=90),
    _phone("phone_digital_ordinary_rot180", "32", rotation=180),
    _phone("phone_digital_special_rot270", "31", rotation=270),
    _phone("phone_vat_special_exif6_3000px", "01", size=(3000, 2250), exif=6),
    _phone("phone_digital_ordinary_exif8", "32", exif=8),
    _phone("phone_vat_e_ordinary_exif3", "10", exif=3),
    *[(f"hard_{KIND_NAMES[kind]}", kind, "hard", {}) for kind in SCAN_KINDS],
    ("en_scan_sgd", "receipt_en", "scanner", {"currency": "SGD", "dpi": 200, "fmt": "png"}),
    ("en_scan_usd", "receipt_en", "scanner", {"currency": "USD", "dpi": 150, "fmt": "jpg", "quality": 93}),
    ("en_phone_aud", "receipt_en", "phone", {"currency": "AUD", "size": (1600, 1200), "rotation": 0}),
]
MULTIPAGE = {
    "multipage_pdf": (("01", "32"), 200),
    "multipage_tiff": (("04", "31"), 200),
}
FIXED_PDF_DATE = dt.datetime(2026, 11, 20, 9, 0, 0).timetuple()  # Pillow wants a struct_time


def _record(truth: dict, meta: dict, seed: int) -> dict:
    record = {k: v for k, v in truth.items() if k != "meta"}
    record["meta"] = {**truth["meta"], **meta, "seed": seed}
    return record


def _multipage(name: str, seed: int, out_dir: Path, ref_date: dt.date) -> Path:
    kinds, dpi = MULTIPAGE[name]
    pages, records = [], []
    for index, kind in enumerate(kinds):
        s = sample_seed(seed, f"{name}/{index}")
        truth, data, _, meta = render_sample(s, kind, "scanner", ref_date, dpi=dpi, fmt="png")
        pages.append(Image.open(io.BytesIO(data)).convert("RGB"))
        records.append(_record(truth, {**meta, "page": index + 1}, s))
    if name.endswith("pdf"):
        path = out_dir / f"{name}.pdf"
        buf = io.BytesIO()
        pages[0].save(
            buf,
            "PDF",
            save_all=True,
            append_images=pages[1:],
            resolution=float(dpi),
            quality=85,
            title="scanned invoices",
            producer="samples.generate",
            creationDate=FIXED_PDF_DATE,
            modDate=FIXED_PDF_DATE,
        )
        container = {"container": "pdf", "page_encoding": "jpeg"}
    else:
        path = out_dir / f"{name}.tif"
        buf = io.BytesIO()
        first, second = pages[0], pages[1].convert("L")  # a colour page and a greyscale page
        first.save(
            buf, "TIFF", save_all=True, append_images=[second], compression="tiff_deflate", dpi=(dpi, dpi)
        )
        container = {"container": "tiff", "page_modes": ["RGB", "L"], "compression": "deflate"}
    path.write_bytes(buf.getvalue())
    expected = {
        "pages": records,
        "meta": {"kind": name, "page_count": len(records), "seed": seed, **container},
    }
    text = json.dumps(expected, ensure_ascii=False, indent=1)
    (out_dir / f"{name}.expected.json").write_text(text + "\n", encoding="utf-8")
    return path


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return (
        struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    )


def bomb_png(width: int = 20000, height: int = 20000) -> bytes:
    """A valid 1-bit greyscale PNG of width x height, all black: ~50 KB on disk, 400 megapixels decoded."""
    row = b"\x00" * (1 + (width + 7) // 8)
    comp = zlib.compressobj(9)
    idat = b"".join(comp.compress(row) for _ in range(height)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


BAD_README = """# Bad input files (the loader must reject each with a clear error, never crash or hang)

- `empty.jpg`: 0 bytes.
- `truncated.jpg`: the first half of a real JPEG invoice scan (the JPEG stream stops mid-scan, no EOI marker).
- `not_an_image.jpg`: a UTF-8 text file with a .jpg name.
- `bomb.png`: a valid PNG (1-bit greyscale, one IDAT) declaring 20000 x 20000 pixels (400 megapixels, about
  1.2 GB as RGB) in a ~50 KB file: a decompression bomb that must be refused before decoding.

Regenerate with `python -m samples.generate --committed` (see samples/README.md).
"""


def write_bad(bad_dir: Path, seed: int, ref_date: dt.date) -> list[Path]:
    bad_dir.mkdir(parents=True, exist_ok=True)
    _, jpeg, _, _ = render_sample(
        sample_seed(seed, "bad/truncated"), "04", "scanner", ref_date, dpi=150, fmt="jpg", quality=90
    )
    files = {
        "empty.jpg": b"",
        "truncated.jpg": jpeg[: len(jpeg) // 2],
        "not_an_image.jpg": "This is a text file, not an image.\n这不是图片。\n".encode(),
        "bomb.png": bomb_png(),
    }
    paths = []
    for name, data in files.items():
        (bad_dir / name).write_bytes(data)
        paths.append(bad_dir / name)
    (bad_dir / "README.md").write_text(BAD_README, encoding="utf-8")
    return paths


def generate_committed(seed: int, out_dir: Path, bad_dir: Path, ref_date: dt.date = REF_DATE) -> list[Path]:
    """Rewrite the committed set: stale files of ours in ``out_dir`` are removed first."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.iterdir():
        if old.is_file() and old.suffix.lower() in {".png", ".jpg", ".json", ".pdf", ".tif"}:
            old.unlink()
    paths = []
    for name, kind, variant, options in SPECS:
        opts = dict(options)
        currency = opts.pop("currency", None)
        s = sample_seed(seed, name)
        truth, data, ext, meta = render_sample(s, kind, variant, ref_date, currency=currency, **opts)
        paths.append(write_sample(out_dir, name, truth, data, ext, meta, s))
    for name in MULTIPAGE:
        paths.append(_multipage(name, seed, out_dir, ref_date))
    paths += write_bad(bad_dir, seed, ref_date)
    return paths
