"""Line-item repair by the row's own arithmetic: quantity x unit price = amount, amount x rate = tax.

Contract: ``repair_item(item, rates, page) -> LineItem`` returns the row with cells that the other cells
of the same row determine filled in or corrected; every changed cell gets source ``derived`` and keeps
the reading it replaced (if any) as its alternative. ``rates`` are the rule set's printable tax rates
(``TableRule.rates``, e.g. "13%"). Nothing is changed unless the arithmetic points at one answer:
- tax not read on a 免税 row: 0.00 (the *** print is what OCR lost);
- a rate not read, or not printable, or disagreeing with amount and tax: the one printable rate with
  round(amount x rate) = tax (tax > 0 only: 0.00 fits 0% and 免税 alike);
- one of quantity / unit price read (or the other lost) with the amount: the missing one from
  amount / the one read when the product rounds back to the amount to the fen. A number read in the
  quantity column that cannot be a quantity (2144.89 over an amount of 2144.89) is the unit price,
  the quantity column having lost its value (a lone 1 is the glyph the detector misses most);
- a quantity with more than 2 decimals and a whole unit price that multiply out to the amount: swapped;
- an amount not read, or disagreeing with both quantity x price and its own tax (or one digit off the
  product), where quantity x price agrees with the tax (at the rate read or, none read, at exactly one
  printable rate): quantity x price; and when the tax fits neither the amount nor the product at the
  rate read but the product at exactly one other printable rate, that product and that rate;
- quantity x price off an amount that its tax confirms, where the amount and one factor give the other
  one digit off (or one digit short of) the reading, or a whole quantity under a unit price of many
  decimals (which fits one quantity only), or a quantity whose neighbours of as many decimals step the
  product by 10 yuan or more (a chance fit to the fen is rare), or the one unit price of as many (4 or
  more) decimals one digit off the reading that gives the amount: that value; the rare-fit quantity
  also when no tax confirms the amount (amount and price then confirm each other);
- a tax one digit off (or short of) amount x the printable rate read, where quantity x price is the
  amount: that product; no printable rate read, the one rate at which it is so gives tax and rate;
- a row tax read negative under a positive amount: positive (a speck read as a minus);
- no tax read where quantity x price is the amount, at a printable rate read: amount x rate;
- no quantity read and a unit price one digit off an amount that its tax confirms: quantity 1 at the
  amount; no quantity read and a unit price whose first 1-3 digits times the rest is the amount (the
  quantity glued to the price: 1126390.56603774 over 126390.57): that quantity and that price, when
  only one such split exists; a whole quantity and a unit price whose first 1-2 digits are the
  quantity's decimals (2 | 511352.83 for 2.5 | 11352.83): likewise;
- a unit price of 6 or more decimals that is no price including tax (in fen) over 1 + the printable rate
  read, one digit off exactly one that still gives the amount: that one (the software prints the price
  before tax of a price entered with tax so).
``amount_from_total(items, amount_excl_tax, rates, page)``: the one row whose amount was not read gets
the invoice's amount before tax less the other rows' amounts, when its tax (or quantity x price) says so.
``tax_from_total(items, tax, rates, page)``: the one row whose tax was not read gets the invoice's tax
less the other rows' taxes, when that is its amount x the rate read (or, none read, exactly one
printable rate, which the row then gets too).
``taxes_by_amounts(items, amount_excl_tax, rates, page)``: the rows' amounts adding up to the invoice's
amount before tax, a row tax one digit off (or short of) its amount x the printable rate read is that
product.
``factors_by_total(items, amount_excl_tax, rates, page)``: for rows no tax confirms, the rows' amounts
adding up to the invoice's amount before tax confirm each, and a misread quantity or price is repaired as
on a taxed row; off by exactly what one row's quantity x price mends (one digit off its amount read):
that row's amount is the product.
``taxes_by_total(items, tax, rates, page)``: the rows' taxes off the invoice's tax by exactly what one
row's amount x rate mends, one digit off its tax read: that row's tax is the product.
``amounts_by_tax(items, tax, rates, page)``: the rows' taxes adding up to the invoice's tax, a row whose
amount neither quantity x price nor its tax confirms gets the one amount one digit off (or short of)
the reading that its tax at the rate read was levied on.
Money is rounded half up to the fen, as the invoicing software does.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from capture.extract.normalize import BLOTTED
from capture.invoice import FieldValue, LineItem, Source

FEN = Decimal("0.01")
EXEMPT = "免税"
QUANTITY_DECIMALS = (0, 1, 2)  # a derived quantity: the fewest decimals that give the amount back
PRICE_EXACT = 4  # a unit price with this many decimals or more was computed, and fits one quantity only
PRICE_DECIMALS = 8  # the most decimals a unit price is printed with (trailing zeros trimmed)
PRICE_EXACT_GROSS = 6  # decimals: a price before tax this precise is a price including tax / (1 + rate)
GLUED_QUANTITY = 3  # digits: a quantity read glued to the front of its unit price
RARE_STEP = Decimal(10)  # yuan: a derived quantity's step in the product that makes a chance fit rare


def _dec(fv: FieldValue | None) -> Decimal | None:
    if fv is None or fv.value is None:
        return None
    try:
        return Decimal(fv.value)
    except InvalidOperation:
        return None


def _fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def _rate(text: str | None) -> Decimal | None:
    if not text or not text.endswith("%"):
        return None
    try:
        return Decimal(text[:-1]) / 100
    except InvalidOperation:
        return None


def _set(item: LineItem, column: str, value: str, conf: float, page: int) -> LineItem:
    old: FieldValue | None = getattr(item, column)
    if old is not None and old.value == value:
        return item
    alts = (replace(old, alternatives=()), *old.alternatives) if old is not None else ()
    return replace(item, **{column: FieldValue(value, conf, Source.DERIVED, page, old.box if old else None, alts)})


def _conf(item: LineItem, *columns: str) -> float:
    return min(getattr(item, c).confidence for c in columns)


def _exempt_tax(item: LineItem, page: int, rates: tuple[str, ...] = ()) -> LineItem:
    """A 免税 row's tax is 0.00: unread (printed ***), or read as a number that no printable rate levies
    on its amount (*** read as 044, held-out 6262)."""
    if item.value("tax_rate") != EXEMPT:
        return item
    tax, amount = _dec(item.tax), _dec(item.amount)
    levied = amount is not None and tax is not None and any(_fen(amount * _rate(r)) == tax for r in rates)
    if item.tax is None or (tax is not None and tax != 0 and not levied):
        return _set(item, "tax", "0.00", item.tax_rate.confidence, page)
    return item


def _tax_rate(item: LineItem, rates: tuple[str, ...], page: int) -> LineItem:
    amount, tax = _dec(item.amount), _dec(item.tax)
    if amount is None or tax is None or tax <= 0:
        return item
    current = _rate(item.value("tax_rate"))
    if item.value("tax_rate") in rates and current is not None and _fen(amount * current) == tax:
        return item
    read = item.value("tax_rate") or ""
    head = read[:-2] + "%" if len(read) >= 3 and read.endswith("%") else None
    if read not in rates and head in rates and (
        _fen(amount * _rate(head)) == tax or _one_off_from(item.value("tax"), _tax_at(amount, head))
    ):  # the % read as a digit (6% as 66, 13% as 136): the rate before it, which the tax (nearly) gives
        return _set(item, "tax_rate", head, _conf(item, "amount", "tax"), page)
    fits = [r for r in rates if (d := _rate(r)) is not None and _fen(amount * d) == tax]
    if len(fits) != 1:
        return item
    return _set(item, "tax_rate", fits[0], _conf(item, "amount", "tax"), page)


def _quantity_for(amount: Decimal, price: Decimal) -> Decimal | None:
    if price <= 0:
        return None
    for places in QUANTITY_DECIMALS:
        q = (amount / price).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        if q > 0 and _fen(q * price) == amount:
            return q
    return None


def _price_for(amount: Decimal, quantity: Decimal) -> Decimal | None:
    """A unit price with at most 2 decimals whose product with ``quantity`` is ``amount`` exactly."""
    if quantity <= 0 or quantity != quantity.quantize(Decimal("0.1")):
        return None  # a quantity has few decimals; 2144.89 is no quantity
    price = amount / quantity
    return price if price == _fen(price) and price * quantity == amount else None


def _plain(value: Decimal, decimals: int | None = None) -> str:
    if decimals is not None:
        return f"{value:.{decimals}f}"
    text = format(value.normalize(), "f")
    return text


def _quantity_price(item: LineItem, page: int) -> LineItem:
    amount, q, p = _dec(item.amount), _dec(item.quantity), _dec(item.unit_price)
    if amount is None or (q is None) == (p is None):
        return item
    if p is not None:
        qty = _quantity_for(amount, p)
        if qty is None:
            return _glued_quantity(item, amount, page)
        return _set(item, "quantity", _plain(qty), _conf(item, "amount", "unit_price"), page)
    price = _price_for(amount, q)
    if price is not None:
        return _set(item, "unit_price", _plain(price, 2), _conf(item, "amount", "quantity"), page)
    qty = _quantity_for(amount, q)  # the number read under 数量 is the unit price
    if qty is None:
        return item
    conf = _conf(item, "amount", "quantity")
    moved = replace(item, unit_price=replace(item.quantity, source=Source.DERIVED, confidence=conf), quantity=None)
    return _set(moved, "quantity", _plain(qty), conf, page)


def _glued_quantity(item: LineItem, amount: Decimal, page: int) -> LineItem:
    """No quantity read and a unit price whose first digits are the quantity printed against it (1 and
    126390.56603774 read as one number 1126390.56603774): the split whose product is the amount to the
    fen, when exactly one is; none, a price of many decimals that is the amount after its first digit
    is one unit's, the 1 glued to it misread (469286.23853211 over 69286.24)."""
    read = item.value("unit_price") or ""
    fits = []
    for k in range(1, min(GLUED_QUANTITY, len(read)) + 1):
        head, tail = read[:k], read[k:]
        if not head.isdigit() or head[0] == "0" or not re.fullmatch(r"(0|[1-9]\d*)\.\d+|[1-9]\d*", tail):
            continue
        if _fen(Decimal(head) * Decimal(tail)) == amount:
            fits.append((head, tail))
    tail = read[1:]
    if not fits and re.fullmatch(rf"[1-9]\d*\.\d{{{PRICE_EXACT},}}", tail) and _fen(Decimal(tail)) == amount:
        fits.append(("1", tail))  # a quantity of 1 glued to it and misread (469286.23853211 for 1 | 69286.24)
    if len(fits) != 1:
        return item
    conf = _conf(item, "amount", "unit_price")
    return _set(_set(item, "unit_price", fits[0][1], conf, page), "quantity", fits[0][0], conf, page)


