"""Register the sample generator's invoices with the simulator (deterministic for a given seed).

Reads ``<dir>/*.expected.json`` (one invoice, or ``{"pages": [...]}`` for multi-page files); invoices whose type
the platform does not know (``receipt_en``) are skipped. Each invoice is named ``<file stem>`` or
``<file stem>#<page>`` (pages from 1) for selections.

A selection (``unregistered``, ``mismatching``) is a count (``int``), a share of all the loaded invoices
(``float`` in 0..1, rounded to the nearest count), or names / invoice numbers (a list of strings). Unregistered
invoices are chosen first, mismatching ones among the rest; a count or share of mismatching invoices is drawn from
the special and fully digital invoices, whose verification inputs include the amount (so the platform answers
006). A mismatching invoice is registered with ``amount_excl_tax`` and ``total`` both raised by ``delta`` (tax
unchanged): an ordinary invoice named explicitly therefore still answers 001, with registered amounts that differ
from ours.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from samples.taxsim.rules import ORDINARY, TYPES

Selection = int | float | list[str] | tuple[str, ...] | None

_FIELDS = {"invoice_type": "type", "invoice_code": "code", "invoice_number": "number", "date": "date",
           "amount_excl_tax": "amount_excl_tax", "tax": "tax", "total": "total", "check_code": "check_code",
           "buyer_name": "buyer_name", "buyer_tax_id": "buyer_tax_id", "seller_name": "seller_name",
           "seller_tax_id": "seller_tax_id"}


@dataclass(frozen=True)
class SampleInvoice:
    name: str
    record: dict  # registry fields (see registry.FIELDS), status "0", visible at once


def to_record(truth: dict) -> dict:
    record = {ours: truth.get(theirs) for theirs, ours in _FIELDS.items()}
    record["code"] = record["code"] or ""
    return {**record, "status": "0", "visible_at": None}


def load_expected(directory: str | Path) -> list[SampleInvoice]:
    out: list[SampleInvoice] = []
    for path in sorted(Path(directory).glob("*.expected.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        stem = path.name.removesuffix(".expected.json")
        pages = data.get("pages")
        truths = [(stem, data)] if pages is None else [(f"{stem}#{i}", p) for i, p in enumerate(pages, 1)]
        out.extend(SampleInvoice(name, to_record(t)) for name, t in truths if t.get("invoice_type") in TYPES)
    return out


def parse_selection(text: str | None) -> Selection:
    """Command-line form: ``3`` (count), ``0.1`` (share), ``a,b`` (names or numbers), empty or ``0``: none."""
    text = (text or "").strip()
    if not text:
        return None
    if text.isdigit():
        return int(text)
    try:
        return float(text)
    except ValueError:
        return [part.strip() for part in text.split(",") if part.strip()]


def _pick(pool: list[SampleInvoice], spec: Selection, rng: random.Random, total: int) -> list[SampleInvoice]:
    """``spec`` out of ``pool``; a share is of ``total`` (all the loaded invoices)."""
    if not spec:
        return []
    if isinstance(spec, list | tuple):
        wanted = set(spec)
        return [s for s in pool if s.name in wanted or s.record["number"] in wanted]
    count = spec if isinstance(spec, int) else round(total * float(spec))
    return rng.sample(pool, min(max(count, 0), len(pool)))


def mismatched(record: dict, delta: Decimal) -> dict:
    out = dict(record)
    for key in ("amount_excl_tax", "total"):
        if out.get(key) is not None:
            out[key] = f"{Decimal(out[key]) + delta:.2f}"
    return out


@dataclass
class RegistrationPlan:
    registered: list[SampleInvoice] = field(default_factory=list)  # as issued
    unregistered: list[SampleInvoice] = field(default_factory=list)  # left out of the registry
    mismatching: list[SampleInvoice] = field(default_factory=list)  # registered with other amounts
    delta: Decimal = Decimal("100.00")

    def records(self) -> list[dict]:
        """What goes into the registry (the mismatching ones with their changed amounts)."""
        return [s.record for s in self.registered] + [mismatched(s.record, self.delta) for s in self.mismatching]

    def summary(self) -> str:
        def names(items: list[SampleInvoice]) -> str:
            return ", ".join(s.name for s in items) or "none"

        return (f"registered {len(self.registered) + len(self.mismatching)} sample invoice(s); unregistered: "
                f"{names(self.unregistered)}; mismatching (amounts +{self.delta}): {names(self.mismatching)}")


def plan_registration(source: str | Path | list[SampleInvoice], *, seed: int = 0, unregistered: Selection = None,
                      mismatching: Selection = None, delta: Decimal | str = "100.00") -> RegistrationPlan:
    samples = load_expected(source) if isinstance(source, str | Path) else list(source)
    rng = random.Random(seed)
    left_out = _pick(samples, unregistered, rng, len(samples))
    rest = [s for s in samples if s not in left_out]
    if isinstance(mismatching, list | tuple):
        changed = _pick(rest, mismatching, rng, len(samples))
    else:
        changed = _pick([s for s in rest if s.record["type"] not in ORDINARY], mismatching, rng, len(samples))
    plain = [s for s in rest if s not in changed]
    return RegistrationPlan(registered=plain, unregistered=left_out, mismatching=changed, delta=Decimal(delta))


def register_samples(target, source: str | Path | list[SampleInvoice], **options) -> RegistrationPlan:
    """Plan (see :func:`plan_registration`) and register into ``target``: a ``TaxSimAdmin`` (over HTTP) or a
    ``Registry`` (in process)."""
    plan = plan_registration(source, **options)
    records = plan.records()
    if hasattr(target, "upsert"):
        target.upsert(records)
    else:
        target.register([_as_admin_body(r) for r in records])
    return plan


def _as_admin_body(record: dict) -> dict:
    body = {k: v for k, v in record.items() if k != "visible_at"}
    body["code"] = body["code"] or None
    return body

