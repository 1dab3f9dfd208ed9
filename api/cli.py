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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    return handler(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
