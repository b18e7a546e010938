"""The edition's manifest (manifest.json) and its lock."""

from __future__ import annotations

import fcntl
import json
import os
from contextlib import contextmanager
from pathlib import Path

from stpreport.atomic import write_atomic

MANIFEST = "manifest.json"
LOCK = ".build.lock"


class BuildLocked(Exception):
    pass


def read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}  # never half-written (atomic), but a hand-edited one is rebuilt from scratch


def write_manifest(folder: Path, manifest: dict) -> None:
    write_atomic(folder / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True) + "\n")


@contextmanager
def edition_lock(folder: Path):
    """Hold the edition folder for one build; a second build is refused with a clear message.
    The lock is the kernel's (flock): it goes when the process does, even after kill -9."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            raise BuildLocked(f"another stpreport build (pid {holder}) is writing to {folder}; "
                              "wait for it to finish, or build into another --out") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)
