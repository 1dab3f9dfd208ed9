"""Shared fixtures: one real OCR engine per test session, the committed samples, a CJK font."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples" / "images"
BAD = ROOT / "samples" / "bad"
CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")


@pytest.fixture(scope="session")
def engine(tmp_path_factory):
    from capture.ocr.paddle import OcrConfig, PaddleOcrEngine

    cache = tmp_path_factory.mktemp("models")
    return PaddleOcrEngine(OcrConfig(cache_dir=cache)).load()


def sample_files() -> list[Path]:
    return sorted(p for p in SAMPLES.glob("*") if p.suffix.lower() != ".json")


def expected_for(path: Path) -> dict:
    return json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))


# Database fixtures (every @pytest.mark.db test; SQLite, or PostgreSQL via INVOICE_CAPTURE_TEST_DATABASE_URL)
from tests.db_fixtures import blobs, data_dir, database_url, db, db_engine  # noqa: E402, F401
