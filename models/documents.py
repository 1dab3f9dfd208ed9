"""Uploaded documents and their durable capture jobs (tables and API schemas).

A ``Document`` is one uploaded file, identified by the SHA-256 of its bytes (unique: the same bytes are
one document); the bytes live in the blob store (models/blobs.py). A ``Job`` is the durable unit of
work that captures a document: queued -> running (leased to one worker) -> done | failed. The state
machine is in models/jobs.py.

``IdempotencyKey`` remembers the response of an upload sent with an ``Idempotency-Key`` header (per API
key), so a retried request gets the same answer. ``PageHash`` is the perceptual hash of a captured page
(capture/phash.py) with its bands indexed, for finding near-identical pages of other documents.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, str_enum


class DocumentSource(StrEnum):
    SCANNER = "scanner"  # a scanner station
    MOBILE = "mobile"  # a phone photo
    FOLDER = "folder"  # a hot folder or a bulk ingest from disk
    API = "api"  # any other API client


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


# ------------------------------------------------------------------------------------------ Document


class DocumentBase(SQLModel):
    media_type: str = Field(description="sniffed from the content: image/jpeg, application/pdf, ...")
    size: int = Field(ge=0, description="bytes")
    pages: int = Field(ge=0)
    source: DocumentSource = Field(default=DocumentSource.API, sa_type=str_enum(DocumentSource, 16))
    station: str | None = Field(default=None, description="scanner station or device name")
    filename: str | None = Field(default=None, description="the original file name, as uploaded")


class Document(DocumentBase, table=True):
    __tablename__ = "document"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    sha256: str = Field(max_length=64, unique=True, index=True)
    uploader_key_id: uuid.UUID | None = Field(
        default=None, foreign_key="api_key.id", ondelete="SET NULL", index=True
    )
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)


class DocumentCreate(DocumentBase):
    sha256: str = Field(min_length=64, max_length=64)
    uploader_key_id: uuid.UUID | None = None


class DocumentUpdate(SQLModel):
    station: str | None = None
    filename: str | None = None


class DocumentPublic(DocumentBase):
    id: uuid.UUID
    sha256: str
    uploader_key_id: uuid.UUID | None
    created_at: datetime


class DocumentsPublic(SQLModel):
    data: list[DocumentPublic]
    count: int


# ------------------------------------------------------------------------------------------ Job


class JobBase(SQLModel):
    status: JobStatus = Field(default=JobStatus.QUEUED, sa_type=str_enum(JobStatus, 16))
    attempts: int = Field(default=0, ge=0, description="claims so far (a crashed attempt counts)")
    max_attempts: int = Field(default=3, ge=1)
    error_code: str | None = Field(default=None, description="stable code of the last failure")
    error_detail: str | None = None


class Job(JobBase, table=True):
    __tablename__ = "job"
    __table_args__ = (sa.Index("ix_job_claim", "status", "next_run_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    document_id: uuid.UUID = Field(foreign_key="document.id", ondelete="CASCADE", index=True)
    lease_owner: str | None = None
    lease_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    next_run_at: datetime = Field(sa_type=UTCDateTime, description="not claimed before this time (backoff)")
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime, description="last claim")
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class JobPublic(JobBase):
    id: uuid.UUID
    document_id: uuid.UUID
    lease_owner: str | None
    lease_expires_at: datetime | None
    next_run_at: datetime
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class JobsPublic(SQLModel):
    data: list[JobPublic]
    count: int


# ------------------------------------------------------------------------------------------ idempotency


class IdempotencyKey(SQLModel, table=True):
    """The first response to a request sent with an ``Idempotency-Key`` (unique per API key)."""

    __tablename__ = "idempotency_key"
    __table_args__ = (sa.UniqueConstraint("api_key_id", "key", name="uq_idempotency_key_api_key"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    api_key_id: uuid.UUID = Field(foreign_key="api_key.id", ondelete="CASCADE")
    key: str = Field(max_length=255)
    request_hash: str = Field(max_length=64, description="SHA-256 of the request: form fields and file digests")
    status_code: int
    response: dict[str, Any] = Field(sa_type=sa.JSON)
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)


# ------------------------------------------------------------------------------------------ page hashes


class PageHash(SQLModel, table=True):
    """The 64-bit perceptual hash of one captured page (signed, as BIGINT) and its bands b0..b4."""

    __tablename__ = "page_hash"
    __table_args__ = (sa.UniqueConstraint("document_id", "page", name="uq_page_hash_document_page"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: uuid.UUID = Field(foreign_key="document.id", ondelete="CASCADE")
    page: int = Field(ge=1)
    phash: int = Field(sa_type=sa.BigInteger)
    b0: int = Field(index=True)
    b1: int = Field(index=True)
    b2: int = Field(index=True)
    b3: int = Field(index=True)
    b4: int = Field(index=True)
