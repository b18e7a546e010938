"""Where the project's own files are: the repository in a checkout, the package when installed."""

from __future__ import annotations

import contextlib
from importlib import resources
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_CHECKOUT_ROOT = PACKAGE_DIR.parent
_PACKAGED_ROOT = PACKAGE_DIR / "_project"


def project_root() -> Path:
    """The repository root in a checkout (editable install); the packaged copy otherwise."""
    if (_CHECKOUT_ROOT / "notebooks").is_dir() and (_CHECKOUT_ROOT / "params").is_dir():
        return _CHECKOUT_ROOT
    return _PACKAGED_ROOT


def project_file(*parts: str) -> Path:
    return project_root().joinpath(*parts)


def bundled_figures_path() -> Path:
    """The bundled default figures shipped inside the package."""
    return Path(str(resources.files("stpreport") / "data" / "figures"))


_SHOWN_AS: dict[str, str] = {}
"""Staged copies and how to show them (`show_as`)."""


def show_as(aliases: dict[str, str]) -> None:
    """Show each path in `aliases` (and anything under it) as its value says: a build
    worker runs a notebook on staged copies of the inputs (`pipeline/task.py`) and sets here
    how the build showed the originals, so a briefing reads the same wherever it was built."""
    _SHOWN_AS.clear()
    _SHOWN_AS.update(aliases)


def shown_path(path: Path | str) -> str:
    """A path as a published briefing or manifest shows it: relative to the project when it is
    inside it, else just its name. A local absolute path says nothing to a reader and tells
    them about the analyst's machine."""
    path = Path(path)
    for staged, shown in _SHOWN_AS.items():
        with contextlib.suppress(ValueError):
            rest = path.relative_to(staged).as_posix()
            return shown if rest == "." else f"{shown}/{rest}"
    with contextlib.suppress(ValueError, OSError):
        return path.resolve().relative_to(project_root().resolve()).as_posix()
    return path.name
