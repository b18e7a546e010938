"""A briefing's run as a self-contained task: what any executor ships to a worker.

A task names its inputs by content, never by a path on the machine that planned it: the
notebook's source, the figures, the assumptions (and scenario), the analysis cache entry and
the previous edition's summary and figures each travel as a `Blob` (a file, or a folder of
files, as bytes with their digest). A worker stages each blob it has not seen yet into a
private folder of its own, `<stage>/<digest>/<name>`, and runs the notebook on those copies.
So the same task runs the same way in a local worker process, on a Dask worker on another
machine, or after a retry on a third; and a blob shared by every task (the analysis, the
figures) is sent to each worker once, not once per task.

What a briefing shows of a path (`paths.shown_path`: relative to the project, or a name) is
worked out here, on the planning side, and travels with the task (`Task.shown`), so a staged
copy's local path never reaches a briefing, and the local pool and Dask write the same bytes.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stpreport import __version__
from stpreport.paths import shown_path

SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
"""A staged file or folder name: a plain name, never '.', '..' or a path."""
STAGE_KEEP = 32
"""How many blobs a worker keeps staged: older ones are removed when a task needs room."""


@dataclass(frozen=True)
class Blob:
    """A file (`files` holds one entry, named "") or a folder of files (relative names with
    '/' between parts), with the digest of all of it."""

    name: str
    files: tuple[tuple[str, bytes], ...]
    digest: str = ""

    def __post_init__(self) -> None:
        if not SAFE_NAME.fullmatch(self.name):
            raise ValueError(f"not a plain file name: {self.name!r}")
        for relative, _ in self.files:
            if relative and not all(SAFE_NAME.fullmatch(p) for p in relative.split("/")):
                raise ValueError(f"not a plain relative name: {relative!r}")
        h = hashlib.sha256(self.name.encode() + b"\0")
        for relative, data in self.files:
            h.update(f"{relative}\0{len(data)}\0".encode())
            h.update(data)
        expected = h.hexdigest()[:32]
        if self.digest and self.digest != expected:
            raise ValueError(f"blob {self.name}: its content does not match its digest")
        object.__setattr__(self, "digest", expected)

    @property
    def is_file(self) -> bool:
        return len(self.files) == 1 and self.files[0][0] == ""

    @property
    def size(self) -> int:
        return sum(len(d) for _, d in self.files)


def file_blob(path: Path, name: str | None = None) -> Blob:
    """A plain file as a blob (a link is refused, not followed)."""
    return Blob(name or path.name, (("", _read(path)),))


def folder_blob(name: str, files: Iterable[tuple[str, bytes]]) -> Blob:
    return Blob(name, tuple(sorted(files)))


def _read(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as f:
        return f.read()


@dataclass(frozen=True)
class Task:
    """One briefing to execute and render. `inputs` maps each path parameter to the digest
    of its blob (a list of digests for `scenarios`; None when not given); `parameters` holds
    every parameter in order, a path parameter's as None until staged; `shown` is how the
    briefing shows each path parameter."""

    key: str
    notebook: str
    inputs: dict[str, str | list[str] | None]
    parameters: dict[str, Any]
    shown: dict[str, str | list[str] | None]
    formats: tuple[str, ...]
    build: str = ""  # the token of the build holding the edition: a result must carry it
    version: str = __version__  # the stpreport that planned it: a worker must run the same

    @property
    def digests(self) -> list[str]:
        """Every blob this task needs."""
        out = [self.notebook]
        for value in self.inputs.values():
            if isinstance(value, list):
                out += value
            elif value:
                out.append(value)
        return out


@dataclass
class Batch:
    """Tasks and the blobs they need, each blob once."""

    tasks: list[Task] = field(default_factory=list)
    blobs: dict[str, Blob] = field(default_factory=dict)

    def add_blob(self, blob: Blob) -> str:
        self.blobs.setdefault(blob.digest, blob)
        return blob.digest

    def needs(self, task: Task) -> dict[str, Blob]:
        return {d: self.blobs[d] for d in task.digests}


def shown(value: Any) -> Any:
    """A path parameter as a briefing shows it (a list of paths as a list)."""
    if isinstance(value, list | tuple):
        return [shown_path(v) for v in value]
    return shown_path(value) if value else value


# -- the worker's side -------------------------------------------------------------------------
class Stage:
    """A worker's private folder of staged blobs, `<root>/<digest>/<name>`: written once per
    blob (to a temporary folder, then renamed), kept for the next task, at most STAGE_KEEP
    of them, and removed with the worker (`close`)."""

    def __init__(self, root: Path | None = None):
        self.root = Path(root or tempfile.mkdtemp(prefix="stpreport-stage-"))
        self.names: dict[str, str] = {}  # digest: name, least recently used first

    def __contains__(self, digest: str) -> bool:
        return digest in self.names

    def path(self, digest: str, blobs: dict[str, Blob]) -> Path:
        """Where the blob `digest` is staged, staging it from `blobs` first if needed."""
        name = self.names.pop(digest, None)
        if name is None:
            blob = blobs.get(digest)
            if blob is None:
                raise ValueError(f"an input ({digest}) arrived neither staged nor with the task")
            self._write(blob)
            name = blob.name
        self.names[digest] = name
        return self.root / digest / name

    def _write(self, blob: Blob) -> None:
        final = self.root / blob.digest
        if final.is_dir() and not final.is_symlink():
            return
        work = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.root))
        try:
            for relative, data in blob.files:
                path = work / blob.name / relative if relative else work / blob.name
                path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
            if not blob.files:  # an empty folder
                (work / blob.name).mkdir()
            os.rename(work, final)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise

    def prune(self, keep: Iterable[str]) -> None:
        """Remove staged blobs beyond STAGE_KEEP, oldest first, except those in `keep`."""
        keep = set(keep)
        for old in [d for d in self.names if d not in keep][: max(0, len(self.names) - STAGE_KEEP)]:
            del self.names[old]
            shutil.rmtree(self.root / old, ignore_errors=True)

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        self.names.clear()


def staged(task: Task, blobs: dict[str, Blob], stage: Stage) -> tuple[Path, dict, dict[str, str]]:
    """Stage what `task` needs (`blobs` holds those not staged yet); returns the notebook's
    path, the parameters with staged paths, and each staged path's shown form (for
    `paths.shown_path` in the kernel)."""
    notebook = stage.path(task.notebook, blobs)
    parameters = dict(task.parameters)
    aliases: dict[str, str] = {}
    for name, value in task.inputs.items():
        if value is None:
            parameters[name] = None
        elif isinstance(value, list):
            paths = [stage.path(d, blobs) for d in value]
            parameters[name] = [str(p) for p in paths]
            aliases |= {str(p): s for p, s in zip(paths, task.shown[name] or [], strict=True)}
        else:
            path = stage.path(value, blobs)
            parameters[name] = str(path)
            aliases[str(path)] = str(task.shown[name])
    stage.prune(task.digests)
    return notebook, parameters, aliases


# -- the planning side -------------------------------------------------------------------------
def _safe(name: str, fallback: str) -> str:
    """`name` as a staged file name (its suffix kept), or `fallback`."""
    if SAFE_NAME.fullmatch(name):
        return name
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", name).lstrip("._-")[:128]
    return cleaned if SAFE_NAME.fullmatch(cleaned) else fallback


def figures_blob(path: Path) -> Blob:
    """The figures: a workbook, or a folder's tables (`<table>.csv`, plain files only)."""
    from stpreport.schema import TABLE_NAMES

    if not path.is_dir():
        return file_blob(path, _safe(path.name, "figures" + path.suffix.lower()))
    files = []
    for table in TABLE_NAMES:
        name = f"{table}.csv"
        try:
            files.append((name, _read(path / name)))
        except FileNotFoundError:
            continue
    return folder_blob(_safe(path.name, "figures"), files)


