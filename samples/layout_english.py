"""Layout of an English invoice/receipt (invoice_type ``receipt_en``): A4 (or US Letter for USD) portrait.

Seller block top-left, INVOICE title top-right with INVOICE NO / DATE / DUE DATE, BILL TO, an items table
(DESCRIPTION | QTY | UNIT PRICE | AMOUNT) with a coloured header band, then SUBTOTAL, tax line (GST/VAT/Sales
Tax with its rate), TOTAL with the currency, and notes.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from samples.canvas import Canvas

SYMBOLS = {"SGD": "S$", "AUD": "A$", "USD": "$", "EUR": "€"}
ACCENTS = ((32, 72, 120), (30, 110, 90), (90, 90, 96), (150, 60, 40))


def _money(value: str) -> str:
    return f"{Decimal(value):,.2f}"


def _due(truth: dict) -> str:
    printed = truth["meta"]["printed"]
    due = dt.date.fromisoformat(truth["date"]) + dt.timedelta(days=30)
    if printed["date_order"] == "mdy":
        return due.strftime("%m/%d/%Y")
    if any(ch.isalpha() for ch in printed["date"]):
        return due.strftime("%d %b %Y")
    sep = next((ch for ch in printed["date"] if not ch.isdigit()), "/")
    return due.strftime(f"%d{sep}%m{sep}%Y")


def draw_english(truth: dict, dpi: int, rng: random.Random, *, faint: bool = False, **_: object) -> Canvas:
    printed = truth["meta"]["printed"]
    letter = truth["currency"] == "USD"
    c = Canvas(215.9 if letter else 210.0, 279.4 if letter else 297.0, dpi, paper=(255, 255, 255))
    right = c.width_mm - 15
    accent = rng.choice(ACCENTS)
    ink = (30, 30, 34) if not faint else (120, 120, 126)
    grey = (110, 110, 116)

    c.text(15, 22, truth["seller_name"], 5.6, ink, face="sans_bold", field="seller_name")
    y = 30
    for line in printed["seller_address"] + [printed["email"]]:
        c.text(15, y, line, 3.3, grey, face="sans")
        y += 5
    if truth["seller_tax_id"]:
        c.text(
            15,
            y,
            f"{printed['tax_id_label']}: {truth['seller_tax_id']}",
            3.3,
            grey,
            field="seller_tax_id",
            face="sans",
        )

    c.text(right, 24, printed["title"], 10.0, accent, face="sans_bold", anchor="rm", kind="title")
    rows = (
        ("INVOICE NO:", truth["invoice_number"], "invoice_number"),
        ("DATE:", printed["date"], "date"),
        ("DUE DATE:", _due(truth), None),
    )
    for i, (label, value, field) in enumerate(rows):
        yy = 38 + i * 6
        c.text(right - 62, yy, label, 3.3, grey, face="sans_bold", kind="label")
        c.text(right, yy, value, 3.5, ink, anchor="rm", field=field, face="sans")

    c.text(15, 66, "BILL TO", 3.4, accent, face="sans_bold", kind="label")
    c.text(15, 73, truth["buyer_name"], 4.0, ink, face="sans_bold", field="buyer_name")
    for i, line in enumerate(printed["buyer_address"]):
        c.text(15, 79 + i * 5, line, 3.3, grey, face="sans")

    top = 98
    c.draw.rectangle([c.pt(15, top), c.pt(right, top + 8)], fill=accent)
    cols = (
        (17, "DESCRIPTION", "l"),
        (right - 70, "QTY", "r"),
        (right - 35, "UNIT PRICE", "r"),
        (right - 2, "AMOUNT", "r"),
    )
    for x, label, align in cols:
        c.text(x, top + 4, label, 3.2, (255, 255, 255), face="sans_bold", anchor=align + "m", kind="label")
    y = top + 8
    for index, item in enumerate(truth["line_items"]):
        values = (item["name"], item["quantity"], _money(item["unit_price"]), _money(item["amount"]))
        keys = ("name", "quantity", "unit_price", "amount")
        for (x, _, align), value, key in zip(cols, values, keys, strict=True):
            c.text(
                x,
                y + 4.5,
                value,
                3.4,
                ink,
                face="sans",
                anchor=align + "m",
                field=f"line_items[{index}].{key}",
            )
        y += 9
        c.line(15, y, right, y, (205, 205, 210), 0.2)

    y += 8
    symbol = SYMBOLS.get(truth["currency"], "")
    totals = (
        ("SUBTOTAL", _money(truth["amount_excl_tax"]), "amount_excl_tax"),
        (printed["tax_label"], _money(truth["tax"]), "tax"),
        (f"TOTAL {truth['currency']}", f"{symbol}{_money(truth['total'])}", "total"),
    )
    for i, (label, value, field) in enumerate(totals):
        bold = i == 2
        if bold:
            c.draw.rectangle([c.pt(right - 80, y - 4.5), c.pt(right, y + 4.5)], outline=accent, width=2)
        c.text(
            right - 77,
            y,
            label,
            3.6 if bold else 3.3,
            accent if bold else grey,
            face="sans_bold",
            kind="label",
        )
        c.text(
            right - 3,
            y,
            value,
            4.2 if bold else 3.5,
            ink,
            face="sans_bold" if bold else "sans",
            anchor="rm",
            field=field,
        )
        y += 9
    if truth["remarks"]:
        c.text(15, y + 12, "Notes", 3.3, accent, face="sans_bold", kind="label")
        c.text(15, y + 18, truth["remarks"], 3.3, ink, field="remarks", face="sans")
    c.line(15, c.height_mm - 22, right, c.height_mm - 22, (205, 205, 210), 0.2)
    c.text(
        c.width_mm / 2,
        c.height_mm - 16,
        f"{truth['seller_name']} · {printed['email']}",
        2.8,
        grey,
        anchor="mm",
    )
    c.regions["page"] = [0, 0, c.image.width, c.image.height]
    return c
