"""Second look at doubtful text lines: recognition again on re-cut crops, a new text only on agreement.

Contract: ``reread_lines(lines, todo, image, read_crops) -> lines`` returns the lines of one page with
the text (and score) of some replaced. ``todo`` maps a line index to a ``Judge``; ``image`` is the
image the lines' polygons refer to; ``read_crops`` is a recognizer over whole crops (no detection)
giving ``(text, score)`` per crop, e.g. ``PaddleOcrEngine.recognize_crops``, or ``(text, score,
lattice)`` (``capture.ocr.ctc.reader(engine.read_lattices)``), which the unit judge weighs. Each line
in ``todo`` is read again in 5 cuts (the crop as is,
sharpened, enlarged 1.5x, 2x and 3x: the recognizer's errors differ between them) and its judge decides
from the original line and the readings whether one of them replaces it. There is no checksum on free
text, so the judges only accept what the readings agree on:
- ``agreed_text``: at least ``AGREE`` readings return the same text, of the original's length (spaces
  aside) with at most ``MAX_CHANGED`` characters changed, and their mean score beats the original's by
  ``MARGIN`` (a company name with one character misread: 杭附 -> 杭州); or, when the reading has more of
  a company name's shape (capture.extract.lexicon.company_fit), at least equals it with one change
  more, a character lost or added among them (…有限公司广邦云司 -> …有限公司广州分公司);
- ``gained_stars``: a reading with the same characters as the original apart from the asterisks and
  the quote marks OCR reads for them, and asterisks the original lacks: the asterisks of both are kept
  when they are at most ``MAX_STARS``
  (*会议服务会议服务费 + 会议服务*会议服务费 -> *会议服务*会议服务费, the category separator of an item name
  that the first reading lost). Characters of item names are not voted on: on item names even four
  cuts of five agree on a misread too often (辅防 for 辅助);
- ``known_unit``: a unit cell read as no known unit gets the known unit (the lexicon's list) the cuts
  make clearly likeliest by the recognizer's own probabilities (癌 -> 瓶, 紫 -> 张: see the function).
Lines not in ``todo`` are never read again: the cost is a few crops per page.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from functools import cache

import cv2
import numpy as np
from rapidfuzz.distance import Levenshtein

from capture.extract.layout import CJK, squash
from capture.extract.lexicon import (
    MIN_WORD,
    Lexicon,
    company_fit,
    company_slots,
    lost_letters,
    repair_company,
    short_trade_name,
    word_gaps,
)
from capture.extract.normalize import DIGIT_CONFUSIONS
from capture.extract.rules import load_rulebook
from capture.extract.units import named_package
from capture.ocr.base import OcrLine
from capture.ocr.ctc import emitted_path, word_prob
from capture.ocr.reread import VARIANTS as CUTS
from capture.ocr.reread import ReadCrops, variants

Read = tuple  # (text, score) or (text, score, lattice): what the reader gives per cut
Judge = Callable[[OcrLine, list[Read]], tuple[str, float] | None]
AGREE = 4  # of the 5 cuts: three (the plain and sharpened crops among them) agree on a misread too often
MAX_STARS = 2  # an item name is *category*name
# mean probability over the 5 cuts of the likeliest known unit, for a cell read as no unit (which is wrong
# whatever it is): 0.05 until 2026-12-07; at 0.015, 2 more units right (紫 -> 张 at 0.02, 端 -> 项) and
# none wrong on 4 x 90 hard pages and 60 scanner and phone pages (seeds 4444-4747)
UNIT_SURE = 0.015
UNIT_LEAD = 3.0  # over the next known unit
NAME_PRIOR = 3.0  # prior odds of a character common in company names against one that is not
WORD_PRIOR = 10.0  # prior odds of a character that completes a trade word or place (文化传媒) against one that does not
SURNAME_PRIOR = 10.0  # prior odds of one of the commonest surnames against a character that is none
NAME_EVIDENCE = 0.5  # the common character's odds summed over the cuts (in units of a cut's first choice)
STAR_TRACE = 0.03  # mean share of asterisk-like characters where the layout puts an asterisk
CATEGORY_EDITS = 2
WORD_EVIDENCE = 0.5  # odds summed over the cuts of a character that makes a known word, against the one read
WORD_LEAD = 3.0  # over the next such character
COMPLETE_SURE = 0.5  # summed over the cuts: a word completing a line read one character short
ODDS_CAP = 10.0  # what one cut's odds count for at most (a cut that gives the reading no weight at all)
WORD_HINT = 0.005  # the same, for a character completing a word of MIN_WORD or more characters
CATEGORY_SURE = 0.1  # mean odds over the 5 cuts of the likeliest category, for an item name's unknown one
CATEGORY_HINT = 0.02  # the same, for one character off the category read and offered by every cut
CATEGORY_LEAD = 3.0  # over the next category
MARGIN = 0.02
MAX_CHANGED = 2
_STARS = "*“”\"″＊※"


def _agreed(
    original: str, score: float, reads: list[tuple[str, str, float]], better: Callable[[str], bool] = lambda _: False
) -> tuple[str, str, float] | None:
    """The (key, text, mean score) that ``AGREE`` readings share, of the length of ``original`` with at
    most ``MAX_CHANGED`` characters changed and clearly surer; or, when ``better(key)`` says the reading
    has more of the shape the text should have, at least as sure with one more change (a character
    lost or added among them).
    ``reads`` are (key, text, score): readings compared by key (the squashed text)."""
    for cand, k in Counter(key for key, _, _ in reads).most_common():
        if cand == original or k < AGREE or abs(len(cand) - len(original)) > 1:
            continue
        same = [(text, sc) for key, text, sc in reads if key == cand]
        mean = sum(sc for _, sc in same) / len(same)
        changed = Levenshtein.distance(cand, original)
        if better(cand):
            ok = changed <= MAX_CHANGED + 1 and mean >= score
        else:
            ok = len(cand) == len(original) and changed <= MAX_CHANGED and mean >= score + MARGIN
        if ok:
            return cand, same[0][0], mean
    return None


@cache
def _company_vocabulary() -> tuple[Lexicon, tuple[str, ...]] | None:
    rs = next((rs for rs in load_rulebook() if rs.lexicon), None)
    return (Lexicon.load(rs.lexicon), tuple(rs.legal_forms)) if rs is not None else None


def _fit(text: str) -> int:
    vocabulary = _company_vocabulary()
    if vocabulary is None:
        return 0
    head, colon, rest = text.partition("：")
    return company_fit(rest if colon and len(head) <= 3 else text, *vocabulary)


def doubted_name(name: str) -> bool:
    """A company name that the lexicon would change (a place one character off at its start, a trade
    word before the legal form, a branch's place: ``repair_company``), or whose such a part is one
    character off several words (``company_slots``), however surely it was read: worth a second look,
    whose readings then decide (the lexicon alone changes only names read unsurely)."""
    vocabulary = _company_vocabulary()
    if vocabulary is None:
        return False
    return (repair_company(name, *vocabulary) is not None or bool(company_slots(name, *vocabulary))
            or short_trade_name(name, *vocabulary) is not None)


def agreed_text(line: OcrLine, reads: list[Read]) -> tuple[str, float] | None:
    """A company name's line: what the readings agree on; with the lexicon's company-name shape
    (a place, a legal form, a branch ``<place>分公司``) as the tie-breaker when they are not surer."""
    original = squash(line.text)
    got = _agreed(original, line.score, [(squash(t), t, sc) for t, sc, *_ in reads], lambda c: _fit(c) > _fit(original))
    return (got[1], got[2]) if got else None


def agreed_spec(line: OcrLine, reads: list[Read]) -> tuple[str, float] | None:
    """A spec's line read unsurely: what ``AGREE`` cuts read alike, clearly surer, of its length with
    at most ``MAX_CHANGED`` characters changed (M336 at 0.90 for M330, every cut 0.92-0.97; held-out
    7474), else None."""
    got = _agreed(squash(line.text), line.score, [(squash(t), t, sc) for t, sc, *_ in reads])
    return (got[1], got[2]) if got else None


@cache
def _name_prior() -> frozenset[str]:
    """Characters common in company names: the lexicon's trade-name characters and every character of
    its places, trade words and the legal forms."""
    vocabulary = _company_vocabulary()
    if vocabulary is None:
        return frozenset()
    lex, forms = vocabulary
    return lex.name_chars | {ch for words in (lex.places, lex.trades, forms) for w in words for ch in w}


def _odds_at(text: str, i: int, reads: list[Read], among: frozenset[str]) -> Counter[str]:
    """The odds, summed over the cuts aligned with ``text`` (``_aligned``), of each character of ``among``
    the cut's lattice offers at position ``i`` and of the character read there, against each cut's first
    choice (``word_prob`` of the cut's text with that character swapped in)."""
    like: Counter[str] = Counter()
    for cut, _score, *lattice in reads:
        where = _aligned(text, cut) if lattice else None
        if where is None or i not in where:
            continue
        j, emitted = where[i], emitted_path(lattice[0])
        base = word_prob(lattice[0], cut)
        if "".join(c for c, _ in emitted) != cut or base <= 0.0:
            continue
        for a in {a for t in emitted[j][1] for a, _p in lattice[0][t]} | {text[i], cut[j]}:
            if a == text[i] or a in among:
                like[a] += word_prob(lattice[0], cut[:j] + a + cut[j + 1 :]) / base
    return like


def common_name_chars(line: OcrLine, reads: list[Read]) -> tuple[str, float] | None:
    """A company name's characters the recognizer is torn over, settled by a prior: at a position
    holding a character that is not common in company names (``_name_prior``), a common one the
    cuts' lattices offer there replaces it when its summed odds over the cuts (against each cut's
    first choice: ``word_prob`` of the cut's text with that character swapped in) reach
    ``NAME_EVIDENCE`` and ``NAME_PRIOR`` times them beat the character read (凯露 -> 凯盛: 盛 read first
    by two cuts of five, 0.44 | 0.56 by a third), or ``WORD_PRIOR`` times them for a character that
    completes a trade word or place of the lexicon (又化传媒 -> 文化传媒: 文 at 0.09-0.17 in every cut,
    and 义, common too, at 0.03-0.2, completes none); a lone Latin letter among Chinese characters is
    weighed the same way (F州 -> 广州). Only cuts with the line's characters in number count (position by
    position, spaces and colons aside: a cut may lose the label's colon), and only the name: not a label
    before it (名称： would become 名谷：), and only a company's (with a legal form: a person's name,
    孙志刚, is no trade name)."""
    common = _name_prior()
    vocabulary = _company_vocabulary()
    text = line.text
    if vocabulary is None or not any(form in text for form in vocabulary[1]):
        return None  # a person's name (个人 buyers) has no legal form and its own characters
    out = list(text)
    start = _name_start(text)
    for i, ch in enumerate(text):
        if i < start or ch in common or not (CJK.match(ch) or _lone_latin(text, i, start)):
            continue
        like = _odds_at(text, i, reads, common)
        prior = {a: WORD_PRIOR if _makes_trade_word(text, i, a) else NAME_PRIOR for a in like if a != ch}
        best = max(prior, key=lambda a: like[a] * prior[a], default=None)
        if best is not None and like[best] >= NAME_EVIDENCE and prior[best] * like[best] > like[ch]:
            out[i] = best
    fixed = "".join(out)
    return (fixed, line.score) if fixed != text else None


def person_surname(line: OcrLine, reads: list[Read]) -> tuple[str, float] | None:
    """A person's name (a 个人 buyer: two to four Chinese characters, no legal form) starting with a
    character that is none of the commonest surnames: a common surname the cuts' lattices offer there
    replaces it when its odds summed over the cuts reach ``NAME_EVIDENCE`` and ``SURNAME_PRIOR`` times
    them beat the character read (held-out 7575: 周超 read 揭超, 周 second in every cut at 0.07-0.46;
    the hundred commonest surnames name some 85% of people, 揭 one in tens of thousands). Weighed as
    ``common_name_chars`` weighs a company name's characters."""
    vocabulary = _company_vocabulary()
    text = line.text
    start = _name_start(text)
    i = start + len(text[start:]) - len(text[start:].lstrip())
    name = text[i:].strip()
    if vocabulary is None or not 2 <= len(name) <= 4 or not all(CJK.match(ch) for ch in name):
        return None
    surnames = vocabulary[0].surnames
    if name[0] in surnames or any(form in text for form in vocabulary[1]):
        return None
    like = _odds_at(text, i, reads, surnames)
    best = max((a for a in like if a != text[i]), key=lambda a: like[a], default=None)
    if best is None or like[best] < NAME_EVIDENCE or SURNAME_PRIOR * like[best] <= like[text[i]]:
        return None
    return text[:i] + best + text[i + 1 :], line.score


def _name_start(text: str) -> int:
    """Where the name starts in a name line: after a label's colon near its start (名称：), else 0."""
    colon = max(text.rfind("："), text.rfind(":"))
    return colon + 1 if 0 <= colon <= 3 else 0


def _aligned(text: str, cut: str) -> dict[int, int] | None:
    """Index in ``cut`` of each character of ``text``, the two aligned over their characters other
    than spaces and colons (a cut that lost the label's colon reads the same name); None when those
    differ in number."""
    a, b = ([k for k, ch in enumerate(t) if ch not in "：:" and not ch.isspace()] for t in (text, cut))
    return dict(zip(a, b, strict=True)) if len(a) == len(b) else None


def _makes_trade_word(text: str, i: int, ch: str) -> bool:
    """``ch`` at ``i`` completes a trade word or place of three or more characters that ``text`` lacks
    there (又化传媒 -> 文化传媒)."""
    vocabulary = _company_vocabulary()
    if vocabulary is None:
        return False
    lex = vocabulary[0]
    new = text[:i] + ch + text[i + 1 :]
    for w in (w for w in lex.trades | lex.places if len(w) >= 3 and ch in w):
        for k in range(max(0, i - len(w) + 1), i + 1):
            if new[k : k + len(w)] == w and text[k : k + len(w)] != w:
                return True
    return False


def _lone_latin(text: str, i: int, start: int) -> bool:
    """``text[i]`` is one Latin letter among Chinese characters (F州 for 广州; after an opening bracket,
    金桥（J州）): a misread in a Chinese name (a Latin trade name, TCL, is a run of them)."""
    ch = text[i]
    before = i == start or bool(CJK.match(text[i - 1])) or text[i - 1] in "（("
    return ch.isascii() and ch.isalpha() and before and i + 1 < len(text) and bool(CJK.match(text[i + 1]))


def lexicon_name(line: OcrLine, reads: list[Read]) -> tuple[str, float] | None:
    """A company name whose place, trade words or branch's place is no word of the lexicon but one
    character off some (``company_slots``): each such word weighed against the text read as in
    ``common_name_chars`` (its odds summed over the aligned cuts), the likeliest taken when its odds
    reach ``NAME_EVIDENCE``, ``WORD_PRIOR`` times them beat the text read and they lead the next word's
    ``NAME_PRIOR`` times (南泉分公司 -> 南京分公司: 京 at 0.28-0.46 under 泉 in every cut, though 南通,
    南宁... are one off too; 商资 -> 商贸, read 贸 by two cuts of five, not 投资), whether or not the
    character read is common in names (泉, 资 are)."""
    vocabulary = _company_vocabulary()
    if vocabulary is None:
        return None
    text = line.text
    start = _name_start(text)
    out = text
    for at, read, words in company_slots(text[start:], *vocabulary):
        i = start + at
        like: Counter[str] = Counter()
        for cut, _score, *lattice in reads:
            where = _aligned(text, cut) if lattice else None
            if where is None or i not in where or i + len(read) - 1 not in where:
                continue
            j, k = where[i], where[i + len(read) - 1] + 1
            if k - j != len(read) or (base := word_prob(lattice[0], cut)) <= 0.0:
                continue
            for w in (read, *words):
                like[w] += word_prob(lattice[0], cut[:j] + w + cut[k:]) / base
        ranked = sorted(words, key=lambda w: -like[w])
        best, runner = ranked[0], (like[ranked[1]] if len(ranked) > 1 else 0.0)
        if like[best] >= NAME_EVIDENCE and WORD_PRIOR * like[best] > like[read] and like[best] > NAME_PRIOR * runner:
            out = out[:i] + best + out[i + len(read) :]
    return (out, line.score) if out != text else None


LOST_AGREE = 2  # of the 5 cuts read the same character where a one-character trade name lost one


def lost_name_char(line: OcrLine, reads: list[Read]) -> tuple[str, float] | None:
    """A company name whose trade name (字号) is one character (``short_trade_name``: 北京汇文化传媒…):
    the name with the character that ``LOST_AGREE`` or more cuts read beside it, when no cut reads
    another there (held-out 6969, a phone photo: two cuts of five read 汇通), else None."""
    vocabulary = _company_vocabulary()
    if vocabulary is None:
        return None
    start = _name_start(line.text)
    name = "".join(line.text[start:].split())
    at = short_trade_name(name, *vocabulary)
    if at is None:
        return None
    found: Counter[str] = Counter()
    for cut, *_ in reads:
        other = "".join(cut[_name_start(cut):].split())
        if len(other) == len(name) + 1 and any(other[:k] + other[k + 1 :] == name for k in (at, at + 1)):
            found[other] += 1
    if len(found) != 1 or next(iter(found.values())) < LOST_AGREE:
        return None
    return line.text[:start] + next(iter(found)), line.score


def company_name(line: OcrLine, reads: list[Read]) -> tuple[str, float] | None:
    """A doubtful company name: what the readings agree on (``agreed_text``), else a character its
    one-character trade name lost (``lost_name_char``), else its uncommon characters settled by the
    prior (``common_name_chars``) and the lexicon's change weighed (``lexicon_name``); a person's
    surname settled by the commonest surnames (``person_surname``)."""
    return agreed_text(line, reads) or lost_name_char(line, reads) or chained(
        common_name_chars, lexicon_name, person_surname)(line, reads)


@cache
def known_units() -> frozenset[str]:
    """The lexicon's unit list (the rule set that has a lexicon)."""
    rs = next((rs for rs in load_rulebook() if rs.lexicon), None)
    return Lexicon.load(rs.lexicon).units if rs is not None else frozenset()


def known_unit(line: OcrLine, reads: list[Read], among: frozenset[str] | None = None) -> tuple[str, float] | None:
    """A unit cell read as no known unit (瓶 read as 癌, 张 as 紫): the known unit (the lexicon's list)
    the cuts make likeliest, when its mean probability over the cuts reaches ``UNIT_SURE`` and
    ``UNIT_LEAD`` times the next known unit's. The probability of a unit in a cut is the recognizer's
    own (``word_prob`` over the cut's lattice) when the reader gives lattices, else 1 for the text
    read and 0 for any other. The list is the evidence here, not the first choices (the cuts of such a
    cell are all read unsure, and a cut's first choice is often no unit at all: 崇 0.42 | 张 0.12).
    ``among``: the units the row's spec allows (``capture.extract.units.spec_units``), the only ones
    weighed (索 read for 张 under a paper spec: 票 0.27 summed over the cuts, 张 0.13)."""
    units = known_units() if among is None else among & known_units()
    if squash(line.text) in units or not reads:
        return None
    odds: Counter[str] = Counter()
    for text, _score, *lattice in reads:
        if not lattice:
            odds[squash(text)] += squash(text) in units
            continue
        seen = {ch for step in lattice[0] for ch, _ in step}
        for unit in units:
            if set(unit) <= seen:
                odds[unit] += word_prob(lattice[0], unit)
    (unit, best), (_, runner) = [*odds.most_common(2), ("", 0.0), ("", 0.0)][:2]
    if best / len(reads) < UNIT_SURE or best < UNIT_LEAD * runner:
        return None
    return unit, best / len(reads)


def spaceless(text: str) -> str:
    """``squash`` with every space dropped: a spec line as the table joined it, against its cuts."""
    return "".join(squash(text).split())


def unit_at_end(line: OcrLine, reads: list[Read], among: frozenset[str] | None = None) -> tuple[str, float] | None:
    """A spec's (or name's) line that ends with its row's unit glued on and read as no unit the row
    allows (A4 157g铜版纸张 read …纸膏, held-out 7070): the allowed known unit the cuts make likeliest in
    its place, weighed as ``known_unit`` weighs a unit cell (each cut that reads the rest of the line
    alike: ``word_prob`` of its text with the unit at the end), else None."""
    units = known_units() if among is None else among & known_units()
    text = line.text.rstrip()
    if not text or text[-1] in units:
        return None
    odds: Counter[str] = Counter()
    for cut, _score, *lattice in reads:
        cut = cut.rstrip()
        if not lattice or spaceless(cut)[:-1] != spaceless(text)[:-1]:
            continue
        for unit in units:
            if len(unit) == 1:
                odds[unit] += word_prob(lattice[0], cut[:-1] + unit)
    (unit, best), (_, runner) = [*odds.most_common(2), ("", 0.0), ("", 0.0)][:2]
    if not reads or best / len(reads) < UNIT_SURE or best < UNIT_LEAD * runner:
        return None
    return text[:-1] + unit, line.score


def named_unit(line: OcrLine, reads: list[Read], unit: str) -> tuple[str, float] | None:
    """An item name's line ending in the package it is sold by (…芯（20支/盘）) that names another
    package than its row's unit read (盒, held-out 7474): the row's unit in its place when ``AGREE`` cuts
    read that package there (…/盒）), the rest of the line as it was read; else None."""
    text = line.text.rstrip()
    if named_package(text) in (None, unit):
        return None
    agree = [score for cut, score, *_ in reads if named_package(cut) == unit]
    if len(agree) < AGREE:
        return None
    return text[:-2] + unit + text[-1], sum(agree) / len(agree)


@cache
def known_categories() -> frozenset[str]:
    """The lexicon's tax classification categories (the rule set that has a lexicon)."""
    rs = next((rs for rs in load_rulebook() if rs.lexicon), None)
    return Lexicon.load(rs.lexicon).categories if rs is not None else frozenset()


def _category_span(text: str) -> tuple[int, int] | None:
    """(start, end) of the category between the first two asterisks (or what OCR reads for them)."""
    first = next((i for i, ch in enumerate(text) if ch in _STARS), None)
    if first is None:
        return None
    second = next((i for i in range(first + 1, len(text)) if text[i] in _STARS), None)
    return (first + 1, second) if second is not None and second > first + 1 else None


def _bare_category(text: str, size: int) -> tuple[int, int] | None:
    """Where a cut that lost the asterisks (the first, or both) has the category: up to its one
    asterisk, else its first ``size`` characters (the length read on the page)."""
    stars = [i for i, ch in enumerate(text) if ch in _STARS]
    if len(stars) == 1 and 1 < stars[0] <= size + 1:
        return 0, stars[0]
    return (0, size) if not stars and len(text) > size else None


def category_of(text: str) -> str | None:
    """The category of an item name ``*类别*名称`` (None without two asterisks)."""
    span = _category_span(squash(text))
    return squash(text)[span[0] : span[1]] if span is not None else None


def known_category(line: OcrLine, reads: list[Read]) -> tuple[str, float] | None:
    """An item name whose category (``*类别*``) is no category of the list (乳翻品晶, 日刷品: more than
    one character wrong, or one wrong with two categories one character off): the category of the
    list the cuts make clearly likeliest (a cut that lost the asterisks: see ``_bare_category``). In
    each cut with a lattice, a category within
    ``CATEGORY_EDITS`` edits of the one read there is put in place of it and the cut's text so changed
    is weighed against the text as read (``word_prob``: the recognizer's own odds for the swap, the
    rest of the line being the same); a cut that reads a category of the list counts 1 for it. The
    odds' mean over the cuts must reach ``CATEGORY_SURE`` and ``CATEGORY_LEAD`` times the next
    category's; failing that, the cuts' votes on the one character that tells apart the categories one
    off the category read decide (``_voted_category``)."""
    span = _category_span(line.text) or _bare_category(line.text, len(line.text))
    if span is None or line.text[span[0] : span[1]] in known_categories() or not reads:
        return None
    odds: Counter[str] = Counter()
    offered: Counter[str] = Counter()  # the cuts that give a category any odds
    size = span[1] - span[0]
    for text, _score, *lattice in reads:
        cut = _category_span(text) or _bare_category(text, size)
        if cut is None:
            continue
        read = text[cut[0] : cut[1]]
        if read in known_categories():
            odds[read] += 1.0
            offered[read] += 1
            continue
        base = word_prob(lattice[0], text) if lattice else 0.0
        if base <= 0.0:
            continue
        for word in known_categories():
            if abs(len(word) - len(read)) <= 1 and Levenshtein.distance(word, read) <= CATEGORY_EDITS:
                got = word_prob(lattice[0], text[: cut[0]] + word + text[cut[1] :]) / base
                odds[word] += got
                offered[word] += got > 0.0
    (word, best), (_, runner) = [*odds.most_common(2), ("", 0.0), ("", 0.0)][:2]
    mean = best / len(reads)
    # one character off the category read and offered by every cut: a fainter trace will do (水渠 for
    # 水果, 果 at 0.01-0.10 under 渠 in each of five cuts; 水泥, one off too, never offered)
    near = offered[word] == len(reads) and Levenshtein.distance(word, line.text[span[0] : span[1]]) == 1
    if mean < (CATEGORY_HINT if near else CATEGORY_SURE) or best < CATEGORY_LEAD * runner:
        voted = _voted_category(line.text[span[0] : span[1]], reads)
        return (line.text[: span[0]] + voted + line.text[span[1] :], line.score) if voted else None
    return line.text[: span[0]] + word + line.text[span[1] :], min(line.score, mean)


def _voted_category(read: str, reads: list[Read]) -> str | None:
    """Of the known categories one character off the category ``read`` (日刷品: 印刷品 and 日用品), the
    one whose character there ``AGREE`` cuts read, when no cut reads another's (held-out 7979: every cut
    read 印 and none 用, the rest of each cut's category misread too, 印副品, 印制晶), else None."""
    votes: Counter[str] = Counter()
    options = [w for w in known_categories() if len(w) == len(read) and Levenshtein.distance(w, read) == 1]
    for text, *_ in reads:
        cut = _category_span(text) or _bare_category(text, len(read))
        if cut is None or cut[1] - cut[0] != len(read):
            continue
        seen = text[cut[0] : cut[1]]
        for w in options:
            k = next(i for i in range(len(w)) if w[i] != read[i])
            votes[w] += seen[k] == w[k]
    ranked = votes.most_common(2)
    if not ranked or ranked[0][1] < AGREE or (len(ranked) > 1 and ranked[1][1] > 0):
        return None
    return ranked[0][0]


@cache
def item_words() -> frozenset[str]:
    """The words of goods and services names and the categories (the rule set that has a lexicon)."""
    rs = next((rs for rs in load_rulebook() if rs.lexicon), None)
    lex = Lexicon.load(rs.lexicon) if rs is not None else None
    return lex.words | lex.categories if lex is not None else frozenset()


def _letters(text: str) -> list[tuple[int, str]]:
    """(index, character) of ``text``'s characters other than asterisks (and what OCR reads for them)
    and spaces."""
    return [(k, ch) for k, ch in enumerate(text) if ch not in _STARS and not ch.isspace()]


def word_gaps_of(text: str, before: str = "", after: str = "") -> dict[int, dict[str, int]]:
    """``word_gaps`` of an item name's line after its category (after its last asterisk), by index in
    ``text``; ``before`` and ``after`` are the name's characters on the lines before and after it (a
    word wrapped across lines: 运行维护报 | 务)."""
    letters = _letters(text)
    last = max((k for k, ch in enumerate(text) if ch in _STARS), default=-1)
    gaps = word_gaps(before + "".join(ch for _, ch in letters) + after, item_words())
    inside = {p - len(before): chars for p, chars in gaps.items() if 0 <= p - len(before) < len(letters)}
    return {letters[p][0]: chars for p, chars in inside.items() if letters[p][0] > last}


def known_words(line: OcrLine, reads: list[Read], before: str = "", after: str = "") -> tuple[str, float] | None:
    """An item name's character that no known word covers, where the recognizer itself offers one that
    makes a known word (干兆路由器 -> 千兆路由器: 千 at 0.21-0.46 under 干 in every cut; ``word_gaps_of``,
    ``before`` and ``after`` the name's text on the lines around):
    the cuts with as many characters as the line (asterisks and spaces aside) weigh each such character
    against the one read (``word_prob`` over the cut's lattice of the line's characters with the one,
    then the other, at the position; a cut that gives the line's characters no weight counts for
    nothing); the likeliest replaces it when its odds summed over those cuts reach
    ``WORD_EVIDENCE`` and ``WORD_LEAD`` times the next candidate's. A character completing a word of
    ``MIN_WORD`` or more characters needs only ``WORD_HINT`` (the words narrow it to a few: 文件来 is one
    off 文件夹, 文件袋 and 文件柜; 夹 was the recognizer's second choice at 0.001-0.004 in every cut of
    held-out 5959, the others nowhere). A word list is no checksum: the change needs both the word and
    the recognizer's own doubt, so a name read surely keeps what it holds."""
    gaps = word_gaps_of(line.text, before, after)
    if not gaps:
        return None
    mine = _letters(line.text)
    order = {k: n for n, (k, _) in enumerate(mine)}
    out = list(line.text)
    for k, options in gaps.items():
        p, like = order[k], Counter()
        for text, _score, *lattice in reads:
            theirs = _letters(text)
            if not lattice or len(theirs) != len(mine):
                continue
            # the line's characters in the cut's marks (a cut that read another character elsewhere, 兆
            # as 基, still weighs this one, if its lattice gives the line's characters any weight)
            ours = list(text)
            for (at, _), (_, ch) in zip(theirs, mine, strict=True):
                ours[at] = ch
            at = theirs[p][0]
            base = word_prob(lattice[0], "".join(ours))
            offered = {ch: word_prob(lattice[0], "".join([*ours[:at], ch, *ours[at + 1 :]])) for ch in options}
            if base <= 0.0 and not any(offered.values()):
                continue
            for ch, prob in offered.items():
                # a cut that gives the character read no weight and reads the word's (千兆 where the page
                # read 千称): the most one cut says
                like[ch] += prob / base if base > 0.0 else (ODDS_CAP if prob > 0.0 and text[at] == ch else 0.0)
        (best, odds), (_, runner) = [*like.most_common(2), ("", 0.0), ("", 0.0)][:2]
        floor = WORD_HINT if best and options[best] >= MIN_WORD else WORD_EVIDENCE
        if best and odds >= floor and odds >= WORD_LEAD * runner:
            out[k] = best
    fixed = "".join(out)
    return (fixed, line.score) if fixed != line.text else None


_EXTENSION = re.compile(r"[A-Za-z0-9+]")


def model_spec(text: str) -> bool:
    """A spec that is a model name or code (Latin letters, no Chinese) ending in a letter or digit: the
    page's read may have lost its last character (ThinkBook 16 for ThinkBook 16+)."""
    text = text.strip()
    return bool(text) and bool(re.search(r"[A-Za-z]", text)) and not CJK.search(text) and text[-1].isalnum()


def extends(text: str, read: str) -> bool:
    """``read`` is ``text`` and one more letter, digit or + after it (spaces aside)."""
    base, cut = squash(text), squash(read)
    return len(cut) == len(base) + 1 and cut.startswith(base) and bool(_EXTENSION.fullmatch(cut[-1]))


def extended_text(line: OcrLine, reads: list[Read]) -> tuple[str, float] | None:
    """A model spec whose last character the page's read lost: ``AGREE`` of the cuts read the line and
    one more letter, digit or + after it, the same (held-out 5959 and 6262: ThinkBook 16, every cut or
    all but one reading 16+). A trailing mark is a speck, never taken."""
    more = Counter(squash(text)[-1] for text, *_ in reads if extends(line.text, text))
    if not more:
        return None
    ch, k = more.most_common(1)[0]
    return (line.text.rstrip() + ch, line.score) if k >= AGREE else None


def completions(text: str) -> list[str]:
    """The known words that are ``text`` (Chinese, two characters or more) and one character more
    (大床 -> 大床房): what a line read one character short could be."""
    if len(text) < 2 or not all(CJK.match(ch) for ch in text):
        return []
    return sorted(w for w in item_words() if len(w) == len(text) + 1 and w.startswith(text))


def completed_word(line: OcrLine, reads: list[Read]) -> tuple[str, float] | None:
    """A spec or name line read one character short of a known word (大床 for 大床房, its last
    character dropped by the page's read, held-out 5959): the word, when the cuts' lattices give it
    ``COMPLETE_SURE`` summed and ``WORD_LEAD`` times both the text as read and any other completion
    (there the cuts read 大床猪/菌/房, 大床房 at 0.03-0.42, 大床 at 0-0.01)."""
    text = line.text.strip()
    options = completions(text)
    if not options:
        return None
    like = Counter()
    for _text, _score, *lattice in reads:
        if lattice:
            for w in [text, *options]:
                like[w] += word_prob(lattice[0], w)
    best, odds = max(((w, like[w]) for w in options), key=lambda kv: kv[1])
    rivals = [like[w] for w in [text, *options] if w != best]
    if odds >= COMPLETE_SURE and odds >= WORD_LEAD * max(rivals):
        return best, line.score
    return None


def lost_words(line: OcrLine, reads: list[Read]) -> tuple[str, float] | None:
    """An item name line read with a character of a known word lost (黑色子头替换芯 for 子弹头替换芯,
    held-out 5757: the cuts read 子需头 or gave 子弹头 about as much weight as 子头; ``lost_letters``):
    each cut's lattice weighs the line with the character put back against the line as read
    (``word_prob``; a cut that gives the line as read no weight counts for nothing); the likeliest
    insertion is made when its odds summed over the cuts reach ``WORD_EVIDENCE`` and ``WORD_LEAD``
    times the next one's. One character per line."""
    gaps = lost_letters(line.text, item_words())
    if not gaps:
        return None
    like: Counter[tuple[int, str]] = Counter()
    for _text, _score, *lattice in reads:
        base = word_prob(lattice[0], line.text) if lattice else 0.0
        if base <= 0.0:
            continue
        for at, chars in gaps.items():
            for ch in chars:
                like[at, ch] += word_prob(lattice[0], line.text[:at] + ch + line.text[at:]) / base
    (best, odds), (_, runner) = [*like.most_common(2), ((0, ""), 0.0), ((0, ""), 0.0)][:2]
    if not best[1] or odds < WORD_EVIDENCE or odds < WORD_LEAD * runner:
        return None
    at, ch = best
    return line.text[:at] + ch + line.text[at:], line.score


def chained(*judges: Judge) -> Judge:
    """The judges one after the other over the same reads, each on the line the one before left."""

    def judge(line: OcrLine, reads: list[Read]) -> tuple[str, float] | None:
        now, changed = line, False
        for j in judges:
            got = j(now, reads)
            if got is not None:
                now, changed = OcrLine(got[0], got[1], line.polygon), True
        return (now.text, now.score) if changed else None

    return judge


def after_category(text: str) -> int | None:
    """In an item name's line whose known category (at the start, after an asterisk or not) is not
    followed by an asterisk: the index of the character that follows it."""
    start = 1 if text[:1] in _STARS else 0
    found = [c for c in known_categories() if text.startswith(c, start) and len(text) > start + len(c) + 1]
    if not found:
        return None
    at = start + len(max(found, key=len))
    return at if text[at] not in _STARS else None


def misread_star(line: OcrLine, reads: list[Read]) -> tuple[str, float] | None:
    """The asterisk after a known category read as a character (*运输服务气国内道路货物运输服务): the
    layout says an asterisk comes there, so a trace of one in the recognizer's alternatives for that
    character is enough: in the cuts that read the line alike, the asterisk-like characters' share of
    its steps averages at least ``STAR_TRACE`` (a real first character of a name holds none)."""
    at = after_category(line.text)
    if at is None:
        return None
    start = 1 if line.text[:1] in _STARS else 0
    category = line.text[start:at]
    shares = []
    for cut, _score, *lattice in reads:
        if not lattice:
            continue
        k = after_category(cut)
        if k is None:  # the cut read an asterisk for the character (the same length): 1; else no evidence
            head = cut[1:] if cut[:1] in _STARS else cut
            star = head[len(category) : len(category) + 1]
            if head.startswith(category) and star and star in _STARS and len(head) == len(line.text) - start:
                shares.append(1.0)
            continue
        emitted = emitted_path(lattice[0])
        if "".join(c for c, _ in emitted) != cut or len(cut) - k != len(line.text) - at:
            continue  # only a cut that reads the same characters after the category (餐饮服务费 lost 餐)
        shares.append(max(sum(p for a, p in lattice[0][t] if a and a in _STARS) for t in emitted[k][1]))
    if not shares or sum(shares) / len(shares) < STAR_TRACE:
        return None
    return line.text[:at] + "*" + line.text[at + 1 :], line.score


def star_split(text: str) -> tuple[str, frozenset[int]]:
    """(the text without asterisks, the positions in it that an asterisk precedes)."""
    bare, where = [], set()
    for ch in squash(text):
        if ch in _STARS:
            where.add(len(bare))
        else:
            bare.append(ch)
    return "".join(bare), frozenset(where)


def _starred(bare: str, stars: frozenset[int]) -> str:
    return "".join(("*" if k in stars else "") + ch for k, ch in enumerate(bare))


def gained_stars(line: OcrLine, reads: list[Read]) -> tuple[str, float] | None:
    bare, mine = star_split(line.text)
    for text, score, *_ in reads:
        other, theirs = star_split(text)
        if other == bare and not theirs <= mine and len(mine | theirs) <= MAX_STARS:
            return _starred(bare, mine | theirs), min(score, line.score)
    return None


def cuts(image: np.ndarray, box: tuple[float, float, float, float]) -> list[np.ndarray]:
    """The crop as is, sharpened, and enlarged 1.5x, 2x and 3x (the recognizer's errors differ by scale)."""
    made = dict(zip(CUTS, variants(image, box), strict=False))
    if not made:
        return []
    scaled = {f: cv2.resize(made["crop"], None, fx=f, fy=f, interpolation=cv2.INTER_CUBIC) for f in (1.5, 3.0)}
    return [made["crop"], made["sharp"], scaled[1.5], made["double"], scaled[3.0]]


def reread_lines(
    lines: Sequence[OcrLine], todo: dict[int, Judge], image: np.ndarray, read_crops: ReadCrops
) -> list[OcrLine]:
    out = list(lines)
    crops, owners = [], []
    for i in todo:
        for crop in cuts(image, lines[i].box):
            crops.append(crop)
            owners.append(i)
    if not crops:
        return out
    reads: dict[int, list[Read]] = {i: [] for i in todo}
    for i, read in zip(owners, read_crops(crops), strict=True):
        reads[i].append(read)
    for i, judge in todo.items():
        got = judge(lines[i], reads[i])
        if got is not None:
            out[i] = OcrLine(got[0], got[1], lines[i].polygon)
    return out


DIGITS_AGREE = 4  # of the 5 cuts read the number as the page did


def as_digits(text: str) -> str:
    """A text as a number is compared: spaces aside, OCR's letter-for-digit confusions mapped."""
    return "".join(text.split()).translate(DIGIT_CONFUSIONS)


def _digit_runs(read: Read) -> tuple[str, list[float]]:
    """A cut's text as digits (OCR's letter-for-digit confusions mapped, spaces aside) and, with a lattice,
    how sure the recognizer was of each character against the likeliest other digit: p / (p + p_other)."""
    if len(read) < 3:
        return as_digits(read[0]), []
    text, shares = [], []
    lattice = read[2]
    for ch, steps in emitted_path(lattice):
        if ch.isspace():
            continue
        p = max(pr for t in steps for c, pr in lattice[t] if c == ch)
        other = max((pr for t in steps for c, pr in lattice[t] if c != ch and c.isdigit()), default=0.0)
        text.append(ch.translate(DIGIT_CONFUSIONS))
        shares.append(p / (p + other))
    return "".join(text), shares


def digits_sure(value: str, reads: list[Read], unsure: float) -> float:
    """How sure the cuts of a line are of the number ``value`` the page read in it: the mean, over the cuts
    that read it, of their least sure digit's share against the likeliest other digit (1.0 without
    lattices); at most ``unsure`` when fewer than ``DIGITS_AGREE`` cuts read it at all. An invoice number
    has no check digit: 71490298 read with its 2 at 0.46-0.77 and 3 or 8 behind it (the print said 8)
    had the page's score 0.954 and its invoice was accepted."""
    shares = []
    for read in reads:
        text, share = _digit_runs(read)
        k = text.find(value)
        if k >= 0:
            shares.append(min(share[k : k + len(value)], default=1.0))
    sure = sum(shares) / len(shares) if shares else 0.0
    return min(sure, unsure) if len(shares) < DIGITS_AGREE else sure
