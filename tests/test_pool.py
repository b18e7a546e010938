"""The build's worker processes: retired and replaced, dying alone, failing cleanly."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import copy_figures

from stpreport.pipeline.pool import run_jobs
from stpreport.pipeline.runner import BuildOptions, _analysis, job_for, prepare, run_build

ROOT = Path(__file__).resolve().parent.parent
CODES = ["E54000008", "E54000031", "E54000041"]


def briefings(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())
            if p.suffix in (".html", ".pdf") and p.name != "index.html"}


@pytest.fixture(scope="module")
def figures(tmp_path_factory) -> Path:
    return copy_figures(tmp_path_factory.mktemp("fig") / "figures", CODES)


def test_retired_workers_are_replaced_and_build_the_same_bytes(tmp_path, figures):
    options = BuildOptions(figures=figures, out=tmp_path / "pool", edition="ed1", jobs=2)
    prepared = prepare(options)
    prepared.folder.mkdir(parents=True)
    _analysis(prepared)  # the cache the notebooks read, as a build writes it
    results: dict[str, dict] = {}
    run_jobs([job_for(r, prepared.folder, options.formats) for r in prepared.runs], 2,
             lambda job, result: results.setdefault(job["key"], result), retire_after=1)
    assert sorted(results) == sorted([*CODES, "national"])
    assert all(r["status"] == "ok" for r in results.values()), results
    # two workers, each retired after one briefing while more than one was waiting
    assert len({r["worker"] for r in results.values()}) >= 3

    reference = run_build(BuildOptions(figures=figures, out=tmp_path / "ref", edition="ed1",
                                       jobs=2), lambda *a: None)
    assert not reference.failed
    assert briefings(prepared.folder) == briefings(reference.folder)


def test_a_worker_that_dies_fails_only_the_briefing_it_was_running(tmp_path, figures):
    notebooks = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", notebooks)
    nb = json.loads((notebooks / "footprint.ipynb").read_text())
    # the kernel's parent is the build worker: kill it, as the OOM killer would
    nb["cells"].insert(2, {"cell_type": "code", "metadata": {}, "outputs": [],
                           "execution_count": None,
                           "source": "import os, signal\nif footprint == 'E54000031':\n"
                                     "    os.kill(os.getppid(), signal.SIGKILL)"})
    (notebooks / "footprint.ipynb").write_text(json.dumps(nb))
    result = run_build(BuildOptions(figures=figures, out=tmp_path / "out", edition="ed1",
                                    jobs=1, notebooks=notebooks, formats=("html",)),
                       lambda *a: None)
    assert list(result.failed) == ["E54000031"]
    assert result.failed["E54000031"] == \
        "the build worker running it died (killed by signal 9)"
    assert sorted(result.ran) == ["E54000008", "E54000041", "national"]


def test_a_kernel_that_cannot_start_fails_every_briefing_with_the_reason(
        tmp_path, figures, monkeypatch):
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps(
        {"argv": [shutil.which("false") or "/bin/false", "{connection_file}"],
         "display_name": "broken", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))  # found before the real one
    result = run_build(BuildOptions(figures=figures, out=tmp_path / "out", edition="ed1",
                                    jobs=2), lambda *a: None)
    assert sorted(result.failed) == sorted([*CODES, "national"])
    assert not result.ran
    for error in result.failed.values():
        assert error.startswith("a build worker could not start its kernel: "), error
