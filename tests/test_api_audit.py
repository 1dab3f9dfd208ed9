"""The audit trail through HTTP (GET /api/v1/audit)."""

from __future__ import annotations

import pytest

from tests.test_api_fixtures import api_fixture  # noqa: F401  (the api fixture)
from tests.test_api_invoices import captured

pytestmark = pytest.mark.db
AUDIT = "/api/v1/audit"


def trail(api, role: str = "auditor", **params) -> dict:
    r = api.get(AUDIT, role, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_audit_trail_by_invoice_and_document(api, db, blobs):
    first = captured(api, db, blobs, 1)
    other = captured(api, db, blobs, 2)
    assert api.patch(f"/api/v1/invoices/{first['id']}", "reviewer", json={"seller_name": "某某"}).status_code == 200

    mine = trail(api, invoice_id=first["id"])
    assert [e["action"] for e in mine["data"]] == ["correct", "capture"] and mine["count"] == 2  # newest first
    correct = mine["data"][0]
    assert correct["entity"] == "invoice" and correct["entity_id"] == first["id"]
    assert correct["before"]["seller_name"] is None and correct["after"]["seller_name"] == "某某"
    assert correct["actor"].startswith("key:") and correct["at"]

    doc = trail(api, document_id=first["document_id"])
    assert [(e["entity"], e["action"]) for e in doc["data"]] == [
        ("invoice", "correct"), ("invoice", "capture"), ("document", "upload")]
    assert trail(api, document_id=first["document_id"], action="upload")["count"] == 1
    assert trail(api, document_id=other["document_id"], invoice_id=first["id"])["count"] == 0

    everything = trail(api, "admin")
    assert everything["count"] == 5  # 2 uploads, 2 captures, 1 correction
    page = trail(api, limit=2, offset=4)
    assert page["count"] == 5 and [e["action"] for e in page["data"]] == ["upload"]
    worker = mine["data"][1]["actor"]  # the capture worker's name
    assert trail(api, actor=worker)["count"] == 2


def test_audit_roles_and_refusals(api, db, blobs):
    for role in ("reviewer", "scanner"):
        assert api.get(AUDIT, role).status_code == 403
    assert api.client.get(AUDIT).status_code == 401
    for params in ({"limit": 0}, {"limit": 1001}, {"invoice_id": "nope"}):
        r = api.get(AUDIT, params=params)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request", params
