"""统一社会信用代码 (GB 32100-2015): generation with a correct check character, and validation.

Contract: ``uscc_check_char(first17)`` returns the 18th character; ``is_valid_uscc(code)`` checks length,
alphabet and check character; ``make_uscc(rng, region6)`` returns a valid 18-character code.
"""

from __future__ import annotations

import random

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# registration authority + entity type: 9 = 工商 (1 企业, 2 个体工商户);
# 1 = 机构编制 (2 事业单位); 5 = 民政 (1 社团). Companies on invoices are 91.
COMPANY_PREFIX = "91"
# organization code (chars 9-17): GB 11714, digits and upper-case letters of the same alphabet
_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc_check_char(first17: str) -> str:
    if len(first17) != 17 or any(c not in ALPHABET for c in first17):
        raise ValueError(f"not 17 USCC characters: {first17!r}")
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    check = 31 - total % 31
    return ALPHABET[0 if check == 31 else check]


def is_valid_uscc(code: str) -> bool:
    if len(code) != 18 or any(c not in ALPHABET for c in code):
        return False
    return uscc_check_char(code[:17]) == code[17]


def make_uscc(rng: random.Random, region6: str, prefix: str = COMPANY_PREFIX) -> str:
    """A valid code for an entity registered in the 6-digit administrative region ``region6``."""
    # organization codes are mostly digits, often with letters in the middle; the last is a check digit/X
    org = "".join(rng.choice("0123456789") for _ in range(2))
    org += "".join(rng.choice(_ORG_ALPHABET if rng.random() < 0.3 else "0123456789") for _ in range(5))
    org += "".join(rng.choice("0123456789") for _ in range(1))
    org += rng.choice("0123456789X")
    first17 = prefix + region6 + org
    return first17 + uscc_check_char(first17)
