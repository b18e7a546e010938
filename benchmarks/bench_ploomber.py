"""Benchmark: stpreport build against a Ploomber grid of the same footprint notebook.

    pip install -e '.[bench]'                          # ploomber, pinned
    # or in a venv beside the project's environment (ploomber brings its own Jupyter stack):
    #   python -m venv --system-site-packages /tmp/bench
    #   /tmp/bench/bin/pip install ploomber==0.23.3
    #   JUPYTER_PATH=$(python -c 'import sys; print(sys.prefix)')/share/jupyter \
    #       /tmp/bench/bin/python benchmarks/bench_ploomber.py
    # (nbconvert looks for its templates under the venv's prefix otherwise, and finds none)
    python benchmarks/bench_ploomber.py                # 6 footprints, a few minutes on 2 cores
    python benchmarks/bench_ploomber.py --footprints 3 --write

Runs notebooks/footprint.ipynb for the same N footprints two ways, each to the same outputs
(executed notebook, HTML, PDF), both with 2 processes:
  a. a Ploomber DAG: a grid of `NotebookRunner` tasks over the footprint codes (params
     footprint and edition), executor `Parallel(processes=2)`, each task writing the executed
     notebook and exporting it with our registered nbconvert exporters (`stpreport_html`,
     `stpreport_pdf`), the way a Ploomber user would;
  b. `stpreport build --only CODE ... --force --jobs 2`.
Prints a table (wall time, time per briefing, the ratio, peak memory); with --write, appends
it, with the date and machine, to docs/benchmark.md. The target (issue 14) is a >= 3x.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_build import FIGURES, ROOT, machine, timed

NOTEBOOK = ROOT / "notebooks" / "footprint.ipynb"
EDITION = "bench"
TARGET = 3.0
PROCESSES = 2


def ploomber_dag(codes: list[str], out: Path):
    """The Ploomber pipeline: one NotebookRunner per footprint, from a grid."""
    from ploomber import DAG
    from ploomber.executors import Parallel
    from ploomber.products import File
    from ploomber.tasks import NotebookRunner, TaskGroup

    dag = DAG(executor=Parallel(processes=PROCESSES))
    TaskGroup.from_grid(
        task_class=NotebookRunner,
        product_class=File,
        product_primitive={
            "nb": str(out / "[[footprint]].ipynb"),
            "html": str(out / "[[footprint]].html"),
            "pdf": str(out / "[[footprint]].pdf"),
        },
        task_kwargs={
            "source": NOTEBOOK,
            "nb_product_key": ["nb", "html", "pdf"],
            # Ploomber's pyflakes check rejects IPython's builtin `display`.
            "static_analysis": "disable",
            "nbconvert_exporter_name": {"html": "stpreport_html", "pdf": "stpreport_pdf"},
        },
        dag=dag,
        grid={"footprint": codes},
        params={"edition": EDITION},
        namer="[[footprint]]",  # products: out/CODE-i.ipynb, i the index in the grid
    )
    return dag


def run_ploomber(codes: list[str], out: Path) -> None:
    """Build the Ploomber DAG (in its own process, so PeakMemory sees it)."""
    out.mkdir(parents=True, exist_ok=True)
    ploomber_dag(codes, out).build(force=True, show_progress=False)  # raises if a task fails


def build_command(codes: list[str], out: Path) -> list[str]:
    only = [arg for code in codes for arg in ("--only", code)]
    return [
        sys.executable,
        "-m",
        "stpreport.cli",
        "build",
        *only,
        "--force",
        "--out",
        str(out),
        "--edition",
        EDITION,
        "--jobs",
        str(PROCESSES),
    ]


def outputs(folder: Path) -> dict[str, int]:
    """Executed notebooks, HTML and PDF briefings written under `folder` (not the index)."""
    return {
        ext: sum(1 for p in folder.rglob(f"*.{ext}") if p.stem != "index")
        for ext in ("ipynb", "html", "pdf")
    }


def briefing_seconds(manifest: Path) -> float:
    """Seconds the build's workers spent executing and rendering the briefings, summed."""
    runs = json.loads(manifest.read_text(encoding="utf-8"))["runs"].values()
    return sum(sum(run["seconds"].values()) for run in runs)


