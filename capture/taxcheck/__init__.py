"""The tax cross-check, pure parts: verify inputs per national rules, outcomes, the schedule policy, the client.

``inputs``: our invoice types -> the verifier's, ``build_request`` (or a ``Refusal``: nothing is sent).
``outcomes``: result codes and transport failures -> ``Outcome`` (final status, transient, limit, malformed).
``policy``: first check, daily budget, backoff with jitter, not-found re-checks, periodic re-checks, breaker.
``client``: httpx with explicit timeouts; the only I/O here. No database, web framework or environment.
"""

from capture.taxcheck.inputs import Family, InputConfig, Refusal, VerifierType, VerifyRequest, build_request
from capture.taxcheck.outcomes import Difference, Kind, Outcome, classify_response, transport_failure
from capture.taxcheck.policy import (
    AttemptRecord,
    Breaker,
    BreakerState,
    Decision,
    PolicyConfig,
    after_outcome,
    breaker,
    first_due,
    gate,
    may_check,
)

__all__ = [
    "AttemptRecord", "Breaker", "BreakerState", "Decision", "Difference", "Family", "InputConfig", "Kind",
    "Outcome", "PolicyConfig", "Refusal", "VerifierType", "VerifyRequest", "after_outcome", "breaker",
    "build_request", "classify_response", "first_due", "gate", "may_check", "transport_failure",
]
