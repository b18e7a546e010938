"""Execute briefings in warm kernels: a Papermill engine and the worker that owns the kernel.

Starting a kernel and importing pandas, matplotlib and stpreport in it is most of the cost of
a plain Papermill run. Each build worker starts one kernel, keeps it, and resets it between
notebooks (`%reset -f`, figures closed); the analysis is cached in the kernel on the input
files' paths and modification times, and is a pure function of them, so a pack is the same
whether it is built alone, first, or after other footprints.

The engine (`stpreport.pipeline.papermill_engine`) is registered with Papermill as
`stpreport_warm` through the `papermill.engine` entry point.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from typing import Any

from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_core.paths import jupyter_path

WARM_UP = (
    "import stpreport.briefing.footprint, stpreport.briefing.national\n"
    "import gc as _gc\n_gc.collect()\n_gc.freeze()\ndel _gc"
)
"""Imported once per kernel. The modules' objects are then frozen out of the garbage
collector's reach (`gc.freeze`): the reset between notebooks collects garbage, and without
the freeze each collection walks every object pandas and matplotlib made (111 ms a reset,
against 9 ms: docs/performance.md)."""

RESET = "%reset -f\nimport matplotlib.pyplot as _plt\n_plt.close('all')\ndel _plt"


def prelude(aliases: dict[str, str]) -> str:
    """The code run before a notebook's first cell: the reset, and how to show the staged
    inputs' paths (`paths.show_as`). The aliases are strings, written as Python literals."""
    aliases = {str(k): str(v) for k, v in aliases.items()}
    return f"{RESET}\nimport stpreport.paths as _p\n_p.show_as({aliases!r})\ndel _p"


def _kernel_specs() -> KernelSpecManager:
    """Where the kernel's spec is looked up: where jupyter_client looks by default (the Jupyter
    data folders, then IPython's own), but without importing IPython to find IPython's folder,
    which jupyter_client's default does: 0.25 s of every worker's start, before its kernel
    could be launched (docs/performance.md)."""
    ipython = os.environ.get("IPYTHONDIR") or os.path.join("~", ".ipython")  # IPython's own
    ipython = os.path.normpath(os.path.expanduser(ipython))  # rule, less its legacy fallbacks
    return KernelSpecManager(
        kernel_dirs=[*jupyter_path("kernels"), os.path.join(ipython, "kernels")]
    )


class WarmKernel:
    """One kernel, started on first use and again if it dies; a context manager that shuts it
    down. Its owner (the worker) passes it to each job."""

    def __init__(self, kernel_name: str = "python3"):
        self.kernel_name = kernel_name
        self.km: KernelManager | None = None
        self.kc = None
        self.socket_dir: str | None = None

    def start(self) -> None:
        """Launch the kernel process and return at once: the caller can do its own imports
        while the kernel starts and warms up; `get` waits for it."""
        if self.km is not None and (self.kc is None or self.km.is_alive()):
            return
        self.shutdown()
        # IPC sockets in a folder of this kernel's own: the default ("kernel-ipc-N" in the
        # working directory) lets two workers' kernels pick the same socket names.
        self.socket_dir = self.socket_dir or tempfile.mkdtemp(prefix="stpreport-kernel-")
        self.km = KernelManager(
            kernel_name=self.kernel_name,
            transport="ipc",
            ip=os.path.join(self.socket_dir, "kernel"),
            kernel_spec_manager=_kernel_specs(),
        )
        # An IPython profile of the kernel's own, empty: the builder's (~/.ipython) would run
        # its startup files and configuration in every kernel (a briefing then depends on the
        # machine it is built on), and store every briefing's cells in the builder's history.
        profile = os.path.join(self.socket_dir, "ipython")
        os.makedirs(profile, exist_ok=True)
        self.km.start_kernel(env={**os.environ, "IPYTHONDIR": profile})

    def get(self) -> KernelManager:
        """The kernel, ready and warm (started, or started again if it died)."""
        self.start()
        km = self.km
        assert km is not None
        if self.kc is not None:
            return km
        warm = km.blocking_client()
        warm.start_channels()
        try:
            warm.wait_for_ready(timeout=60)
            warm.execute_interactive(WARM_UP, store_history=False, timeout=120)
        finally:
            warm.stop_channels()
        # nbclient needs an asynchronous client: with a blocking one, waiting for output
        # blocks its event loop, and the check that the kernel is still alive never runs
        # (a kernel that dies would hang the build instead of failing its footprint).
        km.client_class = "jupyter_client.asynchronous.AsyncKernelClient"
        self.kc = km.client()
        self.kc.start_channels()
        self.kc.allow_stdin = False
        return km

    def __enter__(self) -> WarmKernel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()

    def shutdown(self) -> None:
        if self.kc is not None:
            self.kc.stop_channels()
            self.kc = None
        if self.km is not None:
            with contextlib.suppress(Exception):  # a dead kernel may not shut down cleanly
                self.km.shutdown_kernel(now=True)
            self.km = None
        if self.socket_dir is not None:
            shutil.rmtree(self.socket_dir, ignore_errors=True)
            self.socket_dir = None


def execute(
    input_path: str,
    parameters: dict[str, Any],
    kernel: WarmKernel,
    timeout: int = 600,
    aliases: dict[str, str] | None = None,
):
    """Execute a notebook with parameters in the warm kernel; returns the executed notebook.
    `aliases` says how the briefing shows each staged input's path (`paths.show_as`).

    Papermill is imported here, not at the top: a worker launches its kernel first and
    imports Papermill while the kernel starts."""
    import papermill as pm  # first: papermill loads the stpreport_warm entry point as it starts
    from papermill.engines import papermill_engines

    from stpreport.pipeline.papermill_engine import WarmEngine

    papermill_engines.register("stpreport_warm", WarmEngine)  # also when run without installing
    nb = pm.execute_notebook(
        input_path,
        None,
        parameters=parameters,
        engine_name="stpreport_warm",
        km=kernel.get(),
        kc=kernel.kc,
        aliases=aliases or {},
        progress_bar=False,
        request_save_on_cell_execute=False,
        log_output=False,
        execution_timeout=timeout,
    )
    count = 0
    for cell in nb.cells:  # a warm kernel keeps counting: number each notebook from 1
        if cell.cell_type == "code" and cell.get("execution_count") is not None:
            count += 1
            cell.execution_count = count
            for output in cell.get("outputs", []):
                if "execution_count" in output:
                    output["execution_count"] = count
    return nb
