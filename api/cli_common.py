"""What the ``invoice-capture`` commands share: reading a named file, the JSON error object, the migrated
database URL as configured, and argument types."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from capture.errors import CaptureError, MissingFileError

if TYPE_CHECKING:
    from api.settings import Settings


def read_file(path: str) -> bytes:
    p = Path(path)
    if not p.exists():
        raise MissingFileError(f"{path}: no such file")
    if p.is_dir():
        raise MissingFileError(f"{path}: is a directory, not a file")
    return p.read_bytes()


def error_obj(path: str, exc: CaptureError) -> dict:
    return {"file": path, "ok": False, "error": exc.as_dict()}


def migrated_url(settings: Settings) -> str:
    from models.db import migrate

    url = settings.resolved_database_url()
    migrate(url)
    return url


def shown_url(url: str) -> str:
    import sqlalchemy as sa

    return sa.make_url(url).render_as_string(hide_password=True)


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value
