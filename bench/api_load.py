"""HTTP API load: upload acknowledgment latency and archive search latency, on SQLite and PostgreSQL.

Everything goes through the real service (``invoice-capture serve`` in a subprocess, real HTTP):

- ``upload``: 32 concurrent uploaders post distinct invoice images (the committed samples, each copy
  re-encoded with a few random pixels so no two are the same bytes) while the capture worker(s) are busy
  with the queue they fill. Prints acknowledgment p50/p95/max (the target is p95 <= 100 ms). Back to back
  by default (a saturation test: each uploader posts again the moment it is answered, so the latency is
  32 / throughput); ``--interval S`` paces each uploader to one upload every S seconds instead.
- ``search``: a fresh database is filled with N generated invoices (realistic names, amounts, dates and a
  few OCR lines each) through the real migrations, then the API answers indexed filters (number, code +
  number, seller tax id, date range, total range) and full-text ``q`` (Chinese substrings) queries.
  Prints p50/p95 per query kind (targets: indexed p95 <= 50 ms, full-text p95 <= 300 ms).

    .venv/bin/python bench/api_load.py upload [--uploads 256] [--uploaders 32] [--workers 1] [--separate-workers]
        [--worker-thread] [--interval S] [--pg]
    .venv/bin/python bench/api_load.py search [--sizes 100000,1000000] [--queries 60] [--pg]

``--pg`` uses a fresh database on the PostgreSQL server named by ``--pg-url`` (dropped at the end).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CLI = str(ROOT / ".venv" / "bin" / "invoice-capture")
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def database(pg: bool, pg_url: str, data_dir: Path) -> Iterator[str]:
    """A fresh database URL: a SQLite file in data_dir, or a new PostgreSQL database dropped afterwards."""
    if not pg:
        yield f"sqlite:///{data_dir / 'invoice-capture.db'}"
        return
    from models.db import scratch_postgres_database

    with scratch_postgres_database(pg_url, prefix="ic_bench_") as url:
        yield url


def service_env(data_dir: Path, url: str) -> dict[str, str]:
    return {**os.environ, "INVOICE_CAPTURE_DATA_DIR": str(data_dir), "INVOICE_CAPTURE_DATABASE_URL": url}


def create_key(env: dict[str, str], role: str) -> str:
    out = subprocess.run([CLI, "keys", "create", "--role", role, "--name", "bench"], env=env, check=True,
                         capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1]


@contextlib.contextmanager
def serve(env: dict[str, str], *, worker: bool) -> Iterator[str]:
    port = free_port()
    args = [CLI, "serve", "--host", "127.0.0.1", "--port", str(port)] + ([] if worker else ["--no-worker"])
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"serve exited {proc.returncode}: {proc.stderr.read()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(f"{base}/api/v1/invoices", timeout=1)  # any answer (401 without a key) means up
                break
            if time.monotonic() > deadline:
                raise SystemExit("serve did not come up in 120 s")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def report(title: str, values: list[float]) -> None:
    ms = [v * 1000 for v in values]
    print(f"  {title:<34} n={len(ms):<5} p50={statistics.median(ms):7.1f} ms  p95={percentile(ms, 0.95):7.1f} ms"
          f"  max={max(ms):7.1f} ms", flush=True)


# ------------------------------------------------------------------------------------------ upload


def distinct_images(count: int, rng: random.Random) -> list[tuple[str, bytes]]:
    import cv2

    sources = sorted(p for p in (ROOT / "samples" / "images").iterdir() if p.suffix.lower() in (".png", ".jpg"))
    decoded = [(p, cv2.imread(str(p), cv2.IMREAD_COLOR)) for p in sources]
    out = []
    for i in range(count):
        path, image = decoded[i % len(decoded)]
        image = image.copy()
        for _ in range(4):  # a few random pixels: new bytes, same invoice
            image[rng.randrange(image.shape[0]), rng.randrange(image.shape[1])] = [rng.randrange(256)] * 3
        ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
        assert ok
        out.append((f"{path.stem}-{i}.jpg", buf.tobytes()))
    return out


def bench_upload(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    files = distinct_images(args.uploads, rng)
    data_dir = Path(tempfile.mkdtemp(prefix="ic-bench-upload-"))
    try:
        with database(args.pg, args.pg_url, data_dir) as url:
            env = service_env(data_dir, url)
            if args.worker_thread:
                env["INVOICE_CAPTURE_WORKER_PROCESS"] = "false"
            subprocess.run([CLI, "migrate"], env=env, check=True, capture_output=True)
            key = create_key(env, "scanner")
            from models.db import make_engine

            db = make_engine(url)  # one engine for the job counts below
            workers = [subprocess.Popen([CLI, "worker", "--concurrency", "1"], env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                       for _ in range(args.workers if args.separate_workers else max(0, args.workers - 1))]
            try:
                with serve(env, worker=args.workers > 0 and not args.separate_workers) as base:
                    # warm the workers up with a first batch so they are busy (OCR) during the measurement
                    with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=60) as c:
                        for name, body in files[:4]:
                            c.post("/api/v1/documents", files={"files": (name, body)}).raise_for_status()
                    deadline = time.monotonic() + 300
                    while args.workers and jobs_done(db) == 0:  # the engine loaded: OCR from here on
                        if time.monotonic() > deadline:
                            raise SystemExit("no capture job finished in 300 s")
                        time.sleep(0.2)
                    done_before = jobs_done(db)
                    t0 = time.perf_counter()
                    times = upload_all(base, key, files[4:], args.uploaders, args.interval)
                    rate = len(times) / (time.perf_counter() - t0)
                    captured = jobs_done(db) - done_before
                    pace = f"one per {args.interval:g} s each" if args.interval else "back to back"
                    report(f"upload ack ({'PostgreSQL' if args.pg else 'SQLite'}, {args.uploaders} uploaders, {pace})",
                           times)
                    where = ("separate processes" if args.separate_workers
                             else "the first a thread in the API process" if args.worker_thread
                             else "the first a child process of serve")
                    print(f"  {len(times)} uploads acknowledged, {rate:.0f} per second; meanwhile {captured} "
                          f"documents captured ({args.workers} worker(s), {where})", flush=True)
            finally:
                for w in workers:
                    w.terminate()
                for w in workers:
                    w.wait(timeout=30)
                db.dispose()  # before a PostgreSQL scratch database is dropped
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def jobs_done(engine) -> int:
    """Capture jobs finished so far (read straight from the database through ``engine``)."""
    from sqlmodel import Session, func, select

    from models.documents import Job, JobStatus

    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(Job).where(Job.status == JobStatus.DONE)).one()


def upload_all(base: str, key: str, files: list[tuple[str, bytes]], uploaders: int, interval: float = 0.0,
               ) -> list[float]:
    """Each uploader posts its share of ``files`` one after the other: back to back (``interval`` 0), or
    one every ``interval`` seconds like a scanner feeding pages (starts spread over the first interval)."""
    chunks = [files[i::uploaders] for i in range(uploaders)]
    # every client made (TLS context, connection pool) before the clock starts: a client's set-up is not
    # the server's acknowledgment time, and 32 of them at once would compete with the first requests
    clients = [httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=60) for _ in range(uploaders)]
    begin = time.perf_counter()

    def one_uploader(index: int) -> list[float]:
        times, client = [], clients[index]
        start = begin + interval * index / uploaders
        for n, (name, body) in enumerate(chunks[index]):
            if interval:
                time.sleep(max(0.0, start + n * interval - time.perf_counter()))
            t0 = time.perf_counter()
            r = client.post("/api/v1/documents", files={"files": (name, body, "image/jpeg")},
                            data={"source": "scanner", "station": "bench"})
            times.append(time.perf_counter() - t0)
            if r.status_code != 202:
                raise SystemExit(f"upload {name}: HTTP {r.status_code} {r.text[:300]}")
        return times

    try:
        with ThreadPoolExecutor(max_workers=uploaders) as pool:
            return [t for ts in pool.map(one_uploader, range(uploaders)) for t in ts]
    finally:
        for client in clients:
            client.close()


# ------------------------------------------------------------------------------------------ search


def fill_archive(url: str, n: int, lines_per_invoice: int, seed: int) -> dict[str, list]:
    """N invoices (one document each) with provenance-free rows and a few OCR lines; returns query probes."""
    import sqlalchemy as sa

    from models.db import make_engine, migrate_engine
    from models.documents import Document
    from models.invoices import Invoice, InvoiceBigrams, InvoiceText, OcrLine, text_bigrams
    from samples import data as sd

    engine = make_engine(url)
    migrate_engine(engine)
    rng = random.Random(seed)
    sellers = [(sd.company_name(rng, rng.choice(sd.REGIONS)), "91" + sd.digits(rng, 16)) for _ in range(2000)]
    buyers = [(sd.company_name(rng, rng.choice(sd.REGIONS)), "91" + sd.digits(rng, 16)) for _ in range(5000)]
    # archived in order over the last ~3 years, one every ~90 s on average (distinct created_at, as in life)
    epoch = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=90 * n)
    probes: dict[str, list] = {"number": [], "code": [], "seller": [], "seller_name": [], "date": [], "q": []}
    batch = 5000
    t0 = time.perf_counter()
    with engine.begin() as conn:
        for start in range(0, n, batch):
            docs, invs, lines, page_texts, bigrams = [], [], [], [], []
            for i in range(start, min(n, start + batch)):
                doc_id, inv_id = uuid.uuid4(), uuid.uuid4()
                now = epoch + dt.timedelta(seconds=90 * i + rng.randrange(90))
                seller, buyer = rng.choice(sellers), rng.choice(buyers)
                goods = [rng.choice(sd.GOODS) for _ in range(2)]
                amount = Decimal(rng.randrange(1000, 5_000_000)) / 100
                tax = (amount * Decimal("0.13")).quantize(Decimal("0.01"))
                date = dt.date(2022, 1, 1) + dt.timedelta(days=rng.randrange(1400))
                code, number = sd.digits(rng, 12), f"{i:08d}"
                docs.append({"id": doc_id, "sha256": f"{i:064x}", "media_type": "image/png", "size": 1000,
                             "pages": 1, "source": "scanner", "created_at": now})
                invs.append({"id": inv_id, "document_id": doc_id, "page": 1, "invoice_type": "04",
                             "invoice_code": code, "invoice_number": number, "date": date,
                             "amount_excl_tax": amount, "tax": tax, "total": amount + tax,
                             "seller_name": seller[0], "seller_tax_id": seller[1], "buyer_name": buyer[0],
                             "buyer_tax_id": buyer[1], "status": "accepted", "verification_status": "not_checked",
                             "dedup_key": f"04:{code}:{number}", "min_confidence": 0.99,
                             "created_at": now, "updated_at": now})
                texts = [seller[0], buyer[0], *(g.name for g in goods), f"发票号码：{number}",
                         f"开票日期：{date:%Y年%m月%d日}", f"价税合计（小写）¥{amount + tax}"][:lines_per_invoice]
                page_text = "\n".join(texts)
                page_texts.append({"invoice_id": inv_id, "text": page_text})
                bigrams.append({"invoice_id": inv_id, "bigrams": text_bigrams(page_text)})
                lines += [{"document_id": doc_id, "page": 1, "seq": s, "text": t, "score": 0.99, "x0": 0,
                           "y0": 20 * s, "x1": 400, "y1": 20 * s + 18} for s, t in enumerate(texts)]
                if rng.random() < 200 / n:
                    probes["number"].append(number)
                    probes["code"].append((code, number))
                    probes["seller"].append(seller[1])
                    probes["seller_name"].append(seller[0][2:8])
                    probes["date"].append(date)
                    probes["q"].append(seller[0][2:6])
            conn.execute(sa.insert(Document.__table__), docs)
            conn.execute(sa.insert(Invoice.__table__), invs)
            conn.execute(sa.insert(OcrLine.__table__), lines)
            conn.execute(sa.insert(InvoiceText.__table__), page_texts)
            conn.execute(sa.insert(InvoiceBigrams.__table__), bigrams)
    if engine.dialect.name == "postgresql":  # as autovacuum leaves an archive filled over the years
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    print(f"  filled {n} invoices ({lines_per_invoice} OCR lines each) in {time.perf_counter() - t0:.0f} s",
          flush=True)
    probes["goods"] = [g.name.split("*")[2] for g in sd.GOODS]
    return probes


def bench_search(args: argparse.Namespace) -> None:
    """Fill an archive per size and query it over HTTP; ``--keep DIR`` keeps each filled archive (and its
    probes) in DIR, ``--reuse DIR`` queries those again without filling (a 1M fill takes ~8 min)."""
    for n in [int(s) for s in args.sizes.split(",")]:
        print(f"search on {n} invoices ({'PostgreSQL' if args.pg else 'SQLite'}):", flush=True)
        if args.reuse or args.keep:
            where = Path(args.reuse or args.keep) / f"{'postgresql' if args.pg else 'sqlite'}-{n}"
            if args.reuse:
                url, probes = (where / "url").read_text(), load_probes(where / "probes.json")
            else:
                where.mkdir(parents=True, exist_ok=True)
                url = kept_database(args.pg, args.pg_url, where, n)
                probes = fill_archive(url, n, args.lines_per_invoice, args.seed)
                save_probes(probes, where / "probes.json")
                (where / "url").write_text(url)
            query_archive(args, url, where, probes)
            continue
        data_dir = Path(tempfile.mkdtemp(prefix="ic-bench-search-"))
        try:
            with database(args.pg, args.pg_url, data_dir) as url:
                probes = fill_archive(url, n, args.lines_per_invoice, args.seed)
                query_archive(args, url, data_dir, probes)
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)


def query_archive(args: argparse.Namespace, url: str, data_dir: Path, probes: dict[str, list]) -> None:
    if args.queries < 1:  # --keep with --queries 0: fill only
        return
    env = service_env(data_dir, url)
    key = create_key(env, "auditor")
    with serve(env, worker=False) as base:
        skip = tuple(w.strip() for w in args.skip.split(",") if w.strip())
        run_queries(base, key, probes, args.queries, random.Random(args.seed), skip)


def kept_database(pg: bool, pg_url: str, where: Path, n: int) -> str:
    """A database to fill and keep: a SQLite file in ``where``, or PostgreSQL ``ic_bench_kept_<n>`` (made anew)."""
    if not pg:
        (where / "invoice-capture.db").unlink(missing_ok=True)
        return f"sqlite:///{where / 'invoice-capture.db'}"
    import psycopg
    import sqlalchemy as sa

    server, name = sa.make_url(pg_url), f"ic_bench_kept_{n}"
    admin = server.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return server.set(database=name).render_as_string(hide_password=False)


def save_probes(probes: dict[str, list], path: Path) -> None:
    path.write_text(json.dumps({k: [str(v) if isinstance(v, dt.date) else v for v in values]
                                for k, values in probes.items()}, ensure_ascii=False))


def load_probes(path: Path) -> dict[str, list]:
    probes = json.loads(path.read_text())
    probes["date"] = [dt.date.fromisoformat(d) for d in probes["date"]]
    probes["code"] = [tuple(c) for c in probes["code"]]
    return probes


def run_queries(base: str, key: str, probes: dict[str, list], count: int, rng: random.Random,
                skip: tuple[str, ...] = ()) -> None:
    def params_for(kind: str) -> dict[str, str]:
        if kind == "number":
            return {"number": rng.choice(probes["number"])}
        if kind == "code+number":
            code, number = rng.choice(probes["code"])
            return {"code": code, "number": number}
        if kind == "seller tax id":
            return {"seller": rng.choice(probes["seller"]), "limit": "20"}
        if kind == "seller name (substring or fuzzy)":
            return {"seller": rng.choice(probes["seller_name"]), "limit": "20"}
        if kind == "date range, newest first":
            day = rng.choice(probes["date"])
            return {"date_from": str(day), "date_to": str(day + dt.timedelta(days=6)), "sort": "-date",
                    "limit": "20"}
        if kind == "total range":
            low = rng.randrange(1000, 40000)
            return {"total_min": str(low), "total_max": str(low + 50), "limit": "20"}
        if kind == "full-text q (company, 4 chars)":
            return {"q": rng.choice(probes["q"]), "limit": "20"}
        if kind == "full-text q (goods name, 3+ chars)":
            return {"q": rng.choice([g for g in probes["goods"] if len(g) >= 3]), "limit": "20"}
        if kind == "q goods name, sorted by total (largest first)":
            return {"q": rng.choice([g for g in probes["goods"] if len(g) >= 3]), "sort": "-total", "limit": "20"}
        if kind == "full-text q (2 chars: bigrams)":
            return {"q": rng.choice([g for g in probes["goods"] if len(g) == 2]), "limit": "20"}
        if kind == "q 2 chars + 1-week date range":
            day = rng.choice(probes["date"])
            return {"q": rng.choice([g for g in probes["goods"] if len(g) == 2]), "date_from": str(day),
                    "date_to": str(day + dt.timedelta(days=6)), "limit": "20"}
        raise ValueError(kind)

    kinds = ["number", "code+number", "seller tax id", "seller name (substring or fuzzy)",
             "date range, newest first", "total range",
             "full-text q (company, 4 chars)", "full-text q (goods name, 3+ chars)",
             "q goods name, sorted by total (largest first)",
             "full-text q (2 chars: bigrams)", "q 2 chars + 1-week date range"]
    with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=120) as client:
        client.get("/api/v1/invoices", params={"limit": "1"}).raise_for_status()  # warm-up
        for kind in (k for k in kinds if not any(word in k for word in skip)):
            times = []
            for _ in range(count):
                params = params_for(kind)
                t0 = time.perf_counter()
                r = client.get("/api/v1/invoices", params=params)
                times.append(time.perf_counter() - t0)
                r.raise_for_status()
            report(kind, times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    for name in ("upload", "search"):
        p = sub.add_parser(name)
        p.add_argument("--pg", action="store_true", help="PostgreSQL instead of SQLite")
        p.add_argument("--pg-url", default=PG_URL)
        p.add_argument("--seed", type=int, default=7)
        if name == "upload":
            p.add_argument("--uploads", type=int, default=256)
            p.add_argument("--uploaders", type=int, default=32)
            p.add_argument("--workers", type=int, default=1, help="capture workers busy meanwhile (0: none)")
            p.add_argument("--separate-workers", action="store_true",
                           help="every worker in its own `invoice-capture worker` process (`serve --no-worker`)")
            p.add_argument("--worker-thread", action="store_true",
                           help="serve's worker as a thread in the API process (INVOICE_CAPTURE_WORKER_PROCESS=false)")
            p.add_argument("--interval", type=float, default=0.0,
                           help="seconds between one uploader's uploads (0: back to back, the saturation test)")
        else:
            p.add_argument("--sizes", default="100000,1000000")
            p.add_argument("--queries", type=int, default=60, help="queries per kind")
            p.add_argument("--lines-per-invoice", type=int, default=6)
            p.add_argument("--skip", default="", help="comma-separated words: leave out the query kinds naming one")
            p.add_argument("--keep", help="fill and keep each archive (and its probes) in this folder")
            p.add_argument("--reuse", help="query the archives kept by --keep in this folder, without filling")
    args = parser.parse_args()
    bench_upload(args) if args.what == "upload" else bench_search(args)


if __name__ == "__main__":
    main()