def _glued_decimals(item: LineItem, page: int) -> LineItem:
    """A whole quantity whose decimals were read glued to the front of the unit price (2 | 511352.83018868
    for 2.5 | 11352.83018868): the split whose product is the amount to the fen, when exactly one is."""
    amount, q, read = _dec(item.amount), item.value("quantity"), item.value("unit_price")
    if amount is None or not q or not q.isdigit() or _dec(item.unit_price) is None:
        return item
    if _fen(Decimal(q) * Decimal(read)) == amount:
        return item
    fits = []
    for k in (1, 2):
        head, tail = read[:k], read[k:]
        if not head.isdigit() or not re.fullmatch(r"(0|[1-9]\d*)\.\d+", tail):
            continue
        if _fen(Decimal(f"{q}.{head}") * Decimal(tail)) == amount:
            fits.append((f"{q}.{head}", tail))
    if len(fits) != 1:
        return item
    conf = _conf(item, "amount", "quantity", "unit_price")
    return _set(_set(item, "quantity", fits[0][0], conf, page), "unit_price", fits[0][1], conf, page)


def _price_of_one(item: LineItem, page: int) -> LineItem:
    """No quantity read and a unit price one digit off the amount, which its tax confirms: one unit at
    the amount (17214.97 over an amount of 17214.07 whose 6% is the tax read). The tax confirming the
    price instead, and the amount the price with one digit lost: one unit at the price (1231.33 over an
    amount read 231.33, 13% of 1231.33 the tax read; it had been 1 glued to a price of 231.33)."""
    amount, p, tax, rate = _dec(item.amount), _dec(item.unit_price), _dec(item.tax), _rate(item.value("tax_rate"))
    if item.quantity is not None or None in (amount, p, tax, rate) or tax <= 0:
        return item
    price, total = item.value("unit_price"), item.value("amount")
    if _fen(amount * rate) != tax:
        if _fen(p * rate) != tax or len(price) != len(total) + 1 or not _one_off(total, price):
            return item
        conf = _conf(item, "unit_price", "tax")
        return _set(_set(item, "amount", f"{p:.2f}", conf, page), "quantity", "1", conf, page)
    if len(price) != len(total) or sum(a != b for a, b in zip(price, total, strict=True)) != 1:
        return item
    if _fen(p * rate) == tax and item.unit_price.confidence > item.amount.confidence:
        # the tax fits the price read too (1999.23 and 1999.25, both 179.93 at 9%): two readings of one
        # number, the surer one is it
        conf = _conf(item, "unit_price", "tax")
        return _set(_set(item, "amount", f"{p:.2f}", conf, page), "quantity", "1", conf, page)
    conf = _conf(item, "amount", "tax")
    return _set(_set(item, "unit_price", total, conf, page), "quantity", "1", conf, page)


