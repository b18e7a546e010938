"""Load and check the figures: raw text tables in, typed pandas frames out, or every problem.

`load_figures(path)` is the one entry point. It reads a folder of CSV files or an .xlsx
workbook (`stpreport.readers`), checks each cell against `stpreport.schema`, then the rules
across rows and tables, and raises `InputError` listing every problem at once.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from stpreport.cells import restore
from stpreport.paths import bundled_figures_path
from stpreport.problems import InputError, Problem
from stpreport.readers import REPORTED, RawTable, read_tables
from stpreport.schema import (
    MAX_SCHEMES_PER_FOOTPRINT,
    RESERVED_CODES,
    TABLES,
    WINDOWS_DEVICE_NAMES,
    Column,
    Table,
    row_key,
)

_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_PLAIN_INT = re.compile(r"[+-]?\d+")
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Control characters refused in any text: C0 but tab, line feed and carriage return (which a
spreadsheet cell may hold; a carriage return has its own message), DEL and C1. Refused rather
than stripped: a figure is never silently changed."""
MAX_TEXT = 10_000

DTYPES = {
    "code": "string",
    "text": "string",
    "enum": "string",
    "int": "Int64",
    "money": "float64",
    "fraction": "float64",
    "percent": "float64",
}


def _number_rule(text: str, col: Column) -> str | None:
    """Why `text` is not a number for `col`, or None if it is one."""
    lowered = text.strip().lower()
    if lowered in ("nan", "inf", "+inf", "-inf", "infinity", "-infinity", "+infinity"):
        return "must be a finite number"
    if any(ch in text for ch in "£$€") or re.fullmatch(r"[£$€+-]*\d{1,3}(,\d{3})+(\.\d*)?", text):
        return "is not a plain number: write it without currency signs or thousands separators"
    if text.endswith("%"):
        return "is not a plain number: write 3.5 for 3.5%, without the % sign"
    pattern = _PLAIN_INT if col.kind == "int" else _PLAIN_NUMBER
    if not pattern.fullmatch(text):
        return "must be a whole number" if col.kind == "int" else "must be a number"
    return None


def _convert_cell(text: str, col: Column) -> tuple[object, str | None]:
    """(typed value, broken rule or None) for one non-blank cell."""
    if col.kind in ("int", "money", "fraction", "percent"):
        rule = _number_rule(text, col)
        if rule:
            return None, rule
        value = int(text) if col.kind == "int" else float(text)
        if isinstance(value, float) and not math.isfinite(value):
            return None, "must be a finite number"
        if col.minimum is not None and value < col.minimum:
            return None, f"must be >= {col.minimum:g}"
        if col.maximum is not None and value > col.maximum:
            return None, f"must be <= {col.maximum:g}"
        return value, None
    if col.kind == "enum":
        if text not in col.allowed:
            return None, "must be one of " + ", ".join(col.allowed)
        return text, None
    if col.kind == "text":
        text = restore(text)  # a text our own outputs neutralised (stpreport.cells)
    if col.kind == "code" and not _CODE.fullmatch(text):
        return None, (
            "must be a code of letters, digits, '_', '.' or '-' (at most 32, no spaces or slashes)"
        )
    if _CONTROL.search(text):
        return None, "contains a control character"
    if "\r" in text:  # CSV writers leave a lone CR unquoted: our own copy would not read back
        return None, "contains a carriage return (CR): use a plain line break inside a cell"
    if len(text) > MAX_TEXT:
        return None, f"is longer than {MAX_TEXT:,} characters"
    return text, None


def _check_header(raw: RawTable, table: Table, problems: list[Problem]) -> bool:
    seen: set[str] = set()
    ok = True
    for name in raw.header:
        if name in seen:
            problems.append(Problem(raw.where, f"has column {name!r} twice", 1))
            ok = False
        seen.add(name)
        if name and name not in table.column_names:
            problems.append(
                Problem(
                    raw.where,
                    f"has an unexpected column {name!r}, which was ignored",
                    1,
                    severity="warning",
                )
            )
    for col in table.columns:
        if col.required and col.name not in seen:
            problems.append(Problem(raw.where, f"is missing the required column {col.name!r}", 1))
            ok = False
    return ok


