"""The build's worker processes: replaced when they die, dying alone, failing cleanly."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from helpers import copy_figures, sabotaged_notebooks

from stpreport.pipeline.pool import run_tasks
from stpreport.pipeline.runner import BuildOptions, analysis, prepare, run_build, tasks_for
from stpreport.pipeline.task import Batch, Blob, Task

ROOT = Path(__file__).resolve().parent.parent
CODES = ["E54000008", "E54000031", "E54000041"]


@pytest.fixture(scope="module")
def figures(tmp_path_factory) -> Path:
    return copy_figures(tmp_path_factory.mktemp("fig") / "figures", CODES)


def fake_worker(conn, parent, level):
    """A worker without a kernel: answers each task at once; dies on the task keyed 'die'."""
    conn.send({"status": "ready"})
    while (message := conn.recv()) is not None:
        task, _ = message
        if task.key == "die":
            os.kill(os.getpid(), signal.SIGKILL)
        conn.send({"key": task.key, "status": "ok", "worker": os.getpid(), "build": task.build})


def test_a_dying_worker_fails_its_job_alone_and_is_replaced():
    results: dict[str, dict] = {}
    batch = Batch()
    notebook = batch.add_blob(Blob("fake.ipynb", (("", b"{}"),)))
    batch.tasks = [Task(k, notebook, {}, {}, {}, ("html",)) for k in ("a", "die", "b", "c", "d")]
    run_tasks(
        batch, 1, lambda task, result: results.setdefault(task.key, result), target=fake_worker
    )
    assert results["die"] == {
        "key": "die",
        "status": "failed",
        "error": "the build worker running it died (killed by signal 9)",
    }
    assert all(results[k]["status"] == "ok" for k in "abcd")
    assert results["a"]["worker"] != results["d"]["worker"]  # a replacement took over


@pytest.mark.parametrize(
    ("tasks", "jobs", "cores", "workers"),
    [(2, 2, 2, 1), (3, 2, 2, 1), (4, 2, 2, 2), (5, 2, 2, 2), (2, 2, 8, 2), (4, 8, 8, 4)],
)
def test_a_worker_starts_only_where_it_is_worth_its_start(tasks, jobs, cores, workers):
    """On two cores, one footprint and the national briefing run on one worker (another
    would take a core for its start-up as long as three packs); with cores to spare, every
    task gets its own, however many workers the pool may have."""
    results: dict[str, dict] = {}
    batch = Batch()
    notebook = batch.add_blob(Blob("fake.ipynb", (("", b"{}"),)))
    batch.tasks = [Task(str(i), notebook, {}, {}, {}, ("html",)) for i in range(tasks)]
    run_tasks(
        batch,
        jobs,
        lambda task, result: results.setdefault(task.key, result),
        target=slow_fake_worker,
        cores=cores,
    )
    assert len(results) == tasks
    assert len({r["worker"] for r in results.values()}) == workers


def slow_fake_worker(conn, parent, level):
    """`fake_worker`, each task taking a moment: time enough for another worker to start."""
    import time

    conn.send({"status": "ready"})
    while (message := conn.recv()) is not None:
        task, _ = message
        time.sleep(1.0)
        conn.send({"key": task.key, "status": "ok", "worker": os.getpid(), "build": task.build})


def test_workers_return_bytes_and_write_nothing(tmp_path, figures):
    options = BuildOptions(
        figures=figures, out=tmp_path / "pool", edition="ed1", jobs=2, formats=("html",)
    )
    prepared = prepare(options)
    analysis(prepared)  # the cache the notebooks read, as a build writes it
    results: dict[str, dict] = {}
    run_tasks(
        tasks_for(prepared.runs[:1], options.formats, "t"),
        1,
        lambda task, result: results.setdefault(task.key, result),
    )
    (result,) = results.values()
    assert result["status"] == "ok" and result["build"] == "t", result
    assert sorted(result["files"]) == ["E54000008.html", "E54000008.ipynb"]
    assert result["files"]["E54000008.html"].rstrip().endswith(b"</html>")
    assert not (tmp_path / "pool").exists()


def test_a_worker_that_dies_fails_only_the_briefing_it_was_running(tmp_path, figures):
    # the kernel's parent is the build worker: kill it, as the OOM killer would
    notebooks = sabotaged_notebooks(
        tmp_path / "notebooks",
        "import os, signal\nif footprint == 'E54000031':\n"
        "    os.kill(os.getppid(), signal.SIGKILL)",
    )
    result = run_build(
        BuildOptions(
            figures=figures,
            out=tmp_path / "out",
            edition="ed1",
            jobs=1,
            notebooks=notebooks,
            formats=("html",),
        ),
        lambda *a: None,
    )
    assert list(result.failed) == ["E54000031"]
    assert result.failed["E54000031"] == "the build worker running it died (killed by signal 9)"
    assert sorted(result.ran) == ["E54000008", "E54000041", "national"]


def test_a_kernel_that_cannot_start_fails_every_briefing_with_the_reason(
    tmp_path, figures, monkeypatch
):
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [shutil.which("false") or "/bin/false", "{connection_file}"],
                "display_name": "broken",
                "language": "python",
            }
        )
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))  # found before the real one
    result = run_build(
        BuildOptions(figures=figures, out=tmp_path / "out", edition="ed1", jobs=2), lambda *a: None
    )
    assert sorted(result.failed) == sorted([*CODES, "national"])
    assert not result.ran
    for error in result.failed.values():
        assert error.startswith("a build worker could not start its kernel: "), error


def test_a_kernel_that_dies_at_start_up_fails_only_the_briefing_it_was_for(
    tmp_path, figures, monkeypatch
):
    """The first two kernel launches die at once (the worker's own, then the first job's
    second try); the next ones start: that first job fails alone, the rest are built."""
    counter = tmp_path / "launches"
    wrapper = tmp_path / "kernel.py"
    wrapper.write_text(
        "import os, sys\n"
        f"path = {str(counter)!r}\n"
        "n = int(open(path).read()) + 1 if os.path.exists(path) else 1\n"
        "open(path, 'w').write(str(n))\n"
        "if n <= 2:\n    sys.exit(1)\n"
        "os.execv(sys.executable, [sys.executable, '-m', 'ipykernel_launcher', *sys.argv[1:]])\n"
    )
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, str(wrapper), "-f", "{connection_file}"],
                "display_name": "flaky",
                "language": "python",
            }
        )
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    result = run_build(
        BuildOptions(
            figures=figures, out=tmp_path / "out", edition="ed1", jobs=1, formats=("html",)
        ),
        lambda *a: None,
    )
    assert list(result.failed) == ["national"]  # the longest run goes first
    assert result.failed["national"].startswith("a build worker could not start its kernel: ")
    assert sorted(result.ran) == CODES


def keeping_worker(conn, parent, level):
    """A fake worker that also answers what a kept worker is told between runs: each result
    says which blobs it holds."""
    held: set[str] = set()
    conn.send({"status": "ready"})
    while (message := conn.recv()) is not None:
        if isinstance(message, dict):
            held &= set(message["keep"])
            continue
        task, blobs = message
        held |= set(blobs)
        conn.send(
            {
                "key": task.key,
                "status": "ok",
                "worker": os.getpid(),
                "held": sorted(held),
                "build": task.build,
            }
        )


def test_a_kept_pool_runs_the_next_batch_on_the_same_workers_holding_only_its_blobs():
    from stpreport.pipeline.pool import WorkerPool

    def batch_of(content: bytes, keys: list[str]) -> tuple[Batch, str]:
        batch = Batch()
        blob = batch.add_blob(Blob("fake.ipynb", (("", content),)))
        batch.tasks = [Task(k, blob, {}, {}, {}, ("html",)) for k in keys]
        return batch, blob

    first, old_blob = batch_of(b"{}", ["a", "b", "c"])
    second, new_blob = batch_of(b'{"edited": 1}', ["d", "e", "f", "g"])
    results: dict[str, dict] = {}
    pool = WorkerPool(2, target=keeping_worker, keep=True)
    try:
        pool.run(first, lambda task, result: results.setdefault(task.key, result))
        workers = {p.process.pid for p in pool.live}
        assert len(workers) == 2 and all(p.process.is_alive() for p in pool.live)
        pool.run(second, lambda task, result: results.setdefault(task.key, result))
        assert {p.process.pid for p in pool.live} == workers  # no worker started again
    finally:
        pool.close()
    assert all(results[k]["status"] == "ok" for k in "abcdefg")
    assert {results[k]["worker"] for k in "defg"} <= workers
    assert all(results[k]["held"] == [new_blob] for k in "defg")  # the old blob let go
    assert old_blob != new_blob
    assert not pool.live


def test_a_kept_worker_that_died_between_runs_is_replaced():
    from stpreport.pipeline.pool import WorkerPool

    batch = Batch()
    blob = batch.add_blob(Blob("fake.ipynb", (("", b"{}"),)))
    batch.tasks = [Task("a", blob, {}, {}, {}, ("html",))]
    results: dict[str, dict] = {}
    pool = WorkerPool(1, target=keeping_worker, keep=True)
    try:
        pool.run(batch, lambda task, result: results.setdefault(task.key, result))
        (dead,) = pool.live
        dead.process.kill()
        dead.process.join()
        batch.tasks = [Task("b", blob, {}, {}, {}, ("html",))]
        pool.run(batch, lambda task, result: results.setdefault(task.key, result))
    finally:
        pool.close()
    assert results["b"]["status"] == "ok" and results["b"]["worker"] != dead.process.pid


def test_the_kernel_spec_is_looked_up_where_jupyter_client_looks():
    """A worker finds its kernel's spec in the folders jupyter_client's default searches, in
    the same order, without importing IPython to name IPython's folder (`engine._kernel_specs`)."""
    from jupyter_client.kernelspec import KernelSpecManager

    from stpreport.pipeline.engine import _kernel_specs

    ours, default = _kernel_specs(), KernelSpecManager()
    assert ours.kernel_dirs == default.kernel_dirs
    assert (
        ours.get_kernel_spec("python3").resource_dir
        == default.get_kernel_spec("python3").resource_dir
    )