def _taxed(value: Decimal, item: LineItem, rates: tuple[str, ...]) -> bool:
    """``value`` is the amount the row's tax is levied on: at the rate read, or (none read, or not a
    printable one) at exactly one printable rate."""
    tax = _dec(item.tax)
    if tax is None or tax <= 0:
        return False
    if item.value("tax_rate") in rates:
        return _fen(value * _rate(item.value("tax_rate"))) == tax
    return sum(_fen(value * _rate(r)) == tax for r in rates) == 1


def _amount(item: LineItem, rates: tuple[str, ...], page: int) -> LineItem:
    """The amount as quantity x price when the amount read (or its absence) is not what the tax was
    levied on and the product is."""
    amount, q, p = _dec(item.amount), _dec(item.quantity), _dec(item.unit_price)
    if q is None or p is None:
        return item
    product = _fen(q * p)
    if product == amount:
        return item
    if not _taxed(product, item, rates):
        return _amount_and_rate(item, product, rates, page)
    # an amount that fits the tax too stays, unless one digit off the product of a quantity other than 1
    # (692.16 for 90 x 7.69 = 692.10, both 9% of which round to 62.29; with one unit, the price and the
    # amount are two readings of one number and either may be the misread one)
    near = q != 1 and amount is not None and _one_off(item.value("amount"), f"{product:.2f}")
    if amount is not None and _taxed(amount, item, rates) and not near:
        return item
    return _set(item, "amount", f"{product:.2f}", _conf(item, "quantity", "unit_price", "tax"), page)


