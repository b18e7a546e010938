"""Problems found in the inputs: one line each, naming where, what and the rule broken."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]
_VALUE_SHOWN = 60


def show_value(value: str) -> str:
    """A value as a problem line shows it: quoted, control characters escaped, long ones cut."""
    if len(value) > _VALUE_SHOWN:
        value = value[:_VALUE_SHOWN] + f"... ({len(value)} characters)"
    return repr(value)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the inputs.

    `where` is the file (``schemes.csv``) or the sheet (``figures.xlsx sheet schemes``);
    `row` is the spreadsheet row number a person sees (the header is row 1).
    """

    where: str
    rule: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    severity: Severity = "error"

    def __str__(self) -> str:
        place = self.where
        if self.row is not None:
            place += f" row {self.row}"
        if self.column is not None:
            place += f", column {self.column}" if self.row is not None else f" column {self.column}"
        text = f"{show_value(self.value)} {self.rule}" if self.value is not None else self.rule
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{prefix}{place}: {text}"


class InputError(Exception):
    """The inputs cannot be used; `problems` lists every reason at once."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        super().__init__(f"{len(errors)} problem(s) in the inputs:\n" + "\n".join(map(str, errors)))
