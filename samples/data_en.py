"""Vocabulary for English invoices/receipts: locales (currency, tax label and rate, date order), items."""

from __future__ import annotations

import random
from dataclasses import dataclass

from samples.data import digits


@dataclass(frozen=True)
class Locale:
    currency: str
    tax_label: str
    tax_rate: str  # "9%"
    date_order: str  # "dmy" | "mdy"
    sellers: tuple[str, ...]
    buyers: tuple[str, ...]
    tax_id_label: str | None
    cities: tuple[str, ...]
    streets: tuple[str, ...]


EN_LOCALES = (
    Locale(
        "SGD",
        "GST",
        "9%",
        "dmy",
        ("Acme Supplies Pte Ltd", "Lion City Printing Pte Ltd", "Marina Tech Pte Ltd"),
        ("Orchid Trading Pte Ltd", "Tan & Partners LLP"),
        "GST Reg No",
        ("Singapore 018989", "Singapore 408600"),
        ("12 Marina Boulevard #17-01", "1 Raffles Place #20-01", "8 Ubi Road 2 #05-11"),
    ),
    Locale(
        "AUD",
        "GST",
        "10%",
        "dmy",
        ("Blue Fern Consulting Pty Ltd", "Harbour Coffee Co Pty Ltd"),
        ("Wattle Creek Farms Pty Ltd", "Southern Cross Logistics"),
        "ABN",
        ("Sydney NSW 2000", "Melbourne VIC 3000"),
        ("88 George Street", "7 Collins Street", "Level 4, 120 Pitt Street"),
    ),
    Locale(
        "USD",
        "Sales Tax",
        "8.875%",
        "mdy",
        ("Northwind Office Supply Inc.", "Brooklyn Bytes LLC"),
        ("Contoso Ltd.", "Fabrikam Inc."),
        None,
        ("New York, NY 10013", "Brooklyn, NY 11201"),
        ("415 Broadway", "230 Park Avenue South", "55 Water Street, Suite 300"),
    ),
    Locale(
        "EUR",
        "VAT",
        "19%",
        "dmy",
        ("Nordlicht Medien GmbH", "Rheinwerk Software GmbH"),
        ("Van der Berg B.V.", "Atelier Lumière SARL"),
        "VAT ID",
        ("10115 Berlin, Germany", "50667 Köln, Germany"),
        ("Friedrichstraße 68", "Hohenzollernring 21", "Torstraße 140"),
    ),
)

EN_ITEMS = (
    ("Consulting services (hours)", (90, 220), (2, 40)),
    ("Printer paper A4, box of 5 reams", (28, 46), (1, 12)),
    ("Coffee beans 1kg", (24, 42), (1, 10)),
    ("Cloud hosting - monthly plan", (49, 399), (1, 3)),
    ("USB-C cable 2m", (9, 19), (1, 20)),
    ("Office chair, ergonomic", (180, 540), (1, 4)),
    ("Website maintenance", (150, 900), (1, 1)),
    ("Delivery fee", (8, 35), (1, 1)),
)


def en_tax_id(rng: random.Random, locale: Locale) -> str | None:
    if locale.tax_id_label == "GST Reg No":
        return f"{rng.randint(2000, 2023)}{digits(rng, 5)}{rng.choice('KMRWZ')}"
    if locale.tax_id_label == "ABN":
        d = digits(rng, 11)
        return f"{d[:2]} {d[2:5]} {d[5:8]} {d[8:]}"
    if locale.tax_id_label == "VAT ID":
        return "DE" + digits(rng, 9)
    return None
