import random

import pytest

from capture.taxid import ALPHABET, check_char, classify, is_format_valid, is_valid_uscc, repair_candidates
from samples.taxid import make_uscc

# Computed by hand from GB 32100-2015: 9,1,3,5,0,1,0,0,M(21),A(10),5,G(16),4,2,6,3,W(28)
# weighted sum = 9+3+27+135+0+26+0+0+420+290+125+208+32+48+60+90+784 = 2257; 2257 mod 31 = 25;
# 31 - 25 = 6 -> "6"
HAND = "91350100MA5G4263W6"


def test_check_char_hand_computed():
    assert check_char(HAND[:17]) == "6"
    assert is_valid_uscc(HAND)


def test_check_char_31_maps_to_0():
    # find a prefix whose weighted sum is 0 mod 31: then 31 - 0 = 31 -> "0"
    rng = random.Random(3)
    while True:
        first17 = "".join(rng.choice("0123456789") for _ in range(17))
        if check_char(first17) == "0":
            break
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert sum(ALPHABET.index(c) * w for c, w in zip(first17, weights, strict=True)) % 31 == 0


def test_generated_codes_are_valid_and_every_single_change_is_caught():
    rng = random.Random(7)
    for _ in range(200):
        code = make_uscc(rng, "110105")
        assert is_valid_uscc(code)
        i = rng.randrange(18)
        other = rng.choice([c for c in ALPHABET if c != code[i]])
        assert not is_valid_uscc(code[:i] + other + code[i + 1:])


@pytest.mark.parametrize("bad", [None, "", "91350100MA5G4263W", "91350100MA5G4263W66", "91350100MA5G4263O6",
                                 "91350100ma5g4263w6", "91350100MA5G4263I6"])
def test_is_valid_uscc_rejects_malformed(bad):
    assert not is_valid_uscc(bad)


def test_a_valid_uscc_has_a_region_code_of_a_province_or_the_nation():
    from capture.taxid import check_char

    for first17 in ("13701127424H15Y7X", "917A0112742415Y7X", "91100000100000123"):
        code = first17 + check_char(first17)
        assert is_valid_uscc(code) == (first17[2:4] == "10")  # 70.., 7A..: no region; 100000: national


def test_check_char_rejects_bad_input():
    with pytest.raises(ValueError):
        check_char("123")
    with pytest.raises(ValueError):
        check_char("9135010OMA5G4263W")  # O is not in the alphabet


@pytest.mark.parametrize("code,kind", [
    (HAND, "uscc"),
    ("91350100MA5G4263W7", "bad_check"),
    ("110105012345678", "legacy"),  # old 15-character 税务登记号
    ("11010501234567X", "legacy"),
    ("11010519800101123X", "bad_check"),  # 18 characters: judged as a USCC
    ("1101051980010112", "invalid"),  # 16 characters
    ("11010519800101123456", "legacy"),  # 20: ID card number + 2 digits
    ("91440303006392526", "invalid"),  # a USCC with its check character lost: 91 is no province
    ("9111010865M0G9309", "invalid"),  # a USCC with a character lost
    ("99010501234567X", "invalid"),  # 99 is no province
    ("11010501234567x", "invalid"),  # lower case is not normalized
    ("", "invalid"),
])
def test_classify(code, kind):
    assert classify(code) == kind
    assert is_format_valid(code) == (kind in ("uscc", "legacy"))


@pytest.mark.parametrize("wrong,right", [
    ("0", "O"), ("0", "D"), ("1", "I"), ("1", "L"), ("5", "S"), ("8", "B"), ("2", "Z"),
])
def test_repair_single_confusion(wrong, right):
    rng = random.Random(11)
    repaired = 0
    for _ in range(300):
        code = make_uscc(rng, "310115")
        positions = [i for i, c in enumerate(code) if c == wrong]
        if not positions:
            continue
        i = rng.choice(positions)
        misread = code[:i] + right + code[i + 1:]
        candidates = repair_candidates(misread)
        assert code in candidates  # the true code is always among the candidates
        repaired += candidates == [code]
    assert repaired > 0


