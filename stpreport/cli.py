"""The `stpreport` command line."""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import functools
import gc
import logging
import os
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from stpreport.assumptions import default_assumptions_path, load_assumptions
from stpreport.errors import StpreportError
from stpreport.problems import InputError, Problem

FIGURES_HELP = "Folder of CSV files or an .xlsx workbook (default: the bundled figures)."
PARAMS_HELP = "Assumptions file (default: params/default.yaml)."


def _echo_problems(problems: list[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=problem.severity == "error")


class _Refused(Exception):
    """Refused, and why has been printed; `problems`: it was the figures or assumptions."""

    def __init__(self, problems: bool):
        super().__init__()
        self.problems = problems


@contextmanager
def _refusals_printed():
    """The one place refusals become output: bad figures or assumptions print every problem
    on its own line; any other `StpreportError` prints its message. Then `_Refused`."""
    try:
        yield
    except InputError as exc:
        _echo_problems(exc.problems)
        raise _Refused(problems=True) from None
    except StpreportError as exc:
        click.echo(str(exc), err=True)
        raise _Refused(problems=False) from None


@contextmanager
def _exit_on_bad_inputs(after: str | None = None):
    """Refusals printed (`_refusals_printed`), then, after bad inputs, `after`; exit 1."""
    try:
        with _refusals_printed():
            yield
    except _Refused as refused:
        if after and refused.problems:
            click.echo(after, err=True)
        sys.exit(1)


def _figures_or_exit(path: Path | None):
    with _exit_on_bad_inputs():
        from stpreport.inputs import load_figures

        return load_figures(path)


@functools.cache  # registered once, however many commands one process runs (tests)
def _exit_without_collecting() -> None:
    """At exit, freeze the heap out of the garbage collector's reach (`gc.freeze`) before
    Python's final collection, which otherwise walks every object pandas, SciPy and the
    analysis made: 0.17 s of every command's exit, for memory the operating system takes
    back anyway. Exit handlers, flushing and closing still run as usual."""
    atexit.register(gc.freeze)


ONE_THREAD = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")
"""Numerical libraries' thread pools, held to one thread in this process and the workers and
kernels it starts (unless set already), as Dask's nanny does for its workers: a build runs
one process per core, and OpenBLAS's own threads then take cores from the others. The full
analysis took 6.0 CPU s for 3.1 s with them, 3.4 CPU s for 2.7 s without (the same numbers to
the bit: docs/performance.md)."""


def _one_thread_per_process() -> None:
    """Set before NumPy is first imported (OpenBLAS reads it as it loads), and inherited."""
    for name in ONE_THREAD:
        os.environ.setdefault(name, "1")


@click.group()
@click.version_option(package_name="stpreport")
@click.option(
    "--verbose", "-v", count=True, help="Say what the build decides and why (-vv for more)."
)
def main(verbose: int = 0) -> None:
    """Honest briefings on England's Sustainability and Transformation Plans."""
    _exit_without_collecting()
    _one_thread_per_process()
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("stpreport").setLevel(level)


def _scenario_files(paths) -> tuple[Path, ...]:
    """Scenario files as given, a folder standing for every .yaml file in it."""
    files: list[Path] = []
    for path in paths:
        files += sorted(Path(path).glob("*.yaml")) if Path(path).is_dir() else [Path(path)]
    return tuple(files)


SCENARIO_HELP = (
    "A scenario file (params/scenarios/*.yaml), or a folder of them: the "
    "assumptions it changes, each "
    "with its source. Repeat for several."
)


@main.command()
@click.option("--figures", type=click.Path(path_type=Path), help=FIGURES_HELP)
@click.option("--params", type=click.Path(path_type=Path), help=PARAMS_HELP)
@click.option(
    "--scenario", "scenarios", multiple=True, type=click.Path(path_type=Path), help=SCENARIO_HELP
)
def validate(figures: Path | None, params: Path | None, scenarios: tuple[Path, ...]) -> None:
    """Check the figures, assumptions and scenarios; list every problem at once."""
    from stpreport.inputs import bundled_figures_path, check_figures
    from stpreport.scenarios import load_scenarios

    scenarios = _scenario_files(scenarios)
    location = figures or bundled_figures_path()
    loaded, problems = check_figures(location)
    try:
        load_assumptions(params)
        if scenarios:
            load_scenarios(list(scenarios), params)
    except InputError as exc:
        problems = problems + exc.problems
    _echo_problems(problems)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        click.echo(f"{len(errors)} problem(s): the figures cannot be used.", err=True)
        sys.exit(1)
    assert loaded is not None
    click.echo(
        f"valid: {len(loaded.footprints)} footprints, {len(loaded.schemes)} schemes, "
        f"{len(loaded.contracts)} contract lines ({location})"
        + (f"; {len(scenarios)} scenarios" if scenarios else "")
    )


@main.command()
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--filled", is_flag=True, help="Fill it with the figures, not blank.")
@click.option("--figures", type=click.Path(path_type=Path), help=FIGURES_HELP)
def template(out: Path, filled: bool, figures: Path | None) -> None:
    """Write an Excel workbook of the figures' sheets, blank or filled."""
    from stpreport.template import write_template

    if out.suffix.lower() != ".xlsx":
        raise click.UsageError(f"{out} must end in .xlsx")
    write_template(out, _figures_or_exit(figures) if filled else None)
    click.echo(f"wrote {out}")


@main.command()
@click.option("--figures", type=click.Path(path_type=Path), help=FIGURES_HELP)
def footprints(figures: Path | None) -> None:
    """List the footprints' codes and names."""
    loaded = _figures_or_exit(figures)
    for row in loaded.footprints.itertuples():
        click.echo(f"{row.code}  {row.name}")


@main.command()
def schema() -> None:
    """Print the input format (Markdown): every table, column, unit and rule."""
    from stpreport.schema import TABLES

    for table in TABLES.values():
        kind = "required" if table.required else "optional"
        click.echo(f"## {table.name} ({kind})\n\n{table.meaning}\n")
        click.echo("| column | type | unit | rule | meaning |\n|---|---|---|---|---|")
        for col in table.columns:
            click.echo(
                f"| {col.name} | {col.kind} | {col.unit} | {col.rule_text()} | {col.meaning} |"
            )
        click.echo("")


@main.command()
@click.option("--figures", type=click.Path(path_type=Path), help=FIGURES_HELP)
@click.option("--params", type=click.Path(path_type=Path), help=PARAMS_HELP)
def summary(figures: Path | None, params: Path | None) -> None:
    """Print the national figures and each footprint's key numbers."""
    from stpreport.analysis import analyse

    loaded = _figures_or_exit(figures)
    with _exit_on_bad_inputs():
        assumptions = load_assumptions(params)
    result = analyse(loaded, assumptions)
    _echo_summary(result, assumptions)


def _echo_summary(result, assumptions) -> None:
    from stpreport.formatting import chance, money, per_head, percent
    from stpreport.published import published_figures

    t = result.national["totals"]
    conf = percent(assumptions.confidence)
    click.echo(
        f"National ({t['footprints']} footprints, population {t['population']:,.0f})"
        + ("; ILLUSTRATIVE FIGURES" if t["illustrative"] else "")
    )
    for label, key in (
        ("do-nothing gap 2020/21", "do_nothing_gap"),
        ("standards recovery", "recovery_cost"),
        ("contracts (spending savings)", "contract_cost"),
        ("gap to close", "total_gap"),
        ("stated gap", "stated_gap"),
        ("planned savings", "planned_savings"),
        ("expected deliverable savings", "expected_savings"),
        ("honest gap (expected)", "honest_gap"),
        ("honest gap P50 (joint draws)", "national_p50"),
        (f"honest gap P{conf[:-1]} (joint draws)", "national_at_confidence"),
        (f"sum of footprint P{conf[:-1]}s", "sum_of_footprint"),
        ("lever menu (savings levers)", "lever_menu_savings"),
        ("still needing new money", "still_needed"),
    ):
        value = (
            t["national_sum_of_footprint_at_confidence"] if key == "sum_of_footprint" else t[key]
        )
        click.echo(f"  {label:<34} {money(value):>10}")
    click.echo(f"  {'honest gap per head':<34} {per_head(t['honest_gap_per_head']):>10}")
    click.echo(f"  {'chance the nation balances':<34} {chance(t['national_p_balance']):>10}")
    click.echo(
        f"  {'capital asked / national pot':<34} {money(t['capital_requested']):>10} / "
        f"{money(t['capital_pot'])}"
    )
    click.echo("  ratings: " + ", ".join(f"{k} {v}" for k, v in t["ratings"].items()))
    sens = result.sensitivity[result.sensitivity["code"] == "national"].head(3)
    click.echo(
        "  largest sensitivities: "
        + "; ".join(f"{r['label']} ({money(r['swing'])})" for r in sens.to_dict("records"))
    )
    pub = published_figures()
    pub = pub[pub["code"].isin(result.summary.index)]
    kinds = pub.groupby("field")["code"].nunique()
    click.echo(
        f"  footprints with a published figure: {pub['code'].nunique()} ("
        + ", ".join(f"{k} {v}" for k, v in kinds.items())
        + ")"
    )
    click.echo(f"  stated gaps entered as published: {t['stated_gaps_published']}")
    click.echo("")
    for code, row in result.national["league"].iterrows():
        click.echo(
            f"{int(row['rank']):>3} ({int(row['rank_low']):>2}-{int(row['rank_high']):>2})"
            f" {code} {row['name'][:40]:<40} honest gap {money(row['honest_gap']):>8} "
            f"({per_head(row['honest_gap_per_head'])} per head)  "
            f"P(balance) {chance(row['p_balance']):>8}  {row['rating']}"
        )


def _formats(value: str) -> tuple[str, ...]:
    formats = tuple(f.strip() for f in value.split(",") if f.strip())
    unknown = set(formats) - {"html", "pdf"}
    if unknown or not formats:
        raise click.BadParameter(f"{value!r}: give html, pdf or html,pdf")
    return formats


@main.command()
@click.argument("notebook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the output (default: beside the notebook).",
)
@click.option(
    "--format", "formats", default="html,pdf", show_default=True, help="html, pdf or html,pdf."
)
def render(notebook: Path, out: Path | None, formats: str) -> None:
    """Render one executed briefing notebook to HTML and PDF."""
    from stpreport.render import render_notebook

    for path in render_notebook(notebook, out or notebook.parent, _formats(formats)):
        click.echo(f"wrote {path}")


def _jobs(jobs: int | None) -> int:
    """Worker processes for a build: as asked, or one per core."""
    return jobs or os.cpu_count() or 1


def _build_options(
    figures, params, out, edition, only, formats, jobs, force, notebooks, replace, scenarios=()
):
    from stpreport.pipeline.options import BuildOptions

    return BuildOptions(
        figures=figures,
        params=params,
        out=out,
        edition=edition,
        only=list(only) or None,
        formats=_formats(formats),
        jobs=_jobs(jobs),
        force=force,
        notebooks=notebooks,
        replace=replace,
        scenarios=tuple(scenarios),
    )


def _build_arguments(command):
    options = [
        click.option("--figures", type=click.Path(path_type=Path), help=FIGURES_HELP),
        click.option("--params", type=click.Path(path_type=Path), help=PARAMS_HELP),
        click.option(
            "--out",
            type=click.Path(file_okay=False, path_type=Path),
            default=Path("reports"),
            show_default=True,
            help="Output folder.",
        ),
        click.option("--edition", help="Edition label (default: today's date)."),
        click.option(
            "--only",
            multiple=True,
            metavar="CODE",
            help="Only this footprint (repeat for more; 'national' for the briefing).",
        ),
        click.option("--format", "formats", default="html,pdf", show_default=True),
        click.option(
            "--jobs",
            type=click.IntRange(1, 64),
            default=None,
            help="Parallel workers (default: the number of cores).",
        ),
        click.option("--force", is_flag=True, help="Rebuild everything."),
        click.option(
            "--replace",
            is_flag=True,
            help="Rebuild an edition built from other figures from these ones.",
        ),
        click.option(
            "--notebooks",
            type=click.Path(exists=True, file_okay=False, path_type=Path),
            help="Folder with your own footprint.ipynb and national.ipynb.",
        ),
        click.option(
            "--scenario",
            "scenarios",
            multiple=True,
            type=click.Path(path_type=Path),
            help=SCENARIO_HELP
            + " Each is built into a folder of the edition, beside a comparison.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@main.command()
@_build_arguments
@click.option(
    "--executor",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="Where the briefings run: worker processes here, or Dask (pip install -e '.[dask]').",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="With --executor dask: a running Dask scheduler (e.g. tcp://10.0.0.5:8786); "
    "without it, a local cluster of --jobs workers.",
)
@click.option(
    "--watch",
    is_flag=True,
    help="After building, keep the workers and their kernels, and build again each time the "
    "figures, the assumptions or the notebooks change (into the same edition); Ctrl-C stops.",
)
def build(
    figures,
    params,
    out,
    edition,
    only,
    formats,
    jobs,
    force,
    notebooks,
    replace,
    scenarios,
    executor,
    scheduler,
    watch,
) -> None:
    """Build every briefing (HTML, PDF, executed notebook), the index and the summaries; with
    --scenario, also every briefing under each scenario, and their comparison."""
    scenarios = _scenario_files(scenarios)
    if scheduler and executor != "dask":
        raise click.UsageError("--scheduler is for --executor dask")
    if watch and (scenarios or executor != "local"):
        raise click.UsageError(
            "--watch rebuilds one edition with local workers: build scenarios, or on Dask, "
            "without it"
        )
    pool = None
    if executor == "local" and not watch:  # before the imports below: pandas, SciPy, ...
        pool = _pool_started_early(figures, params, out, edition, jobs, force, notebooks)
    options = _build_options(
        figures, params, out, edition, only, formats, jobs, force, notebooks, replace, scenarios
    )
    options = dataclasses.replace(options, executor=executor, scheduler=scheduler)
    if (  # where no input is newer than the manifest: perhaps nothing to build at all
        not watch and (pool is None or pool.early is None) and _answered_from_manifest(options)
    ):
        return  # (no worker was started)
    from stpreport.pipeline.progress import Progress
    from stpreport.pipeline.runner import run_build
    from stpreport.scenarios import load_scenarios

    if watch:
        _watch(options)
        return
    results = []
    try:
        with _exit_on_bad_inputs("Nothing was built: the inputs above must be fixed first."):
            named = load_scenarios(list(scenarios), params) if scenarios else []
        with (
            _exit_on_bad_inputs("Nothing was built: the inputs above must be fixed first."),
            Progress() as progress,
        ):
            result = run_build(options, progress.update, pool)
        results.append(result)
        for scenario, path in zip(named, scenarios, strict=True):
            overlay = dataclasses.replace(
                options,
                out=result.folder,
                edition=scenario.name,
                scenario=path,
                scenarios=(),
                replace=True,
            )
            with _exit_on_bad_inputs(), Progress() as progress:
                results.append(run_build(overlay, progress.update))
    except OSError as exc:
        click.echo(
            f"{_cannot_write(exc, out)}. Nothing already built was changed; choose another "
            "--out or free some space.",
            err=True,
        )
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo(
            "Interrupted: everything finished so far is kept; run the build again to "
            "finish the rest.",
            err=True,
        )
        sys.exit(130)
    finally:
        if pool is not None:
            pool.close()
    for result in results:
        _echo_result(result)
    if any(result.failed for result in results):
        sys.exit(1)


def _answered_from_manifest(options) -> bool:
    """A build with nothing to do, said so from the edition's manifest, without importing or
    reading anything of the analysis (`pipeline/settled.py`); False: build the whole way."""
    from stpreport.pipeline.settled import settled_build

    result = settled_build(options)
    if result is not None:
        _echo_result(result)
    return result is not None


def _pool_started_early(figures, params, out, edition, jobs, force, notebooks):
    """The local workers for the build, the first already starting where the build will
    probably run briefings (forced, or an input newer than the edition's manifest:
    `Edition.changed_since`): its kernel, the critical path of a one-off rebuild, then starts
    beside this process's imports and reading of the figures. The bundled figures change
    only with stpreport itself, which rebuilds everything anyway."""
    from stpreport.pipeline.edition import Edition, edition_name
    from stpreport.pipeline.executors import LocalPool

    pool = LocalPool(_jobs(jobs))
    try:
        target = Edition(out.resolve(), edition_name(edition))
    except StpreportError:  # said by the build
        return pool
    inputs = [p for p in (figures, params or default_assumptions_path(), notebooks) if p]
    if force or target.changed_since(inputs):
        pool.start_early()
    return pool


def _cannot_write(exc: OSError, out: Path) -> str:
    """What a build that could not write says: where, and why."""
    return f"cannot write the reports to {exc.filename or out}: {exc.strerror or exc}"


def _echo_result(result) -> None:
    click.echo(
        f"{result.folder}: {len(result.ran)} built, {len(result.skipped)} up to "
        f"date, {len(result.failed)} failed in {result.seconds:.1f}s"
    )
    for key, error in sorted(result.failed.items()):
        click.echo(f"FAILED {key}: {error}", err=True)


def _watch(options) -> None:
    """`build --watch`: build now, then after each change to the inputs, into the same
    edition, with the same workers (`pipeline/watch.py`). A refusal (bad figures, say) is
    printed and the watch goes on: the next save that fixes it builds. Ctrl-C stops."""
    from stpreport.pipeline.executors import LocalPool
    from stpreport.pipeline.progress import Progress
    from stpreport.pipeline.runner import run_build, warm_up
    from stpreport.pipeline.watch import changes, snapshot, watched

    inputs = watched(options.figures, options.params, options.notebooks)
    pool = LocalPool(options.jobs, keep=True)

    def build_once() -> None:
        nonlocal options
        try:
            with _refusals_printed(), Progress() as progress:
                result = run_build(options, progress.update, pool)
        except _Refused:
            click.echo("Nothing was rebuilt: waiting for the next change.", err=True)
            return
        except OSError as exc:
            click.echo(f"{_cannot_write(exc, options.out)}. Waiting for the next change.", err=True)
            return
        _echo_result(result)
        # later builds: the same edition, whatever the date, from the figures as edited
        options = dataclasses.replace(
            options, edition=result.folder.name, force=False, replace=True
        )

    before = snapshot(inputs)
    try:
        build_once()
        pool.warm()  # workers and kernels ready for the first change, whatever that build ran
        with contextlib.suppress(StpreportError, InputError):  # said by the build already
            warm_up(options)
        click.echo(
            "Watching "
            + ", ".join(str(p) for p in sorted(inputs.folders | inputs.files))
            + " for changes (Ctrl-C stops).",
            err=True,
        )
        for changed in changes(inputs, before):
            click.echo("Changed: " + ", ".join(p.name for p in changed), err=True)
            build_once()
    except KeyboardInterrupt:
        click.echo("Stopped watching: everything built so far is kept.", err=True)
    finally:
        pool.close()


@main.command()
@_build_arguments
def explain(
    figures, params, out, edition, only, formats, jobs, force, notebooks, replace, scenarios
) -> None:
    """Say what a build would run, and why."""
    from stpreport.pipeline.runner import explain as plan

    options = _build_options(
        figures,
        params,
        out,
        edition,
        only,
        formats,
        jobs,
        force,
        notebooks,
        replace,
        _scenario_files(scenarios),
    )
    with _exit_on_bad_inputs():
        plan_ = plan(options)
    for key, why in plan_:
        click.echo(f"{key:<10} " + ("run: " + "; ".join(why) if why else "up to date"))
    click.echo(f"{sum(1 for _, w in plan_ if w)} of {len(plan_)} would run")


@main.command()
@click.argument("edition_a")
@click.argument("edition_b")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports"),
    show_default=True,
    help="Folder holding the editions.",
)
def diff(edition_a: str, edition_b: str, out: Path) -> None:
    """What changed from EDITION_A to EDITION_B: figures and key numbers, footprint by
    footprint."""
    from stpreport.pipeline.compare import compare_editions
    from stpreport.pipeline.edition import Edition

    with _exit_on_bad_inputs():
        lines = compare_editions(Edition(out, edition_a), Edition(out, edition_b))
    for line in lines:
        click.echo(line)


if __name__ == "__main__":
    main()
