"""Upload, status, original file and reprocess through HTTP (fake OCR; the real engine is in test_api_invoices)."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from api.app import create_app
from models import AuditEvent, Document, Job, JobStatus
from models.db import make_engine, make_sessions
from tests.conftest import BAD
from tests.db_fixtures import VAT_SPECIAL_LINES, FakeEngine, png_bytes
from tests.test_api_fixtures import api_fixture, api_settings, make_keys  # noqa: F401  (api_fixture: api)

pytestmark = pytest.mark.db


def rows(db) -> tuple[list[Document], list[Job]]:
    """What another connection sees committed."""
    other = make_engine(db.url)
    try:
        with make_sessions(other)() as s:
            return list(s.exec(select(Document)).all()), list(s.exec(select(Job)).all())
    finally:
        other.dispose()


def blob_files(blobs) -> list:
    return [p for p in blobs.root.rglob("*") if p.is_file()] if blobs.root.exists() else []


def test_upload_is_committed_and_on_disk_when_acknowledged(api, db, blobs):
    data = png_bytes(1)
    r = api.upload(("scan 1.png", data), source="scanner", station="desk-7")
    assert r.status_code == 202, r.text
    (doc,) = r.json()["documents"]
    assert set(doc) == {"id", "job_id", "status", "status_url", "file", "created"}
    assert (doc["status"], doc["status_url"], doc["file"], doc["created"]) == (
        "queued", f"/api/v1/documents/{doc['id']}", "scan 1.png", True)
    (document,), (job,) = rows(db)
    assert (str(document.id), str(job.id), job.status) == (doc["id"], doc["job_id"], JobStatus.QUEUED)
    assert (document.source.value, document.station, document.filename) == ("scanner", "desk-7", "scan 1.png")
    assert blobs.path(document.sha256).read_bytes() == data
    status = api.get(doc["status_url"], "scanner").json()
    assert status == {"id": doc["id"], "job_id": doc["job_id"], "status": "queued", "error": None,
                      "invoice_ids": []}


def test_the_same_bytes_again_return_the_existing_document(api, db):
    first = api.upload(("a.png", png_bytes(2))).json()["documents"][0]
    r = api.upload(("renamed.png", png_bytes(2)))
    assert r.status_code == 200, r.text
    (again,) = r.json()["documents"]
    assert (again["id"], again["job_id"], again["created"]) == (first["id"], first["job_id"], False)
    documents, jobs = rows(db)
    assert len(documents) == 1 and len(jobs) == 1


def test_a_batch_of_files(api, db):
    r = api.upload(("a.png", png_bytes(3)), ("b.png", png_bytes(4)), ("a-again.png", png_bytes(3)))
    assert r.status_code == 202, r.text
    docs = r.json()["documents"]
    assert [d["created"] for d in docs] == [True, True, False] and docs[0]["id"] == docs[2]["id"]
    assert len(rows(db)[0]) == 2


@pytest.mark.parametrize(("name", "status", "code"), [
    ("not_an_image.jpg", 415, "unsupported_type"),
    ("truncated.jpg", 422, "unreadable"),
    ("empty.jpg", 422, "empty_file"),
    ("bomb.png", 413, "too_large"),
])
def test_a_bad_file_is_refused_and_nothing_is_stored(api, db, blobs, name, status, code):
    r = api.upload((name, (BAD / name).read_bytes()))
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert (error["code"], error["file"]) == (code, name) and error["detail"]
    assert rows(db) == ([], []) and blob_files(blobs) == []


def test_a_file_over_the_byte_limit_is_413(db, data_dir, blobs):
    settings = api_settings(db, data_dir, max_upload_bytes=1000)
    with TestClient(create_app(settings, ocr_engine=FakeEngine())) as client:
        keys = make_keys(db)
        r = client.post("/api/v1/documents", headers={"X-API-Key": keys["scanner"]},
                        files=[("files", ("big.png", png_bytes(5), "image/png"))])
    assert r.status_code == 413, r.text
    assert r.json()["error"]["code"] == "too_large" and r.json()["error"]["file"] == "big.png"
    assert rows(db) == ([], []) and blob_files(blobs) == []


def test_a_batch_with_bad_files_keeps_the_good_ones(api, db):
    r = api.upload(("good.png", png_bytes(6)), ("bad.jpg", (BAD / "not_an_image.jpg").read_bytes()))
    assert r.status_code == 202, r.text
    good, bad = r.json()["documents"]
    assert good["created"] and good["file"] == "good.png"
    assert bad == {"file": "bad.jpg", "error": {"code": "unsupported_type", "detail": bad["error"]["detail"],
                                                "file": "bad.jpg"}}
    assert [str(d.id) for d in rows(db)[0]] == [good["id"]]


def test_a_batch_of_only_bad_files_has_the_first_error_status(api, db):
    r = api.upload(("t.jpg", (BAD / "truncated.jpg").read_bytes()), ("n.jpg", (BAD / "not_an_image.jpg").read_bytes()))
    assert r.status_code == 422, r.text
    body = r.json()
    assert (body["error"]["code"], body["error"]["file"]) == ("unreadable", "t.jpg")
    assert [d["error"]["code"] for d in body["documents"]] == ["unreadable", "unsupported_type"]
    assert rows(db) == ([], [])


def test_bad_form_fields_and_no_files_are_422(api):
    r = api.upload(("a.png", png_bytes(8)), source="fax")
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"
    assert "source" in r.json()["error"]["detail"]
    r = api.post("/api/v1/documents", "scanner", data={"source": "api"})
    assert r.status_code == 422 and "files" in r.json()["error"]["detail"]


def test_the_original_file(api):
    data = png_bytes(9)
    doc = api.upload(("orig.png", data)).json()["documents"][0]
    r = api.get(f"{doc['status_url']}/file", "reviewer")
    assert r.status_code == 200 and r.content == data
    assert r.headers["content-type"] == "image/png" and "orig.png" in r.headers["content-disposition"]
    missing = api.get("/api/v1/documents/00000000-0000-0000-0000-000000000000/file")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "document_not_found"


def test_processing_and_reprocess(api, db, blobs):
    doc = api.upload(("inv.png", png_bytes(10))).json()["documents"][0]
    job = api.worker(db, blobs).run_once()
    assert job.status is JobStatus.DONE
    status = api.get(doc["status_url"], "scanner").json()
    assert status["status"] == "done" and len(status["invoice_ids"]) == 1
    r = api.post(f"{doc['status_url']}/reprocess", "reviewer")
    assert r.status_code == 202, r.text
    assert r.json() == {"id": doc["id"], "job_id": doc["job_id"], "status": "queued", "status_url": doc["status_url"]}
    assert api.get(doc["status_url"], "scanner").json()["status"] == "queued"
    with db.sessions() as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "reprocess")).one()
    assert event.entity_id == doc["id"] and event.actor.startswith("key:")
    assert api.worker(db, blobs).run_once().status is JobStatus.DONE
    assert api.get(doc["status_url"]).json()["invoice_ids"] == status["invoice_ids"]  # same invoice id kept


def test_a_failed_job_reports_its_error(api, db, blobs):
    from capture.errors import OcrEngineError

    doc = api.upload(("inv.png", png_bytes(11))).json()["documents"][0]
    api.worker(db, blobs, FakeEngine(error=OcrEngineError("the OCR model could not be loaded"))).run_once()
    status = api.get(doc["status_url"]).json()
    assert status["status"] == "failed"
    assert status["error"] == {"code": "ocr_failed", "detail": "the OCR model could not be loaded"}


def test_the_embedded_worker_thread_captures_uploads(db, data_dir):
    settings = api_settings(db, data_dir, embedded_worker=True, worker_process=False, worker_poll_seconds=0.05)
    with TestClient(create_app(settings, ocr_engine=FakeEngine(VAT_SPECIAL_LINES))) as client:
        headers = {"X-API-Key": make_keys(db)["admin"]}
        r = client.post("/api/v1/documents", headers=headers, files=[("files", ("a.png", png_bytes(12), "image/png"))])
        assert r.status_code == 202, r.text
        url, deadline = r.json()["documents"][0]["status_url"], time.monotonic() + 30
        while (status := client.get(url, headers=headers).json())["status"] != "done":
            assert status["status"] in ("queued", "running") and time.monotonic() < deadline, status
            time.sleep(0.05)
    assert len(status["invoice_ids"]) == 1


# ------------------------------------------------------------------------------------------ Idempotency-Key


def test_an_idempotency_key_replays_the_first_response(api, db):
    headers = {**api.headers("scanner"), "Idempotency-Key": "batch-0001"}
    files = [("files", ("a.png", png_bytes(41), "image/png")), ("files", ("b.png", png_bytes(42), "image/png"))]
    first = api.client.post("/api/v1/documents", headers=headers, files=files, data={"station": "desk-1"})
    assert first.status_code == 202, first.text
    again = api.client.post("/api/v1/documents", headers=headers, files=files, data={"station": "desk-1"})
    assert again.status_code == 202 and again.json() == first.json()  # the first response, "created" and all
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    documents, jobs = rows(db)
    assert len(documents) == 2 and len(jobs) == 2
    with db.sessions() as s:  # nothing recorded for the replay (no reupload event)
        assert [e.action for e in s.exec(select(AuditEvent)).all()] == ["upload", "upload"]


def test_a_reused_idempotency_key_with_another_request_is_refused(api, db):
    headers = {**api.headers("scanner"), "Idempotency-Key": "k-1"}
    one = [("files", ("a.png", png_bytes(43), "image/png"))]
    assert api.client.post("/api/v1/documents", headers=headers, files=one).status_code == 202
    for files, form in [([("files", ("a.png", png_bytes(44), "image/png"))], {}),  # other bytes
                        (one, {"station": "desk-9"})]:  # other form fields
        r = api.client.post("/api/v1/documents", headers=headers, files=files, data=form)
        assert r.status_code == 422, r.text
        assert r.json()["error"]["code"] == "idempotency_key_reused" and "k-1" in r.json()["error"]["detail"]
    assert len(rows(db)[0]) == 1  # nothing new stored


def test_idempotency_keys_are_per_api_key_and_refusals_are_not_remembered(api, db):
    data = png_bytes(45)
    for role in ("scanner", "scanner2"):
        r = api.client.post("/api/v1/documents", headers={**api.headers(role), "Idempotency-Key": "same"},
                            files=[("files", ("a.png", data, "image/png"))])
        assert r.status_code == (202 if role == "scanner" else 200), r.text  # scanner2: a normal re-upload
        assert "Idempotent-Replayed" not in r.headers
    headers = {**api.headers("scanner"), "Idempotency-Key": "bad-then-good"}
    bad = api.client.post("/api/v1/documents", headers=headers, files=[("files", ("t.jpg", b"not an image", "x/y"))])
    assert bad.status_code == 415
    good = api.client.post("/api/v1/documents", headers=headers, files=[("files", ("a.png", png_bytes(46), "i/p"))])
    assert good.status_code == 202, good.text
    too_long = {**api.headers("scanner"), "Idempotency-Key": "x" * 256}
    assert api.client.post("/api/v1/documents", headers=too_long,
                           files=[("files", ("a.png", png_bytes(47), "i/p"))]).status_code == 422


def test_an_expired_idempotency_key_is_forgotten(api, db):
    from datetime import timedelta

    from models.documents import IdempotencyKey
    from models.ingest import IDEMPOTENCY_TTL

    headers = {**api.headers("scanner"), "Idempotency-Key": "old"}
    api.client.post("/api/v1/documents", headers=headers, files=[("files", ("a.png", png_bytes(48), "i/p"))])
    with db.sessions() as s:
        row = s.exec(select(IdempotencyKey)).one()
        row.created_at = row.created_at - IDEMPOTENCY_TTL - timedelta(seconds=1)
        s.add(row)
        s.commit()
    r = api.client.post("/api/v1/documents", headers=headers, files=[("files", ("b.png", png_bytes(49), "i/p"))])
    assert r.status_code == 202 and "Idempotent-Replayed" not in r.headers


# ------------------------------------------------------------------------------------------ cheap acknowledgment


def test_corruption_inside_a_whole_file_fails_the_job_not_the_upload(api, db, blobs):
    """The upload checks headers only (no decode): a PNG whose chunks are intact (CRCs recomputed) but whose
    compressed data is garbage is acknowledged, and its job fails with ``unreadable``."""
    import struct
    import zlib

    data = bytearray(png_bytes(50))
    at = data.find(b"IDAT")
    length = struct.unpack_from(">I", data, at - 4)[0]
    data[at + 4 + 20:at + 4 + length] = b"\x55" * (length - 20)
    data[at + 4 + length:at + 8 + length] = struct.pack(">I", zlib.crc32(bytes(data[at:at + 4 + length])))
    r = api.upload(("broken.png", bytes(data)))
    assert r.status_code == 202, r.text
    doc = r.json()["documents"][0]
    assert api.worker(db, blobs).run_once().status is JobStatus.FAILED
    status = api.get(doc["status_url"]).json()
    assert status["status"] == "failed" and status["error"]["code"] == "unreadable", status
    # a damaged byte that the chunk CRC catches is refused at upload, with nothing stored
    data[at + 30] ^= 0xFF
    r = api.upload(("damaged.png", bytes(data)))
    assert r.status_code == 422 and r.json()["error"]["code"] == "unreadable", r.text