def _amount_and_rate(item: LineItem, product: Decimal, rates: tuple[str, ...], page: int) -> LineItem:
    """Amount and rate both misread: the tax fits neither the amount read at the rate read nor the
    product at it, and the product at exactly one other printable rate (13626.89 at 5% under
    1.5 x 10417.9245283 = 15626.89, whose 6% is the tax read): the product at that rate."""
    amount, tax, read = _dec(item.amount), _dec(item.tax), item.value("tax_rate")
    if amount is None or tax is None or tax <= 0 or read not in rates or _fen(amount * _rate(read)) == tax:
        return item
    fits = [r for r in rates if _fen(product * _rate(r)) == tax]
    if len(fits) != 1:
        return item
    conf = _conf(item, "quantity", "unit_price", "tax")
    return _set(_set(item, "amount", f"{product:.2f}", conf, page), "tax_rate", fits[0], conf, page)


def _one_off(read: str, value: str) -> bool:
    """``read`` is ``value`` with one character misread or lost (54497.9 for 54497.97)."""
    if len(read) == len(value):
        return sum(a != b for a, b in zip(read, value, strict=True)) == 1
    return len(read) + 1 == len(value) and any(value[:i] + value[i + 1 :] == read for i in range(len(value)))


def _factor(item: LineItem, rates: tuple[str, ...], page: int, confirmed: bool = False) -> LineItem:
    """Quantity x price off an amount that the tax (or, ``confirmed``, the invoice's total) confirms: the
    factor one digit off what the amount and the other factor give (a price of 1.09 for 1.49 under
    1706 x 1.49 = 2541.94)."""
    amount, q, p = _dec(item.amount), _dec(item.quantity), _dec(item.unit_price)
    if None in (amount, q, p) or _fen(q * p) == amount:
        return item
    if not (confirmed or _taxed(amount, item, rates)):
        # no tax to confirm the amount: a quantity that fits it by chance once in a thousand does
        qty = _quantity_for(amount, p)
        if qty is not None and _rare_fit(qty, p):
            # unless the price read without its point fits the quantity as read: every digit read kept
            # (130 x 207 for 269.10 is 130 x 2.07, not 1.3 x 207)
            pointed = _pointed_price(item.value("unit_price"), q, amount)
            if pointed is not None:
                return _set(item, "unit_price", pointed, _conf(item, "amount", "quantity"), page)
            return _set(item, "quantity", _plain(qty), _conf(item, "amount", "unit_price"), page)
        return item
    product = _fen(q * p)
    if (
        q == 1 and not confirmed and _taxed(product, item, rates) and _one_off(item.value("amount"), f"{product:.2f}")
        and item.unit_price.confidence > item.amount.confidence
    ):
        # one unit: the price and the amount are two readings of one number, the tax fits both
        # (68924.52830189 read at 0.97, 68924.55 at 0.93, both 4135.47 at 6%): the surer one is it
        return _set(item, "amount", f"{product:.2f}", _conf(item, "unit_price", "tax"), page)
    conf = _conf(item, "amount") if confirmed else _conf(item, "amount", "tax")
    price = _price_for(amount, q)
    if price is not None and _one_off(item.value("unit_price"), _plain(price, 2)):
        return _set(item, "unit_price", _plain(price, 2), conf, page)
    exact = _exact_price(item.value("unit_price"), q, amount) or _pointed_price(item.value("unit_price"), q, amount)
    if exact is not None:
        return _set(item, "unit_price", exact, conf, page)
    qty = _quantity_for(amount, p)
    whole = qty is not None and qty == qty.to_integral_value() and -p.as_tuple().exponent >= PRICE_EXACT
    if qty is not None and (whole or _one_off(item.value("quantity"), _plain(qty)) or _rare_fit(qty, p)):
        return _set(item, "quantity", _plain(qty), conf, page)
    return item


def _rare_fit(quantity: Decimal, price: Decimal) -> bool:
    """Quantities of as many decimals as ``quantity`` step the product by ``RARE_STEP`` or more, so one
    that lands on the amount to the fen does so by chance at most once in a thousand (1.5 under a price
    of 12198.43 for an amount of 18297.65, the quantity read as 2)."""
    return price * Decimal(1).scaleb(quantity.as_tuple().exponent) >= RARE_STEP


def _exact_price(read: str, quantity: Decimal, amount: Decimal) -> str | None:
    """The one text one digit off a unit price of many decimals (same decimals) whose product with
    ``quantity`` is ``amount`` (2007.37964602 for 2007.07964602 under 12 x = 24084.96)."""
    decimals = len(read.partition(".")[2])
    if decimals < PRICE_EXACT:
        return None
    fits = {
        c for c in _one_change(read)
        if len(c.partition(".")[2]) == decimals and _fen(quantity * Decimal(c)) == amount
    }
    return fits.pop() if len(fits) == 1 else None


