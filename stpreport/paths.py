"""Where the project's own files are: the repository in a checkout, the package when installed."""

from __future__ import annotations

import contextlib
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


def shown_path(path: Path | str) -> str:
    """A path as a published briefing or manifest shows it: relative to the project when it is
    inside it, else just its name. A local absolute path says nothing to a reader and tells
    them about the analyst's machine."""
    path = Path(path)
    with contextlib.suppress(ValueError, OSError):
        return path.resolve().relative_to(project_root().resolve()).as_posix()
    return path.name
