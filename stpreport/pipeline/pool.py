"""The build's worker processes, seen from the main process: start, feed, retire, replace.

Each worker (`worker.py`) keeps a warm kernel and runs one job at a time. A long-lived
worker grows with every briefing it runs (docs/performance.md), so a worker that has run
`retire_after` jobs is retired and replaced while plenty of work remains; near the end of a
build it carries on, since a replacement's start-up would cost more than it saves. No worker
therefore runs more than about 1.5 x `retire_after` jobs, whatever the size of the build.

`concurrent.futures`' own `max_tasks_per_child` would retire workers too, but on Python 3.11
its pool stopped replacing them and the build hung; and there one worker that dies breaks
every job still queued, where here it fails only the job it was running.

A job goes to a worker only once the worker says its kernel is ready, so a worker still
warming up never holds a job another worker could already run.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from stpreport.pipeline.worker import serve

RETIRE_AFTER = 16
"""Jobs after which a worker is replaced, if more than `workers` x RETIRE_AFTER / 2 jobs are
still waiting. Measured (docs/performance.md): a worker grows faster the longer it lives, by
about 90 MB over its first 16 briefings; its kernel stays at about 190 MB."""

JOIN_TIMEOUT = 30.0


@dataclass(eq=False)
class _Worker:
    process: Any
    conn: Connection
    done: int = 0  # jobs it has finished
    ready: bool = False  # its kernel is warm
    leaving: bool = False  # told to stop
    job: dict | None = None  # the job it is running


def run_jobs(jobs: list[dict], workers: int, on_result: Callable[[dict, dict], None],
             meanwhile: Callable[[], None] = lambda: None,
             retire_after: int = RETIRE_AFTER) -> None:
    """Run every job in worker processes, calling `on_result(job, result)` here as each ends.

    `meanwhile` runs in this process while the first workers start; no job is handed out
    before it returns. A worker that dies fails the job it was running, and is replaced.
    """
    context = multiprocessing.get_context("spawn")
    pending = deque(jobs)
    live: list[_Worker] = []

    def start() -> None:
        parent, child = context.Pipe()
        process = context.Process(target=serve, args=(child,), name="stpreport-build-worker")
        process.start()
        child.close()
        live.append(_Worker(process, parent))

    def top_up() -> None:
        while pending and sum(not w.leaving for w in live) < min(workers, len(pending)):
            start()

    def give(worker: _Worker) -> None:
        if pending and worker.ready and worker.job is None and not worker.leaving:
            worker.job = pending.popleft()
            worker.conn.send(worker.job)

    def fail(job: dict, error: str) -> None:
        on_result(job, {"key": job["key"], "status": "failed", "error": error})

    def retire(worker: _Worker) -> None:
        worker.leaving = True
        worker.conn.send(None)  # it shuts its kernel down and leaves

    def handle(worker: _Worker, message: dict) -> None:
        if message.get("status") == "ready":
            worker.ready = True
        elif message.get("status") == "broken":  # no kernel will start: fail everything left
            while pending:
                fail(pending.popleft(), message["error"])
        else:
            job, worker.job = worker.job, None
            assert job is not None
            worker.done += 1
            on_result(job, message)
            if worker.done >= retire_after and len(pending) > workers * retire_after // 2:
                retire(worker)

    def bury(worker: _Worker) -> None:
        worker.process.join(JOIN_TIMEOUT)
        live.remove(worker)
        code = worker.process.exitcode
        how = f"killed by signal {-code}" if code is not None and code < 0 \
            else f"exit code {code}"
        if worker.job is not None:
            fail(worker.job, f"the build worker running it died ({how})")
        elif not worker.ready and not worker.leaving:  # it never started: nor would another
            while pending:
                fail(pending.popleft(), f"a build worker could not start ({how})")

    try:
        top_up()
        meanwhile()
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
                if not pending and worker.ready and worker.job is None \
                        and not worker.leaving:
                    retire(worker)  # nothing left for it: shut down while others finish
    finally:
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
            worker.process.kill()
            worker.process.join()
        worker.conn.close()
