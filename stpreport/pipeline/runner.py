"""`stpreport build`: every briefing, in parallel, rebuilt only when its inputs change.

The figures and assumptions are checked before anything is touched. The edition folder is
locked, the runs are planned (`plan.py`), and the ones whose fingerprint changed go to a pool
of worker processes, each with a warm kernel (`engine.py`). Each output is rendered in memory
and written atomically; the manifest is rewritten after every finished run, so an interrupted
build loses nothing already built and the next one redoes only what is missing. A failing
briefing fails alone: its last good outputs stay, marked stale in the index.
"""

from __future__ import annotations

import datetime as dt
import os
import pickle
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stpreport.assumptions import Assumptions, default_assumptions_path, load_assumptions
from stpreport.atomic import write_atomic
from stpreport.inputs import Figures, bundled_figures_path, load_figures
from stpreport.pipeline.manifest import edition_lock, read_manifest, write_manifest
from stpreport.pipeline.outputs import write_index, write_snapshot, write_summaries
from stpreport.pipeline.plan import NATIONAL, Run, inputs_fingerprint, plan_runs, reasons
from stpreport.pipeline.pool import run_jobs
from stpreport.problems import InputError, Problem

CACHE_PREFIX = ".analysis-"
"""The analysis of one set of inputs, computed once per build and read by every notebook."""


def _cache_path(folder: Path, inputs: str) -> Path:
    """Where the analysis of the inputs with fingerprint `inputs` is kept in `folder`."""
    return folder / f"{CACHE_PREFIX}{inputs}.pkl"


@dataclass
class BuildOptions:
    figures: Path | None = None
    params: Path | None = None
    out: Path = Path("reports")
    edition: str | None = None
    only: list[str] | None = None
    formats: tuple[str, ...] = ("html", "pdf")
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    force: bool = False
    notebooks: Path | None = None  # folder with footprint.ipynb and national.ipynb


@dataclass
class Prepared:
    options: BuildOptions
    figures: Figures
    assumptions: Assumptions
    folder: Path
    edition: str
    manifest: dict
    runs: list[Run]
    inputs: str  # fingerprint of all the figures, the assumptions and the package
    analysis: Any = None  # computed (or read from the cache) at most once, when needed


@dataclass
class BuildResult:
    folder: Path
    ran: list[str]
    skipped: list[str]
    failed: dict[str, str]
    seconds: float


def _edition_label(label: str | None) -> str:
    label = label or dt.date.today().isoformat()
    if not label or "/" in label or "\\" in label or label.startswith(".") or len(label) > 64:
        raise InputError([Problem("--edition", "must be a plain folder name (no slashes, not "
                                  "starting with '.')", value=label)])
    return label


def _previous_edition(out: Path, edition: str, manifest: dict) -> Path | None:
    """The edition this one compares with: fixed when the edition is first built, as the most
    recently created other edition in the same output folder."""
    if "previous" in manifest:
        return Path(manifest["previous"]) if manifest["previous"] else None
    others = []
    for folder in out.iterdir() if out.is_dir() else []:
        if folder.name != edition and (folder / "manifest.json").is_file():
            created = read_manifest(folder).get("created", "")
            others.append((created, folder.name, folder))
    return max(others)[2].resolve() if others else None


def prepare(options: BuildOptions) -> Prepared:
    """Check everything and plan the build; raises InputError before anything is written."""
    figures_path = (options.figures or bundled_figures_path()).resolve()
    params_path = (options.params or default_assumptions_path()).resolve()
    problems: list[Problem] = []
    figures = assumptions = None
    try:
        figures = load_figures(figures_path)
    except InputError as exc:
        problems += exc.problems
    try:
        assumptions = load_assumptions(params_path)
    except InputError as exc:
        problems += exc.problems
    if problems:
        raise InputError(problems)
    assert figures is not None and assumptions is not None
    codes = figures.codes
    if options.only:
        unknown = [c for c in options.only if c not in codes and c != NATIONAL]
        if unknown:
            raise InputError([Problem("--only", f"is not a footprint in {figures_path} (see "
                                      "stpreport footprints)", value=c) for c in unknown])
        codes = [c for c in codes if c in options.only]
    edition = _edition_label(options.edition)
    out = options.out.resolve()
    folder = out / edition
    manifest = read_manifest(folder)
    previous = _previous_edition(out, edition, manifest)
    previous_runs = read_manifest(previous).get("runs", {}) if previous else {}
    build_date = manifest.get("build_date") or dt.date.today().isoformat()
    inputs = inputs_fingerprint(figures, params_path)
    cache = _cache_path(folder, inputs)
    runs = plan_runs(
        figures, assumptions, figures_path=figures_path, params_path=params_path, codes=codes,
        include_national=not options.only or NATIONAL in options.only,
        formats=options.formats, edition=edition, build_date=build_date, previous=previous,
        notebooks=options.notebooks.resolve() if options.notebooks else None,
        analysis_cache=cache,
        previous_fingerprints={k: v.get("good") or "" for k, v in previous_runs.items()})
    manifest = manifest | {"edition": edition, "build_date": build_date,
                           "previous": str(previous) if previous else None}
    return Prepared(options, figures, assumptions, folder, edition, manifest, runs, inputs)


