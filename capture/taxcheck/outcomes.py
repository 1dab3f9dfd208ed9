"""What one verification call means: result codes and transport failures classified into outcomes.

Contract
- ``classify_response(http_status, body) -> Outcome`` and ``transport_failure(code, detail) -> Outcome`` are
  pure. Every call ends in exactly one ``Kind``:
  final statuses ``verified`` / ``mismatch`` / ``not_found`` / ``voided`` / ``red_flushed`` / ``abnormal``
  (001 with the registry's invoice status 0 normal / 2 voided / 3 red-flushed / 1 out of control or 4
  abnormal; 006 with the differing fields; 009), or ``transient`` (outage: HTTP 5xx, 429, connection refused
  or reset, timeouts; result codes 003/004/007/008/010/015/016/020; an unreadable answer; HTTP 401/403/404...,
  i.e. a misconfigured URL or key, which must not condemn the invoices), ``limit`` (002: this invoice's daily
  quota at the platform is spent), ``malformed`` (005, HTTP 400/422: the platform refuses the input; it must
  not be re-sent unchanged).
- ``Outcome.service_down`` marks failures of the service as a whole (transport failures, 5xx, other 4xx than
  400/422/429, 004/010/015/016, 020): they feed the circuit breaker. ``Outcome.counted`` is False only when the
  request certainly never reached the platform's checking (connection refused, connect timeout, HTTP
  502/503/504 answered by a gateway for an unavailable service, 401/403/404...); everything else (resets, read
  timeouts, every result code) is assumed to have used one of the invoice's daily checks.
- ``Outcome.code`` is the platform's result code (``"001"``...) or a transport code (``http_503``,
  ``connect_error``, ``connect_timeout``, ``read_timeout``, ``reset``, ``bad_response``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    VERIFIED = "verified"
    MISMATCH = "mismatch"
    NOT_FOUND = "not_found"
    VOIDED = "voided"
    RED_FLUSHED = "red_flushed"
    ABNORMAL = "abnormal"
    TRANSIENT = "transient"
    LIMIT = "limit"
    MALFORMED = "malformed"

    @property
    def final(self) -> bool:
        """An answer about the invoice (a verification status), not about the call."""
        return self in FINAL_KINDS


FINAL_KINDS = frozenset({Kind.VERIFIED, Kind.MISMATCH, Kind.NOT_FOUND, Kind.VOIDED, Kind.RED_FLUSHED, Kind.ABNORMAL})

TRANSIENT_CODES = frozenset({"003", "004", "007", "008", "010", "015", "016", "020"})
GATEWAY_UNAVAILABLE = frozenset({502, 503, 504})  # answered in front of the platform: no check was made
SERVICE_DOWN_CODES = frozenset({"004", "010", "015", "016", "020"})  # the service as a whole, not this invoice

# registry invoice status (INVOICE-FACTS: 0 normal, 2 voided, 3 red-flushed; 1 out of control, 4 abnormal)
REGISTRY_STATUS: Mapping[str, Kind] = {
    "0": Kind.VERIFIED, "normal": Kind.VERIFIED,
    "2": Kind.VOIDED, "voided": Kind.VOIDED, "void": Kind.VOIDED,
    "3": Kind.RED_FLUSHED, "red_flushed": Kind.RED_FLUSHED, "red-flushed": Kind.RED_FLUSHED,
    "1": Kind.ABNORMAL, "out_of_control": Kind.ABNORMAL, "4": Kind.ABNORMAL, "abnormal": Kind.ABNORMAL,
}


@dataclass(frozen=True)
class Difference:
    field: str
    submitted: Any
    registered: Any

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "submitted": self.submitted, "registered": self.registered}


@dataclass(frozen=True)
class Outcome:
    kind: Kind
    code: str
    message: str = ""
    service_down: bool = False
    counted: bool = True
    differences: tuple[Difference, ...] = ()
    registry: Mapping[str, Any] | None = None  # the platform's record of the invoice, when it sent one
    response: Mapping[str, Any] | None = field(default=None, repr=False)  # the raw answer, as stored

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "code": self.code, "message": self.message,
                "service_down": self.service_down, "counted": self.counted,
                "differences": [d.to_dict() for d in self.differences],
                "registry": dict(self.registry) if self.registry is not None else None}


def transport_failure(code: str, detail: str = "") -> Outcome:
    """A call that got no usable answer: always transient and a sign the service is down."""
    never_sent = code in ("connect_error", "connect_timeout")
    return Outcome(Kind.TRANSIENT, code, detail, service_down=True, counted=not never_sent)


def _differences(body: Mapping[str, Any]) -> tuple[Difference, ...]:
    out = []
    for d in body.get("differences") or ():
        if isinstance(d, Mapping) and d.get("field"):
            out.append(Difference(str(d["field"]), d.get("submitted"), d.get("registered")))
    return tuple(out)


def classify_response(http_status: int, body: Any) -> Outcome:
    """The outcome of an HTTP answer from ``POST /verify`` (see the module contract)."""
    raw = body if isinstance(body, Mapping) else None
    if http_status == 429:
        return Outcome(Kind.TRANSIENT, "http_429", "throttled by HTTP status", response=raw)
    if http_status >= 500:
        return Outcome(Kind.TRANSIENT, f"http_{http_status}", "the service failed", service_down=True,
                       counted=http_status not in GATEWAY_UNAVAILABLE, response=raw)
    if http_status in (400, 422):
        return Outcome(Kind.MALFORMED, f"http_{http_status}", "the service refused the request", response=raw)
    if http_status >= 300:  # 401/403/404/405...: a misconfigured URL or key, not this invoice's fault
        return Outcome(Kind.TRANSIENT, f"http_{http_status}", "the service is not reachable as configured",
                       service_down=True, counted=False, response=raw)
    if raw is None or not isinstance(raw.get("code"), str):
        return Outcome(Kind.TRANSIENT, "bad_response", "the answer is not a result object", service_down=True,
                       response=raw)
    code, message = raw["code"], str(raw.get("message") or "")
    registry = raw.get("invoice") if isinstance(raw.get("invoice"), Mapping) else None
    if code == "001":
        status = str((registry or {}).get("status", "0")).strip().lower()
        kind = REGISTRY_STATUS.get(status)
        if kind is None:
            return Outcome(Kind.ABNORMAL, code, f"unknown registry status {status!r}", registry=registry,
                           response=raw)
        return Outcome(kind, code, message, registry=registry, response=raw)
    if code == "006":
        return Outcome(Kind.MISMATCH, code, message, differences=_differences(raw), registry=registry, response=raw)
    if code == "009":
        return Outcome(Kind.NOT_FOUND, code, message, response=raw)
    if code == "002":
        return Outcome(Kind.LIMIT, code, message, response=raw)
    if code == "005":
        return Outcome(Kind.MALFORMED, code, message, response=raw)
    if code in TRANSIENT_CODES:
        return Outcome(Kind.TRANSIENT, code, message, service_down=code in SERVICE_DOWN_CODES, response=raw)
    return Outcome(Kind.TRANSIENT, "bad_response", f"unknown result code {code!r}", service_down=True, response=raw)
