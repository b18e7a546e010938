"""The `stpreport_warm` Papermill engine: nbclient on a kernel that outlives the notebook.

Papermill imports this module itself, through the `papermill.engine` entry point, while it
starts; import `stpreport.pipeline.engine` rather than this module.
"""

from __future__ import annotations

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine
from papermill.utils import merge_kwargs, remove_args

from stpreport.pipeline.engine import RESET, prelude


class WarmClient(PapermillNotebookClient):
    """Runs the prelude (the reset) before the notebook's first cell."""

    prelude_code = RESET

    def papermill_execute_cells(self):
        self.wait_for_reply(self.kc.execute(self.prelude_code, silent=True, store_history=False))
        return super().papermill_execute_cells()


class WarmEngine(NBClientEngine):
    """Papermill's nbclient engine, but on a kernel manager `km` and a started kernel client
    `kc` passed in and kept: neither the kernel nor its channels are set up per notebook.

    `NotebookClient` takes `km` as an argument but not `kc`: its traits drop a `kc` keyword
    and `__init__` sets `self.kc = None`, after which `setup_kernel` starts a fresh client
    (and, as the client does not own the kernel, never closes it: +14 descriptors and +3
    threads per notebook, docs/performance.md). The supported way to reuse a started client
    is to assign `client.kc` before `execute`: `setup_kernel` starts one only when it is
    None, and with `cleanup_kc=False` leaves it open for the next notebook."""

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man,
        kernel_name,
        log_output=False,
        stdout_file=None,
        stderr_file=None,
        start_timeout=60,
        execution_timeout=None,
        **kwargs,
    ):
        km, kc = kwargs.pop("km"), kwargs.pop("kc")
        aliases = kwargs.pop("aliases", None) or {}
        kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
        final = merge_kwargs(
            kwargs,
            timeout=execution_timeout,
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        client = WarmClient(nb_man, km=km, **final)
        client.kc = kc
        client.prelude_code = prelude(aliases)
        return client.execute(cleanup_kc=False)
