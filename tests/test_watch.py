"""`stpreport build --watch`: what it watches, that it rebuilds on a save (a bad save is
refused and the watch goes on), and that Ctrl-C leaves nothing running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from click.testing import CliRunner
from helpers import copy_figures, read_rows, write_rows

from stpreport.cli import main
from stpreport.pipeline.watch import changes, snapshot, watched

CODE = "E54000031"


def test_it_watches_the_figures_and_assumptions_but_not_editors_temporary_files(tmp_path):
    figures = copy_figures(tmp_path / "figures", [CODE])
    params = tmp_path / "params.yaml"
    params.write_text("{}", encoding="utf-8")
    inputs = watched(figures, params)
    assert inputs.wants(figures / "schemes.csv") and inputs.wants(params)
    assert not inputs.wants(figures / ".schemes.csv.swp")
    assert not inputs.wants(figures / "~$schemes.csv")
    assert not inputs.wants(figures / "sub" / "schemes.csv")  # not the folders inside
    assert not inputs.wants(tmp_path / "other.yaml")
    workbook = tmp_path / "figures.xlsx"
    workbook.write_bytes(b"")
    inputs = watched(workbook, params)
    assert inputs.places == [tmp_path]  # a workbook is replaced when saved: its folder
    assert inputs.wants(workbook) and not inputs.wants(tmp_path / "~$figures.xlsx")


def test_a_change_is_seen_even_if_it_came_before_the_watching_began(tmp_path):
    figures = copy_figures(tmp_path / "figures", [CODE])
    inputs = watched(figures, None)
    before = snapshot(inputs)
    (figures / "schemes.csv").write_text("edited\n", encoding="utf-8")
    stop = threading.Event()
    threading.Timer(20, stop.set).start()  # never hangs the suite
    try:
        found = next(changes(inputs, before, stop))
    finally:
        stop.set()
    assert found == [figures / "schemes.csv"]


def test_watch_refuses_what_it_cannot_keep_watching():
    runner = CliRunner()
    said = runner.invoke(main, ["build", "--watch", "--executor", "dask"])
    assert said.exit_code == 2 and "--watch rebuilds one edition" in said.output
    said = runner.invoke(main, ["build", "--watch", "--scenario", "params/scenarios"])
    assert said.exit_code == 2 and "--watch rebuilds one edition" in said.output


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    if int(fh.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return found


def _ctrl_c_reaches_it() -> None:
    """In the child, before it runs: SIGINT as a terminal's Ctrl-C delivers it, whatever the
    suite inherited (a suite started in the background by a shell ignores SIGINT, and so would
    the watch, which Python then leaves ignored: the test's Ctrl-C would never arrive)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _edit_planned_saving(figures: Path, value: str) -> None:
    rows = read_rows(figures / "schemes.csv")
    next(r for r in rows if r["footprint"] == CODE)["planned_saving"] = value
    write_rows(figures / "schemes.csv", rows, list(rows[0]))


def test_build_watch_rebuilds_on_a_save_refuses_a_bad_one_and_stops_cleanly(tmp_path):
    figures = copy_figures(tmp_path / "figures", [CODE])
    command = [
        sys.executable,
        "-m",
        "stpreport.cli",
        "build",
        "--watch",
        "--figures",
        str(figures),
        "--out",
        str(tmp_path / "out"),
        "--edition",
        "watched",
        "--only",
        CODE,
        "--format",
        "html",
        "--jobs",
        "1",
    ]
    env = {**os.environ, "STPREPORT_CACHE_DIR": str(tmp_path / "cache")}
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=_ctrl_c_reaches_it,
    )
    said: list[str] = []

    def until(prefix: str) -> str:
        for line in process.stderr:
            said.append(line)
            if line.startswith(prefix):
                return line
        raise AssertionError("".join(said))

    try:
        assert "1 built" in process.stdout.readline()
        until("Watching")
        workers = _children(process.pid)
        assert workers  # kept, warm, between builds
        page = tmp_path / "out" / "watched" / f"{CODE}.html"
        first = page.read_bytes()
        _edit_planned_saving(figures, "lots")
        assert until("Changed") == "Changed: schemes.csv\n"
        until("Nothing was rebuilt: waiting for the next change.")
        assert any("schemes.csv row" in line and "planned_saving" in line for line in said)
        _edit_planned_saving(figures, "123.4")
        assert "1 built" in process.stdout.readline()
        assert page.read_bytes() != first
        assert set(_children(process.pid)) >= set(workers)  # the same workers built it
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(60)
        rest = process.stderr.read()
    assert code == 0, rest
    assert "Stopped watching: everything built so far is kept." in rest
    time.sleep(1.5)  # kernels poll their parent: gone within a second
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()