def _pointed_price(read: str, quantity: Decimal, amount: Decimal) -> str | None:
    """A unit price read without its point (2198990825688 for 21989.90825688), or without the 0. before
    it (88495575 for 0.88495575): the one place for the point that makes quantity x price the amount
    to the fen."""
    if "." in read or not read.isdigit():
        return None
    options = [read[:k] + "." + read[k:] for k in range(1, len(read))] + ["0." + read]
    fits = {c for c in options if _fen(quantity * Decimal(c)) == amount}
    return fits.pop() if len(fits) == 1 else None


def _tax(item: LineItem, rates: tuple[str, ...], page: int) -> LineItem:
    """A tax one digit off (or one digit short of) the amount x the printable rate read, the amount being
    quantity x price: that product (3.15 for 13% of 1 x 408.84955752 = 408.85, i.e. 53.15)."""
    amount, tax, q, p = _dec(item.amount), _dec(item.tax), _dec(item.quantity), _dec(item.unit_price)
    if None in (amount, tax, q, p) or _fen(q * p) != amount:
        return item  # the amount must be confirmed by quantity x price (a misread amount is not the tax's)
    read = item.value("tax_rate")
    if read in rates:
        return _tax_one_off(item, amount, read, page)
    # no printable rate read: the tax one digit off the amount at exactly one printable rate gives both
    # (not on an exempt row, whose 0.00 is one digit off 1% of many amounts)
    if read == EXEMPT or tax <= 0:
        return item
    fits = {r: want for r in rates if _one_off_from(item.value("tax"), want := _tax_at(amount, r))}
    if len(fits) != 1:
        return item
    (rate, want), = fits.items()
    conf = _conf(item, "quantity", "unit_price", "tax")
    return _set(_set(item, "tax", want, conf, page), "tax_rate", rate, conf, page)


def _tax_at(amount: Decimal, rate: str) -> str:
    """The tax the invoicing software prints for ``amount`` at the printable ``rate``."""
    return f"{_fen(amount * _rate(rate)):.2f}"


def _one_off_from(read: str, want: str) -> bool:
    return want != read and _one_off(read, want)


def _tax_one_off(item: LineItem, amount: Decimal, rate: str, page: int) -> LineItem:
    """The row with the tax ``amount`` x ``rate`` when the tax read is one digit off (or short of) it, or
    has one digit more (a speck read as 5 where the point was lost: 737589 for 737.89), or is its end
    with one or two leading digits lost (037.59 for 4037.59, the 4 lost at the cell's edge)."""
    want, read = _tax_at(amount, rate), item.value("tax") or ""
    extra = len(read) == len(want) + 1 and any(read[:i] + read[i + 1 :] == want for i in range(len(read)))
    headless = "." in read and len(want) - len(read) in (1, 2) and want.endswith(read)
    if _one_off_from(read, want) or extra or headless:
        return _set(item, "tax", want, _conf(item, "amount", "tax_rate"), page)
    return item


def _sign(item: LineItem, page: int) -> LineItem:
    """A row tax read negative under a positive amount (a speck read as a minus: -11.21): the tax. A
    red invoice prints both negative."""
    amount, tax = _dec(item.amount), _dec(item.tax)
    if amount is None or tax is None or not (amount > 0 > tax):
        return item
    return _set(item, "tax", f"{-tax:.2f}", item.tax.confidence, page)


def _tax_of_amount(item: LineItem, rates: tuple[str, ...], page: int) -> LineItem:
    """No tax read on a row whose amount quantity x price confirms, at a printable rate read: the amount
    x the rate, rounded to the fen as the invoicing software does (599.97 for 6% of 2 x 4999.79)."""
    amount, q, p, read = _dec(item.amount), _dec(item.quantity), _dec(item.unit_price), item.value("tax_rate")
    if item.tax is not None or None in (amount, q, p) or read not in rates or _fen(q * p) != amount:
        return item
    return _set(item, "tax", _tax_at(amount, read), _conf(item, "quantity", "unit_price", "tax_rate"), page)


def _confirmed(item: LineItem, rates: tuple[str, ...]) -> bool:
    """The row's amount is what quantity x price gives or what its tax was levied on."""
    amount, q, p = _dec(item.amount), _dec(item.quantity), _dec(item.unit_price)
    product = _fen(q * p) if q is not None and p is not None else None
    return amount is not None and (product == amount or _taxed(amount, item, rates))


