"""Broken figures, hostile text, dead kernels, unwritable folders, random kill -9."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import copy_figures, read_rows, sabotaged_notebooks, write_figures, write_rows
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader

from stpreport.cli import main
from stpreport.inputs import load_figures
from stpreport.pipeline.runner import BuildOptions, run_build
from stpreport.template import write_template

ROOT = Path(__file__).resolve().parent.parent
CODES = ["E54000008", "E54000031"]


# -- the corpus ------------------------------------------------------------------------------
def _csv(table: str, index: int, column: str, value: str):
    def apply(folder: Path) -> Path:
        rows = read_rows(folder / f"{table}.csv")
        rows[index][column] = value
        write_rows(folder / f"{table}.csv", rows)
        return folder

    return apply


def _bytes(table: str, data: bytes):
    def apply(folder: Path) -> Path:
        (folder / f"{table}.csv").write_bytes(data)
        return folder

    return apply


def _text_edit(table: str, edit):
    def apply(folder: Path) -> Path:
        path = folder / f"{table}.csv"
        path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
        return folder

    return apply


def _rows_edit(table: str, edit):
    def apply(folder: Path) -> Path:
        rows = read_rows(folder / f"{table}.csv")
        write_rows(folder / f"{table}.csv", edit(rows))
        return folder

    return apply


def _workbook(edit):
    def apply(folder: Path) -> Path:
        book = folder.parent / "figures.xlsx"
        write_template(book, load_figures(folder))
        wb = load_workbook(book)
        edit(wb)
        wb.save(book)
        return book

    return apply


def _cell(sheet: str, ref: str, value: str, error: bool = False):
    def edit(wb):
        wb[sheet][ref] = value
        if error:
            wb[sheet][ref].data_type = "e"

    return edit


def _empty_workbook(folder: Path) -> Path:
    book = folder.parent / "empty.xlsx"
    Workbook().save(book)
    return book


def _not_a_spreadsheet(folder: Path) -> Path:
    path = folder.parent / "figures.xlsx"
    path.write_bytes(b"%PDF-1.4 this is not a workbook")
    return path


def _other_format(folder: Path) -> Path:
    path = folder.parent / "figures.ods"
    path.write_bytes(b"PK\x03\x04")
    return path


def _million_row_csv(folder: Path) -> Path:
    header = (folder / "schemes.csv").read_text(encoding="utf-8").split("\n", 1)[0]
    line = "E54000008,X,name,other,1,,,,0,0,not_needed,supported,strong,strong,bottom_up\n"
    with (folder / "schemes.csv").open("w", encoding="utf-8") as fh:
        fh.write(header + "\n")
        fh.write(line * 1_000_000)
    return folder


def _million_row_workbook(folder: Path) -> Path:
    """A real 1,000,001-row sheet, written as sheet XML (openpyxl would take minutes)."""
    book = folder.parent / "big.xlsx"
    write_template(book, load_figures(folder))
    with zipfile.ZipFile(book) as source:
        items = {name: source.read(name) for name in source.namelist()}
    rows = "".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>' for i in range(1, 1_000_002))
    items["xl/worksheets/sheet2.xml"] = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats'
        '.org/spreadsheetml/2006/main"><dimension ref="A1:A1000001"/><sheetData>'
        + rows
        + "</sheetData></worksheet>"
    ).encode()
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in items.items():
            target.writestr(name, data)
    return book


CORPUS = {
    "truncated row": (
        _text_edit("schemes", lambda t: t[: t.index("\n", 400) - 30] + "\n"),
        "schemes.csv row 3, column political_support: 'co' must be one of",
    ),
    "truncated inside quotes": (
        _text_edit(
            "footprints",
            lambda t: t.replace("Cheshire and Merseyside", '"Cheshire, and Merseyside', 1),
        ),
        "footprints.csv row 3: is not valid CSV",
    ),
    "wrong delimiter": (
        _text_edit("contracts", lambda t: t.replace(",", ";")),
        "contracts.csv row 1: has a single column (the file seems to be "
        "separated by semicolons; save it with commas)",
    ),
    "latin-1": (
        _bytes("footprints", "code,name\nE1,Wrexham Maelor café\n".encode("latin-1")),
        "footprints.csv: is not UTF-8 text (byte 0xe9 on line 2)",
    ),
    "binary file": (
        _bytes("contracts", b"\x00\x01\x02PK\x00"),
        "contracts.csv row 1: holds NUL bytes: it is not a CSV text file",
    ),
    "nan": (
        _csv("footprints", 0, "nhs_spend", "NaN"),
        "footprints.csv row 2, column nhs_spend: 'NaN' must be a finite number",
    ),
    "infinity": (
        _csv("footprints", 0, "nhs_allocation", "Infinity"),
        "footprints.csv row 2, column nhs_allocation: 'Infinity' must be a finite number",
    ),
    "-inf": (
        _csv("contracts", 1, "plan_growth", "-inf"),
        "contracts.csv row 3, column plan_growth: '-inf' must be a finite number",
    ),
    "negative money": (
        _csv("schemes", 2, "capital_required", "-40"),
        "schemes.csv row 4, column capital_required: '-40' must be >= 0",
    ),
    "text in a number": (
        _csv("footprints", 1, "population", "about a million"),
        "footprints.csv row 3, column population: 'about a million' must be a whole number",
    ),
    "pound sign": (
        _csv("schemes", 0, "planned_saving", "£12.5"),
        "schemes.csv row 2, column planned_saving: '£12.5' is not a plain number",
    ),
    "thousands separator": (
        _csv("footprints", 0, "nhs_allocation", "4,602.3"),
        "footprints.csv row 2, column nhs_allocation: '4,602.3' is not a plain number",
    ),
    "percent sign": (
        _csv("contracts", 0, "contract_growth", "3%"),
        "contracts.csv row 2, column contract_growth: '3%' is not a plain number",
    ),
    "duplicate footprint": (
        _rows_edit("footprints", lambda r: [*r, dict(r[0])]),
        "footprints.csv row 4, column code: repeats code 'E54000008' (first at row 2)",
    ),
    "duplicate scheme id": (
        _csv("schemes", 1, "scheme_id", "E54000008-S01"),
        "schemes.csv row 3, column scheme_id: repeats scheme_id 'E54000008-S01' (first at row 2)",
    ),
    "scheme names unknown footprint": (
        _csv("schemes", 0, "footprint", "E54000099"),
        "schemes.csv row 2, column footprint: 'E54000099' names "
        "a footprint that is not in the footprints table",
    ),
    "contract names unknown footprint": (
        _csv("contracts", 0, "footprint", "Q99"),
        "contracts.csv row 2, column footprint: 'Q99' names a footprint",
    ),
    "missing column": (
        _rows_edit("schemes", lambda r: [{k: v for k, v in x.items() if k != "origin"} for x in r]),
        "schemes.csv row 1: is missing the required column 'origin'",
    ),
    "duplicate column": (
        _text_edit("contracts", lambda t: t.replace("plan_growth", "contract_growth", 1)),
        "contracts.csv row 1: has column 'contract_growth' twice",
    ),
    "stray comma": (
        _text_edit(
            "contracts", lambda t: t.replace("\n", ",,oops\n", 2).replace(",,oops\n", "\n", 1)
        ),
        "contracts.csv row 2: has 7 cells but the header has 5 columns",
    ),
    "header only": (
        _text_edit("contracts", lambda t: t.split("\n", 1)[0] + "\n"),
        "contracts.csv: has no rows of figures",
    ),
    "empty file": (_bytes("schemes", b""), "schemes.csv: is empty: no header row"),
    "missing file": (
        lambda f: (f / "schemes.csv").unlink() or f,
        "has no schemes.csv (required table)",
    ),
    "unknown category": (
        _csv("schemes", 0, "category", "Efficiency"),
        "schemes.csv row 2, column category: 'Efficiency' must be one of",
    ),
    "capital secured above required": (
        _csv("schemes", 0, "capital_secured", "100000"),
        "schemes.csv row 2, column capital_secured: '100000' must not exceed capital_required",
    ),
    "control character": (
        _csv("schemes", 0, "name", "bell\x07"),
        "schemes.csv row 2, column name: 'bell\\x07' contains a control character",
    ),
    "path in a code": (
        _csv("footprints", 0, "code", "../../etc"),
        "footprints.csv row 2, column code: '../../etc' must be a code",
    ),
    "1,000,000-row csv": (
        _million_row_csv,
        "schemes.csv: has 1,000,001 rows; at most 100,000 are accepted",
    ),
    "formula": (
        _workbook(_cell("schemes", "E2", "=E3*2")),
        "figures.xlsx sheet schemes row 2, column planned_saving: '=E3*2' is a formula",
    ),
    "#REF!": (
        _workbook(_cell("footprints", "E3", "#REF!", error=True)),
        "figures.xlsx sheet footprints row 3, column nhs_allocation: '#REF!' is an Excel "
        "error value",
    ),
    "#DIV/0!": (
        _workbook(_cell("contracts", "C2", "#DIV/0!", error=True)),
        "figures.xlsx sheet contracts row 2, column baseline_value: '#DIV/0!' is an "
        "Excel error value",
    ),
    "merged cells": (
        _workbook(lambda wb: wb["schemes"].merge_cells("A2:A3")),
        "figures.xlsx sheet schemes: has merged cells A2:A3",
    ),
    "hidden sheet": (
        _workbook(lambda wb: setattr(wb["schemes"], "sheet_state", "hidden")),
        "figures.xlsx sheet schemes: is hidden",
    ),
    "renamed sheet": (
        _workbook(lambda wb: setattr(wb["contracts"], "title", "Contracts 2017-19")),
        "figures.xlsx: has no sheet 'contracts' (sheets found: footprints, "
        "schemes, Contracts 2017-19, sources, notes)",
    ),
    "missing sheet": (
        _workbook(lambda wb: wb.remove(wb["footprints"])),
        "figures.xlsx: has no sheet 'footprints'",
    ),
    "empty workbook": (
        _empty_workbook,
        "empty.xlsx: has no sheet 'footprints' (sheets found: Sheet)",
    ),
    "not a spreadsheet": (_not_a_spreadsheet, "figures.xlsx: is not an Excel workbook (.xlsx)"),
    "other format": (
        _other_format,
        "figures.ods: is neither a folder of CSV files nor an .xlsx workbook",
    ),
    "1,000,001-row sheet": (
        _million_row_workbook,
        "big.xlsx sheet schemes: has more than 100,001 rows; at most 100,000 are accepted",
    ),
}


@pytest.fixture
def reports(tmp_path) -> Path:
    """An output folder that already holds an edition, which a refused build must not touch."""
    folder = tmp_path / "reports" / "ed1"
    folder.mkdir(parents=True)
    (folder / "E54000008.html").write_text("<html>last good pack</html>")
    (folder / "manifest.json").write_text("{}")
    return tmp_path / "reports"


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("case", sorted(CORPUS), ids=sorted(CORPUS))
def test_broken_figures_are_refused_by_validate_and_build(case, tmp_path, reports):
    make, expected = CORPUS[case]
    figures = make(copy_figures(tmp_path / "figures", CODES))
    before = _tree(reports)
    started = time.perf_counter()
    runner = CliRunner()
    validate = runner.invoke(main, ["validate", "--figures", str(figures)])
    assert validate.exit_code == 1, validate.output
    assert expected in validate.output, validate.output
    assert "Traceback" not in validate.output
    build = runner.invoke(
        main, ["build", "--figures", str(figures), "--out", str(reports), "--edition", "ed1"]
    )
    assert build.exit_code == 1 and expected in build.output, build.output
    assert "Nothing was built" in build.output
    assert _tree(reports) == before
    assert time.perf_counter() - started < 60  # even a million rows is refused quickly


def test_the_corpus_is_large_enough():
    assert len(CORPUS) >= 30


def test_extra_columns_warn_and_a_byte_order_mark_is_harmless(tmp_path):
    figures = copy_figures(tmp_path / "figures", CODES)
    rows = read_rows(figures / "schemes.csv")
    write_rows(figures / "schemes.csv", [r | {"owner": "finance"} for r in rows])
    path = figures / "footprints.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # Excel's "CSV UTF-8"
    result = CliRunner().invoke(main, ["validate", "--figures", str(figures)])
    assert result.exit_code == 0
    assert (
        "warning: schemes.csv row 1: has an unexpected column 'owner', which was ignored"
        in result.output
    )
    assert list(load_figures(figures).footprints["code"]) == CODES


# -- hostile text ----------------------------------------------------------------------------
LONG = "Very" * 2_500
HOSTILE = {
    "html": "<img src=x onerror=alert(1)><script>alert(1)</script>",
    "markdown": "**bold** [click](http://evil.example/) # heading",
    "latex": r"\textbf{x} $\alpha$ \input{/etc/passwd}",
    "jinja": "{{ 7*7 }} {% for x in y %}{% endfor %}",
    "rtl and emoji": "שלום مرحبا 🏥",
    "newline": "first line\nsecond line",
}


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory):
    work = tmp_path_factory.mktemp("hostile")
    schemes = [
        {"footprint": "H1", "scheme_id": f"H{i}", "name": text}
        for i, text in enumerate(HOSTILE.values())
    ]
    schemes.append({"footprint": "H1", "scheme_id": "LONG", "name": LONG})
    figures = write_figures(
        work / "figures",
        [
            {
                "code": "H1",
                "name": "Hostileshire " + HOSTILE["jinja"] + " " + HOSTILE["html"],
                "region": HOSTILE["rtl and emoji"],
            },
            {"code": "H2", "name": LONG},
        ],
        schemes,
        [{"footprint": "H1"}, {"footprint": "H2"}],
    )
    result = run_build(
        BuildOptions(figures=figures, out=work / "out", edition="ed1", jobs=2), lambda *a: None
    )
    assert not result.failed, result.failed
    return work / "out" / "ed1"


def test_hostile_text_shows_literally_in_html(hostile_build):
    # <wbr> only marks where a long word may break: the text itself is unchanged.
    html = (hostile_build / "H1.html").read_text(encoding="utf-8").replace("<wbr>", "")
    assert (
        "<script" not in html
        and "<img" not in html
        and "onerror=alert" not in html.replace("&lt;img src=x onerror=alert(1)&gt;", "")
    )
    assert "&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "**bold** [click](http://evil.example/) # heading" in html
    assert 'href="http://evil' not in html and "<strong>bold" not in html
    assert r"\textbf{x} $\alpha$ \input{/etc/passwd}" in html
    assert "{{ 7*7 }} {% for x in y %}{% endfor %}" in html and ">49<" not in html
    assert "שלום مرحبا 🏥" in html
    assert "first line\nsecond line" in html
    assert f"{LONG[:300]}… (10,000 characters)" in html


def test_hostile_text_shows_literally_in_the_pdf_and_breaks_no_layout(hostile_build):
    for code in ("H1", "H2"):
        reader = PdfReader(hostile_build / f"{code}.pdf")
        assert len(reader.pages) <= 14  # a 10,000-character name does not run for pages
        for page in reader.pages:
            assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (
                595,
                842,
            )
    # pypdf reads the font WeasyPrint encodes for right-to-left text as UTF-16 (poppler
    # reads it right): drop the NUL bytes it leaves.
    text = " ".join(
        " ".join(p.extract_text().replace("\x00", "").split())
        for p in PdfReader(hostile_build / "H1.pdf").pages
    )
    for literal in (
        "<script>alert(1)</script>",
        "**bold**",
        r"\textbf{x}",
        "{{ 7*7 }}",
        "{% for x in y %}",
        "first line second line",
    ):
        assert literal in text
    title = PdfReader(hostile_build / "H2.pdf").pages[0].extract_text()
    assert "(10,000 characters)" in title


def test_hostile_text_in_the_index_and_national_briefing(hostile_build):
    for name in ("index.html", "national.html"):
        html = (hostile_build / name).read_text(encoding="utf-8")
        assert "<script" not in html
        assert "Hostileshire {{ 7*7 }}" in html


# -- parameters, paths, faults ---------------------------------------------------------------
def test_values_injected_into_notebooks_are_data_not_code(tmp_path):
    sentinel = tmp_path / "pwned"
    folder = tmp_path / f"fig\"+__import__('os').system('touch {sentinel}')+\"'"
    figures = copy_figures(folder, ["E54000008"])
    result = run_build(
        BuildOptions(
            figures=figures,
            out=tmp_path / "out",
            edition="ed1",
            only=["E54000008"],
            jobs=1,
            formats=("html",),
        ),
        lambda *a: None,
    )
    assert not result.failed and not sentinel.exists()
    assert "Cheshire and Merseyside" in (tmp_path / "out" / "ed1" / "E54000008.html").read_text()


def test_a_kernel_that_dies_fails_that_footprint_alone(tmp_path):
    notebooks = sabotaged_notebooks(
        tmp_path / "notebooks", "import os\nif footprint == 'E54000008':\n    os._exit(1)"
    )
    figures = copy_figures(tmp_path / "figures", ["E54000008", "E54000031", "E54000041"])
    result = run_build(
        BuildOptions(
            figures=figures,
            out=tmp_path / "out",
            edition="ed1",
            jobs=1,
            notebooks=notebooks,
            formats=("html",),
        ),
        lambda *a: None,
    )
    assert list(result.failed) == ["E54000008"]
    assert result.failed["E54000008"].startswith("the kernel failed: DeadKernelError")
    assert sorted(result.ran) == ["E54000031", "E54000041", "national"]


def test_an_unwritable_output_folder_gives_a_clear_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = CliRunner().invoke(
        main, ["build", "--out", str(blocker / "reports"), "--only", "E54000008"]
    )
    assert result.exit_code == 1, result.output
    assert "cannot write the reports to" in result.output and "Traceback" not in result.output
    assert blocker.read_text() == "not a folder"
    usage = CliRunner().invoke(main, ["build", "--out", str(blocker)])
    assert usage.exit_code == 2 and "is a file" in usage.output


def test_a_read_only_output_folder_gives_a_clear_error(tmp_path):
    out = tmp_path / "reports"
    (out / "ed1").mkdir(parents=True)
    if subprocess.run(["chattr", "+i", str(out / "ed1")], capture_output=True).returncode:
        pytest.skip("this filesystem cannot make a folder read-only for root (chattr +i)")
    try:
        result = CliRunner().invoke(
            main, ["build", "--out", str(out), "--edition", "ed1", "--only", "E54000008"]
        )
    finally:
        subprocess.run(["chattr", "-i", str(out / "ed1")], check=True)
    assert result.exit_code == 1
    assert "cannot write the reports to" in result.output and "Traceback" not in result.output


@pytest.mark.slow
def test_random_kill_9_never_leaves_a_broken_report(tmp_path):
    """20 builds killed at random moments; each time every report is whole, and the build
    after it finishes byte-identical to an uninterrupted one."""
    figures = copy_figures(tmp_path / "figures", ["E54000008", "E54000031"])
    reference = tmp_path / "reference"
    run_build(BuildOptions(figures=figures, out=reference, edition="ed1", jobs=2), lambda *a: None)
    expected = {
        p.name: p.read_bytes()
        for p in (reference / "ed1").glob("*.*")
        if p.suffix in (".html", ".pdf")
    }
    rng = random.Random(20170401)
    out = tmp_path / "out"
    for trial in range(20):
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "stpreport.cli",
                "build",
                "--figures",
                str(figures),
                "--out",
                str(out),
                "--edition",
                "ed1",
                "--jobs",
                "2",
                "--force",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(rng.uniform(0.2, 9.0))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        folder = out / "ed1"
        for path in folder.glob("*.pdf"):
            assert path.read_bytes().rstrip().endswith(b"%%EOF"), (trial, path)
        for path in folder.glob("*.html"):
            assert path.read_text(encoding="utf-8").rstrip().endswith("</html>"), (trial, path)
        if (folder / "manifest.json").exists():
            json.loads((folder / "manifest.json").read_text())
        if trial % 4 == 3:  # the next build finishes the job, byte-identical
            result = run_build(
                BuildOptions(figures=figures, out=out, edition="ed1", jobs=2), lambda *a: None
            )
            assert not result.failed
            got = {
                p.name: p.read_bytes() for p in folder.glob("*.*") if p.suffix in (".html", ".pdf")
            }
            assert got == expected, trial
