"""`stpreport build`: every briefing, in parallel, rebuilt only when its inputs change.

The figures and assumptions are checked before anything is touched. The edition is locked
(`edition.py`), the runs are planned (`plan.py`), and the ones whose fingerprint changed go,
as self-contained tasks (`task.py`), to an executor (`executors.py`: worker processes here,
each with a warm kernel, or Dask). Workers render in memory and send the bytes back; this
process alone writes them into the edition, atomically, and records them in the manifest at
least once a second (and when interrupted), so an interrupted build loses nothing already
built and the next one redoes only what is missing. A failing briefing fails alone: its last
good outputs stay, marked stale in the index.

An edition remembers the figures it was built from: a build of the same edition from other
figures is refused unless `replace` is set, so two sets of figures never mix in one edition.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stpreport.assumptions import Assumptions, default_assumptions_path
from stpreport.digests import library_versions
from stpreport.errors import EditionRefused
from stpreport.fingerprint import figures_fingerprint
from stpreport.inputs import Figures, bundled_figures_path, load_figures
from stpreport.paths import shown_path
from stpreport.pipeline import cache, settled
from stpreport.pipeline.edition import (
    TABLES,
    Edition,
    edition_name,
    now,
)
from stpreport.pipeline.executors import Executor, executor_for
from stpreport.pipeline.options import BuildOptions, BuildResult
from stpreport.pipeline.outputs import index_file, snapshot_files, summary_files
from stpreport.pipeline.plan import NATIONAL, Run, inputs_fingerprint, plan_runs, reasons
from stpreport.pipeline.task import Batch, Task, task_for
from stpreport.problems import InputError, Problem
from stpreport.scenarios import load_scenarios, scenario_assumptions

log = logging.getLogger(__name__)

MANIFEST_EVERY = 1.0
"""Seconds between rewrites of the manifest while results come in (and once at the end). Each
rewrite is the whole manifest, so one per result grows with the square of the build: about
5 minutes of this process's time at 5,000 briefings. A build killed with -9 in between keeps
every file it wrote; the next build redoes the few not yet recorded."""


@dataclass
class Prepared:
    options: BuildOptions
    figures: Figures
    assumptions: Assumptions
    edition: Edition
    manifest: dict  # what this build will record, besides the runs
    runs: list[Run] | None  # None until planned (`planned`): planning needs the analysis
    inputs: str  # fingerprint of all the figures, the assumptions and the package
    analysis: Any = None  # computed (or read from the cache) at most once, when needed
    plan_options: dict = field(default_factory=dict)  # for `plan_runs`, besides the analysis
    candidates: int = 0  # how many runs the plan considers (before skipping any)

    @property
    def folder(self) -> Path:
        return self.edition.folder

    @property
    def cache_entry(self) -> Path:
        return cache.entry_path(self.inputs, self.options.cache)


def _check_figures(edition: Edition, manifest: dict, figures: str, replace: bool) -> None:
    """Refuse to mix two sets of figures in one edition (unless told to replace them)."""
    recorded = manifest.get("figures_fingerprint")
    if recorded and recorded != figures and not replace:
        raise EditionRefused(
            f"edition {edition.name} was built from other figures: build a new edition with "
            f"--edition NAME, or rebuild this one from these figures with --replace"
        )


def _previous_scenario(edition: Edition) -> Edition | None:
    """A scenario's edition lives in its base edition's folder (`<out>/<base>/<scenario>`):
    its previous edition is the same scenario in the base edition's previous edition."""
    base = Edition.at(edition.out).previous()
    if base is None:
        return None
    same = Edition(base.folder, edition.name)
    return same if same.exists() else None


