"""Invoices from a document: OCR'd pages -> QR decode -> field extraction -> validation.

Contract: ``capture_invoices(data, engine=, config=, today=)`` returns one ``PageInvoice`` per page
that holds an invoice (a page with neither a QR payload nor any rule set's keywords is skipped; if no
page holds one, the first page is returned so the caller always gets a record to review). ``today`` is
injected (capture reads no clock). Every box is in original-page pixels. Raises only ``CaptureError``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from capture.extract.extractor import ExtractConfig, choose_rules, extract_page
from capture.geometry import bbox
from capture.invoice import ExtractedInvoice
from capture.ocr.base import OcrEngine
from capture.pipeline import CaptureConfig, PageText, read_document
from capture.qr import QrPayload, decode_qr, parse_payload
from capture.validate import ValidationConfig, ValidationResult, validate
from capture.vendors import VendorList


@dataclass(frozen=True)
class InvoiceConfig:
    capture: CaptureConfig = field(default_factory=CaptureConfig)
    extract: ExtractConfig = field(default_factory=ExtractConfig)
    validation: ValidationConfig = field(default_factory=ValidationConfig)
    vendors: VendorList | None = None


@dataclass(frozen=True)
class PageInvoice:
    page: PageText
    invoice: ExtractedInvoice
    validation: ValidationResult

    def to_dict(self) -> dict:
        inv = self.invoice.to_dict()
        return {
            "page": self.page.number,
            "status": self.validation.status.value,
            "fields": inv["fields"],
            "line_items": inv["line_items"],
            "line_item_provenance": [li.provenance() for li in self.invoice.line_items],
            "issues": [i.to_dict() for i in self.validation.issues],
            "qr": inv["qr"],
            "quality": self.page.quality.to_dict(),
        }


def _qr(page: PageText) -> tuple[QrPayload | None, tuple[float, float, float, float] | None]:
    image = page.prepared.image
    for hit in decode_qr(image):
        payload = parse_payload(hit.text)
        if payload is not None:
            pts = page.prepared.chain.to_original(np.asarray(hit.polygon, float))
            return payload, bbox(pts)
    return None, None


def _mapper(page: PageText):
    chain = page.prepared.chain

    def to_original(box):
        x0, y0, x1, y1 = box
        pts = chain.to_original(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], float))
        pts[:, 0] = pts[:, 0].clip(0, page.width - 1)
        pts[:, 1] = pts[:, 1].clip(0, page.height - 1)
        return bbox(pts)

    return to_original


def invoice_from_page(page: PageText, *, config: InvoiceConfig, today: date) -> PageInvoice | None:
    qr, qr_box = _qr(page)
    if qr is None and choose_rules(page.processed_lines, config.extract) is None:
        return None
    inv = extract_page(
        page.processed_lines, page=page.number, qr=qr, qr_box=qr_box, to_original=_mapper(page),
        config=config.extract,
    )
    result = validate(inv, config=config.validation, today=today, vendors=config.vendors)
    return PageInvoice(page, inv, result)


def capture_invoices(
    data: bytes, *, engine: OcrEngine, config: InvoiceConfig | None = None, today: date
) -> tuple[int, list[PageInvoice]]:
    """(number of pages, invoices found) for one uploaded file."""
    config = config or InvoiceConfig()
    doc = read_document(data, engine=engine, config=config.capture)
    found = [inv for page in doc.pages if (inv := invoice_from_page(page, config=config, today=today))]
    if not found and doc.pages:
        page = doc.pages[0]
        inv = extract_page(page.processed_lines, page=page.number, to_original=_mapper(page), config=config.extract)
        found = [PageInvoice(page, inv, validate(inv, config=config.validation, today=today))]
    return len(doc.pages), found
