"""Ground truth for an English invoice/receipt (invoice_type ``"receipt_en"``).

Same top-level keys as the Chinese truth. Tax is levied on the subtotal (tax = round(subtotal * rate, 2)),
so line items carry ``tax_rate``/``tax`` = null; codes, check code, machine number, total_in_words are null.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from samples import data_en
from samples.truth import money, round_fen


def printed_date(date: dt.date, order: str, rng: random.Random) -> str:
    sep = rng.choice("/-.") if order == "dmy" else "/"
    if order == "mdy":
        return f"{date.month:02d}{sep}{date.day:02d}{sep}{date.year}"
    if rng.random() < 0.3:
        return date.strftime("%d %b %Y")
    return f"{date.day:02d}{sep}{date.month:02d}{sep}{date.year}"


def make_receipt(rng: random.Random, ref_date: dt.date, currency: str | None = None) -> dict:
    locale = rng.choice(data_en.EN_LOCALES)
    if currency:
        locale = next(loc for loc in data_en.EN_LOCALES if loc.currency == currency)
    date = ref_date - dt.timedelta(days=rng.randint(1, 730))
    items = []
    for description, (lo, hi), (qlo, qhi) in rng.sample(data_en.EN_ITEMS, rng.randint(1, 5)):
        qty = rng.randint(qlo, qhi)
        price = Decimal(str(round(rng.uniform(lo, hi), 2))).quantize(Decimal("0.01"))
        amount = round_fen(qty * price)
        items.append(
            {
                "name": description,
                "spec": None,
                "unit": None,
                "quantity": str(qty),
                "unit_price": str(price),
                "amount": money(amount),
                "tax_rate": None,
                "tax": None,
            }
        )
    subtotal = sum((Decimal(i["amount"]) for i in items), Decimal(0))
    tax = round_fen(subtotal * Decimal(locale.tax_rate[:-1]) / 100)
    total = subtotal + tax
    seq = rng.randint(1, 9999)
    number = rng.choice(
        (
            f"INV-{date.year}-{seq:04d}",
            f"INV{date.year}{seq:04d}",
            f"{date.year}-{seq:04d}",
            str(rng.randint(1000, 99999)),
        )
    )
    seller = rng.choice(locale.sellers)
    remarks = rng.choice((None, "Payment due within 30 days.", "Thank you for your business!"))
    return {
        "invoice_type": "receipt_en",
        "invoice_code": None,
        "invoice_number": number,
        "date": date.isoformat(),
        "amount_excl_tax": money(subtotal),
        "tax": money(tax),
        "total": money(total),
        "check_code": None,
        "machine_number": None,
        "buyer_name": rng.choice(locale.buyers),
        "buyer_tax_id": None,
        "seller_name": seller,
        "seller_tax_id": data_en.en_tax_id(rng, locale),
        "currency": locale.currency,
        "total_in_words": None,
        "remarks": remarks,
        "line_items": items,
        "meta": {
            "kind": "receipt_en",
            "qr_payload": None,
            "printed": {
                "date": printed_date(date, locale.date_order, rng),
                "date_order": locale.date_order,
                "tax_label": f"{locale.tax_label} {locale.tax_rate}",
                "tax_id_label": locale.tax_id_label,
                "seller_address": [rng.choice(locale.streets), rng.choice(locale.cities)],
                "buyer_address": [rng.choice(locale.streets), rng.choice(locale.cities)],
                "title": rng.choice(("INVOICE", "TAX INVOICE", "INVOICE")),
                "email": "accounts@" + seller.split()[0].lower().replace("&", "") + ".example",
            },
        },
    }
