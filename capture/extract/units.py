"""A row's spec and unit put right where the row's own text points at one answer.

Contract: ``repair_spec(spec) -> str | None`` and ``repair_unit(unit, spec, units) -> str | None`` return
the repaired text, or None when nothing is to be changed ("": the cell is empty, a lone lower-case
letter (or mark) that is no unit or spec being a speck). Both read the packaging form of a spec,
``<amount><measure>/<package>`` (5L/桶, 500ml/瓶, 10kg/袋, 20支/盒):
- in its amount, a Latin letter of a digit's shape is that digit (SL/桶 -> 5L/桶, 1OOml/瓶 -> 100ml/瓶):
  an amount is a number, and the measure after it says the letter belongs to one;
- a unit that is no known unit (``units``: the lexicon's list) is the package the spec names at its
  end (``…/<package>``, the amount before it read right or not), when that is a known unit (a unit
  misread as 福 under a spec of 5L/桶, or 销 under 51/桶, is 桶); else a unit of two or more
  characters one character off exactly one known unit is that unit (干克 -> 千克); a unit read right is
  never changed, nor a one-character unit without a packaging spec (白 may be 台 or 日: no evidence),
  except a glyph OCR returns for a unit of its shape (↑ for 个, ``GLYPH_UNITS``); a known unit with a
  speck beside it (.次, 台s: punctuation, or one Latin letter by a Chinese unit) is that unit.
``unit_from_spec(spec, units)``: no unit read, the unit the spec cell gives: itself when it is exactly a
known unit (the unit cell drifted under 规格型号), or the package it names at its end.
Other specs with a measure: a 1 read for the l of ml right after a number is that l (250m1*24盒 ->
250ml*24盒), a degree sign or a dot read for the * between a measure and a count is that * (250ml°24盒),
a viscosity grade's leading digit read as a letter of its shape is the digit (SW-30 -> 5W-30) and its
dash read as another mark a dash (5W·30 -> 5W-30), and so is a lower-case letter of a digit's shape
between the capitals and digits of a model code (Pz7H-30).
Litres: the L read as 1 (or i) and a point after a decimal (1.91., 1.9i. -> 1.9L) or as 1 before a
liquid's container with no measure (51/桶 -> 5L/桶); a grade and its volume run together or joined by a
mark (5W-304L, 5W-30-4L -> 5W-30 4L) and its L read as 1 (5W-30 41); a speck after a measure (1.9L.);
the slash before a package read as a point (5L.桶 -> 5L/桶); a paper size run into the grammage
(A4157g -> A4 157g); the ml of a count spec read mP or its * lost (250mP*24盒, 250ml24盒, 250m|24盒 ->
250ml*24盒); the space between a paper's grammage and its sheets lost (70g500张/包 -> 70g 500张/包);
accents OCR put on Latin letters dropped (MąteBook -> MateBook); a mark before a size, weight or volume at
the spec's start (-0.5mm黑色: none is negative); a point after a spec's last mark or Chinese character
(12#., 铜版纸.); a C read as € before lower-case letters (€arbon); a model code's dash read as a dot
(TN·2325); a measure's point read as a comma (1,9L); the L of 5L/桶 read as a point (5./桶); a size's # read as = (12=).
"""

from __future__ import annotations

import re
import unicodedata

# Latin letters OCR reads for digits of the same shape
DIGIT_LOOKALIKES = str.maketrans({"S": "5", "s": "5", "O": "0", "o": "0", "l": "1", "I": "1", "B": "8", "Z": "2"})
MEASURES = (
    "L", "l", "ml", "mL", "ML", "kg", "KG", "Kg", "g", "mm", "cm", "m", "W", "V", "Ah", "mAh",
    "克", "千克", "公斤", "升", "毫升", "米", "支", "片", "粒", "个", "只", "张", "包", "袋", "瓶", "盒", "枚", "卷",
)
_PACKAGING = re.compile(
    r"^(?P<amount>[\dSsOolIBZ.]*[\dSsOolIBZ])(?P<measure>"
    + "|".join(sorted(map(re.escape, MEASURES), key=len, reverse=True))
    + r")/(?P<package>[\u4e00-\u9fff]{1,2})$"
)


# glyphs OCR returns for a unit character of their shape (个 read as an arrow)
GLYPH_UNITS = {"↑": "个"}
# the package a spec names at its end, whatever OCR made of the amount before it (51/桶 for 5L/桶)
_PACKAGE_TAIL = re.compile(r"[0-9A-Za-z\u4e00-\u9fff]/(?P<package>[\u4e00-\u9fff]{1,2})$")


def _packaging(spec: str | None) -> re.Match[str] | None:
    return _PACKAGING.match(spec.strip()) if spec else None


