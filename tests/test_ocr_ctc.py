"""CTC lattices (capture.ocr.ctc) and the taxpayer ids read from them (capture.ocr.reread)."""

from __future__ import annotations

import itertools

import numpy as np

from capture.ocr.ctc import best_path, lattice_from_probs, word_prob
from capture.ocr.reread import likeliest_id, reread_tax_ids
from capture.taxid import is_valid_uscc
from tests.test_extract_layout import L

CHARS = ["blank", "a", "b"]


def _brute_force(probs: np.ndarray) -> dict[str, float]:
    """P(text) by enumerating every path and collapsing it the CTC way."""
    out: dict[str, float] = {}
    for path in itertools.product(range(len(CHARS)), repeat=probs.shape[0]):
        text, last = [], None
        for c in path:
            if c != last and c != 0:
                text.append(CHARS[c])
            last = c
        key = "".join(text)
        out[key] = out.get(key, 0.0) + float(np.prod([probs[t, c] for t, c in enumerate(path)]))
    return out


def test_word_prob_is_the_sum_over_every_alignment():
    probs = np.array([[0.6, 0.3, 0.1], [0.2, 0.7, 0.1], [0.5, 0.1, 0.4], [0.3, 0.3, 0.4]])
    lattice = lattice_from_probs(probs, CHARS)
    for text, p in _brute_force(probs).items():
        assert abs(word_prob(lattice, text) - p) < 1e-12, text
    assert word_prob(lattice, "abba") == 0.0  # 4 steps cannot hold a double b split by a blank and 2 more


def test_best_path_collapses_repeats_and_keeps_a_double_letter_split_by_a_blank():
    probs = np.array([[0.1, 0.8, 0.1], [0.1, 0.8, 0.1], [0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]])
    assert best_path(lattice_from_probs(probs, CHARS)) == "aab"


def test_a_lattice_keeps_the_likeliest_characters_of_each_step_best_first():
    probs = np.array([[0.1, 0.2, 0.7]])
    assert lattice_from_probs(probs, CHARS, k=2) == ((("b", 0.7), ("a", 0.2)),)


# --- ids from lattices: the check character picks among the recognizer's own alternatives -------------
def _steps(text: str, alts: dict[int, dict[str, float]] | None = None, tail: dict[str, float] | None = None):
    """A lattice reading ``text`` surely (each character then a blank step), with ``alts[k]`` the
    probabilities at character k's step and ``tail`` a last blank step's."""
    alts = alts or {}
    steps = []
    for k, ch in enumerate(text):
        probs = alts.get(k, {ch: 0.98, "": 0.02})
        steps.append(tuple(sorted(probs.items(), key=lambda kv: -kv[1])))
        steps.append((("", 0.99), (ch, 0.01)))
    if tail:
        steps.append(tuple(sorted(tail.items(), key=lambda kv: -kv[1])))
    return tuple(steps)


RIGHT = "91440304172470035H"
WRONG = "9144030417247Q035H"  # the 0 read as Q: fails the check character
LABEL = "号："


def test_an_alternative_the_check_character_confirms_replaces_a_misread():
    assert is_valid_uscc(RIGHT) and not is_valid_uscc(WRONG)
    at = len(LABEL) + 13
    cut = _steps(LABEL + WRONG, {at: {"Q": 0.7, "0": 0.25, "9": 0.05}})
    assert likeliest_id([cut] * 3) == (RIGHT, 3 * 0.25 / 0.7)


def test_a_last_character_the_recognizer_half_saw_is_added_when_the_check_confirms_it():
    cut = _steps(RIGHT[:-1], tail={"": 0.5, "H": 0.1, "1": 0.2})
    got = likeliest_id([cut, cut])
    assert got is not None and got[0] == RIGHT


def test_no_id_from_alternatives_too_unlikely_or_from_two_ids_alike():
    at = len(LABEL) + 13
    faint = _steps(LABEL + WRONG, {at: {"Q": 0.96, "0": 0.04}})  # below 5% of the first choice
    assert likeliest_id([faint] * 6) is None
    weak = _steps(LABEL + WRONG, {at: {"Q": 0.9, "0": 0.06}})  # counted, but two cuts' 2 x 0.067 odds...
    assert likeliest_id([weak] * 2) is None  # ...fall short of ID_SURE
    # two valid ids, each one alternative away, neither three times likelier than the other
    other = next(
        WRONG[:k] + c + WRONG[k + 1:] for k in range(2, 17) for c in "0123456789ABCDEFGHJKLMNPQRTUWXY"
        if k != 13 and is_valid_uscc(WRONG[:k] + c + WRONG[k + 1:])
    )
    k = next(i for i in range(18) if other[i] != WRONG[i])
    split = _steps(LABEL + WRONG, {at: {"Q": 0.6, "0": 0.3}, len(LABEL) + k: {WRONG[k]: 0.6, other[k]: 0.3}})
    assert likeliest_id([split] * 3) is None


