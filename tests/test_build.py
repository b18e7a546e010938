"""`stpreport build`: incremental, isolated failures, atomic, deterministic, locked."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from helpers import copy_figures, read_rows, sabotaged_notebooks, write_rows
from pypdf import PdfReader

from stpreport.cli import main
from stpreport.pipeline.runner import BuildOptions, run_build

ROOT = Path(__file__).resolve().parent.parent
CODES = ["E54000008", "E54000031", "E54000041"]
SUMMARY = [
    "code",
    "name",
    "region",
    "population",
    "rating",
    "nhse_rating",
    "do_nothing_gap",
    "recovery_cost",
    "contract_mismatch",
    "contract_cost",
    "total_gap",
    "stated_gap",
    "planned_savings",
    "expected_savings",
    "honest_gap",
]


def build(out: Path, figures: Path | None = None, **options):
    options = {"edition": "ed1", "jobs": 2} | options
    return run_build(BuildOptions(figures=figures, out=out, **options), lambda *args: None)


def outputs(folder: Path) -> dict[str, bytes]:
    return {
        p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.suffix in (".html", ".pdf")
    }


def assert_whole(folder: Path) -> None:
    """Every report present is complete: no truncated PDF or HTML, no temporary file left
    where a report should be."""
    for path in folder.glob("*.pdf"):
        assert path.read_bytes().rstrip().endswith(b"%%EOF"), path
        PdfReader(path)
    for path in folder.glob("*.html"):
        assert path.read_text(encoding="utf-8").rstrip().endswith("</html>"), path


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    return copy_figures(tmp_path_factory.mktemp("fig") / "figures", CODES)


@pytest.fixture(scope="module")
def first_build(tmp_path_factory, small):
    out = tmp_path_factory.mktemp("out")
    result = build(out, small)
    return out, result


def test_build_writes_every_output(first_build):
    out, result = first_build
    folder = out / "ed1"
    assert sorted(result.ran) == sorted([*CODES, "national"]) and not result.failed
    for stem in [*CODES, "national"]:
        for suffix in (".html", ".pdf", ".ipynb"):
            assert (folder / f"{stem}{suffix}").is_file()
    summary = pd.read_csv(folder / "summary.csv")
    assert list(summary.columns[: len(SUMMARY)]) == SUMMARY and len(summary) == 3
    assert pd.read_excel(folder / "summary.xlsx").shape[0] == 3
    manifest = json.loads((folder / "manifest.json").read_text())
    assert {k: v["status"] for k, v in manifest["runs"].items()} == dict.fromkeys(
        [*CODES, "national"], "ok"
    )
    assert manifest["versions"]["typst"] and manifest["runs"]["national"]["fingerprint"]
    index = (folder / "index.html").read_text()
    assert all(f'href="{c}.html"' in index for c in CODES)
    assert (folder / "figures" / "schemes.csv").is_file()
    assert_whole(folder)


def test_no_change_rebuild_runs_nothing(first_build, small):
    out, _ = first_build
    before = outputs(out / "ed1")
    result = build(out, small)
    assert result.ran == [] and len(result.skipped) == 4
    assert outputs(out / "ed1") == before


def test_one_changed_scheme_rebuilds_that_footprint_and_the_national_briefing(
    tmp_path, first_build, small
):
    out = tmp_path / "out"
    shutil.copytree(first_build[0], out)
    figures = copy_figures(tmp_path / "figures", CODES)
    rows = read_rows(figures / "schemes.csv")
    row = next(r for r in rows if r["footprint"] == "E54000031")
    row["planned_saving"] = str(float(row["planned_saving"]) + 5)
    write_rows(figures / "schemes.csv", rows)
    explain = CliRunner().invoke(
        main,
        ["explain", "--figures", str(figures), "--out", str(out), "--edition", "ed1", "--replace"],
    )
    assert "E54000031  run: figures changed" in explain.output
    assert "2 of 4 would run" in explain.output
    before = json.loads((out / "ed1" / "manifest.json").read_text())["runs"]
    result = build(out, figures, replace=True)
    after = json.loads((out / "ed1" / "manifest.json").read_text())["runs"]
    changed = {k for k in after if after[k]["fingerprint"] != before[k]["fingerprint"]}
    assert changed == {"E54000031", "national"} == set(result.ran)


def test_a_failing_footprint_fails_alone_and_keeps_its_last_good_pack(tmp_path, first_build, small):
    out = tmp_path / "out"
    shutil.copytree(first_build[0], out)
    good = (out / "ed1" / "E54000041.pdf").read_bytes()
    notebooks = sabotaged_notebooks(
        tmp_path / "notebooks",
        "if footprint == 'E54000041':\n"
        "    raise ValueError('the figures for this footprint are odd')",
    )
    result = CliRunner().invoke(
        main,
        [
            "build",
            "--figures",
            str(small),
            "--out",
            str(out),
            "--edition",
            "ed1",
            "--notebooks",
            str(notebooks),
            "--jobs",
            "2",
        ],
    )
    assert result.exit_code == 1
    # Cell 3 of the executed notebook: papermill's parameters cell comes before it.
    assert (
        "FAILED E54000041: cell 3 of E54000041.ipynb (if footprint == 'E54000041': raise "
        "ValueError('the figures …): ValueError: the figures for this footprint are odd"
        in result.output
    ), result.output
    assert "2 built, 1 up to date, 1 failed" in result.output  # national: notebook unchanged
    assert (out / "ed1" / "E54000041.pdf").read_bytes() == good
    index = (out / "ed1" / "index.html").read_text()
    assert "failed: showing last good pack (stale)" in index
    manifest = json.loads((out / "ed1" / "manifest.json").read_text())["runs"]["E54000041"]
    assert manifest["status"] == "failed" and "odd" in manifest["error"]


def test_outputs_are_byte_identical_across_builds_and_alone_or_in_a_batch(
    tmp_path, first_build, small
):
    batch = outputs(first_build[0] / "ed1")
    again = tmp_path / "again"
    build(again, small)
    assert outputs(again / "ed1") == batch
    alone = tmp_path / "alone"
    build(alone, small, only=["E54000031"], jobs=1)
    for suffix in (".html", ".pdf"):
        name = f"E54000031{suffix}"
        assert (alone / "ed1" / name).read_bytes() == batch[name]


def test_a_renderer_that_warmed_up_writes_the_same_bytes(first_build):
    """A worker renders a throw-away briefing while its kernel starts (`render.warm_up`); a
    process that did not renders a pack to the same bytes."""
    folder = first_build[0] / "ed1"
    script = (
        "import sys, nbformat\n"
        "from stpreport import render\n"
        "if sys.argv[2] == 'warm':\n"
        "    render.warm_up()\n"
        "nb = nbformat.read(sys.argv[1], as_version=4)\n"
        "for name, data in render.render_formats(nb, 'pack').items():\n"
        "    sys.stdout.write(name + ' ' + data.hex() + '\\n')\n"
    )
    rendered = {
        how: subprocess.run(
            [sys.executable, "-c", script, str(folder / "E54000031.ipynb"), how],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for how in ("cold", "warm")
    }
    assert rendered["cold"] == rendered["warm"]
    files = dict(line.split(" ") for line in rendered["warm"].splitlines())
    assert bytes.fromhex(files["pack.pdf"]) == (folder / "E54000031.pdf").read_bytes()
    assert bytes.fromhex(files["pack.html"]) == (folder / "E54000031.html").read_bytes()


def test_kernels_ignore_the_builders_ipython_profile(tmp_path, monkeypatch):
    """A kernel runs none of the builder's IPython startup files or configuration, and writes
    nothing into the builder's IPython folder (its history, above all)."""
    from stpreport.pipeline.engine import WarmKernel

    mine = tmp_path / "ipython"
    startup = mine / "profile_default" / "startup"
    startup.mkdir(parents=True)
    marker = tmp_path / "ran"
    (startup / "00-mine.py").write_text(f"open({str(marker)!r}, 'w').close()\nPLANTED = 1\n")
    (mine / "profile_default" / "ipython_kernel_config.py").write_text(
        "c.InteractiveShellApp.exec_lines = ['PLANTED = 2']\n"
    )
    before = sorted(p.relative_to(mine) for p in mine.rglob("*"))
    monkeypatch.setenv("IPYTHONDIR", str(mine))
    with WarmKernel() as kernel:
        client = kernel.get().blocking_client()
        client.start_channels()
        seen: list[str] = []
        try:
            client.execute_interactive(
                "print('PLANTED' in dir(), get_ipython().profile_dir.location)",
                output_hook=lambda m: seen.append(m["content"].get("text", "")),
                timeout=60,
            )
        finally:
            client.stop_channels()
    planted, location = "".join(seen).split()
    assert planted == "False" and not marker.exists()
    assert not location.startswith(str(mine))
    assert sorted(p.relative_to(mine) for p in mine.rglob("*")) == before  # no history.sqlite


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "stpreport.cli", *args]


