"""OCR stage: the ``OcrEngine`` protocol, the line type it returns, and the PaddleOCR implementation."""

from capture.ocr.base import OcrEngine, OcrLine

__all__ = ["OcrEngine", "OcrLine"]
