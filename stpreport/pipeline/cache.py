"""The analysis cache: computed once per set of inputs, read by every notebook, never trusted.

Where: ``$STPREPORT_CACHE_DIR`` if set (tests set it), else ``$XDG_CACHE_HOME/stpreport``, else
``~/.cache/stpreport``: outside every edition, so nothing in a published folder is read back
as program state. Each entry is one file named by the fingerprint of the inputs it was
computed from (`plan.inputs_fingerprint`); its first line records that key and the SHA-256 of
the rest, which is the analysis in the data format of `codec.py`. An entry whose header,
hash or data do not check out is recomputed and rewritten, never used. (The hash catches a
truncated or edited file; the format, not the hash, is what makes a planted file harmless.)

Beside the entries, the `draws` folder keeps each footprint's simulated draws (`DrawFiles`), so
that a new process analysing figures in which one footprint changed draws that one alone, and
the `charts` folder the charts already drawn (`briefing/chart_cache.py`), each checked before
use.
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


def charts_dir(folder: Path | None = None) -> Path:
    """The folder of the charts already drawn (`briefing/chart_cache.py`)."""
    return (folder or cache_dir()) / "charts"


CHARTS_KEEP = 2000
"""Charts kept (the newest) when a new analysis is written: those of about nine sets of
figures."""


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
    return _framed(FORMAT, key, payload)


def _framed(form: str, key: str, payload: bytes, **more: Any) -> bytes:
    """`payload` behind a header line that says what it is, for which key, and its hash."""
    header = {"format": form, "key": key, "sha256": hashlib.sha256(payload).hexdigest(), **more}
    return json.dumps(header).encode("utf-8") + b"\n" + payload


def _unframed(form: str, key: str, data: bytes) -> tuple[dict, bytes]:
    """The header and payload of `_framed` data, or ValueError if it is not `form` for `key`
    or its payload does not match its hash."""
    head, newline, payload = data.partition(b"\n")
    if not newline:
        raise ValueError("no header")
    header = json.loads(head.decode("utf-8"))
    if not isinstance(header, dict) or header.get("format") != form or header.get("key") != key:
        raise ValueError("not an entry for these inputs")
    if header.get("sha256") != hashlib.sha256(payload).hexdigest():
        raise ValueError("its content does not match its hash")
    return header, payload


def loads(key: str, data: bytes) -> Cached:
    """The entry in `data`, or ValueError if anything about it does not check out."""
    from stpreport.pipeline.codec import decode

    _, payload = _unframed(FORMAT, key, data)
    body = decode(json.loads(payload.decode("utf-8")))
    if not isinstance(body, dict) or set(body) != {"figures", "assumptions", "analysis"}:
        raise ValueError("not an analysis")
    return Cached(body["figures"], body["assumptions"], body["analysis"])


def read(path: Path, key: str) -> Cached | None:
    """The entry at `path`, or None if it is absent or does not check out."""
    data = _read(path)
    if data is None:
        return None
    try:
        return loads(key, data)
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
        log.warning("analysis cache %s not used (%s): computing it again", path.name, exc)
        return None


def _read(path: Path) -> bytes | None:
    """The bytes of `path` (never through a link), or None if it cannot be read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as fh:
            return fh.read()
    except OSError:
        return None


def write(path: Path, data: bytes) -> None:
    """Write an entry atomically (temporary file, fsync, rename; never through a link), then
    prune the analysis entries and the charts kept beside them."""
    _write(path, data, durable=True)
    _prune(path.parent, "analysis-*.json", KEEP, keep=path)
    _prune(charts_dir(path.parent), "*.svg", CHARTS_KEEP)


def _write(path: Path, data: bytes, durable: bool) -> None:
    """`data` written atomically at `path` (fsync first if `durable`), never through a link."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _prune(folder: Path, pattern: str, most: int, keep: Path | None = None) -> None:
    """Remove all but the `most` newest files matching `pattern` (never `keep`)."""
    entries = sorted(folder.glob(pattern), key=_mtime, reverse=True)
    for old in entries[most:]:
        if old != keep:
            with contextlib.suppress(OSError):
                old.unlink()


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # removed meanwhile (another build pruning)
        return 0.0


DRAWS_FORMAT = "stpreport-draws/1"
KEEP_DRAWS = 128
"""Footprints' draws kept (0.5 MB each, 61 MB at most): two sets of `KEEP_FOOTPRINTS`."""


class DrawFiles:
    """The footprints' draws (`uncertainty.DrawStore`) as files in the cache's `draws` folder,
    one per footprint and set of inputs, named by its key: a header line (`_framed`: format,
    key, hash, shape) and the numbers as little-endian float64, read back as numbers and
    nothing else (no pickle, no NumPy header to parse). A file that does not check out is
    not used: that footprint is drawn again. Written without fsync: a torn file fails its
    hash, and costs only a draw."""

    def __init__(self, folder: Path | None = None):
        self.folder = (folder or cache_dir()) / "draws"
        self.writable = True  # until a write fails: then it is said once, not per footprint

    def _path(self, key: str) -> Path:
        if not key.isalnum():
            raise ValueError(f"bad draws key {key!r}")
        return self.folder / f"{key}.f8"

    def get(self, key: str) -> Any:
        import numpy as np

        path = self._path(key)
        data = _read(path)
        if data is None:
            return None
        try:
            header, payload = _unframed(DRAWS_FORMAT, key, data)
            rows, columns = (int(n) for n in header["shape"])
            draws = np.frombuffer(payload, dtype="<f8")
            draws = draws.reshape(rows, columns)  # ValueError unless it holds exactly that
        except (ValueError, TypeError, KeyError, UnicodeDecodeError) as exc:
            log.warning("cached draws %s not used (%s): drawing them again", path.name, exc)
            return None
        with contextlib.suppress(OSError):
            os.utime(path, follow_symlinks=False)  # used: the last to be pruned
        return draws

    def put(self, key: str, draws: Any) -> None:
        import numpy as np

        if not self.writable:
            return
        payload = np.ascontiguousarray(draws, dtype="<f8").tobytes()
        data = _framed(DRAWS_FORMAT, key, payload, shape=list(draws.shape))
        try:
            _write(self._path(key), data, durable=False)
        except OSError as exc:  # a read-only cache: the build still works, only slower
            self.writable = False
            log.warning("could not write the draws to the cache %s: %s", self.folder, exc)

    def prune(self) -> None:
        """Keep the `KEEP_DRAWS` newest files."""
        _prune(self.folder, "*.f8", KEEP_DRAWS)


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
