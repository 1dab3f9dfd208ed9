"""Single-character misreads repaired against closed or common vocabularies (``lexicon/cn.yaml``).

Contract: ``Lexicon.load()`` reads the data file once; ``repair_item_name(name, lexicon)`` and
``repair_company(name, lexicon)`` return the repaired text, or None when nothing is to be changed.
Free text has no checksum, so a character changes only where the vocabulary points at one answer:
- the category of ``*类别*名称`` is one of the tax classification's short names: a category one character
  off exactly one of them is that one (*芳务* -> *劳务*); a name that starts with a known category and
  lost the asterisk(s) after it gets them back (*日用杂品清洁用品一批 -> *日用杂品*清洁用品一批), and
  so does a name without any asterisk that starts one character off exactly one category of three or
  more characters (存脑设备U盘 -> *存储设备*U盘; one with its first asterisk is left to the second look);
- in the name after the category, a character that no known word covers and whose change makes a word
  of at least three characters (the name's own category first, then the longest words; at most two
  changes per name) is changed (技术咨沟服务费 -> 技术咨询服务费, 房星租赁费 -> 房屋租赁费);
- a company name of the shape place + trade name + trade words + legal form that does not start with a
  known place, whose start is one character off exactly one place, starts with that place (成鄱宏达广告
  有限公司 -> 成都宏达广告有限公司; not 永辉超市…, whose 超市 is no trade word of the list, nor
  永辉（杭州）…, a trade name first), and so does a place in brackets after the
  trade name (天成（成部）食品… -> 天成（成都）食品…; a closing bracket lost after a known place is put
  back: 星河（杭州食品… -> 星河（杭州）食品…) or the place of a branch after the legal form
  (…有限公司成部分公司 -> …有限公司成都分公司); the trade words right before the legal form
  likewise (…网络科抆有限公司 -> …网络科技有限公司), unless they end with a known trade word already
  (疆筑工程 ends with 工程: an unknown 智慧科技 must not become 智能科技). The trade name (字号) in between
  is never touched.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from rapidfuzz.distance import Levenshtein

from capture.extract.layout import CJK

LEXICON_DIR = Path(__file__).with_name("lexicon")
MIN_WORD = 3  # a two-character word one character off is one shared character: no evidence
BRANCH = "分公司"
MAX_WORD_FIXES = 2  # per item name: more changes than that would be rewriting, not repairing


@dataclass(frozen=True)
class Lexicon:
    categories: frozenset[str]
    places: frozenset[str]
    trades: frozenset[str]
    words: frozenset[str]
    units: frozenset[str] = frozenset()
    name_chars: frozenset[str] = frozenset()  # characters common in trade names (a prior, see the file)
    product_words: frozenset[str] = frozenset()  # Latin words of product lines in specs (ThinkPad, Carbon)
    surnames: frozenset[str] = frozenset()  # the commonest surnames (a prior for a person's name)
    simplified: tuple[tuple[str, str], ...] = ()  # (traditional character, its simplified form)

    @staticmethod
    @cache
    def load(name: str = "cn") -> Lexicon:
        data = yaml.safe_load((LEXICON_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
        keys = ("categories", "places", "trades", "words", "units")
        chars, surnames = (
            frozenset(ch for ch in str(data.get(k) or "") if not ch.isspace()) for k in ("name_chars", "surnames")
        )
        products = frozenset(str(w) for w in data.get("product_words") or ())
        pairs = "".join(str(data.get("simplified") or "").split())
        return Lexicon(
            *(frozenset(str(w) for w in data.get(k) or ()) for k in keys), name_chars=chars, product_words=products,
            surnames=surnames, simplified=tuple(zip(pairs[0::2], pairs[1::2], strict=True)),
        )

    def to_simplified(self, text: str) -> str:
        """``text`` with the traditional characters of ``simplified`` in their simplified forms."""
        return text.translate(_translation(self.simplified))


@cache
def _translation(pairs: tuple[tuple[str, str], ...]) -> dict[int, str]:
    return str.maketrans(dict(pairs))


LONG_PRODUCT_WORD = 7  # letters: two edits off one of these with a letter gained or lost still name it (ThmkPad)
PRODUCT_WORD = 6  # letters: shorter Latin words are model codes (X1) or words too near others (Blank, Black)
# a word of letters, or of letters with one digit of a letter's shape inside (Think3ook)
_LATIN_WORD = re.compile(
    rf"(?<![A-Za-z0-9])(?:[A-Za-z]{{{PRODUCT_WORD},}}|[A-Za-z]+[0358][A-Za-z]+)(?![A-Za-z0-9])"
)
# a model number's 1 read as a letter (a speck after it), after a product-line word (ThinkPad XI. Carbon)
_MODEL_ONE = re.compile(r"([A-Z])[iIl|!)][/.,·'`]?")  # X!, X) too


_SPECKS = "/.,·'`"


def _unspecked(token: str, words: frozenset[str]) -> str:
    """A spec's token without marks read after it when what is left is a product word (ThinkPad/)."""
    bare = token.rstrip(_SPECKS)
    return bare if bare in words else token