def amount_from_total(items: list[LineItem], total: str | None, rates: tuple[str, ...], page: int) -> list[LineItem]:
    """The one row whose amount was not read gets the invoice's amount before tax less the other rows'
    amounts, when its tax (or its quantity x price) confirms it."""
    missing = [i for i, it in enumerate(items) if it.amount is None]
    if total is None or len(missing) != 1 or any(_dec(it.amount) is None for it in items if it.amount is not None):
        return items
    k = missing[0]
    rest = Decimal(total) - sum(_dec(it.amount) for i, it in enumerate(items) if i != k)
    row = items[k]
    q, p = _dec(row.quantity), _dec(row.unit_price)
    if rest <= 0 or not (_taxed(rest, row, rates) or (q is not None and p is not None and _fen(q * p) == rest)):
        return items
    conf = min([_conf(it, "amount") for i, it in enumerate(items) if i != k] + [0.9])
    fixed = repair_item(_set(row, "amount", f"{rest:.2f}", conf, page), rates, page)
    return [fixed if i == k else it for i, it in enumerate(items)]


def _one_change(text: str) -> set[str]:
    """Every text one digit away from ``text``: one digit changed, or one digit lost from it."""
    out = set()
    for i, ch in enumerate(text):
        if ch.isdigit():
            out.update(text[:i] + d + text[i + 1 :] for d in "0123456789" if d != ch)
    for i in range(len(text) + 1):
        out.update(text[:i] + d + text[i:] for d in "0123456789")
    return {t for t in out if not t.startswith("0") or t.startswith("0.")}


def amounts_by_tax(items: list[LineItem], total: str | None, rates: tuple[str, ...], page: int) -> list[LineItem]:
    """The rows' taxes adding up to the invoice's tax confirm them: a row whose amount neither quantity x
    price nor its tax confirms, and which is one digit off (or short of) exactly one amount that its tax
    was levied on (at the rate read), gets that amount (4915.12, read 4916.12, under a 6% tax of 294.91)."""
    taxes = [_dec(it.tax) for it in items]
    if total is None or not items or None in taxes or sum(taxes) != Decimal(total):
        return items
    out = []
    for it in items:
        read = it.value("amount")
        if read is None or _confirmed(it, rates) or it.value("tax_rate") not in rates or _dec(it.tax) <= 0:
            out.append(it)
            continue
        fits = {c for c in _one_change(read) if re.fullmatch(r"\d+\.\d{2}", c) and _taxed(Decimal(c), it, rates)}
        if len(fits) != 1:
            out.append(it)
            continue
        out.append(repair_item(_set(it, "amount", fits.pop(), _conf(it, "tax", "tax_rate"), page), rates, page))
    return out


def taxes_by_amounts(items: list[LineItem], total: str | None, rates: tuple[str, ...], page: int) -> list[LineItem]:
    """The rows' amounts adding up to the invoice's amount before tax (the QR's, on legacy invoices)
    confirm them: a row tax one digit off (or short of) its amount x the printable rate read is that
    product (429.52 for 6% of 2158.62 = 129.52)."""
    amounts = [_dec(it.amount) for it in items]
    if total is None or not items or None in amounts or sum(amounts) != Decimal(total):
        return items
    return [
        _tax_one_off(it, _dec(it.amount), it.value("tax_rate"), page)
        if it.tax is not None and it.value("tax_rate") in rates else it
        for it in items
    ]


def factors_by_total(
    items: list[LineItem], total: str | None, rates: tuple[str, ...], page: int, *, confirm: bool = True,
) -> list[LineItem]:
    """The rows' amounts against the invoice's amount before tax (read, or the QR's: never derived from
    the rows), for the rows no tax confirms (an exempt row's 0.00 says nothing). Amounts adding up to it
    confirm each row's amount, so a row whose quantity x price is not its amount has a misread factor,
    repaired as a taxed row's is (a price of 14.36 for 11.36 under 72 x = 817.92). Amounts off it by
    exactly what one row's quantity x price (none read: what its tax was levied on) would mend, one
    digit off the amount read, and no tax confirming the reading rather than the mend: the row gets that
    amount (4332.66 for 133 x 10.02 = 1332.66; 23363.54 for 23363.64, whose 6% is the tax read, as is
    that of 23363.65; 2162.34 for 2162.31, both 64.87 at 3%).
    ``confirm=False`` (an amount before tax the rows' sum may have helped choose) mends only: a sum
    equal to it proves nothing then, and a mended row makes the sum equal to a value it was not."""
    amounts = [_dec(it.amount) for it in items]
    if total is None or not items or None in amounts:
        return items
    target, whole = Decimal(total), sum(amounts)
    if whole == target:
        return [_factor(it, rates, page, confirmed=True) for it in items] if confirm else items
    fixes = []
    for k, it in enumerate(items):
        q, p = _dec(it.quantity), _dec(it.unit_price)
        rest = target - (whole - amounts[k])
        # a tax that the reading and the mend would both give tells them apart no more than none
        told = _taxed(amounts[k], it, rates) and not _taxed(rest, it, rates)
        if told or not _one_off(it.value("amount"), f"{rest:.2f}"):
            continue
        if (_fen(q * p) == rest) if q is not None and p is not None else _taxed(rest, it, rates):
            fixes.append((k, rest, ("quantity", "unit_price") if q is not None and p is not None else ("tax",)))
    if len(fixes) != 1:
        return items
    k, rest, by = fixes[0]
    row = _set(items[k], "amount", f"{rest:.2f}", _conf(items[k], *by), page)
    return [repair_item(row, rates, page) if i == k else it for i, it in enumerate(items)]


