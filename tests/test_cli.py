"""The command line as other tools use it: exact JSON shapes, error objects, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import BAD, ROOT, SAMPLES

CLI = [sys.executable, "-m", "api.cli"]


def run(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=ROOT, timeout=timeout)


@pytest.mark.parametrize("command", [[], ["ocr"], ["extract"]])
def test_every_command_has_help(command):
    done = run(*command, "--help")
    assert done.returncode == 0 and "usage: invoice-capture" in done.stdout


def test_extract_json_lines_good_bad_and_multipage():
    files = [
        str(SAMPLES / "scan_vat_special_150dpi.png"),
        str(BAD / "truncated.jpg"),
        str(SAMPLES / "multipage_pdf.pdf"),
        str(BAD / "not_an_image.jpg"),
        str(BAD / "bomb.png"),
        str(BAD / "empty.jpg"),
        "no/such/file.png",
    ]
    done = run("extract", "--json", *files)
    assert done.returncode == 1, done.stderr[-2000:]  # some files failed, the others were still read
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o["file"] for o in out] == [files[0], files[1], files[2], files[2], *files[3:]]
    good = out[0]
    assert good["ok"] is True and good["pages"] == 1 and "page" not in good
    assert good["status"] in ("accepted", "needs_review")
    assert set(good) >= {"file", "ok", "status", "pages", "fields", "line_items", "issues"}
    number = good["fields"]["invoice_number"]
    assert set(number) == {"value", "confidence", "source", "page", "box"}
    assert number["source"] == "qr" and len(number["box"]) == 4
    assert set(good["line_items"][0]) == {"name", "spec", "unit", "quantity", "unit_price", "amount", "tax_rate", "tax"}
    assert [(o["page"], o["pages"]) for o in out[2:4]] == [(1, 2), (2, 2)]
    errors = {o["file"]: o["error"]["code"] for o in out if not o["ok"]}
    assert errors == {
        files[1]: "unreadable",
        files[3]: "unsupported_type",
        files[4]: "too_large",
        files[5]: "empty_file",
        files[6]: "file_not_found",
    }
    assert all(o["error"]["detail"] for o in out if not o["ok"])
    assert "Traceback" not in done.stderr


def test_ocr_table_output_and_error_message():
    done = run("ocr", str(SAMPLES / "scan_vat_special_150dpi.png"), str(BAD / "truncated.jpg"))
    assert done.returncode == 1
    assert "发票代码" in done.stdout
    assert "truncated.jpg" in done.stderr and "Traceback" not in done.stderr
