"""Where a command's CPU time goes: run it, and sum its processes' CPU seconds by kind.

    python benchmarks/cpu_split.py stpreport build --force --out /tmp/split

Polls /proc every 50 ms for the command and all its descendants (Linux only) and prints the
wall time, the CPU seconds of the main process, of the build's workers and of their kernels
(and of anything else, by command line), and the machine's idle and stolen CPU time over the
run. A process that lives less than 50 ms may be missed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from bench_build import descendants, proc_stats  # this folder is on the path as a script

TICK = os.sysconf("SC_CLK_TCK")


def _family(root: int) -> dict[int, tuple[float, str]]:
    """`root` and its descendants: pid: (CPU seconds so far, command line)."""
    stats = proc_stats()
    found = {}
    for pid in ({root} | descendants(root, stats)) & stats.keys():
        try:
            with open(f"/proc/{pid}/cmdline") as fh:
                command = fh.read().replace("\0", " ").strip()
        except OSError:
            continue
        found[pid] = ((int(stats[pid][11]) + int(stats[pid][12])) / TICK, command)
    return found


def _kind(pid: int, root: int, command: str) -> str:
    if pid == root:
        return "main"
    if "ipykernel" in command:
        return "kernels"
    if "multiprocessing" in command:
        return "workers"
    return command[:60] or "other"


def _cpu_times() -> list[int]:
    with open("/proc/stat") as fh:
        return [int(v) for v in fh.readline().split()[1:]]


def main() -> None:
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    started, before = time.perf_counter(), _cpu_times()
    process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
    seen: dict[int, tuple[float, str]] = {}  # pid: (CPU seconds, the command line first seen)
    while process.poll() is None:
        for pid, (cpu, command) in _family(process.pid).items():
            seen[pid] = (cpu, seen.get(pid, (0.0, ""))[1] or command)
        time.sleep(0.05)
    wall, after = time.perf_counter() - started, _cpu_times()
    kinds: dict[str, list[float]] = {}
    for pid, (cpu, command) in seen.items():
        total = kinds.setdefault(_kind(pid, process.pid, command), [0.0, 0])
        total[0] += cpu
        total[1] += 1
    print(f"wall {wall:.1f} s, exit code {process.returncode}")
    for kind, (cpu, count) in sorted(kinds.items(), key=lambda item: -item[1][0]):
        print(f"  {kind}: {cpu:.1f} CPU s in {count} process{'es' if count != 1 else ''}")
    idle, steal = (after[3] - before[3]) / TICK, (after[7] - before[7]) / TICK
    print(f"  idle {idle:.1f} CPU s, stolen {steal:.1f} CPU s (all cores)")


if __name__ == "__main__":
    main()
