"""Known vendors: match an extracted seller (name, tax id) against a list of vendors we know.

Contract
- ``VendorList.from_csv(source)`` reads a CSV with a header row holding ``name`` and ``tax_id``
  columns (UTF-8, BOM tolerated; other columns ignored); ``VendorList(vendors)`` takes ``Vendor`` rows.
- ``VendorList.match(name, tax_id) -> VendorMatch | None``:
  1. an exact tax id match (after normalization: upper case, no spaces) wins, score 100;
  2. otherwise the name is compared with ``rapidfuzz.fuzz.ratio`` on normalized names (NFKC, full-width
     brackets -> ASCII, spaces and punctuation removed) with an explicit ``score_cutoff`` (default 90:
     one OCR-misread character in a 10-character name scores 90, two score 80). ``ratio`` and not
     ``WRatio``/``partial_ratio``: those score every "...有限公司" against every other very high.
  3. a name match whose vendor has a DIFFERENT tax id than a well-formed extracted one is still
     returned, with ``tax_id_conflict=True`` and the reason saying so (a branch, or a different firm).
  ``reason`` is a human sentence recording why, ``score`` is 0..100. None when nothing passes.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from rapidfuzz import fuzz, process

DEFAULT_SCORE_CUTOFF = 90.0


@dataclass(frozen=True)
class Vendor:
    name: str
    tax_id: str | None = None


@dataclass(frozen=True)
class VendorMatch:
    name: str  # canonical name from the vendor list
    tax_id: str | None  # the vendor's tax id from the list
    score: float  # 0..100
    reason: str
    by: str  # "tax_id" or "name"
    tax_id_conflict: bool = False

    def to_dict(self) -> dict:
        return {"name": self.name, "tax_id": self.tax_id, "score": round(self.score, 1),
                "reason": self.reason, "by": self.by, "tax_id_conflict": self.tax_id_conflict}


def normalize_name(name: str) -> str:
    """Comparison key for company names: NFKC (full-width brackets and letters to ASCII), upper case,
    whitespace and punctuation removed."""
    s = unicodedata.normalize("NFKC", name).upper()
    return re.sub(r"[\s()\[\]【】{}·.,，。、'\"“”‘’:：;；\-_/]+", "", s)


def normalize_tax_id(tax_id: str | None) -> str | None:
    if not tax_id:
        return None
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", tax_id)).upper()
    return s or None


class VendorList:
    """An immutable list of known vendors with a name index; see the module contract."""

    def __init__(self, vendors: Iterable[Vendor], *, score_cutoff: float = DEFAULT_SCORE_CUTOFF) -> None:
        if not 0 <= score_cutoff <= 100:
            raise ValueError(f"score_cutoff must be in [0, 100], got {score_cutoff}")
        self.vendors: tuple[Vendor, ...] = tuple(vendors)
        self.score_cutoff = score_cutoff
        self._by_tax_id: dict[str, Vendor] = {}
        for v in self.vendors:
            key = normalize_tax_id(v.tax_id)
            if key:
                self._by_tax_id.setdefault(key, v)
        self._keys = [normalize_name(v.name) for v in self.vendors]

    @classmethod
    def from_csv(cls, source: str | Path | TextIO, *,
                 score_cutoff: float = DEFAULT_SCORE_CUTOFF) -> VendorList:
        """Read ``name,tax_id`` rows from a path or an open text stream (header row required)."""
        if isinstance(source, str | Path):
            text = Path(source).read_text(encoding="utf-8-sig")
            stream: TextIO = io.StringIO(text)
        else:
            stream = source
        reader = csv.DictReader(stream)
        fields = [f.strip().lstrip("\ufeff") for f in (reader.fieldnames or [])]
        if "name" not in fields:
            raise ValueError(f"vendor CSV needs a 'name' column, got {fields}")
        reader.fieldnames = fields
        vendors = [Vendor(row["name"].strip(), (row.get("tax_id") or "").strip() or None)
                   for row in reader if (row.get("name") or "").strip()]
        return cls(vendors, score_cutoff=score_cutoff)

    def __len__(self) -> int:
        return len(self.vendors)

    def match(self, name: str | None, tax_id: str | None = None) -> VendorMatch | None:
        """The best known vendor for an extracted seller, or None (see the module contract)."""
        key_id = normalize_tax_id(tax_id)
        if key_id and key_id in self._by_tax_id:
            v = self._by_tax_id[key_id]
            return VendorMatch(v.name, v.tax_id, 100.0, f"tax id {key_id} matches known vendor exactly",
                               "tax_id")
        if not name or not self._keys:
            return None
        key = normalize_name(name)
        if not key:
            return None
        best = process.extractOne(key, self._keys, scorer=fuzz.ratio, score_cutoff=self.score_cutoff)
        if best is None:
            return None
        _, score, index = best
        v = self.vendors[index]
        vendor_id = normalize_tax_id(v.tax_id)
        conflict = bool(key_id and vendor_id and key_id != vendor_id)
        reason = f"name {name!r} matches known vendor {v.name!r} with score {score:.1f} (cutoff " \
                 f"{self.score_cutoff:g})"
        if conflict:
            reason += f"; but tax id {key_id} differs from the vendor's {vendor_id}"
        return VendorMatch(v.name, v.tax_id, float(score), reason, "name", conflict)
