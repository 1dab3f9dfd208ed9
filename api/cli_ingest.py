"""``invoice-capture ingest PATH...``: files and folders (recursive) through the upload path, with progress,
a summary and, with ``--process``, a worker in this process until every ingested document is captured."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from api.cli_common import error_obj, migrated_url, read_file
from capture.errors import CaptureError

if TYPE_CHECKING:
    from api.settings import Settings

DOC_SUFFIXES = frozenset({".jpg", ".jpeg", ".jpe", ".png", ".tif", ".tiff", ".bmp", ".webp", ".pdf"})


def _ingest_paths(paths: list[str]) -> list[str]:
    """Files named on the command line as given; folders walked recursively (sorted, hidden entries and
    files without an image/PDF suffix skipped)."""
    out: list[str] = []
    for path in paths:
        p = Path(path)
        if not p.is_dir():
            out.append(path)
            continue
        for f in sorted(p.rglob("*")):
            rel = f.relative_to(p).parts
            if f.is_file() and not any(part.startswith(".") for part in rel) and f.suffix.lower() in DOC_SUFFIXES:
                out.append(str(f))
    return out


def cmd_ingest(args: argparse.Namespace) -> int:
    from api.settings import get_settings
    from models.blobs import BlobStore
    from models.db import make_engine, make_sessions
    from models.ingest import accept_upload
    from models.types import utcnow

    settings = get_settings()
    engine = make_engine(migrated_url(settings))
    sessions, blobs = make_sessions(engine), BlobStore(settings.blob_dir())
    limits = settings.capture_config().limits
    files = _ingest_paths(args.paths)
    new = existing = rejected = 0
    documents: dict = {}  # document id -> file
    for i, path in enumerate(files, 1):
        try:
            with sessions() as session:
                acc = accept_upload(
                    session, blobs, read_file(path), filename=Path(path).name, source=args.source,
                    station=args.station, uploader=None, limits=limits, now=utcnow(),
                    max_attempts=settings.job_max_attempts, actor="cli",
                )
        except CaptureError as exc:
            rejected += 1
            if args.json:
                print(json.dumps(error_obj(path, exc), ensure_ascii=False), flush=True)
            else:
                print(f"[{i}/{len(files)}] rejected {path}: {exc.detail} ({exc.code})", flush=True)
            continue
        new, existing = new + acc.created, existing + (not acc.created)
        documents.setdefault(acc.document.id, path)
        if args.json:
            obj = {"file": path, "ok": True, "document_id": str(acc.document.id), "job_id": str(acc.job.id),
                   "created": acc.created, "status": acc.job.status.value}
            print(json.dumps(obj, ensure_ascii=False), flush=True)
        else:
            what = "accepted" if acc.created else "already archived"
            print(f"[{i}/{len(files)}] {what} {path} -> document {acc.document.id} "
                  f"({acc.document.pages} page(s), job {acc.job.status.value})", flush=True)
    print(f"ingested {len(files)} file(s): {new} new, {existing} already archived, {rejected} rejected",
          file=sys.stderr if args.json else sys.stdout, flush=True)
    failed = _process_ingested(args, settings, sessions, documents) if args.process and documents else 0
    engine.dispose()
    return 1 if rejected or failed else 0


def _process_ingested(args: argparse.Namespace, settings: Settings, sessions, documents: dict) -> int:
    """Run a worker in this process until the queue is empty; report every ingested document."""
    from api.worker import build_worker
    from models.archive import document_invoices
    from models.documents import JobStatus
    from models.jobs import latest_job

    worker = build_worker(settings)

    def progress(job) -> None:
        if not args.json and job.document_id in documents:
            error = f" after {job.error_code}: {job.error_detail}" if job.error_code else ""
            print(f"processed {documents[job.document_id]}: {job.status.value}{error}", flush=True)

    worker.drain(on_job=progress)
    failed = done = invoices = 0
    with sessions() as session:
        for doc_id, path in documents.items():
            job = latest_job(session, document_id=doc_id)
            found = document_invoices(session, document_id=doc_id)
            failed += job.status is JobStatus.FAILED
            done += job.status is JobStatus.DONE
            invoices += len(found)
            if args.json:
                obj = {"file": path, "document_id": str(doc_id), "status": job.status.value,
                       "error": {"code": job.error_code, "detail": job.error_detail} if job.error_code else None,
                       "invoice_ids": [str(inv.id) for inv in found]}
                print(json.dumps(obj, ensure_ascii=False), flush=True)
            elif job.status is JobStatus.FAILED:
                print(f"failed {path}: {job.error_detail} ({job.error_code})", flush=True)
    print(f"processed {len(documents)} document(s): {done} done, {failed} failed, {invoices} invoice(s) archived",
          file=sys.stderr if args.json else sys.stdout, flush=True)
    return failed
