"""Read the figures' tables as raw text cells from a folder of CSV files or one workbook.

Both readers give the same thing: for each table, the header and rows of text with their
spreadsheet row numbers, so one converter (`stpreport.inputs`) checks and types both alike.
Problems of the file itself (not UTF-8, not a workbook, formulas, merged cells, too large) are
found here. Size is bounded before anything is parsed: bytes on disk, a workbook's unzipped
size from its zip directory, rows counted after universal newline handling (CSV) or while
streaming each sheet (a sheet's `<dimension>` record is not trusted), cells, and each table's
own row limit (`schema`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from stpreport.problems import Problem
from stpreport.schema import (
    MAX_CELLS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    MAX_UNPACKED_BYTES,
    TABLE_NAMES,
    TABLES,
    Column,
    Table,
)

REPORTED = "\x00"
"""Stands for a cell the reader already reported (a formula, an error value)."""


@dataclass
class RawTable:
    """One table as text: `rows[i]` holds the cells of spreadsheet row `row_numbers[i]`."""

    name: str
    where: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)


def _size_problem(where: str, rows: int) -> Problem:
    return Problem(
        where, f"has {rows:,} rows; at most {MAX_ROWS:,} are accepted (is this the right file?)"
    )


def _megabytes(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"


def _too_big(path: Path, problems: list[Problem]) -> bool:
    """Whether the file on disk is larger than `MAX_FILE_BYTES` (a problem is added)."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        problems.append(
            Problem(
                path.name,
                f"is {_megabytes(size)}; at most "
                f"{_megabytes(MAX_FILE_BYTES)} is accepted (is this the right "
                "file?)",
            )
        )
        return True
    return False


def _check_table_rows(table: RawTable, problems: list[Problem]) -> bool:
    """Whether the table is within its own row limit; the first row beyond it is named."""
    limit = TABLES[table.name].max_rows
    if len(table.rows) <= limit:
        return True
    problems.append(
        Problem(
            table.where,
            f"has {len(table.rows):,} rows of figures; at most "
            f"{limit:,} are accepted in {table.name} (the analysis is sized "
            "for a national set of plans)",
            table.row_numbers[limit],
        )
    )
    return False


def _table_from_records(
    name: str, where: str, records: list[tuple[int, list[str]]], problems: list[Problem]
) -> RawTable | None:
    """Build a RawTable from (row number, cells) records, the first being the header."""
    records = [(n, cells) for n, cells in records if any(c.strip() for c in cells)]
    if not records:
        problems.append(Problem(where, "is empty: no header row"))
        return None
    _, header = records[0]
    header = [h.strip() for h in header]
    while header and not header[-1]:
        header.pop()
    table = RawTable(name, where, header)
    width = len(header)
    for number, cells in records[1:]:
        extra = cells[width:]
        if any(c.strip() for c in extra):
            problems.append(
                Problem(
                    where,
                    f"has {len(cells)} cells but the header has {width} "
                    "columns (a stray delimiter or an unquoted comma?)",
                    number,
                )
            )
            continue
        cells = cells[:width] + [""] * (width - len(cells))
        table.rows.append(cells)
        table.row_numbers.append(number)
    return table


def _delimiter_hint(header_line: str) -> str:
    for delimiter, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "bars")):
        if header_line.count(delimiter) >= 2 and header_line.count(",") == 0:
            return f" (the file seems to be separated by {label}; save it with commas)"
    return ""


def _line_breaks(data: bytes) -> int:
    """Line breaks in `data` as universal newline handling sees them: CRLF, LF or a lone CR
    (old Mac files, which the csv module reads as rows too)."""
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


def read_csv_table(path: Path, name: str, problems: list[Problem]) -> RawTable | None:
    where = path.name
    if _too_big(path, problems):
        return None
    data = path.read_bytes()
    lines = _line_breaks(data)
    if lines > MAX_ROWS + 1:
        problems.append(_size_problem(where, lines))
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]  # the byte-order mark Excel writes in "CSV UTF-8"; harmless
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(
            Problem(
                where,
                f"is not UTF-8 text (byte 0x{data[exc.start]:02x} on line "
                f"{line}); save it as 'CSV UTF-8'",
            )
        )
        return None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        problems.append(Problem(where, "holds NUL bytes: it is not a CSV text file", line))
        return None
    records: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1  # the line a record starts on: a quoted cell may hold line breaks
    try:
        for cells in reader:
            records.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        problems.append(Problem(where, f"is not valid CSV ({exc})", reader.line_num))
        return None
    table = _table_from_records(name, where, records, problems)
    if table is not None and len(table.header) == 1:
        first_line = text.split("\n", 1)[0]
        hint = _delimiter_hint(first_line)
        if hint:
            problems.append(Problem(where, "has a single column" + hint, 1))
            return None
    if table is not None and not _check_table_rows(table, problems):
        return None
    return table


