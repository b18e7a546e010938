"""The briefings end to end: real Papermill, real nbconvert, real Typst, read back."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import papermill as pm
import pytest
from helpers import write_figures
from pypdf import PdfReader

from stpreport.analysis import analyse
from stpreport.assumptions import load_assumptions
from stpreport.formatting import money, percent
from stpreport.inputs import load_figures
from stpreport.render import render_notebook

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
HOSTILE = "<script>alert(1)</script>"
A4 = (595.28, 841.89)


def execute(notebook: str, out: Path, **parameters) -> Path:
    pm.execute_notebook(
        str(NOTEBOOKS / notebook),
        str(out),
        parameters=parameters,
        progress_bar=False,
        cwd=str(ROOT),
    )
    return out


def pdf_text(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def assert_offline_and_codeless(html: str) -> None:
    assert "<script" not in html.lower()
    without_namespaces = re.sub(r'xmlns(:\w+)?="[^"]*"', "", html)
    assert "http://" not in without_namespaces and "https://" not in without_namespaces
    assert "//cdn" not in html and "@import" not in html
    for code in ("FootprintPack.load", "NationalBriefing.load", "pack.verdict()", "import "):
        assert code not in html


@pytest.fixture(scope="module")
def packs(tmp_path_factory) -> dict[str, dict]:
    """Executed and rendered briefings, shared by the tests below."""
    work = tmp_path_factory.mktemp("packs")
    small = write_figures(
        work / "small",
        [{"code": "ALLPEARS", "name": f"Pearshire {HOSTILE}"}, {"code": "T2"}],
        [
            {
                "footprint": "ALLPEARS",
                "scheme_id": "P1",
                "name": HOSTILE,
                "origin": "balancing",
                "category": "other",
            },
            {
                "footprint": "ALLPEARS",
                "scheme_id": "P2",
                "name": "Close {{ everything }} & $x$",
                "category": "service_reconfiguration",
                "capital_required": "100",
                "political_support": "opposed",
                "consultation": "not_started",
            },
            {"footprint": "T2", "scheme_id": "Q1"},
        ],
        [{"footprint": "ALLPEARS"}, {"footprint": "T2"}],
    )
    runs = {
        "E54000008": ("footprint.ipynb", {"footprint": "E54000008", "edition": "test-1"}, None),
        "E54000013": ("footprint.ipynb", {"footprint": "E54000013", "edition": "test-1"}, None),
        # the longest footprint name: the hardest test of the title, header and labels
        "E54000045": ("footprint.ipynb", {"footprint": "E54000045", "edition": "test-1"}, None),
        "ALLPEARS": (
            "footprint.ipynb",
            {"footprint": "ALLPEARS", "edition": "test-1", "figures": str(small)},
            small,
        ),
        "national": ("national.ipynb", {"edition": "test-1"}, None),
    }
    result = {}
    for key, (notebook, parameters, figures) in runs.items():
        executed = execute(notebook, work / f"{key}.ipynb", **parameters)
        html_path, pdf_path = render_notebook(executed, work, stem=key)
        result[key] = {
            "html": html_path.read_text(encoding="utf-8"),
            "pdf": pdf_path,
            "text": pdf_text(pdf_path),
            "figures": figures,
            "executed": executed,
        }
    return result


def key_numbers(code: str, figures: Path | None = None) -> list[str]:
    an = analyse(load_figures(figures), load_assumptions())
    row = an.row(code)
    return [
        money(row["do_nothing_gap"]),
        money(row["expected_savings"]),
        money(row["honest_gap"]),
        percent(row["p_balance"]),
    ]


@pytest.mark.parametrize("code", ["E54000008", "E54000013", "ALLPEARS"])
def test_footprint_pack_html_is_offline_codeless_and_carries_the_numbers(packs, code):
    pack = packs[code]
    html = pack["html"]
    assert_offline_and_codeless(html)
    verdict = html[html.index('aria-label="Verdict"') :]
    for number in key_numbers(code, pack["figures"]):
        assert number in verdict
    assert html.count("<h1>") == 1 and "<h2" in html
    figures = re.findall(r"<figure[^>]*>\s*<svg [^>]*>", html)
    assert figures and all('role="img"' not in f.split("<svg")[0] for f in figures)
    svgs = [f.split("<svg")[1] for f in figures]  # nbconvert sorts the attributes
    assert all('role="img"' in svg and 'aria-label="' in svg for svg in svgs)
    assert html.count("<figcaption>") == len(figures) == html.count("<figure")


@pytest.mark.parametrize("code", ["E54000008", "E54000013", "E54000045", "ALLPEARS"])
def test_footprint_pack_pdf_is_a4_and_names_the_footprint(packs, code):
    pack = packs[code]
    reader = PdfReader(pack["pdf"])
    for page in reader.pages:
        box = page.mediabox
        assert (round(float(box.width), 2), round(float(box.height), 2)) == A4
    text = pack["text"]
    name = load_figures(pack["figures"]).footprint(code)["name"]
    assert name.split(" <")[0] in text[0]
    flat = " ".join(" ".join(t.split()) for t in text)
    for number in key_numbers(code, pack["figures"]):
        assert number in flat
    assert all(f"Page {i} of {len(text)}" in t for i, t in enumerate(text, start=1))


def test_illustrative_notice_on_page_one_and_every_footer_only_when_illustrative(packs):
    bundled = packs["E54000008"]["text"]
    assert "Illustrative figures" in bundled[0]
    assert all("Illustrative figures: not published data" in page for page in bundled)
    own = packs["ALLPEARS"]["text"]  # figures with no sources: supplied, not illustrative
    assert not any("Illustrative" in page for page in own)
    assert "Illustrative" not in packs["ALLPEARS"]["html"]


def test_hostile_text_is_shown_literally_never_executed(packs):
    html, text = packs["ALLPEARS"]["html"], " ".join(packs["ALLPEARS"]["text"])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert" not in html
    assert HOSTILE in " ".join(text.split())
    assert "{{ everything }}" in html and "$x$" in html


def test_all_pears_footprint_says_so(packs):
    html = packs["ALLPEARS"]["html"]
    assert "Apples: none." in html
    assert "Pears: savings that will not be" in html


def test_pack_with_an_empty_category_names_it(packs):
    assert "The plan has no scheme in: Prescribing." in packs["E54000013"]["html"]


def test_national_briefing(packs):
    national = packs["national"]
    html = national["html"]
    assert_offline_and_codeless(html)
    totals = analyse(load_figures(), load_assumptions()).national["totals"]
    flat = " ".join(" ".join(t.split()) for t in national["text"])
    for key in ("do_nothing_gap", "planned_savings", "expected_savings", "honest_gap"):
        assert money(totals[key]) in html and money(totals[key]) in flat
    assert html.count('href="E540000') == 44  # a link to every pack
    assert "Illustrative figures" in national["text"][0]
    assert "England's Sustainability and Transformation" in national["text"][0]


def test_executed_notebooks_hide_nothing_unexpected(packs):
    nb = nbformat.read(str(packs["E54000008"]["executed"]), as_version=4)
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert not errors


def test_same_notebook_renders_to_identical_bytes(packs, tmp_path):
    again = render_notebook(packs["E54000008"]["executed"], tmp_path, stem="again")
    assert again[0].read_text(encoding="utf-8") == packs["E54000008"]["html"]
    assert again[1].read_bytes() == packs["E54000008"]["pdf"].read_bytes()


def test_papermill_cli_from_the_repository_root_and_stpreport_render(tmp_path):
    out = tmp_path / "out.ipynb"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            "notebooks/footprint.ipynb",
            str(out),
            "-p",
            "footprint",
            "E54000008",
            "--log-level",
            "ERROR",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    result = subprocess.run(
        [sys.executable, "-m", "stpreport.cli", "render", str(out), "--format", "pdf"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out.pdf").stat().st_size > 10_000


def test_nbconvert_finds_the_exporters(packs, tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "jupyter",
            "nbconvert",
            "--to",
            "stpreport_html",
            str(packs["E54000008"]["executed"]),
            "--output-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "Cheshire and Merseyside" in (tmp_path / "E54000008.html").read_text()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "jupyter",
            "nbconvert",
            "--to",
            "stpreport_pdf",
            str(packs["E54000008"]["executed"]),
            "--output-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "E54000008.pdf").read_bytes() == packs["E54000008"]["pdf"].read_bytes()


def content_lines(page_text: str) -> list[str]:
    """A page's extracted lines without its running header (first) and footer (last)."""
    return [line for line in page_text.splitlines() if line.strip()][1:-1]


