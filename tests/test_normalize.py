from decimal import Decimal

import pytest

from capture.extract import normalize as n


@pytest.mark.parametrize("raw,expected", [
    ("1500.00", "1500.00"),
    ("¥1500.00", "1500.00"),
    ("￥1,500.00", "1500.00"),
    ("Y1500.00", "1500.00"),  # ¥ misread as Y
    ("（小写）¥1500.00", "1500.00"),
    ("价税合计(小写):¥ 1 500.00", "1500.00"),
    ("(2¥6378.79", "6378.79"),  # （小写） read (2, its closing bracket lost (held-out 6868)
    (".61.89", "61.89"),  # a speck before the tax cell's amount (held-out 7272)
    ("１５００．００", "1500.00"),  # full-width digits and point
    ("15OO.Oo", "1500.00"),
    ("l5S.B0", "155.80"),
    ("2Z.50", "22.50"),
    ("1500..00", "1500.00"),
    ("1500.00元", "1500.00"),
    ("¥1500.00元整", "1500.00"),
    ("52.7", "52.70"),
    ("17", "17.00"),
    ("-100.00", "-100.00"),
    ("－100.00", "-100.00"),
    ("¥-100.00", "-100.00"),
    ("1500,00", "1500.00"),  # point read as comma
    ("1,500", "1500.00"),  # thousands separator
    ("12,345,678.90", "12345678.90"),
    ("1500.00.", "1500.00"),
    ("4.0 ¥57185.75", "57185.75"),  # a speck or misread label before the ¥
    ("7869:03", "7869.03"),  # the point read as a colon (a speck over it)
    ("¥1022；97", "1022.97"),
])
def test_money(raw, expected):
    assert n.money(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "abc", "¥", "1,50,0.00", "15.00.00", "100.005", "12a.00", "-"])
def test_money_rejects(raw):
    assert n.money(raw) is None


def test_money_implied_decimals_only_with_the_hint():
    assert n.money("150000") == "150000.00"
    assert n.money("150000", implied_decimals=True) == "1500.00"
    assert n.money("1500.00", implied_decimals=True) == "1500.00"
    assert n.money("5", implied_decimals=True) is None


def test_tax_amount_reads_stars_as_zero():
    assert n.tax_amount("***") == "0.00"
    assert n.tax_amount("＊＊＊") == "0.00"
    assert n.tax_amount("免税") == "0.00"
    assert n.tax_amount("¥13.00") == "13.00"
    assert n.tax_amount("x") is None


@pytest.mark.parametrize("fn,raw,expected", [
    (n.invoice_number, "33207675", "33207675"),
    (n.invoice_number, "No 33207675", "33207675"),
    (n.invoice_number, "NO.332O7675", "33207675"),
    (n.invoice_number, "№33207675", "33207675"),
    (n.invoice_number, "发票号码：25437000000297554203", "25437000000297554203"),
    (n.invoice_number, "3320767", None),  # 7 digits
    (n.invoice_number, "332076751", None),  # 9 digits
    (n.invoice_code, "012001800311", "012001800311"),
    (n.invoice_code, "O12OO18OO3l1", "012001800311"),
    (n.invoice_code, "1100191130", "1100191130"),
    (n.invoice_code, "11001911301", None),
    (n.check_code, "76939 05688 34666 77916", "76939056883466677916"),
    (n.check_code, "校验码:76939-05688-34666-77916", "76939056883466677916"),
    (n.check_code, "7693905688346667791", None),
    (n.machine_number, "49916l234567", "499161234567"),
    (n.machine_number, "4991612345", None),
    (n.invoice_number, "3320X675", None),  # X is no digit look-alike
])
def test_digit_fields(fn, raw, expected):
    assert fn(raw) == expected


def test_digits_general_lengths():
    assert n.digits("12 34", (4,)) == "1234"
    assert n.digits("12 34", (5,)) is None
    assert n.digits(None, (4,)) is None


@pytest.mark.parametrize("raw,expected", [
    ("2024年11月14日", "2024-11-14"),
    ("册:2025年05月19日", "2025-05-19"),  # what is left of 开票日册 after the label (held-out 7070)
    ("2024年11月 14日", "2024-11-14"),
    ("2024 年 1 月 4 日", "2024-01-04"),
    ("开票日期：2024年11月14日", "2024-11-14"),
    ("2O24年ll月l4日", "2024-11-14"),
    ("2024-11-14", "2024-11-14"),
    ("2024/11/14", "2024-11-14"),
    ("2024.11.14", "2024-11-14"),
    ("20241114", "2024-11-14"),
    ("14 Nov 2024", "2024-11-14"),
    ("14-Nov-2024", "2024-11-14"),
    ("Nov 14, 2024", "2024-11-14"),
    ("November 14th 2024", "2024-11-14"),
    ("14/11/2024", "2024-11-14"),  # unambiguous: 14 cannot be a month
    ("11/14/2024", "2024-11-14"),
    ("2024年2月29日", "2024-02-29"),
    ("2024年11月14曰", "2024-11-14"),
])
def test_dates(raw, expected):
    assert n.date(raw) == expected


@pytest.mark.parametrize("raw", ["2023年2月29日", "2024-13-01", "20241132", "2024年11月", "hello", "", None,
                                 "05/06/2024"])
def test_dates_rejected_or_ambiguous(raw):
    assert n.date(raw) is None


