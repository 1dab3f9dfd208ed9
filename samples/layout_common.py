"""Pieces shared by the Chinese invoice layouts: inks, the line-item table, 合计 and 价税合计 rows, the seal.

The item area is drawn as on real VAT invoices: header labels, then unruled rows (no column lines), long
names wrapped inside the name column, numbers right-aligned in their columns.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from samples.canvas import Canvas
from samples.seal import invoice_seal, stamp, supervision_seal

ITEM_FIELDS = ("name", "spec", "unit", "quantity", "unit_price", "amount", "tax_rate", "tax")
ALIGN = {
    "name": "l",
    "spec": "l",
    "unit": "m",
    "quantity": "r",
    "unit_price": "r",
    "amount": "r",
    "tax_rate": "m",
    "tax": "r",
}


@dataclass(frozen=True)
class Inks:
    form: tuple[int, int, int]  # pre-printed lines and labels
    data: tuple[int, int, int]  # what the printer put on it
    title: tuple[int, int, int]
    seal: tuple[int, int, int]


def choose_inks(rng: random.Random, *, paper: bool, faint: bool = False) -> Inks:
    forms = ((150, 78, 46), (136, 62, 44), (158, 92, 52), (128, 70, 40))
    datas = ((24, 26, 40), (28, 36, 92), (36, 36, 44)) if paper else ((10, 10, 10), (20, 20, 24))
    form, data = rng.choice(forms), rng.choice(datas)
    if faint:  # a worn ribbon / toner-saving print: everything is lighter and lower contrast
        form = tuple(min(235, c + 60) for c in form)
        data = tuple(min(160, c + 95) for c in data)
    return Inks(form=form, data=data, title=form, seal=(214, 42, 50) if not faint else (225, 90, 96))


def draw_item_header(
    c: Canvas, cols: list[float], y: float, labels: tuple[str, ...], ink: Inks, size: float = 3.0
) -> None:
    for i, label in enumerate(labels):
        x0, x1 = cols[i], cols[i + 1]
        if len(label) <= 2:
            c.spread(x0 + (x1 - x0) * 0.25, x1 - (x1 - x0) * 0.25, y, label, size, ink.form)
        else:
            c.text((x0 + x1) / 2, y, label, size, ink.form, anchor="mm", kind="label", max_width=x1 - x0 - 1)


def draw_items(
    c: Canvas, items: list[dict], cols: list[float], top: float, bottom: float, ink: Inks, size: float = 3.1
) -> None:
    """Rows of line items between ``top`` and ``bottom`` mm; a wrapped name takes a second row."""
    name_width = cols[1] - cols[0] - 1.2
    rows = [c.wrap(item["name"], name_width, size) for item in items]
    n_rows = sum(len(r) for r in rows)
    row_h = min(4.3, (bottom - top) / max(n_rows, 1))
    y = top + row_h / 2 + 0.4
    for index, (item, name_lines) in enumerate(zip(items, rows, strict=True)):
        for k, line in enumerate(name_lines):
            c.text(cols[0] + 0.8, y + k * row_h, line, size, ink.data, field=f"line_items[{index}].name")
        for col, key in enumerate(ITEM_FIELDS):
            if key == "name":
                continue
            value = item[key]
            if key == "tax" and item["tax_rate"] == "免税":
                value = "***"
            if not value:
                continue
            x0, x1 = cols[col], cols[col + 1]
            align = ALIGN[key]
            x = x0 + 0.8 if align == "l" else x1 - 0.8 if align == "r" else (x0 + x1) / 2
            c.text(
                x,
                y,
                value,
                size,
                ink.data,
                anchor=align + "m",
                field=f"line_items[{index}].{key}",
                max_width=x1 - x0 - 1.2,
            )
        y += row_h * len(name_lines)


def draw_sum_row(c: Canvas, truth: dict, cols: list[float], y: float, ink: Inks, size: float = 3.1) -> None:
    """合计 row: ¥amount under 金额, ¥tax under 税额 (*** when every line is 免税)."""
    c.spread(cols[0] + 12, cols[0] + 32, y, "合计", size, ink.form)
    c.text(
        cols[6] - 0.8, y, f"¥{truth['amount_excl_tax']}", size, ink.data, anchor="rm", field="amount_excl_tax"
    )
    tax = "***" if truth["meta"]["printed"]["all_exempt"] else f"¥{truth['tax']}"
    c.text(cols[8] - 0.8, y, tax, size, ink.data, anchor="rm", field="tax")


def draw_total_row(
    c: Canvas, truth: dict, x0: float, x_label_end: float, x1: float, y: float, ink: Inks, size: float = 3.2
) -> dict[str, list[int]]:
    """价税合计（大写） | ⊗ capitals ... （小写）¥total. Returns the boxes of the two amounts."""
    c.text(
        x0 + (x_label_end - x0) / 2,
        y,
        "价税合计（大写）",
        size,
        ink.form,
        anchor="mm",
        kind="label",
        max_width=x_label_end - x0 - 1.5,
    )
    c.text(x_label_end + 3, y, "⊗", size * 1.1, ink.data, anchor="lm", kind="data", field=None)
    words = c.text(
        x_label_end + 8, y, truth["total_in_words"], size, ink.data, anchor="lm", field="total_in_words"
    )
    small_x = x1 - 52
    c.text(small_x, y, "（小写）", size, ink.form, anchor="lm", kind="label")
    figure = c.text(
        small_x + 13.5, y, f"¥{truth['total']}", size * 1.05, ink.data, anchor="lm", field="total"
    )
    return {"words": words, "total": figure}


def apply_seal(c: Canvas, truth: dict, rng: random.Random, ink: Inks, target_px: tuple[float, float]) -> None:
    mask = invoice_seal(c.dpi, truth["seller_name"], truth["seller_tax_id"], rng)
    jitter = c.px(2.5)
    center = (target_px[0] + rng.uniform(-jitter, jitter), target_px[1] + rng.uniform(-jitter, jitter))
    c.regions["seal"] = stamp(c.image, mask, center, ink.seal, opacity=rng.uniform(0.75, 0.92))


def apply_supervision_seal(
    c: Canvas, truth: dict, rng: random.Random, center_mm: tuple[float, float]
) -> None:
    mask = supervision_seal(c.dpi, truth["meta"]["printed"]["supervisor"], rng)
    center = (c.px(center_mm[0]), c.px(center_mm[1]))
    c.regions["supervision_seal"] = stamp(c.image, mask, center, (222, 96, 70), opacity=0.55)


def box_center(box: list[int]) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