def test_killed_build_leaves_whole_reports_and_the_next_build_finishes_it(
    tmp_path, first_build, small
):
    out = tmp_path / "out"
    proc = subprocess.Popen(
        _cli(
            "build", "--figures", str(small), "--out", str(out), "--edition", "ed1", "--jobs", "2"
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 120
    while time.time() < deadline and not list((out / "ed1").glob("*.pdf")):
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert_whole(out / "ed1")
    result = build(out, small)
    assert not result.failed
    assert outputs(out / "ed1") == outputs(first_build[0] / "ed1")


def test_a_build_interrupted_mid_briefing_says_so_in_one_line(tmp_path, small):
    """Ctrl-C at the terminal (SIGINT to the whole foreground group) while workers are
    executing briefings: the build says it was interrupted and what is kept, with no
    traceback from the workers' abandoned notebook runs."""
    out, running = tmp_path / "out", tmp_path / "running"
    running.mkdir()
    notebooks = sabotaged_notebooks(  # two packs stay mid-cell until interrupted
        tmp_path / "notebooks",
        f"if footprint != 'E54000008':\n"
        f"    import pathlib, time\n"
        f"    pathlib.Path({str(running)!r}, footprint).touch()\n"
        f"    time.sleep(120)",
    )
    command = _cli("build", "--figures", str(small), "--out", str(out), "--edition", "ed1")
    proc = subprocess.Popen(
        [*command, "--notebooks", str(notebooks), "--jobs", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.time() + 120
    while time.time() < deadline and len(list(running.iterdir())) < 2:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    said = stdout + stderr
    assert proc.returncode == 130, said
    assert "Interrupted: everything finished so far is kept" in said
    assert "Traceback" not in said and "ERROR" not in said, said
    assert_whole(out / "ed1")
    assert not (out / "ed1" / "E54000031.pdf").exists()  # cut off, so not published


def test_a_second_build_into_the_same_folder_is_refused(tmp_path, small):
    out = tmp_path / "out"
    first = subprocess.Popen(
        _cli(
            "build",
            "--figures",
            str(small),
            "--out",
            str(out),
            "--edition",
            "ed1",
            "--only",
            "E54000008",
            "--jobs",
            "1",
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.time() + 60  # the lock is the kernel's, on the edition folder itself
    while time.time() < deadline and not (out / "ed1").is_dir():
        time.sleep(0.05)
    time.sleep(0.5)
    second = subprocess.run(
        _cli("build", "--figures", str(small), "--out", str(out), "--edition", "ed1"),
        capture_output=True,
        text=True,
    )
    assert second.returncode == 1
    assert "another stpreport build" in second.stderr and "is writing to" in second.stderr
    assert first.wait(timeout=120) == 0, first.stdout.read()
    assert_whole(out / "ed1")


def test_bad_figures_build_nothing(tmp_path, first_build, small):
    out = tmp_path / "out"
    shutil.copytree(first_build[0], out)
    before = {p: p.read_bytes() for p in (out / "ed1").rglob("*") if p.is_file()}
    broken = copy_figures(tmp_path / "broken", CODES)
    rows = read_rows(broken / "schemes.csv")
    rows[0]["planned_saving"] = "-5"
    write_rows(broken / "schemes.csv", rows)
    result = CliRunner().invoke(
        main, ["build", "--figures", str(broken), "--out", str(out), "--edition", "ed1"]
    )
    assert result.exit_code == 1
    assert "schemes.csv row 2, column planned_saving: '-5' must be >= 0" in result.output
    after = {p: p.read_bytes() for p in (out / "ed1").rglob("*") if p.is_file()}
    assert after == before
    unknown = CliRunner().invoke(
        main, ["build", "--figures", str(small), "--out", str(out), "--only", "../../x"]
    )
    assert unknown.exit_code == 1 and "--only: '../../x' is not a footprint" in unknown.output


def test_a_new_edition_says_what_changed_and_diff_prints_it(tmp_path, first_build, small):
    out = tmp_path / "out"
    shutil.copytree(first_build[0], out)
    figures = copy_figures(tmp_path / "figures", CODES)
    rows = read_rows(figures / "footprints.csv")
    rows[0]["stated_gap_nhs"] = "999"
    write_rows(figures / "footprints.csv", rows)
    run_build(
        BuildOptions(figures=figures, out=out, edition="ed2", jobs=2, formats=("html",)),
        lambda *a: None,
    )
    html = (out / "ed2" / "E54000008.html").read_text()
    assert "Compared with edition ed1." in html and "stated_gap_nhs" in html
    diff = CliRunner().invoke(main, ["diff", "ed1", "ed2", "--out", str(out)])
    assert diff.exit_code == 0
    assert "E54000008 Cheshire and Merseyside" in diff.output
    assert "footprints E54000008 stated_gap_nhs: '958.0' -> '999.0'" in diff.output


@pytest.mark.slow
def test_full_build_of_the_bundled_figures(tmp_path):
    result = run_build(BuildOptions(out=tmp_path, edition="full", jobs=2), lambda *a: None)
    assert not result.failed and len(result.ran) == 45
    folder = tmp_path / "full"
    assert len(list(folder.glob("E54*.pdf"))) == 44 and (folder / "national.pdf").is_file()
    assert len(pd.read_csv(folder / "summary.csv")) == 44
    assert_whole(folder)