def repair_product_words(spec: str, words: frozenset[str]) -> str | None:
    """``spec`` with its product-line words put right, None when nothing changes. Each Latin word of
    ``PRODUCT_WORD`` letters or more (or with one digit of a letter's shape inside: Think3ook) that is
    no product word but one character off exactly one of them (TninkBook -> ThinkBook, MaieBook ->
    MateBook), or two off exactly one of its length with nothing else within two (Gerbon -> Carbon), or
    of a length one off when either has ``LONG_PRODUCT_WORD`` letters (ThmkPad -> ThinkPad, Carbsor ->
    Carbon), becomes that word; two words that make one when joined are joined (Think Pad -> ThinkPad); a
    capital and a letter of a 1's shape (a speck after it) standing after a product word is a model
    number (ThinkPad XI Carbon -> ThinkPad X1 Carbon), as are a capital and such a letter apart (X I); a
    speck after a product word goes (ThinkPad/).
    Case counts (a word is printed in its own case)."""

    def fix(m: re.Match[str]) -> str:
        token = m[0]
        if token in words or sum(ch.isalpha() for ch in token) < PRODUCT_WORD - 1:
            return token
        near = [(Levenshtein.distance(token, w), w) for w in words if abs(len(w) - len(token)) <= 1]
        one = [w for d, w in near if d == 1]
        two = [w for d, w in near if d == 2]
        if len(one) == 1:
            return one[0]
        long = max(len(two[0]), len(token)) >= LONG_PRODUCT_WORD if len(two) == 1 else False
        if not one and len(two) == 1 and (len(two[0]) == len(token) or long) and token.isalpha():
            return two[0]
        return token

    # a speck read after a product word (ThinkPad/): no part of it (one after a model number: _MODEL_ONE);
    # a dash between a model number and a product word (X1-Carbon) is the space
    spaced = re.sub(r"(?<=\b[A-Z]\d)-(?=[A-Z][a-z])", " ", spec)
    tokens = [_unspecked(t, words) for t in spaced.split(" ")]
    joined: list[str] = []
    for token in tokens:
        both = joined[-1] + token if joined else ""
        # two halves of a word split by a space read inside it (Think Pad; Think Pae, This kPad: one letter off)
        one_off = both.isalpha() and sum(Levenshtein.distance(both, w) <= 1 for w in words if len(w) >= len(both)) == 1
        if joined and (both in words or one_off) and joined[-1] not in words and token not in words:
            joined[-1] = both
        else:
            joined.append(token)
    fixed = _LATIN_WORD.sub(fix, " ".join(joined))
    parts = [_unspecked(t, words) for t in fixed.split(" ")]  # ThinkPa/ put right is ThinkPad/
    for k in range(len(parts) - 2, 0, -1):  # ThinkPad X I Carbon: the model number's 1 split off as I
        if parts[k - 1] in words and re.fullmatch(r"[A-Z]", parts[k]) and re.fullmatch(r"[1Il|]", parts[k + 1]):
            parts[k : k + 2] = [parts[k] + "1"]
    for k in range(1, len(parts)):
        model = _MODEL_ONE.fullmatch(parts[k])
        if parts[k - 1] in words and model:  # after a product line (XI., and XI before a misread Gatben)
            parts[k] = model[1] + "1"
    fixed = " ".join(parts)
    return fixed if fixed != spec else None