def test_a_worker_started_early_runs_the_build_and_one_not_needed_is_stopped():
    """`build` starts its first worker before it reads its inputs (`LocalPool.start_early`):
    the run uses that worker; a build that turns out to have nothing to run stops it."""
    from stpreport.pipeline.executors import LocalPool

    batch = Batch()
    notebook = batch.add_blob(Blob("fake.ipynb", (("", b"{}"),)))
    batch.tasks = [Task(k, notebook, {}, {}, {}, ("html",)) for k in ("a", "b")]
    results: dict[str, dict] = {}
    pool = LocalPool(2, target=fake_worker)
    pool.start_early()
    (early,) = pool.early.live
    try:
        pool.run(batch, 2, lambda task, result: results.setdefault(task.key, result))
    finally:
        pool.close()
    assert {r["worker"] for r in results.values()} == {early.process.pid}
    assert not early.process.is_alive()
    unused = LocalPool(2, target=fake_worker)
    unused.start_early()
    (idle,) = unused.early.live
    unused.close()
    assert not idle.process.is_alive() and unused.early is None


def test_a_build_starts_a_worker_early_only_where_an_input_is_newer_than_its_edition(
    tmp_path, monkeypatch
):
    from stpreport.cli import _pool_started_early
    from stpreport.pipeline.executors import LocalPool

    started: list[bool] = []
    monkeypatch.setattr(LocalPool, "start_early", lambda self: started.append(True))
    figures = tmp_path / "figures"
    figures.mkdir()
    (figures / "schemes.csv").write_text("footprint\n")
    out = tmp_path / "out"

    def early(force: bool = False) -> bool:
        started.clear()
        _pool_started_early(figures, None, out, "ed", 2, force, None)
        return bool(started)

    assert early()  # no edition yet: a first build
    (out / "ed").mkdir(parents=True)
    (out / "ed" / "manifest.json").write_text("{}")
    past = time.time() - 60
    for path in (figures, figures / "schemes.csv"):
        os.utime(path, (past, past))
    assert not early()  # nothing newer than the manifest: probably nothing to run
    assert early(force=True)
    (figures / "schemes.csv").write_text("footprint\nE54000008\n")  # an edit
    assert early()
    os.utime(figures / "schemes.csv", (past, past))
    (figures / "new.csv").write_text("")  # a file added (the folder changes too)
    assert early()
    started.clear()
    _pool_started_early(figures, None, out, "../x", 2, True, None)
    assert not started  # an edition name the build will refuse: no worker for it


def test_a_worker_leaves_papermills_cloud_storage_out_and_still_reads_local_notebooks(
    tmp_path,
):
    """Papermill imports its S3 handler (boto3) whenever boto3 is installed; a worker never
    reads notebooks from cloud storage, so it keeps those imports out of its start."""
    notebook = tmp_path / "n.ipynb"
    notebook.write_text(json.dumps(nbformat.v4.new_notebook()), encoding="utf-8")
    code = (
        "import sys\n"
        "from stpreport.pipeline.worker import CLOUD_STORAGE, _without_cloud_storage\n"
        "_without_cloud_storage()\n"
        "import papermill.iorw as io\n"
        "assert not any(sys.modules.get(m) for m in CLOUD_STORAGE), 'imported'\n"
        f"assert io.load_notebook_node({str(notebook)!r}).cells == []\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "ok", done.stderr
