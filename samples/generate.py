"""Seeded synthetic invoice generator: ground truth + realistic renders (scan, phone photo, hard scan).

    python -m samples.generate --seed 7 --out /tmp/set --n 20 --variants scanner,phone,hard,english
    python -m samples.generate --committed          # regenerates samples/images and samples/bad

API (deterministic for a given seed; nothing here reads the clock unless ``--ref-date today`` is asked for):
- ``make_invoice(rng, kind) -> dict``: ground truth (see samples/truth.py for the contract).
- ``render(truth, variant, rng, **options) -> (bytes, ext, meta)``: the encoded image as stored on disk,
  its extension and the render meta (variant, dpi, rotation, exif_orientation, page_size_px,
  image_size_px, render_to_image (3x3, page pixels -> displayed image pixels), page_quad, texts, ...).
- ``generate_set(seed, n, variants, out_dir) -> list[Path]``: images + ``<name>.expected.json``.
- ``map_box(H, box)``: carry a printed-text box from the page into the image (a quad).

Variants: scanner (150/200/300 DPI, skew <= 1.5 deg, white lid, PNG or JPEG q90+), phone (photo on a desk,
perspective, light gradient + shadow, blur, JPEG ~80, 1600x1200 or 3000x2250, sometimes rotated
90/180/270 or stored rotated with an EXIF Orientation tag), hard (100-120 DPI, faint print, speckles,
seal over the 价税合计 amount), english (pseudo-variant: an English receipt, scanned or photographed).
``meta.rotation`` is the clockwise rotation of the content in the displayed image (after EXIF transpose).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import random
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from samples import degrade
from samples.truth import DIGITAL, KIND_NAMES, LEGACY, REF_DATE, make_invoice, normalize_kind

__all__ = ["REF_DATE", "generate_set", "make_invoice", "map_box", "render", "sample_seed", "write_sample"]

VARIANTS = ("scanner", "phone", "hard", "english")
CHINESE_KINDS = LEGACY + DIGITAL
PHONE_SIZES = ((1600, 1200), (3000, 2250))


def sample_seed(seed: int, key: object) -> int:
    """Independent per-sample seed derived from the set seed and the sample's index or name."""
    return int.from_bytes(hashlib.sha256(f"{seed}/{key}".encode()).digest()[:6], "big")


def _draw(truth: dict, dpi: int, rng: random.Random, seal_over: str | None, faint: bool):
    from samples.layout_digital import draw_digital
    from samples.layout_english import draw_english
    from samples.layout_legacy import draw_legacy

    kind = truth["invoice_type"]
    layout = draw_legacy if kind in LEGACY else draw_digital if kind in DIGITAL else draw_english
    return layout(truth, dpi, rng, seal_over=seal_over, faint=faint)


def _options(truth: dict, variant: str, rng: random.Random, opts: dict) -> dict:
    """Fill in the render options the caller left open, drawing them from ``rng``."""
    kind = truth["invoice_type"]
    o = dict(opts)
    default_seal = "seller" if kind in LEGACY else ("seller" if rng.random() < 0.4 else None)
    if kind == "receipt_en":
        default_seal = None
    if variant == "scanner":
        o.setdefault("dpi", rng.choice((150, 200, 300)))
        o.setdefault("fmt", "png" if rng.random() < 0.5 else "jpg")
        o.setdefault("quality", rng.randint(90, 95))
        o.setdefault("seal_over", default_seal)
    elif variant == "phone":
        o.setdefault("size", PHONE_SIZES[0] if rng.random() < 0.75 else PHONE_SIZES[1])
        o.setdefault("rotation", rng.choice((0, 0, 0, 90, 180, 270)))
        o.setdefault("exif_orientation", rng.choice((6, 8, 3)) if rng.random() < 0.3 else None)
        o.setdefault("dpi", 200 if max(o["size"]) <= 2000 else 300)
        o.setdefault("fmt", "jpg")
        o.setdefault("quality", rng.randint(76, 84))
        o.setdefault("seal_over", default_seal)
    elif variant == "hard":
        o.setdefault("dpi", rng.choice((100, 110, 120)))
        o.setdefault("fmt", "jpg")
        o.setdefault("quality", rng.randint(78, 88))
        o.setdefault("seal_over", "amount" if kind != "receipt_en" else None)
        o.setdefault("faint", True)
    else:
        raise ValueError(f"unknown variant {variant!r}")
    o.setdefault("rotation", 0)
    o.setdefault("exif_orientation", None)
    o.setdefault("faint", False)
    return o


