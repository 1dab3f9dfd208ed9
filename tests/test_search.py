"""Full-text ``q`` over OCR text: Chinese substrings through the trigram index (SQLite FTS5, PostgreSQL
pg_trgm), the LIKE fallback below 3 characters, the index kept in sync with re-capture and deletion."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import col, delete

from api.search import InvoiceFilters, _conditions, search_invoices
from models import Document, Invoice
from tests.db_fixtures import png_bytes
from tests.test_api_fixtures import api_fixture  # noqa: F401  (the ``api`` fixture)
from tests.test_models_archive import archive, found, new_document, special

pytestmark = pytest.mark.db

LINES_A = [("上海增值税专用发票", 200, 10), ("购买方名称：上海瑞丰食品有限责任公司", 40, 60),
           ("Order REF-100% done_ok", 40, 90), ('say "quoted" text', 40, 120)]
LINES_B = [("北京增值税普通发票", 200, 10), ("销售方名称：北京同创文化传媒股份有限公司", 40, 60)]


def archived(db, seed: int, lines):
    doc = new_document(db, seed)
    (inv,) = archive(db, doc, [found(special(invoice_number=None, invoice_code=None), lines=lines)])
    return doc, inv


def search(db, q: str, **kw) -> set:
    with db.sessions() as s:
        invoices, count = search_invoices(session=s, filters=InvoiceFilters(q=q, **kw))
    assert count == len(invoices)
    return {inv.id for inv in invoices}


@pytest.fixture
def two(db):
    _, a = archived(db, 1, LINES_A)
    _, b = archived(db, 2, LINES_B)
    return a.id, b.id


@pytest.mark.parametrize(("q", "which"), [
    ("增值税", "ab"), ("增值税专用", "a"), ("瑞丰食品有限", "a"), ("文化传媒股份", "b"), ("北京", "b"),  # 2 chars: LIKE
    ("发", "ab"), ("ref-100", "a"), ("REF-100% DONE", "a"), ("100%", "a"), ("%", "a"), ("done_ok", "a"),
    ('"quoted"', "a"), ("quo", "a"), ("增值税发票", ""), ("深圳", ""), ("_", "a"), ("ORDER", "a"),
    ("发票购买", ""), ("票购", ""), ("专用发票\n购买方", ""),  # never across two OCR lines
    ("方名", "ab"), ("Re", "a"), ("10", "a"), ("：上", "a"), ("f-", "a"), ("售方", "b"),  # 2: bigrams or a scan
])
def test_substrings_of_ocr_lines(db, two, q, which):
    expected = {inv for inv, name in zip(two, "ab", strict=True) if name in which}
    assert search(db, q) == expected


def test_q_combines_with_other_filters(db, two):
    a, _b = two
    assert search(db, "增值税", duplicate=False) == set(two)
    with db.sessions() as s:
        doc_a = s.get(Invoice, a).document_id
    assert search(db, "增值税", document_id=doc_a) == {a}
    # short queries with other filters take the per-invoice scan: the same answers
    assert search(db, "北京", duplicate=False) == {two[1]}
    assert search(db, "发", document_id=doc_a) == {a}
    assert search(db, "%", duplicate=False) == {a}
    assert search(db, "深圳", duplicate=False) == set()


def test_the_index_follows_recapture_and_deletion(db, two):
    a, b = two
    with db.sessions() as s:
        doc_a = s.get(Document, s.get(Invoice, a).document_id)
    archive(db, doc_a, [found(special(invoice_number=None, invoice_code=None), lines=[("广州电子发票", 0, 0)])])
    assert search(db, "专用发票") == set()
    assert search(db, "广州电子") == {a}
    with db.sessions() as s:  # the document goes: its invoice and text cascade, and so does the index
        s.exec(delete(Document).where(Document.id == doc_a.id))
        s.commit()
    assert search(db, "广州电子") == set()
    assert search(db, "增值税") == {b}
    if db.dialect == "sqlite":
        with db.engine.connect() as conn:
            indexed = conn.exec_driver_sql(
                "SELECT count(*) FROM invoice_text_fts WHERE invoice_text_fts MATCH '\"增值税\"'").scalar()
            texts = conn.exec_driver_sql("SELECT count(*) FROM invoice_text WHERE text LIKE '%增值税%'").scalar()
        assert indexed == texts == 1


@pytest.mark.parametrize("q", ["增值税专用", "ORDER REF"])
def test_the_trigram_index_serves_the_query(db, two, q):
    """SQLite: the search reads the FTS5 table. PostgreSQL: the pg_trgm GIN index answers the pattern match
    (plain scans disabled: the table is tiny, and the join order around it is the planner's): LIKE for text
    without case (no lowercasing of each rechecked row), ILIKE for letters."""
    with db.sessions() as s:
        if db.dialect == "postgresql":
            s.execute(sa.text("SET LOCAL enable_seqscan = off"))
            s.execute(sa.text("SET LOCAL enable_indexscan = off"))
        stmt = sa.select(Invoice.id).where(*_conditions(InvoiceFilters(q=q), db.dialect))
        compiled = stmt.compile(s.get_bind(), compile_kwargs={"literal_binds": True})
        sql = f"{'EXPLAIN QUERY PLAN' if db.dialect == 'sqlite' else 'EXPLAIN'} {compiled}"
        plan = "\n".join(str(r) for r in s.execute(sa.text(sql)).all())
    assert ("invoice_text_fts" if db.dialect == "sqlite" else "ix_invoice_text_text_trgm") in plan, plan
    if db.dialect == "postgresql":
        assert ("~~*" in plan) == (q.lower() != q.upper()), plan
    assert search(db, q) == {two[0]}


def test_two_character_queries_read_the_bigram_index(db, two):
    with db.sessions() as s:
        if db.dialect == "postgresql":
            s.execute(sa.text("SET LOCAL enable_seqscan = off"))
            s.execute(sa.text("SET LOCAL enable_indexscan = off"))
        stmt = sa.select(Invoice.id).where(*_conditions(InvoiceFilters(q="北京"), db.dialect))
        compiled = stmt.compile(s.get_bind(), compile_kwargs={"literal_binds": True})
        sql = f"{'EXPLAIN QUERY PLAN' if db.dialect == 'sqlite' else 'EXPLAIN'} {compiled}"
        plan = "\n".join(str(r) for r in s.execute(sa.text(sql)).all())
    assert ("invoice_bigram_fts" if db.dialect == "sqlite" else "ix_invoice_bigrams_bigram_tsv") in plan, plan


def test_name_substrings_use_the_trigram_index_on_postgresql(db, two):
    """The seller/buyer substring condition as the search writes it (name ILIKE pattern) is served
    by migration 0004's GIN index (plain scans disabled: the table is tiny)."""
    if db.dialect != "postgresql":
        pytest.skip("the name trigram indexes exist on PostgreSQL only (SQLite scans the names)")
    with db.sessions() as s:
        s.execute(sa.text("SET LOCAL enable_seqscan = off"))
        s.execute(sa.text("SET LOCAL enable_indexscan = off"))
        stmt = sa.select(Invoice.id).where(*_conditions(InvoiceFilters(seller="文化传媒股份"), db.dialect))
        compiled = stmt.compile(s.get_bind(), compile_kwargs={"literal_binds": True})
        plan = "\n".join(str(r) for r in s.execute(sa.text(f"EXPLAIN {compiled}")).all())
    assert "ix_invoice_seller_name_trgm" in plan, plan


def test_q_over_http(api, db, blobs):
    doc = api.upload(("a.png", png_bytes(31))).json()["documents"][0]
    api.worker(db, blobs).run_once()
    (invoice_id,) = api.get(doc["status_url"]).json()["invoice_ids"]
    r = api.get("/api/v1/invoices", params={"q": "增值税专用"}, role="reviewer")
    assert r.status_code == 200, r.text
    assert [d["id"] for d in r.json()["data"]] == [invoice_id] and r.json()["count"] == 1
    assert api.get("/api/v1/invoices", params={"q": "不存在的文字"}).json() == {"data": [], "count": 0}
    assert api.get("/api/v1/invoices", params={"q": ""}).status_code == 422



def test_missing_sort_values_come_last_in_either_direction(db):
    from tests.test_models_archive import fv

    dated = {}
    for seed, date in enumerate(("2026-11-03", None, "2026-11-20", "2026-11-11"), start=10):
        doc = new_document(db, seed)
        extra = {"date": fv(date) if date else None, "invoice_number": fv(f"{seed:08d}"), "invoice_code": None}
        (inv,) = archive(db, doc, [found(special(**extra), lines=LINES_B)])
        dated[inv.id] = date

    def order(**kw) -> list:
        with db.sessions() as s:
            invoices, _ = search_invoices(session=s, filters=InvoiceFilters(**kw))
        return [dated[inv.id] for inv in invoices]

    assert order(sort="date") == ["2026-11-03", "2026-11-11", "2026-11-20", None]
    assert order(sort="-date") == ["2026-11-20", "2026-11-11", "2026-11-03", None]
    assert order(sort="-date", date_from="2026-11-05") == ["2026-11-20", "2026-11-11"]
    assert order(sort="-date", date_to="2026-11-15", limit=1) == ["2026-11-11"]


def test_seller_and_buyer_names_match_fuzzily_tax_ids_exactly(db):
    from api import search as search_module
    from tests.test_models_archive import fv

    search_module._names_cache.clear()  # the names of earlier tests' (emptied) tables

    names = {}
    for seed, (seller, buyer) in enumerate((("上海同创文化传媒股份有限公司", "北京瑞丰食品有限责任公司"),
                                            ("深圳市华南电子科技有限公司", "广州白云物流有限公司")), start=30):
        doc = new_document(db, seed)
        extra = {"seller_name": fv(seller), "buyer_name": fv(buyer), "invoice_number": fv(f"{seed:08d}")}
        (inv,) = archive(db, doc, [found(special(**extra), lines=LINES_B)])
        names[inv.id] = seller

    def sellers(**kw) -> set:
        with db.sessions() as s:
            invoices, count = search_invoices(session=s, filters=InvoiceFilters(**kw))
        assert count == len(invoices)
        return {names[inv.id] for inv in invoices}

    assert sellers(seller="同创文化") == {"上海同创文化传媒股份有限公司"}  # substring
    assert sellers(seller="同创文化传谋") == {"上海同创文化传媒股份有限公司"}  # one character misread
    assert sellers(seller="华南电子科枝") == {"深圳市华南电子科技有限公司"}
    assert sellers(seller="同刨") == set()  # too short to be fuzzy: substring only
    assert sellers(seller="西安秦川机械制造") == set()
    assert sellers(buyer="广州白云物硫") == {"深圳市华南电子科技有限公司"}
    assert sellers(buyer="白云物硫") == set()  # 4 characters, one wrong: 75 < the cutoff
    assert sellers(seller="91310112088711930N") == set(names.values())  # special()'s seller tax id, exact
    assert sellers(seller="91310112088711930n") == set(names.values())
    assert sellers(seller="91310112088711930X") == set()


def _add_seller(db, seed: int, seller: str):
    from tests.test_models_archive import fv

    doc = new_document(db, seed)
    extra = {"seller_name": fv(seller), "invoice_number": fv(f"{seed:08d}")}
    (inv,) = archive(db, doc, [found(special(**extra), lines=LINES_B)])
    return inv.id


def test_a_name_written_after_the_names_were_cached_is_found_at_once(db):
    from api import search as search_module

    search_module._names_cache.clear()

    first = _add_seller(db, 40, "上海同创文化传媒股份有限公司")
    assert search(db, None, seller="同创文化") == {first}  # the names are read (and cached) here
    later = _add_seller(db, 41, "成都天府软件有限公司")  # not among the cached names
    assert search(db, None, seller="天府软件") == {later}
    assert search(db, None, seller="有限公司") == {first, later}


def test_the_cached_names_are_refreshed_with_the_names_written_since(db, monkeypatch):
    from api import search as search_module

    search_module._names_cache.clear()

    first = _add_seller(db, 42, "上海同创文化传媒股份有限公司")
    assert search(db, None, seller="同创文化传谋") == {first}  # fuzzy: the names are read here
    (cached,) = search_module._names_cache.values()
    later = _add_seller(db, 43, "成都天府软件有限公司")
    assert search(db, None, seller="天府软件有限公") == {later}  # a substring of a name written since
    assert search(db, None, seller="成都天府软仵") == set()  # fuzzy needs the name listed: within NAMES_TTL
    monkeypatch.setattr(search_module, "NAMES_TTL", 0.0)
    assert search(db, None, seller="成都天府软仵") == {later}  # refreshed: found fuzzily too
    (refreshed,) = search_module._names_cache.values()
    assert refreshed.names[:len(cached.names)] == cached.names and "成都天府软件有限公司" in refreshed.names
    assert search(db, None, seller="同创文化传谋") == {first}


def test_sqlite_name_search_reads_the_name_and_updated_at_indexes_not_the_table(db):
    from api import search as search_module
    from tests.test_models_archive import fv

    if db.dialect != "sqlite":
        pytest.skip("PostgreSQL answers name substrings from its trigram indexes (test above)")
    search_module._names_cache.clear()
    doc = new_document(db, 50)
    archive(db, doc, [found(special(seller_name=fv("上海同创文化传媒股份有限公司")), lines=LINES_B)])
    with db.sessions() as s:
        conds = search_module.filter_conditions(session=s, filters=InvoiceFilters(seller="同创文化"))
        stmt = sa.select(Invoice.id).where(*conds)
        sql = f"EXPLAIN QUERY PLAN {stmt.compile(s.get_bind(), compile_kwargs={'literal_binds': True})}"
        plan = "\n".join(str(r) for r in s.execute(sa.text(sql)).all())
    assert "ix_invoice_seller_name" in plan and "ix_invoice_updated_at" in plan, plan
    assert "SCAN invoice" not in plan, plan


@pytest.mark.parametrize(("sort", "q"), [("-created_at", "增值税"), ("created_at", "增值"), ("-total", "增值税"),
                                        ("total", "增值"), ("-date", "值税"), ("invoice_number", "值税")])
def test_reading_a_broad_match_in_sort_order_gives_the_same_page(db, monkeypatch, sort, q):
    from api import search as search_module
    from tests.test_models_archive import fv

    for seed in range(60, 72):
        doc = new_document(db, seed, at=datetime(2026, 11, 1, tzinfo=UTC) + timedelta(hours=seed % 5))
        extra = {"invoice_number": fv(f"{seed * 7 % 13:08d}"), "total": fv(f"{seed * 37 % 101}.00")}
        archive(db, doc, [found(special(**extra), lines=LINES_A if seed % 3 else LINES_B)],
                now=datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=seed * 7 % 11))
    with db.sessions() as s:  # a third without a date or total: they come last, read in a second walk
        s.execute(sa.update(Invoice).where(col(Invoice.invoice_number).in_(["00000000", "00000003", "00000006",
                                                                            "00000009"]))
                  .values(date=None, total=None))
        s.commit()

    def page(**kw) -> tuple[list, int]:
        with db.sessions() as s:
            invoices, count = search_invoices(session=s, filters=InvoiceFilters(q=q, sort=sort, **kw))
        return [inv.id for inv in invoices], count

    sorted_all = [page(limit=5, offset=o) for o in (0, 5, 10)]
    real_walk = search_module._walk
    monkeypatch.setattr(search_module, "BROAD", 1)  # every match set counts as broad: the index is walked
    if db.dialect == "sqlite":  # the page is read along the sort column's index
        with db.sessions() as s:
            f = InvoiceFilters(q=q, sort=sort)
            assert search_module._walk_sort_index(f, 12)
            stmt = sa.select(Invoice.id).where(*search_module.filter_conditions(session=s, filters=f, walk=True))
            stmt = stmt.order_by(getattr(Invoice, sort.lstrip("-")), Invoice.id).limit(5)
            sql = f"EXPLAIN QUERY PLAN {stmt.compile(s.get_bind(), compile_kwargs={'literal_binds': True})}"
            plan = "\n".join(str(r) for r in s.execute(sa.text(sql)).all())
            assert f"INDEX ix_invoice_{sort.lstrip('-')}" in plan, plan
    walked = []
    monkeypatch.setattr(search_module, "_walk", lambda *a, **kw: walked.append(1) or real_walk(*a, **kw))
    assert [page(limit=5, offset=o) for o in (0, 5, 10)] == sorted_all
    assert len(walked) == 3
    assert sorted_all[0][1] == 12 and len({i for ids, _ in sorted_all for i in ids}) == 12


