"""The synthetic invoice generator and the committed sample set (fast: no OCR)."""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from samples.capitals import to_capitals
from samples.generate import generate_set, map_box, render_sample
from samples.taxid import is_valid_uscc, uscc_check_char
from samples.truth import REF_DATE, TRUTH_KEYS, make_invoice

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "samples" / "images"
BAD = ROOT / "samples" / "bad"
KINDS = ("01", "04", "10", "31", "32", "receipt_en")
CENT = Decimal("0.01")
DIGITS = "零壹贰叁肆伍陆柒捌玖"


def parse_capitals(text: str) -> Decimal:
    """Independent reader for 大写 amounts, to check the generator's writer."""
    integer, _, frac = text.rstrip("整正").partition("圆") if "圆" in text else ("", "", text.rstrip("整正"))
    total = section = num = 0
    for ch in integer:
        if ch in DIGITS:
            num = DIGITS.index(ch)
        elif ch in "拾佰仟":
            section += num * {"拾": 10, "佰": 100, "仟": 1000}[ch]
            num = 0
        elif ch == "万":
            total += (section + num) * 10_000
            section = num = 0
        elif ch == "亿":
            total = (total + section + num) * 100_000_000
            section = num = 0
    total += section + num
    jiao = re.search(r"(.)角", frac)
    fen = re.search(r"(.)分", frac)
    cents = (DIGITS.index(jiao.group(1)) * 10 if jiao else 0) + (DIGITS.index(fen.group(1)) if fen else 0)
    return Decimal(total) + Decimal(cents) / 100


def q(value: str) -> Decimal:
    return Decimal(value)


def check_truth(t: dict) -> None:
    """Every invariant a generated or committed truth must satisfy."""
    assert set(t) == {*TRUTH_KEYS, "meta"}
    for key in ("amount_excl_tax", "tax", "total"):
        assert re.fullmatch(r"\d+\.\d{2}", t[key]), key
    assert q(t["amount_excl_tax"]) + q(t["tax"]) == q(t["total"])
    items = t["line_items"]
    assert 1 <= len(items) <= 8
    assert sum(q(i["amount"]) for i in items) == q(t["amount_excl_tax"])
    for item in items:
        if item["quantity"] and item["unit_price"]:
            expected = (q(item["quantity"]) * q(item["unit_price"])).quantize(CENT, ROUND_HALF_UP)
            assert expected == q(item["amount"]), item
    dt.date.fromisoformat(t["date"])
    if t["invoice_type"] == "receipt_en":
        assert t["invoice_code"] is None and t["total_in_words"] is None and t["currency"] != "CNY"
        return
    assert t["currency"] == "CNY"
    assert sum(q(i["tax"]) for i in items) == q(t["tax"])
    for item in items:
        rate = item["tax_rate"]
        if rate == "免税":
            assert item["tax"] == "0.00"
        else:
            expected = (q(item["amount"]) * q(rate[:-1]) / 100).quantize(CENT, ROUND_HALF_UP)
            assert expected == q(item["tax"]), item
    assert t["total_in_words"] == to_capitals(t["total"])
    assert parse_capitals(t["total_in_words"]) == q(t["total"])
    assert is_valid_uscc(t["seller_tax_id"])
    assert t["buyer_tax_id"] is None or is_valid_uscc(t["buyer_tax_id"])
    yy = t["date"][2:4]
    kind, code, number = t["invoice_type"], t["invoice_code"], t["invoice_number"]
    if kind in ("31", "32"):
        assert code is None and t["check_code"] is None and t["machine_number"] is None
        assert re.fullmatch(r"\d{20}", number) and number[:2] == yy
    else:
        assert re.fullmatch(r"\d{8}", number) and re.fullmatch(r"\d{12}", t["machine_number"])
        if len(code) == 10:
            assert kind in ("01", "04") and code[4:6] == yy
            assert code[7] in ("15" if kind == "01" else "36")
        else:
            assert len(code) == 12 and code[0] == "0" and code[5:7] == yy
            assert code[10:] in (("11",) if kind == "10" else ("04", "05"))
        assert (t["check_code"] is None) == (kind == "01")
        assert t["check_code"] is None or re.fullmatch(r"\d{20}", t["check_code"])
    fields = t["meta"]["qr_payload"].split(",")
    assert fields[:4] == ["01", kind, code or "", number]
    assert fields[4] == (t["total"] if kind in ("31", "32") else t["amount_excl_tax"])
    assert fields[5] == t["date"].replace("-", "") and fields[6] == (t["check_code"] or "")
    assert re.fullmatch(r"[0-9A-F]{4}", fields[7]) and fields[8:] == [""]