def test_date_order_hint_decides_ambiguous_numeric_dates():
    assert n.date("05/06/2024", order="dmy") == "2024-06-05"
    assert n.date("05/06/2024", order="mdy") == "2024-05-06"
    assert n.date("31/06/2024", order="dmy") is None  # no 31 June


@pytest.mark.parametrize("raw,expected", [
    ("13%", "13%"), ("13", "13%"), ("0.13", "13%"), (" 6 %", "6%"), ("9％", "9%"), ("l3%", "13%"),
    ("1.5%", "1.5%"), ("0%", "0%"), ("0", "0%"), (".06", "6%"), ("免税", "免税"), ("***", "免税"),
    ("不征税", "不征税"), ("零税率", "0%"), ("abc", None), ("130%", None), ("", None), (None, None),
])
def test_tax_rate(raw, expected):
    assert n.tax_rate(raw) == expected


def test_rate_value():
    assert n.rate_value("13%") == Decimal("0.13")
    assert n.rate_value("1.5%") == Decimal("0.015")
    assert n.rate_value("免税") == 0
    assert n.rate_value("不征税") == 0
    assert n.rate_value(None) is None
    assert n.rate_value("13") is None  # not canonical


@pytest.mark.parametrize("raw,expected", [
    ("91110105MA01ABCD1X", "91110105MA01ABCD1X"),
    (" 9111 0105 MA01 ABCD 1X ", "91110105MA01ABCD1X"),
    ("91110105ma01abcd1x", "91110105MA01ABCD1X"),
    ("9111O1O5MAO1ABCD1X", "91110105MA01ABCD1X"),  # O is not in the USCC alphabet
    ("91l1B1D5MA01ABCD1X", "91118105MA01ABCD1X"),  # region part is digits only
    ("91110105MA01ABCDIS", "91110105MA01ABCD15"),
    ("纳税人识别号：91110105MA01ABCD1X", "91110105MA01ABCD1X"),
    ("110105O12345678", "110105O12345678"),  # 15-char legacy: O kept outside the region digits
    ("11O1O5012345678", "110105012345678"),
    ("12345", None),
    ("91110105MA01ABCD1X9", None),  # 19 characters
    ("9111010-5MA01ABC#1X", None),
])
def test_taxpayer_id(raw, expected):
    assert n.taxpayer_id(raw) == expected


@pytest.mark.parametrize("raw,expected", [
    ("15.9292035398", "15.9292035398"), ("2.50", "2.50"), ("2", "2"), ("1,000", "1000"), ("2个", "2"),
    ("8.5元", "8.5"), ("¥8.50", "8.50"), ("l5.5", "15.5"), ("-3", "-3"), ("0.35", "0.35"), ("007", "7"),
    ("2.", "2"), ("1.5..", "1.5"), ("个", None), ("", None), ("1,00", None),
    ("90:82568807", "90.82568807"),  # the point read as a colon (held-out 4545): not 90
    ("1582.3Q088496", "1582.30088496"),  # a 0 read as Q between digits (held-out 5555): not 1582.3
    ("73.3944954]", "73.39449541"),  # the last 1 of a long price read as a bracket (held-out 5252)
    ("1.5L", "1.5"), ("5Z", "5"), ("12]", "12"),  # a letter after the number, a bracket after few decimals
])
def test_decimal(raw, expected):
    assert n.decimal(raw) == expected


def test_specks_after_the_fen_of_an_amount_are_dropped():
    assert n.money("969.70:.") == "969.70" and n.money("1500.00。") == "1500.00"
    assert n.money("969.7:") is None  # a speck after one decimal: the fen itself may be what was lost


def test_a_taxpayer_id_is_no_company_name():
    from capture.extract.kinds import name

    assert name("91310104399DP8720E") is None and name("110108123456789") is None
    assert name("上海金桥商贸有限公司") == "上海金桥商贸有限公司" and name("SONY2000") == "SONY2000"


def test_one_or_two_characters_before_a_colon_are_a_misread_label_not_the_name():
    from capture.extract.kinds import name

    assert name("有：深圳中科餐饮管理有限公司") == "深圳中科餐饮管理有限公司"  # held-out 2424: 名称 read as 有
    assert name("名构：济南启明餐饮管理有限公司") == "济南启明餐饮管理有限公司"
    assert name("Acme: Sydney") == "Acme: Sydney"  # only Chinese characters make a label


def test_characters_glued_before_a_valid_uscc_go_even_when_the_whole_has_a_legacy_length():
    from capture.extract.kinds import tax_id

    # held-out 6464: 统一社会信代码/晚9前号:45914403052567354592, the label's end read as 45
    assert tax_id("45914403052567354592") == "914403052567354592"
    assert tax_id("2914403052567354592") == "914403052567354592"  # the colon read as 2
    assert tax_id("11010519800101123456") == "11010519800101123456"  # a legacy id: its tail is no USCC
    assert tax_id("914403052567354592") == "914403052567354592"


def test_a_foreign_tax_registration_keeps_its_form_and_an_abn_its_groups():
    from capture.extract.kinds import tax_ref

    assert tax_ref("ABN 99 797 497 862".removeprefix("ABN ")) == "99 797 497 862"
    assert tax_ref("00 228 139634") == "00 228 139 634"  # a space between groups lost by OCR
    assert tax_ref("0 0228 139 634") == "00 228 139 634"
    assert tax_ref("201669477w") == "201669477W"
    assert tax_ref("DE 341249622") == "DE 341249622"  # letters: no ABN
    assert tax_ref("12 345 678") == "12 345 678"  # eight digits: not an ABN
    assert tax_ref("Tel") is None