# 250m1*24盒: the l of ml after a number; 250ml°24盒: the * between a measure and a count; 250m*24盒:
# the l lost before a count of drinks' packages (metres are not sold by the box of 24)
_MILLI = re.compile(
    r"(?<=\d)m[1IP|](?=$|[*×/\s°·])|(?<=\d)m[IP|](?=\d+[\u4e00-\u9fff]$)|(?<=\d)m(?=[*×]\d+[盒瓶罐听袋]$)"
)
# 250ml°24盒, 250ml24盒: the * read as a mark or lost before a count of one package at the spec's end
_COUNT_STAR = re.compile(r"(?<=\d)(ml|mL|L|kg|g)(?:[°·•](?=\d+[\u4e00-\u9fff])|(?=\d+[\u4e00-\u9fff]$))")
_PAPER = re.compile(r"(?<=\d)g(?=\d+张)")  # 70g500张/包: the space between grammage and sheets lost
# 1.91. for 1.9L: the L of litres read as 1 and its foot as a point, after a number with its own point
_LITRE_DOT = re.compile(r"^(\d+\.\d+)[1iIl|]\.$")  # 1.91. and 1.9i.: the L read as 1 or i, a speck after
_SPECK = re.compile(r"[a-z.,:;'`·°\-，。、；：]")  # one lower-case letter or mark: no spec is that
# 51/桶 for 5L/桶: a number with no measure before a liquid's container, its last 1 the L
# 51./桶, 51桶, 5'/桶, 5i/桶: the L's foot read as a point too, the slash lost, the L read as a quote mark or i
# 5./桶: the L read as a point (after a number not ending in 1: 51./桶 is 5L/桶, its L read as 1 and a point)
_LITRE_ONE = re.compile(r"^(?:(\d+)(?:1\.?/?|['`’]/|[iI|]\.?/)|(\d*[02-9])\./)(?=[桶瓶罐壶]$)")
# 5W-304L, 5W-30-4L, 5W-30:4L: the space before the volume lost or read as a mark
_GRADE_VOLUME = re.compile(r"\b(\dW-\d{2})[-_.·:：]?(\d+(?:\.\d+)?L)\b")
# A4157g铜版纸: the space between size and grammage lost; 44157g: the A read as a 4 too (paper only)
# A4157g, A4.157g (the space read as a point), 44157g铜版纸 (the A read as 4), A+157g铜版纸 (the 4 as +)
_PAPER_SIZE = re.compile(
    r"\b(A[2-6])[.·]?(\d{2,3}g)|^4(4)(\d{2,3}g)(?=[\u4e00-\u9fff]*纸$)|^A\+(\d{2,3}g)(?=[\u4e00-\u9fff]*纸$)"
)
PAPER_GRAMS = 30  # g/m²: the lightest paper sold by the sheet weighs more than this
# A415.7g铜版纸: a speck read as a point inside a paper's grammage (whole grams per square metre)
_PAPER_POINT = re.compile(r"\b(A[2-6]) ?(\d{1,2})[.,·](\d{1,2}g)(?=[\u4e00-\u9fff]*纸$)")
# 5W-30 41, 5W-30 41., 5W-3041.: the L of the volume read as 1 (and the space lost)
# 41, 4I.: the L read as 1 or I; 5W-304: the L lost (an oil's volume is printed in litres)
_GRADE_LITRES = re.compile(r"^(\d{1,2}W-\d{2}) ?(\d)(?:[1Iil|]\.?)?$")
# 1.9L., 5L./桶, SL./桶 (its 5 read as S too): a speck after the measure
_MEASURE_DOT = re.compile(r"(?<=[\dSOBZ])(L|ml|mL|g|kg)\.(?=$|/)")
_PACKAGE_SPECK = re.compile(r"(?<=/[\u4e00-\u9fff])[a-z.,'`]$")  # 5kg/袋s: a speck after the package
_STAPLE = re.compile(r"^(\d{1,2})[=＝]$")  # 12=: a size's # read as an equals sign (staples: 12#, 24#)
# 1,9L: a measure's point read as a comma (one or two decimals: no thousands group)
_COMMA_POINT = re.compile(r"(?<=\d),(?=\d{1,2}(?:L|ml|mL|kg|g|mm|cm|m)(?![A-Za-z]))")
_EURO_C = re.compile(r"€(?=[a-z]{2})")  # €arbon: a capital C read as the euro sign before lower-case letters
# 12#., 铜版纸.: a speck read as a point after a spec's last mark or Chinese character
_TRAILING_SPECK = re.compile(r"(?<=[#)）\u4e00-\u9fff])[.,·。，]$")
# -0.5mm黑色: a mark read before a size, a weight or a volume at the spec's start (none is negative)
_SIGNED_MEASURE = re.compile(r"^\s*[-－—–.·•,'`](?=\d+(?:\.\d+)?(?:mm|cm|m|ml|mL|L|g|kg)(?![A-Za-z]))")
# 5L.桶, 5L桶: the slash between a measure and its package read as a point, or lost
_PACKAGE_DOT = re.compile(r"^(\d+(?:\.\d+)?(?:L|ml|mL|g|kg))[.·]?(?=[桶瓶罐壶袋盒箱包]$)")
# Pz7H-30: a lower-case letter of a digit's shape between capitals and digits of a model code
_CODE_DIGIT = re.compile(r"(?<=[A-Z0-9])[ozlsi](?=[0-9])|(?<=[0-9])[ozlsi](?=[A-Z0-9])")
_LOWER_LOOKALIKES = str.maketrans({"o": "0", "z": "2", "l": "1", "s": "5", "i": "1"})
_GRADE = re.compile(r"(?<![A-Za-z\d])([SsOoIlBZ])(?=W-\d{2}\b)")  # SAE viscosity grades: 5W-30, 0W-20
# 5W·30: a viscosity grade's dash read as another mark
_GRADE_DASH = re.compile(r"(?<![A-Za-z\d])([\dSsOoIlBZ])W[·・.~_—–一﹣－:](\d{2})(?!\d)")


