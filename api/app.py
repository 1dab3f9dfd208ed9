"""The HTTP API: ``create_app(settings)``.

Contract
- Startup migrates the database (``models.db.migrate``), opens one engine and session factory, the blob
  store and ONE shared OCR engine (``api.engine.build_engine``, loaded lazily on first use), and, unless
  ``settings.embedded_worker`` is off, starts one capture worker: a child process supervised by a thread
  (``api.worker.run_processes``; it has its own interpreter lock, so OCR's Python work never delays a
  request), or with ``settings.worker_process`` off a thread using that engine; a thread reads the archived names
  for name searches at start and again hourly (``api.search.warm_names``); shutdown stops them (the worker
  after the job in hand). Tests pass ``ocr_engine=`` and use ``app.dependency_overrides``.
- Every error is JSON ``{"error": {"code", "detail", ...}}``: ``CaptureError`` from the upload path maps to
  413 ``too_large``, 415 ``unsupported_type``, 422 ``unreadable``/``empty_file`` (plus ``file``), ``ApiError``
  to its own status, request validation to 422 ``invalid_request`` (with ``fields``), any other HTTP error
  (404 route, 405 method) to its status with a code derived from it, anything unexpected to 500
  ``internal_error`` (logged).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.deps import ApiError
from api.settings import Settings
from capture.errors import CaptureError
from capture.ocr.base import OcrEngine

log = logging.getLogger("invoice_capture.api")

CAPTURE_ERROR_STATUS = {"too_large": 413, "unsupported_type": 415, "unreadable": 422, "empty_file": 422}


def capture_error_status(exc: CaptureError) -> int:
    return CAPTURE_ERROR_STATUS.get(exc.code, 422)


def error_body(code: str, detail: Any, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "detail": detail, **extra}}


class FileCaptureError(Exception):
    """A ``CaptureError`` raised for one named uploaded file."""

    def __init__(self, error: CaptureError, filename: str | None) -> None:
        super().__init__(error.detail)
        self.error, self.filename = error, filename


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse({"error": exc.as_dict()}, status_code=exc.status)

    @app.exception_handler(FileCaptureError)
    async def file_capture_error(_request: Request, exc: FileCaptureError) -> JSONResponse:
        body = error_body(exc.error.code, exc.error.detail, file=exc.filename)
        return JSONResponse(body, status_code=capture_error_status(exc.error))

    @app.exception_handler(CaptureError)
    async def capture_error(_request: Request, exc: CaptureError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.detail, file=None), status_code=capture_error_status(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = jsonable_encoder(exc.errors(), exclude={"input", "ctx", "url"})
        where = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in fields)
        return JSONResponse(error_body("invalid_request", where or "invalid request", fields=fields),
                            status_code=422)

    @app.exception_handler(Exception)
    async def internal_error(_request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error", exc_info=exc)
        return JSONResponse(error_body("internal_error", "the server failed; the error is logged"), status_code=500)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        try:
            code = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_").replace("-", "_")
        except ValueError:
            code = "http_error"
        return JSONResponse(error_body(code, exc.detail), status_code=exc.status_code, headers=exc.headers)


def create_app(settings: Settings | None = None, *, ocr_engine: OcrEngine | None = None) -> FastAPI:
    from api.settings import get_settings

    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from api.engine import build_engine
        from api.worker import Worker, WorkerConfig, run_processes
        from models.blobs import BlobStore
        from models.db import make_engine, make_sessions, migrate
        from models.ingest import GroupCommit

        url = settings.resolved_database_url()
        migrate(url)
        db_engine = make_engine(url)
        app.state.settings = settings
        app.state.sessions = make_sessions(db_engine)
        app.state.blobs = BlobStore(settings.blob_dir())
        app.state.uploads = GroupCommit(lambda: app.state.sessions())  # the sessions in use at the time
        app.state.ocr_engine = ocr_engine if ocr_engine is not None else build_engine(settings)
        stop, thread, verifier_thread = threading.Event(), None, None
        if settings.embedded_worker and settings.worker_process:  # supervised: restarted if it dies
            thread = threading.Thread(target=run_processes, args=(1, stop), kwargs={"settings": settings},
                                      name="capture-worker", daemon=True)
            thread.start()
        elif settings.embedded_worker:
            worker = Worker(WorkerConfig.from_settings(settings), app.state.ocr_engine, app.state.sessions,
                            app.state.blobs)
            thread = threading.Thread(target=worker.run_forever, args=(stop,), name="capture-worker", daemon=True)
            thread.start()
        from api.search import warm_names

        names = threading.Thread(target=warm_names, args=(app.state.sessions, stop), name="names", daemon=True)
        names.start()
        if settings.embedded_worker:  # the tax checks run on their own thread: capture never waits for them
            from api.verifier import start_verifier_thread

            verifier_thread = start_verifier_thread(settings, app.state.sessions, stop)
        try:
            yield
        finally:
            stop.set()
            if thread is not None:
                thread.join()
            if verifier_thread is not None:
                verifier_thread.join()
            names.join()
            db_engine.dispose()

    app = FastAPI(title="Invoice capture", version="0.1.0", lifespan=lifespan)
    _install_handlers(app)

    from api.routes import audit, documents, exports, invoices, keys, line_items, pages, reports

    app.include_router(pages.router, prefix="/api/v1")  # before documents: it answers /documents/{id}/file
    app.include_router(documents.router, prefix="/api/v1")
    app.include_router(exports.router, prefix="/api/v1")  # before invoices: /invoices/export is not an id
    app.include_router(invoices.router, prefix="/api/v1")
    from api.routes import alerts

    app.include_router(alerts.router, prefix="/api/v1")
    app.include_router(line_items.router, prefix="/api/v1")
    app.include_router(reports.router, prefix="/api/v1")
    app.include_router(audit.router, prefix="/api/v1")
    app.include_router(keys.router, prefix="/api/v1")
    from api.web import mount_web

    mount_web(app)  # the review pages at /ui/; / redirects there
    return app
