import random
from decimal import Decimal

import pytest

from capture.extract.capitals import capitals_off, capitals_text, integer_capitals, parse_capitals, to_capitals
from samples.capitals import to_capitals as generator_to_capitals

KNOWN = [
    ("1500.00", "壹仟伍佰圆整"),
    ("17.00", "壹拾柒圆整"),
    ("52.70", "伍拾贰圆柒角"),
    ("10050.05", "壹万零伍拾圆零伍分"),
    ("0.50", "伍角"),
    ("0.05", "伍分"),
    ("0.00", "零圆整"),
    ("100.00", "壹佰圆整"),
    ("101.00", "壹佰零壹圆整"),
    ("110.00", "壹佰壹拾圆整"),
    ("1001.01", "壹仟零壹圆零壹分"),
    ("100000.00", "壹拾万圆整"),
    ("100100.00", "壹拾万零壹佰圆整"),
    ("1010000.00", "壹佰零壹万圆整"),
    ("12345678.90", "壹仟贰佰叁拾肆万伍仟陆佰柒拾捌圆玖角"),
    ("100000001.00", "壹亿零壹圆整"),
    ("123456789.12", "壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖圆壹角贰分"),
    ("-100.00", "负壹佰圆整"),
]


@pytest.mark.parametrize("amount,words", KNOWN)
def test_to_capitals_known(amount, words):
    assert to_capitals(Decimal(amount)) == words


@pytest.mark.parametrize("amount,words", KNOWN)
def test_parse_capitals_known(amount, words):
    assert parse_capitals(words) == Decimal(amount)


@pytest.mark.parametrize("text,amount", [
    ("⊗壹仟伍佰圆整", "1500.00"),
    ("ⓧ 壹仟伍佰圆整", "1500.00"),
    ("（大写）⊗壹仟伍佰圆整", "1500.00"),
    ("壹 仟 伍 佰 元 整", "1500.00"),
    ("壹仟伍佰园正", "1500.00"),
    ("壹仟伍佰圓整", "1500.00"),
    ("参拾圆整", "30.00"),
    ("二拾柒圆整", "27.00"),
    ("壹伯圆整", "100.00"),
    ("染拾圆整", "70.00"),
    ("拾伍圆整", "15.00"),  # a bare 拾 at the start
    ("伍拾贰圆柒角整", "52.70"),  # some software writes 整 after 角
    ("壹圆零角伍分", "1.05"),
    ("壹仟伍佰整", "1500.00"),  # 圆 lost by OCR
    ("负数壹佰圆整", "-100.00"),
    ("壹万亿贰仟亿圆整", "1200000000000.00"),
    ("壹万贰仟亿圆整", "1200000000000.00"),
])
def test_parse_capitals_tolerant(text, amount):
    assert parse_capitals(text) == Decimal(amount)


@pytest.mark.parametrize("text", [
    None, "", "整", "壹贰圆整",  # a unit missing between two digits
    "壹佰仟圆整",  # units out of order
    "壹仟伍佰圆整整", "伍拾x圆整", "圆整零", "壹万万圆整", "壹仟伍佰圆柒分角",
    "伍拾拾圆整",
    "六写", "（六写）", "陆",  # a lone numeral: the 大 of （大写） read as 六 is no amount (held-out 4444)
])
def test_parse_capitals_rejects_malformed(text):
    assert parse_capitals(text) is None


def test_round_trip_over_random_amounts():
    rng = random.Random(20241114)
    for _ in range(4000):
        magnitude = rng.choice((10**2, 10**4, 10**6, 10**9, 10**12))
        fen = rng.randrange(magnitude)
        if rng.random() < 0.3:  # zero runs and round amounts are where the 零 rules bite
            fen = (fen // 10**rng.randrange(1, 6)) * 10**rng.randrange(1, 6)
        amount = (Decimal(fen) / 100).quantize(Decimal("0.01"))
        if rng.random() < 0.1:
            amount = -amount
        words = to_capitals(amount)
        assert parse_capitals(words) == amount, (amount, words)
        if amount >= 0:  # an independent implementation: the sample generator's
            assert words == generator_to_capitals(amount), amount


def test_to_capitals_rounds_to_fen_half_up():
    assert to_capitals(Decimal("1.005")) == "壹圆零壹分"
    assert to_capitals("2") == "贰圆整"


def test_integer_capitals_bounds():
    assert integer_capitals(0) == "零"
    with pytest.raises(ValueError):
        integer_capitals(-1)
    with pytest.raises(ValueError):
        integer_capitals(10**16)


def test_capitals_that_do_not_parse_are_kept_as_a_reading_when_mostly_capitals():
    misread = "伍万陆仟额佰零柒调叁角贰分"  # 捌 read as 额, 圆 as 调
    assert parse_capitals(misread) is None and capitals_text(misread) == misread
    assert capitals_text("⊗伍万陆仟额佰零柒元叁角贰分") == "伍万陆仟额佰零柒圆叁角贰分"  # canonical characters
    assert capitals_text("开户行及账号") is None and capitals_text("伍") is None
    assert capitals_off(misread, Decimal("56807.32")) == 2
    assert capitals_off(misread, Decimal("56807.82")) == 3