# what a spec's measure is counted in: sheets of paper, containers of a liquid
PAPER_UNITS = frozenset({"张", "包", "令", "箱", "本", "卷", "盒"})
LIQUID_UNITS = frozenset({"桶", "瓶", "罐", "壶", "箱", "升", "盒", "提", "件", "听", "袋", "支"})
_PAPER_SPEC = re.compile(r"纸$|\d+g\b.*纸")
_LIQUID_SPEC = re.compile(r"\d(?:\.\d+)?\s*(?:L|ml|mL|升|毫升)(?![A-Za-z])")


CONTAINERS = frozenset({"桶", "瓶", "罐", "壶"})
# 1.91, 1.9t, 1.9., 1.9 over 瓶: 1.9L with its L misread (or lost, a speck after it, or nothing)
_BARE_LITRES = re.compile(r"^(\d{1,2}\.\d)(?:[1lI|it]\.?|\.)?$")


def container_litres(spec: str | None, unit: str | None) -> str | None:
    """A container's spec read as a bare decimal, or one ending in 1 or a point (1.9, 1.91, 1.9. for
    1.9L; what a bottle holds is printed with its measure): the volume in litres, else None."""
    m = _BARE_LITRES.match(spec.strip()) if spec and unit in CONTAINERS else None
    return f"{m[1]}L" if m else None


# an item name ending in what it is packed as (中性笔芯（20支/盒）): sold by that package
_NAMED_PACKAGE = re.compile(r"\d+[\u4e00-\u9fff]{1,2}/([\u4e00-\u9fff])[）)]$")


def named_package(name: str | None) -> str | None:
    """The package an item name ends by naming (中性笔芯（20支/盒） -> 盒), else None."""
    m = _NAMED_PACKAGE.search(name.strip()) if name else None
    return m[1] if m else None


def spec_units(spec: str | None) -> frozenset[str] | None:
    """The units a row with this spec can be counted in, when its measure says (a paper: 张, 包, 令...;
    a volume of liquid: 桶, 瓶, 箱...), else None."""
    if not spec:
        return None
    if _PAPER_SPEC.search(spec):
        return PAPER_UNITS
    if _LIQUID_SPEC.search(spec):
        return LIQUID_UNITS
    return None


def repair_spec(spec: str | None) -> str | None:
    if not spec:
        return None
    if _SPECK.fullmatch(spec.strip()):
        return ""  # a speck under the table read as a lone letter or mark: no spec
    bare = "".join(ch for ch in unicodedata.normalize("NFD", spec) if not unicodedata.combining(ch))
    fixed = _TRAILING_SPECK.sub("", _SIGNED_MEASURE.sub("", unicodedata.normalize("NFC", bare)))
    fixed = _STAPLE.sub(r"\1#", _COMMA_POINT.sub(".", _EURO_C.sub("C", fixed)))
    fixed = _GRADE.sub(lambda m: m[1].translate(DIGIT_LOOKALIKES), _GRADE_DASH.sub(r"\1W-\2", fixed))
    fixed = _GRADE_VOLUME.sub(r"\1 \2", _LITRE_ONE.sub(lambda m: f"{m[1] or m[2]}L/", _LITRE_DOT.sub(r"\1L", fixed)))
    fixed = _MEASURE_DOT.sub(r"\1", _PACKAGE_DOT.sub(r"\1/", _PACKAGE_SPECK.sub("", fixed)))
    fixed = _PAPER_POINT.sub(_paper_point, fixed)
    fixed = _GRADE_LITRES.sub(r"\1 \2L", _PAPER_SIZE.sub(_paper_size, fixed))
    fixed = " ".join(_code(token) for token in fixed.split(" "))
    fixed = _COUNT_STAR.sub(lambda m: m[1] + "*", _MILLI.sub("ml", fixed))
    fixed = _PAPER.sub("g ", fixed)
    m = _packaging(fixed)
    if m is not None:
        amount = m["amount"].translate(DIGIT_LOOKALIKES)
        if re.fullmatch(r"\d+(\.\d+)?", amount):
            fixed = f"{amount}{m['measure']}/{m['package']}"
    return fixed if fixed != spec else None


