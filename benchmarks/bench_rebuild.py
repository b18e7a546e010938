"""The benchmark's d (one footprint's schemes changed, a one-off rebuild), repeated: for
before/after comparisons on a machine whose speed drifts.

    python benchmarks/bench_rebuild.py 3

Builds the bundled figures once (`--force`, timed: b), keeps that analysis cache, then, for
each trial, puts the edition and the cache back as they were after b, raises E54000031's first
planned saving by £5m (as `bench_build.change_one_footprint` does) and times
`stpreport build --figures F --replace`. Prints b and each trial's d. To compare two versions,
run it from each checkout (for example a `git worktree` with `PYTHONPATH` set to it), turn
about, a few rounds each.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench_build import build_command, built, change_one_footprint, copy_figures, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trials", type=int, nargs="?", default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="stpreport-rebuild-"))
    os.environ["STPREPORT_CACHE_DIR"] = str(work / "cache")
    out, original, changed = work / "out", copy_figures(work / "original"), work / "changed"
    try:
        started = time.perf_counter()
        run(build_command(out, original, force=True))
        b = time.perf_counter() - started
        shutil.copytree(work / "cache", work / "cache-after-b")

        def cache_as_after_b() -> None:
            shutil.rmtree(work / "cache")
            shutil.copytree(work / "cache-after-b", work / "cache")

        trials = []
        for _ in range(args.trials):
            cache_as_after_b()
            run(build_command(out, original))  # the edition back to the original figures
            cache_as_after_b()  # the changed figures' analysis computed again, as in d
            shutil.rmtree(changed, ignore_errors=True)
            shutil.copytree(original, changed)
            change_one_footprint(changed)
            started = time.perf_counter()
            said = run(build_command(out, changed))
            trials.append(time.perf_counter() - started)
        print(
            f"b {b:.1f} s; d {', '.join(f'{t:.2f}' for t in trials)} s "
            f"({built(said)} briefings each) [{sys.executable}]"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
