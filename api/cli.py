"""The ``invoice-capture`` command line. Every command has ``--help``.

Errors are printed as one clear line (or a JSON error object with ``--json``) and the exit status
is 1; a traceback is never the answer to bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from capture.errors import CaptureError, MissingFileError

Handler = Callable[[argparse.Namespace], int]


def _read_file(path: str) -> bytes:
    p = Path(path)
    if not p.exists():
        raise MissingFileError(f"{path}: no such file")
    if p.is_dir():
        raise MissingFileError(f"{path}: is a directory, not a file")
    return p.read_bytes()


def _error_obj(path: str, exc: CaptureError) -> dict:
    return {"file": path, "ok": False, "error": exc.as_dict()}


def cmd_ocr(args: argparse.Namespace) -> int:
    from api.engine import build_engine
    from api.settings import get_settings
    from capture.pipeline import read_document

    settings = get_settings()
    engine = build_engine(settings)  # built once for all files, loaded on first use
    failed = 0
    for path in args.files:
        try:
            doc = read_document(_read_file(path), engine=engine, config=settings.capture_config())
        except CaptureError as exc:
            failed += 1
            if args.json:
                print(json.dumps(_error_obj(path, exc), ensure_ascii=False), flush=True)
            else:
                print(f"error: {path}: {exc.detail}", file=sys.stderr)
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
            pages, found = capture_invoices(_read_file(path), engine=engine, config=config, today=date.today())
        except CaptureError as exc:
            failed += 1
            if args.json:
                print(json.dumps(_error_obj(path, exc), ensure_ascii=False), flush=True)
            else:
                print(f"error: {path}: {exc.detail}", file=sys.stderr)
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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    return handler(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
