"""Loading and checking the figures: formats, the bundled data set, and broken inputs."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from helpers import SHARED_REFERENCE, copy_figures, read_rows, set_cell, write_rows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stpreport.cells import restore
from stpreport.cli import main
from stpreport.inputs import bundled_figures_path, check_figures, load_figures
from stpreport.problems import InputError
from stpreport.schema import TABLES
from stpreport.template import write_template

REFERENCE = bundled_figures_path().parent / "reference" / "footprints_2017.csv"


def messages(path: Path) -> list[str]:
    _, problems = check_figures(path)
    return [str(p) for p in problems if p.severity == "error"]


@pytest.fixture
def figures_dir(tmp_path: Path) -> Path:
    return copy_figures(tmp_path / "figures", ["E54000008", "E54000031"])


def test_bundled_figures_are_valid_and_name_the_44_real_footprints():
    figures = load_figures()
    with REFERENCE.open(encoding="utf-8") as fh:
        reference = list(csv.DictReader(fh))
    assert len(figures.footprints) == 44
    assert list(figures.footprints["code"]) == [r["stp17cd"] for r in reference]
    assert list(figures.footprints["name"]) == [r["name"] for r in reference]
    assert list(figures.footprints["region"]) == [r["region"] for r in reference]
    assert figures.warnings == []


@pytest.mark.skipif(not SHARED_REFERENCE.exists(), reason="shared/ is not beside the checkout")
def test_bundled_reference_is_the_shared_one():
    assert REFERENCE.read_bytes() == SHARED_REFERENCE.read_bytes()


def test_bundled_figures_are_plausible():
    f = load_figures()
    fp, schemes = f.footprints, f.schemes
    assert fp["population"].between(300_000, 3_000_000).all()
    per_head = fp["nhs_allocation"] * 1e6 / fp["population"]
    assert per_head.between(1_200, 2_600).all()
    stated = fp["stated_gap_nhs"] + fp["stated_gap_social_care"].fillna(0)
    assert (stated * 1e6 / fp["population"]).between(216, 769).all()
    assert 18_000 <= stated.sum() <= 25_000  # NHS and social care; 24 footprints published
    counts = schemes.groupby("footprint").size()
    assert counts.between(8, 25).all() and len(counts) == 44
    assert set(schemes["category"]) == set(TABLES["schemes"].column("category").allowed)
    assert (schemes["origin"] == "balancing").groupby(schemes["footprint"]).any().all()
    reconfig = schemes[schemes["category"] == "service_reconfiguration"]
    assert (reconfig["capital_required"] > 0).all()
    assert (reconfig["consultation"] != "not_needed").all()
    assert (schemes["political_support"] != "supported").sum() > 50
    assert 9_500 <= schemes["capital_required"].sum() <= 10_000
    assert (f.contracts["contract_growth"] > f.contracts["plan_growth"]).mean() > 0.9


def test_every_bundled_figure_is_marked_published_or_illustrative():
    f = load_figures()
    statuses = f.figure_statuses()
    assert set(statuses["status"]) == {"published", "illustrative"}
    published = statuses[statuses["status"] == "published"]
    assert ("E54000008", "stated_gap_nhs") in set(
        zip(published["key"], published["column"], strict=True)
    )
    assert all(
        "EVIDENCE.md" in s or "footprints_2017" in s or "stp_published.csv" in s
        for s in published["source"]
    )
    assert len(published[published["column"] == "stated_gap_nhs"]) == 20
    assert len(published[published["column"] == "population"]) == 7
    assert f.provenance("footprints", "E54000008", "stated_gap_nhs")[0] == "published"
    assert f.provenance("footprints", "E54000007", "stated_gap_nhs")[0] == "illustrative"
    assert f.is_illustrative("E54000008")


def test_csv_and_xlsx_load_to_identical_frames(tmp_path: Path):
    csv_figures = load_figures()
    book = tmp_path / "figures.xlsx"
    write_template(book, csv_figures)
    xlsx_figures = load_figures(book)
    for name in ("footprints", "schemes", "contracts", "sources"):
        pd.testing.assert_frame_equal(getattr(csv_figures, name), getattr(xlsx_figures, name))


def test_blank_template_lists_the_empty_tables(tmp_path: Path):
    book = tmp_path / "blank.xlsx"
    write_template(book)
    assert messages(book) == [
        "blank.xlsx sheet footprints: has no rows of figures",
        "blank.xlsx sheet schemes: has no rows of figures",
        "blank.xlsx sheet contracts: has no rows of figures",
    ]


def test_cli_template_round_trip_and_exit_codes(tmp_path: Path):
    runner = CliRunner()
    book = tmp_path / "filled.xlsx"
    assert runner.invoke(main, ["template", str(book), "--filled"]).exit_code == 0
    result = runner.invoke(main, ["validate", "--figures", str(book)])
    assert result.exit_code == 0, result.output
    assert "valid: 44 footprints" in result.output
    assert runner.invoke(main, ["validate", "--figures", str(tmp_path / "none")]).exit_code == 1
    assert runner.invoke(main, ["validate", "--bogus"]).exit_code == 2
    assert runner.invoke(main, ["template", str(tmp_path / "x.csv")]).exit_code == 2
    listing = runner.invoke(main, ["footprints"])
    assert "E54000008  Cheshire and Merseyside" in listing.output


def test_commands_hold_numerical_libraries_to_one_thread_unless_told(monkeypatch):
    """What the build's workers and kernels inherit: one BLAS/OpenMP thread each (a build
    runs a process per core), unless the user set it."""
    from stpreport.cli import ONE_THREAD

    for name in ONE_THREAD:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert CliRunner().invoke(main, ["footprints"]).exit_code == 0
    assert [os.environ[n] for n in ONE_THREAD] == ["1", "1", "3"]


# Each broken input: (table file, data row index, column, new value, exact message).
CELL_CASES = [
    (
        "schemes",
        3,
        "planned_saving",
        "-12",
        "schemes.csv row 5, column planned_saving: '-12' must be >= 0",
    ),
    (
        "schemes",
        0,
        "planned_saving",
        "twelve",
        "schemes.csv row 2, column planned_saving: 'twelve' must be a number",
    ),
    (
        "schemes",
        0,
        "planned_saving",
        "nan",
        "schemes.csv row 2, column planned_saving: 'nan' must be a finite number",
    ),
    (
        "schemes",
        0,
        "planned_saving",
        "inf",
        "schemes.csv row 2, column planned_saving: 'inf' must be a finite number",
    ),
    (
        "schemes",
        0,
        "planned_saving",
        "£1,200",
        "schemes.csv row 2, column planned_saving: '£1,200' is not a plain number: write it "
        "without currency signs or thousands separators",
    ),
    (
        "schemes",
        0,
        "planned_saving",
        "1,200",
        "schemes.csv row 2, column planned_saving: '1,200' is not a plain number: write it "
        "without currency signs or thousands separators",
    ),
    (
        "schemes",
        0,
        "category",
        "magic",
        "schemes.csv row 2, column category: 'magic' must be one of provider_efficiency, "
        "demand_management, service_reconfiguration, prescribing, back_office_estates, "
        "workforce, other",
    ),
    (
        "schemes",
        1,
        "footprint",
        "E54000099",
        "schemes.csv row 3, column footprint: 'E54000099' names a footprint that is not in the "
        "footprints table",
    ),
    ("schemes", 0, "name", "", "schemes.csv row 2, column name: is required but blank"),
    (
        "schemes",
        0,
        "capital_secured",
        "999999",
        "schemes.csv row 2, column capital_secured: '999999' must not exceed capital_required",
    ),
    (
        "footprints",
        0,
        "population",
        "1.5",
        "footprints.csv row 2, column population: '1.5' must be a whole number",
    ),
    (
        "footprints",
        1,
        "population",
        "0",
        "footprints.csv row 3, column population: '0' must be >= 1",
    ),
    (
        "footprints",
        0,
        "code",
        "../../x",
        "footprints.csv row 2, column code: '../../x' must be a code of letters, digits, '_', '.' "
        "or '-' (at most 32, no spaces or slashes)",
    ),
    (
        "contracts",
        0,
        "plan_growth",
        "-3%",
        "contracts.csv row 2, column plan_growth: '-3%' is not a plain number: write 3.5 for "
        "3.5%, without the % sign",
    ),
    (
        "contracts",
        0,
        "activity",
        "A&E",
        "contracts.csv row 2, column activity: 'A&E' must be one of elective, non_elective, "
        "outpatients, ae",
    ),
    (
        "contracts",
        0,
        "contract_growth",
        "75",
        "contracts.csv row 2, column contract_growth: '75' must be <= 50",
    ),
    (
        "sources",
        0,
        "column",
        "planned_savings",
        "sources.csv row 2, column column: 'planned_savings' is not a figure column of footprints: "
        "one of name, region, population, nhs_allocation, nhs_spend, social_care_funding, "
        "social_care_spend, stated_gap_nhs, stated_gap_social_care",
    ),
]


@pytest.mark.parametrize(("table", "index", "column", "value", "expected"), CELL_CASES)
def test_broken_cell_gives_its_exact_message(figures_dir, table, index, column, value, expected):
    set_cell(figures_dir / f"{table}.csv", index, column, value)
    found = messages(figures_dir)
    assert any(m.startswith(expected) for m in found), found
    with pytest.raises(InputError):
        load_figures(figures_dir)


def test_duplicate_codes_and_scheme_ids(figures_dir):
    rows = read_rows(figures_dir / "schemes.csv")
    rows.append(dict(rows[0]))
    write_rows(figures_dir / "schemes.csv", rows)
    fps = read_rows(figures_dir / "footprints.csv")
    fps.append(dict(fps[0]))
    write_rows(figures_dir / "footprints.csv", fps)
    found = messages(figures_dir)
    assert (
        f"schemes.csv row {len(rows) + 1}, column scheme_id: repeats scheme_id "
        f"'{rows[0]['scheme_id']}' (first at row 2)" in found
    )
    assert "footprints.csv row 4, column code: repeats code 'E54000008' (first at row 2)" in found


def test_falling_profile_is_refused(figures_dir):
    path = figures_dir / "schemes.csv"
    set_cell(path, 0, "share_2017_18", "0.9")
    set_cell(path, 0, "share_2018_19", "0.5")
    set_cell(path, 0, "share_2019_20", "0.95")
    assert messages(figures_dir) == [
        "schemes.csv row 2, column share_2018_19: '0.5' must be at least share_2017_18 (0.9): "
        "shares are cumulative"
    ]


def test_file_level_problems(tmp_path, figures_dir):
    (figures_dir / "contracts.csv").unlink()
    assert messages(figures_dir) == [f"{figures_dir}: has no contracts.csv (required table)"]
    copy_figures(figures_dir, ["E54000008"])
    (figures_dir / "schemes.csv").write_bytes(
        "footprint,name\nE54000008,caf\xe9\n".encode("latin-1")
    )
    assert messages(figures_dir) == [
        "schemes.csv: is not UTF-8 text (byte 0xe9 on line 2); save it as 'CSV UTF-8'"
    ]
    (figures_dir / "schemes.csv").write_text("footprint;scheme_id;name\nE54000008;a;b\n")
    assert messages(figures_dir) == [
        "schemes.csv row 1: has a single column (the file seems "
        "to be separated by semicolons; save it with commas)"
    ]
    (figures_dir / "schemes.csv").write_text("")
    assert messages(figures_dir) == ["schemes.csv: is empty: no header row"]
    not_a_book = tmp_path / "figures.xlsx"
    not_a_book.write_text("hello")
    assert messages(not_a_book) == ["figures.xlsx: is not an Excel workbook (.xlsx)"]
    assert messages(tmp_path / "nowhere") == [f"{tmp_path / 'nowhere'}: does not exist"]


def test_missing_column_and_unexpected_column(figures_dir):
    rows = read_rows(figures_dir / "contracts.csv")
    for row in rows:
        del row["baseline_value"]
        row["notes"] = "x"
    write_rows(figures_dir / "contracts.csv", rows)
    figures, problems = check_figures(figures_dir)
    assert figures is None
    assert [str(p) for p in problems] == [
        "warning: contracts.csv row 1: has an unexpected column 'notes', which was ignored",
        "contracts.csv row 1: is missing the required column 'baseline_value'",
    ]


def test_workbook_formulas_errors_and_hidden_sheets(tmp_path):
    from openpyxl import load_workbook

    book = tmp_path / "f.xlsx"
    write_template(book, load_figures(copy_figures(tmp_path / "src", ["E54000008"])))
    wb = load_workbook(book)
    wb["schemes"]["E2"] = "=E3*2"
    wb["schemes"]["E3"] = "#REF!"
    wb["schemes"]["E3"].data_type = "e"
    wb["contracts"].sheet_state = "hidden"
    wb["footprints"].title = "Footprints "
    wb.save(book)
    assert messages(book) == [
        "f.xlsx: has no sheet 'footprints' (found 'Footprints ': rename it 'footprints')",
        "f.xlsx sheet schemes row 2, column planned_saving: '=E3*2' is a formula; figures must "
        "be values (paste as values)",
        "f.xlsx sheet schemes row 3, column planned_saving: '#REF!' is an Excel error value",
        "f.xlsx sheet contracts: is hidden; unhide it, or delete it if it is not meant to be read",
    ]


def _corrupt_strategy():
    tables = st.sampled_from(["footprints", "schemes", "contracts"])
    junk = st.one_of(
        st.text(max_size=12),
        st.sampled_from(
            ["", "-1", "nan", "1e309", "£5", "1,000", "E54000999", "null", " ", "0x10", "1e-400"]
        ),
    )
    return st.tuples(tables, st.integers(0, 60), st.integers(0, 20), junk)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_corrupt_strategy())
def test_random_corruption_is_listed_never_a_crash(tmp_path_factory, corruption):
    table, row_index, col_index, junk = corruption
    folder = copy_figures(tmp_path_factory.mktemp("f"), ["E54000008"])
    path = folder / f"{table}.csv"
    rows = read_rows(path)
    row = rows[row_index % len(rows)]
    column = list(row)[col_index % len(row)]
    row[column] = junk
    write_rows(path, rows)
    figures, problems = check_figures(folder)
    files = {f"{name}.csv" for name in ("footprints", "schemes", "contracts", "sources")}
    errors = [p for p in problems if p.severity == "error"]
    for problem in errors:  # every error names a file of the figures and a row
        assert problem.where in files and problem.row is not None, str(problem)
    if figures is None:
        assert errors
        return
    # The junk was acceptable: it must load as exactly what it says, never misread.
    col = TABLES[table].column(column)
    loaded = getattr(figures, table)[column].iloc[row_index % len(rows)]
    text = junk.strip()
    if not text:
        assert not col.required and pd.isna(loaded)
    elif col.kind in ("money", "fraction", "percent", "int"):
        assert float(loaded) == float(text)
    elif col.kind == "text":  # "'=x" is read as "=x": the escape our outputs use (cells.py)
        assert loaded == restore(text)
    else:
        assert loaded == text
