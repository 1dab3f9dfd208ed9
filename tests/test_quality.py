"""Quality checks: clean pages pass, each defect is named with an actionable message and its numbers."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import pytest

from capture.load import load_pages
from capture.quality import (
    BLURRED,
    CUT_OFF,
    GLARE,
    MIN_SHARPNESS,
    TOO_BRIGHT,
    TOO_DARK,
    TOO_SMALL,
    QualityReport,
    assess,
)
from tests.test_preprocess import invoice_page, photo_of

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "images"


@cache
def scan() -> np.ndarray:
    return invoice_page(21)


@cache
def photo() -> np.ndarray:
    return photo_of(invoice_page(22), seed=22)[0]


def with_glare(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    spot = np.zeros((h, w), np.float32)
    cv2.ellipse(spot, (w // 2, h // 2), (w // 6, h // 8), 0, 0, 360, 1.0, -1)
    spot = cv2.GaussianBlur(spot, (0, 0), 15)
    return np.clip(image.astype(np.float32) * 0.85 + spot[:, :, None] * 255, 0, 255).astype(np.uint8)


DEFECTS = {
    "blurred scan": (lambda: cv2.GaussianBlur(scan(), (0, 0), 4), BLURRED),
    "blurred photo": (lambda: cv2.GaussianBlur(photo(), (0, 0), 4), BLURRED),
    "dark scan": (lambda: (scan() * 0.25).astype(np.uint8), TOO_DARK),
    "dark photo": (lambda: (photo() * 0.25).astype(np.uint8), TOO_DARK),
    "washed out": (lambda: (scan() * 0.3 + 175).astype(np.uint8), TOO_BRIGHT),
    "glare": (lambda: with_glare(photo()), GLARE),
    "tiny": (lambda: cv2.resize(scan(), None, fx=0.3, fy=0.3, interpolation=cv2.INTER_AREA), TOO_SMALL),
    "sheet off the edge": (lambda: photo()[:, 700:], CUT_OFF),
    "text cut at top and bottom": (lambda: scan()[195:720], CUT_OFF),  # through two text rows
}


@pytest.mark.parametrize(
    "image",
    [scan, photo, lambda: invoice_page(23, dpi=300), lambda: invoice_page(24, dpi=150),
     lambda: cv2.GaussianBlur(scan(), (0, 0), 1.2), lambda: (photo() * 0.6).astype(np.uint8),
     lambda: cv2.cvtColor(scan(), cv2.COLOR_BGR2GRAY)],
    ids=["scan", "photo", "300dpi", "150dpi", "slightly soft", "dim photo", "grey"],
)
def test_good_pages_pass(image) -> None:
    report = assess(image())
    assert report.ok and report.reasons == [], [r.message for r in report.reasons]


@pytest.mark.parametrize("name", list(DEFECTS))
def test_each_defect_is_named(name: str) -> None:
    make, code = DEFECTS[name]
    report = assess(make())
    assert not report.ok
    assert code in report.codes, [r.message for r in report.reasons]
    reason = next(r for r in report.reasons if r.code == code)
    assert reason.message.startswith(("retake", "rescan")), reason.message
    assert isinstance(reason.value, float) and isinstance(reason.threshold, float)


def test_blur_reason_carries_the_measurement() -> None:
    report = assess(cv2.GaussianBlur(scan(), (0, 0), 5))
    reason = next(r for r in report.reasons if r.code == BLURRED)
    assert reason.value < reason.threshold == MIN_SHARPNESS
    assert f"{reason.value:.1f}" in reason.message and f"< {MIN_SHARPNESS:.0f}" in reason.message
    sharp = assess(scan()).metrics["sharpness"]
    assert sharp > 10 * reason.value  # the measure separates sharp from blurred by a wide margin


def test_small_dpi_without_text_is_too_small() -> None:
    blank = np.full((500, 700, 3), 255, np.uint8)
    assert assess(blank, dpi=60).codes == [TOO_SMALL]
    assert assess(blank[:, :600]).codes == [TOO_SMALL]  # 600 px long side
    assert assess(blank).ok  # nothing to judge: no blur verdict on an empty page


def test_report_is_json_ready() -> None:
    report = assess(cv2.GaussianBlur(scan(), (0, 0), 4))
    data = json.loads(json.dumps(report.to_dict()))
    assert data["ok"] is False and data["reasons"][0]["code"] == BLURRED
    assert set(data["reasons"][0]) == {"code", "message", "value", "threshold"}
    assert isinstance(QualityReport(ok=True).to_dict()["reasons"], list)


def _scanner_samples() -> list[Path]:
    if not SAMPLES.is_dir():
        return []
    out = []
    for p in sorted(SAMPLES.glob("scan_*")):
        if p.suffix in (".png", ".jpg"):
            out.append(p)
    return out[:4]


@pytest.mark.parametrize("path", _scanner_samples(), ids=lambda p: p.name)
def test_clean_sample_scans_pass(path: Path) -> None:
    page = load_pages(path.read_bytes())[0]
    report = assess(page.image, dpi=page.dpi)
    assert report.ok, [r.message for r in report.reasons]
