"""Content-addressed store of original uploads: ``<root>/ab/cd/<sha256>``.

Contract: ``put(data)`` returns the SHA-256 hex of ``data`` once the bytes are durably on disk: written to
a temporary file in the target folder, fsynced, renamed into place (atomic), and the folder fsynced (new
folders too). A reader therefore sees the whole file or nothing; a crash leaves at most a ``.tmp-*``
file, never a partial blob. ``put`` is idempotent (the same bytes are stored once). Blobs are immutable.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

from capture.errors import MissingFileError


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BlobStore:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def read(self, sha256: str) -> bytes:
        path = self.path(sha256)
        try:
            return path.read_bytes()
        except FileNotFoundError as exc:
            raise MissingFileError(f"the original file {sha256} is missing from the blob store") from exc

    def put(self, data: bytes) -> str:
        digest = sha256_hex(data)
        final = self.path(digest)
        if final.is_file() and final.stat().st_size == len(data):
            return digest
        self._make_dirs(final.parent)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=final.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, final)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        _fsync_dir(final.parent)
        return digest

    def _make_dirs(self, folder: Path) -> None:
        """Create ``folder`` and its missing parents, fsyncing each parent so the new entry survives a crash."""
        missing = []
        p = folder
        while not p.exists():
            missing.append(p)
            p = p.parent
        for d in reversed(missing):
            with contextlib.suppress(FileExistsError):
                d.mkdir()
            _fsync_dir(d.parent)
