"""API keys over HTTP: who am I, and key management for admins.

Contract
- ``GET /api/v1/keys/me`` (any valid key): the caller's key as ``ApiKeyPublic`` (id, name, role, prefix,
  created_at, revoked_at): clients (the web pages) learn their role without trying calls.
- ``GET /api/v1/keys?include_revoked=`` (admin): ``{"data": [ApiKeyPublic], "count": N}``, newest first.
  Secrets are never returned: only their SHA-256 is stored.
- ``POST /api/v1/keys`` (admin) ``{"name", "role"}``: 201 ``{"key": "<secret>", ...ApiKeyPublic}``; the secret
  appears in this response only.
- ``PATCH /api/v1/keys/{id}`` (admin) ``{"name"?, "role"?}``: rename or change the role.
- ``DELETE /api/v1/keys/{id}`` (admin): revokes the key (kept, with ``revoked_at``, so the audit trail still
  names it); 409 ``last_admin_key`` when it is the last active admin key, so nobody locks themselves out.
Every change leaves an AuditEvent (entity ``api_key``, before/after without secrets).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from sqlmodel import Session, col, func, select

from api.deps import ApiError, SessionDep, actor, require
from models.audit import ApiKey, ApiKeyCreate, ApiKeyPublic, ApiKeysPublic, ApiKeyUpdate, Role, audit, create_api_key
from models.db import immediate
from models.types import utcnow

router = APIRouter(tags=["keys"])

AnyKey = Annotated[ApiKey, Depends(require(*Role))]
Admin = Annotated[ApiKey, Depends(require(Role.ADMIN))]


class ApiKeyCreated(ApiKeyPublic):
    key: str


def _public(key: ApiKey) -> dict:
    return {"name": key.name, "role": key.role.value, "prefix": key.prefix,
            "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None}


def _key(session: Session, key_id: uuid.UUID) -> ApiKey:
    found = session.get(ApiKey, key_id)
    if found is None:
        raise ApiError(404, "api_key_not_found", f"no API key {key_id}")
    return found


def _active_admins(session: Session) -> int:
    return session.exec(select(func.count()).select_from(ApiKey).where(
        ApiKey.role == Role.ADMIN, col(ApiKey.revoked_at).is_(None))).one()


@router.get("/keys/me", response_model=ApiKeyPublic)
def who_am_i(key: AnyKey) -> ApiKey:
    return key


@router.get("/keys", response_model=ApiKeysPublic)
def list_keys(session: SessionDep, key: Admin, include_revoked: bool = False) -> ApiKeysPublic:
    stmt = select(ApiKey) if include_revoked else select(ApiKey).where(col(ApiKey.revoked_at).is_(None))
    keys = session.exec(stmt.order_by(col(ApiKey.created_at).desc(), ApiKey.id)).all()
    return ApiKeysPublic(data=[ApiKeyPublic.model_validate(k) for k in keys], count=len(keys))


@router.post("/keys", status_code=201, response_model=ApiKeyCreated)
def create_key(body: ApiKeyCreate, session: SessionDep, key: Admin) -> ApiKeyCreated:
    immediate(session)
    now = utcnow()
    new, secret = create_api_key(session=session, key_in=body, now=now)
    session.flush()
    audit(session, actor=actor(key), action="create", entity="api_key", entity_id=new.id, now=now,
          after=_public(new))
    session.commit()
    return ApiKeyCreated(**ApiKeyPublic.model_validate(new).model_dump(), key=secret)


@router.patch("/keys/{key_id}", response_model=ApiKeyPublic)
def update_key(key_id: uuid.UUID, body: ApiKeyUpdate, session: SessionDep, key: Admin) -> ApiKey:
    immediate(session)
    target = _key(session, key_id)
    before = _public(target)
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if (target.role == Role.ADMIN and changes.get("role", Role.ADMIN) != Role.ADMIN
            and target.revoked_at is None and _active_admins(session) <= 1):
        raise ApiError(409, "last_admin_key", "this is the last active admin key: create another admin key first")
    for name, value in changes.items():
        setattr(target, name, value)
    audit(session, actor=actor(key), action="update", entity="api_key", entity_id=target.id, now=utcnow(),
          before=before, after=_public(target))
    session.commit()
    return target


@router.delete("/keys/{key_id}", response_model=ApiKeyPublic)
def revoke_key(key_id: uuid.UUID, session: SessionDep, key: Admin) -> ApiKey:
    immediate(session)
    target = _key(session, key_id)
    if target.revoked_at is not None:
        return target  # revoking twice is not an error: the key stays revoked
    if target.role == Role.ADMIN and _active_admins(session) <= 1:
        raise ApiError(409, "last_admin_key", "this is the last active admin key: create another admin key first")
    before = _public(target)
    now = utcnow()
    target.revoked_at = now
    audit(session, actor=actor(key), action="revoke", entity="api_key", entity_id=target.id, now=now,
          before=before, after=_public(target))
    session.commit()
    return target