def _paper_point(m: re.Match[str]) -> str:
    grams = m[2] + m[3][:-1]
    return f"{m[1]} {grams}g" if len(grams) in (2, 3) and int(grams) >= PAPER_GRAMS else m[0]


def _paper_size(m: re.Match[str]) -> str:
    if m[5]:
        return f"A4 {m[5]}"  # A+157g铜版纸: the 4 read as a plus sign (its shape)
    return f"{m[1]} {m[2]}" if m[1] else f"A{m[3]} {m[4]}"


_CODE_DOT = re.compile(r"(?<=[A-Z0-9])[·•‧∙・](?=[A-Z0-9])")  # TN·2325: a model code's dash read as a dot


def _code(token: str) -> str:
    """A model code (capitals and digits, at least one of each) with a lower-case letter of a digit's
    shape between a capital or digit and a digit read for that digit (Pz7H-30 -> P27H-30), and its dash
    read as a dot (TN·2325 -> TN-2325)."""
    if not re.search(r"\d", token) or not re.search(r"[A-Z]", token) or re.search(r"[a-z]{2}", token):
        return token
    return _CODE_DOT.sub("-", _CODE_DIGIT.sub(lambda m: m[0].translate(_LOWER_LOOKALIKES), token))


_UNIT_SPECKS = ".,·'`:;、。，_|~～"
_LATIN_SPECK = re.compile(r"^[A-Za-z](?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])[A-Za-z]$")  # one letter by a Chinese unit


def repair_unit(unit: str | None, spec: str | None, units: frozenset[str]) -> str | None:
    if not unit or unit in units:
        return None
    if unit in GLYPH_UNITS:
        return GLYPH_UNITS[unit]
    if (bare := _LATIN_SPECK.sub("", unit.strip(_UNIT_SPECKS))) != unit and bare in units:
        return bare  # a speck beside the unit (.次, 台s)
    if (bare := "".join(ch for ch in unit if unicodedata.category(ch)[0] not in "SP")) != unit and bare in units:
        return bare  # a mark or symbol read beside it (☑张: a box's corner)
    if re.fullmatch(r"[a-z]", unit) or not unit.strip(_UNIT_SPECKS):
        return ""  # a lone lower-case letter that is no unit (v), or marks only (~): a speck, the cell is empty
    return spec_package(spec, units) or (_one_off(unit, units) if len(unit) >= 2 else None)


def spec_package(spec: str | None, units: frozenset[str]) -> str | None:
    """The known unit a spec names as its package at its end (5L/桶 -> 桶, 70g 500张/包 -> 包), else None."""
    m = _PACKAGE_TAIL.search(spec.strip()) if spec else None
    return m["package"] if m is not None and m["package"] in units else None


def unit_from_spec(spec: str | None, units: frozenset[str]) -> tuple[str, bool] | None:
    """No unit read: (the unit, whether the spec cell was the unit itself) when the spec cell is exactly
    a known unit (批 read in the spec column: the unit cell drifted there) or names its package at its
    end (70g 500张/包: sold by the 包); else None."""
    if not spec:
        return None
    text = spec.strip()
    if text in units and re.fullmatch(r"[\u4e00-\u9fff]{1,2}", text):
        return text, True
    package = spec_package(text, units)
    return (package, False) if package else None


def _one_off(text: str, words: frozenset[str]) -> str | None:
    """The one word of ``words`` that ``text`` has one Chinese character misread in; of two or more,
    the one that keeps the last character (a unit's measure: 平克 is 千克, not 平米), if only one does."""
    fits = [
        w for w in words
        if len(w) == len(text) and sum(a != b for a, b in zip(w, text, strict=True)) == 1
        and all("\u4e00" <= a <= "\u9fff" for a, b in zip(w, text, strict=True) if a != b)
    ]
    if len(fits) > 1:
        fits = [w for w in fits if w[-1] == text[-1]]
    return fits[0] if len(fits) == 1 else None