def _convert_table(raw: RawTable, table: Table, problems: list[Problem]) -> pd.DataFrame | None:
    if not _check_header(raw, table, problems):
        return None
    if not raw.rows:
        if table.required:
            problems.append(Problem(raw.where, "has no rows of figures"))
        return None
    positions = {name: i for i, name in enumerate(raw.header)}
    data: dict[str, list[object]] = {}
    for col in table.columns:
        values: list[object] = []
        i = positions.get(col.name)
        for number, cells in zip(raw.row_numbers, raw.rows, strict=True):
            text = cells[i].strip() if i is not None else ""
            if text == REPORTED:
                values.append(None)
                continue
            if not text:
                if col.required:
                    problems.append(Problem(raw.where, "is required but blank", number, col.name))
                values.append(col.default)
                continue
            value, rule = _convert_cell(text, col)
            if rule:
                problems.append(Problem(raw.where, rule, number, col.name, cells[i]))
            values.append(value)
        data[col.name] = values
    frame = pd.DataFrame(
        {
            name: pd.Series(values, dtype=DTYPES[table.column(name).kind])
            for name, values in data.items()
        }
    )
    frame.attrs["row_numbers"] = list(raw.row_numbers)
    frame.attrs["where"] = raw.where
    return frame


def _check_unique(frame: pd.DataFrame, table: Table, problems: list[Problem]) -> None:
    rows = frame.attrs["row_numbers"]
    first: dict[tuple, int] = {}
    for i, key in enumerate(frame[list(table.key)].itertuples(index=False, name=None)):
        if any(pd.isna(k) for k in key):
            continue
        if key in first:
            shown = "/".join(map(str, key))
            problems.append(
                Problem(
                    frame.attrs["where"],
                    f"repeats {'/'.join(table.key)} {shown!r} (first at row {first[key]})",
                    rows[i],
                    table.key[-1],
                )
            )
        else:
            first[key] = rows[i]


def _check_footprint_refs(
    frame: pd.DataFrame, table: Table, codes: set[str], problems: list[Problem]
) -> None:
    rows = frame.attrs["row_numbers"]
    for i, code in enumerate(frame[table.footprint_column]):
        if not pd.isna(code) and code not in codes:
            problems.append(
                Problem(
                    frame.attrs["where"],
                    "names a footprint that is not in the footprints table",
                    rows[i],
                    table.footprint_column,
                    str(code),
                )
            )


def _check_footprint_codes(footprints: pd.DataFrame, problems: list[Problem]) -> None:
    """Codes become file names in the edition folder (`<code>.html`): refuse one that is a name
    the folder uses itself or that Windows reserves, and two that differ only in case (one
    file on a case-insensitive disk)."""
    rows, where = footprints.attrs["row_numbers"], footprints.attrs["where"]
    first: dict[str, tuple[str, int]] = {}
    for i, code in enumerate(footprints["code"]):
        if pd.isna(code):
            continue
        folded = code.casefold()
        if folded in RESERVED_CODES:
            problems.append(
                Problem(
                    where,
                    "is a name the edition folder uses for its own files "
                    f"({', '.join(RESERVED_CODES)}, in any case); choose "
                    "another code",
                    rows[i],
                    "code",
                    code,
                )
            )
        elif folded.split(".")[0] in WINDOWS_DEVICE_NAMES:
            problems.append(
                Problem(
                    where,
                    "is a device name Windows reserves (CON, PRN, AUX, "
                    "NUL, COM1-9, LPT1-9): its pack could not be copied to a "
                    "Windows share; choose another code",
                    rows[i],
                    "code",
                    code,
                )
            )
        if folded in first and first[folded][0] != code:
            other, row = first[folded]
            problems.append(
                Problem(
                    where,
                    f"differs from {other!r} (row {row}) only in case: "
                    "both would be one file on many disks",
                    rows[i],
                    "code",
                    code,
                )
            )
        first.setdefault(folded, (code, rows[i]))