def sample(n: int) -> list[str]:
    with open(FIGURES / "footprints.csv", encoding="utf-8") as fh:
        codes = [r["code"] for r in csv.DictReader(fh)]
    step = max(1, len(codes) // n)
    return codes[::step][:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--footprints", type=int, default=6, help="footprints to brief")
    parser.add_argument(
        "--write", action="store_true", help="append the table, with date and machine, to --report"
    )
    parser.add_argument("--report", type=Path, default=ROOT / "docs" / "benchmark.md")
    parser.add_argument("--ploomber-only", type=Path, metavar="OUT", help=argparse.SUPPRESS)
    parser.add_argument("codes", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ploomber_only:  # the child process of a
        run_ploomber(args.codes, args.ploomber_only)
        return
    try:
        import ploomber
    except ImportError:
        raise SystemExit("needs ploomber: pip install -e '.[bench]'") from None

    codes = sample(args.footprints)
    n = len(codes)
    work = Path(tempfile.mkdtemp(prefix="stpreport-bench-ploomber-"))
    # Ploomber's telemetry (PostHog) and version check stay off for the run.
    os.environ |= {"PLOOMBER_STATS_ENABLED": "false", "PLOOMBER_VERSION_CHECK_DISABLED": "1"}
    try:
        # Each side starts from an empty cache of its own (the analysis, the draws and the
        # charts): the notebook uses the cache under either, and a cache warmed by an earlier
        # build of the same figures would spare one side work the other does.
        os.environ["STPREPORT_CACHE_DIR"] = str(work / "cache-ploomber")
        a_seconds, a_memory, _ = timed(
            [sys.executable, __file__, "--ploomber-only", str(work / "ploomber"), *codes]
        )
        a_made = outputs(work / "ploomber")
        os.environ["STPREPORT_CACHE_DIR"] = str(work / "cache-build")
        b_seconds, b_memory, _ = timed(build_command(codes, work / "build"))
        b_made = outputs(work / "build")
        b_briefing = briefing_seconds(work / "build" / EDITION / "manifest.json")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for name, made in (("ploomber", a_made), ("stpreport build", b_made)):
        if min(made.values()) < n:
            raise SystemExit(f"{name} wrote {made}, expected {n} of each")

    ratio = a_seconds / b_seconds
    made = lambda m: ", ".join(f"{v} {k}" for k, v in m.items())  # noqa: E731
    lines = [
        "## Against a Ploomber grid",
        "",
        f"Run {dt.datetime.now().isoformat(timespec='minutes')} on {machine()}, with "
        f"`python benchmarks/bench_ploomber.py --footprints {n}` (ploomber "
        f"{ploomber.__version__}). The same footprint notebook for the same {n} footprints, "
        f"each to an executed notebook, HTML and PDF, {PROCESSES} processes each side. "
        "`stpreport build --only` builds just those footprints: no national briefing; it also "
        "writes the index and summaries, counted in its time. Of b's wall time, its workers "
        f"spent {b_briefing:.1f} s (summed over workers) executing and rendering the briefings; "
        "the rest is the fixed start-up (figures read and the analysis computed once, kernels "
        "warmed) and the index, so the ratio grows with the number of footprints.",
        "",
        "| run | wall time (s) | briefings | time per briefing (s) | peak memory (MB) | wrote |",
        "|---|---:|---:|---:|---:|---|",
        f"| a. Ploomber grid, NotebookRunner x {n}, Parallel({PROCESSES}) | {a_seconds:.1f} | {n} "
        f"| {a_seconds / n:.2f} | {a_memory:.0f} | {made(a_made)} |",
        f"| b. stpreport build --only x {n} --force --jobs {PROCESSES} | {b_seconds:.1f} | {n} "
        f"| {b_seconds / n:.2f} | {b_memory:.0f} | {made(b_made)} |",
        "",
        "| target | met | measured |",
        "|---|---|---|",
        f"| a / b >= {TARGET:g} | {'yes' if ratio >= TARGET else 'NO'} | {ratio:.1f} |",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        with args.report.open("a", encoding="utf-8") as fh:
            fh.write("\n" + text)


if __name__ == "__main__":
    main()