def test_the_service_reads_the_archived_names_at_start(db, data_dir, caplog):
    from fastapi.testclient import TestClient

    from api import search as search_module
    from api.app import create_app
    from tests.db_fixtures import VAT_SPECIAL_LINES, FakeEngine
    from tests.test_api_fixtures import api_settings
    from tests.test_models_archive import fv

    doc = new_document(db, 44)
    archive(db, doc, [found(special(seller_name=fv("上海同创文化传媒股份有限公司")), lines=LINES_B)])
    search_module._names_cache.clear()
    with TestClient(create_app(api_settings(db, data_dir), ocr_engine=FakeEngine(VAT_SPECIAL_LINES))):
        deadline = time.monotonic() + 20
        while len(search_module._names_cache) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    sellers = next(v for k, v in search_module._names_cache.items() if k[1] == "seller_name")
    assert "上海同创文化传媒股份有限公司" in sellers.names

    def broken():
        raise RuntimeError("database gone")

    search_module.warm_names(broken)  # best effort: logged, not raised
    assert "reading the archived names ahead failed" in caplog.text


def test_the_names_are_read_again_so_names_no_longer_archived_leave_the_list(db):
    import threading

    from api import search as search_module

    search_module._names_cache.clear()
    kept = _add_seller(db, 48, "上海同创文化传媒股份有限公司")
    corrected = _add_seller(db, 49, "成都天府软件有限公司")
    assert search(db, None, seller="天府软件") == {corrected}  # the names are read (and cached) here
    with db.sessions() as s:  # a person corrects the name (or the invoice goes): the old name is no longer archived
        s.execute(sa.update(Invoice).where(Invoice.id == corrected).values(seller_name="成都天府科技有限公司"))
        s.commit()

    def listed() -> list[str]:
        return next(v for k, v in search_module._names_cache.items() if k[1] == "seller_name").names

    assert "成都天府软件有限公司" in listed()  # a search only adds the names written since
    stop = threading.Event()
    thread = threading.Thread(target=search_module.warm_names, args=(db.sessions, stop), kwargs={"every": 0.02})
    thread.start()
    try:
        _add_seller(db, 50, "杭州西湖茶业有限公司")
        deadline = time.monotonic() + 20
        while "杭州西湖茶业有限公司" not in listed() and time.monotonic() < deadline:  # read again, repeatedly
            time.sleep(0.02)
        assert "杭州西湖茶业有限公司" in listed()
        assert "成都天府软件有限公司" not in listed() and "成都天府科技有限公司" in listed()
    finally:
        stop.set()
        thread.join(timeout=20)
    assert not thread.is_alive()  # the service's shutdown ends the thread
    assert search(db, None, seller="同创文化") == {kept}


def test_a_name_search_pages_with_the_exact_count(db):
    from api import search as search_module
    from tests.test_models_archive import fv

    search_module._names_cache.clear()
    ids = []
    for seed in range(45, 48):
        doc = new_document(db, seed, at=datetime(2026, 11, 1, tzinfo=UTC) + timedelta(hours=seed))
        extra = {"seller_name": fv(f"上海同创文化传媒{seed}有限公司"), "invoice_number": fv(f"{seed:08d}")}
        (inv,) = archive(db, doc, [found(special(**extra), lines=LINES_B)], now=doc.created_at)
        ids.append(inv.id)

    def page(offset: int) -> tuple[list, int]:
        with db.sessions() as s:
            invoices, count = search_invoices(session=s, filters=InvoiceFilters(
                seller="同创文化", sort="created_at", limit=2, offset=offset))
        return [inv.id for inv in invoices], count

    assert page(0) == (ids[:2], 3)
    assert page(2) == (ids[2:], 3)
    assert page(5) == ([], 3)  # past the last match: still the count
