"""Record types of an extracted invoice: per-field provenance, line items, validation issues.

Contract
- Every extracted field is a ``FieldValue``: ``value`` is the *canonical* string the normalizers in
  ``capture.extract.normalize`` produce (money ``"1500.00"``, dates ``"2024-11-14"``, rates ``"13%"`` /
  ``"免税"``, digit strings without separators) or ``None`` when nothing usable was read; ``confidence``
  is in [0, 1]; ``source`` says where the value came from; ``page`` is 1-based; ``box`` is
  ``(x0, y0, x1, y1)`` in ORIGINAL-image pixels (None for values that have no place on the page, e.g.
  QR-only or derived). ``alternatives`` keeps the losing candidates, e.g. the OCR reading when the QR
  value won, so validation can report the disagreement and a reviewer can see both.
- ``ExtractedInvoice.fields`` is keyed by names from ``FIELD_NAMES`` only (unknown keys are refused);
  an absent key means "not found". ``to_dict()`` always emits all names, absent ones as ``null``.
- ``invoice_type`` holds the national two-digit type code (``INVOICE_TYPES``); mapping commercial
  API codes or printed titles onto it is the extractor's job.
- Line item columns are ``FieldValue`` too (a cell has its own box and confidence); a column that is
  not printed is ``None``. ``LineItem.to_dict()`` gives the plain values, ``provenance()`` the boxes.
- ``Issue.detail`` is a JSON-ready dict carrying the numbers behind the finding (both values of a
  disagreement, the difference, the tolerance), so clients never parse messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from capture.qr import QrPayload

Box = tuple[float, float, float, float]


class Source(StrEnum):
    QR = "qr"  # decoded from the invoice QR code
    OCR = "ocr"  # read from the page by OCR
    DERIVED = "derived"  # computed from other fields (e.g. total = amount + tax)
    HUMAN = "human"  # entered or corrected by a reviewer
    TAX = "tax"  # returned by the tax verification platform


FIELD_NAMES: tuple[str, ...] = (
    "invoice_type", "invoice_code", "invoice_number", "date", "amount_excl_tax", "tax", "total",
    "total_in_words", "check_code", "machine_number", "buyer_name", "buyer_tax_id", "seller_name",
    "seller_tax_id", "currency", "remarks",
)
KEY_FIELDS: tuple[str, ...] = (
    "invoice_code", "invoice_number", "date", "amount_excl_tax", "tax", "total", "check_code",
    "seller_tax_id", "buyer_tax_id",
)
LINE_COLUMNS: tuple[str, ...] = (
    "name", "spec", "unit", "quantity", "unit_price", "amount", "tax_rate", "tax",
)

# National invoice type codes (INVOICE-FACTS.md). 数电 = fully digital (no 发票代码, 20-digit number).
INVOICE_TYPES: dict[str, str] = {
    "01": "增值税专用发票", "03": "机动车销售统一发票", "04": "增值税普通发票", "08": "增值税电子专用发票",
    "10": "增值税电子普通发票", "11": "增值税普通发票（卷式）", "14": "增值税电子普通发票（通行费）",
    "15": "二手车销售统一发票", "31": "电子发票（增值税专用发票）", "32": "电子发票（普通发票）",
    "51": "铁路电子客票", "61": "航空运输电子客票行程单",
    "85": "数电纸质发票（增值税专用发票）", "86": "数电纸质发票（普通发票）",
    "87": "数电纸质发票（机动车销售统一发票）", "88": "数电纸质发票（二手车销售统一发票）",
}
DIGITAL_TYPES: frozenset[str] = frozenset({"31", "32"})


@dataclass(frozen=True)
class FieldValue:
    """One extracted value with its provenance (see the module contract)."""

    value: str | None
    confidence: float
    source: Source
    page: int = 1
    box: Box | None = None
    alternatives: tuple[FieldValue, ...] = ()

    def __post_init__(self) -> None:
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence must be in [0, 1], got {self.confidence}")
        if self.page < 1:
            raise ValueError(f"page is 1-based, got {self.page}")
        object.__setattr__(self, "source", Source(self.source))
        if self.box is not None:
            if len(self.box) != 4:
                raise ValueError(f"box must be (x0, y0, x1, y1), got {self.box!r}")
            object.__setattr__(self, "box", tuple(float(v) for v in self.box))
        object.__setattr__(self, "alternatives", tuple(self.alternatives))

    @property
    def present(self) -> bool:
        return self.value is not None and self.value != ""

    def to_dict(self, *, alternatives: bool = False) -> dict[str, Any]:
        """``{"value", "confidence", "source", "page", "box"}``; ``alternatives=True`` adds that list."""
        out: dict[str, Any] = {
            "value": self.value,
            "confidence": round(self.confidence, 4),
            "source": self.source.value,
            "page": self.page,
            "box": None if self.box is None else [round(v, 1) for v in self.box],
        }
        if alternatives:
            out["alternatives"] = [a.to_dict() for a in self.alternatives]
        return out


@dataclass(frozen=True)
class LineItem:
    """One row of the goods/services table; every column is a ``FieldValue`` or None (not printed/read)."""

    name: FieldValue | None = None
    spec: FieldValue | None = None
    unit: FieldValue | None = None
    quantity: FieldValue | None = None
    unit_price: FieldValue | None = None
    amount: FieldValue | None = None
    tax_rate: FieldValue | None = None
    tax: FieldValue | None = None

    @classmethod
    def of(cls, *, confidence: float = 1.0, source: Source = Source.OCR, page: int = 1,
           **values: str | None) -> LineItem:
        """Build a row from plain canonical strings sharing one confidence/source (tests, simple callers)."""
        unknown = set(values) - set(LINE_COLUMNS)
        if unknown:
            raise ValueError(f"unknown line item columns: {sorted(unknown)}")
        return cls(**{k: None if v is None else FieldValue(v, confidence, source, page)
                      for k, v in values.items()})

    def value(self, column: str) -> str | None:
        fv: FieldValue | None = getattr(self, column)
        return fv.value if fv is not None else None

    @property
    def confidence(self) -> float:
        """Lowest confidence over the cells that are present (1.0 for an empty row)."""
        cells = [getattr(self, c) for c in LINE_COLUMNS]
        return min((c.confidence for c in cells if c is not None and c.present), default=1.0)

    def to_dict(self) -> dict[str, str | None]:
        return {c: self.value(c) for c in LINE_COLUMNS}

    def provenance(self) -> dict[str, dict[str, Any]]:
        """Column -> ``FieldValue.to_dict()`` for the cells that are present."""
        return {c: fv.to_dict() for c in LINE_COLUMNS if (fv := getattr(self, c)) is not None}


@dataclass(frozen=True)
class ExtractedInvoice:
    """The fields of one invoice (one page of one document) plus its rows and decoded QR payload."""

    fields: Mapping[str, FieldValue] = field(default_factory=dict)
    line_items: tuple[LineItem, ...] = ()
    page: int = 1
    qr: QrPayload | None = None
    # fields whose label was found with text after it that no reading made a value of (name -> the text)
    unread: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.fields) - set(FIELD_NAMES)
        if unknown:
            raise ValueError(f"unknown invoice fields: {sorted(unknown)}")
        object.__setattr__(self, "fields", dict(self.fields))
        object.__setattr__(self, "line_items", tuple(self.line_items))

    def get(self, name: str) -> FieldValue | None:
        """The field if it was found with a non-empty value, else None."""
        if name not in FIELD_NAMES:
            raise KeyError(name)
        fv = self.fields.get(name)
        return fv if fv is not None and fv.present else None

    def value(self, name: str) -> str | None:
        fv = self.get(name)
        return fv.value if fv is not None else None

    def with_field(self, name: str, fv: FieldValue | None) -> ExtractedInvoice:
        """A copy with ``name`` set (or removed when ``fv`` is None)."""
        fields = dict(self.fields)
        if fv is None:
            fields.pop(name, None)
        else:
            fields[name] = fv
        return replace(self, fields=fields)

    def to_dict(self) -> dict[str, Any]:
        return {
            "page": self.page,
            "fields": {n: (fv.to_dict() if (fv := self.fields.get(n)) is not None else None)
                       for n in FIELD_NAMES},
            "line_items": [li.to_dict() for li in self.line_items],
            "qr": self.qr.to_dict() if self.qr is not None else None,
        }


class InvoiceStatus(StrEnum):
    ACCEPTED = "accepted"  # the rules (or a person) accepted the record
    NEEDS_REVIEW = "needs_review"


class Severity(StrEnum):
    ERROR = "error"  # the record must not be accepted automatically
    WARNING = "warning"  # worth showing a reviewer; does not block acceptance by itself


class IssueCode(StrEnum):
    INVALID_FORMAT = "invalid_format"  # a value is not in its canonical form (not money, not a date...)
    MISSING_FIELD = "missing_field"  # a key field the invoice type requires was not found
    UNEXPECTED_FIELD = "unexpected_field"  # a field this type does not have (e.g. a code on 数电)
    UNKNOWN_INVOICE_TYPE = "unknown_invoice_type"  # no type, or one without rules
    TOTAL_MISMATCH = "total_mismatch"  # amount_excl_tax + tax != total
    LINES_AMOUNT_MISMATCH = "lines_amount_mismatch"  # sum of line amounts != amount_excl_tax
    LINES_TAX_MISMATCH = "lines_tax_mismatch"  # sum of line taxes != tax
    LINE_QTY_PRICE_MISMATCH = "line_qty_price_mismatch"  # quantity x unit price != amount
    LINE_TAX_MISMATCH = "line_tax_mismatch"  # amount x rate != line tax
    CAPITALS_MISMATCH = "capitals_mismatch"  # 大写 total != figures
    CAPITALS_UNREADABLE = "capitals_unreadable"  # 大写 total present but not parseable
    INVALID_TAX_ID = "invalid_tax_id"  # USCC check character wrong or malformed id
    INVALID_CODE = "invalid_code"  # 发票代码 length/structure
    CODE_YEAR_MISMATCH = "code_year_mismatch"  # year digits of the code vs the date
    CODE_CATEGORY_MISMATCH = "code_category_mismatch"  # category digits of the code vs the type
    INVALID_NUMBER = "invalid_number"  # 发票号码 length
    NUMBER_YEAR_MISMATCH = "number_year_mismatch"  # 数电 number's first two digits vs the date
    INVALID_CHECK_CODE = "invalid_check_code"  # 校验码 not 20 digits
    REGION_MISMATCH = "region_mismatch"  # issuing province (number/code) vs the seller tax id's
    UNREADABLE_FIELD = "unreadable_field"  # a key field's label is there, its value could not be read
    FUTURE_DATE = "future_date"
    DATE_TOO_OLD = "date_too_old"  # older than the verification window
    QR_MISMATCH = "qr_mismatch"  # QR payload and OCR reading disagree
    LOW_CONFIDENCE = "low_confidence"  # key field below the confidence threshold
    VENDOR_SUGGESTION = "vendor_suggestion"  # a known vendor matches a differently written seller


@dataclass(frozen=True)
class Issue:
    code: IssueCode
    field: str | None
    severity: Severity
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code.value, "field": self.field, "severity": self.severity.value,
                "detail": dict(self.detail)}