def _off_by_one(text: str, word: str) -> int | None:
    """The position where ``text`` differs from ``word`` (same length, Chinese characters) when it
    differs at exactly one, else None."""
    if len(text) != len(word):
        return None
    diff = [i for i, (a, b) in enumerate(zip(text, word, strict=True)) if a != b]
    if len(diff) != 1 or not CJK.match(text[diff[0]]):
        return None
    return diff[0]


def _one_word(text: str, vocabulary: frozenset[str]) -> str | None:
    """The one word of ``vocabulary`` one character off ``text``."""
    fits = [w for w in vocabulary if _off_by_one(text, w) is not None]
    return fits[0] if len(fits) == 1 else None


def _one_short(text: str, vocabulary: frozenset[str]) -> str | None:
    """The one word of ``vocabulary`` that is ``text`` with one character more: anywhere for a text of
    ``MIN_WORD`` characters or more (*电子算机* of *电子计算机*), else at its start (a category's first
    character lost with the asterisk before it: *件* of *软件*)."""
    fits = {
        w for w in vocabulary
        if len(w) == len(text) + 1
        and any(w[:k] + w[k + 1 :] == text for k in (range(len(w)) if len(text) >= MIN_WORD else (0,)))
    }
    return next(iter(fits)) if len(fits) == 1 else None


LONG_WORD = 5  # characters: a word this long two characters off a text, and no other, is that text


def _two_off(text: str, vocabulary: frozenset[str], words: frozenset[str]) -> str | None:
    """The one word of ``vocabulary`` of ``LONG_WORD`` or more characters that ``text`` has two Chinese
    characters misread in (电子计题相 for 电子计算机), when no other word is as near and no known word
    (``words``) covers a character that would change (技术开发服务 is no misread of 技术咨询服务)."""
    if len(text) < LONG_WORD:
        return None
    covered = _covered(text, frozenset(w for w in words if len(w) >= 2))
    fits = [
        w for w in vocabulary
        if len(w) == len(text)
        and len(diff := [i for i, (a, b) in enumerate(zip(w, text, strict=True)) if a != b]) <= 2
        and all(CJK.match(w[i]) and i not in covered for i in diff)
    ]
    return fits[0] if len(fits) == 1 else None


def _covered(text: str, words: frozenset[str]) -> set[int]:
    """The positions of ``text`` inside an occurrence of a word of ``words`` (two characters or more)."""
    lengths = _lengths(words)
    return {
        j + k for n in lengths for j in range(len(text) - n + 1) if text[j : j + n] in words for k in range(n)
    }


@cache
def _lengths(words: frozenset[str]) -> tuple[int, ...]:
    return tuple(sorted({len(w) for w in words if len(w) >= 2}))


@cache
def _masks(words: frozenset[str]) -> dict[str, list[tuple[int, str, int]]]:
    """Each word with one of its Chinese characters masked (文件? for 文件夹) -> [(position, the character,
    the word's length)]: the index the one-character-off search looks texts up in."""
    out: dict[str, list[tuple[int, str, int]]] = {}
    for w in words:
        for p, ch in enumerate(w):
            if CJK.match(ch):
                out.setdefault(w[:p] + "\0" + w[p + 1 :], []).append((p, ch, len(w)))
    return out


def _candidates(text: str, words: frozenset[str], covered: set[int]) -> dict[int, dict[str, int]]:
    """position -> {replacement character -> length of the longest word it makes}: every window of
    ``text`` of Chinese characters that one changed character makes a word of ``words``."""
    masks, out = _masks(words), {}
    for n in sorted({len(w) for w in words}):
        for j in range(len(text) - n + 1):
            window = text[j : j + n]
            if not all(CJK.match(ch) for ch in window):
                continue
            for p in range(n):
                if j + p in covered:
                    continue
                for q, ch, _n in masks.get(window[:p] + "\0" + window[p + 1 :], ()):
                    if q == p and ch != window[p]:
                        best = out.setdefault(j + p, {})
                        best[ch] = max(best.get(ch, 0), n)
    return out


