"""Write the figures as an Excel workbook: blank (headers, units, rules) or filled."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from stpreport.cells import neutralise
from stpreport.inputs import Figures
from stpreport.schema import TABLES, Table

_HEADER_FILL = PatternFill("solid", fgColor="005EB8")
_HEADER_FONT = Font(bold=True, color="FFFFFF")


def _cell_value(value: object) -> object:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    if isinstance(value, str):  # never starts with "=", which openpyxl would write as a formula
        return neutralise(value)
    return value


def _write_sheet(book: Workbook, table: Table, frame: pd.DataFrame | None) -> None:
    ws = book.create_sheet(table.name)
    for j, col in enumerate(table.columns, start=1):
        cell = ws.cell(1, j, col.name)
        cell.fill, cell.font = _HEADER_FILL, _HEADER_FONT
        unit = f" ({col.unit})" if col.unit else ""
        cell.comment = Comment(f"{col.meaning}{unit}\n{col.rule_text()}", "stpreport")
        ws.column_dimensions[cell.column_letter].width = max(12, len(col.name) + 2)
        if col.allowed:
            rule = DataValidation(
                type="list",
                formula1='"' + ",".join(col.allowed) + '"',
                allow_blank=not col.required,
            )
            rule.add(f"{cell.column_letter}2:{cell.column_letter}5000")
            ws.add_data_validation(rule)
    ws.freeze_panes = "A2"
    if frame is not None:
        for row in frame[list(table.column_names)].itertuples(index=False, name=None):
            ws.append([_cell_value(v) for v in row])


def _write_notes(book: Workbook) -> None:
    ws = book.create_sheet("notes")
    ws.append(
        [
            "stpreport figures workbook. Money in £m (2016/17 prices). One sheet per table; "
            "the header row must stay as it is. This sheet is not read."
        ]
    )
    ws.append([])
    ws.append(["table", "column", "type", "unit", "rule", "meaning"])
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for table in TABLES.values():
        for col in table.columns:
            ws.append([table.name, col.name, col.kind, col.unit, col.rule_text(), col.meaning])
    for letter, width in zip("ABCDEF", (12, 24, 10, 12, 40, 80), strict=True):
        ws.column_dimensions[letter].width = width


def write_template(path: Path, figures: Figures | None = None) -> None:
    """Write a workbook that `stpreport validate` accepts back unchanged (when filled)."""
    book = Workbook()
    book.remove(book.active)
    for table in TABLES.values():
        frame = getattr(figures, table.name) if figures is not None else None
        _write_sheet(book, table, frame)
    _write_notes(book)
    book.save(path)
