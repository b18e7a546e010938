"""The build's tasks on a Dask cluster (`stpreport build --executor dask`).

Dask distributed is an optional extra (`pip install -e '.[dask]'`). With `--scheduler
ADDRESS` the tasks go to a running cluster (`dask scheduler` on one machine, `dask worker
ADDRESS` on each of the others; see docs/dask.md); without it, to a `LocalCluster` of
`--jobs` worker processes on this machine, on the loopback interface only.

Each Dask worker keeps a warm kernel and a private stage folder (`KernelPlugin`), and runs the
same `worker.run_task` as the local pool on the same self-contained tasks: the blobs they
need (the figures, the analysis, the notebooks) go to the cluster once, each as a task of its
own, and are passed to each briefing's task as futures, which Dask resolves on the worker.
A task whose worker dies is run again on another, at most RETRIES more times (the
scheduler's `allowed-failures`), and then fails its briefing alone; so does a task that
raises. Results come back here, where the
edition is written, by this process only.

Dask moves tasks and results with pickle: run a cluster only on machines and a network you
trust (see docs/dask.md for TLS).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stpreport.errors import ExecutorUnavailable
from stpreport.pipeline.task import Batch, Blob, Stage, Task

log = logging.getLogger(__name__)

RETRIES = 2
"""A task is tried at most 1 + RETRIES times, whether its worker died or it raised."""
PLUGIN = "stpreport-kernel"
CONNECT_TIMEOUT = 30  # seconds to reach a scheduler


def _distributed():
    try:
        import distributed
    except ImportError as exc:
        raise ExecutorUnavailable(
            "--executor dask needs Dask distributed: pip install -e '.[dask]'"
        ) from exc
    return distributed


def _connect(distributed: Any, scheduler: str) -> Any:
    try:
        return distributed.Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, ValueError) as exc:
        raise ExecutorUnavailable(
            f"cannot reach the Dask scheduler at {scheduler} ({exc}): start it with "
            "'dask scheduler' and give the address it prints, e.g. tcp://10.0.0.5:8786"
        ) from exc


try:  # the plugin is a WorkerPlugin where Dask is installed; nothing needs it elsewhere
    from distributed import WorkerPlugin as _PluginBase
except ImportError:  # pragma: no cover - without the extra, `_distributed` says what to do
    _PluginBase = object


class KernelPlugin(_PluginBase):
    """Gives a Dask worker a warm kernel and a stage folder for the tasks it runs (a Dask
    `WorkerPlugin`: registered by the build, set up on every worker, also those that join
    later). Tasks on one worker run one at a time: they share its kernel."""

    name = PLUGIN
    idempotent = True  # a worker that has it keeps it (and its warm kernel) across builds

    def setup(self, worker: Any = None) -> None:
        from stpreport.pipeline.engine import WarmKernel

        self.lock = threading.Lock()
        self.stage = Stage()
        self.kernel = WarmKernel()
        try:
            self.kernel.start()  # launched now, warmed up by the first task
        except Exception as exc:  # tried again by the first task
            log.warning("a Dask worker's kernel did not start: %s", exc)

    def teardown(self, worker: Any = None) -> None:
        self.kernel.shutdown()
        self.stage.close()


def run_on_worker(task: Task, blobs: dict[str, Blob]) -> dict:
    """A task's body on a Dask worker: its warm kernel if the plugin is there, else a kernel
    of its own for this task."""
    from stpreport.pipeline.worker import run_task

    plugin = None
    with contextlib.suppress(Exception):
        plugin = _distributed().get_worker().plugins.get(PLUGIN)
    if plugin is None:
        from stpreport.pipeline.engine import WarmKernel

        with WarmKernel() as kernel, contextlib.closing(Stage()) as stage:
            return run_task(task, blobs, kernel, stage)
    with plugin.lock:
        return run_task(task, blobs, plugin.kernel, plugin.stage)


def _blob(blob: Blob) -> Blob:
    return blob


def _failed(task: Task, error: str) -> dict:
    return {"key": task.key, "status": "failed", "error": error}


@dataclass
class DaskExecutor:
    workers: int
    scheduler: str | None = None
    name: str = "dask"

    def run(
        self,
        batch: Batch | Callable[[], Batch],
        most: int,
        on_result: Callable[[Task, dict], None],
        meanwhile: Callable[[], None] = lambda: None,
    ) -> None:
        distributed = _distributed()
        import dask

        # Dask's own news (scheduler, nannies, connections) only with -vv
        verbose = logging.getLogger("stpreport").getEffectiveLevel() <= logging.DEBUG
        logging.getLogger("distributed").setLevel(logging.INFO if verbose else logging.ERROR)
        with contextlib.ExitStack() as stack:
            retries = {"distributed.scheduler.allowed-failures": RETRIES}
            stack.enter_context(dask.config.set(retries))
            if self.scheduler:
                client = stack.enter_context(_connect(distributed, self.scheduler))
            else:
                count = max(1, min(self.workers, most if callable(batch) else len(batch.tasks)))
                cluster = stack.enter_context(
                    distributed.LocalCluster(
                        n_workers=count,
                        threads_per_worker=1,
                        processes=True,
                        host="127.0.0.1",
                        dashboard_address=None,
                        silence_logs=logging.ERROR,
                    )
                )
                client = stack.enter_context(distributed.Client(cluster))
            client.register_plugin(KernelPlugin(), name=PLUGIN)
            tasks = batch() if callable(batch) else batch
            meanwhile()
            self._run(client, distributed, tasks, on_result)

    def _run(self, client: Any, distributed: Any, batch: Batch, on_result: Callable) -> None:
        if not batch.tasks:
            return
        # Each blob is a task of its own whose result is the blob, not scattered data: the
        # scheduler keeps its definition, so a blob held only by a worker that dies is made
        # again on another (scattered data would be lost, failing every task that needs it).
        held = {
            d: client.submit(_blob, blob, key=f"stpreport-blob-{d}", retries=RETRIES)
            for d, blob in batch.blobs.items()
        }
        futures = {}
        for task in batch.tasks:
            future = client.submit(
                run_on_worker,
                task,
                {d: held[d] for d in task.digests},
                key=f"stpreport-{task.build or 'build'}-{task.key}",
                pure=False,
                retries=RETRIES,
            )
            futures[future] = task
        for future in distributed.as_completed(list(futures)):
            task = futures.pop(future)
            try:
                result = future.result()
            except distributed.KilledWorker:
                result = _failed(task, f"the build worker running it died ({RETRIES + 1} tries)")
            except Exception as exc:
                why = f"{type(exc).__name__}: {exc}"
                result = _failed(task, f"the task failed on its worker: {why}")
            future.release()
            on_result(task, result)
