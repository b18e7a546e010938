"""Test helpers: copies of the bundled figures that tests can break."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from stpreport.inputs import bundled_figures_path

SHARED_REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "data" / "footprints_2017.csv"


def copy_figures(dest: Path, codes: list[str] | None = None) -> Path:
    """A copy of the bundled figures in `dest`, limited to `codes` when given."""
    dest.mkdir(parents=True, exist_ok=True)
    for src in bundled_figures_path().glob("*.csv"):
        if codes is None:
            shutil.copy(src, dest / src.name)
            continue
        rows = read_rows(src)
        kept = [r for r in rows if _row_codes(src.stem, r) & set(codes) or _row_codes(
            src.stem, r) == {"*"}]
        write_rows(dest / src.name, kept, list(rows[0].keys()))
    return dest


def _row_codes(table: str, row: dict) -> set[str]:
    if table == "footprints":
        return {row["code"]}
    if table == "sources":
        return {row["key"].split("/")[0].rsplit("-S", 1)[0]}
    return {row["footprint"]}


def read_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def write_rows(path: Path, rows: list[dict], columns: list[str] | None = None) -> None:
    columns = columns or list(rows[0].keys())
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def set_cell(path: Path, index: int, column: str, value: str) -> None:
    """Set data row `index` (0-based; spreadsheet row index + 2) of a CSV file."""
    rows = read_rows(path)
    rows[index][column] = value
    write_rows(path, rows)