def _best_fix(text: str, vocabulary: frozenset[str], covered: set[int]) -> tuple[int, str] | None:
    """The surest change: the one the longest word asks for, when no other word of that length at the
    same position asks for another character."""
    fixes = []
    for p, options in _candidates(text, vocabulary, covered).items():
        longest = max(options.values())
        top = [ch for ch, n in options.items() if n == longest]
        if len(top) == 1:
            fixes.append((longest, -p, top[0]))
    if not fixes:
        return None
    _, p, ch = max(fixes)
    return -p, ch


# characters the recognizer reads for each other on faint prints (a stroke's end lost or gained)
GLYPH_TWINS = {"干": "千", "千": "干"}


def _twins(text: str, words: frozenset[str]) -> str:
    """``text`` with a character no known word covers swapped for its glyph twin (``GLYPH_TWINS``) when
    that puts it inside a known word (干兆路由器 -> 千兆路由器: 千兆 is two characters, too short to point
    at it on its own)."""
    if not any(ch in GLYPH_TWINS for ch in text):
        return text  # the common case: no word list to scan
    pairs = frozenset(w for w in words if len(w) >= 2)
    covered = _covered(text, pairs)
    out = list(text)
    for i, ch in enumerate(text):
        twin = GLYPH_TWINS.get(ch)
        if twin is not None and i not in covered and i in _covered(text[:i] + twin + text[i + 1 :], pairs):
            out[i] = twin
    return "".join(out)


def repair_words(text: str, own: frozenset[str], words: frozenset[str]) -> str:
    """``text`` with at most ``MAX_WORD_FIXES`` characters changed that words of ``MIN_WORD`` or more
    characters point at (``own``: the words of the name's own category, tried first), the surest
    first, then a glyph twin that makes a known word (``_twins``); a character that a known word (of any
    length) covers is never changed."""
    everything = own | words
    own, words = (frozenset(w for w in v if len(w) >= MIN_WORD) for v in (own, words))
    for _ in range(MAX_WORD_FIXES):
        covered = _covered(text, everything)
        fix = _best_fix(text, own, covered) or _best_fix(text, words, covered)
        if fix is None:
            break
        p, ch = fix
        text = text[:p] + ch + text[p + 1 :]
    return _twins(text, everything)


def word_gaps(text: str, words: frozenset[str]) -> dict[int, dict[str, int]]:
    """Position -> {character that would put it inside a known word of two or more characters -> the
    longest such word's length}, for each Chinese character of ``text`` that no such word covers
    (干兆路由器: 0 -> {千: 2}; 文件来: 2 -> {夹: 3, 袋: 3, 柜: 3}). No evidence on its own (a
    two-character word one character off shares a single character; several longer words can fit):
    what the recognizer offers at the position decides (``capture.ocr.second_look.known_words``)."""
    pairs = frozenset(w for w in words if len(w) >= 2)
    return _candidates(text, pairs, _covered(text, pairs))


def lost_letters(text: str, words: frozenset[str]) -> dict[int, set[str]]:
    """Index -> the characters that, put in before it, make a known word of ``MIN_WORD`` or more
    characters that ``text`` holds with that one character lost (黑色子头替换芯: 5 -> {弹}, 子弹头), where
    no known word of two or more characters already covers the characters around the gap. No evidence
    on its own: what the recognizer's lattices give the longer text decides
    (``capture.ocr.second_look.lost_words``)."""
    covered = _covered(text, _pairs(words))
    residues = _residues(words)
    out: dict[int, set[str]] = {}
    for n in sorted({len(r) for r in residues}):
        for j in range(len(text) - n + 1):
            for k, ch in residues.get(text[j : j + n], ()):
                if not {j + k - 1, j + k} & covered:
                    out.setdefault(j + k, set()).add(ch)
    return out


