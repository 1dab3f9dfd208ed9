"""Page images with the extracted fields' boxes drawn (GET /api/v1/documents/{id}/file?boxes=1) and the pure
renderer behind them (capture.render)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from capture.load import load_pages
from capture.render import LabelledBox, draw_boxes, encode_png
from models import JobStatus
from tests.conftest import SAMPLES
from tests.db_fixtures import FakeEngine, png_bytes
from tests.test_api_fixtures import api_fixture  # noqa: F401  (the api fixture)
from tests.test_api_invoices import captured

# ------------------------------------------------------------------------------------------ renderer


def test_draw_boxes_is_pure_and_draws_inside_the_boxes():
    page = np.full((300, 400, 3), 255, np.uint8)
    before = page.copy()
    out = draw_boxes(page, [LabelledBox("invoice_number", (100, 120, 220, 150), "ocr"),
                            LabelledBox("total", (-50, 250, 60, 400), "human")])  # clipped to the page
    assert np.array_equal(page, before) and out.shape == page.shape and out.dtype == np.uint8
    inside = out[125:146, 105:216]
    assert (inside != 255).any(axis=2).all()  # translucent fill over the whole box
    assert np.array_equal(out[200:240, 300:400], before[200:240, 300:400])  # away from boxes: untouched
    assert (out[90:119, 100:220] != 255).any()  # the label tag above the box


def test_draw_boxes_gray_input_non_ascii_labels_and_empty_boxes():
    gray = np.full((100, 100), 200, np.uint8)
    out = draw_boxes(gray, [LabelledBox("名称", (10, 10, 60, 40)), LabelledBox("x", (500, 500, 600, 600)),
                            LabelledBox("flat", (20, 50, 20, 90))])
    assert out.shape == (100, 100, 3)
    png = encode_png(out)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert np.array_equal(cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR), out)
    with pytest.raises(ValueError):
        draw_boxes(np.zeros((4, 4), np.float32), [])


# ------------------------------------------------------------------------------------------ HTTP


def _decode(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image


def _box(detail: dict, name: str) -> tuple[int, int, int, int]:
    f = next(f for f in detail["fields"] if f["field"] == name and f["line"] is None and f["alternative"] == 0)
    return round(f["x0"]), round(f["y0"]), round(f["x1"]), round(f["y1"])


@pytest.mark.db
def test_file_without_boxes_is_the_original(api, db, blobs):
    inv = captured(api, db, blobs, 1)
    r = api.get(f"/api/v1/documents/{inv['document_id']}/file", "auditor")
    assert r.status_code == 200 and r.content == png_bytes(1)
    assert r.headers["content-type"] == "image/png"
    assert api.get(f"/api/v1/documents/{inv['document_id']}/file", "reviewer", params={"boxes": "0"}).content \
        == png_bytes(1)


@pytest.mark.db
def test_file_with_boxes_draws_every_field_box(api, db, blobs):
    inv = captured(api, db, blobs, 1)
    r = api.get(f"/api/v1/documents/{inv['document_id']}/file", "reviewer", params={"boxes": "1"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "image/png"
    assert r.headers["content-disposition"] == "inline; filename*=UTF-8''1-p1-boxes.png"
    drawn, original = _decode(r.content), _decode(png_bytes(1))
    assert drawn.shape == original.shape
    boxed = [f for f in inv["fields"] if f["alternative"] == 0 and f["x0"] is not None]
    assert {f["field"] for f in boxed} >= {"invoice_number", "invoice_code", "date", "total"}
    for f in boxed:
        x0, y0, x1, y1 = (round(f[k]) for k in ("x0", "y0", "x1", "y1"))
        region = (slice(y0 + 2, y1 - 1), slice(x0 + 2, x1 - 1))
        assert (drawn[region] != original[region]).any(), f["field"]  # the fill changed the box's pixels
    assert np.array_equal(drawn[360:, 500:], original[360:, 500:])  # no field there: untouched
    missing = api.get(f"/api/v1/documents/{inv['document_id']}/file", params={"boxes": "1", "page": "2"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "page_not_found"
    assert missing.json()["error"]["pages"] == 1


@pytest.mark.db
def test_boxes_on_the_second_page_of_a_pdf(api, db, blobs):
    pdf = (SAMPLES / "multipage_pdf.pdf").read_bytes()
    doc = api.upload(("multi.pdf", pdf)).json()["documents"][0]
    lines = [("发票号码：96985775", 400, 60), ("开票日期：2026年11月12日", 400, 80)]
    assert api.worker(db, blobs, FakeEngine(lines)).run_once().status is JobStatus.DONE
    ids = api.get(doc["status_url"]).json()["invoice_ids"]
    assert len(ids) == 2
    second = api.get(f"/api/v1/invoices/{ids[1]}").json()
    assert second["page"] == 2
    x0, y0, x1, y1 = _box(second, "invoice_number")
    r = api.get(f"/api/v1/documents/{doc['id']}/file", "auditor", params={"boxes": "true", "page": "2"})
    assert r.status_code == 200, r.text
    drawn = _decode(r.content)
    page2 = load_pages(pdf)[1].image
    assert drawn.shape == page2.shape
    assert (drawn[y0 + 2:y1 - 1, x0 + 2:x1 - 1] != page2[y0 + 2:y1 - 1, x0 + 2:x1 - 1]).any()
    assert r.headers["content-disposition"].endswith("multi-p2-boxes.png")


@pytest.mark.db
def test_file_roles_and_missing_documents(api, db, blobs):
    inv = captured(api, db, blobs, 1)
    url = f"/api/v1/documents/{inv['document_id']}/file"
    assert api.get(url, "scanner", params={"boxes": "1"}).status_code == 403
    assert api.client.get(url, params={"boxes": "1"}).status_code == 401
    r = api.get("/api/v1/documents/00000000-0000-0000-0000-000000000000/file", params={"boxes": "1"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "document_not_found"
    assert api.get(url, params={"boxes": "1", "page": "0"}).status_code == 422
