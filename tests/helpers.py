"""Test helpers: copies of the bundled figures that tests can break."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from stpreport.inputs import bundled_figures_path

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

SHARED_REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "data" / "footprints_2017.csv"


def copy_figures(dest: Path, codes: list[str] | None = None) -> Path:
    """A copy of the bundled figures in `dest`, limited to `codes` when given."""
    dest.mkdir(parents=True, exist_ok=True)
    for src in bundled_figures_path().glob("*.csv"):
        if codes is None:
            shutil.copy(src, dest / src.name)
            continue
        rows = read_rows(src)
        kept = [
            r
            for r in rows
            if _row_codes(src.stem, r) & set(codes) or _row_codes(src.stem, r) == {"*"}
        ]
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


FOOTPRINT = {
    "code": "T1",
    "name": "Testshire",
    "region": "North",
    "population": "1000000",
    "nhs_allocation": "100",
    "nhs_spend": "110",
    "social_care_funding": "",
    "social_care_spend": "",
    "stated_gap_nhs": "30",
    "stated_gap_social_care": "",
}
SCHEME = {
    "footprint": "T1",
    "scheme_id": "T1-1",
    "name": "Scheme",
    "category": "provider_efficiency",
    "planned_saving": "10",
    "share_2017_18": "",
    "share_2018_19": "",
    "share_2019_20": "",
    "capital_required": "0",
    "capital_secured": "0",
    "consultation": "not_needed",
    "political_support": "supported",
    "clinical_support": "strong",
    "evidence": "strong",
    "origin": "bottom_up",
}
CONTRACT = {
    "footprint": "T1",
    "activity": "elective",
    "baseline_value": "50",
    "plan_growth": "-2",
    "contract_growth": "3",
}


def write_figures(
    dest: Path, footprints: list[dict], schemes: list[dict], contracts: list[dict] | None = None
) -> Path:
    """A small set of figures written as CSV (so tests go through the real loader)."""
    dest.mkdir(parents=True, exist_ok=True)
    write_rows(dest / "footprints.csv", [FOOTPRINT | f for f in footprints], list(FOOTPRINT))
    write_rows(dest / "schemes.csv", [SCHEME | s for s in schemes], list(SCHEME))
    contracts = (
        contracts
        if contracts is not None
        else [{"footprint": f.get("code", "T1")} for f in footprints]
    )
    write_rows(dest / "contracts.csv", [CONTRACT | c for c in contracts], list(CONTRACT))
    return dest


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every entry under `folder` by relative path: a file's bytes, a link's target; to assert
    that a refused build left an edition byte-for-byte unchanged."""
    found: dict[str, bytes | str] = {}
    for path in sorted(Path(folder).rglob("*")):
        name = str(path.relative_to(folder))
        if path.is_symlink():
            found[name] = f"-> {path.readlink()}"
        elif path.is_file():
            found[name] = path.read_bytes()
        else:
            found[name] = "dir"
    return found


def sabotaged_notebooks(dest: Path, source: str) -> Path:
    """A copy of the project's notebooks in `dest` whose footprint notebook runs `source`
    (which sees the parameters, e.g. `footprint`) before its first section."""
    shutil.copytree(NOTEBOOKS, dest)
    path = dest / "footprint.ipynb"
    nb = json.loads(path.read_text())
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None}
    nb["cells"].insert(2, cell | {"source": source})
    path.write_text(json.dumps(nb))
    return dest


def briefings(folder: Path) -> dict[str, bytes]:
    """The HTML and PDF briefings in an edition folder (not the index), by name."""
    return {
        p.name: p.read_bytes()
        for p in sorted(folder.iterdir())
        if p.suffix in (".html", ".pdf") and p.name != "index.html"
    }
