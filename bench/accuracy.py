"""Extraction accuracy on freshly generated samples (never the committed ones).

    .venv/bin/python bench/accuracy.py --seed 101 --n 40 [--variants scanner,phone,hard] [--english 6]
        [--keep DIR] [--samples DIR] [--ocr-cache DIR] [--verbose]

Prints, per variant, the share of exactly right values for the key fields (invoice_code,
invoice_number, date, amount_excl_tax, tax, total, check_code, seller_tax_id, buyer_tax_id) over the
fields the truth has, for the names (buyer/seller, spaces ignored), for whole line-item rows (all 8
cells right), the share of invoices the validator accepted and, of those, the share with every key
field right (a wrong key field on an accepted invoice is what no reviewer sees). Never a timed test:
a measurement.
``--samples DIR`` scores the samples a former ``--keep DIR`` run left there instead of generating;
``--ocr-cache DIR`` remembers the engine's answers per image (pickles keyed by the pixels), so that a
second run over the same samples re-runs extraction only (timings then mean nothing).
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from capture.invoice import KEY_FIELDS  # noqa: E402
from capture.invoices import capture_invoices  # noqa: E402
from capture.ocr.paddle import PaddleOcrEngine  # noqa: E402
from samples.generate import generate_set  # noqa: E402
from tests.golden import row_ok, same  # noqa: E402

NAMES = ("buyer_name", "seller_name")
TODAY = date(2026, 11, 23)


class Tally:
    def __init__(self) -> None:
        self.n = defaultdict(int)
        self.ok = defaultdict(int)

    def add(self, group: str, good: bool) -> None:
        self.n[group] += 1
        self.ok[group] += int(good)

    def pct(self, group: str) -> str:
        if not self.n[group]:
            return "-"
        return f"{100 * self.ok[group] / self.n[group]:.1f}% ({self.ok[group]}/{self.n[group]})"


class CachedEngine:
    """The engine's answers remembered on disk by the images' pixels (for re-runs on kept samples)."""

    def __init__(self, engine, folder: Path) -> None:
        self.engine, self.folder, self.name = engine, folder, engine.name
        folder.mkdir(parents=True, exist_ok=True)

    def _memo(self, kind: str, images, call):
        digest = hashlib.sha1(kind.encode())
        for im in images:
            digest.update(str(im.shape).encode())
            digest.update(im.tobytes())
        path = self.folder / f"{digest.hexdigest()}.pkl"
        if path.exists():
            return pickle.loads(path.read_bytes())
        got = call(images)
        path.write_bytes(pickle.dumps(got))
        return got

    def recognize(self, images):
        return self._memo("page", images, self.engine.recognize)

    def recognize_crops(self, crops):
        return self._memo("crops", crops, self.engine.recognize_crops)

    def read_lattices(self, crops):
        return self._memo("lattices", crops, self.engine.read_lattices)


def _kept(folder: Path) -> list[Path]:
    """The sample images a ``--keep`` run wrote (each has a ``<name>.expected.json`` beside it)."""
    out = []
    for truth in sorted(folder.rglob("*.expected.json")):
        stem = truth.name[: -len(".expected.json")]
        out += [p for p in truth.parent.glob(stem + ".*") if p != truth]
    return out


def score(path: Path, engine, tallies: dict[str, Tally], verbose: bool) -> None:
    import json

    truth_doc = json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))
    variant = truth_doc["meta"]["variant"] if "meta" in truth_doc else "multipage"
    if truth_doc.get("invoice_type") == "receipt_en":
        variant = "english"
    t = tallies.setdefault(variant, Tally())
    _, found = capture_invoices(path.read_bytes(), engine=engine, today=TODAY)
    truths = truth_doc.get("pages") or [truth_doc]
    for i, truth in enumerate(truths):
        inv = found[i] if i < len(found) else None
        values = {k: fv.value for k, fv in inv.invoice.fields.items()} if inv else {}
        bad = []
        for name in KEY_FIELDS:
            if truth.get(name) is not None or values.get(name) is not None:
                good = same(name, values.get(name), truth.get(name))
                t.add("key fields", good)
                t.add(name, good)
                if not good:
                    bad.append((name, values.get(name), truth.get(name)))
        for name in NAMES:
            if truth.get(name) is not None:
                good = same(name, values.get(name), truth.get(name))
                t.add("names", good)
                if not good:
                    bad.append((name, values.get(name), truth.get(name)))
        rows = [li.to_dict() for li in inv.invoice.line_items] if inv else []
        for j, want in enumerate(truth["line_items"]):
            good = j < len(rows) and row_ok(rows[j], want)
            t.add("line item rows", good)
            if not good:
                bad.append((f"row {j + 1}", rows[j] if j < len(rows) else None, want))
        accepted = bool(inv) and inv.validation.status == "accepted"
        t.add("accepted", accepted)
        if accepted:  # what no reviewer sees: every key field of an accepted invoice should be right
            t.add("accepted, keys right", not any(b[0] in KEY_FIELDS for b in bad))
        if verbose and bad:
            print(f"  {path.name}:{'  (accepted)' if accepted else ''}")
            for b in bad:
                print(f"      {b}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=101)
    ap.add_argument("--n", type=int, default=30, help="Chinese invoices to generate (spread over the variants)")
    ap.add_argument("--variants", default="scanner,phone,hard")
    ap.add_argument("--english", type=int, default=6, help="English invoices to generate in addition")
    ap.add_argument("--keep", type=Path, help="write the samples here instead of a temporary folder")
    ap.add_argument("--samples", type=Path, help="score the samples kept in this folder (no generation)")
    ap.add_argument("--ocr-cache", type=Path, help="remember the engine's answers in this folder")
    ap.add_argument("--verbose", action="store_true", help="print every wrong value")
    args = ap.parse_args()
    t0 = time.perf_counter()
    if args.samples:
        paths = _kept(args.samples)
        print(f"{len(paths)} kept samples in {args.samples}")
    else:
        out = args.keep or Path(tempfile.mkdtemp(prefix="accuracy-"))
        out.mkdir(parents=True, exist_ok=True)
        paths = generate_set(args.seed, args.n, args.variants.split(","), out)
        if args.english:
            paths += generate_set(args.seed + 1, args.english, ["english"], out / "en")
        kept = "" if args.keep else " (removed at the end: --keep DIR keeps them)"
        print(f"generated {len(paths)} samples in {time.perf_counter() - t0:.0f} s into {out}{kept}")
    engine = PaddleOcrEngine()
    engine = CachedEngine(engine, args.ocr_cache) if args.ocr_cache else engine.load()  # cached: built on a miss
    tallies: dict[str, Tally] = {}
    t0 = time.perf_counter()
    try:
        for path in paths:
            score(path, engine, tallies, args.verbose)
    finally:
        if not args.samples and not args.keep:
            shutil.rmtree(out, ignore_errors=True)  # generated for this run only
    elapsed = time.perf_counter() - t0
    groups = ["key fields", "names", "line item rows", "accepted", "accepted, keys right", *KEY_FIELDS]
    source = f"samples in {args.samples}" if args.samples else f"seed {args.seed}"
    print(f"\n{source}, {len(paths)} documents, {elapsed / max(1, len(paths)):.2f} s per document")
    print(f"{'':<18}" + "".join(f"{v:>22}" for v in tallies))
    for g in groups:
        print(f"{g:<18}" + "".join(f"{t.pct(g):>22}" for t in tallies.values()))


if __name__ == "__main__":
    main()
