"""One exception base for everything stpreport refuses, each message written for the user.

The CLI maps `StpreportError` to one line on stderr and exit code 1, in one place
(`cli.py`); nothing below it needs a traceback to be understood. (`InputError`, in
`problems.py`, carries a list of problems and is handled beside it.)
"""

from __future__ import annotations


class StpreportError(Exception):
    """Something the user must act on; `str(error)` says what and how."""


class BuildLocked(StpreportError):
    """Another build holds the edition."""


class NotAnEdition(StpreportError):
    """A folder asked for as an edition is not one (no readable manifest or summary)."""


class EditionRefused(StpreportError):
    """The edition cannot be written as asked: an unsafe name, other figures, a planted link."""


class ExecutorUnavailable(StpreportError):
    """The executor asked for cannot run: Dask is not installed, or its scheduler is out of
    reach."""