def _check_scheme_counts(schemes: pd.DataFrame, problems: list[Problem]) -> None:
    """At most `MAX_SCHEMES_PER_FOOTPRINT` schemes a footprint; the first beyond is named."""
    rows, where = schemes.attrs["row_numbers"], schemes.attrs["where"]
    counts: dict[str, int] = {}
    for i, code in enumerate(schemes["footprint"]):
        if pd.isna(code):
            continue
        counts[code] = counts.get(code, 0) + 1
        if counts[code] == MAX_SCHEMES_PER_FOOTPRINT + 1:
            problems.append(
                Problem(
                    where,
                    f"is the footprint's scheme number "
                    f"{MAX_SCHEMES_PER_FOOTPRINT + 1}; at most "
                    f"{MAX_SCHEMES_PER_FOOTPRINT} schemes a footprint are "
                    "accepted (the analysis is sized for real plans, which have "
                    "8 to 25)",
                    rows[i],
                    "footprint",
                    code,
                )
            )


def _check_schemes(schemes: pd.DataFrame, problems: list[Problem]) -> None:
    rows, where = schemes.attrs["row_numbers"], schemes.attrs["where"]
    over = schemes["capital_secured"] > schemes["capital_required"]
    for i in over[over.fillna(False)].index:
        problems.append(
            Problem(
                where,
                f"must not exceed capital_required ({schemes.at[i, 'capital_required']:g})",
                rows[i],
                "capital_secured",
                f"{schemes.at[i, 'capital_secured']:g}",
            )
        )
    shares = ["share_2017_18", "share_2018_19", "share_2019_20"]
    for earlier, later in itertools.pairwise(shares):
        falling = schemes[earlier] > schemes[later]
        for i in falling[falling.fillna(False)].index:
            problems.append(
                Problem(
                    where,
                    f"must be at least {earlier} "
                    f"({schemes.at[i, earlier]:g}): shares are cumulative",
                    rows[i],
                    later,
                    f"{schemes.at[i, later]:g}",
                )
            )


def _check_sources(
    sources: pd.DataFrame, frames: dict[str, pd.DataFrame], problems: list[Problem]
) -> None:
    rows, where = sources.attrs["row_numbers"], sources.attrs["where"]
    keys = {
        name: {row_key(TABLES[name], r) for r in frames[name].to_dict("records")}
        for name in ("footprints", "schemes", "contracts")
        if name in frames
    }
    for i, line in enumerate(sources.to_dict("records")):
        name = line["table"]
        if pd.isna(name):
            continue
        if line["column"] not in TABLES[name].figure_columns:
            problems.append(
                Problem(
                    where,
                    f"is not a figure column of {name}: one of "
                    + ", ".join(TABLES[name].figure_columns),
                    rows[i],
                    "column",
                    str(line["column"]),
                )
            )
        if line["key"] != "*" and name in keys and line["key"] not in keys[name]:
            problems.append(
                Problem(where, f"is not a row of {name}", rows[i], "key", str(line["key"]))
            )