def test_reread_tax_ids_turns_to_the_lattices_when_no_cut_reads_a_valid_id():
    page = np.full((200, 800, 3), 255, np.uint8)
    at = len("纳税人识别号：") + 13
    lattice = _steps("纳税人识别号：" + WRONG, {at: {"Q": 0.6, "0": 0.4}})
    seen = []

    def read_lattices(crops):
        seen.append(len(crops))
        return [lattice] * len(crops)

    line = L("纳税人识别号：" + WRONG, 10, 50, 400, 80, score=0.9)
    [out] = reread_tax_ids([line], page, lambda crops: [(WRONG, 0.9)] * len(crops), read_lattices)
    assert seen == [6] and out.text == "纳税人识别号：" + RIGHT and out.polygon == line.polygon
    assert out.score == 0.9  # six cuts' odds of 0.67 add up to more than one sure reading
    [kept] = reread_tax_ids([line], page, lambda crops: [(WRONG, 0.9)] * len(crops))
    assert kept is line  # an engine without lattices: as before


def test_no_shifted_id_comes_out_of_the_lattice():
    # a 9 read in front of a valid id's first 17 characters, the recognizer unsure of that 9 and holding
    # the id's last character after the end: dropping the one and adding the other (or taking the last
    # 18 of 19) gives a valid id one place off what was printed; never proposed
    read = "9" + RIGHT[:17]
    assert not is_valid_uscc(read)
    cut = _steps(read, {0: {"9": 0.6, "": 0.4}}, tail={"": 0.5, RIGHT[17]: 0.4})
    assert likeliest_id([cut] * 6) is None


def test_a_double_character_is_added_only_where_a_blank_separates_it_from_its_twin():
    # CTC collapses a character repeated on the next step: a 1 among the alternatives of the step right
    # after a 1 continues that 1, it does not add a second one (a 7 so added after 7 made the valid
    # but wrong 9144030599770E4449 of 914403059970E4444B on a held-out sample)
    double = "91110003041724703P"
    assert is_valid_uscc(double)
    read = double[:2] + double[3:]  # one 1 of the 11 not seen
    at = 2 * (len(LABEL) + 2) + 1  # the blank step right after the read 1
    steps = list(_steps(LABEL + read))
    steps[at] = (("", 0.6), ("1", 0.4))
    assert likeliest_id([tuple(steps)] * 3) is None
    apart = list(_steps(LABEL + read))
    apart[at + 1 : at + 1] = [(("", 0.6), ("1", 0.4)), (("", 0.99),)]  # blank steps on both sides (111)
    got = likeliest_id([tuple(apart)] * 3)
    assert got is not None and got[0] == double and abs(got[1] - 3 * 0.4 / 0.6) < 1e-9


def test_a_valid_id_read_unsurely_goes_to_a_person_when_its_cuts_make_another_valid_id_likeliest():
    """Held-out 7777: 91330108082HJ8111L read …H181111 at 0.985, valid by chance (one time in 31), every
    cut reading J; its invoice had been accepted with the wrong buyer id."""
    from capture.ocr.reread import CHOSEN

    page = np.full((200, 800, 3), 255, np.uint8)
    # a valid id two characters off RIGHT (the check character passes it by chance)
    other = next(
        t for k in range(2, 16) for c in "0123456789" for d in "0123456789ABCDEFGHJKLMNPQRTUWXY"
        if c != RIGHT[k] and d != RIGHT[17] and is_valid_uscc(t := RIGHT[:k] + c + RIGHT[k + 1 : 17] + d)
    )
    assert is_valid_uscc(other) and other != RIGHT
    label = "纳税人识别号："

    def read_lattices(crops):
        return [_steps(label + RIGHT)] * len(crops)

    def never(crops):
        raise AssertionError("lattices only")

    doubted = L(label + other, 10, 50, 400, 80, score=0.985)
    [out] = reread_tax_ids([doubted], page, never, read_lattices)
    assert (out.text, out.score) == (label + RIGHT, CHOSEN)
    sure = L(label + other, 10, 50, 400, 80, score=0.995)  # read surely: not looked at
    assert reread_tax_ids([sure], page, never, lambda crops: 1 / 0)[0] is sure
    agreed = L(label + RIGHT, 10, 50, 400, 80, score=0.985)  # the cuts read it too: it stands
    assert reread_tax_ids([agreed], page, never, read_lattices)[0] is agreed
