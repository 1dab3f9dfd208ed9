"""A small synchronous client for the simulator (admin calls and ``/verify``), used by tests, ``make run`` and
the registration helper. Thin over httpx: every method returns the decoded JSON and raises
``httpx.HTTPStatusError`` on a non-2xx answer (except :meth:`verify`, which returns the response itself).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import httpx

from samples.taxsim.app import DEFAULT_ADMIN_KEY


class TaxSimAdmin:
    def __init__(self, base_url: str, admin_key: str = DEFAULT_ADMIN_KEY, *, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, headers={"X-Admin-Key": admin_key}, timeout=timeout)
        self._public = httpx.Client(base_url=self.base_url, timeout=timeout)

    def close(self) -> None:
        self._http.close()
        self._public.close()

    def __enter__(self) -> TaxSimAdmin:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _call(self, method: str, path: str, json: object = None) -> dict:
        response = self._http.request(method, path, json=json)
        response.raise_for_status()
        return response.json()

    # registry
    def register(self, invoices: dict | Iterable[dict]) -> int:
        body = invoices if isinstance(invoices, dict) else list(invoices)
        return self._call("POST", "/admin/invoices", body)["registered"]

    def invoices(self) -> list[dict]:
        return self._call("GET", "/admin/invoices")["data"]

    def void(self, number: str, code: str | None = None) -> dict:
        return self._call("POST", "/admin/invoices/void", {"code": code, "number": number})["invoice"]

    def red_flush(self, number: str, code: str | None = None) -> dict:
        return self._call("POST", "/admin/invoices/red-flush", {"code": code, "number": number})["invoice"]

    def set_status(self, number: str, status: str, code: str | None = None) -> dict:
        body = {"code": code, "number": number, "status": status}
        return self._call("POST", "/admin/invoices/status", body)["invoice"]

    # faults, clock, stats
    def set_faults(self, **config: object) -> dict:
        """Replace the fault configuration (faults.FaultConfig fields); no arguments clears every fault."""
        return self._call("PUT", "/admin/faults", config)

    def clear_faults(self) -> dict:
        return self.set_faults()

    def set_clock(self, now: datetime | str, *, frozen: bool = True) -> dict:
        text = now.isoformat() if isinstance(now, datetime) else now
        return self._call("PUT", "/admin/clock", {"now": text, "frozen": frozen})

    def advance(self, seconds: float) -> dict:
        return self._call("PUT", "/admin/clock", {"advance_seconds": seconds})

    def clock(self) -> dict:
        return self._call("GET", "/admin/clock")

    def stats(self) -> dict:
        return self._call("GET", "/admin/stats")

    def reset(self) -> dict:
        return self._call("DELETE", "/admin/reset")

    # the platform itself
    def verify(self, **fields: object) -> httpx.Response:
        """``POST /verify`` without the admin header; the raw response (503s and all)."""
        return self._public.post("/verify", json=fields)
