"""The content-addressed blob store: layout, durability steps, idempotence."""

from __future__ import annotations

import hashlib
import os

import pytest

from capture.errors import MissingFileError
from models.blobs import BlobStore


def test_put_writes_content_addressed_and_reads_back(tmp_path):
    store = BlobStore(tmp_path / "blobs")
    data = b"\x89PNG fake bytes"
    digest = store.put(data)
    assert digest == hashlib.sha256(data).hexdigest()
    path = tmp_path / "blobs" / digest[:2] / digest[2:4] / digest
    assert store.path(digest) == path and path.read_bytes() == data
    assert store.exists(digest) and store.read(digest) == data
    assert [p.name for p in path.parent.iterdir()] == [digest]  # no temp file left behind


def test_put_is_idempotent(tmp_path):
    store = BlobStore(tmp_path)
    digest = store.put(b"same")
    mtime = store.path(digest).stat().st_mtime_ns
    assert store.put(b"same") == digest
    assert store.path(digest).stat().st_mtime_ns == mtime


def test_put_fsyncs_file_and_directories(tmp_path, monkeypatch):
    synced: list[str] = []
    real = os.fsync

    def spy(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        return real(fd)

    monkeypatch.setattr(os, "fsync", spy)
    store = BlobStore(tmp_path / "blobs")
    digest = store.put(b"durable")
    final = store.path(digest)
    assert any(".tmp-" in p for p in synced)  # the file, before the rename
    assert str(final.parent) in synced  # the folder holding the renamed file
    assert str(final.parent.parent) in synced and str(tmp_path) in synced  # new folders are durable too
    assert synced.index(str(final.parent)) > max(i for i, p in enumerate(synced) if ".tmp-" in p)


def test_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    store = BlobStore(tmp_path)

    def broken(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(OSError, match="disk full"):
        store.put(b"lost")
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_missing_blob_and_bad_digest(tmp_path):
    store = BlobStore(tmp_path)
    with pytest.raises(MissingFileError):
        store.read("0" * 64)
    with pytest.raises(ValueError):
        store.path("../../etc/passwd")