def read_csv_folder(folder: Path, problems: list[Problem]) -> dict[str, RawTable]:
    tables: dict[str, RawTable] = {}
    for name in TABLE_NAMES:
        path = folder / f"{name}.csv"
        if not path.is_file():
            if TABLES[name].required:
                problems.append(Problem(f"{folder}", f"has no {name}.csv (required table)"))
            continue
        table = read_csv_table(path, name, problems)
        if table is not None:
            tables[name] = table
    known = {f"{n}.csv" for n in TABLE_NAMES}
    for path in sorted(folder.glob("*.csv")):
        if path.name not in known:
            problems.append(
                Problem(
                    path.name,
                    f"is not one of the tables ({', '.join(TABLE_NAMES)}) and was ignored",
                    severity="warning",
                )
            )
    return tables


def cell_text(value: object) -> str:
    """A workbook cell's value as the text a CSV file would hold for it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


def shows_percent(number_format: str) -> bool:
    """Whether Excel shows a number in this format multiplied by 100 with a % sign: a % that is
    not quoted ("%"), escaped (\\%) or inside a [colour or condition]."""
    return "%" in _QUOTED.sub("", number_format or "")


def _percent_cell(value: float, col: Column | None) -> tuple[str, str | None]:
    """(text, broken rule) for a number Excel shows as a percentage, decided by the column's
    unit: what it shows in a percent column (3.5% is 3.5), the stored share in a share 0-1
    column (50% is 0.5), refused in any other number column, where no reading is safe."""
    if col is None or col.kind in ("code", "text", "enum"):
        return cell_text(value), None
    if col.kind == "percent":
        return _plain(Decimal(repr(float(value))).scaleb(2)), None
    if col.kind == "fraction":
        return cell_text(value), None
    return REPORTED, (
        f"is formatted as a percentage in Excel, but the column is in "
        f"{col.unit}: remove the % format and enter the figure itself"
    )


def _plain(number: Decimal) -> str:
    """A Decimal as plain text: no exponent, no trailing zeros (3.500 -> 3.5, 1E+1 -> 10)."""
    return format(number.normalize(), "f")


def _is_percent_number(cell) -> bool:
    return (
        cell.row > 1
        and cell.data_type == "n"
        and isinstance(cell.value, int | float)
        and not isinstance(cell.value, bool)
        and shows_percent(cell.number_format)
    )


def _sheet_records(
    ws, where: str, table: Table, problems: list[Problem]
) -> list[tuple[int, list[str]]]:
    records: list[tuple[int, list[str]]] = []
    for merged in ws.merged_cells.ranges:
        problems.append(
            Problem(
                where, f"has merged cells {merged.coord}; unmerge them so each cell holds one value"
            )
        )
    for row in ws.iter_rows():
        cells: list[str] = []
        for cell in row:
            column = ws.cell(1, cell.column).value if cell.row > 1 else None
            label = str(column) if column is not None else cell.column_letter
            if cell.data_type == "f":
                problems.append(
                    Problem(
                        where,
                        "is a formula; figures must be values (paste as values)",
                        cell.row,
                        label,
                        str(cell.value),
                    )
                )
                cells.append(REPORTED)
            elif cell.data_type == "e":
                problems.append(
                    Problem(where, "is an Excel error value", cell.row, label, str(cell.value))
                )
                cells.append(REPORTED)
            elif _is_percent_number(cell):
                name = str(column).strip() if column is not None else ""
                text, rule = _percent_cell(
                    cell.value, table.column(name) if name in table.column_names else None
                )
                if rule:
                    problems.append(Problem(where, rule, cell.row, label, f"{cell.value * 100:g}%"))
                cells.append(text)
            else:
                cells.append(cell_text(cell.value))
        if row:
            records.append((row[0].row, cells))
    return records


def _check_zip(path: Path, label: str, problems: list[Problem]) -> bool:
    """Whether the workbook is within the size limits on disk and unzipped, read from the zip
    directory alone (nothing is inflated)."""
    if _too_big(path, problems):
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        problems.append(Problem(label, f"is not a readable Excel workbook ({exc})"))
        return False
    if unpacked > MAX_UNPACKED_BYTES:
        problems.append(
            Problem(
                label,
                f"unzips to {_megabytes(unpacked)}; at most "
                f"{_megabytes(MAX_UNPACKED_BYTES)} is accepted (a zip bomb, or "
                "not a figures workbook?)",
            )
        )
        return False
    return True


def _count_rows(path: Path, label: str, problems: list[Problem]) -> bool:
    """Whether every sheet is within the row and cell limits, counted while streaming the sheet
    in read-only mode (its `<dimension>` record may lie) and stopping at the limit."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        cells = 0
        for ws in book.worksheets:
            if not hasattr(ws, "reset_dimensions"):  # a chartsheet holds no cells
                continue
            ws.reset_dimensions()
            for rows, row in enumerate(ws.iter_rows(values_only=True), start=1):
                cells += len(row)
                if rows > MAX_ROWS + 1:
                    problems.append(
                        Problem(
                            f"{label} sheet {ws.title}",
                            f"has more than "
                            f"{MAX_ROWS + 1:,} rows; at most {MAX_ROWS:,} are "
                            "accepted (is this the right file?)",
                        )
                    )
                    return False
                if cells > MAX_CELLS:
                    problems.append(
                        Problem(
                            label,
                            f"has more than {MAX_CELLS:,} cells; at "
                            "most that many are accepted (is this the right "
                            "file?)",
                        )
                    )
                    return False
    finally:
        book.close()
    return True