def prepare(options: BuildOptions, *, plan: bool = True) -> Prepared:
    """Check everything and plan the build (unless `plan` is False: `planned` does it later);
    raises before anything is written."""
    figures_path = (options.figures or bundled_figures_path()).resolve()
    params_path = (options.params or default_assumptions_path()).resolve()
    problems: list[Problem] = []
    figures = assumptions = None
    try:
        figures = load_figures(figures_path)
    except InputError as exc:
        problems += exc.problems
    scenario = options.scenario.resolve() if options.scenario else None
    scenarios = tuple(p.resolve() for p in options.scenarios)
    try:
        assumptions = scenario_assumptions(params_path, scenario)
        if scenarios:
            load_scenarios(list(scenarios), params_path)
    except InputError as exc:
        problems += exc.problems
    if problems:
        raise InputError(problems)
    assert figures is not None and assumptions is not None
    codes = figures.codes
    if options.only:
        unknown = [c for c in options.only if c not in codes and c != NATIONAL]
        if unknown:
            raise InputError(
                [
                    Problem(
                        "--only",
                        f"is not a footprint in "
                        f"{shown_path(figures_path)} (see stpreport footprints)",
                        value=c,
                    )
                    for c in unknown
                ]
            )
        codes = [c for c in codes if c in options.only]
    edition = Edition(options.out.resolve(), edition_name(options.edition))
    manifest = edition.manifest()
    figures_print = figures_fingerprint(figures, None)
    _check_figures(edition, manifest, figures_print, options.replace)
    previous = _previous_scenario(edition) if scenario else edition.previous()
    previous_runs = previous.manifest().get("runs", {}) if previous else {}
    build_date = manifest.get("build_date") or dt.date.today().isoformat()
    inputs = inputs_fingerprint(figures, params_path, scenario)
    include_national = not options.only or NATIONAL in options.only
    plan_options = {
        "figures_path": figures_path,
        "params_path": params_path,
        "codes": codes,
        "include_national": include_national,
        "formats": options.formats,
        "edition": edition.name,
        "build_date": build_date,
        "previous": previous.folder if previous else None,
        "notebooks": options.notebooks.resolve() if options.notebooks else None,
        "analysis_cache": cache.entry_path(inputs, options.cache),
        "previous_fingerprints": {k: v.get("good") or "" for k, v in previous_runs.items()},
        "scenario": scenario,
        "scenarios": scenarios,
    }
    recorded = {
        "edition": edition.name,
        "build_date": build_date,
        "previous": previous.name if previous else None,
        "figures": shown_path(figures_path),
        "params": shown_path(params_path),
        "figures_fingerprint": figures_print,
        **({"scenario": shown_path(scenario)} if scenario else {}),
        **({"scenarios": [shown_path(p) for p in scenarios]} if scenarios else {}),
    }
    prepared = Prepared(
        options,
        figures,
        assumptions,
        edition,
        recorded,
        None,
        inputs,
        plan_options=plan_options,
        candidates=len(codes) + int(include_national),
    )
    if plan:
        planned(prepared)
    return prepared


def planned(prepared: Prepared) -> list[Run]:
    """The runs, planned once the analysis is known: each pack's fingerprint holds the slice
    of the national figures it quotes (`plan.national_slice`)."""
    if prepared.runs is None:
        result = analysis(prepared)
        started = time.perf_counter()
        prepared.runs = plan_runs(prepared.figures, result, **prepared.plan_options)
        log.info("planned %d runs: %.2f s", len(prepared.runs), time.perf_counter() - started)
    return prepared.runs


def explain(options: BuildOptions) -> list[tuple[str, list[str]]]:
    prepared = prepare(options)
    entries = prepared.edition.manifest().get("runs", {})
    return [
        (run.key, reasons(run, entries.get(run.key), prepared.edition.has, options.force))
        for run in planned(prepared)
    ]


# -- the main side --------------------------------------------------------------------------
def _record(manifest: dict, run: Run, result: dict) -> None:
    entries = manifest.setdefault("runs", {})
    old = entries.get(run.key, {})
    entry = {
        "fingerprint": run.fingerprint,
        "components": run.components,
        "outputs": list(run.outputs),
        "status": result["status"],
        "seconds": result.get("seconds", {}),
        "error": result.get("error"),
        "good": run.fingerprint if result["status"] == "ok" else old.get("good"),
    }
    entries[run.key] = entry


