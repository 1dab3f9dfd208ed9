"""API keys over HTTP: /keys/me for every role, admin-only management, the secret shown once, revocation that
takes effect at once, no way to revoke the last admin key, and an audit event for every change."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select

from models.audit import ApiKey, AuditEvent, hash_key
from tests.test_api_fixtures import api_fixture  # noqa: F401  (the api fixture)

pytestmark = pytest.mark.db


def test_every_role_learns_its_own_role(api):
    for role in ("scanner", "reviewer", "auditor", "admin"):
        r = api.get("/api/v1/keys/me", role)
        assert r.status_code == 200, r.text
        assert r.json()["role"] == role and "key" not in r.json() and "key_hash" not in r.json()
    assert api.client.get("/api/v1/keys/me").status_code == 401


def test_only_admins_manage_keys(api):
    for role in ("scanner", "reviewer", "auditor"):
        assert api.get("/api/v1/keys", role).status_code == 403
        assert api.post("/api/v1/keys", role, json={"name": "x", "role": "scanner"}).status_code == 403


def test_create_use_and_revoke_a_key(api, db):
    r = api.post("/api/v1/keys", json={"name": "station 3", "role": "scanner"})
    assert r.status_code == 201, r.text
    created = r.json()
    secret = created["key"]
    assert created["role"] == "scanner" and secret.startswith(created["prefix"])
    with db.sessions() as s:  # only the hash is stored
        row = s.get(ApiKey, uuid.UUID(created["id"]))
        assert row.key_hash == hash_key(secret) and secret not in row.model_dump_json()
    me = api.client.get("/api/v1/keys/me", headers={"X-API-Key": secret})
    assert me.status_code == 200 and me.json()["name"] == "station 3"
    listed = api.get("/api/v1/keys").json()
    assert created["id"] in [k["id"] for k in listed["data"]] and all("key" not in k for k in listed["data"])

    r = api.patch(f"/api/v1/keys/{created['id']}", json={"role": "reviewer"})
    assert r.status_code == 200 and r.json()["role"] == "reviewer"
    r = api.client.delete(f"/api/v1/keys/{created['id']}", headers=api.headers("admin"))
    assert r.status_code == 200 and r.json()["revoked_at"]
    assert api.client.get("/api/v1/keys/me", headers={"X-API-Key": secret}).status_code == 401
    assert created["id"] not in [k["id"] for k in api.get("/api/v1/keys").json()["data"]]
    assert created["id"] in [k["id"] for k in api.get("/api/v1/keys?include_revoked=true").json()["data"]]
    with db.sessions() as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.entity == "api_key",
                                                 AuditEvent.entity_id == created["id"])).all()
    assert sorted(e.action for e in events) == ["create", "revoke", "update"]
    assert all(secret not in str(e.before) + str(e.after) for e in events)


def test_the_last_admin_key_cannot_be_revoked_or_demoted(api):
    me = api.get("/api/v1/keys/me").json()
    r = api.client.delete(f"/api/v1/keys/{me['id']}", headers=api.headers("admin"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "last_admin_key"
    r = api.patch(f"/api/v1/keys/{me['id']}", json={"role": "auditor"})
    assert r.status_code == 409
    other = api.post("/api/v1/keys", json={"name": "second admin", "role": "admin"}).json()
    assert api.client.delete(f"/api/v1/keys/{me['id']}", headers={"X-API-Key": other["key"]}).status_code == 200


def test_bad_requests_are_named(api):
    r = api.post("/api/v1/keys", json={"name": "x", "role": "superuser"})
    assert r.status_code == 422
    r = api.client.delete("/api/v1/keys/00000000-0000-0000-0000-000000000000", headers=api.headers("admin"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "api_key_not_found"