def read_workbook(path: Path, problems: list[Problem]) -> dict[str, RawTable]:
    from openpyxl import load_workbook

    label = path.name
    if not zipfile.is_zipfile(path):
        problems.append(Problem(label, "is not an Excel workbook (.xlsx)"))
        return {}
    if not _check_zip(path, label, problems):
        return {}
    try:
        if not _count_rows(path, label, problems):
            return {}
        book = load_workbook(path, data_only=False)
    except MemoryError:
        raise
    except Exception as exc:
        # openpyxl parses untrusted XML and fails in many ways on a damaged file (ParseError,
        # IndexError for missing styles, KeyError, ValueError, InvalidFileException ...): each
        # means the same thing to the analyst.
        reason = str(exc).split("\n", 1)[0] or type(exc).__name__
        problems.append(Problem(label, f"is not a readable Excel workbook ({reason})"))
        return {}
    tables: dict[str, RawTable] = {}
    titles = book.sheetnames
    for name in TABLE_NAMES:
        where = f"{label} sheet {name}"
        if name not in titles:
            if TABLES[name].required:
                near = [t for t in titles if t.strip().lower() == name]
                hint = (
                    f" (found {near[0]!r}: rename it {name!r})"
                    if near
                    else f" (sheets found: {', '.join(titles)})"
                )
                problems.append(Problem(label, f"has no sheet {name!r}{hint}"))
            continue
        ws = book[name]
        if ws.sheet_state != "visible":
            problems.append(
                Problem(
                    where,
                    f"is {ws.sheet_state}; unhide it, or delete it if it is not meant to be read",
                )
            )
            continue
        records = _sheet_records(ws, where, TABLES[name], problems)
        table = _table_from_records(name, where, records, problems)
        if table is not None and _check_table_rows(table, problems):
            tables[name] = table
    for title in titles:
        if title not in TABLE_NAMES and title != "notes":
            problems.append(
                Problem(
                    f"{label} sheet {title}",
                    "is not one of the tables and was ignored",
                    severity="warning",
                )
            )
    return tables


def read_tables(path: Path, problems: list[Problem]) -> dict[str, RawTable]:
    """Read a folder of CSV files or one .xlsx workbook; problems go to `problems`."""
    if path.is_dir():
        return read_csv_folder(path, problems)
    if not path.exists():
        problems.append(Problem(str(path), "does not exist"))
        return {}
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_workbook(path, problems)
    problems.append(Problem(path.name, "is neither a folder of CSV files nor an .xlsx workbook"))
    return {}
