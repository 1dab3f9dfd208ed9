"""The upload path: checked before anything is written, blob first, then Document + Job in one commit."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from capture.errors import CaptureError
from capture.load import LoadLimits
from models import AuditEvent, Document, Job, JobStatus
from models.db import make_engine, make_sessions
from models.ingest import accept_upload
from tests.conftest import BAD, SAMPLES
from tests.db_fixtures import png_bytes

pytestmark = pytest.mark.db
T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
LIMITS = LoadLimits()


def upload(db, blobs, data, limits=LIMITS, **kw):
    args = {"filename": "a.png", "source": "scanner", "station": "desk-1", "uploader": None, "limits": limits,
            "now": T0, **kw}
    with db.sessions() as s:
        return accept_upload(s, blobs, data, **args)


def counts(db) -> tuple[int, int, int]:
    with db.sessions() as s:
        return tuple(len(s.exec(select(t)).all()) for t in (Document, Job, AuditEvent))


def blob_files(blobs) -> list:
    return [p for p in blobs.root.rglob("*") if p.is_file()] if blobs.root.exists() else []


def test_accepted_upload_is_on_disk_and_committed_before_return(db, blobs):
    data = png_bytes(1)
    acc = upload(db, blobs, data)
    assert acc.created and acc.job.status is JobStatus.QUEUED
    assert blobs.path(acc.document.sha256).read_bytes() == data  # the original, durable
    other = make_engine(db.url)  # a different connection sees the committed rows
    try:
        with make_sessions(other)() as s:
            doc = s.get(Document, acc.document.id)
            job = s.exec(select(Job).where(Job.document_id == doc.id)).one()
            event = s.exec(select(AuditEvent)).one()
    finally:
        other.dispose()
    assert (doc.media_type, doc.size, doc.pages, doc.source.value, doc.station, doc.filename) == (
        "image/png", len(data), 1, "scanner", "desk-1", "a.png")
    assert job.id == acc.job.id and job.status is JobStatus.QUEUED and job.next_run_at == T0
    assert (event.action, event.entity, event.entity_id) == ("upload", "document", str(doc.id))


def test_same_bytes_again_return_the_existing_document(db, blobs):
    first = upload(db, blobs, png_bytes(2), filename="scan.png")
    again = upload(db, blobs, png_bytes(2), filename="other-name.png", source="mobile")
    assert not again.created
    assert (again.document.id, again.job.id) == (first.document.id, first.job.id)
    assert again.document.filename == "scan.png"
    assert counts(db) == (1, 1, 1) and len(blob_files(blobs)) == 1


def test_concurrent_uploads_of_the_same_bytes_make_one_document(db, blobs):
    data, results, errors = png_bytes(3), [], []
    barrier = threading.Barrier(4)

    def run():
        try:
            barrier.wait()
            results.append(upload(db, blobs, data))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(r.created for r in results) == [False, False, False, True]
    assert len({r.document.id for r in results}) == 1 and len({r.job.id for r in results}) == 1
    assert counts(db)[:2] == (1, 1)


def test_pdf_pages_are_counted(db, blobs):
    acc = upload(db, blobs, (SAMPLES / "multipage_pdf.pdf").read_bytes(), filename="two.pdf")
    assert (acc.document.media_type, acc.document.pages) == ("application/pdf", 2)


@pytest.mark.parametrize(
    ("data", "limits", "code"),
    [
        ((BAD / "empty.jpg").read_bytes(), LIMITS, "empty_file"),
        ((BAD / "not_an_image.jpg").read_bytes(), LIMITS, "unsupported_type"),
        ((BAD / "truncated.jpg").read_bytes(), LIMITS, "unreadable"),
        ((BAD / "bomb.png").read_bytes(), LIMITS, "too_large"),
        (png_bytes(4), replace(LIMITS, max_bytes=1000), "too_large"),
        ((SAMPLES / "multipage_tiff.tif").read_bytes(), replace(LIMITS, max_pages=1), "too_large"),
        ((SAMPLES / "multipage_pdf.pdf").read_bytes(), replace(LIMITS, max_pages=1), "too_large"),
    ],
    ids=["empty", "text", "truncated", "bomb", "bytes", "tiff-pages", "pdf-pages"],
)
def test_bad_uploads_raise_typed_errors_and_leave_nothing(db, blobs, data, limits, code):
    with pytest.raises(CaptureError) as caught:
        upload(db, blobs, data, limits=limits)
    assert caught.value.code == code and caught.value.detail
    assert counts(db) == (0, 0, 0)
    assert blob_files(blobs) == []


def test_a_failing_commit_leaves_no_rows(db, blobs, monkeypatch):
    import models.ingest

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(models.ingest, "enqueue", broken)
    with pytest.raises(RuntimeError):
        upload(db, blobs, png_bytes(5))
    assert counts(db) == (0, 0, 0)
    # the blob may stay (content-addressed, harmless); the next upload of these bytes completes normally
    monkeypatch.undo()
    assert upload(db, blobs, png_bytes(5)).created


def test_the_acknowledgment_decodes_no_pixels(db, blobs, monkeypatch):
    """Contract change (issue 3): the upload checks headers only; the full decode is the worker's."""
    import capture.load

    def no_decoding(*args, **kwargs):
        raise AssertionError("the upload decoded the file")

    monkeypatch.setattr(capture.load, "load_pages", no_decoding)
    monkeypatch.setattr(capture.load, "_to_bgr", no_decoding)
    monkeypatch.setattr(capture.load, "_render_pdf_page", no_decoding)
    for name in ["multipage_pdf.pdf", "multipage_tiff.tif", "scan_vat_special_150dpi.png", "phone_vat_special.jpg"]:
        acc = upload(db, blobs, (SAMPLES / name).read_bytes(), filename=name)
        assert acc.created and acc.document.pages == (2 if name.startswith("multipage") else 1), name