@cache
def _pairs(words: frozenset[str]) -> frozenset[str]:
    return frozenset(w for w in words if len(w) >= 2)


@cache
def _residues(words: frozenset[str]) -> dict[str, list[tuple[int, str]]]:
    """Each Chinese word of ``MIN_WORD`` characters or more with one inner character lost (子头 of 子弹头)
    -> [(where it was, the character)]: the index ``lost_letters`` looks texts up in (the inner ones
    only: one lost at a word's end is ``completions``' to find)."""
    out: dict[str, list[tuple[int, str]]] = {}
    for w in words:
        if len(w) >= MIN_WORD and all(CJK.match(ch) for ch in w):
            for k in range(1, len(w) - 1):
                out.setdefault(w[:k] + w[k + 1 :], []).append((k, w[k]))
    return out


def _named_in(category: str, rest: str, categories: frozenset[str]) -> str | None:
    """An unknown category (misread past repair: *故聚*新鲜蔬菜; the caller leaves a known word, 服务,
    alone) whose name holds exactly one known category of its length: that one (names often repeat
    their category: 新鲜蔬菜, 办公软件)."""
    held = {c for c in categories if len(c) == len(category) and c in rest}
    return held.pop() if len(held) == 1 else None


def _category_words(category: str, words: frozenset[str]) -> frozenset[str]:
    """The words a category is made of (住宿服务 -> 住宿, 服务) and the category itself."""
    return frozenset({category} | {w for w in words if w in category and len(w) >= 2})


def _split(name: str, categories: frozenset[str]) -> tuple[str, str] | None:
    """(category, rest) of an item name, putting back asterisks lost after a known category."""
    if name.startswith("*") and name.count("*") >= 2:
        category, rest = name[1:].split("*", 1)
        return category, rest
    bare = name.lstrip("*")
    if "*" in bare:
        return None
    known = [c for c in categories if bare.startswith(c) and len(bare) > len(c)]
    if not known and bare == name:  # 存脑设备U盘: the category one character off, both asterisks lost
        known = [
            c for c in categories
            if len(c) >= MIN_WORD and len(bare) > len(c) and _off_by_one(bare[: len(c)], c) is not None
        ]
        return (known[0], bare[len(known[0]) :]) if len(known) == 1 else None
    if not known:
        return None
    category = max(known, key=len)
    return category, bare[len(category) :]


STAR_GLYPHS = "气"  # what the recognizer reads for the asterisk after a category (held-out 2525, 6060)


def _star_glyph(rest: str, words: frozenset[str]) -> str:
    """The name after a category whose asterisk was lost: without a first character that is what the
    recognizer reads for an asterisk when a known word follows it and none starts with it (气国内道路…)."""
    pairs = [w for w in words if len(w) >= 2]
    glyph = rest[:1] and rest[0] in STAR_GLYPHS and not any(rest.startswith(w) for w in pairs)
    return rest[1:] if glyph and any(rest[1:].startswith(w) for w in pairs) else rest


def repair_item_name(name: str, lexicon: Lexicon) -> str | None:
    parts = _split(name, lexicon.categories)
    if parts is None:
        return None
    category, rest = parts
    if name.lstrip("*").count("*") == 0:  # the asterisk after the category lost: perhaps read as a glyph
        rest = _star_glyph(rest, lexicon.words)
    if category not in lexicon.categories:
        category = (
            _one_word(category, lexicon.categories) or _one_short(category, lexicon.categories)
            or _two_off(category, lexicon.categories, lexicon.words)
            or (_named_in(category, rest, lexicon.categories) if category not in lexicon.words else None)
            or _split_glyph(category, lexicon.categories)
            or category
        )
    rest = repair_words(rest, _category_words(category, lexicon.words), lexicon.words)
    if category not in lexicon.categories and category not in lexicon.words:  # the rest's words put right
        category = _named_in(category, rest, lexicon.categories) or category  # first (新鲜战菜 -> 新鲜蔬菜)
    fixed = f"*{category}*{rest}"
    return fixed if fixed != name else None


