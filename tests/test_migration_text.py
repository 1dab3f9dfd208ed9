"""Migrations 0005 and 0007: the page text (and its bigrams) of invoices archived before them is filled from
their OCR lines, searchable at once, and the downgrade restores the per-line index (SQLite and PostgreSQL,
each in a fresh database)."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlmodel import select

from api.search import InvoiceFilters, search_invoices
from models.db import make_engine, make_sessions, migrate_engine, scratch_postgres_database, sqlite_url
from models.documents import Document
from models.invoices import Invoice, InvoiceBigrams, InvoiceText, OcrLine
from tests.db_fixtures import TEST_URL_ENV

pytestmark = pytest.mark.db
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def fresh_url(tmp_path) -> Iterator[str]:
    configured = os.environ.get(TEST_URL_ENV, "")
    if configured.startswith(("postgresql", "postgres:")):
        with scratch_postgres_database(configured, prefix="ic_test_mig_") as url:
            yield url
    else:
        yield sqlite_url(tmp_path)


def _archive_at_0004(engine, lines: list[str], sha: str = "ab") -> uuid.UUID:
    doc_id, inv_id = uuid.uuid4(), uuid.uuid4()
    with engine.begin() as conn:
        conn.execute(sa.insert(Document.__table__), [{
            "id": doc_id, "sha256": sha * 32, "media_type": "image/png", "size": 1, "pages": 1, "source": "api",
            "created_at": NOW}])
        conn.execute(sa.insert(Invoice.__table__), [{
            "id": inv_id, "document_id": doc_id, "page": 1, "status": "accepted",
            "verification_status": "not_checked", "created_at": NOW, "updated_at": NOW}])
        conn.execute(sa.insert(OcrLine.__table__), [  # stored out of reading order on purpose
            {"document_id": doc_id, "page": 1, "seq": seq, "text": text, "score": 0.9, "x0": 0, "y0": 0, "x1": 1,
             "y1": 1} for seq, text in reversed(list(enumerate(lines)))])
    return inv_id


def _scalar(engine, **sql_by_dialect: str):
    with engine.connect() as conn:
        return conn.exec_driver_sql(sql_by_dialect[engine.dialect.name]).scalar()


def test_0005_fills_the_text_of_earlier_invoices_and_downgrades(fresh_url):
    engine = make_engine(fresh_url)
    try:
        migrate_engine(engine, "0004")
        inv_id = _archive_at_0004(engine, ["上海增值税专用发票", "购买方：瑞丰食品有限公司"])
        migrate_engine(engine)
        sessions = make_sessions(engine)
        with sessions() as s:
            row = s.exec(select(InvoiceText).where(InvoiceText.invoice_id == inv_id)).one()
            assert row.text == "上海增值税专用发票\n购买方：瑞丰食品有限公司"
            found, count = search_invoices(session=s, filters=InvoiceFilters(q="瑞丰食品"))
            assert [inv.id for inv in found] == [inv_id] and count == 1
            assert search_invoices(session=s, filters=InvoiceFilters(q="发票购买"))[1] == 0  # across two lines
            pairs = s.exec(select(InvoiceBigrams).where(InvoiceBigrams.invoice_id == inv_id)).one().bigrams
            assert pairs.split()[:3] == ["上海", "海增", "增值"]  # 0007 filled the pairs, 0009 moved them
            assert search_invoices(session=s, filters=InvoiceFilters(q="瑞丰"))[1] == 1
        migrate_engine(engine, "0004", down=True)
        assert "invoice_text" not in sa.inspect(engine).get_table_names()
        assert _scalar(engine, sqlite="SELECT count(*) FROM ocr_line_fts WHERE ocr_line_fts MATCH '\"瑞丰食品\"'",
                       postgresql="SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_ocr_line_text_trgm'") == 1
    finally:
        engine.dispose()


def test_0009_moves_the_bigrams_to_their_own_table_and_back(fresh_url):
    engine = make_engine(fresh_url)
    try:
        migrate_engine(engine, "0004")
        first = _archive_at_0004(engine, ["上海增值税专用发票", "购买方：瑞丰食品有限公司"])
        migrate_engine(engine, "0008")  # 0005 wrote the text, 0007 its bigrams beside it
        migrate_engine(engine)
        assert "bigrams" not in {c["name"] for c in sa.inspect(engine).get_columns("invoice_text")}
        sessions = make_sessions(engine)
        second = _archive_at_0004(engine, ["北京食品"], sha="cd")
        with sessions() as s:  # written as the archive writes at head: the new ids follow the copied ones
            s.add_all([InvoiceText(invoice_id=second, text="北京食品"), InvoiceBigrams(invoice_id=second,
                                                                                  bigrams="北京 京食 食品")])
            s.commit()
            assert s.exec(select(InvoiceBigrams).where(InvoiceBigrams.invoice_id == first)).one().bigrams.startswith(
                "上海 海增")
            assert search_invoices(session=s, filters=InvoiceFilters(q="瑞丰"))[1] == 1
            found, count = search_invoices(session=s, filters=InvoiceFilters(q="食品"))
            assert {inv.id for inv in found} == {first, second} and count == 2
        migrate_engine(engine, "0008", down=True)
        assert "invoice_bigrams" not in sa.inspect(engine).get_table_names()
        assert _scalar(engine,
                       sqlite="SELECT count(*) FROM invoice_bigram_fts WHERE invoice_bigram_fts MATCH '\"食品\"'",
                       postgresql="SELECT count(*) FROM invoice_text WHERE bigram_tsv @@ "
                                  "plainto_tsquery('simple', '食品')") == 2
    finally:
        engine.dispose()
