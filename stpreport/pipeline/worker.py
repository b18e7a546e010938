"""One build worker: a process that owns a warm kernel and turns jobs into rendered bytes.

A worker imports what executing and rendering need (Papermill, nbconvert, Typst) and
nothing of the analysis (no pandas, no scipy in this process): it starts while the main
process computes the analysis, on the same cores. Its kernel is launched first, so the
worker's own imports, and a throw-away render that loads the exporters' templates and fonts
(`render.warm_up`), overlap the kernel's warm-up.

The main side (`pool.py`) sends jobs down a pipe; the worker answers each with a result that
carries the briefing's files as bytes. A worker writes nothing to the edition: only the main
process, which holds the edition's lock, does (`edition.py`). So a worker orphaned by a main
process killed with -9 cannot overwrite a later build's work; and it does not outlive its
parent anyway: it asks for SIGTERM when its parent dies (`die_with_parent`), and its
kernel, polling its own parent, follows within a second.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import logging
import os
import signal
import sys
import textwrap
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from stpreport.pipeline.task import Blob, Stage, Task, staged

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Ask Linux to send this process SIGTERM when its parent dies (prctl PR_SET_PDEATHSIG);
    leave at once if the parent has already gone. Elsewhere, the closed pipe stops it."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:
        raise SystemExit(0)


def _stop(signum, frame) -> None:
    """SIGTERM: the build was interrupted (or its main process died). Unwind through `serve`,
    which shuts the kernel down. A briefing cut off mid-run leaves nbclient's tasks pending
    on a kernel that is going: asyncio would log each as a traceback ("Task exception was
    never retrieved ... DeadKernelError") over the build's own one-line message."""
    logging.getLogger("asyncio").disabled = True
    raise SystemExit(128 + signum)


CLOUD_STORAGE = ("boto3", "botocore")
"""Papermill imports its S3 handler whenever boto3 is installed (papermill.iorw): 0.2-0.3 CPU
seconds of each worker's start (docs/performance.md). A worker reads and writes notebooks only
in its own staging folder, never in cloud storage."""


def _without_cloud_storage() -> None:
    """Keep Papermill's cloud storage handlers out of this worker: a module set to None in
    `sys.modules` is one that cannot be imported, so Papermill leaves its S3 handler out as it
    does where boto3 is not installed. Only in a local build worker, a process of our own:
    never in a process that serves others (a Dask worker)."""
    for name in CLOUD_STORAGE:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def serve(conn: Connection, parent: int | None = None, log_level: int = logging.WARNING) -> None:
    """The worker process: start a kernel, say so, then run jobs from `conn` until told to
    stop (None) or the pipe closes. The kernel is shut down however the worker leaves,
    SIGTERM included. A kernel that will not start fails the job it was wanted for, not the
    worker: each job tries once more."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    signal.signal(signal.SIGTERM, _stop)
    die_with_parent(parent if parent is not None else os.getppid())
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("stpreport").setLevel(log_level)
    _without_cloud_storage()
    from stpreport.pipeline.engine import WarmKernel

    stage, held = Stage(), {}  # the inputs staged for the notebooks, and as sent
    with WarmKernel() as kernel, contextlib.closing(stage):
        try:
            kernel.start()
        except Exception as exc:  # tried again by the first job
            log.warning("worker %d: its kernel did not start (%s)", os.getpid(), exc)
        import papermill  # noqa: F401  (imported while the kernel starts)

        import stpreport.render

        try:  # while the kernel starts: the first briefing then renders as fast as the rest
            stpreport.render.warm_up()
        except Exception as exc:  # the briefings will say what is wrong, each on its own
            log.warning("worker %d: rendering did not warm up (%s)", os.getpid(), exc)
        try:
            kernel.get()
        except Exception as exc:
            log.warning("worker %d: its kernel did not start (%s)", os.getpid(), exc)
        conn.send({"status": "ready"})
        while True:
            try:
                job = conn.recv()
            except EOFError:  # the main process has gone
                break
            if job is None:
                break
            if isinstance(job, dict):  # a kept worker, between builds: what it may forget
                keep = set(job.get("keep", ()))
                held = {d: b for d, b in held.items() if d in keep}
                stage.prune(keep)
                continue
            task, blobs = job
            held.update(blobs)
            conn.send(run_task(task, held, kernel, stage))
    gc.freeze()  # leaving: no final collection over what Papermill and nbconvert made (cli.py)


def _kernel_ready(kernel: Any) -> str | None:
    """None once the kernel is warm; otherwise why not, after one more try."""
    error = ""
    for _ in range(2):
        try:
            kernel.get()
            return None
        except Exception as exc:
            kernel.shutdown()
            error = f"{type(exc).__name__}: {exc}"
    return error


def run_task(task: Task, blobs: dict[str, Blob], kernel: Any, stage: Stage) -> dict:
    """Execute one briefing and render it; returns its files as bytes, never raises. The
    result carries the task's build token: the main process writes only its own build's."""
    return _run(task, blobs, kernel, stage) | {"key": task.key, "build": task.build}


def _failed(error: str) -> dict:
    return {"status": "failed", "error": error}


def _run(task: Task, blobs: dict[str, Blob], kernel: Any, stage: Stage) -> dict:
    import nbformat
    from papermill.exceptions import PapermillExecutionError

    from stpreport import __version__
    from stpreport.pipeline.engine import execute
    from stpreport.render import render_formats

    key = task.key
    started = time.perf_counter()
    if task.version != __version__:
        return _failed(
            f"the build worker runs stpreport {__version__}, the build {task.version}: "
            "install the same version on every worker"
        )
    try:
        notebook, parameters, aliases = staged(task, blobs, stage)
    except (OSError, ValueError) as exc:
        return _failed(f"the build worker could not stage its inputs: {exc}")
    problem = _kernel_ready(kernel)
    if problem is not None:
        return _failed(f"a build worker could not start its kernel: {problem}")
    try:
        nb = execute(str(notebook), parameters, kernel, aliases=aliases)
    except PapermillExecutionError as exc:
        source = textwrap.shorten(" ".join(str(exc.source).split()), 60, placeholder=" …")
        return _failed(
            f"cell {exc.cell_index} of {key}.ipynb ({source}): {exc.ename}: {exc.evalue}"
        )
    except Exception as exc:
        kernel.shutdown()
        return _failed(f"the kernel failed: {type(exc).__name__}: {exc}")
    executed = time.perf_counter()
    try:
        public_parameters(nb, task.shown)
        files = {
            f"{key}.ipynb": nbformat.writes(nb).encode("utf-8"),
            **render_formats(nb, key, tuple(task.formats)),
        }
    except Exception as exc:  # a rendering failure fails this run alone
        return _failed(f"rendering failed: {type(exc).__name__}: {exc}")
    finished = time.perf_counter()
    return {
        "status": "ok",
        "worker": os.getpid(),
        "files": files,
        "seconds": {
            "execute": round(executed - started, 3),
            "render": round(finished - executed, 3),
        },
    }


def public_parameters(nb: Any, shown: dict) -> None:
    """Show the parameters in the executed notebook without local paths: in its injected
    parameters cell and in Papermill's metadata, each path parameter as the task shows it."""
    from papermill.translators import translate_parameters

    meta = nb.metadata.get("papermill", {})
    shown = {**meta.get("parameters", {}), **shown}
    if "parameters" in meta:
        meta["parameters"] = shown
    for name in ("input_path", "output_path"):
        if meta.get(name):
            meta[name] = Path(str(meta[name])).name
    for cell in nb.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            language = nb.metadata.get("kernelspec", {}).get("language", "python")
            cell.source = translate_parameters("python", language, shown, "Parameters").rstrip("\n")
