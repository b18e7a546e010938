"""The benchmark's d (one footprint's schemes changed, a one-off rebuild), repeated: for
before/after comparisons on a machine whose speed drifts.

    python benchmarks/bench_rebuild.py 3                          # this checkout, 3 trials
    python benchmarks/bench_rebuild.py 8 --trees /tmp/before .    # two checkouts, alternated

Each side (this checkout, or each `--trees` checkout: a `git worktree` of another commit, run
with `PYTHONPATH` set to it, so its `stpreport` is the one imported by the build, its workers
and their kernels) builds the bundled figures once (`--force`, timed: b) into a folder and an
analysis cache of its own, and keeps that cache. Then, in each round, every side runs one trial
in an order shuffled afresh (so that the machine's drift falls on both alike): put the edition
and the cache back as they were after b, raise E54000031's first planned saving by £5m (as
`bench_build.change_one_footprint` does) and time `stpreport build --figures F --replace`.
Prints each side's b, trials, mean and median. Each side's modules are compiled to bytecode
first (as `bench_build.compile_bytecode`).
"""

from __future__ import annotations

import argparse
import compileall
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench_build import ROOT, build_command, built, change_one_footprint, copy_figures, run


@dataclass
class Side:
    """One checkout under test, with its own edition and caches under `work`."""

    tree: Path | None  # None: the stpreport this Python imports (this checkout)
    work: Path
    b: float = 0.0
    trials: list[float] = field(default_factory=list)
    briefings: set[int] = field(default_factory=set)

    @property
    def name(self) -> str:
        return str(self.tree) if self.tree else str(ROOT)

    def env(self) -> dict[str, str]:
        env = {**os.environ, "STPREPORT_CACHE_DIR": str(self.work / "cache")}
        if self.tree is not None:
            env["PYTHONPATH"] = os.pathsep.join(
                [str(self.tree), *filter(None, [os.environ.get("PYTHONPATH")])]
            )
        return env

    def build(self, figures: Path, force: bool = False) -> str:
        return run(build_command(self.work / "out", figures, force=force), env=self.env())

    def cache_as_after_b(self) -> None:
        shutil.rmtree(self.work / "cache", ignore_errors=True)
        shutil.copytree(self.work / "cache-after-b", self.work / "cache")


def checkout(path: str) -> Path:
    tree = Path(path).resolve()
    if not (tree / "stpreport" / "__init__.py").is_file():
        raise SystemExit(f"{path}: not a checkout of stpreport (no stpreport/__init__.py)")
    return tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trials", type=int, nargs="?", default=3, help="trials per side")
    parser.add_argument(
        "--trees", nargs="+", type=checkout, metavar="CHECKOUT", help="checkouts to alternate"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="stpreport-rebuild-"))
    trees: list[Path | None] = list(args.trees or [None])
    sides = [Side(tree, work / f"side-{i}") for i, tree in enumerate(trees)]
    original, changed = copy_figures(work / "original"), work / "changed"
    try:
        for side in sides:
            compileall.compile_dir((side.tree or ROOT) / "stpreport", quiet=1)
            side.work.mkdir()
            started = time.perf_counter()
            side.build(original, force=True)
            side.b = time.perf_counter() - started
            shutil.copytree(side.work / "cache", side.work / "cache-after-b")
        for _ in range(args.trials):
            for side in random.sample(sides, len(sides)):
                side.cache_as_after_b()
                side.build(original)  # the edition back to the original figures
                side.cache_as_after_b()  # the changed figures' analysis computed again, as in d
                shutil.rmtree(changed, ignore_errors=True)
                shutil.copytree(original, changed)
                change_one_footprint(changed)
                started = time.perf_counter()
                said = side.build(changed)
                side.trials.append(time.perf_counter() - started)
                side.briefings.add(built(said))
        for side in sides:
            print(
                f"{side.name}: b {side.b:.1f} s; d {', '.join(f'{t:.2f}' for t in side.trials)}"
                f" s (mean {statistics.mean(side.trials):.2f}, median "
                f"{statistics.median(side.trials):.2f}; "
                f"{'/'.join(map(str, sorted(side.briefings)))} briefings each) [{sys.executable}]"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
