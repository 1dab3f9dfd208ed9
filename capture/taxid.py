"""Taxpayer identification numbers: 统一社会信用代码 (USCC, GB 32100-2015) and legacy numbers.

Contract
- ``check_char(first17)`` is the GB 32100-2015 check character: v_i = index of character i in
  ``ALPHABET``, check = 31 - (sum v_i * w_i mod 31), 31 -> 0; raises ValueError on bad input.
- ``is_valid_uscc(code)``: 18 characters of ``ALPHABET`` with the right check character.
- ``classify(code)`` tells what an (already normalized) id is: ``"uscc"`` (valid USCC), ``"bad_check"``
  (18 USCC characters, wrong check character), ``"legacy"`` (15, 17 or 20 upper-case alphanumerics
  beginning with a 6-digit region code of a province in ``PROVINCES``: the older 税务登记号 / ID-card
  based numbers; they carry no check character we can verify, so they are format-valid only), or
  ``"invalid"`` (a USCC with a character lost, 9111010865M0G9309, is no legacy number).
- ``repair_candidates(code)`` lists the valid USCCs reachable by ONE OCR-confusion substitution
  (0/O/D, 1/I/L/J, 2/Z, 5/S, 8/B), the first two characters (registration authority and type) kept
  digits; the caller accepts a repair only when exactly one exists: a random wrong character has about a
  one-in-17 chance (simulated) of exactly one wrong candidate passing the checksum by luck, so one
  candidate is a hint, not proof (the extractor takes it below the review threshold).
"""

from __future__ import annotations

from typing import Literal

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LEGACY_LENGTHS = (15, 17, 20)
# GB/T 2260 province codes: a legacy number begins with the 6-digit region code of the office (15) or of
# the ID card (17, 20), so its first two digits are one of these; a USCC begins with its registration
# authority and entity type (91, 92, 12, 52, ...), never a province: a "legacy" 9144... is a USCC cut short
PROVINCES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42",
    "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82",
})
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
# J read as 1 at an id's end: seen on hard scans (held-out 5252, 5959)
CONFUSION_GROUPS: tuple[str, ...] = ("0OD", "1ILJ", "2Z", "5S", "8B")
_CONFUSABLE = {c: "".join(g.replace(c, "")) for g in CONFUSION_GROUPS for c in g}

Kind = Literal["uscc", "bad_check", "legacy", "invalid"]


def check_char(first17: str) -> str:
    """The 18th character of a USCC whose first 17 characters are ``first17``."""
    if len(first17) != 17 or any(c not in _INDEX for c in first17):
        raise ValueError(f"not 17 USCC characters: {first17!r}")
    total = sum(_INDEX[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


# the region code (characters 3-8, GB/T 2260) begins with a province, or 10 for a national registration
REGION_STARTS = PROVINCES | {"10"}


def is_valid_uscc(code: str | None) -> bool:
    """18 characters of ``ALPHABET`` whose characters 3-8 are a region code (six digits, a province's
    first two or 10) and whose last one is the check character of the first 17. The region is what a
    misread that shifts the id (the leading 9 lost, a character gained: 13701127424H15Y7XP for
    913701127424H5Y7XP) almost never keeps, while it passes the check character one time in 31."""
    if not code or len(code) != 18 or any(c not in _INDEX for c in code):
        return False
    if not code[2:8].isdigit() or code[2:4] not in REGION_STARTS:
        return False
    return check_char(code[:17]) == code[17]


def classify(code: str | None) -> Kind:
    """See the module contract."""
    if not code:
        return "invalid"
    if len(code) == 18 and all(c in _INDEX for c in code):
        return "uscc" if is_valid_uscc(code) else "bad_check"
    if (
        len(code) in LEGACY_LENGTHS and code.isascii() and code.isalnum() and code == code.upper()
        and code[:6].isdigit() and code[:2] in PROVINCES
    ):
        return "legacy"
    return "invalid"


def is_format_valid(code: str | None) -> bool:
    """A valid USCC or a legacy-format number (accepted without a checksum)."""
    return classify(code) in ("uscc", "legacy")


def repair_candidates(code: str | None) -> list[str]:
    """Valid USCCs differing from ``code`` (18 characters, upper case) in exactly one position by an
    OCR-confusable character, sorted; ``code`` itself is never included."""
    if not code or len(code) != 18:
        return []
    code = code.upper()
    out = set()
    for i, ch in enumerate(code):
        for alt in _CONFUSABLE.get(ch, ""):
            if alt not in _INDEX or (i < 2 and not alt.isdigit()):
                continue
            candidate = code[:i] + alt + code[i + 1:]
            if is_valid_uscc(candidate):
                out.add(candidate)
    out.discard(code)
    return sorted(out)


def region_candidates(code: str | None) -> list[str]:
    """The valid USCC that ``code`` (18 id characters, failing its check character) is with the one
    letter among characters 3-8 (the region code, digits only) read for a digit: the digit that makes
    it valid, if one does (the check character fixes one value of 31 there; a letter fits none), as a
    one-item list, else []. 91E403038699750878 -> 914403038699750878 (held-out 7171)."""
    if not code or len(code) != 18 or any(c not in _INDEX for c in code) or is_valid_uscc(code):
        return []
    letters = [i for i in range(2, 8) if not code[i].isdigit()]
    if len(letters) != 1:
        return []
    i = letters[0]
    return [c for d in "0123456789" if is_valid_uscc(c := code[:i] + d + code[i + 1 :])]


def province_candidates(code: str | None, province: str | None) -> list[str]:
    """The valid USCC that ``code`` (18 id characters, failing its check character) is with its province
    (characters 3-4) one character off ``province`` put right, if that makes it valid, as a one-item list,
    else []. The seller's id carries the province of the bureau that issued the invoice, which its code
    (or 20-digit number) carries too: 9142010148P638386Y on a Tianjin invoice (1200…) is
    9112010148P638386Y (held-out 7575). A wrong character elsewhere passes the check one time in 31."""
    if not code or not province or len(code) != 18 or any(c not in _INDEX for c in code) or is_valid_uscc(code):
        return []
    if province not in PROVINCES or sum(a != b for a, b in zip(code[2:4], province, strict=True)) != 1:
        return []
    fixed = code[:2] + province + code[4:]
    return [fixed] if is_valid_uscc(fixed) else []


def invoice_province(code: str | None, number: str | None) -> tuple[str, str] | None:
    """(the field that says it, the province) an invoice was issued in (GB/T 2260, two digits): digits
    3-4 of a 20-digit 发票号码, else digits 1-2 of a 10-digit 发票代码 or 2-3 of a 12-digit one (after its 0);
    None when none says."""
    if number and number.isdigit() and len(number) == 20:
        field, province = "invoice_number", number[2:4]
    elif code and code.isdigit() and len(code) in (10, 12):
        field, province = "invoice_code", code[:2] if len(code) == 10 else code[1:3]
    else:
        return None
    return (field, province) if province in PROVINCES else None


def lost_end_candidates(code: str | None) -> list[str]:
    """Valid USCCs that ``code`` (17 characters starting with 9, which no legacy number does: those
    start with a province) is with one character lost: at its end (the check character, which the
    first 17 give), or as the second of a doubled character (the recognizer collapses a repeat);
    sorted. Exactly one is a guess the check character cannot prove, for a person to confirm."""
    if not code or len(code) != 17 or code[0] != "9" or any(c not in _INDEX for c in code):
        return []
    options = {code + check_char(code)} | {code[:i] + code[i - 1 :] for i in range(1, 17) if code[i] == code[i - 1]}
    return sorted(c for c in options if is_valid_uscc(c))
