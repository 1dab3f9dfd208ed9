"""The HTTP client of the verification service (``POST {base_url}/verify``), the one I/O of capture/taxcheck.

Contract: ``TaxClient(config).verify(request) -> Outcome`` never raises for anything the network or the service
does: a refused connection, a connect or read timeout, a reset connection, an HTTP 5xx, a non-JSON body all
become transient ``Outcome``s (``outcomes.transport_failure`` / ``classify_response``). Timeouts are explicit
(``connect``, ``read``, ``write``, ``pool``). One client (a connection pool) is shared by all threads; ``close()``
it, or use it as a context manager. ``transport=`` injects an ``httpx`` transport in tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from capture.taxcheck.inputs import VerifyRequest
from capture.taxcheck.outcomes import Outcome, classify_response, transport_failure


@dataclass(frozen=True)
class ClientConfig:
    base_url: str = "http://127.0.0.1:8100"
    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    max_connections: int = 16


class TaxClient:
    def __init__(self, config: ClientConfig = ClientConfig(), *, transport: httpx.BaseTransport | None = None
                 ) -> None:
        self.config = config
        timeout = httpx.Timeout(connect=config.connect_timeout, read=config.read_timeout,
                                write=config.read_timeout, pool=config.read_timeout)
        limits = httpx.Limits(max_connections=config.max_connections,
                              max_keepalive_connections=config.max_connections)
        self._http = httpx.Client(base_url=config.base_url.rstrip("/"), timeout=timeout, limits=limits,
                                  transport=transport)

    def verify(self, request: VerifyRequest) -> Outcome:
        try:
            response = self._http.post("/verify", json=request.to_json())
        except httpx.ConnectTimeout as exc:
            return transport_failure("connect_timeout", str(exc) or "connect timeout")
        except httpx.ConnectError as exc:
            return transport_failure("connect_error", str(exc) or "connection refused")
        except httpx.TimeoutException as exc:
            return transport_failure("read_timeout", str(exc) or "timeout")
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            return transport_failure("reset", str(exc) or type(exc).__name__)
        except httpx.HTTPError as exc:
            return transport_failure("transport_error", f"{type(exc).__name__}: {exc}")
        try:
            body = response.json()
        except ValueError:
            body = None
        return classify_response(response.status_code, body)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> TaxClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
