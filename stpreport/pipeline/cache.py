"""The analysis cache: computed once per set of inputs, read by every notebook, never trusted.

Where: ``$STPREPORT_CACHE_DIR`` if set (tests set it), else ``$XDG_CACHE_HOME/stpreport``, else
``~/.cache/stpreport``: outside every edition, so nothing in a published folder is read back
as program state. Each entry is one file named by the fingerprint of the inputs it was
computed from (`plan.inputs_fingerprint`); its first line records that key and the SHA-256 of
the rest, which is the analysis in the data format of `codec.py`. An entry whose header,
hash or data do not check out is recomputed and rewritten, never used. (The hash catches a
truncated or edited file; the format, not the hash, is what makes a planted file harmless.)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FORMAT = "stpreport-analysis/1"
KEEP = 8
"""Entries kept; older ones (by modification time) are removed when a new one is written."""


def cache_dir() -> Path:
    """The folder of the analysis cache (see the module's docstring)."""
    if os.environ.get("STPREPORT_CACHE_DIR"):
        return Path(os.environ["STPREPORT_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "stpreport"


def entry_path(key: str, folder: Path | None = None) -> Path:
    if not key.isalnum():
        raise ValueError(f"bad cache key {key!r}")
    return (folder or cache_dir()) / f"analysis-{key}.json"


@dataclass
class Cached:
    """What the notebooks read: the checked figures, the assumptions and their analysis."""

    figures: Any
    assumptions: Any
    analysis: Any


def dumps(key: str, cached: Cached) -> bytes:
    from stpreport.pipeline.codec import encode

    payload = json.dumps(
        encode(
            {
                "figures": cached.figures,
                "assumptions": cached.assumptions,
                "analysis": cached.analysis,
            }
        ),
        separators=(",", ":"),
        allow_nan=False,
    ).encode("utf-8")
    header = json.dumps(
        {"format": FORMAT, "key": key, "sha256": hashlib.sha256(payload).hexdigest()}
    )
    return header.encode("utf-8") + b"\n" + payload


def loads(key: str, data: bytes) -> Cached:
    """The entry in `data`, or ValueError if anything about it does not check out."""
    from stpreport.pipeline.codec import decode

    head, newline, payload = data.partition(b"\n")
    if not newline:
        raise ValueError("no header")
    header = json.loads(head.decode("utf-8"))
    if not isinstance(header, dict) or header.get("format") != FORMAT or header.get("key") != key:
        raise ValueError("not an entry for these inputs")
    if header.get("sha256") != hashlib.sha256(payload).hexdigest():
        raise ValueError("its content does not match its hash")
    body = decode(json.loads(payload.decode("utf-8")))
    if not isinstance(body, dict) or set(body) != {"figures", "assumptions", "analysis"}:
        raise ValueError("not an analysis")
    return Cached(body["figures"], body["assumptions"], body["analysis"])


def read(path: Path, key: str) -> Cached | None:
    """The entry at `path`, or None if it is absent or does not check out."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as fh:
            data = fh.read()
        return loads(key, data)
    except (ValueError, UnicodeDecodeError, OSError) as exc:  # JSONDecodeError is a ValueError
        log.warning("analysis cache %s not used (%s): computing it again", path.name, exc)
        return None


def write(path: Path, data: bytes) -> None:
    """Write an entry atomically (temporary file, fsync, rename; never through a link)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _prune(path.parent, keep=path)


def _prune(folder: Path, keep: Path) -> None:
    entries = sorted(folder.glob("analysis-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP:]:
        if old != keep:
            with contextlib.suppress(OSError):
                old.unlink()


def load_or_compute(key: str, compute, folder: Path | None = None) -> tuple[Cached, Path]:
    """The checked entry for `key`, computing (and writing) it when there is none."""
    path = entry_path(key, folder)
    cached = read(path, key)
    if cached is None:
        cached = compute()
        try:
            write(path, dumps(key, cached))
        except OSError as exc:  # a read-only cache: the build still works, only slower
            log.warning("could not write the analysis cache %s: %s", path, exc)
    return cached, path
