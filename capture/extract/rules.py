"""Extraction rules are data: YAML files validated into pydantic models when they are loaded.

Contract: ``load_rulebook(paths=None)`` reads every ``*.yaml`` in ``capture/extract/rules/`` (or the
paths given) into ``RuleSet`` objects and fails at load, naming the file and the field, when a rule is
malformed. A new invoice layout is a new rule file, not new code: labels are fuzzy-matched with the
rule's explicit ``label_cutoff``; ``kind`` names a normalizer in ``capture.extract.kinds``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from capture.invoice import FIELD_NAMES, LINE_COLUMNS

RULES_DIR = Path(__file__).with_name("rules")

Kind = Literal[
    "money", "money2", "invoice_number", "invoice_code", "check_code", "machine_number", "date", "tax_id", "name",
    "text", "capitals", "doc_id", "tax_ref",
]
Where = Literal["same", "right", "below"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldRule(_Strict):
    labels: list[str] = Field(min_length=1)
    kind: Kind
    where: list[Where] = ["same", "right", "below"]
    occurrence: int = Field(default=1, ge=1, description="which anchor in reading order (buyer 1, seller 2)")
    max_gap: float = Field(default=14.0, gt=0, description="in label heights")
    label_cutoff: float = Field(default=75.0, ge=50, le=100)
    zone: Literal["any", "above_table", "below_table"] = "any"
    multiline: bool = False  # join the following lines below (remarks)
    fallback: Literal["none", "top_line"] = "none"  # no label found: the page's first line of this kind
    fallback_labels: list[str] = Field(
        default_factory=list, description="tried only when no value was found at ``labels`` (a label OCR often misses)"
    )


class TitleRule(_Strict):
    text: str
    invoice_type: str


class TableRule(_Strict):
    columns: dict[str, list[str]]
    min_header_columns: int = Field(default=4, ge=2)
    header_cutoff: float = Field(default=80.0, ge=50, le=100)
    end_labels: list[str] = Field(min_length=1, description="the totals row (合计) that ends the table")
    stop_labels: list[str] = Field(default_factory=list, description="text that is never inside the table")
    totals: dict[str, str] = Field(default_factory=dict, description="invoice field -> column on the end row")
    continuation_column: str = "name"
    rates: list[str] = Field(
        default_factory=list, description="printable tax rates (13%): a row's rate unread or misread is the one "
        "that gives its tax from its amount (capture.extract.items)"
    )

    @field_validator("columns")
    @classmethod
    def _known_columns(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = set(v) - set(LINE_COLUMNS)
        if unknown:
            raise ValueError(f"unknown line item columns {sorted(unknown)}; known: {list(LINE_COLUMNS)}")
        return v

    @field_validator("totals")
    @classmethod
    def _known_totals(cls, v: dict[str, str]) -> dict[str, str]:
        unknown = set(v) - set(FIELD_NAMES)
        if unknown:
            raise ValueError(f"unknown invoice fields {sorted(unknown)}")
        return v


class RuleSet(_Strict):
    name: str
    keywords: list[str] = Field(min_length=1, description="text that says this rule set applies")
    currency: str | None = None
    currency_symbols: dict[str, str] = Field(default_factory=dict, description="printed symbol/code -> ISO")
    date_order: dict[str, Literal["dmy", "mdy"]] = Field(default_factory=dict, description="currency -> order")
    default_type: str | None = None
    titles: list[TitleRule] = Field(default_factory=list)
    title_cutoff: float = 80.0
    fields: dict[str, FieldRule]
    table: TableRule | None = None
    legal_forms: list[str] = Field(
        default_factory=list, description="endings of a company name (有限公司): one character off is a misread"
    )
    name_fields: list[str] = Field(default_factory=list, description="the fields ``legal_forms`` apply to")
    id_fields: list[str] = Field(
        default_factory=list, description="the buyer's and the seller's taxpayer id fields, the block above the "
        "item table first: one not found takes the one other valid USCC of its side of the table"
    )
    issuer_id: str | None = Field(
        None, description="the tax id field of the party whose tax bureau issued the invoice (the seller): its "
        "province (characters 3-4) is the one the invoice code or the 20-digit number carries"
    )
    party_labels: list[str] = Field(
        default_factory=list, description="the labels of the buyer's and the seller's blocks, in that order "
        "(购买方, 销售方): a label the two share read only once belongs to the block it sits in"
    )
    side_by_side: list[str] = Field(
        default_factory=list, description="invoice types (by title) that print the buyer's block left of the "
        "seller's (数电): with no block label to go by, a lone shared label's side of the page says whose it is"
    )
    lexicon: str | None = Field(
        default=None, description="vocabulary file in capture/extract/lexicon/ (without .yaml) that repairs "
        "single-character misreads of item names and company names (capture.extract.lexicon)"
    )
    lexicon_name_below: float = Field(
        default=0.985, ge=0, le=1, description="a company name is checked against the lexicon only when read "
        "with a lower score (a sure reading of an unusual name stays as it is; the second look's name_sure)"
    )

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, v: dict[str, FieldRule]) -> dict[str, FieldRule]:
        unknown = set(v) - set(FIELD_NAMES)
        if unknown:
            raise ValueError(f"unknown invoice fields {sorted(unknown)}; known: {list(FIELD_NAMES)}")
        return v


class RuleError(ValueError):
    """A rule file that does not load: names the file and what is wrong."""


def load_ruleset(path: Path) -> RuleSet:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        return RuleSet.model_validate(data)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise RuleError(f"{path}: {exc}") from exc


def load_rulebook(paths: list[Path] | None = None) -> tuple[RuleSet, ...]:
    """The rule sets of ``paths`` (default: every rule file in RULES_DIR). Parsed once per version of
    the files (path, size, modification time): every capture builds a default config, and parsing
    the YAML again each time cost ~57 ms per document; an edited or new rule file is read again."""
    files = paths if paths is not None else sorted(RULES_DIR.glob("*.yaml"))
    if not files:
        raise RuleError(f"no rule files in {RULES_DIR}")
    return _parsed(tuple(_stamp(Path(p)) for p in files))


def _stamp(path: Path) -> tuple[Path, int, int]:
    try:
        st = path.stat()
    except OSError as exc:
        raise RuleError(f"{path}: {exc}") from exc
    return path, st.st_size, st.st_mtime_ns


@lru_cache(maxsize=32)
def _parsed(stamps: tuple[tuple[Path, int, int], ...]) -> tuple[RuleSet, ...]:
    return tuple(load_ruleset(p) for p, _, _ in stamps)
