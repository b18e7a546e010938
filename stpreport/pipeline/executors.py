"""Where a build's tasks run: the local pool (the default) or a Dask cluster.

An executor takes a `Batch` of self-contained tasks (`task.py`), runs them wherever it runs
them, and hands each result back to this process (`on_result`), which alone writes the
edition. Both executors run the same worker code (`worker.run_task`) on the same tasks, so
they write the same bytes; they differ in where the workers are and how a blob reaches them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from stpreport.pipeline.pool import WorkerPool
from stpreport.pipeline.task import Batch, Task
from stpreport.pipeline.worker import serve

EXECUTORS = ("local", "dask")

OnResult = Callable[[Task, dict], None]


class Executor(Protocol):
    name: str

    def run(
        self,
        batch: Batch | Callable[[], Batch],
        most: int,
        on_result: OnResult,
        meanwhile: Callable[[], None] = lambda: None,
    ) -> None:
        """Run every task, calling `on_result(task, result)` in this process as each ends.
        `batch` may be a function that works the tasks out: it is called once the executor's
        first workers are starting; `most` bounds how many tasks there can be (no more
        workers than that are started). `meanwhile` runs here once the tasks are known and
        the workers are starting, before any task is handed out."""
        ...


@dataclass
class LocalPool:
    """Worker processes on this machine (`pool.py`), each with a warm kernel. With `keep`,
    the workers and their kernels outlive a run, ready for the next (`build --watch`) until
    `close`."""

    workers: int
    name: str = "local"
    keep: bool = False
    pool: Any = None  # the kept `pool.WorkerPool`
    early: Any = None  # the `pool.WorkerPool` started by `start_early`, for the next run
    target: Callable[..., None] = serve  # the workers' body (tests pass a fake)

    def start_early(self) -> None:
        """Start the first worker now, before the build has read its inputs: its kernel's
        start, the critical path of a one-off rebuild, then overlaps this process's imports
        and reading of the figures. The next `run` uses it; `close` stops it if none did."""
        if self.early is None and not self.keep:
            self.early = WorkerPool(self.workers, target=self.target)
            self.early.start(1)

    def run(
        self,
        batch: Batch | Callable[[], Batch],
        most: int,
        on_result: OnResult,
        meanwhile: Callable[[], None] = lambda: None,
    ) -> None:
        if not self.keep:
            count = most if callable(batch) else len(batch.tasks)
            pool = self.early or WorkerPool(self.workers, target=self.target)
            self.early = None
            pool.workers = max(1, min(self.workers, count))  # none beyond the tasks
            try:
                pool.run(batch, on_result, meanwhile)
            finally:
                pool.close()
            return
        self._kept().run(batch, on_result, meanwhile)

    def warm(self) -> None:
        """With `keep`: start the workers now, so that the next run finds their kernels warm."""
        if self.keep:
            self._kept().warm()

    def _kept(self) -> WorkerPool:
        if self.pool is None:
            self.pool = WorkerPool(self.workers, keep=True, target=self.target)
        return self.pool

    def close(self) -> None:
        if self.early is not None:  # started early, and no run needed it
            self.early.close()
            self.early = None
        if self.pool is not None:
            self.pool.close()
            self.pool = None


def executor_for(name: str, workers: int, scheduler: str | None = None) -> Executor:
    """The executor called `name`: "local" (with `workers` processes) or "dask" (on the
    scheduler at `scheduler`, or a LocalCluster of `workers` workers on this machine)."""
    if name == "local":
        if scheduler:
            raise ValueError("--scheduler is for --executor dask")
        return LocalPool(workers)
    if name == "dask":
        from stpreport.pipeline.dask_executor import DaskExecutor

        return DaskExecutor(workers, scheduler)
    raise ValueError(f"unknown executor {name!r}: choose {' or '.join(EXECUTORS)}")
