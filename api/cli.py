"""The ``invoice-capture`` command line. Every command has ``--help``.

Errors are printed as one clear line (or a JSON error object with ``--json``) and the exit status
is 1; a traceback is never the answer to bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from api.cli_common import error_obj, migrated_url, positive_int, read_file, shown_url
from api.cli_ingest import cmd_ingest
from capture.errors import CaptureError

Handler = Callable[[argparse.Namespace], int]


def _report_error(path: str, exc: CaptureError, *, as_json: bool) -> None:
    """One unreadable file: a JSON error object on stdout, or one line on stderr."""
    if as_json:
        print(json.dumps(error_obj(path, exc), ensure_ascii=False), flush=True)
    else:
        print(f"error: {path}: {exc.detail}", file=sys.stderr)


def cmd_ocr(args: argparse.Namespace) -> int:
    from api.engine import build_engine
    from api.settings import get_settings
    from capture.pipeline import read_document

    settings = get_settings()
    engine = build_engine(settings)  # built once for all files, loaded on first use
    failed = 0
    for path in args.files:
        try:
            doc = read_document(read_file(path), engine=engine, config=settings.capture_config())
        except CaptureError as exc:
            failed += 1
            _report_error(path, exc, as_json=args.json)
            continue
        if args.json:
            print(json.dumps({"file": path, "ok": True, **doc.to_dict()}, ensure_ascii=False), flush=True)
        else:
            _print_document(path, doc)
    return 1 if failed else 0


def _print_document(path: str, doc) -> None:
    for page in doc.pages:
        print(f"== {path} page {page.number} ({page.width}x{page.height}, {len(page.lines)} lines)")
        for reason in page.quality.reasons:
            print(f"   quality: {reason.message}")
        for line in page.lines:
            x0, y0, x1, y1 = (round(v) for v in line.box)
            print(f"{line.score:5.2f}  [{x0:5d} {y0:5d} {x1:5d} {y1:5d}]  {line.text}")


def cmd_extract(args: argparse.Namespace) -> int:
    from datetime import date

    from api.engine import build_engine
    from api.settings import get_settings
    from capture.invoices import capture_invoices

    settings = get_settings()
    engine = build_engine(settings)
    config = settings.invoice_config()
    failed = 0
    for path in args.files:
        try:
            pages, found = capture_invoices(read_file(path), engine=engine, config=config, today=date.today())
        except CaptureError as exc:
            failed += 1
            _report_error(path, exc, as_json=args.json)
            continue
        for inv in found:
            obj = {"file": path, "ok": True, "pages": pages, **inv.to_dict()}
            if pages == 1:
                obj.pop("page")
            if args.json:
                print(json.dumps(obj, ensure_ascii=False), flush=True)
            else:
                _print_invoice(path, obj)
    return 1 if failed else 0


def _print_invoice(path: str, obj: dict) -> None:
    where = f" page {obj['page']}" if "page" in obj else ""
    print(f"== {path}{where}: {obj['status']}")
    for name, fv in obj["fields"].items():
        if fv is not None:
            print(f"  {name:<16} {fv['value']}  ({fv['source']}, {fv['confidence']:.2f})")
    for i, li in enumerate(obj["line_items"], 1):
        cells = " | ".join(str(li[c]) if li[c] is not None else "-" for c in li)
        print(f"  item {i}: {cells}")
    for issue in obj["issues"]:
        print(f"  {issue['severity']}: {issue['code']} {issue['field'] or ''} {issue['detail']}")


# ------------------------------------------------------------------------------------------ storage


def cmd_migrate(args: argparse.Namespace) -> int:
    from api.settings import get_settings
    from models.db import current_revision, make_engine

    url = migrated_url(get_settings())
    engine = make_engine(url)
    try:
        print(f"database {shown_url(url)} is at revision {current_revision(engine)}")
    finally:
        engine.dispose()
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    import logging
    import threading

    from api.settings import get_settings
    from api.worker import build_worker, run_processes, stop_on_signals

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(processName)s %(levelname)s %(message)s")
    settings = get_settings()
    url = migrated_url(settings)
    print(f"worker: {args.concurrency} process(es) on {shown_url(url)}, originals in {settings.blob_dir()}",
          file=sys.stderr, flush=True)
    stop = threading.Event()
    stop_on_signals(stop)
    from api.verifier import start_verifier_thread

    verifier_thread = start_verifier_thread(settings, None, stop)  # tax checks on their own thread
    if args.concurrency == 1:
        build_worker(settings).run_forever(stop)
    else:
        run_processes(args.concurrency, stop)
    if verifier_thread is not None:
        verifier_thread.join()
    return 0


SERVE_SWITCH_INTERVAL = 0.0005  # seconds; see cmd_serve


def cmd_serve(args: argparse.Namespace) -> int:
    import logging

    import uvicorn

    from api.app import create_app
    from api.settings import get_settings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(threadName)s %(levelname)s %(message)s")
    settings = get_settings()
    if args.no_worker:
        settings = settings.model_copy(update={"embedded_worker": False})
    worker = ("no worker" if not settings.embedded_worker
              else "one worker process" if settings.worker_process else "one worker thread")
    if settings.embedded_worker and not settings.worker_process:
        # the OCR thread's Python parts hold the GIL for up to the switch interval (5 ms by default) each
        # time a request thread wants it, and a request wants it dozens of times: a 0.5 ms interval took
        # the acknowledgment p95 from ~100 to ~30 ms with OCR running (bench/api_load.py upload --interval 1)
        sys.setswitchinterval(SERVE_SWITCH_INTERVAL)
    print(f"serving http://{args.host}:{args.port} on {shown_url(settings.resolved_database_url())} ({worker})",
          file=sys.stderr, flush=True)
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info")
    return 0


def cmd_keys_create(args: argparse.Namespace) -> int:
    from api.settings import get_settings
    from models.audit import ApiKeyCreate, Role, audit, create_api_key
    from models.db import immediate, make_engine, make_sessions
    from models.types import utcnow

    engine = make_engine(migrated_url(get_settings()))
    try:
        with make_sessions(engine)() as session:
            immediate(session)
            now = utcnow()
            key_in = ApiKeyCreate(name=args.name or f"{args.role} key", role=Role(args.role))
            key, secret = create_api_key(session=session, key_in=key_in, now=now)
            session.flush()
            audit(session, actor="cli", action="create", entity="api_key", entity_id=key.id, now=now,
                  after={"name": key.name, "role": key.role.value, "prefix": key.prefix})
            session.commit()
    finally:
        engine.dispose()
    print(f"created {key.role.value} key {key.name!r} (id {key.id}, prefix {key.prefix}); "
          "the key is shown once, on the next line:", flush=True)
    print(secret, flush=True)
    return 0


def cmd_taxsim(args: argparse.Namespace) -> int:
    from samples.taxsim import serve

    return serve(host=args.host, port=args.port, db_path=args.db, admin_key=args.admin_key,
                 register_dir=args.register_samples, unregistered=args.unregistered,
                 mismatching=args.mismatching, seed=args.seed, now=args.now)


def cmd_verify(args: argparse.Namespace) -> int:
    import logging

    from api.settings import get_settings
    from api.verifier import build_verifier
    from models.db import make_engine, make_sessions

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    settings = get_settings()
    engine = make_engine(migrated_url(settings))
    verifier = build_verifier(settings, make_sessions(engine))
    try:
        summary = verifier.run_due()
    finally:
        verifier.close()
        engine.dispose()
    if args.json:
        print(json.dumps(summary.to_dict()), flush=True)
    else:
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(summary.outcomes.items())) or "none"
        print(f"verify: {summary.scheduled} newly pending, {summary.calls} check(s) sent to {settings.tax_url} "
              f"({outcomes}), {summary.deferred} deferred (budget / day of issue), {summary.refused} not sendable; "
              f"breaker {summary.breaker}, {summary.due_left} still due", flush=True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="invoice-capture",
        description="Invoice capture service: scanned and photographed invoices to verified records.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("ocr", help="OCR one image or PDF: text lines with score and box (original-image pixels)")
    p.add_argument(
        "files", nargs="+", metavar="FILE",
        help="image (JPEG/PNG/TIFF/BMP/WebP) or PDF; the type is sniffed from the content",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object per file (one per line)")
    p.set_defaults(handler=cmd_ocr)

    p = sub.add_parser("extract", help="extract and validate invoice fields from images or PDFs")
    p.add_argument("files", nargs="+", metavar="FILE", help="image or PDF files; one result per invoice found")
    p.add_argument(
        "--json", action="store_true",
        help="one JSON object per invoice per line: file, ok, status, pages, fields, line_items, issues",
    )
    p.set_defaults(handler=cmd_extract)

    p = sub.add_parser("migrate", help="create or upgrade the database schema (INVOICE_CAPTURE_DATABASE_URL)")
    p.set_defaults(handler=cmd_migrate)

    p = sub.add_parser(
        "worker", help="run capture workers: claim queued documents, OCR and extract them, archive the results",
    )
    p.add_argument(
        "--concurrency", type=positive_int, default=1, metavar="N",
        help="worker processes, each with its own OCR engine (default 1, in this process)",
    )
    p.set_defaults(handler=cmd_worker)

    p = sub.add_parser("ingest", help="upload files into the archive (folders recursively) through the upload path")
    p.add_argument("paths", nargs="+", metavar="PATH", help="image/PDF files, or folders to walk recursively")
    p.add_argument(
        "--source", choices=["scanner", "mobile", "folder", "api"], default="folder",
        help="where the documents come from (default folder)",
    )
    p.add_argument("--station", help="the scanner station or device name to record")
    p.add_argument("--process", action="store_true", help="then run a worker here until the queue is empty")
    p.add_argument(
        "--json", action="store_true",
        help="one JSON object per file (file, ok, document_id, job_id, created, status); with --process also one "
        "per document (file, document_id, status, error, invoice_ids)",
    )
    p.set_defaults(handler=cmd_ingest)

    p = sub.add_parser("serve", help="run the HTTP API (with one capture worker process unless --no-worker)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=positive_int, default=8000, help="port to listen on (default 8000)")
    p.add_argument("--no-worker", action="store_true", help="do not capture here (run `invoice-capture worker`)")
    p.set_defaults(handler=cmd_serve)

    p = sub.add_parser("keys", help="manage API keys")
    keys = p.add_subparsers(dest="keys_command", required=True, metavar="KEYS_COMMAND")
    p = keys.add_parser("create", help="create an API key; the key is printed once, alone on the last line")
    p.add_argument("--role", required=True, choices=["scanner", "reviewer", "auditor", "admin"],
                   help="scanner: upload and own status; reviewer: read, correct; auditor: read; admin: all")
    p.add_argument("--name", help="who or what uses the key (default '<role> key')")
    p.set_defaults(handler=cmd_keys_create)

    p = sub.add_parser("verify", help="run the due tax-authority checks once (INVOICE_CAPTURE_TAX_URL) and summarize")
    p.add_argument("--due", action="store_true", required=True, help="check every invoice that is due now")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.set_defaults(handler=cmd_verify)

    p = sub.add_parser("taxsim", help="run the tax-authority simulator (a stand-in for the verification platform)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=positive_int, default=8100, help="port to listen on (default 8100)")
    p.add_argument("--db", metavar="PATH", help="its own SQLite registry file (default: in memory)")
    p.add_argument("--admin-key", default="taxsim-admin-key", metavar="KEY",
                   help="the X-Admin-Key its /admin endpoints require (default taxsim-admin-key)")
    p.add_argument("--register-samples", metavar="DIR", help="register the invoices of DIR/*.expected.json")
    p.add_argument("--unregistered", default="0", metavar="SEL",
                   help="samples left unregistered: a count, a share (0.1) or names/numbers (a,b); default 0")
    p.add_argument("--mismatching", default="0", metavar="SEL",
                   help="samples registered with other amounts (+100.00), same forms; default 0")
    p.add_argument("--seed", type=int, default=0, help="seed for choosing those samples (default 0)")
    p.add_argument("--now", metavar="ISO", help="start its clock at this time (naive = UTC+8); default now")
    p.set_defaults(handler=cmd_taxsim)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    return handler(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
