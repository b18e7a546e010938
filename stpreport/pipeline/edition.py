"""The edition folder's one owner: its names, its order among editions, its lock, its manifest
and every write to it.

An edition folder is what users publish and mail round, so it holds only what `Edition` puts
there: the briefings (``<key>.html``, ``.pdf``, ``.ipynb``), ``summary.csv``,
``summary.xlsx``, ``index.html``, ``manifest.json`` and ``figures/`` (a copy of the figures,
so a later edition can say what changed). Nothing executable or followable is kept in it: the
analysis cache lives outside (`cache.py`), and the lock is an OS lock (`flock`) on the
folder's own descriptor, not a file.

Every write goes through `Edition.write`: a temporary file created beside the target with
``O_EXCL | O_NOFOLLOW``, mode 0644 whatever the umask (colleagues on a shared drive must be able
to read what is published), fsynced, renamed over the target with `os.replace`, and the folder
fsynced so the rename survives a power cut. All of it goes through a descriptor of the edition
folder opened with ``O_NOFOLLOW``, so a link planted in place of the folder, of ``figures/`` or
of any output is refused, never followed: nothing outside the edition is ever written. Only
the build's main process writes; workers return bytes (`worker.py`).

Editions are ordered by the sequence number each manifest records when the edition is first
built (then its creation time, then its name), never by the file system's ctime, which a copy
or a restore changes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import io
import json
import logging
import os
import re
import secrets
import stat
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from stpreport.errors import BuildLocked, EditionRefused, NotAnEdition
from stpreport.problems import show_value

if TYPE_CHECKING:
    import pandas as pd

    from stpreport.inputs import Figures

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
INDEX = "index.html"
SUMMARY_CSV = "summary.csv"
SUMMARY_XLSX = "summary.xlsx"
TABLES = (SUMMARY_CSV, SUMMARY_XLSX, INDEX)
"""The edition's own files beside the briefings, written from the whole analysis."""
SNAPSHOT = "figures"
SNAPSHOT_TABLES = ("footprints", "schemes", "contracts", "sources")
BRIEFING_SUFFIXES = (".html", ".pdf", ".ipynb")
RESERVED_STEMS = frozenset({"index", "summary", "manifest", SNAPSHOT})
"""(A base edition also holds `scenarios.*`, the comparison, and a folder per scenario.)"""
"""Stems a briefing may not have: its files would overwrite the edition's own."""

FILE_MODE = 0o644
DIR_MODE = 0o755
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
"""A safe edition name: a plain folder name on every system, no control characters, never
'.' or '..', no path separators."""

_LEGACY = re.compile(r"^(\.analysis-.*\.pkl|\.build\.lock|\..+\.tmp)$")
"""What earlier versions (or a build killed mid-write) may have left in an edition."""

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def edition_name(name: str | None) -> str:
    """The edition a build writes: the name given, or today's date."""
    return name or dt.date.today().isoformat()


def check_name(name: str) -> str:
    """`name` if it is a safe edition name; `EditionRefused` otherwise."""
    if not isinstance(name, str) or not NAME.fullmatch(name) or name in (".", ".."):
        raise EditionRefused(
            f"edition name {show_value(str(name))} is not allowed: use 1 to 64 letters, digits, "
            "'.', '_' or '-', starting with a letter or digit"
        )
    return name


def briefing_files(key: str, formats: tuple[str, ...]) -> tuple[str, ...]:
    """The files one briefing publishes: its executed notebook and each format."""
    if key in RESERVED_STEMS or not NAME.fullmatch(key):
        raise EditionRefused(
            f"{show_value(key)} cannot name a briefing: its files would "
            "clash with the edition's own"
        )
    return (f"{key}.ipynb", *(f"{key}.{f}" for f in formats))


def _allowed(name: str) -> bool:
    if name == MANIFEST or name in TABLES:
        return True
    stem, dot, suffix = name.rpartition(".")
    return (
        bool(dot)
        and f".{suffix}" in BRIEFING_SUFFIXES
        and stem not in RESERVED_STEMS
        and bool(NAME.fullmatch(stem))
    )


def _link_refused(path: Path) -> EditionRefused:
    return EditionRefused(
        f"{path} is a symbolic link or not a plain file: an edition holds "
        "only what stpreport writes, and it never writes through a link; "
        "remove it and build again"
    )


def _modified(path: Path) -> int:
    """When `path` was last modified (ns): for a folder, the latest of it and its files."""
    newest = os.stat(path).st_mtime_ns
    if os.path.isdir(path):
        with os.scandir(path) as entries:
            newest = max([newest, *(e.stat().st_mtime_ns for e in entries if e.is_file())])
    return newest