# capitals and taxpayer IDs -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("1500.00", "壹仟伍佰圆整"),
        ("17.00", "壹拾柒圆整"),
        ("52.70", "伍拾贰圆柒角"),
        ("1005.30", "壹仟零伍圆叁角"),
        ("100010.00", "壹拾万零壹拾圆整"),
        ("0.05", "伍分"),
        ("2.05", "贰圆零伍分"),
        ("100000001.00", "壹亿零壹圆整"),
        ("330292.58", "叁拾叁万零贰佰玖拾贰圆伍角捌分"),
        ("10000000.00", "壹仟万圆整"),
        ("1060.00", "壹仟零陆拾圆整"),
    ],
)
def test_capitals_examples(amount, words):
    assert to_capitals(amount) == words


def test_capitals_round_trip():
    rng = random.Random(1)
    for _ in range(3000):
        value = Decimal(rng.randint(1, 10 ** rng.randint(1, 11))) / 100
        assert parse_capitals(to_capitals(value)) == value


def test_uscc_checksum():
    assert uscc_check_char("91350100M000100Y4") == "3"
    assert is_valid_uscc("91350100M000100Y43")
    assert not is_valid_uscc("91350100M000100Y44")
    assert not is_valid_uscc("91350100M000100I43")  # I is not in the alphabet


# generated truth -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_generated_truth_invariants(kind):
    for seed in range(60):
        truth = make_invoice(random.Random(seed), kind)
        check_truth(truth)
        date = dt.date.fromisoformat(truth["date"])
        assert REF_DATE - dt.timedelta(days=731) <= date < REF_DATE


def test_truth_is_deterministic():
    for kind in KINDS:
        assert make_invoice(random.Random(42), kind) == make_invoice(random.Random(42), kind)
    assert make_invoice(random.Random(1), "01") != make_invoice(random.Random(2), "01")


def test_render_is_deterministic():
    a = render_sample(99, "04", "phone", size=(800, 600), dpi=120)
    b = render_sample(99, "04", "phone", size=(800, 600), dpi=120)
    assert a[1] == b[1] and a[3] == b[3]


def test_generate_set_is_deterministic(tmp_path):
    kw = {"variants": ["scanner", "hard"], "kinds": ["10", "32"]}
    first = generate_set(5, 3, out_dir=tmp_path / "a", **kw)
    second = generate_set(5, 3, out_dir=tmp_path / "b", **kw)
    assert [p.name for p in first] == [p.name for p in second]
    for p, r in zip(first, second, strict=True):
        assert p.read_bytes() == r.read_bytes()
        stem = p.name.rsplit(".", 1)[0]
        exp_a = (p.parent / f"{stem}.expected.json").read_text(encoding="utf-8")
        assert exp_a == (r.parent / f"{stem}.expected.json").read_text(encoding="utf-8")
        check_truth(json.loads(exp_a))


# renders ---------------------------------------------------------------------------------------------


def decode_qr(image: Image.Image):
    zxingcpp = pytest.importorskip("zxingcpp")
    return zxingcpp.read_barcodes(np.asarray(image.convert("RGB")))


@pytest.mark.parametrize("kind", ["01", "32"])
def test_qr_decodes_on_scanner_render(kind):
    truth, data, _, meta = render_sample(3, kind, "scanner", dpi=150, fmt="png")
    results = decode_qr(Image.open(io.BytesIO(data)))
    assert [r.text for r in results] == [truth["meta"]["qr_payload"]]
    # the recorded homography carries the QR region to where the decoder found it
    quad = map_box(meta["render_to_image"], meta["regions"]["qr"])
    pos = results[0].position
    found = [(pos.top_left.x, pos.top_left.y), (pos.bottom_right.x, pos.bottom_right.y)]
    assert np.hypot(*np.subtract(found[0], quad[0])) < 6 and np.hypot(*np.subtract(found[1], quad[2])) < 6


def test_phone_exif_orientation_and_rotation():
    plain = render_sample(8, "10", "phone", size=(800, 600), dpi=120, rotation=90, exif_orientation=None)
    tagged = render_sample(8, "10", "phone", size=(800, 600), dpi=120, rotation=90, exif_orientation=6)
    raw = Image.open(io.BytesIO(tagged[1]))
    assert raw.getexif().get(0x0112) == 6
    shown = ImageOps.exif_transpose(raw)
    assert list(shown.size) == tagged[3]["image_size_px"] == [600, 800]
    assert raw.size == (800, 600)
    diff = np.abs(np.asarray(shown, np.int16) - np.asarray(Image.open(io.BytesIO(plain[1])), np.int16))
    assert diff.mean() < 3
    assert tagged[3]["rotation"] == 90


