"""One OCR engine per process, built lazily from the settings (the ``OcrEngineDep`` of the API)."""

from __future__ import annotations

from functools import lru_cache

from api.settings import Settings
from capture.ocr.base import OcrEngine
from capture.ocr.paddle import OcrConfig, PaddleOcrEngine


@lru_cache(maxsize=4)
def _engine_for(config: OcrConfig) -> PaddleOcrEngine:
    return PaddleOcrEngine(config)


def build_engine(settings: Settings) -> OcrEngine:
    return _engine_for(settings.ocr_config())