def _encode(img: np.ndarray, fmt: str, *, quality: int, dpi: int, exif: Image.Exif | None) -> bytes:
    pil = Image.fromarray(img)
    buf = io.BytesIO()
    if fmt == "png":
        pil.save(buf, "PNG", dpi=(dpi, dpi), optimize=False, compress_level=9)
    else:
        kwargs = {"exif": exif.tobytes()} if exif is not None else {}
        pil.save(buf, "JPEG", quality=quality, dpi=(dpi, dpi), optimize=True, **kwargs)
    return buf.getvalue()


def _phone_exif(truth: dict, orientation: int | None, rng: random.Random) -> Image.Exif:
    exif = Image.Exif()
    make, model = rng.choice(
        (("Xiaomi", "Redmi Note 12"), ("HUAWEI", "P40"), ("Apple", "iPhone 13"), ("OPPO", "Reno8"))
    )
    exif[0x010F], exif[0x0110] = make, model
    taken = dt.date.fromisoformat(truth["date"]) + dt.timedelta(days=rng.randint(0, 20))
    exif[0x0132] = (
        f"{taken:%Y:%m:%d} {rng.randint(8, 20):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    )
    if orientation is not None:
        exif[0x0112] = orientation
    return exif


def map_box(H: np.ndarray | list, box: list[int]) -> list[list[float]]:
    """Corners (TL, TR, BR, BL) of a page-pixel box carried into the image by the homography ``H``."""
    H = np.asarray(H, dtype=float)
    x0, y0, x1, y1 = box
    pts = np.array([[x0, y0, 1], [x1, y0, 1], [x1, y1, 1], [x0, y1, 1]], dtype=float) @ H.T
    return [[round(p[0] / p[2], 1), round(p[1] / p[2], 1)] for p in pts]


def render(truth: dict, variant: str, rng: random.Random, **options) -> tuple[bytes, str, dict]:
    """Render ``truth`` as ``variant``; options: dpi, fmt (png|jpg), quality, rotation, exif_orientation,
    size (phone (w, h)), seal_over (seller|amount|None), faint. Returns (bytes, ext, meta)."""
    o = _options(truth, variant, rng, options)
    canvas = _draw(truth, o["dpi"], rng, o["seal_over"], o["faint"])
    page = np.asarray(canvas.image)
    ph, pw = page.shape[:2]
    if variant == "scanner":
        img, H = degrade.scanner(page, rng, dpi=o["dpi"], noise=1.2 if o["fmt"] == "jpg" else 0.0)
    elif variant == "phone":
        size = tuple(o["size"])
        if pw < ph:  # portrait page (English A4): hold the phone upright
            size = (min(size), max(size))
        img, H = degrade.phone(page, rng, size=size)
    else:
        img, H = degrade.hard(page, rng)
    img, H = degrade.orient(img, H, o["rotation"])
    exif_tag = o["exif_orientation"]
    stored = degrade.exif_store(img, exif_tag) if exif_tag else img
    exif = _phone_exif(truth, exif_tag, rng) if variant == "phone" else None
    out_dpi = 72 if variant == "phone" else o["dpi"]
    data = _encode(stored, o["fmt"], quality=o["quality"], dpi=out_dpi, exif=exif)
    meta = {
        "kind": truth["meta"]["kind"],
        "variant": variant,
        "dpi": o["dpi"],
        "rotation": o["rotation"],
        "exif_orientation": exif_tag,
        "format": o["fmt"],
        "jpeg_quality": o["quality"] if o["fmt"] == "jpg" else None,
        "seal_over": o["seal_over"],
        "faint": o["faint"],
        "page_size_px": [pw, ph],
        "image_size_px": [img.shape[1], img.shape[0]],
        "render_to_image": [[round(float(v), 8) for v in row] for row in H],
        "page_quad": map_box(H, [0, 0, pw - 1, ph - 1]),
        "data_offset_mm": [round(v, 2) for v in canvas.data_offset],
        "regions": canvas.regions,
        "texts": canvas.texts,
    }
    return data, o["fmt"], meta


def write_sample(out_dir: Path, name: str, truth: dict, data: bytes, ext: str, meta: dict, seed: int) -> Path:
    """Write ``<name>.<ext>`` and ``<name>.expected.json`` (truth + merged meta)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.{ext}"
    path.write_bytes(data)
    record = {k: v for k, v in truth.items() if k != "meta"}
    record["meta"] = {**truth["meta"], **meta, "seed": seed, "qr_payload": truth["meta"]["qr_payload"]}
    text = json.dumps(record, ensure_ascii=False, indent=1)
    (out_dir / f"{name}.expected.json").write_text(text + "\n", encoding="utf-8")
    return path


def render_sample(
    seed: int, kind: str, variant: str, ref_date: dt.date = REF_DATE, currency: str | None = None, **options
) -> tuple[dict, bytes, str, dict]:
    """Everything for one sample from its own seed: (truth, bytes, ext, meta)."""
    rng = random.Random(seed)
    truth = make_invoice(rng, kind, ref_date, currency=currency)
    data, ext, meta = render(truth, variant, rng, **options)
    return truth, data, ext, meta


def plan(n: int, variants: list[str], kinds: list[str], seed: int) -> list[tuple[str, str]]:
    """(kind, variant) for each of ``n`` samples, cycling so that every pair appears."""
    pairs = [(k, v) for v in variants if v != "english" for k in kinds]
    if "english" in variants:
        pairs += [("receipt_en", "scanner"), ("receipt_en", "phone")]
    if not pairs:
        raise ValueError("nothing to generate: no kinds or variants")
    order = random.Random(seed).sample(pairs, len(pairs))
    return [order[i % len(order)] for i in range(n)]


def generate_set(
    seed: int,
    n: int,
    variants: list[str] | tuple[str, ...] = VARIANTS,
    out_dir: Path | str = ".",
    kinds: list[str] | tuple[str, ...] = CHINESE_KINDS,
    ref_date: dt.date = REF_DATE,
) -> list[Path]:
    """``n`` samples into ``out_dir``; sample i uses ``sample_seed(seed, i)``. Returns the image paths."""
    out = Path(out_dir)
    kinds = [normalize_kind(k) for k in kinds]
    paths = []
    for i, (kind, variant) in enumerate(plan(n, list(variants), kinds, seed)):
        s = sample_seed(seed, i)
        truth, data, ext, meta = render_sample(s, kind, variant, ref_date)
        name = f"{i:03d}_{KIND_NAMES[kind]}_{variant}"
        paths.append(write_sample(out, name, truth, data, ext, meta, s))
    return paths


def _parse_date(text: str) -> dt.date:
    return dt.date.today() if text == "today" else dt.date.fromisoformat(text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m samples.generate", description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--out", type=Path, default=None, help="output folder (default samples/images with --committed)"
    )
    ap.add_argument("--n", type=int, default=10, help="number of samples (ignored with --committed)")
    ap.add_argument("--variants", default=",".join(VARIANTS), help="comma list of " + ",".join(VARIANTS))
    ap.add_argument(
        "--kinds", default=",".join(CHINESE_KINDS), help="type codes or names, e.g. 01,04,10,31,32"
    )
    ap.add_argument(
        "--ref-date",
        type=_parse_date,
        default=REF_DATE,
        help=f"invoice dates fall in the 2 years before this (YYYY-MM-DD or 'today'; default {REF_DATE})",
    )
    ap.add_argument(
        "--committed", action="store_true", help="write the fixed committed set (+ multipage + bad)"
    )
    ap.add_argument(
        "--bad-out", type=Path, default=None, help="bad-file folder for --committed (default <out>/../bad)"
    )
    args = ap.parse_args(argv)
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = set(variants) - set(VARIANTS)
    if unknown:
        ap.error(f"unknown variants: {sorted(unknown)}")
    if args.committed:
        from samples.committed import ROOT, generate_committed

        out = args.out or ROOT / "images"
        paths = generate_committed(args.seed, out, args.bad_out or out.parent / "bad", args.ref_date)
    else:
        if args.out is None:
            ap.error("--out is required (or use --committed)")
        kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
        paths = generate_set(args.seed, args.n, variants, args.out, kinds, args.ref_date)
    for p in paths:
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
