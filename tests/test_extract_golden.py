"""Golden tests: the real pipeline (OpenCV + PaddleOCR + QR + extraction + validation) on every
committed sample must reproduce its expected JSON."""

from __future__ import annotations

from datetime import date

import pytest

from capture.invoices import capture_invoices
from tests.conftest import expected_for, sample_files
from tests.golden import field_diffs, line_diffs

TODAY = date(2026, 11, 23)  # fixed, so the committed samples never age out of the 5-year window


@pytest.mark.parametrize("path", sample_files(), ids=lambda p: p.name)
def test_sample_matches_expected(path, engine):
    expected = expected_for(path)
    truths = expected.get("pages") or [expected]
    pages, found = capture_invoices(path.read_bytes(), engine=engine, today=TODAY)
    assert pages == len(truths)
    assert [inv.page.number for inv in found] == list(range(1, len(truths) + 1))
    for inv, truth in zip(found, truths, strict=True):
        values = {name: fv.value for name, fv in inv.invoice.fields.items()}
        assert field_diffs(values, truth) == {}
        assert line_diffs([li.to_dict() for li in inv.invoice.line_items], truth["line_items"]) == []
        errors = [i.to_dict() for i in inv.validation.issues if i.severity == "error"]
        assert errors == []


@pytest.mark.parametrize("path", [p for p in sample_files() if p.name.startswith("scan_")], ids=lambda p: p.name)
def test_clean_scans_are_accepted_with_boxes_on_the_page(path, engine):
    _, [inv] = capture_invoices(path.read_bytes(), engine=engine, today=TODAY)
    assert inv.validation.status == "accepted", inv.validation.to_dict()
    w, h = inv.page.width, inv.page.height
    for name in ("invoice_number", "date", "total", "seller_name"):
        fv = inv.invoice.fields[name]
        x0, y0, x1, y1 = fv.box
        assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h, (name, fv.box, (w, h))
