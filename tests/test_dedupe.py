"""Near-identical page images: the perceptual hash (pure), its banded lookup, the archive flag and the worker path."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest
from sqlmodel import select

from capture.load import load_pages
from capture.phash import NEAR_DISTANCE, bands, hamming, page_hash, to_signed, to_unsigned
from models import Document, Invoice, InvoiceIssue
from models.archive import archive_result
from models.documents import PageHash
from models.invoices import NEAR_DUPLICATE
from tests.conftest import SAMPLES
from tests.db_fixtures import FakeEngine
from tests.test_api_fixtures import api_fixture  # noqa: F401  (the ``api`` fixture)
from tests.test_models_archive import T0, found, new_document, rows_of, special

FORM_A, FORM_B = SAMPLES / "scan_vat_special_150dpi.png", SAMPLES / "scan_vat_special_200dpi.png"


def image(path) -> np.ndarray:
    return load_pages(path.read_bytes())[0].image


def reencoded(img: np.ndarray, quality: int = 60, scale: float = 0.7) -> bytes:
    h, w = img.shape[:2]
    small = cv2.resize(img, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)
    return cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes()


# ------------------------------------------------------------------------------------------ pure


def test_copies_of_a_page_are_near_and_other_invoices_on_the_same_form_are_not():
    a = image(FORM_A)
    h = page_hash(a)
    assert 0 <= h < 2**64 and page_hash(a) == h  # deterministic
    copy = cv2.imdecode(np.frombuffer(reencoded(a), np.uint8), cv2.IMREAD_COLOR)
    brighter = cv2.convertScaleAbs(a, alpha=0.9, beta=15)
    assert hamming(h, page_hash(copy)) <= NEAR_DISTANCE
    assert hamming(h, page_hash(brighter)) <= NEAR_DISTANCE
    assert hamming(h, page_hash(cv2.cvtColor(a, cv2.COLOR_BGR2GRAY))) == 0
    assert hamming(h, page_hash(image(FORM_B))) > NEAR_DISTANCE  # another invoice, same form


def test_hashes_within_the_distance_share_a_band():
    rng = random.Random(7)
    for _ in range(500):
        h = rng.getrandbits(64)
        flipped = h
        for bit in rng.sample(range(64), NEAR_DISTANCE):
            flipped ^= 1 << bit
        assert hamming(h, flipped) == NEAR_DISTANCE
        assert any(x == y for x, y in zip(bands(h), bands(flipped), strict=True))


@pytest.mark.parametrize("h", [0, 1, 2**63 - 1, 2**63, 2**64 - 1, 0x8000_0000_0000_0001])
def test_signed_storage_round_trips(h):
    assert -(2**63) <= to_signed(h) < 2**63 and to_unsigned(to_signed(h)) == h


# ------------------------------------------------------------------------------------------ archive

NO_KEY = {"invoice_number": None, "invoice_code": None}  # no business key: only the image can tell


def archived(db, seed: int, h: int | None, *, at=T0, doc=None):
    doc = doc or new_document(db, seed, at)
    with db.sessions() as s:
        (inv,) = archive_result(s, document=s.get(Document, doc.id), pages=1, found=[found(special(**NO_KEY))],
                                now=at, hashes=None if h is None else {1: h})
        s.commit()
    return doc, inv


@pytest.mark.db
def test_a_near_identical_page_of_another_document_is_flagged(db):
    from datetime import timedelta

    from api.search import InvoiceFilters, search_invoices

    h = 0xF0F0_1234_5678_9ABC
    doc1, first = archived(db, 1, h)
    doc2, second = archived(db, 2, h ^ 0b1001, at=T0 + timedelta(minutes=1))  # 2 bits apart
    _, other = archived(db, 3, h ^ 0xFF00_0000_0000_00FF, at=T0 + timedelta(minutes=2))  # 16 bits apart
    with db.sessions() as s:
        first, second, other = (s.get(Invoice, i.id) for i in (first, second, other))
        (issue,) = s.exec(select(InvoiceIssue).where(InvoiceIssue.code == NEAR_DUPLICATE)).all()
        dup_ids = {i.id for i in search_invoices(session=s, filters=InvoiceFilters(duplicate=True))[0]}
        clean = {i.id for i in search_invoices(session=s, filters=InvoiceFilters(duplicate=False))[0]}
    assert second.near_duplicate_of == first.id and second.status.value == "needs_review"
    assert first.near_duplicate_of is None and other.near_duplicate_of is None and second.duplicate_of is None
    assert issue.invoice_id == second.id and issue.severity == "warning"
    assert issue.detail == {"near_duplicate_of": str(first.id), "document_id": str(doc1.id), "page": 1, "distance": 2}
    assert dup_ids == {second.id} and clean == {first.id, other.id}
    assert {r.page: to_unsigned(r.phash) for r in rows_of(db, PageHash, document_id=doc2.id)} == {1: h ^ 0b1001}

    # re-capturing the first upload does not make it a copy of the later one
    archived(db, 1, h, doc=doc1)
    assert rows_of(db, Invoice, id=first.id)[0].near_duplicate_of is None
    # re-capturing without new hashes keeps using the stored ones
    archived(db, 2, None, doc=doc2, at=T0 + timedelta(minutes=1))
    assert rows_of(db, Invoice, id=second.id)[0].near_duplicate_of == first.id
    assert len(rows_of(db, PageHash)) == 3


@pytest.mark.db
def test_the_worker_flags_a_re_encoded_scan(api, db, blobs):
    """The hash is computed in the worker from the decoded page; the upload only stores the bytes."""
    lines = [("上海增值税专用发票", 200, 10), ("购买方名称：上海瑞丰食品有限责任公司", 40, 60)]
    worker = api.worker(db, blobs, FakeEngine(lines))
    original = FORM_A.read_bytes()
    uploads = [("a.png", original), ("a-copy.jpg", reencoded(image(FORM_A))), ("b.png", FORM_B.read_bytes())]
    ids = []
    for name, data in uploads:
        doc = api.upload((name, data)).json()["documents"][0]
        assert worker.run_once().status.value == "done"
        (invoice_id,) = api.get(doc["status_url"]).json()["invoice_ids"]
        ids.append(invoice_id)
    first, copy, other = (api.get(f"/api/v1/invoices/{i}").json() for i in ids)
    assert copy["near_duplicate_of"] == first["id"]
    assert copy["duplicate_of"] == first["id"]  # its QR code carries the same business key: flagged both ways
    assert [i["code"] for i in copy["issues"] if i["code"] == NEAR_DUPLICATE] == [NEAR_DUPLICATE]
    assert first["near_duplicate_of"] is None and other["near_duplicate_of"] is None and other["duplicate_of"] is None
    listed = api.get("/api/v1/invoices", params={"duplicate": "true"}, role="auditor").json()
    assert [d["id"] for d in listed["data"]] == [copy["id"]] and listed["data"][0]["near_duplicate_of"] == first["id"]
