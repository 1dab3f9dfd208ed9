"""OCR speed and memory on the committed sample pages.

Prints, for the bare engine (decoded page straight into PaddleOCR) and for preprocessing + engine
(the production path), p50/p95 seconds per page and the peak RSS of the process. Each mode runs in
its own subprocess so the peak RSS figures do not contaminate each other.

    .venv/bin/python bench/ocr_speed.py [--pages N] [--glob 'samples/images/*']
"""

from __future__ import annotations

import argparse
import glob
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMAGE_EXT = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".pdf", ".bmp", ".webp"}


def pick_files(pattern: str, limit: int) -> list[Path]:
    files = sorted(p for p in map(Path, glob.glob(pattern)) if p.suffix.lower() in IMAGE_EXT)
    return files[:limit]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def run_mode(mode: str, files: list[Path]) -> dict:
    sys.path.insert(0, str(ROOT))
    from capture.load import load_pages
    from capture.ocr.paddle import PaddleOcrEngine
    from capture.preprocess import preprocess

    engine = PaddleOcrEngine().load()
    pages = [p for f in files for p in load_pages(f.read_bytes())]
    engine.recognize([pages[0].image])  # warm-up, not timed
    times = []
    for page in pages:
        t0 = time.perf_counter()
        image = page.image
        if mode == "preprocess+engine":
            image = preprocess(page.image, dpi=page.dpi).image
        engine.recognize([image])
        times.append(time.perf_counter() - t0)
    return {
        "mode": mode,
        "pages": len(times),
        "p50": statistics.median(times),
        "p95": percentile(times, 0.95),
        "mean": statistics.fmean(times),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=20, help="how many sample files to use (default 20)")
    ap.add_argument("--glob", default=str(ROOT / "samples/images/*"), help="which files")
    ap.add_argument("--mode", help=argparse.SUPPRESS)
    args = ap.parse_args()
    files = pick_files(args.glob, args.pages)
    if not files:
        sys.exit(f"no sample images match {args.glob}")
    if args.mode:
        print(json.dumps(run_mode(args.mode, files)))
        return
    rows = []
    for mode in ("bare engine", "preprocess+engine"):
        cmd = [sys.executable, __file__, "--pages", str(args.pages), "--glob", args.glob, "--mode", mode]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
    print(f"OCR speed on {len(files)} files (PP-OCRv6 small det+rec, onnxruntime, CPU)")
    print(f"{'mode':<20}{'pages':>6}{'p50 s':>8}{'p95 s':>8}{'mean s':>8}{'peak RSS MB':>13}")
    for r in rows:
        print(
            f"{r['mode']:<20}{r['pages']:>6}{r['p50']:>8.2f}{r['p95']:>8.2f}{r['mean']:>8.2f}"
            f"{r['peak_rss_mb']:>13.0f}"
        )


if __name__ == "__main__":
    main()
