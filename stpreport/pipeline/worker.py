"""One build worker: a process that owns a warm kernel and turns jobs into rendered bytes.

A worker imports what executing and rendering need (Papermill, nbconvert, Typst) and
nothing of the analysis (no pandas, no scipy in this process): it starts while the main
process computes the analysis, on the same cores. Its kernel is launched first, so the
worker's own imports and the kernel's warm-up overlap.

The main side (`pool.py`) sends jobs down a pipe; the worker answers each with a result that
carries the briefing's files as bytes. A worker writes nothing to the edition: only the main
process, which holds the edition's lock, does (`edition.py`). So a worker orphaned by a main
process killed with -9 cannot overwrite a later build's work; and it does not outlive its
parent anyway: it asks for SIGTERM when its parent dies (`die_with_parent`), and its
kernel, polling its own parent, follows within a second.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import signal
import sys
import textwrap
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
PATH_PARAMETERS = ("figures", "params", "previous", "analysis_cache")
"""Parameters that hold a local path: shown in the executed notebook as `shown_path` does."""


def die_with_parent(parent: int) -> None:
    """Ask Linux to send this process SIGTERM when its parent dies (prctl PR_SET_PDEATHSIG);
    leave at once if the parent has already gone. Elsewhere, the closed pipe stops it."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:
        raise SystemExit(0)


def _stop(signum, frame) -> None:
    raise SystemExit(128 + signum)  # unwinds through `serve`, which shuts the kernel down


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
    from stpreport.pipeline.engine import WarmKernel

    with WarmKernel() as kernel:
        try:
            kernel.start()
        except Exception as exc:  # tried again by the first job
            log.warning("worker %d: its kernel did not start (%s)", os.getpid(), exc)
        import papermill  # noqa: F401  (imported while the kernel starts)

        import stpreport.render  # noqa: F401

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
            conn.send(run_job(job, kernel))


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


def run_job(job: dict, kernel: Any) -> dict:
    """Execute one briefing and render it; returns its files as bytes, never raises. The
    result carries the job's build token: the main process writes only its own build's."""
    return _run(job, kernel) | {"build": job.get("build")}


def _run(job: dict, kernel: Any) -> dict:
    import nbformat
    from papermill.exceptions import PapermillExecutionError

    from stpreport.pipeline.engine import execute
    from stpreport.render import render_formats

    key, formats = job["key"], job["formats"]
    started = time.perf_counter()
    problem = _kernel_ready(kernel)
    if problem is not None:
        return {
            "key": key,
            "status": "failed",
            "error": f"a build worker could not start its kernel: {problem}",
        }
    try:
        nb = execute(job["notebook"], job["parameters"], kernel)
    except PapermillExecutionError as exc:
        source = textwrap.shorten(" ".join(str(exc.source).split()), 60, placeholder=" …")
        return {
            "key": key,
            "status": "failed",
            "error": f"cell {exc.cell_index} of {key}.ipynb ({source}): {exc.ename}: {exc.evalue}",
        }
    except Exception as exc:
        kernel.shutdown()
        return {
            "key": key,
            "status": "failed",
            "error": f"the kernel failed: {type(exc).__name__}: {exc}",
        }
    executed = time.perf_counter()
    try:
        public_parameters(nb, job["parameters"])
        files = {
            f"{key}.ipynb": nbformat.writes(nb).encode("utf-8"),
            **render_formats(nb, key, tuple(formats)),
        }
    except Exception as exc:  # a rendering failure fails this run alone
        return {
            "key": key,
            "status": "failed",
            "error": f"rendering failed: {type(exc).__name__}: {exc}",
        }
    finished = time.perf_counter()
    return {
        "key": key,
        "status": "ok",
        "worker": os.getpid(),
        "files": files,
        "seconds": {
            "execute": round(executed - started, 3),
            "render": round(finished - executed, 3),
        },
    }


def public_parameters(nb: Any, parameters: dict) -> None:
    """Show the parameters in the executed notebook without local paths: in its injected
    parameters cell and in Papermill's metadata, each path as `shown_path` gives it."""
    from papermill.translators import translate_parameters

    from stpreport.paths import shown_path

    shown = {k: (shown_path(v) if k in PATH_PARAMETERS and v else v) for k, v in parameters.items()}
    meta = nb.metadata.get("papermill", {})
    if "parameters" in meta:
        meta["parameters"] = shown
    for name in ("input_path", "output_path"):
        if meta.get(name):
            meta[name] = Path(str(meta[name])).name
    for cell in nb.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            language = nb.metadata.get("kernelspec", {}).get("language", "python")
            cell.source = translate_parameters("python", language, shown, "Parameters").rstrip("\n")
