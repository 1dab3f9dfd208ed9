"""Database fixtures: every ``@pytest.mark.db`` test runs on SQLite, or on PostgreSQL when
``INVOICE_CAPTURE_TEST_DATABASE_URL`` names a PostgreSQL server.

- SQLite: a fresh file in the session's tmp dir.
- PostgreSQL: a fresh database ``ic_test_<random>`` created through the server's ``postgres`` maintenance
  database and dropped at the end, so concurrent runs never collide (the database named in the URL is
  never touched).
The schema is created by the real migrations once per session; each test starts from empty tables.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, SQLModel

from models.blobs import BlobStore
from models.db import make_engine, make_sessions, migrate_engine, scratch_postgres_database, sqlite_url

TEST_URL_ENV = "INVOICE_CAPTURE_TEST_DATABASE_URL"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    configured = os.environ.get(TEST_URL_ENV, "")
    if not configured.startswith(("postgresql", "postgres:")):
        yield sqlite_url(tmp_path_factory.mktemp("db"))
        return
    with scratch_postgres_database(configured, prefix="ic_test_") as url:
        yield url


@pytest.fixture(scope="session")
def db_engine(database_url) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate_engine(engine)
    yield engine
    engine.dispose()


@dataclass
class Db:
    url: str
    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name


def empty_tables(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(SQLModel.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def db(database_url, db_engine) -> Db:
    """The migrated test database with every table empty."""
    empty_tables(db_engine)
    return Db(database_url, db_engine, make_sessions(db_engine))


@pytest.fixture
def data_dir(tmp_path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def blobs(data_dir) -> BlobStore:
    """The blob store where the settings put it (``<data dir>/blobs``)."""
    return BlobStore(data_dir / "blobs")


# ------------------------------------------------------------------------------------------ small inputs


def png_bytes(seed: int = 0, width: int = 600, height: int = 400) -> bytes:
    """A small, valid PNG; a different seed gives different bytes (a different document)."""
    import io

    import numpy as np
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    im = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(im)
    for i in range(8):
        y = 30 + i * 40
        draw.rectangle((40, y, 40 + int(rng.integers(100, width - 80)), y + 14), fill="black")
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


class FakeEngine:
    """An OCR engine that reads the given lines (text, x, y) on every page, or raises ``error``."""

    name = "fake"

    def __init__(self, lines=(), error: BaseException | None = None) -> None:
        self.lines, self.error, self.calls = list(lines), error, 0

    def recognize(self, images):
        from capture.ocr.base import OcrLine

        self.calls += 1
        if self.error is not None:
            raise self.error
        out = []
        for _ in images:
            out.append([OcrLine(t, 0.99, ((x, y), (x + 14 * len(t), y), (x + 14 * len(t), y + 16), (x, y + 16)))
                        for t, x, y in self.lines])
        return out


# a special VAT invoice as an OCR engine would read it (positions in a 600x400 page)
VAT_SPECIAL_LINES = [
    ("上海增值税专用发票", 200, 10), ("发票代码：3100265530", 400, 40), ("发票号码：96985775", 400, 60),
    ("开票日期：2026年11月12日", 400, 80), ("合计", 40, 250), ("¥323454.46", 300, 250), ("¥3234.54", 480, 250),
    ("价税合计（大写）", 40, 300), ("叁拾贰万陆仟陆佰捌拾玖圆整", 180, 300), ("（小写）¥326689.00", 420, 300),
]
