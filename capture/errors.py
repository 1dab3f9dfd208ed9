"""Typed capture errors: each carries a stable ``code`` and a human ``detail``.

They are raised by the pure stages and mapped to HTTP statuses or CLI messages only at the edge.
"""

from __future__ import annotations


class CaptureError(Exception):
    """Base class: ``code`` is stable (clients branch on it), ``detail`` says what and why."""

    code = "capture_error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "detail": self.detail}


class EmptyFileError(CaptureError):
    code = "empty_file"


class UnsupportedTypeError(CaptureError):
    """The bytes are not any image or PDF format we read (decided by content, never by file name)."""

    code = "unsupported_type"


class UnreadableFileError(CaptureError):
    """The format is known but the content is corrupt or truncated."""

    code = "unreadable"


class TooLargeError(CaptureError):
    """Too many bytes, pixels (decompression bomb) or pages."""

    code = "too_large"


class OcrEngineError(CaptureError):
    """The OCR engine could not be built or failed on a page."""

    code = "ocr_failed"


class MissingFileError(CaptureError):
    """A path given on the command line does not name a readable file."""

    code = "file_not_found"