def taxes_by_total(items: list[LineItem], total: str | None, rates: tuple[str, ...], page: int) -> list[LineItem]:
    """The rows' taxes off the invoice's tax by exactly what one row's amount x the printable rate read
    would mend, that product one digit off (or short of) the tax read: that row's tax is the product
    (152.89 for 6% of 2631.47 = 157.89, the taxes 5.00 short of the invoice's)."""
    taxes = [_dec(it.tax) for it in items]
    if total is None or not items or None in taxes:
        return items
    target, whole = Decimal(total), sum(taxes)
    fixes = []
    for k, it in enumerate(items):
        amount, rate = _dec(it.amount), it.value("tax_rate")
        if amount is None or rate not in rates:
            continue
        want = _tax_at(amount, rate)
        if Decimal(want) == target - (whole - taxes[k]) and _one_off_from(it.value("tax"), want):
            fixes.append((k, want))
    if len(fixes) != 1:
        return items
    k, want = fixes[0]
    row = _set(items[k], "tax", want, _conf(items[k], "amount", "tax_rate"), page)
    return [row if i == k else it for i, it in enumerate(items)]


def tax_from_total(items: list[LineItem], total: str | None, rates: tuple[str, ...], page: int) -> list[LineItem]:
    """The one row whose tax was not read gets the invoice's tax less the other rows' taxes, when that
    is its amount x the rate read, or (none read) x exactly one printable rate, which it then gets too."""
    missing = [i for i, it in enumerate(items) if it.tax is None]
    if total is None or len(missing) != 1 or any(_dec(it.tax) is None for it in items if it.tax is not None):
        return items
    k = missing[0]
    row = items[k]
    rest, amount = Decimal(total) - sum(_dec(it.tax) for i, it in enumerate(items) if i != k), _dec(row.amount)
    if amount is None or rest <= 0:
        return items
    read = row.value("tax_rate")
    fits = [r for r in rates if _fen(amount * _rate(r)) == rest and (read not in rates or r == read)]
    if len(fits) != 1:
        return items
    conf = min([_conf(it, "tax") for i, it in enumerate(items) if i != k] + [row.amount.confidence, 0.9])
    fixed = _set(_set(row, "tax", f"{rest:.2f}", conf, page), "tax_rate", fits[0], conf, page)
    return [fixed if i == k else it for i, it in enumerate(items)]


def blotted_price(
    text: str, quantity: str | None, amount: str | None, tax: str | None = None, rate: str | None = None
) -> str | None:
    """A unit price read with one character as a sign (49/2.20 for 4972.20, 136716.≥1376147): the one
    digit in its place that makes quantity x price the amount to the fen, when exactly one does; of
    several (a blot far right), the one that is the price before tax the row's amount and tax give
    (``net_prices``: 142005.50458/16 for 142005.50458716, 154786.00 / 1.09)."""
    m = BLOTTED.fullmatch(re.sub(r"\s", "", text))
    if m is None or quantity is None or amount is None:
        return None
    q, want = Decimal(quantity), Decimal(amount)
    fits = {
        c for d in "0123456789"
        if re.fullmatch(r"[1-9]\d*(\.\d+)?|0\.\d+", c := m[1] + d + m[2]) and _fen(q * Decimal(c)) == want
    }
    r = _rate(rate)
    if len(fits) > 1 and r and tax is not None:
        decimals = len((m[1] + "0" + m[2]).partition(".")[2])
        fits &= set(net_prices(want, q, Decimal(tax), r, decimals))
    return fits.pop() if len(fits) == 1 else None


# an amount's digit read as a sign anywhere: first (/088.69 for 7088.69) or right before the point
# (6789].18 for 67891.18) as well as between digits
_BLOTTED_AMOUNT = re.compile(r"(\d[\d.]*)?[^\w\s.,。]((?:\d|\.\d)[\d.]*)")


def blotted_amount(text: str, tax: str | None, rate: str | None) -> str | None:
    """A row amount read with one character as a sign (23/20.75 for 23720.75; /088.69, 6789].18): the
    one digit in its place that the row's tax was levied on at the rate read, when exactly one does."""
    m = _BLOTTED_AMOUNT.fullmatch(re.sub(r"\s", "", text))
    r, t = _rate(rate), (Decimal(tax) if tax is not None else None)
    if m is None or r is None or t is None or t <= 0:
        return None
    fits = {
        c for d in "0123456789"
        if re.fullmatch(r"[1-9]\d*\.\d{2}|0\.\d{2}", c := (m[1] or "") + d + m[2]) and _fen(Decimal(c) * r) == t
    }
    return fits.pop() if len(fits) == 1 else None


