"""What a build is asked for, and what it did: plain records, importable without the
analysis's libraries (the command line reads them before it knows whether it needs those)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class BuildOptions:
    figures: Path | None = None
    params: Path | None = None
    out: Path = Path("reports")
    edition: str | None = None
    only: list[str] | None = None
    formats: tuple[str, ...] = ("html", "pdf")
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    force: bool = False
    notebooks: Path | None = None  # folder with footprint.ipynb and national.ipynb
    replace: bool = False  # rebuild an edition built from other figures from these ones
    scenario: Path | None = None  # build under this scenario's assumptions
    scenarios: tuple[Path, ...] = ()  # and compare these scenarios in this (base) edition
    cache: Path | None = None  # the analysis cache's folder (default: `cache.cache_dir()`)
    executor: str = "local"  # where the briefings run: "local" or "dask" (`executors.py`)
    scheduler: str | None = None  # with "dask": a running scheduler's address


@dataclass
class BuildResult:
    folder: Path
    ran: list[str]
    skipped: list[str]
    failed: dict[str, str]
    seconds: float
