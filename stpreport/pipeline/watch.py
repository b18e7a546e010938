"""`stpreport build --watch`: build, then build again each time the inputs change, with the
workers and their warm kernels kept between builds.

An analyst editing the figures wants the briefings back in seconds. A one-off build pays, each
time, for starting Python, importing the analysis, and starting workers and their kernels
(about half of a one-footprint rebuild: docs/performance.md); a watching build pays for them
once. Each rebuild is an ordinary build (the same plan, fingerprints and bytes), run by this
process, which alone writes the edition, under the edition's lock.

Watched: the figures (the files of their folder, or the workbook), the assumptions file, and
the notebooks folder if one was given; each folder on its own, not the folders inside it.
Changes are seen through `watchfiles` (inotify; on a file system that sends no events, such as
a network share, set WATCHFILES_FORCE_POLLING=1).
"""

from __future__ import annotations

import contextlib
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from threading import Event as AbstractEvent

from stpreport.assumptions import default_assumptions_path
from stpreport.inputs import bundled_figures_path

WAKE_MS = 1000
"""How often the inputs are looked at even without an event from the file system."""
STEP_MS = 100
"""How long the inputs must stay unchanged before a rebuild starts: a spreadsheet saved as
several writes (a temporary file, then a rename) is built once."""


@dataclass(frozen=True)
class Watched:
    """What a watching build watches: `folders` (every file directly in them) and `files`."""

    folders: frozenset[Path]
    files: frozenset[Path]

    @property
    def places(self) -> list[Path]:
        """The folders to ask for events: a file is watched through its folder, as editors
        and spreadsheets replace a file rather than write into it."""
        return sorted(self.folders | {f.parent for f in self.files})

    def wants(self, path: Path) -> bool:
        """Whether a change to `path` is a change to the inputs (not an editor's lock or
        temporary file, such as `~$figures.xlsx` or `.schemes.csv.swp`)."""
        if path.name.startswith((".", "~")):
            return False
        return path in self.files or path.parent in self.folders


def watched(figures: Path | None, params: Path | None, notebooks: Path | None = None) -> Watched:
    """The inputs of a build with these options, resolved as the build resolves them."""
    figures = (figures or bundled_figures_path()).resolve()
    params = (params or default_assumptions_path()).resolve()
    folders, files = {figures} if figures.is_dir() else set(), {params}
    if not figures.is_dir():
        files.add(figures)
    if notebooks is not None:
        folders.add(notebooks.resolve())
    return Watched(frozenset(folders), frozenset(files))


Snapshot = dict[Path, tuple[int, int]]


def snapshot(inputs: Watched) -> Snapshot:
    """Each input file's modification time (ns) and size, as they are now."""
    paths = set(inputs.files)
    for folder in inputs.folders:
        with contextlib.suppress(OSError):
            paths.update(folder.iterdir())
    found: Snapshot = {}
    for path in paths:
        if not inputs.wants(path):
            continue
        with contextlib.suppress(OSError):
            status = path.stat()
            if stat.S_ISREG(status.st_mode):
                found[path] = (status.st_mtime_ns, status.st_size)
    return found


def changes(
    inputs: Watched, since: Snapshot, stop: AbstractEvent | None = None
) -> Iterator[list[Path]]:
    """Each time the inputs differ from `since` (then from the last time they changed), the
    files that changed, sorted; ends once `stop` is set, and Ctrl-C raises KeyboardInterrupt.

    The file system's events only wake this up; what changed is read from the files
    (`snapshot`), so a change made before the events were being watched (during the first
    build, say) is seen too, within WAKE_MS."""
    from watchfiles import watch

    seen = since
    for _events in watch(
        *inputs.places,
        watch_filter=lambda _change, path: inputs.wants(Path(path)),
        step=STEP_MS,
        rust_timeout=WAKE_MS,
        yield_on_timeout=True,
        recursive=False,
        stop_event=stop,
    ):
        now = snapshot(inputs)
        if now != seen:
            changed = sorted(p for p in now.keys() | seen.keys() if now.get(p) != seen.get(p))
            seen = now
            yield changed
