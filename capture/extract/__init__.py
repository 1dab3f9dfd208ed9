"""Field extraction: OCR lines (+ decoded QR payload) -> ``capture.invoice.ExtractedInvoice``.

Building blocks (pure functions, no I/O):
- ``normalize``: OCR-tolerant normalizers, raw text of one value -> canonical string or None
  (money, digit fields, dates, tax rates, taxpayer ids, quantities/prices).
- ``capitals``: 大写金额 <-> ``Decimal`` (``parse_capitals``, ``to_capitals``).
The layout-aware extractor (labels found in OCR lines, values taken by geometry) builds on these and
on ``capture.qr`` / ``capture.taxid``; the record types live in ``capture.invoice``.
"""
