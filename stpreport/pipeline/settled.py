"""A rebuild with nothing changed, answered without reading the figures.

To find every briefing up to date, a build reads and checks the figures (pandas), the
assumptions (YAML) and the analysis before it can plan: on two cores, about 0.6 s of imports
and 0.4 s of work, most of a no-change rebuild. So after a build in which nothing failed, the
manifest records what that build settled (`settle`): a digest of the exact bytes of every input
it read, of the code and notebooks, of how it was asked for and of the previous edition it
compares with (`inputs_digest`), and the runs it left up to date. A later build asked for the
same, whose inputs have the same bytes, would plan the same runs with the same fingerprints
and find each up to date: `settled_build` answers it from the manifest, once it has checked
that every output of those runs, and the index and summaries, are still in the edition as
plain files. Anything else goes the whole way (`runner.run_build`): a byte changed, anything
but a plain file among the figures (a link, a folder; the paths given are resolved, as the
build resolves them), an output missing, --force, --notebooks or scenarios.

A build removes the record as soon as it holds the edition (`unsettle`), and records it again
only once it has ended with nothing failed: an interrupted or failing build leaves none, so
the record never vouches for an edition that a later build has touched. It is written by the
build that holds the edition's lock; `settled_build` takes the lock too, and writes nothing.
"""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

from stpreport.assumptions import default_assumptions_path
from stpreport.digests import digest, library_versions, package_fingerprint
from stpreport.errors import StpreportError
from stpreport.paths import bundled_figures_path, project_file
from stpreport.pipeline.edition import TABLES, Edition, briefing_files, edition_name
from stpreport.pipeline.options import BuildOptions, BuildResult

RECORD = "settled"
"""The manifest's key for what the last build settled."""
NOTEBOOKS = ("footprint.ipynb", "national.ipynb")


class _NotPlain(Exception):
    """An input that is not a plain file: the whole build reads it (and says what is wrong)."""


def _plain_bytes(path: Path) -> bytes:
    """The bytes of `path` if it is a regular file, read without following a link."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise _NotPlain(path)
        return fh.read()


def _input_bytes(path: Path) -> list[bytes]:
    """The figures as read: one workbook's bytes, or every entry of a folder of CSV files
    (name and bytes, in name order; anything but a regular file in it and `_NotPlain`)."""
    if stat.S_ISDIR(os.lstat(path).st_mode):
        parts = []
        for name in sorted(os.listdir(path)):
            parts += [name.encode("utf-8", "surrogateescape"), _plain_bytes(path / name)]
        return parts
    return [_plain_bytes(path)]


def _covered(options: BuildOptions) -> bool:
    """Whether the record can stand for a build of `options`: not with custom notebooks or
    scenarios, whose files the digest does not read."""
    return not (options.notebooks or options.scenario or options.scenarios)


def inputs_digest(options: BuildOptions) -> str | None:
    """A digest of everything a build of `options` reads and is asked for, from the bytes
    alone; None where the record does not cover it (`_covered`) or an input cannot be read
    as plain files."""
    if not _covered(options):
        return None
    try:
        edition = Edition(options.out.resolve(), edition_name(options.edition))
        figures = (options.figures or bundled_figures_path()).resolve()
        params = (options.params or default_assumptions_path()).resolve()
        parts = [*_input_bytes(figures), _plain_bytes(params)]
        parts += [_plain_bytes(project_file("notebooks", name)) for name in NOTEBOOKS]
        previous = edition.previous()
        asked = {
            "edition": edition.name,
            "figures": str(figures),
            "params": str(params),
            "only": sorted(options.only) if options.only else None,
            "formats": list(options.formats),
            "previous": previous.name if previous else None,
            "previous_runs": {
                key: entry.get("good") or "" if isinstance(entry, dict) else ""
                for key, entry in (previous.manifest().get("runs", {}) if previous else {}).items()
            },
            "package": package_fingerprint(),
            "versions": library_versions(),
        }
    except (_NotPlain, OSError, StpreportError):
        return None
    return digest(json.dumps(asked, sort_keys=True).encode(), *parts)


def unsettle(edition: Edition, manifest: dict) -> None:
    """A build now holds `edition`: whatever the last one settled no longer stands."""
    if manifest.pop(RECORD, None) is not None:
        edition.write_manifest(manifest)


def settle(manifest: dict, inputs: str | None, runs: list[str], failed: dict) -> None:
    """Record in `manifest` that a build of `inputs` left `runs` up to date (if nothing
    failed, and the shortcut applies)."""
    manifest.pop(RECORD, None)
    if inputs and not failed:
        manifest[RECORD] = {"inputs": inputs, "runs": sorted(runs)}


def settled_build(options: BuildOptions) -> BuildResult | None:
    """The result of building `options`, if the edition's manifest says a build of the same
    inputs settled it and every output it lists is there; None: build the whole way."""
    started = time.perf_counter()
    if options.force or not _covered(options):
        return None
    try:
        edition = Edition(options.out.resolve(), edition_name(options.edition))
        if not edition.exists():
            return None
        with edition.locked():
            manifest = edition.manifest()
            record = manifest.get(RECORD)
            if not isinstance(record, dict) or not isinstance(record.get("runs"), list):
                return None
            inputs = inputs_digest(options)
            if inputs is None or record.get("inputs") != inputs:
                return None
            entries = manifest.get("runs")
            if not isinstance(entries, dict) or not _up_to_date(
                edition, record["runs"], entries, options.formats
            ):
                return None
    except (OSError, StpreportError):  # the whole build says what is wrong
        return None
    return BuildResult(edition.folder, [], list(record["runs"]), {}, time.perf_counter() - started)


def _up_to_date(edition: Edition, keys: list, entries: dict, formats: tuple[str, ...]) -> bool:
    """Whether each run in `keys` ended well and its files (its notebook and each format)
    are in the edition as plain files, and the index and summaries are there too."""
    for key in keys:
        entry = entries.get(key)
        if not isinstance(key, str) or not isinstance(entry, dict):
            return False
        if entry.get("status") != "ok" or entry.get("good") != entry.get("fingerprint"):
            return False
        if not all(edition.has(name) for name in briefing_files(key, formats)):
            return False  # (a key that cannot name a briefing is refused there)
    return all(edition.has(name) for name in TABLES)
