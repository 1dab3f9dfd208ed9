"""The schema: migrations create exactly what the tables declare; column types behave the same on both databases."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel, select

from models import ApiKey, AuditEvent, Document, Invoice, Job, Role
from models.archive import FULLTEXT_OBJECTS, include_name
from models.audit import ApiKeyCreate, create_api_key, find_api_key, hash_key
from models.db import current_revision, head_revision, make_engine, migrate, sqlite_url
from models.documents import DocumentSource, JobStatus
from models.invoices import InvoicePublic, VerificationStatus

pytestmark = pytest.mark.db
T0 = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)


def test_migration_creates_what_the_metadata_declares(db):
    with db.engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names()) - {"alembic_version"} - FULLTEXT_OBJECTS
        opts = {"compare_type": True, "include_name": include_name}  # the full-text index is not in the metadata
        diff = compare_metadata(MigrationContext.configure(conn, opts=opts), SQLModel.metadata)
    assert tables == set(SQLModel.metadata.tables)
    assert diff == []
    assert current_revision(db.engine) == head_revision() is not None


def test_migrate_again_is_a_no_op(db):
    with db.sessions() as s:
        s.add(AuditEvent(actor="t", action="a", entity="e", entity_id="1", at=T0))
        s.commit()
    migrate(db.url)
    with db.sessions() as s:
        assert len(s.exec(select(AuditEvent)).all()) == 1


def test_concurrent_first_migrations_on_sqlite(tmp_path):
    url = sqlite_url(tmp_path)
    errors: list[BaseException] = []

    def run():
        try:
            migrate(url)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    engine = make_engine(url)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def _document(sha: str = "a" * 64, **kw) -> Document:
    return Document(**{"sha256": sha, "media_type": "image/png", "size": 10, "pages": 1, "created_at": T0, **kw})


def test_types_round_trip(db):
    shanghai = timezone(timedelta(hours=8))
    with db.sessions() as s:
        doc = _document(source=DocumentSource.MOBILE)
        s.add(doc)
        s.flush()
        s.add(Invoice(document_id=doc.id, page=1, date=date(2026, 11, 12), total=Decimal("326689.00"),
                      amount_excl_tax=Decimal("9999999999.99"), tax=Decimal("0.01"), created_at=T0,
                      updated_at=datetime(2026, 11, 20, 16, 30, tzinfo=shanghai), qr={"raw": "01,01,发票"}))
        s.commit()
    with db.sessions() as s:
        inv = s.exec(select(Invoice)).one()
        doc = s.get(Document, inv.document_id)
    assert doc.source is DocumentSource.MOBILE
    assert inv.created_at == T0 and inv.created_at.tzinfo is not None
    assert inv.updated_at == T0  # 16:30 +08:00 is 08:30 UTC
    assert (inv.total, inv.amount_excl_tax, inv.tax) == (Decimal("326689.00"), Decimal("9999999999.99"),
                                                         Decimal("0.01"))
    assert inv.date == date(2026, 11, 12) and inv.qr == {"raw": "01,01,发票"}
    assert inv.status.value == "needs_review" and inv.verification_status is VerificationStatus.NOT_CHECKED
    public = InvoicePublic.model_validate(inv).model_dump(mode="json")
    assert public["total"] == "326689.00" and public["document_id"] == str(doc.id)


def test_naive_datetimes_are_refused(db):
    with db.sessions() as s, pytest.raises(sa.exc.StatementError, match="naive datetime"):
        s.add(_document(created_at=datetime(2026, 1, 1)))
        s.commit()


def test_foreign_keys_are_enforced_and_cascade(db):
    with db.sessions() as s:
        doc = _document()
        s.add(doc)
        s.flush()
        s.add(Job(document_id=doc.id, next_run_at=T0, created_at=T0, updated_at=T0))
        s.commit()
    with db.sessions() as s, pytest.raises(sa.exc.IntegrityError):
        s.add(Job(document_id=Invoice().id, next_run_at=T0, created_at=T0, updated_at=T0))
        s.commit()
    with db.sessions() as s:
        s.exec(sa.delete(Document))
        s.commit()
        assert s.exec(select(Job)).all() == []


def test_sha256_is_unique(db):
    with db.sessions() as s, pytest.raises(sa.exc.IntegrityError):
        s.add(_document())
        s.add(_document(sha="a" * 64))
        s.commit()


def test_api_keys_store_only_a_hash(db):
    with db.sessions() as s:
        key, secret = create_api_key(session=s, key_in=ApiKeyCreate(name="scanner 1", role=Role.SCANNER), now=T0)
        s.commit()
    assert secret.startswith("ic_") and len(secret) > 40 and key.prefix == secret[:10]
    with db.sessions() as s:
        stored = s.exec(select(ApiKey)).one()
        assert stored.key_hash == hash_key(secret) and secret not in stored.model_dump_json()
        assert find_api_key(session=s, secret=secret).id == key.id
        assert find_api_key(session=s, secret=secret + "x") is None
        assert find_api_key(session=s, secret="") is None
        stored.revoked_at = T0
        s.add(stored)
        s.commit()
        assert find_api_key(session=s, secret=secret) is None


def test_job_status_values_are_stored_as_plain_strings(db):
    with db.sessions() as s:
        doc = _document()
        s.add(doc)
        s.flush()
        s.add(Job(document_id=doc.id, next_run_at=T0, created_at=T0, updated_at=T0, status=JobStatus.RUNNING))
        s.commit()
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT status FROM job")).scalar() == "running"


def test_in_memory_sqlite_for_quick_tests():
    from models.db import make_sessions, migrate_engine

    engine = make_engine("sqlite://")
    migrate_engine(engine)
    with make_sessions(engine)() as s:
        s.add(_document())
        s.commit()
    with make_sessions(engine)() as s:  # one shared connection: the data is still there
        assert s.exec(select(Document)).one().sha256 == "a" * 64
    engine.dispose()