# committed set ---------------------------------------------------------------------------------------


def committed_images() -> list[Path]:
    return sorted(p for p in IMAGES.iterdir() if not p.name.endswith(".json"))


def test_committed_set_is_complete_and_small():
    images = committed_images()
    variants = [
        json.loads(p.with_name(p.stem + ".expected.json").read_text("utf-8")).get("meta", {}) for p in images
    ]
    assert len(images) >= 30
    assert {p.suffix for p in images} >= {".png", ".jpg", ".pdf", ".tif"}
    assert sum(m.get("variant") == "phone" for m in variants) >= 8
    assert any(m.get("exif_orientation") for m in variants)
    assert {m.get("rotation") for m in variants} >= {0, 90, 180}
    total = sum(p.stat().st_size for p in (ROOT / "samples").rglob("*") if p.is_file())
    assert total < 25 * 1024 * 1024


@pytest.mark.parametrize("path", committed_images(), ids=lambda p: p.name)
def test_committed_expected_json(path):
    expected = json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))
    if path.suffix in (".pdf", ".tif"):
        pages = expected["pages"]
        assert len(pages) == expected["meta"]["page_count"] == 2
        if path.suffix == ".tif":
            assert Image.open(path).n_frames == 2
        else:
            pdfium = pytest.importorskip("pypdfium2")
            assert len(pdfium.PdfDocument(str(path))) == 2
    else:
        pages = [expected]
        with Image.open(path) as img:
            meta = expected["meta"]
            assert img.getexif().get(0x0112) == meta["exif_orientation"]
            assert list(ImageOps.exif_transpose(img).size) == meta["image_size_px"]
    for truth in pages:
        check_truth(truth)
        for key in (
            "kind",
            "variant",
            "dpi",
            "rotation",
            "exif_orientation",
            "seed",
            "qr_payload",
            "page_size_px",
        ):
            assert key in truth["meta"]


def test_committed_sample_reproduces():
    """Regenerating an entry from its recorded seed gives the same truth and (nearly) the same pixels."""
    from samples.committed import SPECS

    picked = [s for s in SPECS if s[0] in ("scan_vat_special_150dpi", "phone_vat_e_ordinary_rot90")]
    assert len(picked) == 2
    for name, kind, variant, options in picked:
        expected = json.loads((IMAGES / f"{name}.expected.json").read_text(encoding="utf-8"))
        opts = dict(options)
        truth, data, ext, _ = render_sample(
            expected["meta"]["seed"], kind, variant, currency=opts.pop("currency", None), **opts
        )
        assert {k: v for k, v in truth.items() if k != "meta"} == {
            k: v for k, v in expected.items() if k != "meta"
        }
        stored = np.asarray(Image.open(IMAGES / f"{name}.{ext}").convert("RGB"), np.int16)
        assert np.abs(stored - np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), np.int16)).mean() < 1


def test_scanner_samples_qr_decode():
    for path in sorted(IMAGES.glob("scan_*")):
        if path.name.endswith(".json"):
            continue
        expected = json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))
        texts = [r.text for r in decode_qr(Image.open(path))]
        assert expected["meta"]["qr_payload"] in texts, path.name


def test_bad_files():
    assert (BAD / "empty.jpg").stat().st_size == 0
    truncated = (BAD / "truncated.jpg").read_bytes()
    assert truncated[:2] == b"\xff\xd8" and not truncated.endswith(b"\xff\xd9") and len(truncated) > 1000
    with pytest.raises(OSError):
        Image.open(BAD / "truncated.jpg").load()
    text = (BAD / "not_an_image.jpg").read_bytes()
    assert text and not text.startswith((b"\xff\xd8", b"\x89PNG"))
    bomb = (BAD / "bomb.png").read_bytes()
    assert bomb.startswith(b"\x89PNG\r\n\x1a\n") and len(bomb) < 100_000
    assert int.from_bytes(bomb[16:20], "big") == int.from_bytes(bomb[20:24], "big") == 20000
    with pytest.raises(Image.DecompressionBombError):
        Image.open(BAD / "bomb.png")
    readme = (BAD / "README.md").read_text(encoding="utf-8")
    for name in ("empty.jpg", "truncated.jpg", "not_an_image.jpg", "bomb.png"):
        assert name in readme


def test_committed_samples_are_there_for_the_image_tests():
    """The preprocessing, quality and golden tests are parametrized over these: an empty set must fail."""
    from tests.conftest import sample_files

    assert len(sample_files()) >= 30
