"""``invoice-capture keys create`` and a smoke test of ``invoice-capture serve`` (a real uvicorn process)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest
from sqlmodel import select

from models.audit import ApiKey, AuditEvent, Role, hash_key
from tests.conftest import ROOT

pytestmark = pytest.mark.db
CLI = [sys.executable, "-m", "api.cli"]


def env_for(db, data_dir) -> dict[str, str]:
    return {**os.environ, "INVOICE_CAPTURE_DATA_DIR": str(data_dir), "INVOICE_CAPTURE_DATABASE_URL": db.url}


def create_key(db, data_dir, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, "keys", "create", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env_for(db, data_dir), timeout=120)


def test_keys_create_prints_the_key_alone_on_the_last_line(db, data_dir):
    done = create_key(db, data_dir, "--role", "reviewer", "--name", "desk review")
    assert done.returncode == 0, done.stderr
    secret = done.stdout.splitlines()[-1]
    assert secret.startswith("ic_") and " " not in secret
    with db.sessions() as s:
        key = s.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(secret))).one()
        event = s.exec(select(AuditEvent).where(AuditEvent.entity == "api_key")).one()
    assert (key.role, key.name, event.entity_id, event.action) == (Role.REVIEWER, "desk review", str(key.id), "create")
    assert secret not in str(event.after)
    bad = create_key(db, data_dir, "--role", "boss")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_http(db, data_dir):
    secret = create_key(db, data_dir, "--role", "auditor").stdout.splitlines()[-1]
    port = free_port()
    proc = subprocess.Popen([*CLI, "serve", "--port", str(port), "--no-worker"], cwd=ROOT, env=env_for(db, data_dir),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}/api/v1/invoices"
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.get(url, headers={"X-API-Key": secret}, timeout=5)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "serve did not start"
                time.sleep(0.2)
        assert r.status_code == 200 and r.json() == {"data": [], "count": 0}
        r = httpx.get(url, timeout=5)
        assert r.status_code == 401 and r.json()["error"]["code"] == "missing_api_key"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