@pytest.mark.parametrize("code", ["E54000008", "E54000045"])
def test_pdf_page_one_holds_the_verdict_and_the_same_numbers_as_the_html(packs, code):
    pack = packs[code]
    html_numbers = re.findall(r'<span class="value">([^<]*)</span>', pack["html"])
    assert len(html_numbers) == 4
    first = " ".join(pack["text"][0].split())
    assert "Rating:" in first
    for number in html_numbers:
        assert number in first


@pytest.mark.parametrize("code", ["E54000045", "national"])
def test_pdf_layout_no_stranded_heading_or_lone_caption(packs, code):
    pack = packs[code]
    nb = nbformat.read(str(pack["executed"]), as_version=4)
    headings = {
        line.lstrip("#").strip()
        for c in nb.cells
        if c.cell_type == "markdown"
        for line in c.source.splitlines()
        if line.startswith("#")
    }
    for number, page in enumerate(pack["text"], start=1):
        lines = content_lines(page)
        assert len(lines) >= 3, f"page {number} holds only {lines}"
        assert lines[-1].strip() not in headings, f"page {number} ends with a heading"


@pytest.mark.parametrize("code", ["E54000008", "national"])
def test_pdf_is_tagged_with_title_language_outline_and_alt_text(packs, code):
    reader = PdfReader(packs[code]["pdf"])
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/Lang"] == "en-GB" and "/Outlines" in root
    assert reader.metadata.title and "/Metadata" in root
    images = [e for e in _struct(root["/StructTreeRoot"]) if e["/S"] == "/Figure"]
    assert images and all(str(e.get("/Alt", "")).strip() for e in images)
    for page in reader.pages:  # running header and footer: pagination artifacts, not content
        stream = page.get_contents().get_data()
        assert b"/Subtype/Header/Type/Pagination" in stream
        assert b"/Subtype/Footer/Type/Pagination" in stream


