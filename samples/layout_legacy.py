"""Layout of the legacy VAT invoices, 240 x 140 mm.

Kinds: 增值税专用发票 01, 增值税普通发票 04, 增值税电子普通发票 10.
Top: QR (top-left) with 机器编号 under it, the title with a double underline and the
全国统一发票监制章 over it, 发票代码/发票号码/开票日期/校验码 top-right. Then one ruled box:
购买方 block with the 密码区 to its right, the unruled line-item area with its header and 合计 row,
价税合计（大写）/（小写）, 销售方 block with 备注 to its right; 收款人/复核/开票人/销售方（章）
underneath. Paper kinds (01, 04) have the data printed slightly off the form (dot-matrix); the
electronic kind (10) is pixel-aligned.
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

WIDTH, HEIGHT = 240.0, 140.0
L, R = 10.0, 230.0
COLS = [L, 70.0, 94.0, 106.0, 126.0, 152.0, 184.0, 197.0, R]
HEADERS = ("货物或应税劳务、服务名称", "规格型号", "单位", "数量", "单价", "金额", "税率", "税额")
Y_TOP, Y_ITEMS, Y_ROWS, Y_SUM, Y_TOTAL, Y_SELLER, Y_BOTTOM = 35.0, 56.0, 61.0, 95.0, 100.0, 107.0, 128.0
SIDE_X0, SIDE_X1 = 140.0, 147.0  # 密码区 / 备注 label column
PARTY_LABELS = ("名称", "纳税人识别号", "地址、电话", "开户行及账号")


def _party_block(
    c: Canvas, y0: float, label: str, values: list[tuple[str, str | None]], ink: Inks, side_label: str
) -> None:
    c.line(L + 7, y0, L + 7, y0 + 21, ink.form)
    c.vtext(L + 3.5, y0 + 4, y0 + 17, label, 3.2, ink.form)
    for i, (text, field) in enumerate(values):
        y = y0 + 3 + i * 5
        c.spread(L + 8.5, L + 29, y, PARTY_LABELS[i], 3.0, ink.form)
        c.text(L + 29.6, y, "：", 3.0, ink.form, kind="label")
        if text:
            c.text(L + 33, y, text, 3.1, ink.data, field=field, max_width=SIDE_X0 - L - 34)
    c.line(SIDE_X0, y0, SIDE_X0, y0 + 21, ink.form)
    c.line(SIDE_X1, y0, SIDE_X1, y0 + 21, ink.form)
    c.vtext((SIDE_X0 + SIDE_X1) / 2, y0 + 4, y0 + 17, side_label, 3.2, ink.form)


def _header(c: Canvas, truth: dict, ink: Inks, rng: random.Random) -> None:
    printed = truth["meta"]["printed"]
    c.qr(13, 5, 21, truth["meta"]["qr_payload"])
    c.text(13, 30.5, "机器编号：", 3.0, ink.form, kind="label")
    c.text(29, 30.5, truth["machine_number"], 3.1, ink.data, field="machine_number")
    title = printed["title"]
    size = 6.4
    tw = c.width_of(title, size, "serif_bold")
    c.text(WIDTH / 2, 12, title, size, ink.title, face="serif_bold", anchor="mm", kind="title")
    c.double_underline(WIDTH / 2 - tw / 2 - 3, WIDTH / 2 + tw / 2 + 3, 17, ink.title)
    apply_supervision_seal(c, truth, rng, (WIDTH / 2, 13))
    if printed["copy_label"]:
        c.text(WIDTH / 2, 22.5, printed["copy_label"], 3.2, ink.form, anchor="mm", kind="label")
    rows = [
        ("发票代码", truth["invoice_code"], "invoice_code"),
        ("发票号码", truth["invoice_number"], "invoice_number"),
        ("开票日期", printed["date"], "date"),
    ]
    if truth["check_code"]:
        cc = truth["check_code"]
        rows.append(("校验码", " ".join(cc[i : i + 5] for i in range(0, 20, 5)), "check_code"))
    for i, (label, value, field) in enumerate(rows):
        y = 8 + i * 5.4
        c.spread(163, 177, y, label, 3.0, ink.form)
        c.text(177.6, y, "：", 3.0, ink.form, kind="label")
        c.text(181, y, value, 3.2, ink.data, field=field)


def draw_legacy(
    truth: dict, dpi: int, rng: random.Random, *, seal_over: str | None = "seller", faint: bool = False
) -> Canvas:
    """Render a legacy VAT invoice; ``seal_over`` is "seller", "amount" or None."""
    paper = truth["invoice_type"] in ("01", "04")
    ink = choose_inks(rng, paper=paper, faint=faint)
    tint = (252, 251, 246) if not paper else rng.choice(((250, 248, 240), (248, 247, 242), (251, 249, 238)))
    c = Canvas(WIDTH, HEIGHT, dpi, paper=tint)
    if paper:
        c.data_offset = (rng.uniform(-0.4, 0.7), rng.uniform(-0.6, 0.6))
    printed = truth["meta"]["printed"]
    _header(c, truth, ink, rng)

    # ruled frame
    c.rect(L, Y_TOP, R, Y_BOTTOM, ink.form, 0.35)
    for y in (Y_ITEMS, Y_TOTAL, Y_SELLER):
        c.line(L, y, R, y, ink.form)
    c.line(L + 42, Y_TOTAL, L + 42, Y_SELLER, ink.form)

    buyer = [
        (truth["buyer_name"], "buyer_name"),
        (truth["buyer_tax_id"], "buyer_tax_id"),
        (printed["buyer_address"], None),
        (printed["buyer_bank"], None),
    ]
    _party_block(c, Y_TOP, "购买方", buyer, ink, "密码区")
    for i, line in enumerate(printed["cipher"]):
        c.text(
            (SIDE_X1 + R) / 2,
            Y_TOP + 3.2 + i * 4.9,
            line,
            4.0,
            ink.data,
            face="mono",
            anchor="mm",
            kind="cipher",
            max_width=R - SIDE_X1 - 2,
        )

    draw_item_header(c, COLS, (Y_ITEMS + Y_ROWS) / 2, HEADERS, ink)
    draw_items(c, truth["line_items"], COLS, Y_ROWS, Y_SUM, ink)
    draw_sum_row(c, truth, COLS, (Y_SUM + Y_TOTAL) / 2, ink)
    amounts = draw_total_row(c, truth, L, L + 42, R, (Y_TOTAL + Y_SELLER) / 2, ink)

    seller = [
        (truth["seller_name"], "seller_name"),
        (truth["seller_tax_id"], "seller_tax_id"),
        (printed["seller_address"], None),
        (printed["seller_bank"], None),
    ]
    _party_block(c, Y_SELLER, "销售方", seller, ink, "备注")
    if truth["remarks"]:
        for i, line in enumerate(c.wrap(truth["remarks"], R - SIDE_X1 - 3, 3.0)[:4]):
            c.text(SIDE_X1 + 1.5, Y_SELLER + 3.5 + i * 4.5, line, 3.0, ink.data, field="remarks")

    y = Y_BOTTOM + 4.5
    for x, label, value in (
        (14, "收款人", printed["payee"]),
        (72, "复核", printed["reviewer"]),
        (128, "开票人", printed["drawer"]),
        (182, "销售方：（章）", None),
    ):
        c.text(x, y, label + ("：" if value else ""), 3.0, ink.form, kind="label")
        if value:
            c.text(x + c.width_of(label + "：", 3.0) + 1, y, value, 3.1, ink.data)

    if seal_over == "amount":
        apply_seal(c, truth, rng, ink, box_center(amounts["total"]))
    elif seal_over == "seller":
        spot = rng.choice(((185, 119), (100, 116), (196, 124)))
        apply_seal(c, truth, rng, ink, (c.px(spot[0]), c.px(spot[1])))
    c.regions["page"] = [0, 0, c.image.width, c.image.height]
    return c