_GLYPH_HALF = re.compile(r"[\]\[)(|）（】【〕〔}{]")


def _split_glyph(category: str, categories: frozenset[str]) -> str | None:
    """A category with a bracket-like mark inside, a character read as two (印 as 明] or 日]: its right
    part, 卩, taken for a bracket): the category that is, or is one character off, the text without the
    mark (明刷品 -> 印刷品), or None."""
    bare = _GLYPH_HALF.sub("", category)
    if bare == category or len(bare) < MIN_WORD:
        return None
    return bare if bare in categories else _one_word(bare, categories)


_SPLIT_WORD = re.compile(r"([\u4e00-\u9fff])）([\u4e00-\u9fff])")


def bracket_in_word(name: str, words: frozenset[str]) -> str | None:
    """An item name whose only closing bracket splits a known word (液晶显示器（27英）寸IPS面板窄边框: the
    table closes a bracket left open at a wrapped line's end, 硒鼓（黑色 | 高容量, but 英 | 寸 is one word
    wrapped): the bracket moved to the name's end; None when nothing is to be changed."""
    if name.count("）") != 1 or name.count("（") != 1:
        return None
    m = _SPLIT_WORD.search(name)
    if m is None or m[1] + m[2] not in words:
        return None
    return name[: m.start() + 1] + name[m.end() - 1 :] + "）"


_MARK_BEFORE_BRACKET = re.compile(r"(?<=[\u4e00-\u9fff])[、，,.。·'`](?=[（(])")


def stray_marks(name: str) -> str | None:
    """A company name with a speck read as a mark right before its bracket (正大、（上海）…: no company
    name puts a mark there): the name without it, else None."""
    fixed = _MARK_BEFORE_BRACKET.sub("", name)
    return fixed if fixed != name else None


_LABEL_REMNANT = re.compile(r"^[^\s：:，,；;]{1,2}[：:，,；;]\s*(?=[\u4e00-\u9fff])")


def label_remnant(name: str, lexicon: Lexicon, forms: Sequence[str] = ()) -> str | None:
    """A company name with what is left of its label in front: one or two characters and a colon or
    comma (梅，北京正大物流有限公司: 称： misread; no company name holds either mark) when a known place
    starts what follows or it ends with a legal form (构，锦程（武汉）物流有限公司); or one character
    before a known place that the name would otherwise not start with (名武汉中科…: 名 of 名称; 广广州…).
    The name without it, else None."""
    m = _LABEL_REMNANT.match(name)
    if m is not None:
        rest = name[m.end() :]
        placed = any(rest.startswith(p) for p in lexicon.places)
        return rest if placed or any(rest.endswith(f) for f in forms) else None
    placed = [p for p in lexicon.places if len(p) >= 2 and name[1:].startswith(p)]
    if placed and CJK.match(name[0]) and not any(name.startswith(p) for p in lexicon.places):
        return name[1:]
    return None


def _place(text: str, lexicon: Lexicon) -> str | None:
    """The place ``text`` (a whole word: 成部 in 天成（成部）食品) is one character off, if only one."""
    if text in lexicon.places:
        return None
    return _one_word(text, lexicon.places)


def _form(name: str, forms: tuple[str, ...]) -> str | None:
    """The legal form in ``name`` (the longest), if any."""
    return next((f for f in sorted(forms, key=len, reverse=True) if f in name), None)


def _branch(name: str, form: str, lexicon: Lexicon) -> str:
    """A branch, ``<company><legal form><place>分公司``, with its place put right."""
    head, tail = name.split(form, 1)
    if not tail.endswith(BRANCH):
        return name
    place = _place(tail[: -len(BRANCH)], lexicon)
    return head + form + (place + BRANCH if place else tail)


def _trade(head: str, lexicon: Lexicon) -> str:
    """The part before the legal form with its trade words at the end put right."""
    if any(head.endswith(t) for t in lexicon.trades):
        return head
    for size in sorted({len(t) for t in lexicon.trades}, reverse=True):
        trade = _one_word(head[-size:], frozenset(t for t in lexicon.trades if len(t) == size))
        if trade is not None and len(head) > size + 2:
            return head[:-size] + trade
    return _lost_trade(head, lexicon) or head


