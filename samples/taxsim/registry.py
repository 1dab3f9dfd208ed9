"""The simulator's own store: issued invoices and the calls made about them (sqlite3, not the project's models).

One connection guarded by a lock (the server's threads share it). ``":memory:"`` (the default) keeps nothing
after the process; a file path keeps the registry and the day's check counts across restarts.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from datetime import date

SCHEMA = """
CREATE TABLE IF NOT EXISTS invoices (
    code TEXT NOT NULL,              -- '' for fully digital invoices
    number TEXT NOT NULL,
    type TEXT NOT NULL,
    date TEXT NOT NULL,              -- YYYY-MM-DD
    amount_excl_tax TEXT,
    tax TEXT,
    total TEXT,
    check_code TEXT,
    buyer_name TEXT, buyer_tax_id TEXT, seller_name TEXT, seller_tax_id TEXT,
    status TEXT NOT NULL DEFAULT '0',
    visible_at REAL,                 -- epoch seconds; NULL = visible at once
    PRIMARY KEY (code, number)
);
CREATE TABLE IF NOT EXISTS calls (
    day TEXT NOT NULL,               -- the simulator clock's day (UTC+8)
    code TEXT NOT NULL,              -- '' when the call named no invoice (or a digital one)
    number TEXT NOT NULL,            -- '' when the call named no invoice
    result TEXT NOT NULL,            -- 001 ... 016
    n INTEGER NOT NULL,
    PRIMARY KEY (day, code, number, result)
);
"""

FIELDS = ("type", "code", "number", "date", "amount_excl_tax", "tax", "total", "check_code", "buyer_name",
          "buyer_tax_id", "seller_name", "seller_tax_id", "status", "visible_at")


class AmbiguousInvoice(LookupError):
    pass


class Registry:
    def __init__(self, path: str = ":memory:") -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        if path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ------------------------------------------------------------------------------------------ invoices

    def upsert(self, invoices: Iterable[dict]) -> int:
        """Register (or replace, keyed by code + number) invoices given as dicts with :data:`FIELDS`."""
        rows = [tuple(inv.get(f) if f != "code" else (inv.get("code") or "") for f in FIELDS) for inv in invoices]
        marks = ",".join("?" * len(FIELDS))
        with self._lock:
            self._db.execute("BEGIN")
            self._db.executemany(f"INSERT OR REPLACE INTO invoices ({','.join(FIELDS)}) VALUES ({marks})", rows)
            self._db.execute("COMMIT")
        return len(rows)

    def get(self, code: str, number: str) -> dict | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM invoices WHERE code = ? AND number = ?",
                                   (code or "", number)).fetchone()
        return dict(row) if row else None

    def find(self, code: str | None, number: str) -> dict | None:
        """By code + number, or by number alone when ``code`` is None (:class:`AmbiguousInvoice` if several)."""
        if code is not None:
            return self.get(code, number)
        with self._lock:
            rows = self._db.execute("SELECT * FROM invoices WHERE number = ?", (number,)).fetchall()
        if len(rows) > 1:
            raise AmbiguousInvoice(f"{len(rows)} invoices have number {number}: give the code too")
        return dict(rows[0]) if rows else None

    def set_status(self, code: str, number: str, status: str) -> None:
        with self._lock:
            self._db.execute("UPDATE invoices SET status = ? WHERE code = ? AND number = ?",
                             (status, code or "", number))

    def count(self) -> int:
        with self._lock:
            return self._db.execute("SELECT count(*) FROM invoices").fetchone()[0]

    def all(self) -> list[dict]:
        with self._lock:
            return [dict(r) for r in self._db.execute("SELECT * FROM invoices ORDER BY code, number")]

    # ------------------------------------------------------------------------------------------- calls

    def record_call(self, day: date, code: str, number: str, result: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO calls (day, code, number, result, n) VALUES (?, ?, ?, ?, 1) "
                "ON CONFLICT (day, code, number, result) DO UPDATE SET n = n + 1",
                (day.isoformat(), code or "", number or "", result),
            )

    def checks_on(self, day: date, code: str, number: str, results: Iterable[str]) -> int:
        results = tuple(results)
        marks = ",".join("?" * len(results))
        with self._lock:
            row = self._db.execute(
                f"SELECT coalesce(sum(n), 0) FROM calls WHERE day = ? AND code = ? AND number = ? "
                f"AND result IN ({marks})", (day.isoformat(), code or "", number, *results),
            ).fetchone()
        return int(row[0])

    def call_rows(self) -> list[dict]:
        with self._lock:
            return [dict(r) for r in self._db.execute("SELECT * FROM calls ORDER BY day, code, number, result")]

    def clear(self) -> None:
        with self._lock:
            self._db.execute("BEGIN")
            self._db.execute("DELETE FROM invoices")
            self._db.execute("DELETE FROM calls")
            self._db.execute("COMMIT")
