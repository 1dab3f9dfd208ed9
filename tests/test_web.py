"""The web review pages in a real browser: Debian's chromium driven by Playwright, against the real app served by
uvicorn on a loopback port, over the test database (SQLite, or PostgreSQL with INVOICE_CAPTURE_TEST_DATABASE_URL).

Chromium is required infrastructure (``make system-deps`` installs it): when it is missing or cannot be launched
these tests fail, they are never skipped.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlmodel import select

from api.app import create_app
from models import AuditEvent, JobStatus
from tests.conftest import SAMPLES
from tests.db_fixtures import VAT_SPECIAL_LINES, FakeEngine, png_bytes
from tests.test_api_fixtures import WORKER_CONFIG, api_settings, make_keys

pytestmark = pytest.mark.db

CHROMIUM = "/usr/bin/chromium"
SAMPLE = SAMPLES / "scan_vat_special_150dpi.png"
TIMEOUT_MS = 15_000
SELLER = "上海同创文化传媒股份有限公司"
expect.set_options(timeout=TIMEOUT_MS)  # generous on a loaded machine
OTHER_LINES = [(t.replace("96985775", "12345678").replace("326689.00", "100.00"), x, y)
               for t, x, y in VAT_SPECIAL_LINES]


# ------------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make system-deps)")
    with sync_playwright() as pw:
        try:
            launched = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        except Exception as exc:
            pytest.fail(f"chromium cannot be launched: {exc}")
        yield launched
        launched.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Site:
    """The app served on ``url``, one API key per role, and a way to put captured invoices in its archive."""

    url: str
    keys: dict[str, str]
    db: object
    blobs: object
    http: httpx.Client

    def headers(self, role: str = "admin") -> dict[str, str]:
        return {"X-API-Key": self.keys[role]}

    def get(self, path: str, role: str = "admin") -> dict:
        r = self.http.get(path, headers=self.headers(role))
        assert r.status_code == 200, r.text
        return r.json()

    def run_worker(self, lines=VAT_SPECIAL_LINES) -> None:
        from api.worker import Worker

        worker = Worker(WORKER_CONFIG, FakeEngine(lines), self.db.sessions, self.blobs, worker_id="web-test")
        assert worker.run_once().status is JobStatus.DONE

    def capture(self, seed: int, lines=VAT_SPECIAL_LINES) -> dict:
        """Upload a page, capture it with a fake OCR reading ``lines``; the invoice detail."""
        files = [("files", (f"{seed}.png", png_bytes(seed), "image/png"))]
        r = self.http.post("/api/v1/documents", headers=self.headers("scanner"), files=files)
        assert r.status_code == 202, r.text
        self.run_worker(lines)
        (invoice_id,) = self.get(r.json()["documents"][0]["status_url"])["invoice_ids"]
        return self.get(f"/api/v1/invoices/{invoice_id}")


@pytest.fixture
def site(db, data_dir, blobs) -> Iterator[Site]:
    settings = api_settings(db, data_dir)  # no embedded worker: the tests run the worker when they want
    app = create_app(settings, ocr_engine=FakeEngine(VAT_SPECIAL_LINES))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="web-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the app did not start under uvicorn")
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=30) as http:
            yield Site(url, make_keys(db), db, blobs, http)
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@dataclass
class Errors:
    """Uncaught script errors and console errors of a page (failed requests the tests provoke excepted)."""

    found: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("pageerror", lambda exc: self.found.append(f"pageerror: {exc}"))
        page.on("console", lambda msg: self.found.append(f"console: {msg.text}")
                if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)


@pytest.fixture
def page(browser) -> Iterator[Page]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    errors = Errors()
    errors.watch(tab)
    yield tab
    context.close()
    assert errors.found == []


def sign_in(page: Page, site: Site, role: str = "reviewer") -> None:
    page.goto(site.url + "/")
    expect(page).to_have_url(re.compile(r"/ui/$"))
    page.fill("#api-key", site.keys[role])
    page.click("#signin-form button[type=submit]")
    expect(page.locator("#archive")).to_be_visible()
    expect(page.locator("#session-label")).to_contain_text(f"({role})")  # from /api/v1/keys/me


def open_invoice(page: Page, site: Site, invoice_id: str, role: str = "reviewer") -> None:
    sign_in(page, site, role)
    page.goto(f"{site.url}/ui/invoice.html?id={invoice_id}")
    expect(page.locator("#invoice")).to_be_visible()


# ------------------------------------------------------------------------------------------ tests


def test_sign_in_with_a_bad_key_shows_an_error(page, site):
    page.goto(site.url + "/")
    expect(page).to_have_url(re.compile(r"/ui/$"))
    expect(page.locator("#signin")).to_be_visible()
    page.fill("#api-key", "not-a-key")
    page.click("#signin-form button[type=submit]")
    error = page.locator("#signin-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("401")
    expect(error).to_contain_text("API 密钥无效")
    expect(page.locator("#archive")).to_be_hidden()
    assert page.evaluate("sessionStorage.length") == 0

    # a scanner key signs in for uploads only: the archive search is refused with a clear 403 notice
    page.fill("#api-key", site.keys["scanner"])
    page.click("#signin-form button[type=submit]")
    notice = page.locator("#role-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("403")
    expect(page.locator("#search-card")).to_be_hidden()
    expect(page.locator("#upload-card")).to_be_visible()


def test_search_by_number_shows_the_right_row(page, site):
    first = site.capture(1)
    second = site.capture(2, OTHER_LINES)
    sign_in(page, site)
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#result-count")).to_contain_text("2")

    page.fill("#f-number", "12345678")
    page.click("#search-button")
    row = rows.first
    expect(row).to_have_attribute("data-id", second["id"])
    expect(rows).to_have_count(1)
    expect(row).to_contain_text("12345678")
    expect(row).to_contain_text("3100265530")
    expect(row).to_contain_text("100.00")
    expect(page.locator("#result-count")).to_contain_text("1")
    expect(page).to_have_url(re.compile(r"number=12345678"))

    page.fill("#f-number", "")
    page.fill("#f-total-min", "1000")
    page.click("#search-button")
    expect(rows.first).to_have_attribute("data-id", first["id"])
    expect(rows).to_have_count(1)

    page.fill("#f-number", "00000000")
    page.click("#search-button")
    expect(page.locator("#no-results")).to_be_visible()


def test_opening_an_invoice_shows_its_fields_and_the_page_image(page, site):
    inv = site.capture(1)
    sign_in(page, site)
    page.locator("#results tbody tr", has_text="96985775").click()
    expect(page).to_have_url(re.compile(rf"invoice\.html\?id={inv['id']}"))
    expect(page.locator("#field-invoice_number")).to_have_value("96985775")
    expect(page.locator("#field-invoice_code")).to_have_value("3100265530")
    expect(page.locator("#field-total")).to_have_value("326689.00")
    expect(page.locator("#field-date")).to_have_value("2026-11-12")
    number_row = page.locator('#fields tr[data-field="invoice_number"]')
    expect(number_row.locator(".source")).to_contain_text("OCR")
    expect(number_row.locator("td.conf")).to_have_text(re.compile(r"^[01]\.\d\d$"))
    expect(page.locator("#status-badge")).to_have_attribute("data-value", inv["status"])
    expect(page.locator("#verification-badge")).to_have_attribute("data-value", inv["verification_status"])
    expect(page.locator("#issues li")).to_have_count(len(inv["issues"]))
    expect(page.locator('#history tr[data-action="capture"]')).to_have_count(1)

    image = page.locator("#page-image")
    expect(image).to_be_visible()
    expect(image).to_have_attribute("data-loaded", "1")
    assert image.get_attribute("src").startswith("blob:")
    size = image.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert size == [600, 400]  # png_bytes(): the page as uploaded, with or without boxes drawn
    expect(page.locator("#original-link")).to_be_visible()
    number_row.hover()  # the field's box is outlined on the page image
    expect(page.locator("#box-highlight")).to_be_visible()


def test_correcting_a_field_persists_and_leaves_an_audit_event(page, site):
    inv = site.capture(1)
    open_invoice(page, site, inv["id"])
    save = page.locator("#save-button")
    expect(save).to_be_disabled()

    # a value the API refuses: the error is shown, nothing is stored
    page.fill("#field-date", "2026-13-45")
    expect(save).to_be_enabled()
    save.click()
    expect(page.locator("#edit-error")).to_be_visible()
    expect(page.locator("#edit-error")).to_contain_text("Correction refused: 开票日期")
    expect(page.locator('#fields tr[data-field="date"]')).to_have_class(re.compile("invalid"))
    assert site.get(f"/api/v1/invoices/{inv['id']}")["date"] == "2026-11-12"
    page.click("#revert-button")
    expect(page.locator("#field-date")).to_have_value("2026-11-12")

    page.fill("#field-seller_name", SELLER)
    expect(page.locator('#fields tr[data-field="seller_name"]')).to_have_class(re.compile("changed"))
    save.click()
    expect(page.locator("#flash")).to_contain_text("已更正")
    expect(page.locator('#fields tr[data-field="seller_name"] .source')).to_contain_text("人工")
    expect(page.locator('#history tr[data-action="correct"]')).to_have_count(1)
    expect(page.locator('#history tr[data-action="correct"]')).to_contain_text(SELLER)
    expect(save).to_be_disabled()

    after = site.get(f"/api/v1/invoices/{inv['id']}")
    assert after["seller_name"] == SELLER
    chosen = next(f for f in after["fields"] if f["field"] == "seller_name" and f["line"] is None
                  and f["alternative"] == 0)
    assert (chosen["value"], chosen["source"], chosen["confidence"]) == (SELLER, "human", 1.0)
    (event,) = [e for e in after["history"] if e["action"] == "correct"]
    assert event["after"]["seller_name"] == SELLER and event["after"]["corrected"] == ["seller_name"]
    with site.db.sessions() as s:
        stored = s.exec(select(AuditEvent).where(AuditEvent.entity_id == inv["id"],
                                                 AuditEvent.action == "correct")).all()
    assert len(stored) == 1 and stored[0].actor.startswith("key:")

    # a person accepts the invoice
    if after["status"] != "accepted":
        page.click("#accept-button")
        expect(page.locator("#status-badge")).to_have_attribute("data-value", "accepted")
        assert site.get(f"/api/v1/invoices/{inv['id']}")["status"] == "accepted"
    expect(page.locator("#review-button")).to_be_visible()


def test_an_auditor_cannot_correct(page, site):
    inv = site.capture(1)
    open_invoice(page, site, inv["id"], role="auditor")
    page.fill("#field-remarks", "auditor note")
    page.click("#save-button")
    expect(page.locator("#edit-error")).to_contain_text("403")
    assert site.get(f"/api/v1/invoices/{inv['id']}")["remarks"] is None


def test_upload_of_a_sample_file_shows_it_queued_then_done(page, site):
    sign_in(page, site, role="scanner")
    page.set_input_files("#u-files", str(SAMPLE))
    page.select_option("#u-source", "scanner")
    page.fill("#u-station", "web test")
    page.click("#upload-button")
    row = page.locator("#uploads tbody tr", has_text=SAMPLE.name)
    expect(row).to_have_attribute("data-status", "queued")
    expect(row.locator(".badge")).to_contain_text("排队中")
    document_id = row.get_attribute("data-document-id")
    assert site.get(f"/api/v1/documents/{document_id}")["status"] == "queued"

    site.run_worker()  # the page keeps polling status_url
    expect(row).to_have_attribute("data-status", "done")
    expect(row.locator("a.invoice-link")).to_have_count(1)

    # the same bytes again: the existing document, said so
    page.set_input_files("#u-files", str(SAMPLE))
    page.click("#upload-button")
    expect(page.locator("#uploads tbody tr")).to_have_count(2)
    expect(page.locator("#uploads tbody tr").first).to_contain_text("already archived")