class Edition:
    """One edition folder, `out/name`. Reading needs nothing; writing needs `locked()`."""

    def __init__(self, out: Path, name: str):
        self.out = Path(out)
        self.name = check_name(name)
        self.folder = self.out / self.name
        self._fd: int | None = None  # the folder's descriptor while locked

    @classmethod
    def at(cls, folder: Path) -> Edition:
        """The edition in `folder` (its name checked like any edition's)."""
        folder = Path(folder)
        return cls(folder.parent, folder.name)

    def __repr__(self) -> str:
        return f"Edition({str(self.out)!r}, {self.name!r})"

    # -- reading -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def _reading(self, sub: str | None = None) -> Iterator[int | None]:
        """A descriptor of the folder (or of its `sub` folder), opened without following a
        link; None if there is no such real folder."""
        try:
            fd = os.open(self.folder, _DIR_FLAGS)
        except OSError:
            yield None
            return
        try:
            if sub is None:
                yield fd
                return
            try:
                inner = os.open(sub, _DIR_FLAGS, dir_fd=fd)
            except OSError:
                yield None
                return
            try:
                yield inner
            finally:
                os.close(inner)
        finally:
            os.close(fd)

    @staticmethod
    def _read_at(dir_fd: int, name: str) -> bytes | None:
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
        except OSError:
            return None
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                return None
            return fh.read()

    def read(self, name: str, sub: str | None = None) -> bytes | None:
        """The bytes of a plain file in the edition (None if absent, or a link)."""
        with self._reading(sub) as fd:
            return None if fd is None else self._read_at(fd, name)

    def has(self, name: str) -> bool:
        """Whether the edition holds `name` as a plain file (a planted link does not count)."""
        try:
            return (
                stat.S_ISREG(os.lstat(self.folder / name).st_mode) and not self.folder.is_symlink()
            )
        except OSError:
            return False

    def exists(self) -> bool:
        return self.has(MANIFEST)

    def changed_since(self, inputs: Iterable[Path]) -> bool:
        """A guess, from modification times alone (nothing is read), that a build of this
        edition from `inputs` has briefings to run: there is no manifest, or an input (a
        file, or a folder and the files in it) was modified after it was last written. An
        input that cannot be seen does not count: the build will say what is wrong with it."""
        try:
            if not self.has(MANIFEST):
                return True
            built = os.lstat(self.folder / MANIFEST).st_mtime_ns
        except OSError:
            return True
        for path in inputs:
            try:
                if _modified(path) > built:
                    return True
            except OSError:
                continue
        return False

    def manifest(self) -> dict:
        """The manifest, or {} when there is none (or it cannot be read: rebuilt from scratch;
        it is never half-written, but it may have been edited by hand)."""
        data = self.read(MANIFEST)
        if data is None:
            return {}
        try:
            manifest = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return {}
        return manifest if isinstance(manifest, dict) else {}

    def summary(self) -> pd.DataFrame | None:
        """summary.csv, indexed by footprint code (None if the edition has none)."""
        import pandas as pd

        data = self.read(SUMMARY_CSV)
        if data is None:
            return None
        return pd.read_csv(io.BytesIO(data), dtype={"code": str}).set_index("code")

    def figures(self) -> Figures | None:
        """The copy of the figures this edition was built from (None if it has none).

        The copy is read as bytes through the folder's descriptor and checked by the usual
        loader from a private folder, so a link in figures/ is never followed."""
        from stpreport.inputs import load_figures

        tables = {}
        with self._reading(SNAPSHOT) as fd:
            if fd is None:
                return None
            for table in SNAPSHOT_TABLES:
                data = self._read_at(fd, f"{table}.csv")
                if data is not None:
                    tables[table] = data
        with tempfile.TemporaryDirectory(prefix="stpreport-snapshot-") as tmp:
            for table, data in tables.items():
                (Path(tmp) / f"{table}.csv").write_bytes(data)
            return load_figures(Path(tmp))  # InputError if the copy is broken

    def require(self) -> Edition:
        """This edition if it has a summary to compare; `NotAnEdition` otherwise."""
        if not self.has(SUMMARY_CSV):
            raise NotAnEdition(f"{self.folder} is not an edition: it has no {SUMMARY_CSV}")
        return self

    # -- order among editions ----------------------------------------------------------------
    def order(self) -> tuple[int, str, str]:
        """Where this edition stands among the editions in its output folder."""
        manifest = self.manifest()
        sequence = manifest.get("sequence")
        return (
            sequence if isinstance(sequence, int) else 0,
            str(manifest.get("created", "")),
            self.name,
        )

    @classmethod
    def all_in(cls, out: Path) -> list[Edition]:
        """Every edition in `out` (real folders with a safe name and a manifest), in order."""
        found = []
        for entry in sorted(Path(out).iterdir()) if Path(out).is_dir() else []:
            if entry.is_symlink() or not entry.is_dir() or not NAME.fullmatch(entry.name):
                continue
            edition = cls(out, entry.name)
            if edition.exists():
                found.append(edition)
        return sorted(found, key=Edition.order)

    def previous(self) -> Edition | None:
        """The edition this one compares with: fixed in the manifest when the edition is first
        built, as the last edition (in manifest order) then in the same output folder."""
        manifest = self.manifest()
        if "previous" in manifest:
            name = manifest["previous"]
            if not name:
                return None
            name = Path(str(name)).name  # older manifests kept a whole path
            return Edition(self.out, name) if NAME.fullmatch(name) else None
        others = [e for e in Edition.all_in(self.out) if e.name != self.name]
        return others[-1] if others else None

    def next_sequence(self) -> int:
        """The sequence number a new edition takes: one after every edition in the folder."""
        orders = [e.order()[0] for e in Edition.all_in(self.out) if e.name != self.name]
        return max(orders, default=0) + 1

    # -- the lock ----------------------------------------------------------------------------
    @contextlib.contextmanager
    def locked(self) -> Iterator[Edition]:
        """Hold the edition for one build: create it if needed, take the kernel's `flock` on
        the folder's descriptor (it goes with the process, even after kill -9), refuse links
        planted in it, and clear what a killed build or an older version left behind."""
        self.out.mkdir(parents=True, exist_ok=True)
        created = False
        with contextlib.suppress(FileExistsError):
            os.mkdir(self.folder, DIR_MODE)
            created = True
        try:
            fd = os.open(self.folder, _DIR_FLAGS)
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                raise _link_refused(self.folder) from None
            raise
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise BuildLocked(
                    f"another stpreport build is writing to {self.folder}; wait "
                    "for it to finish, or build into another --out"
                ) from None
            if created:
                os.fchmod(fd, DIR_MODE)  # whatever the umask, as for its files
            self._refuse_links(fd)
            self._tidy(fd)
            self._fd = fd
            yield self
        finally:
            self._fd = None
            os.close(fd)

    def _refuse_links(self, fd: int) -> None:
        for entry in os.scandir(fd):
            if entry.is_symlink():
                raise _link_refused(self.folder / entry.name)
            if entry.name == SNAPSHOT:
                if not entry.is_dir(follow_symlinks=False):
                    raise _link_refused(self.folder / entry.name)
                inner = os.open(SNAPSHOT, _DIR_FLAGS, dir_fd=fd)
                try:
                    for sub in os.scandir(inner):
                        if sub.is_symlink() or not sub.is_file(follow_symlinks=False):
                            raise _link_refused(self.folder / SNAPSHOT / sub.name)
                finally:
                    os.close(inner)

    def _tidy(self, fd: int) -> None:
        for entry in os.scandir(fd):
            if _LEGACY.match(entry.name) and entry.is_file(follow_symlinks=False):
                log.info("removing %s from %s (left by an earlier build)", entry.name, self.folder)
                os.unlink(entry.name, dir_fd=fd)

    # -- writing -----------------------------------------------------------------------------
    def _held(self) -> int:
        if self._fd is None:
            raise RuntimeError("an edition is written only while its build holds the lock")
        return self._fd

    def write(self, name: str, data: bytes | str) -> None:
        """Write one of the edition's files atomically (see the module's docstring)."""
        if not _allowed(name):
            raise EditionRefused(f"{show_value(name)} is not a file an edition holds")
        _write_at(self._held(), name, data, self.folder)

    def write_all(self, files: Mapping[str, bytes | str]) -> None:
        for name, data in files.items():
            self.write(name, data)

    def write_snapshot(self, files: Mapping[str, bytes | str]) -> None:
        """Replace the copy of the figures (``figures/<table>.csv``)."""
        fd = self._held()
        with contextlib.suppress(FileExistsError):
            os.mkdir(SNAPSHOT, DIR_MODE, dir_fd=fd)  # then 0755 below, whatever the umask
        try:
            inner = os.open(SNAPSHOT, _DIR_FLAGS, dir_fd=fd)
        except OSError:
            raise _link_refused(self.folder / SNAPSHOT) from None
        try:
            os.fchmod(inner, DIR_MODE)
            for name, data in files.items():
                if name not in {f"{t}.csv" for t in SNAPSHOT_TABLES}:
                    raise EditionRefused(f"{show_value(name)} is not a table of the figures")
                _write_at(inner, name, data, self.folder / SNAPSHOT)
        finally:
            os.close(inner)

    def write_manifest(self, manifest: dict) -> None:
        self.write(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def _write_at(dir_fd: int, name: str, data: bytes | str, where: Path) -> None:
    """Atomic, 0644, fsynced write of `name` in the folder `dir_fd`, never through a link."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with contextlib.suppress(FileNotFoundError):
        if stat.S_ISLNK(os.lstat(name, dir_fd=dir_fd).st_mode):
            raise _link_refused(where / name)
    tmp = f".{name}.{secrets.token_hex(4)}.tmp"
    fd = os.open(
        tmp,
        os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
        FILE_MODE,
        dir_fd=dir_fd,
    )
    try:
        try:
            os.fchmod(fd, FILE_MODE)  # whatever the umask: colleagues must read what is published
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=dir_fd)
        raise
    os.fsync(dir_fd)  # the rename itself survives a power cut


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