@dataclass
class Figures:
    """The checked figures as typed frames, with where they came from."""

    footprints: pd.DataFrame
    schemes: pd.DataFrame
    contracts: pd.DataFrame
    sources: pd.DataFrame
    location: str
    warnings: list[Problem] = field(default_factory=list)
    _sources_index: dict | None = field(default=None, repr=False, compare=False)

    @property
    def codes(self) -> list[str]:
        return list(self.footprints["code"])

    def footprint(self, code: str) -> pd.Series:
        match = self.footprints[self.footprints["code"] == code]
        if match.empty:
            raise KeyError(f"footprint {code!r} is not in the figures ({self.location})")
        return match.iloc[0]

    def provenance(self, table: str, key: str, column: str) -> tuple[str, str, str]:
        """(status, source, confidence) of one figure; a row's own line beats the '*' line."""
        lines = self._source_lines()
        hit = lines.get((table, key, column)) or lines.get((table, "*", column))
        return hit or ("supplied", f"as supplied in {self.location}", "")

    def _source_lines(self) -> dict[tuple[str, str, str], tuple[str, str, str]]:
        if self._sources_index is None:
            index = {}
            for line in self.sources.to_dict("records"):
                conf = "" if pd.isna(line["confidence"]) else str(line["confidence"])
                index.setdefault(
                    (line["table"], line["key"], line["column"]),
                    (str(line["status"]), str(line["source"]), conf),
                )
            self._sources_index = index
        return self._sources_index

    def figure_statuses(self, code: str | None = None) -> pd.DataFrame:
        """Every figure a footprint's briefing uses (all footprints when `code` is None),
        one row per table and column present, with its status and source."""
        records = []
        for name in ("footprints", "schemes", "contracts"):
            table, frame = TABLES[name], getattr(self, name)
            column = "code" if name == "footprints" else table.footprint_column
            if code is not None:
                frame = frame[frame[column] == code]
            for row in frame.to_dict("records"):
                key = row_key(table, row)
                for col in table.figure_columns:
                    if pd.isna(row[col]):
                        continue
                    status, source, conf = self.provenance(name, key, col)
                    records.append(
                        {
                            "table": name,
                            "key": key,
                            "column": col,
                            "status": status,
                            "source": source,
                            "confidence": conf,
                            "footprint": row[column],
                        }
                    )
        return pd.DataFrame(
            records,
            columns=["table", "key", "column", "status", "source", "confidence", "footprint"],
        )

    def is_illustrative(self, code: str | None = None) -> bool:
        statuses = self.figure_statuses(code)
        return bool((statuses["status"] == "illustrative").any())


def _empty_sources() -> pd.DataFrame:
    table = TABLES["sources"]
    return pd.DataFrame({c.name: pd.Series([], dtype=DTYPES[c.kind]) for c in table.columns})


def check_figures(path: Path) -> tuple[Figures | None, list[Problem]]:
    """Read and check the figures at `path`: (figures or None, every problem and warning)."""
    problems: list[Problem] = []
    raw = read_tables(Path(path), problems)
    frames: dict[str, pd.DataFrame] = {}
    for name, raw_table in raw.items():
        frame = _convert_table(raw_table, TABLES[name], problems)
        if frame is not None:
            _check_unique(frame, TABLES[name], problems)
            frames[name] = frame
    if "footprints" in frames:
        _check_footprint_codes(frames["footprints"], problems)
        codes = set(frames["footprints"]["code"].dropna())
        for name in ("schemes", "contracts"):
            if name in frames:
                _check_footprint_refs(frames[name], TABLES[name], codes, problems)
    if "schemes" in frames:
        _check_scheme_counts(frames["schemes"], problems)
        _check_schemes(frames["schemes"], problems)
    if "sources" in frames:
        _check_sources(frames["sources"], frames, problems)
    if any(p.severity == "error" for p in problems):
        return None, problems
    missing = [n for n in ("footprints", "schemes", "contracts") if n not in frames]
    if missing:  # a required table that was read but could not be typed
        return None, problems
    figures = Figures(
        footprints=frames["footprints"],
        schemes=frames["schemes"],
        contracts=frames["contracts"],
        sources=frames.get("sources", _empty_sources()),
        location=str(path),
        warnings=[p for p in problems if p.severity == "warning"],
    )
    for frame in (figures.footprints, figures.schemes, figures.contracts, figures.sources):
        frame.attrs.clear()
    return figures, problems


def load_figures(path: Path | str | None = None) -> Figures:
    """The checked figures at `path` (default: the bundled figures), or `InputError`."""
    figures, problems = check_figures(Path(path) if path else bundled_figures_path())
    if figures is None:
        raise InputError(problems)
    return figures
