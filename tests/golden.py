"""Comparing an extraction with a sample's expected JSON (shared by the golden tests and bench/)."""

from __future__ import annotations

from capture.invoice import FIELD_NAMES, LINE_COLUMNS

# free text: OCR does not see the spaces between words of Chinese text, so they are not compared
SPACE_INSENSITIVE = {"buyer_name", "seller_name", "remarks", "name", "spec", "unit"}


def same(name: str, got, want) -> bool:
    if got is None or want is None:
        return got == want
    if name in SPACE_INSENSITIVE:
        return "".join(str(got).split()) == "".join(str(want).split())
    return str(got) == str(want)


def field_diffs(fields: dict, truth: dict) -> dict[str, tuple]:
    """name -> (got, want) for every field that differs; ``fields`` maps name -> value."""
    return {n: (fields.get(n), truth.get(n)) for n in FIELD_NAMES if not same(n, fields.get(n), truth.get(n))}


def row_ok(got: dict, want: dict) -> bool:
    return all(same(c, got.get(c), want.get(c)) for c in LINE_COLUMNS)


def line_diffs(got: list[dict], want: list[dict]) -> list:
    out = [] if len(got) == len(want) else [("row count", len(got), len(want))]
    for i, (g, w) in enumerate(zip(got, want, strict=False)):
        bad = {c: (g.get(c), w.get(c)) for c in LINE_COLUMNS if not same(c, g.get(c), w.get(c))}
        if bad:
            out.append((i + 1, bad))
    return out
