"""One build worker: a process that owns a warm kernel and turns jobs into written briefings.

A worker imports what executing and rendering need (Papermill, nbconvert, WeasyPrint) and
nothing of the analysis (no pandas, no scipy in this process): it starts while the main
process computes the analysis, on the same cores. Its kernel is launched first, so the
worker's own imports and the kernel's warm-up overlap.

The main side (`pool.py`) sends jobs down a pipe; the worker answers each with a result, and
leaves when told to, shutting its kernel down.
"""

from __future__ import annotations

import os
import signal
import textwrap
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

_KERNEL: Any = None  # this process's WarmKernel


def _stop(signum, frame) -> None:
    raise SystemExit(128 + signum)  # unwinds through `serve`, which shuts the kernel down


def serve(conn: Connection) -> None:
    """The worker process: start a kernel, say so, then run jobs from `conn` until told to
    stop (None) or the pipe closes. The kernel is shut down however the worker leaves,
    SIGTERM included."""
    global _KERNEL
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    signal.signal(signal.SIGTERM, _stop)
    from stpreport.pipeline.engine import WarmKernel

    _KERNEL = WarmKernel()
    try:
        try:
            _KERNEL.start()
            import papermill  # noqa: F401  (imported while the kernel starts)

            import stpreport.render  # noqa: F401
            _KERNEL.get()
        except Exception as exc:
            conn.send({"status": "broken", "error": "a build worker could not start its "
                                                     f"kernel: {type(exc).__name__}: {exc}"})
            return
        conn.send({"status": "ready"})
        while True:
            try:
                job = conn.recv()
            except EOFError:  # the main process has gone
                break
            if job is None:
                break
            conn.send(run_job(job))
    finally:
        _KERNEL.shutdown()


def run_job(job: dict) -> dict:
    """Execute one briefing, render it, write its outputs; never raises."""
    import nbformat
    from papermill.exceptions import PapermillExecutionError

    from stpreport.atomic import write_atomic
    from stpreport.pipeline.engine import execute
    from stpreport.render import BriefingHTMLExporter, html_to_pdf

    key, folder, formats = job["key"], Path(job["folder"]), job["formats"]
    started = time.perf_counter()
    try:
        nb = execute(job["notebook"], job["parameters"], _KERNEL)
    except PapermillExecutionError as exc:
        source = textwrap.shorten(" ".join(str(exc.source).split()), 60, placeholder=" …")
        return {"key": key, "status": "failed",
                "error": f"cell {exc.cell_index} of {key}.ipynb ({source}): "
                         f"{exc.ename}: {exc.evalue}"}
    except Exception as exc:
        _KERNEL.shutdown()
        return {"key": key, "status": "failed",
                "error": f"the kernel failed: {type(exc).__name__}: {exc}"}
    executed = time.perf_counter()
    try:
        html, _ = BriefingHTMLExporter().from_notebook_node(nb)
        rendered = {f"{key}.ipynb": nbformat.writes(nb)}
        if "html" in formats:
            rendered[f"{key}.html"] = html
        if "pdf" in formats:
            rendered[f"{key}.pdf"] = html_to_pdf(html)
    except Exception as exc:  # a rendering failure fails this run alone
        return {"key": key, "status": "failed",
                "error": f"rendering failed: {type(exc).__name__}: {exc}"}
    finished = time.perf_counter()
    try:
        for name, data in rendered.items():
            write_atomic(folder / name, data)
    except OSError as exc:
        return {"key": key, "status": "failed",
                "error": f"could not write {exc.filename or folder}: {exc.strerror or exc}"}
    return {"key": key, "status": "ok", "worker": os.getpid(),
            "seconds": {"execute": round(executed - started, 3),
                        "render": round(finished - executed, 3)}}

