"""Layout of the fully digital invoices (数电), 210 x 140 mm.

Kinds: 电子发票（增值税专用发票） 31 and 电子发票（普通发票） 32.
Top: QR top-left, the title (double underline, 监制章 over it), 发票号码/开票日期 top-right.
One ruled box: 购买方信息 | 销售方信息 side by side (名称, 统一社会信用代码/纳税人识别号), the unruled
item area (项目名称 ... 税率/征收率 | 税额) with 合计, 价税合计（大写）/（小写）, 备注; 开票人 underneath.
No 发票代码, 校验码, 机器编号 or 密码区. Printed from a PDF, so data and form are aligned.
"""

from __future__ import annotations

import random

from samples.canvas import Canvas
from samples.layout_common import (
    Inks,
    apply_seal,
    apply_supervision_seal,
    box_center,
    choose_inks,
    draw_item_header,
    draw_items,
    draw_sum_row,
    draw_total_row,
)

WIDTH, HEIGHT = 210.0, 140.0
L, R = 8.0, 202.0
MID = (L + R) / 2
COLS = [L, 60.0, 82.0, 94.0, 110.0, 137.0, 162.0, 178.0, R]
HEADERS = ("项目名称", "规格型号", "单位", "数量", "单价", "金额", "税率/征收率", "税额")
Y_TOP, Y_ITEMS, Y_ROWS, Y_SUM, Y_TOTAL, Y_REMARKS, Y_BOTTOM = 31.0, 53.0, 58.0, 93.0, 98.0, 105.0, 124.0


def _party(c: Canvas, x0: float, label: str, name: str, tax_id: str | None, prefix: str, ink: Inks) -> None:
    c.line(x0 + 7, Y_TOP, x0 + 7, Y_ITEMS, ink.form)
    c.vtext(x0 + 3.5, Y_TOP + 3, Y_ITEMS - 3, label, 3.0, ink.form)
    c.text(x0 + 9, Y_TOP + 6, "名称：", 3.0, ink.form, kind="label")
    c.text(x0 + 18.5, Y_TOP + 6, name, 3.1, ink.data, field=f"{prefix}_name", max_width=MID - L - 20)
    y = Y_TOP + 15
    c.text(x0 + 9, y, "统一社会信用代码/纳税人识别号：", 2.9, ink.form, kind="label")
    if tax_id:
        start = x0 + 9 + c.width_of("统一社会信用代码/纳税人识别号：", 2.9) + 0.5
        c.text(
            start, y, tax_id, 3.1, ink.data, field=f"{prefix}_tax_id", max_width=x0 + (R - L) / 2 - start - 1
        )


def draw_digital(
    truth: dict, dpi: int, rng: random.Random, *, seal_over: str | None = None, faint: bool = False
) -> Canvas:
    """Render a 数电 invoice; ``seal_over``: "seller", "amount" or None (most 数电 prints carry no stamp)."""
    ink = choose_inks(rng, paper=False, faint=faint)
    c = Canvas(WIDTH, HEIGHT, dpi, paper=(253, 253, 251))
    printed = truth["meta"]["printed"]
    c.qr(L + 3, 4, 20, truth["meta"]["qr_payload"])

    title = printed["title"]
    size = 5.4
    tw = c.width_of(title, size, "serif_bold")
    c.text(WIDTH / 2, 12, title, size, ink.title, face="serif_bold", anchor="mm", kind="title")
    c.double_underline(WIDTH / 2 - tw / 2 - 2, WIDTH / 2 + tw / 2 + 2, 17, ink.title)
    apply_supervision_seal(c, truth, rng, (WIDTH / 2, 12.5))
    for i, (label, value, field) in enumerate(
        (("发票号码", truth["invoice_number"], "invoice_number"), ("开票日期", printed["date"], "date"))
    ):
        y = 10 + i * 6
        c.text(149, y, f"{label}：", 3.0, ink.form, kind="label")
        c.text(164, y, value, 3.1, ink.data, field=field)

    c.rect(L, Y_TOP, R, Y_BOTTOM, ink.form, 0.3)
    for y in (Y_ITEMS, Y_TOTAL, Y_REMARKS):
        c.line(L, y, R, y, ink.form)
    c.line(MID, Y_TOP, MID, Y_ITEMS, ink.form)
    c.line(L + 38, Y_TOTAL, L + 38, Y_REMARKS, ink.form)
    _party(c, L, "购买方信息", truth["buyer_name"], truth["buyer_tax_id"], "buyer", ink)
    _party(c, MID, "销售方信息", truth["seller_name"], truth["seller_tax_id"], "seller", ink)

    draw_item_header(c, COLS, (Y_ITEMS + Y_ROWS) / 2, HEADERS, ink)
    draw_items(c, truth["line_items"], COLS, Y_ROWS, Y_SUM, ink)
    draw_sum_row(c, truth, COLS, (Y_SUM + Y_TOTAL) / 2, ink)
    amounts = draw_total_row(c, truth, L, L + 38, R, (Y_TOTAL + Y_REMARKS) / 2, ink)

    c.line(L + 7, Y_REMARKS, L + 7, Y_BOTTOM, ink.form)
    c.vtext(L + 3.5, Y_REMARKS + 4, Y_BOTTOM - 4, "备注", 3.0, ink.form)
    if truth["remarks"]:
        for i, line in enumerate(c.wrap(truth["remarks"], R - L - 12, 3.0)[:3]):
            c.text(L + 9, Y_REMARKS + 4 + i * 4.5, line, 3.0, ink.data, field="remarks")
    c.text(L + 12, Y_BOTTOM + 5, "开票人：", 3.0, ink.form, kind="label")
    c.text(L + 12 + c.width_of("开票人：", 3.0) + 1, Y_BOTTOM + 5, printed["drawer"], 3.1, ink.data)

    if seal_over == "amount":
        apply_seal(c, truth, rng, ink, box_center(amounts["total"]))
    elif seal_over == "seller":
        apply_seal(c, truth, rng, ink, (c.px(MID + 45), c.px(Y_TOP + 12)))
    c.regions["page"] = [0, 0, c.image.width, c.image.height]
    return c