def test_a_table_across_pages_repeats_its_header_row(packs):
    pages = [t for t in packs["E54000008"]["text"] if "Assumption Source" in t]
    assert len(pages) >= 2  # the assumptions table runs over pages, its header on each


def _struct(node) -> list:
    found, todo = [], [node.get_object()]
    while todo:
        kids = todo.pop().get("/K")
        kids = kids.get_object() if kids is not None else []
        for kid in kids if isinstance(kids, list) else [kids]:
            kid = kid.get_object()
            if hasattr(kid, "get") and "/S" in kid:
                found.append(kid)
                todo.append(kid)
    return found


@pytest.mark.parametrize("code", ["E54000008", "national"])
def test_html_reads_on_a_phone(packs, code):
    html = packs[code]["html"]
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert '<th scope="col"></th>' not in html and "<th></th>" not in html
    wraps = re.findall(r"<div [^>]*>", html)  # nbconvert sorts attributes
    wraps = [w for w in wraps if 'class="table-wrap"' in w]
    assert html.count("<table") == len(wraps)
    assert all('role="region"' in w and 'tabindex="0"' in w and "aria-label=" in w for w in wraps)
    assert 'href="index.html"' in html


VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"}
VOID_ELEMENTS |= {"source", "track", "wbr"}


class _SelfClosing(HTMLParser):
    """Elements written `<x ... />` outside inline SVG: harmless for void elements, but any
    other (an anchor, say) stays open in a browser over the rest of the page."""

    def __init__(self):
        super().__init__()
        self.svg_depth, self.found = 0, []

    def handle_starttag(self, tag, attrs):
        self.svg_depth += tag == "svg"

    def handle_endtag(self, tag):
        self.svg_depth -= tag == "svg"

    def handle_startendtag(self, tag, attrs):
        if not self.svg_depth and tag not in VOID_ELEMENTS:
            self.found.append(f"<{tag} {dict(attrs)} />")


@pytest.mark.parametrize("code", ["E54000008", "national"])
def test_html_writes_no_non_void_element_self_closed(packs, code):
    parser = _SelfClosing()
    parser.feed(packs[code]["html"])
    assert parser.found == []
