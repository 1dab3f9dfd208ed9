"""Real processes, real OCR: `invoice-capture ingest` / `worker`, a worker killed with SIGKILL mid-job, and
worker processes sharing one queue."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from sqlmodel import func, select

from models import AuditEvent, Document, FieldProvenance, Invoice, Job, JobStatus, OcrLine
from tests.conftest import BAD, ROOT, SAMPLES
from tests.db_fixtures import png_bytes

CLI = [sys.executable, "-m", "api.cli"]
SAMPLE = SAMPLES / "scan_vat_special_150dpi.png"


def cli_env(db, data_dir, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INVOICE_CAPTURE_")}
    env.update({
        "INVOICE_CAPTURE_DATABASE_URL": db.url, "INVOICE_CAPTURE_DATA_DIR": str(data_dir),
        "INVOICE_CAPTURE_JOB_LEASE_SECONDS": "2", "INVOICE_CAPTURE_WORKER_POLL_SECONDS": "0.2",
        "INVOICE_CAPTURE_OCR_THREADS": "1", **extra,
    })
    return env


def run(env, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=timeout)


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (value := predicate()):
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize("command", ["migrate", "worker", "ingest"])
def test_storage_commands_have_help(command):
    done = subprocess.run([*CLI, command, "--help"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0 and f"usage: invoice-capture {command}" in done.stdout


def test_migrate_command_creates_the_default_sqlite_database(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("INVOICE_CAPTURE_")}
    env["INVOICE_CAPTURE_DATA_DIR"] = str(tmp_path / "data")
    done = run(env, "migrate")
    assert done.returncode == 0, done.stderr
    from models.db import head_revision

    assert f"sqlite:///{tmp_path / 'data' / 'invoice-capture.db'} is at revision {head_revision()}" in done.stdout
    assert run(env, "migrate").returncode == 0  # again: nothing to do


@pytest.mark.db
def test_ingest_walks_folders_and_reports(db, data_dir, tmp_path):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.png").write_bytes(png_bytes(1))
    (folder / "sub" / "b.PNG").write_bytes(png_bytes(2))
    (folder / "sub" / "copy-of-a.png").write_bytes(png_bytes(1))
    (folder / "notes.txt").write_text("not a document")
    (folder / ".hidden.png").write_bytes(png_bytes(3))
    env = cli_env(db, data_dir)
    done = run(env, "ingest", "--json", "--source", "scanner", "--station", "desk-7", str(folder),
               str(BAD / "truncated.jpg"))
    assert done.returncode == 1, done.stderr  # one file was rejected
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(o["file"].removeprefix(str(folder)), o["ok"]) for o in out] == [
        ("/a.png", True), ("/sub/b.PNG", True), ("/sub/copy-of-a.png", True), (str(BAD / "truncated.jpg"), False)]
    assert [o.get("created") for o in out[:3]] == [True, True, False]
    assert out[0]["document_id"] == out[2]["document_id"] and out[3]["error"]["code"] == "unreadable"
    assert "2 new, 1 already archived, 1 rejected" in done.stderr
    with db.sessions() as s:
        docs = s.exec(select(Document)).all()
    assert {(d.source.value, d.station) for d in docs} == {("scanner", "desk-7")} and len(docs) == 2
    assert len([p for p in (data_dir / "blobs").rglob("*") if p.is_file()]) == 2


@pytest.mark.db
def test_a_killed_worker_loses_nothing(db, data_dir, tmp_path):
    env = cli_env(db, data_dir)
    done = run(env, "ingest", "--json", str(SAMPLE))
    assert done.returncode == 0, done.stderr
    doc_id = uuid.UUID(json.loads(done.stdout.splitlines()[0])["document_id"])

    def job() -> Job:
        with db.sessions() as s:
            return s.exec(select(Job).where(Job.document_id == doc_id)).one()

    log = (tmp_path / "worker1.log").open("w")
    worker = subprocess.Popen([*CLI, "worker"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: job().status is JobStatus.RUNNING, 180, "the worker to claim the job")
        os.kill(worker.pid, signal.SIGKILL)  # mid-job: it is loading the OCR engine or reading the page
        assert worker.wait(timeout=30) == -signal.SIGKILL
    finally:
        if worker.poll() is None:
            worker.kill()
        log.close()
    dead = job()
    assert (dead.status, dead.attempts) == (JobStatus.RUNNING, 1) and f":{worker.pid}:" in dead.lease_owner
    with db.sessions() as s:
        assert s.exec(select(Invoice)).all() == []

    # a second worker (the CLI's --process one) re-claims the job once the dead one's lease expires
    done = run(env, "ingest", "--json", "--process", str(SAMPLE))
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert lines[0]["created"] is False and lines[0]["document_id"] == str(doc_id)
    assert lines[-1]["status"] == "done" and len(lines[-1]["invoice_ids"]) == 1

    final = job()
    assert (final.status, final.attempts) == (JobStatus.DONE, 2)
    assert f":{worker.pid}:" not in final.lease_owner
    with db.sessions() as s:
        (inv,) = s.exec(select(Invoice).where(Invoice.document_id == doc_id)).all()  # exactly one set
        provenance = s.exec(select(FieldProvenance).where(FieldProvenance.invoice_id == inv.id,
                                                          FieldProvenance.line.is_(None),
                                                          FieldProvenance.alternative == 0)).all()
        captures = s.exec(select(AuditEvent).where(AuditEvent.entity == "invoice")).all()
        ocr_lines = s.exec(select(func.count()).select_from(OcrLine).where(OcrLine.document_id == doc_id)).one()
        documents = s.exec(select(func.count()).select_from(Document)).one()
    assert (inv.invoice_code, inv.invoice_number, str(inv.total)) == ("3100265530", "96985775", "326689.00")
    fields = [p.field for p in provenance]
    assert len(fields) == len(set(fields)) and {"invoice_number", "total", "seller_tax_id"} <= set(fields)
    assert [e.action for e in captures] == ["capture"] and ocr_lines > 20 and documents == 1


@pytest.mark.db
def test_worker_processes_share_the_queue(db, data_dir):
    env = cli_env(db, data_dir, INVOICE_CAPTURE_JOB_LEASE_SECONDS="30")
    paths = []
    for i in range(4):
        path = data_dir / f"doc{i}.png"
        path.write_bytes(png_bytes(100 + i))
        paths.append(str(path))
    assert run(env, "ingest", *paths).returncode == 0
    parent = subprocess.Popen([*CLI, "worker", "--concurrency", "2"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def jobs() -> list[Job]:
        with db.sessions() as s:
            return s.exec(select(Job)).all()

    try:
        finished = wait_for(lambda: (js := jobs()) and all(j.status is JobStatus.DONE for j in js) and js, 300,
                            "the worker processes to finish every job")
        parent.send_signal(signal.SIGTERM)
        assert parent.wait(timeout=60) == 0
    finally:
        if parent.poll() is None:
            parent.kill()
    assert len(finished) == 4 and all(j.attempts == 1 for j in finished)
    pids = {j.lease_owner.split(":")[1] for j in finished}
    assert str(parent.pid) not in pids and 1 <= len(pids) <= 2


@pytest.mark.db
def test_serve_runs_its_worker_in_a_supervised_child_process(db, data_dir, tmp_path):
    """`serve` captures uploads in a child process (its own interpreter lock), and a new child takes over
    when that one is killed; stopping `serve` stops the child."""
    import httpx

    from tests.test_api_cli import free_port
    from tests.test_api_fixtures import make_keys

    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    serve = subprocess.Popen([*CLI, "serve", "--port", str(port)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                             env=cli_env(db, data_dir, INVOICE_CAPTURE_TAX_CHECK="false"))
    base = f"http://127.0.0.1:{port}/api/v1"

    def up() -> bool:
        assert serve.poll() is None, "serve exited"
        try:
            return httpx.get(f"{base}/invoices", timeout=5).status_code == 401
        except httpx.TransportError:
            return False

    def captured(body: bytes, name: str) -> Job:
        r = httpx.post(f"{base}/documents", headers=headers, files={"files": (name, body)}, timeout=30)
        assert r.status_code == 202, r.text
        doc_id = uuid.UUID(r.json()["documents"][0]["id"])

        def finished() -> Job | None:
            with db.sessions() as s:
                job = s.exec(select(Job).where(Job.document_id == doc_id)).one()
            return job if job.status is JobStatus.DONE else None

        return wait_for(finished, 300, f"{name} to be captured")

    try:
        wait_for(up, 120, "serve to answer")
        headers = {"X-API-Key": make_keys(db)["scanner"]}
        first = captured(SAMPLE.read_bytes(), "a.png")
        child = int(first.lease_owner.split(":")[1])
        assert child != serve.pid
        os.kill(child, signal.SIGKILL)
        second = captured(png_bytes(7), "b.png")
        replacement = int(second.lease_owner.split(":")[1])
        assert replacement not in (child, serve.pid) and (first.attempts, second.attempts) == (1, 1)
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=60) == -signal.SIGTERM  # uvicorn re-raises the signal once shut down
        with pytest.raises(ProcessLookupError):
            os.kill(replacement, 0)  # stopped and reaped with serve
    finally:
        if serve.poll() is None:
            serve.kill()
        log.close()
    text = (tmp_path / "serve.log").read_text()
    assert "Application shutdown complete" in text and "exited with -9; starting a new one" in text
    with db.sessions() as s:
        (inv,) = s.exec(select(Invoice).where(Invoice.document_id == first.document_id)).all()
    assert (inv.invoice_code, inv.invoice_number) == ("3100265530", "96985775")