def run_build(
    options: BuildOptions,
    progress: Callable[[int, int, str, dict], None],
    executor: Executor | None = None,
) -> BuildResult:
    """Build the edition. When the analysis is already cached, the build plans first and
    starts workers only for what must run (a no-change rebuild starts none); otherwise a
    first worker starts and its kernel warms up while this process computes the analysis
    and plans (`pool.EARLY_WORKERS`). `executor` runs the briefings (default: the one
    `options` name, for this build alone); `build --watch` passes one that keeps its
    workers between builds."""
    started = time.perf_counter()
    settling = settled.inputs_digest(options)  # before the inputs are read: as they were then
    prepared = prepare(options, plan=False)
    edition = prepared.edition
    with edition.locked():
        manifest = edition.manifest()  # again, now that no other build can change it
        settled.unsettle(edition, manifest)
        _check_figures(edition, manifest, prepared.manifest["figures_fingerprint"], options.replace)
        if "sequence" not in manifest:
            manifest["sequence"] = edition.next_sequence()
            manifest["previous"] = prepared.manifest["previous"]
        manifest |= {k: v for k, v in prepared.manifest.items() if k != "previous"}
        manifest.setdefault("created", now())
        manifest["versions"] = library_versions()
        decided: dict[str, Any] = {}

        def decide() -> list[Run]:
            entries = manifest.get("runs", {})
            todo = []
            for run in planned(prepared):
                why = reasons(run, entries.get(run.key), edition.has, options.force)
                if why:
                    todo.append(run)
                    log.info("%s: runs (%s)", run.key, "; ".join(why))
                else:
                    log.info("%s: up to date, skipped", run.key)
            decided["todo"] = todo
            decided["stale"] = (
                bool(todo)
                or manifest.get("inputs") != prepared.inputs
                or manifest.get("formats") != list(options.formats)
                or not all(edition.has(n) for n in TABLES)
            )
            return todo

        def tables() -> None:
            if decided["stale"]:
                _write_tables(prepared)

        if _cached(prepared):
            todo = decide()
            failed = _execute(todo, prepared, manifest, progress, tables, executor) if todo else {}
            if not todo:
                tables()
        else:
            log.info("the analysis is not cached: a worker starts while it is computed")
            # the tables are written once the other workers have been started
            failed = _execute(decide, prepared, manifest, progress, tables, executor)
        todo = decided["todo"]
        if decided["stale"]:
            edition.write_all(
                index_file(
                    analysis(prepared), manifest.get("runs", {}), edition.name, options.formats
                )
            )
        manifest["inputs"], manifest["formats"] = prepared.inputs, list(options.formats)
        manifest["updated"] = now()
        settled.settle(manifest, settling, [r.key for r in prepared.runs or []], failed)
        edition.write_manifest(manifest)
    runs = prepared.runs or []
    return BuildResult(
        edition.folder,
        [r.key for r in todo if r.key not in failed],
        [r.key for r in runs if r not in todo],
        failed,
        time.perf_counter() - started,
    )


def warm_up(options: BuildOptions) -> None:
    """Analyse the current inputs in this process, not for a build but so that the next build
    here finds SciPy and pandas imported and each footprint's simulation kept
    (`uncertainty.KEEP_FOOTPRINTS`): `build --watch` does it before it starts watching."""
    from stpreport.analysis import analyse

    prepared = prepare(options, plan=False)
    analyse(*_public(prepared.figures, prepared.assumptions), cache.DrawFiles(options.cache))


def _cached(prepared: Prepared) -> bool:
    """Whether the analysis could be read from the cache (it is then kept)."""
    if prepared.analysis is None:
        entry = cache.read(prepared.cache_entry, prepared.inputs)
        if entry is not None:
            prepared.analysis = entry.analysis
    return prepared.analysis is not None


def _public(figures: Figures, assumptions: Assumptions) -> tuple[Figures, Assumptions]:
    """The figures and assumptions as the briefings show them: where they came from as a
    name relative to the project (or just a file name), never a local absolute path."""
    return (
        dataclasses.replace(figures, location=shown_path(figures.location)),
        dataclasses.replace(assumptions, location=shown_path(assumptions.location)),
    )


