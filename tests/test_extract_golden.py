"""Golden tests: the real pipeline (OpenCV + PaddleOCR + QR + extraction + validation) on every
committed sample must reproduce its expected JSON.

The few values the OCR engine does not read on the committed samples today are listed, with the reason,
in ``tests/golden_known.json``. The test fails both when anything else differs (a regression) and when
a listed value comes out right (then the list must shrink), so the list can only be honest.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from capture.invoices import capture_invoices
from tests.conftest import expected_for, sample_files
from tests.golden import field_diffs, line_diffs

TODAY = date(2026, 11, 23)  # fixed, so the committed samples never age out of the 5-year window
KNOWN = json.loads(Path(__file__).with_name("golden_known.json").read_text(encoding="utf-8"))["known"]


@pytest.mark.parametrize("path", sample_files(), ids=lambda p: p.name)
def test_sample_matches_expected(path, engine):
    expected = expected_for(path)
    truths = expected.get("pages") or [expected]
    pages, found = capture_invoices(path.read_bytes(), engine=engine, today=TODAY)
    assert pages == len(truths)
    assert [inv.page.number for inv in found] == list(range(1, len(truths) + 1))
    for inv, truth in zip(found, truths, strict=True):
        key = path.name if len(truths) == 1 else f"{path.name}#{inv.page.number}"
        known = KNOWN.get(key, {})
        values = {name: fv.value for name, fv in inv.invoice.fields.items()}
        diffs = field_diffs(values, truth)
        rows = line_diffs([li.to_dict() for li in inv.invoice.line_items], truth["line_items"])
        assert sorted(diffs) == sorted(known.get("fields", [])), diffs
        assert sorted(str(r[0]) for r in rows) == sorted(str(r) for r in known.get("rows", [])), rows
        if not known:
            errors = [i.to_dict() for i in inv.validation.issues if i.severity == "error"]
            assert errors == []


def test_known_misses_name_real_samples_with_reasons():
    names = {p.name for p in sample_files()}
    for key, entry in KNOWN.items():
        assert key.split("#")[0] in names, key
        assert entry.get("why"), key


CLEAN_SCANS = [p for p in sample_files() if p.name.startswith("scan_") and p.name not in KNOWN]


@pytest.mark.parametrize("path", CLEAN_SCANS, ids=lambda p: p.name)
def test_clean_scans_are_accepted_with_boxes_on_the_page(path, engine):
    _, [inv] = capture_invoices(path.read_bytes(), engine=engine, today=TODAY)
    assert inv.validation.status == "accepted", inv.validation.to_dict()
    w, h = inv.page.width, inv.page.height
    for name in ("invoice_number", "date", "total", "seller_name"):
        fv = inv.invoice.fields[name]
        x0, y0, x1, y1 = fv.box
        assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h, (name, fv.box, (w, h))
