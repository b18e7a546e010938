"""Progress of a build: a bar with counts and time left on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
from rich.progress import Progress as RichProgress


class Progress:
    def __init__(self, interactive: bool | None = None):
        self.interactive = sys.stderr.isatty() if interactive is None else interactive
        self.bar: RichProgress | None = None
        self.task = None

    def __enter__(self) -> Progress:
        if self.interactive:
            self.bar = RichProgress(
                TextColumn("building"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[last]}"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.bar.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def update(self, done: int, total: int, key: str, result: dict) -> None:
        status = result["status"]
        if self.bar is not None:
            if self.task is None:
                self.task = self.bar.add_task("build", total=total, last="")
            self.bar.update(self.task, completed=done, last=f"{key} {status}")
            if status != "ok":
                self.bar.console.print(f"failed {key}: {result.get('error')}")
        else:
            seconds = sum(result.get("seconds", {}).values())
            print(f"[{done}/{total}] {key} {status} {seconds:.1f}s", file=sys.stderr, flush=True)
