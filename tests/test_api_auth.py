"""API keys and roles: 401 without a valid key, 403 for the wrong role, allowed otherwise; errors are JSON."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select

from models.audit import ApiKey, hash_key
from models.types import utcnow
from tests.db_fixtures import png_bytes
from tests.test_api_fixtures import api_fixture  # noqa: F401  (the api fixture)

pytestmark = pytest.mark.db
SOME = uuid.uuid4()

# (method, path, roles allowed besides admin)
ENDPOINTS = [
    ("POST", "/api/v1/documents", {"scanner"}),
    ("GET", f"/api/v1/documents/{SOME}", {"scanner", "reviewer", "auditor"}),
    ("GET", f"/api/v1/documents/{SOME}/file", {"reviewer", "auditor"}),
    ("POST", f"/api/v1/documents/{SOME}/reprocess", {"reviewer"}),
    ("GET", "/api/v1/invoices", {"reviewer", "auditor"}),
    ("GET", f"/api/v1/invoices/{SOME}", {"reviewer", "auditor"}),
    ("PATCH", f"/api/v1/invoices/{SOME}", {"reviewer"}),
]


def call(api, method: str, path: str, headers: dict):
    if method == "POST" and path == "/api/v1/documents":
        return api.client.post(path, headers=headers, files=[("files", ("a.png", png_bytes(7), "image/png"))])
    if method == "PATCH":
        return api.client.patch(path, headers=headers, json={"seller_name": "x"})
    return api.client.request(method, path, headers=headers)


@pytest.mark.parametrize(("method", "path", "roles"), ENDPOINTS)
def test_missing_or_unknown_key_is_401(api, method, path, roles):
    for headers, code in (({}, "missing_api_key"), ({"X-API-Key": "ic_nope"}, "invalid_api_key")):
        r = call(api, method, path, headers)
        assert r.status_code == 401, r.text
        assert r.json()["error"]["code"] == code and r.json()["error"]["detail"]


@pytest.mark.parametrize(("method", "path", "roles"), ENDPOINTS)
def test_roles(api, method, path, roles):
    for role in ("scanner", "reviewer", "auditor", "admin"):
        r = call(api, method, path, api.headers(role))
        if role == "admin" or role in roles:
            assert r.status_code not in (401, 403), (role, r.text)
        else:
            assert r.status_code == 403, (role, r.text)
            assert r.json()["error"]["code"] == "forbidden" and role in r.json()["error"]["detail"]


def test_a_revoked_key_is_401(api, db):
    with db.sessions() as s:
        key = s.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(api.keys["reviewer"]))).one()
        key.revoked_at = utcnow()
        s.add(key)
        s.commit()
    r = api.get("/api/v1/invoices", "reviewer")
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"


def test_a_scanner_sees_only_the_documents_it_sent(api):
    doc = api.upload(("a.png", png_bytes(1))).json()["documents"][0]
    assert api.get(doc["status_url"], "scanner").status_code == 200
    other = api.get(doc["status_url"], "scanner2")
    assert other.status_code == 404 and other.json()["error"]["code"] == "document_not_found"
    again = api.upload(("copy.png", png_bytes(1)), role="scanner2")  # the same bytes, sent by scanner2
    assert again.status_code == 200 and again.json()["documents"][0]["id"] == doc["id"]
    assert api.get(doc["status_url"], "scanner2").status_code == 200
    assert api.get(doc["status_url"], "auditor").status_code == 200


def test_unknown_routes_and_bad_ids_are_json(api):
    r = api.get("/api/v1/nothing")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = api.get("/api/v1/documents/not-a-uuid")
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"
    assert "document_id" in r.json()["error"]["detail"]
