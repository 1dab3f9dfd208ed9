"""Local validation of an extracted invoice: arithmetic, structure, dates, QR agreement, confidence.

Contract
- ``validate(inv, *, config, today, vendors=None) -> ValidationResult``; pure: ``today`` is injected,
  nothing reads a clock, a file or the network. Field values are expected in the canonical forms of
  ``capture.extract.normalize`` (a value that is not gives ``invalid_format``).
- Every finding is an ``Issue(code, field, severity, detail)``; ``detail`` carries the numbers (both
  sides, the difference, the tolerance). Errors block automatic acceptance; warnings do not by
  themselves. ``status`` is ``accepted`` iff there is no error AND every present key field has
  confidence >= ``config.confidence_threshold`` (each one below gets a ``low_confidence`` warning).
- What each invoice type must carry is data: ``TYPE_RULES`` (national type code -> ``TypeRule``),
  replaceable through ``ValidationConfig.type_rules``. An absent or unknown type is an error.
- QR vs OCR: a field whose chosen value disagrees with the QR payload is an error; when the QR value
  was chosen (source ``qr``) and an OCR alternative disagrees, a warning keeps both values. The QR
  amount is compared with ``amount_excl_tax`` (legacy) or ``total`` (数电) and accepted if it equals
  either (INVOICE-FACTS: "match against both").
- Code year: digits 5-6 (10-digit code) / 6-7 (12-digit) give the year the blank was printed; an
  invoice cannot be issued before it (error) and rarely more than ``code_year_slack`` years after
  (warning). A 数电 number's first two digits are the year of issue (error when they differ).
- A key field whose label was found with text after it that the extractor could make no value of
  (``ExtractedInvoice.unread``) is an error (``unreadable_field``, with the text), even where the
  invoice type does not require the field: something is printed there and a person must read it.
- Issuing province: the province of the tax office that issued the invoice (a 数电 number's digits 3-4,
  a legacy code's first region digits) is the seller's (a USCC's characters 3-4, a legacy id's first
  two): an error when they differ, since one of three key fields is then most likely misread (a seller
  registered in another province than it invoices from is rare; a person confirms).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Literal

from capture.extract.capitals import parse_capitals
from capture.extract.normalize import CODE_YEAR_SLACK, EXEMPT_RATES, code_year, rate_value
from capture.invoice import (
    KEY_FIELDS,
    ExtractedInvoice,
    FieldValue,
    InvoiceStatus,
    Issue,
    IssueCode,
    LineItem,
    Severity,
    Source,
)
from capture.taxid import PROVINCES, check_char, classify, invoice_province, repair_candidates
from capture.vendors import VendorList

E, W = Severity.ERROR, Severity.WARNING
CENT = Decimal("0.01")


@dataclass(frozen=True)
class TypeRule:
    """What one invoice type carries. ``code_kinds``: code length -> allowed category (digit 8 of a
    10-digit code, digits 11-12 of a 12-digit code); a length missing there is not checked."""

    name: str
    code_lengths: tuple[int, ...]  # () = the type has no 发票代码
    number_lengths: tuple[int, ...]
    check_code: Literal["required", "absent", "optional"]
    required: tuple[str, ...]  # key fields that must be present
    code_kinds: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    number_format: Literal["digits", "free"] = "digits"  # free: INV-2026-001 on foreign invoices
    tax_id_scheme: Literal["uscc", "foreign"] = "uscc"  # foreign: ABN, GST, VAT numbers (no USCC checksum)


_SPECIAL_REQ = ("invoice_code", "invoice_number", "date", "amount_excl_tax", "tax", "total", "seller_tax_id",
                "buyer_tax_id")
_ORDINARY_REQ = ("invoice_code", "invoice_number", "date", "check_code", "amount_excl_tax", "tax", "total",
                 "seller_tax_id")
TYPE_RULES: Mapping[str, TypeRule] = {
    "01": TypeRule("增值税专用发票", (10,), (8,), "absent", _SPECIAL_REQ, {10: ("1", "5")}),
    "03": TypeRule("机动车销售统一发票", (10, 12), (8,), "optional",
                   ("invoice_code", "invoice_number", "date", "amount_excl_tax", "total")),
    "04": TypeRule("增值税普通发票", (10, 12), (8,), "required", _ORDINARY_REQ,
                   {10: ("3", "6"), 12: ("04", "05")}),
    "08": TypeRule("增值税电子专用发票", (12,), (8,), "optional", _SPECIAL_REQ),
    "10": TypeRule("增值税电子普通发票", (12,), (8,), "required", _ORDINARY_REQ, {12: ("11",)}),
    "11": TypeRule("增值税普通发票（卷式）", (12,), (8,), "required",
                   ("invoice_code", "invoice_number", "date", "check_code", "total"), {12: ("06", "07")}),
    "14": TypeRule("增值税电子普通发票（通行费）", (12,), (8,), "required", _ORDINARY_REQ, {12: ("12",)}),
    "31": TypeRule("电子发票（增值税专用发票）", (), (20,), "absent",
                   tuple(f for f in _SPECIAL_REQ if f != "invoice_code")),
    "32": TypeRule("电子发票（普通发票）", (), (20,), "absent",
                   ("invoice_number", "date", "amount_excl_tax", "tax", "total", "seller_tax_id")),
    "receipt_en": TypeRule("invoice / receipt (English)", (), (), "absent", ("invoice_number", "date", "total"),
                           number_format="free", tax_id_scheme="foreign"),
}


GENERIC_REQUIRED = ("invoice_number", "date", "total")  # when the type is absent or has no rule


@dataclass(frozen=True)
class ValidationConfig:
    confidence_threshold: float = 0.90
    money_tolerance: Decimal = CENT  # amount + tax vs total, line sums, amount x rate vs tax
    line_relative_tolerance: Decimal = Decimal("0.0001")  # added to the printed-precision bound of q x p
    max_age_years: int = 5  # the verification platform only checks the last 5 years
    code_year_slack: int = CODE_YEAR_SLACK  # years a printed blank may be used after its code year before a warning
    type_rules: Mapping[str, TypeRule] = field(default_factory=lambda: dict(TYPE_RULES))


@dataclass(frozen=True)
class ValidationResult:
    status: InvoiceStatus
    issues: tuple[Issue, ...]

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity is Severity.ERROR)

    def codes(self) -> list[str]:
        return [i.code.value for i in self.issues]

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status.value, "issues": [i.to_dict() for i in self.issues]}


def _dec(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        d = Decimal(value)
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def _s(d: Decimal) -> str:
    """Money for an issue detail: 2 decimals."""
    return f"{d.quantize(CENT, rounding=ROUND_HALF_UP):.2f}"


class _Checker:
    def __init__(self, inv: ExtractedInvoice, config: ValidationConfig, today: date) -> None:
        self.inv, self.cfg, self.today = inv, config, today
        self.issues: list[Issue] = []
        self.type = inv.value("invoice_type")
        self.rule = config.type_rules.get(self.type) if self.type else None
        self.day: date | None = None

    def add(self, code: IssueCode, fld: str | None, severity: Severity, **detail: Any) -> None:
        self.issues.append(Issue(code, fld, severity, detail))

    def money(self, name: str) -> Decimal | None:
        value = self.inv.value(name)
        d = _dec(value)
        if value is not None and (d is None or d != d.quantize(CENT)):
            self.add(IssueCode.INVALID_FORMAT, name, E, value=value, expected="money with 2 decimals")
            return None
        return d

    # -- type, presence, confidence ----------------------------------------------------------------
    def presence(self) -> None:
        if self.type is None:
            self.add(IssueCode.MISSING_FIELD, "invoice_type", E)
        elif self.rule is None:
            self.add(IssueCode.UNKNOWN_INVOICE_TYPE, "invoice_type", E, value=self.type,
                     known=sorted(self.cfg.type_rules))
        if self.rule is None:
            for name in GENERIC_REQUIRED:
                if self.inv.get(name) is None:
                    self.add(IssueCode.MISSING_FIELD, name, E, invoice_type=self.type)
            return
        for name in self.rule.required:
            if self.inv.get(name) is None:
                self.add(IssueCode.MISSING_FIELD, name, E, invoice_type=self.type)
        if not self.rule.code_lengths and self.inv.get("invoice_code") is not None:
            self.add(IssueCode.UNEXPECTED_FIELD, "invoice_code", W, invoice_type=self.type,
                     value=self.inv.value("invoice_code"))
        if self.rule.check_code == "absent" and self.inv.get("check_code") is not None:
            self.add(IssueCode.UNEXPECTED_FIELD, "check_code", W, invoice_type=self.type,
                     value=self.inv.value("check_code"))

    def unreadable(self) -> None:
        for name, text in self.inv.unread.items():
            if name in KEY_FIELDS and self.inv.get(name) is None and not self._never_printed(name):
                self.add(IssueCode.UNREADABLE_FIELD, name, E, text=text)

    def _never_printed(self, name: str) -> bool:
        """The invoice's type prints no such field: text after a label taken for its label was another's
        (a 数电 invoice's 发票号码 read 发票码, taken for 发票代码, held-out 6868)."""
        if self.rule is None:
            return False
        return (name == "invoice_code" and not self.rule.code_lengths) or (
            name == "check_code" and self.rule.check_code == "absent")

    def low_confidence(self) -> list[str]:
        low = []
        for name in KEY_FIELDS:
            fv = self.inv.get(name)
            if fv is not None and fv.confidence < self.cfg.confidence_threshold:
                low.append(name)
                self.add(IssueCode.LOW_CONFIDENCE, name, W, confidence=round(fv.confidence, 4),
                         threshold=self.cfg.confidence_threshold)
        return low

    # -- dates, identifiers ------------------------------------------------------------------------
    def dates(self) -> None:
        value = self.inv.value("date")
        if value is None:
            return
        try:
            self.day = date.fromisoformat(value)
        except ValueError:
            self.add(IssueCode.INVALID_FORMAT, "date", E, value=value, expected="YYYY-MM-DD")
            return
        if self.day > self.today:
            self.add(IssueCode.FUTURE_DATE, "date", E, value=value, today=self.today.isoformat())
        years = self.cfg.max_age_years
        try:
            oldest = self.today.replace(year=self.today.year - years)
        except ValueError:  # 29 February
            oldest = self.today.replace(year=self.today.year - years, day=28)
        if self.day < oldest:
            self.add(IssueCode.DATE_TOO_OLD, "date", E, value=value, oldest=oldest.isoformat(),
                     max_age_years=years)

    def code(self) -> None:
        code = self.inv.value("invoice_code")
        if code is None:
            return
        lengths = self.rule.code_lengths if self.rule and self.rule.code_lengths else (10, 12)
        if not code.isdigit() or len(code) not in lengths:
            self.add(IssueCode.INVALID_CODE, "invoice_code", E, value=code, expected_lengths=list(lengths))
            return
        if len(code) == 12 and code[0] != "0":
            self.add(IssueCode.INVALID_CODE, "invoice_code", E, value=code,
                     reason="a 12-digit code starts with 0")
            return
        year = code_year(code)
        if year is not None and self.day is not None:
            late = self.day.year - year
            if late < 0 or late > self.cfg.code_year_slack:
                self.add(IssueCode.CODE_YEAR_MISMATCH, "invoice_code", E if late < 0 else W, value=code,
                         code_year=year, date_year=self.day.year, slack_years=self.cfg.code_year_slack)
        kinds = self.rule.code_kinds.get(len(code)) if self.rule else None
        kind = code[7] if len(code) == 10 else code[10:12]
        if kinds and kind not in kinds:
            self.add(IssueCode.CODE_CATEGORY_MISMATCH, "invoice_code", E, value=code, category=kind,
                     invoice_type=self.type, expected=list(kinds))

    def number(self) -> None:
        number = self.inv.value("invoice_number")
        if number is None:
            return
        if self.rule is not None and self.rule.number_format == "free":
            return
        lengths = self.rule.number_lengths if self.rule else (8, 20)
        if not number.isdigit() or len(number) not in lengths:
            self.add(IssueCode.INVALID_NUMBER, "invoice_number", E, value=number,
                     expected_lengths=list(lengths))
            return
        if len(number) == 20 and self.day is not None and number[:2] != f"{self.day.year % 100:02d}":
            self.add(IssueCode.NUMBER_YEAR_MISMATCH, "invoice_number", E, value=number,
                     number_year=number[:2], date_year=self.day.year)

    def region(self) -> None:
        number, code = self.inv.value("invoice_number"), self.inv.value("invoice_code")
        seller = self.inv.value("seller_tax_id")
        kind = classify(seller)
        if seller is None or kind not in ("uscc", "legacy"):
            return
        theirs = seller[2:4] if kind == "uscc" else seller[:2]
        issued = invoice_province(code, number)
        if issued is None:
            return
        field_name, ours = issued
        if theirs in PROVINCES and ours != theirs:
            self.add(IssueCode.REGION_MISMATCH, field_name, E, value=self.inv.value(field_name), province=ours,
                     seller_tax_id=seller, seller_province=theirs)

    def check_code(self) -> None:
        value = self.inv.value("check_code")
        if value is not None and not (value.isdigit() and len(value) == 20):
            self.add(IssueCode.INVALID_CHECK_CODE, "check_code", E, value=value, expected_length=20)

    def tax_ids(self) -> None:
        if self.rule is not None and self.rule.tax_id_scheme == "foreign":
            return
        for name in ("seller_tax_id", "buyer_tax_id"):
            value = self.inv.value(name)
            if value is None:
                continue
            kind = classify(value)
            if kind == "bad_check" and check_char(value[:17]) == value[17]:  # shifted: 13701127424H15Y7XP
                self.add(IssueCode.INVALID_TAX_ID, name, E, value=value, reason="region code", region=value[2:8],
                         repairs=repair_candidates(value))
            elif kind == "bad_check":
                self.add(IssueCode.INVALID_TAX_ID, name, E, value=value, reason="check character",
                         expected_check=check_char(value[:17]), repairs=repair_candidates(value))
            elif kind == "invalid":
                self.add(IssueCode.INVALID_TAX_ID, name, E, value=value, reason="format",
                         repairs=repair_candidates(value))

    # -- arithmetic --------------------------------------------------------------------------------
    def totals(self) -> None:
        amount, tax, total = self.money("amount_excl_tax"), self.money("tax"), self.money("total")
        tol = self.cfg.money_tolerance
        if amount is not None and tax is not None and total is not None and abs(amount + tax - total) > tol:
            self.add(IssueCode.TOTAL_MISMATCH, "total", E, amount_excl_tax=_s(amount), tax=_s(tax),
                     total=_s(total), difference=_s(amount + tax - total), tolerance=str(tol))
        words = self.inv.value("total_in_words")
        if words is not None:
            parsed = parse_capitals(words)
            if parsed is None:
                self.add(IssueCode.CAPITALS_UNREADABLE, "total_in_words", W, value=words)
            elif total is not None and parsed != total:
                self.add(IssueCode.CAPITALS_MISMATCH, "total_in_words", E, value=words,
                         words_amount=_s(parsed), total=_s(total))
        self.lines(amount, tax)

    def lines(self, amount: Decimal | None, tax: Decimal | None) -> None:
        items = self.inv.line_items
        if not items:
            return
        tol = self.cfg.money_tolerance
        for i, li in enumerate(items):
            for col, parse in (("quantity", _dec), ("unit_price", _dec), ("amount", _dec), ("tax", _tax),
                               ("tax_rate", rate_value)):
                if (value := li.value(col)) is not None and parse(value) is None:
                    self.add(IssueCode.INVALID_FORMAT, f"line_items[{i}].{col}", E, value=value)
        amounts = [_dec(li.value("amount")) for li in items]
        taxes = [_tax(li.value("tax")) for li in items]
        if amount is not None and all(a is not None for a in amounts):
            total = sum(amounts, Decimal(0))
            if abs(total - amount) > tol:
                self.add(IssueCode.LINES_AMOUNT_MISMATCH, "amount_excl_tax", E, lines_sum=_s(total),
                         amount_excl_tax=_s(amount), difference=_s(total - amount), lines=len(items))
        if tax is not None and all(t is not None for t in taxes):
            total = sum(taxes, Decimal(0))
            if abs(total - tax) > tol:
                self.add(IssueCode.LINES_TAX_MISMATCH, "tax", E, lines_sum=_s(total), tax=_s(tax),
                         difference=_s(total - tax), lines=len(items))
        for i, (li, a, t) in enumerate(zip(items, amounts, taxes, strict=True)):
            self.line(i, li, a, t)

    def line(self, i: int, li: LineItem, amount: Decimal | None, tax: Decimal | None) -> None:
        q, p = _dec(li.value("quantity")), _dec(li.value("unit_price"))
        if q is not None and p is not None and amount is not None:
            bound = abs(q) * Decimal(5).scaleb(_exp(p) - 1) + CENT / 2
            if _exp(q) < 0:
                bound += abs(p) * Decimal(5).scaleb(_exp(q) - 1)
            tol = max(self.cfg.money_tolerance, bound) + self.cfg.line_relative_tolerance * abs(amount)
            if abs(q * p - amount) > tol:
                self.add(IssueCode.LINE_QTY_PRICE_MISMATCH, f"line_items[{i}].amount", E, line=i,
                         quantity=str(q), unit_price=str(p), product=str(q * p), amount=_s(amount),
                         tolerance=str(tol.normalize()))
        rate_text = li.value("tax_rate")
        rate = rate_value(rate_text)
        if rate is None or amount is None:
            return
        expected = (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP)
        if rate_text in EXEMPT_RATES:
            if tax is not None and tax != 0:
                self.add(IssueCode.LINE_TAX_MISMATCH, f"line_items[{i}].tax", E, line=i, tax_rate=rate_text,
                         tax=_s(tax), expected="0.00")
        elif tax is not None and abs(expected - tax) > self.cfg.money_tolerance:
            self.add(IssueCode.LINE_TAX_MISMATCH, f"line_items[{i}].tax", E, line=i, tax_rate=rate_text,
                     amount=_s(amount), tax=_s(tax), expected=_s(expected))

    # -- QR, vendors -------------------------------------------------------------------------------
    def qr(self) -> None:
        qr = self.inv.qr
        if qr is None:
            return
        for name, q in qr.fields().items():
            if q is None:
                continue
            fv = self.inv.get(name)
            if fv is None:
                continue
            if name == qr.amount_field:
                other = "total" if name == "amount_excl_tax" else "amount_excl_tax"
                if _same(name, q, fv.value) or _same(other, q, self.inv.value(other)):
                    continue
            self.compare_qr(name, q, fv)

    def compare_qr(self, name: str, q: str, fv: FieldValue) -> None:
        if fv.source is not Source.QR:
            if not _same(name, q, fv.value):
                self.add(IssueCode.QR_MISMATCH, name, E, qr=q, ocr=fv.value, chosen_source=fv.source.value)
            return
        for alt in fv.alternatives:
            if alt.source is Source.OCR and alt.value is not None and not _same(name, q, alt.value):
                self.add(IssueCode.QR_MISMATCH, name, W, qr=q, ocr=alt.value, chosen_source=fv.source.value)

    def vendor(self, vendors: VendorList) -> None:
        name, tax_id = self.inv.value("seller_name"), self.inv.value("seller_tax_id")
        if name is None and tax_id is None:
            return
        m = vendors.match(name, tax_id)
        if m is None or (m.name == name and (m.tax_id is None or m.tax_id == tax_id)):
            return
        self.add(IssueCode.VENDOR_SUGGESTION, "seller_name", W, extracted_name=name, extracted_tax_id=tax_id,
                 **m.to_dict())


def _exp(d: Decimal) -> int:
    exp = d.as_tuple().exponent
    return exp if isinstance(exp, int) else 0


def _tax(value: str | None) -> Decimal | None:
    """A line tax cell: money, or ``***`` (printed on 免税 lines) = 0."""
    if value and value.strip("*＊※ ") == "":
        return Decimal(0)
    return _dec(value)


def _same(name: str, a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a == b
    if name in ("amount_excl_tax", "total", "tax"):
        da, db = _dec(a), _dec(b)
        return da is not None and db is not None and da == db
    return a == b


def validate(inv: ExtractedInvoice, *, config: ValidationConfig, today: date,
             vendors: VendorList | None = None) -> ValidationResult:
    """Run every check on ``inv`` (see the module contract)."""
    c = _Checker(inv, config, today)
    c.presence()
    c.unreadable()
    c.dates()
    c.code()
    c.number()
    c.check_code()
    c.tax_ids()
    c.region()
    c.totals()
    c.qr()
    if vendors is not None:
        c.vendor(vendors)
    low = c.low_confidence()
    ok = not low and not any(i.severity is Severity.ERROR for i in c.issues)
    return ValidationResult(InvoiceStatus.ACCEPTED if ok else InvoiceStatus.NEEDS_REVIEW, tuple(c.issues))