def test_unique_repair_rate_is_high_for_confusions():
    rng = random.Random(5)
    pairs = {"0": "OD", "1": "IL", "2": "Z", "5": "S", "8": "B"}
    unique = total = 0
    for _ in range(1000):
        code = make_uscc(rng, "440305")
        idx = [i for i, c in enumerate(code) if c in pairs]
        i = rng.choice(idx)
        misread = code[:i] + rng.choice(pairs[code[i]]) + code[i + 1:]
        total += 1
        unique += repair_candidates(misread) == [code]
    assert unique / total > 0.9


def test_repair_candidates_never_returns_input_and_handles_junk():
    assert repair_candidates(HAND) == []  # already valid, nothing to repair by one change that stays valid
    assert repair_candidates("123") == []
    assert repair_candidates(None) == []
    assert all(is_valid_uscc(c) for c in repair_candidates("91350100MA5G4263W8"))


def test_a_uscc_with_one_character_lost_at_its_end_or_in_a_repeat():
    from capture.taxid import lost_end_candidates

    assert lost_end_candidates("9111010819089160X") == ["9111010819089160XJ"]
    assert lost_end_candidates("91440106117526257") == ["91440106117526257H", "914440106117526257"]
    assert lost_end_candidates("11010519800101123") == []  # a legacy number starts with its province
    assert lost_end_candidates("9111010819089160XJ") == [] and lost_end_candidates("9111010819089160V") == []


def test_a_letter_in_the_region_code_is_the_digit_the_check_character_fixes():
    """Characters 3-8 of a USCC are the region code, digits only (held-out 7171: 91E4… for 9144…)."""
    from capture.taxid import region_candidates

    assert region_candidates("91E403038699750878") == ["914403038699750878"]
    assert region_candidates("914403038699750878") == []  # valid already
    assert region_candidates("91E4E3038699750878") == []  # two letters there: nothing to solve
    assert region_candidates("91440303869975087A") == []  # no letter there
    # the check character fixes one value of 31 there: a check character read wrong as well leaves a
    # letter (or a digit making no province) the only fit, and nothing is offered
    assert region_candidates("91E403038699750877") == []


def test_the_issuers_id_takes_the_invoices_province_when_that_makes_it_valid():
    from capture.taxid import invoice_province, province_candidates

    assert invoice_province("1200251530", None) == ("invoice_code", "12")
    assert invoice_province("012002500111", None) == ("invoice_code", "12")
    assert invoice_province(None, "25127000000297554203") == ("invoice_number", "12")
    assert invoice_province("9900251530", None) is None
    assert invoice_province(None, None) is None
    # held-out 7575: 9112010148P638386Y read 9142010148P638386Y (read at 1.00) on a Tianjin invoice
    assert not is_valid_uscc("9142010148P638386Y") and is_valid_uscc("9112010148P638386Y")
    assert province_candidates("9142010148P638386Y", "12") == ["9112010148P638386Y"]
    assert province_candidates("9142010148P638386Y", "13") == []  # no valid id
    assert province_candidates("9142010148P638386Y", "31") == []  # two characters off
    assert province_candidates("9112010148P638386Y", "12") == []  # valid as read


def test_an_extracted_seller_id_with_its_province_misread_is_put_right_for_review():
    from capture.extract.extractor import extract_page
    from capture.invoice import Source
    from tests.test_extract_layout import L, legacy_page

    wrong = "9147011261613H541R"  # 3 read 4 in the province of 9137011261613H541R, a 山东 (3700…) invoice
    assert not is_valid_uscc(wrong)
    page = [L(f"纳税人识别号：{wrong}", *ln.box) if wrong[:2] + "3" + wrong[3:] in ln.text else ln
            for ln in legacy_page()]
    fv = extract_page(page).fields["seller_tax_id"]
    assert (fv.value, fv.source) == ("9137011261613H541R", Source.DERIVED) and fv.confidence < 0.9
