"""Web review pages for finance and audit staff: static HTML + vanilla JS + CSS under ``/ui/``.

Contract: ``mount_web(app)``
- Serves ``api/web/static`` at ``/ui/`` (``index.html``: sign-in, archive search, upload; ``invoice.html?id=``:
  one invoice for review and correction). No build step and nothing fetched from outside: the pages call the
  JSON API (``/api/v1/...``) with the ``X-API-Key`` the user pasted, kept in ``sessionStorage`` only.
- ``GET /`` redirects to ``/ui/`` (307). Nothing here needs a key: the pages hold no data, the API checks every
  call. Responses under ``/ui/`` carry ``Cache-Control: no-cache`` (revalidated, so a deploy is seen at once) and
  a Content-Security-Policy that allows only this origin's scripts, styles and ``blob:`` images.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

STATIC_DIR = Path(__file__).resolve().parent / "static"
UI_PATH = "/ui"
CSP = ("default-src 'self'; img-src 'self' blob: data:; frame-src 'self' blob:; object-src 'self' blob:; "
       "style-src 'self'; script-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = [(b"cache-control", b"no-cache"), (b"content-security-policy", CSP.encode()),
           (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]


class _Pages(StaticFiles):
    """``StaticFiles`` adding the headers above to every response."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in HEADERS}
                message["headers"] = [*(h for h in message.get("headers", []) if h[0] not in names), *HEADERS]
            await send(message)

        await super().__call__(scope, receive, send_with_headers)


def mount_web(app: FastAPI) -> None:
    """Serve the review pages at ``/ui/`` and redirect ``/`` there."""

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse(f"{UI_PATH}/")

    app.mount(UI_PATH, _Pages(directory=STATIC_DIR, html=True), name="ui")
