"""When to check an invoice next: a pure function of its attempt history, the time and the config.

Contract (every function is pure: ``now`` and the history are given; nothing reads a clock or a database)
- Calendar days are the platform's (China, UTC+8, ``PolicyConfig.tz``). ``first_due(issue_date, now)``: never on
  the day of issue: the start of the next day (+ ``first_check_delay``), or ``now`` when that has passed.
- ``gate(history, due=, issue_date=)`` moves a due time off the day of issue and off any day whose local budget
  (``daily_budget`` counted checks, default 4: the platform allows 5, one is kept as a safety margin for a
  check lost in a crash or counted by the platform while we saw a failure) is spent, to the next day's start.
- ``after_outcome(history, now=, issue_date=, key=)``: ``history`` ends with the attempt just made. Returns a
  ``Decision``: the verification status to set (None = keep), the next due time (None = no further automatic
  check), ``missing`` (not found after the whole re-check schedule) and ``halted`` (why checking stopped).
  * verified / abnormal: re-checked after ``recheck_after`` (default 30 days) while the invoice is younger than
    ``recheck_horizon`` (default 1 year) and inside the platform's 5-year window; voided / red_flushed /
    mismatch are final (a person's correction starts a new verification).
  * not_found: re-checked at ``not_found_schedule`` (+1 h, +6 h, +24 h, +72 h) after the FIRST not_found of the
    streak; not found again at the last one -> ``missing`` (alert) and re-checked every ``recheck_after``.
  * transient: exponential backoff ``backoff_base * 2**(n-1)`` capped at ``backoff_max``, n = consecutive
    transient outcomes, minus up to ``jitter`` of it (deterministic per ``key`` and n, so runs reproduce).
  * limit (002): the next day's start plus a jittered spread of up to ``limit_spread``.
  * malformed (005 / 4xx): halted, never re-sent unchanged.
- ``breaker(recent, now=)``: ``recent`` are the newest finished attempts across all invoices. Open while the last
  ``breaker_threshold`` all failed with ``service_down``, until ``breaker_cooldown`` after the newest; then
  half-open (one probe; its failure re-opens it, any answer closes it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from capture.taxcheck.inputs import years_before
from capture.taxcheck.outcomes import Kind

CHINA = dt.timezone(dt.timedelta(hours=8), "CST")


@dataclass(frozen=True)
class PolicyConfig:
    tz: dt.tzinfo = CHINA
    daily_budget: int = 4
    first_check_delay: dt.timedelta = dt.timedelta(0)
    backoff_base: dt.timedelta = dt.timedelta(minutes=1)
    backoff_max: dt.timedelta = dt.timedelta(hours=1)
    jitter: float = 0.5  # a retry comes up to this share of its delay earlier
    not_found_schedule: tuple[dt.timedelta, ...] = (
        dt.timedelta(hours=1), dt.timedelta(hours=6), dt.timedelta(hours=24), dt.timedelta(hours=72))
    recheck_after: dt.timedelta = dt.timedelta(days=30)
    recheck_horizon: dt.timedelta = dt.timedelta(days=365)
    limit_spread: dt.timedelta = dt.timedelta(hours=1)
    breaker_threshold: int = 5
    breaker_cooldown: dt.timedelta = dt.timedelta(seconds=30)
    max_age_years: int = 5


@dataclass(frozen=True)
class AttemptRecord:
    at: dt.datetime
    kind: Kind | None  # None: sent but no result recorded (in flight, or the worker died): counted
    counted: bool = True
    service_down: bool = False


@dataclass(frozen=True)
class Decision:
    status: str | None  # a verification status value to set, None to keep the current one
    due_at: dt.datetime | None  # None: no further automatic check
    missing: bool = False
    halted: str | None = None
    reason: str = ""


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True)
class Breaker:
    state: BreakerState
    retry_at: dt.datetime | None = None


# ------------------------------------------------------------------------------------------ days and budget


def local_day(t: dt.datetime, config: PolicyConfig) -> dt.date:
    return t.astimezone(config.tz).date()


def day_start(day: dt.date, config: PolicyConfig) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=config.tz).astimezone(dt.UTC)


def first_due(issue_date: dt.date, now: dt.datetime, config: PolicyConfig = PolicyConfig()) -> dt.datetime:
    return max(now, day_start(issue_date + dt.timedelta(days=1), config) + config.first_check_delay)


def checks_on(history: Sequence[AttemptRecord], day: dt.date, config: PolicyConfig) -> int:
    return sum(1 for a in history if a.counted and local_day(a.at, config) == day)


def gate(history: Sequence[AttemptRecord], *, due: dt.datetime, issue_date: dt.date | None,
         config: PolicyConfig = PolicyConfig()) -> dt.datetime:
    """``due``, or the first later moment when a check is allowed (not the issue day, budget left)."""
    for _ in range(3):
        day = local_day(due, config)
        if issue_date is not None and day <= issue_date:
            due = first_due(issue_date, due, config)
        elif checks_on(history, day, config) >= config.daily_budget:
            due = day_start(day + dt.timedelta(days=1), config)
        else:
            break
    return due


def may_check(history: Sequence[AttemptRecord], *, now: dt.datetime, issue_date: dt.date | None,
              config: PolicyConfig = PolicyConfig()) -> dt.datetime | None:
    """None when a check may be made now; else the time it may."""
    later = gate(history, due=now, issue_date=issue_date, config=config)
    return None if later <= now else later


# ------------------------------------------------------------------------------------------ decisions


def fraction(key: str, n: int) -> float:
    """A deterministic number in [0, 1) for ``key`` and ``n`` (jitter without random state)."""
    digest = hashlib.sha256(f"{key}:{n}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def backoff(n: int, key: str, config: PolicyConfig = PolicyConfig()) -> dt.timedelta:
    base = min(config.backoff_base * 2 ** max(n - 1, 0), config.backoff_max)
    return base * (1 - config.jitter * fraction(key, n))


def _streak(history: Sequence[AttemptRecord], kinds: frozenset[Kind], skip: frozenset[Kind]) -> list[AttemptRecord]:
    """The newest consecutive attempts whose kind is in ``kinds`` (attempts of a kind in ``skip`` are passed over)."""
    out: list[AttemptRecord] = []
    for a in reversed(history):
        if a.kind in kinds:
            out.append(a)
        elif a.kind not in skip:
            break
    return out[::-1]


_NOT_DECISIVE = frozenset({Kind.TRANSIENT, Kind.LIMIT, None})


def _recheck(now: dt.datetime, issue_date: dt.date | None, config: PolicyConfig) -> dt.datetime | None:
    due = now + config.recheck_after
    if issue_date is not None:
        horizon = day_start(issue_date, config) + config.recheck_horizon
        window = day_start(years_before(local_day(due, config), config.max_age_years), config)
        if due > horizon or day_start(issue_date, config) < window:
            return None
    return due


def after_outcome(history: Sequence[AttemptRecord], *, now: dt.datetime, issue_date: dt.date | None, key: str,
                  config: PolicyConfig = PolicyConfig()) -> Decision:
    """What follows the newest attempt in ``history`` (see the module contract)."""
    if not history or history[-1].kind is None:
        raise ValueError("the history must end with a finished attempt")
    kind = history[-1].kind

    def gated(due: dt.datetime | None) -> dt.datetime | None:
        return None if due is None else gate(history, due=due, issue_date=issue_date, config=config)

    if kind in (Kind.VERIFIED, Kind.ABNORMAL):
        return Decision(kind.value, gated(_recheck(now, issue_date, config)), reason="re-check later")
    if kind in (Kind.MISMATCH, Kind.VOIDED, Kind.RED_FLUSHED):
        return Decision(kind.value, None, reason="final")
    if kind is Kind.NOT_FOUND:
        streak = _streak(history, frozenset({Kind.NOT_FOUND}), _NOT_DECISIVE)
        k, first = len(streak), streak[0].at
        if k <= len(config.not_found_schedule):
            due = max(first + config.not_found_schedule[k - 1], now)
            n = len(config.not_found_schedule)
            return Decision(kind.value, gated(due), reason=f"not found: re-check {k} of {n}")
        return Decision(kind.value, gated(_recheck(now, issue_date, config)), missing=True,
                        reason="not found after the re-check schedule")
    if kind is Kind.TRANSIENT:
        n = len(_streak(history, frozenset({Kind.TRANSIENT}), frozenset({None})))
        return Decision(None, gated(now + backoff(n, key, config)), reason=f"transient failure {n}: backoff")
    if kind is Kind.LIMIT:
        spread = config.limit_spread * fraction(key, len(history))
        return Decision(None, gated(day_start(local_day(now, config) + dt.timedelta(days=1), config) + spread),
                        reason="the platform's daily limit for this invoice is reached")
    return Decision(None, None, halted="malformed", reason="the verifier refused the input; not re-sent")


def breaker(recent: Sequence[AttemptRecord], *, now: dt.datetime, config: PolicyConfig = PolicyConfig()) -> Breaker:
    """The circuit breaker from the newest finished attempts of all invoices (any order)."""
    finished = sorted((a for a in recent if a.kind is not None), key=lambda a: a.at)[-config.breaker_threshold:]
    if len(finished) < config.breaker_threshold or not all(a.service_down for a in finished):
        return Breaker(BreakerState.CLOSED)
    retry_at = finished[-1].at + config.breaker_cooldown
    return Breaker(BreakerState.OPEN, retry_at) if now < retry_at else Breaker(BreakerState.HALF_OPEN, retry_at)
