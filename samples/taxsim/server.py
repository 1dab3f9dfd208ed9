"""Running the simulator: in a background thread for tests (:func:`running_simulator`), or in the foreground
for ``invoice-capture taxsim`` (:func:`serve`).

In a test::

    from samples.taxsim import running_simulator

    with running_simulator(now=datetime(2026, 12, 1, 10, 0)) as sim:   # frozen clock, in-memory registry
        sim.admin.register({...})
        httpx.post(f"{sim.url}/verify", json={...})
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import uvicorn

from samples.taxsim.app import DAILY_LIMIT, DEFAULT_ADMIN_KEY, TaxSimApp, create_app


@dataclass
class RunningSimulator:
    url: str
    admin_key: str
    app: TaxSimApp
    _admin: object = field(default=None, repr=False)

    @property
    def admin(self):
        """A :class:`samples.taxsim.client.TaxSimAdmin` for this simulator (made once)."""
        if self._admin is None:
            from samples.taxsim.client import TaxSimAdmin

            self._admin = TaxSimAdmin(self.url, self.admin_key)
        return self._admin


def listening_socket(host: str, port: int) -> socket.socket:
    """Bound with TCP_NODELAY, which accepted connections inherit: without it every keep-alive request waits
    ~40 ms (the server writes headers and body separately; Nagle meets delayed ACK)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    return sock


@contextmanager
def running_simulator(*, host: str = "127.0.0.1", port: int = 0, db_path: str = ":memory:",
                      admin_key: str = DEFAULT_ADMIN_KEY, now: datetime | None = None,
                      daily_limit: int = DAILY_LIMIT) -> Iterator[RunningSimulator]:
    """Serve a fresh simulator on ``host:port`` (0: a free port) in a daemon thread; stopped on exit."""
    app = create_app(db_path=db_path, admin_key=admin_key, now=now, daily_limit=daily_limit)
    sock = listening_socket(host, port)
    bound = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                            timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=f"taxsim:{bound}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("the tax simulator did not start")
        time.sleep(0.01)
    sim = RunningSimulator(url=f"http://{host}:{bound}", admin_key=admin_key, app=app)
    try:
        yield sim
    finally:
        if sim._admin is not None:
            sim._admin.close()
        server.should_exit = True
        thread.join(10)
        sock.close()
        app.registry.close()


def serve(*, host: str = "127.0.0.1", port: int = 8100, db_path: str | None = None,
          admin_key: str = DEFAULT_ADMIN_KEY, register_dir: str | None = None, unregistered: str = "0",
          mismatching: str = "0", seed: int = 0, now: str | None = None) -> int:
    """Run the simulator in the foreground (``invoice-capture taxsim``); optionally pre-register samples."""
    from samples.taxsim.clock import parse_time
    from samples.taxsim.register import parse_selection, plan_registration

    app = create_app(db_path=db_path or ":memory:", admin_key=admin_key)
    if now:  # a given start time runs on from there (the frozen clock is for tests)
        app.clock.set(parse_time(now), frozen=False)
    if register_dir:
        if not Path(register_dir).is_dir():
            print(f"error: {register_dir}: not a folder", file=sys.stderr)
            return 1
        plan = plan_registration(register_dir, seed=seed, unregistered=parse_selection(unregistered),
                                 mismatching=parse_selection(mismatching))
        app.registry.upsert(plan.records())
        print(plan.summary(), file=sys.stderr, flush=True)
    print(f"tax simulator on http://{host}:{port} (db {db_path or 'in memory'}; admin key header X-Admin-Key: "
          f"{admin_key}; clock {app.clock.now().isoformat()})", file=sys.stderr, flush=True)
    try:
        sock = listening_socket(host, port)
    except OSError as exc:
        print(f"error: cannot listen on {host}:{port}: {exc.strerror}", file=sys.stderr)
        return 1
    with sock:
        uvicorn.Server(uvicorn.Config(app, log_level="info", lifespan="off")).run(sockets=[sock])
    return 0
