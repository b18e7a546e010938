"""The Dask executor: a LocalCluster of two workers on the loopback interface writes the same
bytes as the local pool, and a worker that dies fails (after its retries) only its briefing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import briefings, copy_figures, sabotaged_notebooks

from stpreport.pipeline.dask_executor import RETRIES
from stpreport.pipeline.runner import BuildOptions, BuildResult, run_build

CODES = ["E54000008", "E54000031", "E54000041"]
DOOMED = "E54000031"


@pytest.fixture(scope="module")
def setup(tmp_path_factory) -> tuple[Path, Path, Path]:
    """Figures for three footprints, and notebooks whose run for DOOMED kills the process
    that runs its kernel (the build worker, as the OOM killer would), noting each try."""
    root = tmp_path_factory.mktemp("dask")
    figures = copy_figures(root / "figures", CODES)
    tries = root / "tries.txt"
    notebooks = sabotaged_notebooks(
        root / "notebooks",
        f"import os, signal\nif footprint == {DOOMED!r}:\n"
        f"    open({str(tries)!r}, 'a').write('try\\n')\n"
        "    os.kill(os.getppid(), signal.SIGKILL)",
    )
    return figures, notebooks, tries


def build(setup, out: Path, **options) -> BuildResult:
    figures, notebooks, _ = setup
    return run_build(
        BuildOptions(
            figures=figures, out=out, edition="ed1", jobs=2, notebooks=notebooks, **options
        ),
        lambda *a: None,
    )


@pytest.fixture(scope="module")
def builds(setup, tmp_path_factory) -> dict[str, BuildResult]:
    out = tmp_path_factory.mktemp("builds")
    local = build(setup, out / "local")
    setup[2].write_text("")
    dask = build(setup, out / "dask", executor="dask")
    return {"local": local, "dask": dask}


def test_dask_writes_the_same_briefings_as_the_local_pool(builds):
    local, dask = briefings(builds["local"].folder), briefings(builds["dask"].folder)
    assert sorted(dask) == sorted(local)
    assert sorted(dask) == sorted(
        f"{k}.{f}" for k in ("E54000008", "E54000041", "national") for f in ("html", "pdf")
    )
    for name in local:
        assert dask[name] == local[name], name


def test_a_dask_worker_that_dies_fails_only_its_briefing_after_its_retries(builds, setup):
    result = builds["dask"]
    assert result.failed == {DOOMED: f"the build worker running it died ({RETRIES + 1} tries)"}
    assert sorted(result.ran) == ["E54000008", "E54000041", "national"]
    assert setup[2].read_text().count("try") == RETRIES + 1
    manifest = json.loads((result.folder / "manifest.json").read_text())
    assert manifest["runs"][DOOMED]["status"] == "failed"
    assert builds["local"].failed == {
        DOOMED: "the build worker running it died (killed by signal 9)"
    }


def test_no_local_path_reaches_a_briefing_built_on_dask(builds):
    for name, data in briefings(builds["dask"].folder).items():
        assert b"stpreport-stage-" not in data, name
    for path in builds["dask"].folder.glob("*.ipynb"):
        assert "stpreport-stage-" not in path.read_text(), path.name
