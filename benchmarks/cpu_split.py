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

from bench_build import proc_stats  # this folder is on the path when run as a script

TICK = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, float, str]]:
    """pid: (parent pid, CPU seconds so far, command line)."""
    found = {}
    for pid, fields in proc_stats().items():
        try:
            with open(f"/proc/{pid}/cmdline") as fh:
                command = fh.read().replace("\0", " ").strip()
        except OSError:
            continue
        found[pid] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK, command)
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
        table = _processes()
        family, grown = {process.pid}, True
        while grown:
            grown = False
            for pid, (parent, _, _) in table.items():
                if parent in family and pid not in family:
                    family.add(pid)
                    grown = True
        for pid in family & table.keys():
            seen[pid] = (table[pid][1], seen.get(pid, (0.0, ""))[1] or table[pid][2])
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
