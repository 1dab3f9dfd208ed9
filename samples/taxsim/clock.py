"""The simulator's controllable clock.

Everything time-dependent in the simulator (day of issue, the 5-year window, the per-invoice daily limit, an
invoice's ``visible_at``, the per-day statistics) reads this clock, never the system clock directly. Times are
timezone-aware; the platform's day is the China Standard Time day (UTC+8), and a naive ISO time given to the
clock or to the admin API is taken as UTC+8.

Two modes: *running* (system time plus an offset; the default) and *frozen* (a fixed instant that moves only
when advanced). Tests freeze it so nothing sleeps.
"""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone

CST = timezone(timedelta(hours=8), "CST")


def parse_time(text: str) -> datetime:
    """An ISO date-time (or date) as an aware datetime; naive values are China Standard Time."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return value.replace(tzinfo=CST) if value.tzinfo is None else value


class SimClock:
    def __init__(self, now: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._initial = now
        self._fixed: datetime | None = None
        self._offset = timedelta(0)
        self.reset()

    def reset(self) -> None:
        """Back to the state the clock was created in."""
        with self._lock:
            self._fixed = self._aware(self._initial) if self._initial is not None else None
            self._offset = timedelta(0)

    @staticmethod
    def _aware(value: datetime) -> datetime:
        return value.replace(tzinfo=CST) if value.tzinfo is None else value

    def now(self) -> datetime:
        with self._lock:
            if self._fixed is not None:
                return self._fixed.astimezone(CST)
            return datetime.now(CST) + self._offset

    def today(self) -> date:
        return self.now().date()

    @property
    def frozen(self) -> bool:
        with self._lock:
            return self._fixed is not None

    def set(self, now: datetime, *, frozen: bool = True) -> None:
        """Frozen at ``now``, or running from ``now`` on (``frozen=False``)."""
        now = self._aware(now)
        with self._lock:
            if frozen:
                self._fixed, self._offset = now, timedelta(0)
            else:
                self._fixed, self._offset = None, now - datetime.now(CST)

    def advance(self, seconds: float) -> None:
        delta = timedelta(seconds=seconds)
        with self._lock:
            if self._fixed is not None:
                self._fixed += delta
            else:
                self._offset += delta

    def use_system_time(self) -> None:
        with self._lock:
            self._fixed, self._offset = None, timedelta(0)

    def as_dict(self) -> dict:
        now = self.now()
        return {"now": now.isoformat(), "today": now.date().isoformat(), "frozen": self.frozen}
