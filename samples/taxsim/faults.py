"""Fault injection for ``POST /verify`` (never for ``/admin``, so a fault can always be turned off again).

``PUT /admin/faults`` replaces the whole configuration (omitted fields take their defaults below, so ``{}``
clears every fault). Shares are fractions 0..1 of ``/verify`` requests, drawn from a random generator seeded by
``seed``: the same sequence of requests meets the same faults.

Order for each ``/verify`` request: outage (HTTP 503, or the connection reset with no response) -> slow
(``slow_share`` of requests wait ``slow_seconds`` of real time before anything else) -> 010 (``timeout_share``)
-> 015 (``error_share``) -> throttling (``throttle_share`` answered ``throttle_code``; beyond
``rate_limit_per_minute`` requests in one simulator-clock minute answered 004) -> the input rules and the
registry.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field


class FaultConfig(BaseModel):
    outage: Literal["503", "reset"] | None = None
    slow_seconds: float = Field(0.0, ge=0, le=600)
    slow_share: float = Field(0.0, ge=0, le=1)
    timeout_share: float = Field(0.0, ge=0, le=1)
    error_share: float = Field(0.0, ge=0, le=1)
    throttle_code: Literal["003", "004", "016"] = "003"
    throttle_share: float = Field(0.0, ge=0, le=1)
    rate_limit_per_minute: int | None = Field(None, ge=0)
    seed: int = 0


@dataclass(frozen=True)
class Draw:
    """What one request meets: a delay (seconds) and at most one result code from a fault."""

    delay: float
    code: str | None


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.configure(FaultConfig())

    def configure(self, config: FaultConfig) -> None:
        with self._lock:
            self.config = config
            self._rng = random.Random(config.seed)
            self._minute: str | None = None
            self._minute_calls = 0

    @property
    def outage(self) -> str | None:
        return self.config.outage

    def draw(self, minute: str) -> Draw:
        """The faults for the next request; ``minute`` is the simulator clock's minute (rate limiting)."""
        with self._lock:
            c, rng = self.config, self._rng
            if minute != self._minute:
                self._minute, self._minute_calls = minute, 0
            self._minute_calls += 1
            delay = c.slow_seconds if c.slow_seconds and rng.random() < c.slow_share else 0.0
            code = None
            if rng.random() < c.timeout_share:
                code = "010"
            elif rng.random() < c.error_share:
                code = "015"
            elif rng.random() < c.throttle_share:
                code = c.throttle_code
            elif c.rate_limit_per_minute is not None and self._minute_calls > c.rate_limit_per_minute:
                code = "004"
            return Draw(delay=delay, code=code)