def _lost_trade(head: str, lexicon: Lexicon) -> str | None:
    """The part before the legal form with the trade word at its end put back when it lost one
    character (机械备 of 机械设备: words of ``MIN_WORD`` + 1 or more characters, the one that fits), or None."""
    if any(head.endswith(t) for t in lexicon.trades):
        return None
    for size in sorted({len(t) for t in lexicon.trades if len(t) > MIN_WORD}, reverse=True):
        trade = _one_short(head[-(size - 1):], frozenset(t for t in lexicon.trades if len(t) == size))
        if trade is not None and len(head) > size + 1:
            return head[: -(size - 1)] + trade
    return None


def trade_char_lost(name: str, lexicon: Lexicon, forms: Sequence[str]) -> str | None:
    """``name`` with a character its trade word lost before the legal form put back, or None: a read the
    recognizer was sure of says nothing of a character it never saw, so this holds at any score."""
    form = _form(name, tuple(forms))
    if form is None:
        return None
    head, tail = name.split(form, 1)
    fixed = _lost_trade(head, lexicon)
    return fixed + form + tail if fixed else None


def _start(head: str, lexicon: Lexicon) -> str:
    """The part before the legal form with its place at the start put right, when it has the shape
    place + trade name + trade words (永辉超市 or 永辉（杭州）机械设备 start with a trade name)."""
    if "（" in head or any(head.startswith(p) for p in lexicon.places):
        return head
    if not any(head.endswith(t) for t in lexicon.trades):
        return head
    for size in sorted({len(p) for p in lexicon.places}, reverse=True):
        place = _one_word(head[:size], frozenset(p for p in lexicon.places if len(p) == size))
        if place is not None and len(head) > size + 3:
            return place + head[size:]
    return head


# a place in brackets whose bracket OCR read as another mark (（济南》, (济南）): the full-width pair
_BRACKETED = re.compile(r"[（(]([\u4e00-\u9fff]{2,4})[》〉)\]}」）](?=[\u4e00-\u9fff])")


def _closed(name: str, lexicon: Lexicon) -> str:
    """A bracket opened before a known place and never closed (星河（杭州食品…, the ） lost): closed
    after the longest place the text after it starts with."""
    m = re.search(r"[（(](?=[\u4e00-\u9fff])", name)
    if m is None or re.search(r"[)）》〉\]}」]", name[m.end():]):
        return name
    rest = name[m.end():]
    place = max((p for p in lexicon.places if rest.startswith(p) and len(rest) > len(p)), key=len, default=None)
    return name[: m.start()] + f"（{place}）" + rest[len(place):] if place else name


def _opened(name: str, lexicon: Lexicon) -> str:
    """A bracket closed after a known place and never opened (星河广州）食品, the （ lost): opened before
    the longest place that the text before it ends with (a trade name comes before it)."""
    m = re.search(r"[)）]", name)
    if m is None or re.search(r"[（(]", name[: m.start()]):
        return name
    head = name[: m.start()]
    place = max((p for p in lexicon.places if head.endswith(p) and len(head) > len(p)), key=len, default=None)
    return head[: -len(place)] + f"（{place}）" + name[m.end():] if place else name


def balanced(name: str, lexicon: Lexicon) -> str | None:
    """``name`` with a bracket around a known place that OCR lost put back (a lone bracket is a misread
    whatever the line's score), or None when nothing is to be changed."""
    fixed = _opened(_closed(name, lexicon), lexicon)
    return fixed if fixed != name else None


def _near_words(text: str, vocabulary: frozenset[str]) -> list[str]:
    return [w for w in vocabulary if _off_by_one(text, w) is not None]