def _analyse(figures: Figures, assumptions: Assumptions, inputs: str, folder: Path | None):
    """The analysis of these inputs: computed once, kept in the analysis cache (`cache.py`,
    outside the edition) for the notebooks and the next build to read."""

    def compute() -> cache.Cached:
        from stpreport.analysis import analyse

        shown_figures, shown_assumptions = _public(figures, assumptions)
        draws = cache.DrawFiles(folder)  # a changed footprint is drawn, the others are read
        result = analyse(shown_figures, shown_assumptions, draws)
        draws.prune()
        return cache.Cached(shown_figures, shown_assumptions, result)

    started = time.perf_counter()
    cached, _ = cache.load_or_compute(inputs, compute, folder)
    log.info("the analysis: %.2f s", time.perf_counter() - started)
    return cached.analysis


def analysis(prepared: Prepared):
    """The analysis of the prepared build (computed, or read from the cache, by `prepare`)."""
    if prepared.analysis is None:
        prepared.analysis = _analyse(
            prepared.figures, prepared.assumptions, prepared.inputs, prepared.options.cache
        )
    return prepared.analysis


def _write_tables(prepared: Prepared) -> None:
    result = analysis(prepared)
    started = time.perf_counter()
    prepared.edition.write_snapshot(snapshot_files(prepared.figures))
    prepared.edition.write_all(summary_files(result, prepared.manifest["build_date"]))
    log.info("the summary tables and figures snapshot: %.2f s", time.perf_counter() - started)


def tasks_for(runs: list[Run], formats: tuple[str, ...], build: str = "") -> Batch:
    """The self-contained tasks of `runs` (`task.py`), the longest (national) first; `build`
    is the token of the build that holds the edition, which a result must carry to be
    written."""
    batch = Batch()
    for run in sorted(runs, key=lambda r: r.key != NATIONAL):
        task_for(batch, run.key, run.notebook, run.parameters, formats, build)
    return batch


def _execute(
    todo: list[Run] | Callable[[], list[Run]],
    prepared: Prepared,
    manifest: dict,
    progress: Callable[[int, int, str, dict], None],
    meanwhile: Callable[[], None] = lambda: None,
    executor: Executor | None = None,
) -> dict[str, str]:
    """Run `todo` on the build's executor (`executors.py`: the local pool, or Dask);
    `meanwhile` runs here while its workers start. `todo` may be a function that works the
    runs out: then a first worker starts, it is called while that worker warms up, and
    `meanwhile` once the others have been started. Each result's files are written here,
    into the edition this build holds."""
    edition, options = prepared.edition, prepared.options
    failed: dict[str, str] = {}
    runs: dict[str, Run] = {}
    total = [0]
    token = secrets.token_hex(8)

    def tasks_of(todo: list[Run]) -> Batch:
        runs.update((r.key, r) for r in todo)
        total[0] = len(todo)
        return tasks_for(todo, options.formats, token)

    def finished(task: Task, result: dict) -> None:
        run = runs.pop(task.key)
        files = result.pop("files", None)
        if result["status"] == "ok":
            if result.get("build") != token or set(files or {}) != set(run.outputs):
                result = {
                    "key": run.key,
                    "status": "failed",
                    "error": "a worker answered for another build",
                }
            else:
                try:
                    edition.write_all(files)
                except OSError as exc:
                    result = {
                        "key": run.key,
                        "status": "failed",
                        "error": f"could not write {exc.filename or edition.folder}: "
                        f"{exc.strerror or exc}",
                    }
        if result["status"] != "ok":
            failed[run.key] = result["error"]
        _record(manifest, run, result)
        if time.monotonic() - saved[0] >= MANIFEST_EVERY:
            save()
        progress(total[0] - len(runs), total[0], run.key, result)

    saved = [time.monotonic()]

    def save() -> None:
        edition.write_manifest(manifest)
        saved[0] = time.monotonic()

    executor = executor or executor_for(options.executor, options.jobs, options.scheduler)
    try:
        if callable(todo):
            plan = todo
            executor.run(lambda: tasks_of(plan()), prepared.candidates, finished, meanwhile)
        else:
            executor.run(tasks_of(todo), len(todo), finished, meanwhile)
    finally:
        save()  # also when interrupted: what finished is recorded
    return failed
