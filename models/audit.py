"""Who did what: the audit trail and the API keys (tables, API schemas, key helpers).

Contract
- Every write to the archive leaves an ``AuditEvent``: ``actor`` (``"key:<api key id>"``, ``"worker"``,
  ``"cli"``...), ``action`` (``upload``, ``capture``, ``reprocess``...), the entity and its id, the
  values before and after (JSON, NULL when there is no such side) and the time. ``audit()`` adds one to
  the caller's transaction.
- API keys are stored as the SHA-256 of the secret (never the secret) plus a short ``prefix`` for
  display. ``create_api_key`` returns the secret once; ``find_api_key`` looks a presented secret up by
  its hash and ignores revoked keys.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, select

from models.types import UTCDateTime, str_enum

KEY_PREFIX = "ic_"


class Role(StrEnum):
    SCANNER = "scanner"  # upload, own documents' status
    REVIEWER = "reviewer"  # read, correct
    AUDITOR = "auditor"  # read, export, reports, audit trail
    ADMIN = "admin"  # keys


# ------------------------------------------------------------------------------------------ AuditEvent


class AuditEventBase(SQLModel):
    actor: str
    action: str
    entity: str = Field(description="document, invoice, job, api_key")
    entity_id: str
    before: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    after: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)


class AuditEvent(AuditEventBase, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_event_entity", "entity", "entity_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)


class AuditEventPublic(AuditEventBase):
    id: int
    at: datetime


class AuditEventsPublic(SQLModel):
    data: list[AuditEventPublic]
    count: int


def audit(
    session: Session, *, actor: str, action: str, entity: str, entity_id: Any, now: datetime,
    before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(actor=actor, action=action, entity=entity, entity_id=str(entity_id), before=before,
                       after=after, at=now)
    session.add(event)
    return event


# ------------------------------------------------------------------------------------------ ApiKey


class ApiKeyBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    role: Role = Field(sa_type=str_enum(Role, 16))


class ApiKey(ApiKeyBase, table=True):
    __tablename__ = "api_key"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    key_hash: str = Field(max_length=64, unique=True, index=True, description="sha256 hex of the secret")
    prefix: str = Field(max_length=16, description="the first characters of the secret, for display")
    created_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class ApiKeyCreate(ApiKeyBase):
    pass


class ApiKeyUpdate(SQLModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    role: Role | None = None


class ApiKeyPublic(ApiKeyBase):
    id: uuid.UUID
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


class ApiKeysPublic(SQLModel):
    data: list[ApiKeyPublic]
    count: int


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_api_key(*, session: Session, key_in: ApiKeyCreate, now: datetime) -> tuple[ApiKey, str]:
    """A new key (added to the session, not committed) and its secret, which is not stored anywhere."""
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=key_in.name, role=key_in.role, key_hash=hash_key(secret), prefix=secret[:10],
                 created_at=now)
    session.add(key)
    return key, secret


def find_api_key(*, session: Session, secret: str) -> ApiKey | None:
    """The active key whose secret this is, or None (unknown or revoked)."""
    if not secret:
        return None
    key = session.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(secret))).first()
    return key if key is not None and not key.revoked else None