def company_slots(name: str, lexicon: Lexicon, forms: tuple[str, ...]) -> list[tuple[int, str, list[str]]]:
    """Where a company name should hold a word of the lexicon and holds none: (start, text there, the
    words one character off it), for the place at the start, the trade words before the legal form and
    a branch's place (the shapes ``repair_company`` repairs), however many words are one character off
    (南泉 is one off 南京, 南通, 南宁...: the recognizer's own odds choose, ``second_look.lexicon_name``)."""
    out: list[tuple[int, str, list[str]]] = []
    form = _form(name, forms)
    if form is None:
        return out
    at = name.index(form)
    head, tail = name[:at], name[at + len(form) :]
    if tail.endswith(BRANCH) and tail[: -len(BRANCH)] not in lexicon.places:
        place = tail[: -len(BRANCH)]
        if near := _near_words(place, lexicon.places):
            out.append((at + len(form), place, near))
    if "（" not in head and not any(head.startswith(p) for p in lexicon.places):
        for size in sorted({len(p) for p in lexicon.places}, reverse=True):
            if len(head) > size + 3 and (near := _near_words(head[:size], lexicon.places)):
                out.append((0, head[:size], near))
                break
    if not any(head.endswith(t) for t in lexicon.trades):
        for size in sorted({len(t) for t in lexicon.trades}, reverse=True):
            if len(head) > size + 2 and (near := _near_words(head[-size:], lexicon.trades)):
                out.append((len(head) - size, head[-size:], near))
                break
    return out


def short_trade_name(name: str, lexicon: Lexicon, forms: tuple[str, ...]) -> int | None:
    """Where a company name of the shape place + trade name + trade word + legal form holds a trade name
    (字号) of one character, which no registered name has (two or more: 北京汇文化传媒… lost the 通 of
    汇通): that character's index, else None."""
    form = _form(name, forms)
    if form is None:
        return None
    head = name[: name.index(form)]
    place = max((p for p in lexicon.places if head.startswith(p)), key=len, default=None)
    trade = max((t for t in lexicon.trades if head.endswith(t)), key=len, default=None)
    if place is None or trade is None or len(head) != len(place) + 1 + len(trade):
        return None
    return len(place) if CJK.match(head[len(place)]) else None


def repair_company(name: str, lexicon: Lexicon, forms: tuple[str, ...]) -> str | None:
    """``name`` with the place of a branch, a place in brackets (and the brackets themselves, a lost
    one too: ``balanced``), its trade words before the legal form and its place at the start put right."""
    form = _form(name, forms)
    fixed = _BRACKETED.sub(lambda m: f"（{m[1]}）", balanced(name, lexicon) or name)
    fixed = re.sub(r"（([\u4e00-\u9fff]{2,4})）", lambda m: f"（{_place(m[1], lexicon) or m[1]}）", fixed)
    if form is not None:
        fixed = _branch(fixed, form, lexicon)
        head, tail = fixed.split(form, 1)
        fixed = _start(_trade(head, lexicon), lexicon) + form + tail
    return fixed if fixed != name else None



def form_start_lost(name: str, lexicon: Lexicon, forms: Sequence[str]) -> str | None:
    """``name`` with its legal form's first character put back when the form lost it right after a
    trade word (文化传媒限责任公司 -> 文化传媒有限责任公司; one character off the form, it had made the
    trade word's last character the form's: 文化传有限责任公司), or None."""
    for form in sorted(forms, key=len, reverse=True):
        if name.endswith(form):
            return None
        head = name[: -(len(form) - 1)]
        if len(form) >= 4 and name.endswith(form[1:]) and any(head.endswith(t) for t in lexicon.trades):
            return head + form
    return None


def company_fit(name: str, lexicon: Lexicon, forms: tuple[str, ...]) -> int:
    """How many parts of a company name's usual shape ``name`` has: a known place at the start, a legal
    form at the end (or a legal form and then a branch, ``<place>分公司``), a trade word before the form."""
    fit = int(any(name.startswith(p) for p in lexicon.places))
    form = next((f for f in sorted(forms, key=len, reverse=True) if f in name), None)
    if form is None:
        return fit
    head, tail = name.split(form, 1)
    fit += int(not tail or (tail.endswith(BRANCH) and tail[: -len(BRANCH)] in lexicon.places))
    return fit + int(any(head.endswith(t) for t in lexicon.trades))
