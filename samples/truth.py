"""Ground truth for one synthetic invoice: ``make_invoice(rng, kind, ref_date) -> dict``.

Contract: the returned dict has exactly the top-level keys of ``TRUTH_KEYS`` plus ``meta``. Money values are
2-decimal strings; amount_excl_tax = sum of line amounts, tax = sum of line taxes, total = amount + tax;
line amount = round(quantity * unit_price, 2) when both are printed; line tax = round(amount * rate, 2)
(``"0.00"`` for 免税, printed as ***); total_in_words = capitals of total. Codes and numbers follow
/work/shared/INVOICE-FACTS.md (year digits consistent with the date). ``meta.printed`` carries the
auxiliary printed text the layouts need (addresses, bank accounts, people, cipher block) which is not
part of the extracted record.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal

from samples import data
from samples.capitals import to_capitals
from samples.taxid import make_uscc

TRUTH_KEYS = (
    "invoice_type",
    "invoice_code",
    "invoice_number",
    "date",
    "amount_excl_tax",
    "tax",
    "total",
    "check_code",
    "machine_number",
    "buyer_name",
    "buyer_tax_id",
    "seller_name",
    "seller_tax_id",
    "currency",
    "total_in_words",
    "remarks",
    "line_items",
)
KIND_NAMES = {
    "01": "vat_special",
    "04": "vat_ordinary",
    "10": "vat_e_ordinary",
    "31": "digital_special",
    "32": "digital_ordinary",
    "receipt_en": "receipt_en",
}
TYPE_CODES = {name: code for code, name in KIND_NAMES.items()}
LEGACY = ("01", "04", "10")
DIGITAL = ("31", "32")
REF_DATE = dt.date(2026, 11, 20)  # dates fall in the two years before this (fixed: the set is reproducible)
NAME_WRAP_UNITS = 17.0  # item-name cell width in CJK characters (the layouts wrap at the same width)
MAX_ITEM_LINES = 8
CENT = Decimal("0.01")


def money(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def round_fen(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def text_units(text: str) -> float:
    return sum(0.55 if ord(c) < 0x2E80 else 1.0 for c in text)


def normalize_kind(kind: str) -> str:
    """Accept a type code ("01") or a kind name ("vat_special"); return the type code."""
    if kind in KIND_NAMES:
        return kind
    if kind in TYPE_CODES:
        return TYPE_CODES[kind]
    raise ValueError(f"unknown invoice kind {kind!r}; use one of {sorted(KIND_NAMES) + sorted(TYPE_CODES)}")


def _quantity(rng: random.Random, goods: data.Goods) -> Decimal:
    lo, hi = goods.qty or (1, 1)
    if goods.unit in ("千克", "月", "天") and rng.random() < 0.3:
        return Decimal(rng.randint(lo * 2, hi * 2)) / 2
    return Decimal(rng.randint(lo, hi))


def _unit_price(rng: random.Random, goods: data.Goods, rate: str) -> Decimal:
    lo, hi = goods.price
    if rng.random() < 0.35 and rate != "免税":
        # priced tax-inclusive: the excl-tax unit price carries up to 8 decimals, as the software prints it
        incl = Decimal(str(round(rng.uniform(lo, hi) * 1.1, 0 if hi > 50 else 1)))
        price = (incl / (1 + Decimal(rate[:-1]) / 100)).quantize(
            Decimal("0.00000001"), rounding=ROUND_HALF_UP
        )
        return price.normalize() if price != price.to_integral() else price.quantize(CENT)
    return Decimal(str(round(rng.uniform(lo, hi), 2))).quantize(CENT)


def _rate(rng: random.Random, goods: data.Goods, invoice_rate: str | None) -> str:
    if goods.rates == ("免税",):
        return "免税"
    if invoice_rate:  # small-scale taxpayer: one levy rate for everything
        return invoice_rate
    general = [r for r in goods.rates if r not in data.SMALL_SCALE_RATES]
    return rng.choice(general)


def _line_items(
    rng: random.Random, type_code: str, small_scale: bool, sector_goods: tuple[str, ...]
) -> list[dict]:
    n = rng.choices(range(1, 9), weights=(24, 20, 16, 12, 10, 8, 5, 5))[0]
    pool = list(sector_goods)
    rng.shuffle(pool)
    if type_code in ("01", "31"):  # exempt goods never appear on a special VAT invoice
        pool = [g for g in pool if data.GOODS_BY_NAME[g].rates != ("免税",)]
    items: list[dict] = []
    used_lines = 0
    invoice_rate = rng.choice(data.SMALL_SCALE_RATES) if small_scale else None
    for key in pool[:n]:
        goods = data.GOODS_BY_NAME[key]
        lines = 1 if text_units(goods.name) <= NAME_WRAP_UNITS else 2
        if used_lines + lines > MAX_ITEM_LINES:
            continue
        used_lines += lines
        rate = _rate(rng, goods, invoice_rate)
        if type_code in ("01", "31") and rate == "免税":
            rate = next(r for r in goods.rates if r != "免税")
        spec = rng.choice(goods.specs) or None
        if goods.qty is None and rng.random() < 0.5:
            quantity = unit_price = None
            amount = round_fen(Decimal(str(rng.uniform(*goods.price))))
        else:
            q = _quantity(rng, goods)
            p = _unit_price(rng, goods, rate)
            amount = round_fen(q * p)
            quantity, unit_price = str(q), str(p)
        if amount <= 0:
            amount = CENT
        tax = Decimal(0) if rate == "免税" else round_fen(amount * Decimal(rate[:-1]) / 100)
        items.append(
            {
                "name": goods.name,
                "spec": spec,
                "unit": goods.unit if quantity or rng.random() < 0.5 else None,
                "quantity": quantity,
                "unit_price": unit_price,
                "amount": money(amount),
                "tax_rate": rate,
                "tax": money(tax),
            }
        )
    return items


def _remarks(rng: random.Random, items: list[dict], seller_region: data.Region, date: dt.date) -> str | None:
    names = " ".join(i["name"] for i in items)
    if "运输服务" in names:
        dest = rng.choice(data.REGIONS).city
        plate = f"{seller_region.plate}{rng.choice('ABCDEFG')}{data.digits(rng, 5)}"
        return f"起运地：{seller_region.city} 到达地：{dest} 车种车号：重型厢式货车 {plate}"
    if "建筑服务" in names:
        place = f"{seller_region.city}市{rng.choice(seller_region.districts)}"
        return f"建筑服务发生地：{place} 项目名称：办公楼改造工程"
    roll = rng.random()
    if roll < 0.25:
        return f"合同编号：HT{date.year}{data.digits(rng, 4)}"
    if roll < 0.35:
        return f"订单号：{data.digits(rng, 12)}"
    return None


def _party(rng: random.Random, region: data.Region, individual: bool, industry: str | None = None) -> dict:
    if individual:
        return {"name": rng.choice((data.person(rng), "个人")), "tax_id": None, "address": "", "bank": ""}
    return {
        "name": data.company_name(rng, region, industry),
        "tax_id": make_uscc(rng, rng.choice(region.region6s)),
        "address": data.address_phone(rng, region),
        "bank": data.bank_account(rng, region),
    }


def _legacy_code(rng: random.Random, type_code: str, region: data.Region, yy: str) -> str:
    if type_code == "10":
        return f"0{region.code4}{yy}{rng.randint(1, 999):03d}11"
    if type_code == "04" and rng.random() < 0.5:
        return f"0{region.code4}{yy}{rng.randint(1, 999):03d}{rng.choice(('04', '05'))}"
    category = rng.choice("15") if type_code == "01" else rng.choice("36")
    copies = "3" if type_code == "01" else rng.choice("25")
    return f"{region.code4}{yy}{rng.randint(1, 9)}{category}{copies}0"


def make_invoice(
    rng: random.Random, kind: str, ref_date: dt.date = REF_DATE, *, currency: str | None = None
) -> dict:
    """A random invoice of ``kind`` (type code or kind name) issued in the two years before ``ref_date``.

    ``currency`` picks the locale of an English receipt (USD, SGD, AUD, EUR); Chinese invoices are CNY.
    """
    type_code = normalize_kind(kind)
    if type_code == "receipt_en":
        from samples.truth_en import make_receipt

        return make_receipt(rng, ref_date, currency=currency)
    date = ref_date - dt.timedelta(days=rng.randint(1, 730))
    yy = f"{date.year % 100:02d}"
    seller_region = rng.choice(data.REGIONS)
    buyer_region = seller_region if rng.random() < 0.6 else rng.choice(data.REGIONS)
    ordinary = type_code in ("04", "10", "32")
    small_scale = rng.random() < (0.15 if ordinary else 0.08)
    buyer = _party(rng, buyer_region, individual=ordinary and rng.random() < 0.1)
    industries, sector_goods = rng.choice(data.SECTORS)
    seller = _party(rng, seller_region, individual=False, industry=rng.choice(industries))
    items = _line_items(rng, type_code, small_scale, sector_goods)
    amount = sum((Decimal(i["amount"]) for i in items), Decimal(0))
    tax = sum((Decimal(i["tax"]) for i in items), Decimal(0))
    total = amount + tax
    crc = "".join(rng.choice("0123456789ABCDEF") for _ in range(4))
    ymd = date.strftime("%Y%m%d")
    if type_code in LEGACY:
        code = _legacy_code(rng, type_code, seller_region, yy)
        number = f"{rng.randint(1, 99999999):08d}"
        check = data.digits(rng, 20) if type_code != "01" else None
        machine = (rng.choice(("499099", "661", "66", "5393")) + data.digits(rng, 12))[:12]
        qr = f"01,{type_code},{code},{number},{money(amount)},{ymd},{check or ''},{crc},"
    else:
        code = check = machine = None
        number = f"{yy}{seller_region.code4[:2]}{rng.choice('127')}{rng.randint(1, 10**12):015d}"
        qr = f"01,{type_code},,{number},{money(total)},{ymd},,{crc},"
    electronic = type_code in ("10", "31", "32")
    printed = {
        "title": _title(type_code, seller_region),
        "copy_label": None if electronic else "第二联：发票联" if type_code == "04" else "第三联：发票联",
        "date": f"{date.year}年{date.month:02d}月{date.day:02d}日",
        "buyer_address": buyer["address"],
        "buyer_bank": buyer["bank"],
        "seller_address": seller["address"],
        "seller_bank": seller["bank"],
        "payee": data.person(rng),
        "reviewer": data.person(rng),
        "drawer": data.person(rng),
        "cipher": data.cipher_lines(rng) if type_code in LEGACY else None,
        "all_exempt": all(i["tax_rate"] == "免税" for i in items),
        "supervisor": _supervisor(seller_region),
    }
    return {
        "invoice_type": type_code,
        "invoice_code": code,
        "invoice_number": number,
        "date": date.isoformat(),
        "amount_excl_tax": money(amount),
        "tax": money(tax),
        "total": money(total),
        "check_code": check,
        "machine_number": machine,
        "buyer_name": buyer["name"],
        "buyer_tax_id": buyer["tax_id"],
        "seller_name": seller["name"],
        "seller_tax_id": seller["tax_id"],
        "currency": "CNY",
        "total_in_words": to_capitals(total),
        "remarks": _remarks(rng, items, seller_region, date),
        "line_items": items,
        "meta": {"kind": KIND_NAMES[type_code], "qr_payload": qr, "printed": printed},
    }


def _supervisor(region: data.Region) -> str:
    """The tax bureau named on the 全国统一发票监制章 (supervision seal) in the title."""
    suffix = "市" if region.title in ("北京", "上海", "天津", "深圳") else "省"
    return f"国家税务总局{region.title}{suffix}税务局"


def _title(type_code: str, region: data.Region) -> str:
    if type_code == "31":
        return "电子发票（增值税专用发票）"
    if type_code == "32":
        return "电子发票（普通发票）"
    return (
        region.title + {"01": "增值税专用发票", "04": "增值税普通发票", "10": "增值税电子普通发票"}[type_code]
    )