def explain(options: BuildOptions) -> list[tuple[str, list[str]]]:
    prepared = prepare(options)
    entries = prepared.manifest.get("runs", {})
    return [(run.key, reasons(run, entries.get(run.key), prepared.folder, options.force))
            for run in prepared.runs]


# -- the main side --------------------------------------------------------------------------
def _versions() -> dict[str, str]:
    from importlib.metadata import version

    from stpreport import __version__

    names = ("papermill", "nbconvert", "nbclient", "weasyprint", "matplotlib", "pandas",
             "numpy", "scipy")
    return {"stpreport": __version__, "python": sys.version.split()[0]} | {
        n: version(n) for n in names}


def _record(manifest: dict, run: Run, result: dict) -> None:
    entries = manifest.setdefault("runs", {})
    old = entries.get(run.key, {})
    entry = {"fingerprint": run.fingerprint, "components": run.components,
             "outputs": list(run.outputs), "status": result["status"],
             "seconds": result.get("seconds", {}), "error": result.get("error"),
             "good": run.fingerprint if result["status"] == "ok" else old.get("good")}
    entries[run.key] = entry


def run_build(options: BuildOptions, progress: Callable[[int, int, str, dict], None]
              ) -> BuildResult:
    started = time.perf_counter()
    prepared = prepare(options)
    folder, manifest = prepared.folder, prepared.manifest
    with edition_lock(folder):
        manifest = read_manifest(folder) | {k: v for k, v in manifest.items() if k != "runs"}
        manifest.setdefault("created", dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
        manifest["versions"] = _versions()
        manifest["figures"] = str(prepared.runs[0].parameters["figures"]) if prepared.runs \
            else None
        entries = manifest.get("runs", {})
        todo = [r for r in prepared.runs
                if reasons(r, entries.get(r.key), folder, options.force)]
        skipped = [r.key for r in prepared.runs if r not in todo]
        stale = bool(todo) or manifest.get("inputs") != prepared.inputs \
            or manifest.get("formats") != list(options.formats) \
            or not all((folder / n).is_file() for n in ("summary.csv", "summary.xlsx",
                                                         "index.html"))
        failed = _execute(todo, folder, options, manifest, progress,
                          lambda: _write_tables(prepared, stale)) if todo else {}
        if not todo and stale:
            _write_tables(prepared, stale)
        if stale:
            write_index(folder, _analysis(prepared), manifest.get("runs", {}),
                        prepared.edition, options.formats)
        manifest["inputs"], manifest["formats"] = prepared.inputs, list(options.formats)
        manifest["updated"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        write_manifest(folder, manifest)
        kept = _cache_path(folder, prepared.inputs)
        for old in folder.glob(f"{CACHE_PREFIX}*.pkl"):
            if old != kept:
                old.unlink(missing_ok=True)
    return BuildResult(folder, [r.key for r in todo if r.key not in failed], skipped, failed,
                       time.perf_counter() - started)


def _analysis(prepared: Prepared):
    """The analysis of these inputs: computed once per build, kept in the edition folder for
    the notebooks (and the next build) to read instead of computing it again."""
    cache = _cache_path(prepared.folder, prepared.inputs)
    if prepared.analysis is not None:
        return prepared.analysis
    from stpreport.analysis import analyse

    loaded = None
    if cache.is_file():
        try:
            loaded = pickle.loads(cache.read_bytes())[2]
        except (pickle.UnpicklingError, EOFError, AttributeError, IndexError):
            loaded = None
    if loaded is None:
        loaded = analyse(prepared.figures, prepared.assumptions)
        write_atomic(cache, pickle.dumps((prepared.figures, prepared.assumptions, loaded),
                                         protocol=pickle.HIGHEST_PROTOCOL))
    prepared.analysis = loaded
    return loaded


def _write_tables(prepared: Prepared, stale: bool) -> None:
    analysis = _analysis(prepared)  # also writes the cache the notebooks read
    if stale:
        write_snapshot(prepared.folder, prepared.figures)
        write_summaries(prepared.folder, analysis)


def job_for(run: Run, folder: Path, formats: tuple[str, ...]) -> dict:
    """What a worker needs to build one run (`worker.run_job`)."""
    return {"key": run.key, "notebook": str(run.notebook), "parameters": run.parameters,
            "folder": str(folder), "formats": formats}


def _execute(todo: list[Run], folder: Path, options: BuildOptions, manifest: dict,
             progress: Callable[[int, int, str, dict], None],
             meanwhile: Callable[[], None]) -> dict[str, str]:
    """Run `todo` in worker processes (`pool.py`); `meanwhile` runs here while they start."""
    failed: dict[str, str] = {}
    runs = {r.key: r for r in todo}
    jobs = [job_for(r, folder, options.formats)
            for r in sorted(todo, key=lambda r: r.key != NATIONAL)]  # the longest run first

    def finished(job: dict, result: dict) -> None:
        run = runs.pop(job["key"])
        if result["status"] != "ok":
            failed[run.key] = result["error"]
        _record(manifest, run, result)
        write_manifest(folder, manifest)
        progress(len(todo) - len(runs), len(todo), run.key, result)

    run_jobs(jobs, max(1, min(options.jobs, len(todo))), finished, meanwhile)
    return failed