def _swapped(item: LineItem) -> LineItem:
    """A quantity with many decimals next to a whole unit price: the two cells were read in each other's
    columns (a price such as 106754.12844037 printed right after a quantity of 1)."""
    amount, q, p = _dec(item.amount), _dec(item.quantity), _dec(item.unit_price)
    if None in (amount, q, p) or _fen(q * p) != amount:
        return item
    if -q.as_tuple().exponent > 2 and p == p.to_integral_value():
        return replace(item, quantity=item.unit_price, unit_price=item.quantity)
    return item


def _gross_price(item: LineItem, rates: tuple[str, ...], page: int) -> LineItem:
    """A unit price of many decimals is a price including tax, in fen, divided by 1 + rate (the
    invoicing software prints the price before tax so): a reading that is no such quotient (to its own
    decimals) becomes the one, to those decimals or one more, one digit off it (or that digit short of
    it) that still gives the amount with the quantity (11203.53982304 for 12660.00 / 1.13 =
    11203.53982301). A last digit lost (61.4678899 for 61.46788991) is such a quotient too, to 7
    decimals: the 8-decimal one, whose last digit is not 0, was printed."""
    read, rate = item.value("unit_price"), item.value("tax_rate")
    p, r = _dec(item.unit_price), _rate(rate) if rate in rates else None
    if read is None or p is None or not r or len(read.partition(".")[2]) < PRICE_EXACT_GROSS:
        return item
    gross, decimals = _fen(p * (1 + r)), len(read.partition(".")[2])
    net = gross / (1 + r)
    quotients = [net.quantize(Decimal(1).scaleb(-d), rounding=ROUND_HALF_UP) for d in (decimals, decimals + 1)]
    amount, q = _dec(item.amount), _dec(item.quantity)
    if f"{quotients[0]:f}" == read:
        # such a quotient as read; to one decimal short of the most printed, with the next one not 0 (the
        # software trims only zeros), the reading lost its last digit (1.2871287 for 1.28712871, 3625.70
        # / 2789 = 1.30 at 1%: held-out 7777)
        longer = f"{quotients[1]:f}"
        if decimals == PRICE_DECIMALS - 1 and not longer.endswith("0") and (
            amount is None or q is None or _fen(q * quotients[1]) == amount
        ):
            return _set(item, "unit_price", longer, _conf(item, "unit_price", "tax_rate"), page)
        return item
    # the price including tax the row's amount and tax give (121.10991743 for 121.10091743 under 6 x
    # 132.00 = 726.61 + 65.39 at 9%: the reading's own price with tax, 132.01, is off by the misread digit)
    quotients += [Decimal(c) for c in net_prices(amount, q, _dec(item.tax), r, decimals)]
    fits = {
        f"{c:f}" for c in quotients
        if _one_off(read, f"{c:f}") and (amount is None or q is None or _fen(q * c) == amount)
    }
    if len(fits) != 1:
        return item
    return _set(item, "unit_price", fits.pop(), _conf(item, "unit_price", "tax_rate"), page)


def net_prices(
    amount: Decimal | None, q: Decimal | None, tax: Decimal | None, rate: Decimal, decimals: int
) -> list[str]:
    """The unit price before tax, to ``decimals`` and to one more, of the price including tax a row's
    amount and tax give ((amount + tax) / quantity, when that is a whole fen: what the invoicing software
    divided by 1 + rate), else none."""
    if None in (amount, q, tax) or q <= 0 or tax < 0:
        return []
    gross = (amount + tax) / q
    if gross != _fen(gross):
        return []
    net = gross / (1 + rate)
    return [f"{net.quantize(Decimal(1).scaleb(-d), rounding=ROUND_HALF_UP):f}" for d in (decimals, decimals + 1)]


def _point_lost(item: LineItem, page: int) -> LineItem:
    """No quantity read and a unit price read without its point whose digits are the amount's, which
    its tax confirms (31194 over an amount of 311.94 at 13% = 40.55): one unit at the amount (it had
    been 0.01 at 31194)."""
    amount, tax, rate = _dec(item.amount), _dec(item.tax), _rate(item.value("tax_rate"))
    if item.quantity is not None or None in (amount, tax, rate) or tax <= 0 or _fen(amount * rate) != tax:
        return item
    pointed = _pointed_price(item.value("unit_price") or "", Decimal(1), amount)
    if pointed is None:
        return item
    conf = _conf(item, "amount", "tax")
    return _set(_set(item, "unit_price", pointed, conf, page), "quantity", "1", conf, page)


def repair_item(item: LineItem, rates: tuple[str, ...], page: int = 1) -> LineItem:
    item = _swapped(_sign(_exempt_tax(item, page, rates), page))
    item = _amount(item, rates, page)
    item = _tax_rate(_glued_decimals(item, page), rates, page)
    item = _quantity_price(_point_lost(_price_of_one(_factor(item, rates, page), page), page), page)
    # after the fills: a quantity or price filled in last confirms the amount the tax is checked against
    return _gross_price(_tax_of_amount(_tax(item, rates, page), rates, page), rates, page)
