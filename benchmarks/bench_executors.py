"""Benchmark: the same forced build on the local pool and on a Dask LocalCluster, at 45 and
450 briefings, on this machine.

    python benchmarks/bench_executors.py            # about 20 minutes on 2 cores
    python benchmarks/bench_executors.py --sizes 45 # the small size only

Each run is `stpreport build --force --jobs <cores> --executor local|dask` into a fresh folder,
with a fresh analysis cache (so each computes the analysis once, as a first build does):

  45  the bundled figures: 44 footprint packs and the national briefing;
  450 the bundled footprints copied over (synthetic codes, names "(copy k)") to 449, and the
      national briefing.

Memory is sampled every 0.1 s from /proc: the peak of the main process alone, and of each of
its worker trees (a local worker and its kernel; a Dask nanny, its worker and that worker's
kernel). Prints a table and writes it, with the date and machine, to
docs/benchmark-executors.md.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import subprocess
import tempfile
import time
from pathlib import Path

from bench_build import ROOT, PeakMemory, build_command, machine, multiplied_figures

PAGE = os.sysconf("SC_PAGE_SIZE")


def _processes() -> dict[int, tuple[int, int]]:
    """pid: (parent pid, resident bytes), for every process."""
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
                out[int(entry)] = (int(fields[1]), int(fields[21]) * PAGE)
            except (OSError, IndexError, ValueError):
                continue
    return out


class TreeMemory(PeakMemory):
    """Peak resident memory of a process (`main`) alone and of each tree under one of its
    direct children, sampled until stopped."""

    def __init__(self, main: int, interval: float = 0.1):
        super().__init__(interval)
        self.main, self.main_peak = main, 0
        self.trees: dict[int, int] = {}  # direct child pid: peak of its tree

    def sample(self) -> None:
        procs = _processes()
        if self.main not in procs:
            return
        self.main_peak = max(self.main_peak, procs[self.main][1])
        children: dict[int, list[int]] = {}
        for pid, (parent, _) in procs.items():
            children.setdefault(parent, []).append(pid)
        for child in children.get(self.main, []):
            total, frontier = 0, [child]
            while frontier:
                pid = frontier.pop()
                total += procs[pid][1]
                frontier += children.get(pid, [])
            self.trees[child] = max(self.trees.get(child, 0), total)

    def workers_mb(self, at_least_mb: float = 50) -> list[float]:
        """Each worker tree's peak, largest first (small helpers, such as multiprocessing's
        resource tracker, left out)."""
        peaks = sorted((p / 2**20 for p in self.trees.values()), reverse=True)
        return [round(p) for p in peaks if p >= at_least_mb]


def trimmed_figures(dest: Path, footprints: int) -> Path:
    """The bundled figures copied over and cut to the first `footprints` footprints."""
    copies = -(-footprints // 44)
    folder = multiplied_figures(dest, copies)
    with (folder / "footprints.csv").open(encoding="utf-8", newline="") as fh:
        keep = {r["code"] for r in list(csv.DictReader(fh))[:footprints]}
    for name, column in (
        ("footprints", "code"),
        ("schemes", "footprint"),
        ("contracts", "footprint"),
    ):
        path = folder / f"{name}.csv"
        with path.open(encoding="utf-8", newline="") as fh:
            rows = [r for r in csv.DictReader(fh) if r[column] in keep]
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    return folder


def build(executor: str, figures: Path | None, work: Path) -> dict:
    out, cache = work / f"out-{executor}", work / f"cache-{executor}"
    command = [*build_command(out, figures, force=True), "--executor", executor]
    env = os.environ | {"STPREPORT_CACHE_DIR": str(cache)}
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    with TreeMemory(process.pid) as memory:
        _, stderr = process.communicate()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{stderr[-2000:]}")
    for line in stderr.splitlines():  # a worker that died and was replaced, say
        if line.startswith(("WARNING", "ERROR")):
            print(f"    {executor}: {line}", flush=True)
    briefings = sum(1 for _ in (out / "bench").glob("*.pdf"))
    return {
        "executor": executor,
        "seconds": seconds,
        "briefings": briefings,
        "main_mb": memory.main_peak / 2**20,
        "workers_mb": memory.workers_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="45,450", help="briefings per build: 45 and/or 450")
    parser.add_argument("--report", type=Path, default=ROOT / "docs" / "benchmark-executors.md")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    started = dt.datetime.now().strftime("%Y-%m-%dT%H:%M")
    rows = []
    with tempfile.TemporaryDirectory(prefix="stpreport-bench-") as tmp:
        work = Path(tmp)
        for size in sizes:
            figures = None if size == 45 else trimmed_figures(work / f"figures-{size}", size - 1)
            for executor in ("local", "dask"):
                result = build(executor, figures, work / f"{size}")
                rows.append({"size": size, **result})
                print(
                    f"{size:>4} {executor:<6} {result['seconds']:7.1f} s "
                    f"{result['briefings']} briefings, main {result['main_mb']:.0f} MB, "
                    f"workers {result['workers_mb']} MB",
                    flush=True,
                )
    per = {(r["size"], r["executor"]): r["seconds"] / r["briefings"] for r in rows}
    lines = [
        "# Executors: the local pool and Dask",
        "",
        f"Run {started} on {machine()}, with `python benchmarks/bench_executors.py"
        f"{'' if args.sizes == '45,450' else ' --sizes ' + args.sizes}`. Each run: "
        "`stpreport build --force --executor local|dask` (HTML and PDF), one worker a core, "
        "a fresh folder and a fresh analysis cache; Dask on a LocalCluster (one thread a "
        "worker process) on the loopback interface.",
        "",
        "| briefings | executor | wall time (s) | per briefing (s) | main process peak (MB) "
        "| each worker's peak, with its kernel (MB) |",
        "|---:|---|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['briefings']} | {r['executor']} | {r['seconds']:.1f} | "
            f"{per[(r['size'], r['executor'])]:.2f} | {r['main_mb']:.0f} | "
            f"{', '.join(str(m) for m in r['workers_mb'])} |"
        )
    if len(sizes) == 2:
        small, large = sizes
        lines += ["", "| executor | per briefing at 45 | at 450 | change |", "|---|---:|---:|---:|"]
        for executor in ("local", "dask"):
            a, b = per[(small, executor)], per[(large, executor)]
            lines.append(f"| {executor} | {a:.2f} s | {b:.2f} s | {100 * (b - a) / a:+.0f}% |")
    text = "\n".join(lines) + "\n"
    print(text)
    args.report.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
