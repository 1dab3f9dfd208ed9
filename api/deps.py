"""FastAPI dependencies: ``SessionDep``, ``SettingsDep``, ``BlobsDep``, ``UploadsDep``, ``OcrEngineDep``,
``require(role...)``.

Contract
- Everything a route needs comes from ``request.app.state`` (filled by ``api.app.create_app``) through these
  ``Annotated`` aliases, so tests replace any of them with ``app.dependency_overrides``.
- ``require(*roles)`` reads the ``X-API-Key`` header: missing -> 401 ``missing_api_key``, unknown or revoked
  -> 401 ``invalid_api_key``, a role not in ``roles`` -> 403 ``forbidden``. ``admin`` may do everything.
  It returns the caller's ``ApiKey``.
- ``ApiError(status, code, detail)`` is the one typed error of the HTTP layer; ``api.app`` renders it (and
  every other 4xx) as ``{"error": {"code", "detail", ...}}``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from sqlmodel import Session

from api.settings import Settings
from capture.ocr.base import OcrEngine
from models.audit import ApiKey, Role, find_api_key
from models.blobs import BlobStore
from models.ingest import GroupCommit

API_KEY_HEADER = "X-API-Key"


class ApiError(Exception):
    """An HTTP error with a stable ``code`` (clients branch on it) and a human ``detail``."""

    def __init__(self, status: int, code: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.extra = status, code, detail, extra

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "detail": self.detail, **self.extra}


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_blobs(request: Request) -> BlobStore:
    return request.app.state.blobs


def get_uploads(request: Request) -> GroupCommit:
    return request.app.state.uploads


def get_ocr_engine(request: Request) -> OcrEngine:
    return request.app.state.ocr_engine


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
BlobsDep = Annotated[BlobStore, Depends(get_blobs)]
UploadsDep = Annotated[GroupCommit, Depends(get_uploads)]
OcrEngineDep = Annotated[OcrEngine, Depends(get_ocr_engine)]


def require(*roles: Role | str) -> Callable[..., ApiKey]:
    """A dependency admitting API keys with one of ``roles`` (admin always); returns the caller's key."""
    allowed = frozenset(Role(r) for r in roles) | {Role.ADMIN}

    def dependency(
        session: SessionDep,
        x_api_key: Annotated[str | None, Header(alias=API_KEY_HEADER, include_in_schema=False)] = None,
    ) -> ApiKey:
        if not x_api_key:
            raise ApiError(401, "missing_api_key", f"send an API key in the {API_KEY_HEADER} header")
        key = find_api_key(session=session, secret=x_api_key)
        if key is not None:
            session.expunge(key)  # stays readable after the rollback below
        session.rollback()  # end the read transaction: routes begin their own (write) transactions
        if key is None:
            raise ApiError(401, "invalid_api_key", "the API key is unknown or revoked")
        if key.role not in allowed:
            wanted = ", ".join(sorted(r.value for r in allowed))
            raise ApiError(403, "forbidden", f"role {key.role.value} may not do this (needs one of: {wanted})")
        return key

    return dependency


def actor(key: ApiKey) -> str:
    """How an API key is named in the audit trail."""
    return f"key:{key.id}"
