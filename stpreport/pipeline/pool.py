"""The build's worker processes, seen from the main process: start, feed, replace the dead.

Each worker (`worker.py`) keeps a warm kernel and runs one job at a time. Workers used to be
retired every 16 briefings because they grew with every notebook; the growth was a kernel
client started per notebook and never closed (`papermill_engine.py`). With that fixed a
worker stays flat (descriptors, threads and memory, /work/notes-edition.md), so a worker now
lives for the whole build.

`concurrent.futures` is not used: there one worker that dies breaks every job still queued,
where here it fails only the job it was running, and a replacement takes over the rest.

Tasks (`task.py`) are self-contained: a task names its inputs by digest, and each worker is
sent a blob (the figures, the analysis) the first time one of its tasks needs it.

A task goes to a worker only once the worker says it is ready, so a worker still starting up
never holds a job another worker could already run. Workers stay in this process's group (a
Ctrl-C or a kill of the group reaches them) and ask Linux to stop them when this process dies
(`worker.die_with_parent`); their kernels poll their parent and follow within a second.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from stpreport.pipeline.task import Batch, Task
from stpreport.pipeline.worker import serve

log = logging.getLogger(__name__)

JOIN_TIMEOUT = 30.0
EARLY_WORKERS = 1
"""Workers started before the tasks are known (while this process computes the analysis and
plans); the others start once it has. On two cores, the analysis, two workers and their
kernels starting together slowed each other so much that the first task waited longer than
with one worker warming up meanwhile (measured: docs/performance.md)."""
TASKS_PER_WORKER = 2
"""Once no core is spare (one for each worker, one for this process), another worker starts
only for every this many tasks waiting: starting one (a process, its kernel, their imports:
1.6-2 s) takes a core from the workers already running for about as long as three packs
take. A rebuild of one footprint and the national briefing finishes sooner on one worker
(docs/performance.md)."""


@dataclass(eq=False)
class _Worker:
    process: Any
    conn: Connection
    ready: bool = False  # it can take a job
    leaving: bool = False  # told to stop
    job: Task | None = None  # the task it is running
    sent: set[str] = field(default_factory=set)  # the blobs it holds


def run_tasks(
    batch: Batch | Callable[[], Batch],
    workers: int,
    on_result: Callable[[Task, dict], None],
    meanwhile: Callable[[], None] = lambda: None,
    target: Callable[..., None] = serve,
    cores: int | None = None,
) -> None:
    """Run every task in worker processes that stop when it is done (`WorkerPool.run`)."""
    pool = WorkerPool(workers, target=target, cores=cores)
    try:
        pool.run(batch, on_result, meanwhile)
    finally:
        pool.close()


class WorkerPool:
    """Up to `workers` worker processes. By default each stops once no task is left for it;
    with `keep`, they stay ready, with their warm kernels, for the next `run` (`build
    --watch`) until `close`.

    `target` is the worker's body (`worker.serve`; tests pass a fake)."""

    def __init__(
        self,
        workers: int,
        *,
        target: Callable[..., None] = serve,
        keep: bool = False,
        cores: int | None = None,
    ):
        self.workers, self.target, self.keep = max(1, workers), target, keep
        self.cores = cores or os.cpu_count() or 1
        self.live: list[_Worker] = []
        self.context = multiprocessing.get_context("spawn")
        self.level = logging.getLogger("stpreport").getEffectiveLevel()

    def _start(self) -> None:
        parent, child = self.context.Pipe()
        process = self.context.Process(
            target=self.target,
            args=(child, os.getpid(), self.level),
            name="stpreport-build-worker",
        )
        process.start()
        child.close()
        self.live.append(_Worker(process, parent))
        log.info("worker %d started", process.pid)

    def start(self, count: int) -> None:
        """Start workers until `count` are alive (or starting), without waiting for them."""
        self._purge()
        while len(self.live) < min(count, self.workers):
            self._start()

    def warm(self) -> None:
        """Start workers until there are `workers`, and wait until each says it is ready
        (its kernel started and warm). One that dies meanwhile is let go."""
        self.start(self.workers)
        for worker in list(self.live):
            if worker.ready:
                continue
            try:
                message = worker.conn.recv()
            except EOFError:
                continue
            worker.ready = message.get("status") == "ready"
        self._purge()

    def _purge(self) -> None:
        """Let go of kept workers that ended while the pool waited between runs."""
        for worker in list(self.live):
            if not worker.process.is_alive():
                self._let_go(worker)
                log.info("worker %d had ended: replaced when needed", worker.process.pid)

    def _let_go(self, worker: _Worker) -> None:
        """Reap a worker that has ended (or is ending) and forget it."""
        worker.process.join(JOIN_TIMEOUT)
        worker.conn.close()
        self.live.remove(worker)

    def _prune(self, keep: set[str]) -> None:
        """Have kept workers drop the blobs this run does not need: they would otherwise
        hold every earlier build's analysis."""
        for worker in self.live:
            if worker.ready and worker.sent - keep:
                worker.sent &= keep
                with contextlib.suppress(OSError):  # if it has died, `run` buries it
                    worker.conn.send({"keep": sorted(keep)})

    def run(
        self,
        batch: Batch | Callable[[], Batch],
        on_result: Callable[[Task, dict], None],
        meanwhile: Callable[[], None] = lambda: None,
    ) -> None:
        """Run every task, calling `on_result(task, result)` here as each ends.

        `meanwhile` runs in this process once the workers the tasks are worth have been
        started, while they warm up; no task is handed out before it returns. `batch` may be
        a function that returns the tasks: then one worker (`EARLY_WORKERS`) starts first and
        it is called while that worker's kernel warms up; the others start as soon as the
        tasks are known, as many as the tasks are worth (`_worth`, up to `workers`). A worker
        that dies fails the task it was running, and is replaced."""
        live = self.live
        tasks = Batch() if callable(batch) else batch
        pending: deque[Task] = deque(tasks.tasks)

        def top_up() -> None:
            while pending and sum(not w.leaving for w in live) < self._worth(len(pending)):
                self._start()

        def give(worker: _Worker) -> None:
            if pending and worker.ready and worker.job is None and not worker.leaving:
                worker.job = task = pending.popleft()
                needs = tasks.needs(task)
                message = (task, {d: b for d, b in needs.items() if d not in worker.sent})
                worker.sent |= set(needs)
                with contextlib.suppress(OSError):  # it has just died: `wait` sees it end
                    worker.conn.send(message)

        def fail(task: Task, error: str) -> None:
            on_result(task, {"key": task.key, "status": "failed", "error": error})

        def retire(worker: _Worker) -> None:
            worker.leaving = True
            worker.conn.send(None)  # it shuts its kernel down and leaves
            log.info("worker %d stopped: nothing left for it", worker.process.pid)

        def handle(worker: _Worker, message: dict) -> None:
            if message.get("status") == "ready":
                worker.ready = True
                log.info("worker %d ready", worker.process.pid)
            else:
                job, worker.job = worker.job, None
                assert job is not None
                on_result(job, message)

        def bury(worker: _Worker) -> None:
            self._let_go(worker)
            code = worker.process.exitcode
            how = (
                f"killed by signal {-code}"
                if code is not None and code < 0
                else f"exit code {code}"
            )
            if worker.leaving:
                return
            log.warning(
                "worker %d died (%s)%s",
                worker.process.pid,
                how,
                f" running {worker.job.key}" if worker.job else "",
            )
            if worker.job is not None:
                fail(worker.job, f"the build worker running it died ({how})")
            elif not worker.ready:  # it never started: nor would another
                while pending:
                    fail(pending.popleft(), f"a build worker could not start ({how})")
            if pending:
                log.info("replacing worker %d", worker.process.pid)

        self._purge()
        if callable(batch):
            self.start(EARLY_WORKERS)
            tasks = batch()
            pending.extend(tasks.tasks)
        self._prune({d for t in tasks.tasks for d in t.digests})
        top_up()
        meanwhile()  # while the workers just started warm up
        for worker in live:  # kept workers are ready already: they say nothing until given one
            give(worker)
        while pending or any(w.job is not None for w in live):
            ready = wait([w.conn for w in live] + [w.process.sentinel for w in live])
            for worker in list(live):
                if worker.conn in ready:
                    try:
                        handle(worker, worker.conn.recv())
                    except EOFError:  # its end of the pipe closed: the process has ended
                        bury(worker)
                elif worker.process.sentinel in ready and not worker.conn.poll():
                    bury(worker)
            top_up()
            for worker in live:
                give(worker)
                if self.keep:
                    continue
                if not pending and worker.ready and worker.job is None and not worker.leaving:
                    retire(worker)  # nothing left for it: shut down while others finish

    def _worth(self, waiting: int) -> int:
        """How many workers `waiting` tasks are worth, never over `workers`: in a kept pool
        (whose workers serve the builds to come), one each; otherwise one each while there
        are cores to spare (a core for each worker, one for this process), and beyond that
        one for every `TASKS_PER_WORKER`."""
        if self.keep:
            return min(self.workers, waiting)
        spare = min(waiting, max(1, self.cores - 1))
        return min(self.workers, max(spare, waiting // TASKS_PER_WORKER))

    def close(self) -> None:
        """Stop every worker (`_stop`)."""
        live, self.live = self.live, []
        _stop(live)


def _stop(live: list[_Worker]) -> None:
    """Ask every worker still running to leave (each shuts its kernel down), then wait.
    Idle workers are told to stop; one still warming up, or running a job when the build was
    interrupted, gets SIGTERM, which unwinds it through its kernel's shutdown."""
    for worker in live:
        if worker.leaving:
            continue
        if worker.ready and worker.job is None:
            try:
                worker.conn.send(None)
            except OSError:
                worker.process.terminate()
        else:
            worker.process.terminate()
    for worker in live:
        worker.process.join(JOIN_TIMEOUT)
        if worker.process.is_alive():
            log.warning("worker %d did not stop: killed", worker.process.pid)
            worker.process.kill()
            worker.process.join()
        worker.conn.close()