def edition_blob(path: Path) -> Blob:
    """What a briefing reads of the previous edition: its summary and its copy of the figures,
    read through the edition (`Edition.read`: a planted link is not followed)."""
    from stpreport.pipeline.edition import SNAPSHOT, SNAPSHOT_TABLES, SUMMARY_CSV, Edition

    edition = Edition.at(path)
    files = []
    summary = edition.read(SUMMARY_CSV)
    if summary is not None:
        files.append((SUMMARY_CSV, summary))
    for table in SNAPSHOT_TABLES:
        data = edition.read(f"{table}.csv", SNAPSHOT)
        if data is not None:
            files.append((f"{SNAPSHOT}/{table}.csv", data))
    return folder_blob(edition.name, files)


def cache_blob(path: Path) -> Blob | None:
    """The analysis cache entry, if there is one (a read-only cache has none: the notebook
    then computes the analysis itself)."""
    try:
        return file_blob(path)
    except FileNotFoundError:
        return None


BLOB_OF: dict[str, Callable[[Path], Blob | None]] = {
    "figures": figures_blob,
    "params": lambda p: file_blob(p, _safe(p.name, "params.yaml")),
    "scenario": lambda p: file_blob(p, _safe(p.name, "scenario.yaml")),
    "scenarios": lambda p: file_blob(p, _safe(p.name, "scenario.yaml")),
    "analysis_cache": cache_blob,
    "previous": edition_blob,
}
"""Every parameter that names a local file or folder, and how it travels."""


def _present(blob: Blob | None) -> Blob:
    assert blob is not None  # only the analysis cache may be missing
    return blob


def task_for(
    batch: Batch,
    key: str,
    notebook: Path,
    parameters: dict[str, Any],
    formats: tuple[str, ...],
    build: str = "",
) -> Task:
    """The task that runs `notebook` with `parameters` (added to `batch` with its blobs);
    every path parameter becomes a blob and is shown as `paths.shown_path` shows it here."""
    inputs: dict[str, str | list[str] | None] = {}
    shown_as: dict[str, str | list[str] | None] = {}
    rest: dict[str, Any] = {}  # every parameter, in order; a path's is filled in when staged
    for name, value in parameters.items():
        rest[name] = None if name in BLOB_OF else value
        if name not in BLOB_OF:
            continue
        if not value:
            inputs[name], shown_as[name] = None, None
        elif isinstance(value, list | tuple):
            inputs[name] = [batch.add_blob(_present(BLOB_OF[name](Path(v)))) for v in value]
            shown_as[name] = shown(list(value))
        else:
            blob = BLOB_OF[name](Path(value))
            inputs[name] = batch.add_blob(blob) if blob else None
            shown_as[name] = shown(value) if blob else None
    task = Task(
        key,
        batch.add_blob(file_blob(Path(notebook))),
        inputs,
        rest,
        shown_as,
        tuple(formats),
        build,
    )
    batch.tasks.append(task)
    return task
