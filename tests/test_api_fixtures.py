"""Fixtures of the HTTP API tests: an app on the test database (no embedded worker) and one key per role.

Imported by the ``test_api_*`` modules; it holds no tests itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from api.worker import Worker, WorkerConfig
from models.audit import ApiKeyCreate, Role, create_api_key
from models.jobs import JobPolicy
from models.types import utcnow
from tests.db_fixtures import VAT_SPECIAL_LINES, FakeEngine

WORKER_CONFIG = WorkerConfig(policy=JobPolicy(max_attempts=3, backoff_seconds=5), lease_seconds=30,
                             poll_seconds=0.05)


def make_keys(db) -> dict[str, str]:
    """role -> secret, plus ``scanner2`` (a second scanner)."""
    out = {}
    with db.sessions() as s:
        for name, role in [*((r.value, r) for r in Role), ("scanner2", Role.SCANNER)]:
            _key, secret = create_api_key(session=s, key_in=ApiKeyCreate(name=name, role=role), now=utcnow())
            out[name] = secret
        s.commit()
    return out


@dataclass
class Api:
    client: TestClient
    keys: dict[str, str]
    settings: Settings
    engine: FakeEngine

    def headers(self, role: str) -> dict[str, str]:
        return {"X-API-Key": self.keys[role]}

    def get(self, path: str, role: str = "admin", **kw):
        return self.client.get(path, headers=self.headers(role), **kw)

    def post(self, path: str, role: str = "admin", **kw):
        return self.client.post(path, headers=self.headers(role), **kw)

    def patch(self, path: str, role: str = "admin", **kw):
        return self.client.patch(path, headers=self.headers(role), **kw)

    def upload(self, *files: tuple[str, bytes], role: str = "scanner", **form):
        parts = [("files", (name, data, "application/octet-stream")) for name, data in files]
        return self.post("/api/v1/documents", role, files=parts, data=form)

    def worker(self, db, blobs, engine=None) -> Worker:
        return Worker(WORKER_CONFIG, engine or self.engine, db.sessions, blobs, worker_id="test-worker")


def api_settings(db, data_dir, **kw) -> Settings:
    return Settings(**{"data_dir": data_dir, "database_url": db.url, "embedded_worker": False, **kw})


@pytest.fixture(name="api")
def api_fixture(db, data_dir) -> Iterator[Api]:
    settings = api_settings(db, data_dir)
    engine = FakeEngine(VAT_SPECIAL_LINES)
    with TestClient(create_app(settings, ocr_engine=engine)) as client:
        yield Api(client, make_keys(db), settings, engine)
