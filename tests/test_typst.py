"""The briefing model's two renderers: blocks to HTML and to Typst, real Typst compiles.

Fast: no notebook runs here (the end-to-end packs are in test_briefings.py)."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from stpreport.briefing import charts
from stpreport.briefing.blocks import TYPST_MIMETYPE, Block, Section, join, lit
from stpreport.briefing.html import (
    Col,
    definition_list,
    figure,
    key_numbers,
    para,
    table,
    verdict_box,
)
from stpreport.briefing.pages import (
    edition_index_page,
    markdown_typst,
    typst_document,
    typst_pdf,
)
from stpreport.briefing.sections import title_block
from stpreport.briefing.words import more_or_less
from stpreport.inputs import load_figures

A4 = (595.28, 841.89)
HOSTILE = [
    "#set page(width: 1cm)",
    "*bold*",
    "$x$",
    "\\",
    "<b>",
    "@ref",
    "]",
    '"',
    "#{",
    "= heading",
    "// comment",
    "/* open",
    "`raw`",
    "_em_",
    "\\u{41}",
    "#pagebreak()",
]
HOSTILE_NAME = 'Close ] #set page(width: 1cm) *bold* $x$ \\ <b> @ref " #{ ` _x_ \\u{41}'


def compile_blocks(block: Block, title: str = "A test briefing") -> bytes:
    return typst_pdf(
        typst_document(block.typst, title=title, header="header", illustrative=True, version="test")
    )


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)


def struct_elements(reader: PdfReader) -> list:
    """Every structure element of a tagged PDF, depth first."""
    root = reader.trailer["/Root"]["/StructTreeRoot"].get_object()
    found, todo = [], [root]
    while todo:
        node = todo.pop()
        kids = node.get("/K")
        if kids is None:
            continue
        kids = kids.get_object()
        for kid in kids if isinstance(kids, list) else [kids]:
            kid = kid.get_object()
            if hasattr(kid, "get") and "/S" in kid:
                found.append(kid)
                todo.append(kid)
    return found


@pytest.fixture(scope="module")
def hostile_pdf() -> bytes:
    frame = pd.DataFrame({"name": [HOSTILE_NAME, *HOSTILE], "value": range(len(HOSTILE) + 1)})
    block = (
        title_block(HOSTILE_NAME, "subtitle ]", True).block
        + verdict_box(
            "Verdict", [(h, h, "gap") for h in HOSTILE[:3]], HOSTILE_NAME, rating="at risk ]"
        )
        + para(" ".join(HOSTILE), "callout")
        + table(
            frame,
            [Col("name", "Scheme *", href=lambda r: "x.html#]"), Col("value", "$", numeric=True)],
            HOSTILE_NAME,
            total={"name": "]", "value": "#"},
        )
        + figure(
            charts.histogram([1.0, 2.0, 2.5], [0, 1, 2, 3], HOSTILE_NAME, "x"),
            HOSTILE_NAME,
            HOSTILE_NAME,
        )
        + definition_list([(h, h) for h in HOSTILE])
    )
    return compile_blocks(block, title=HOSTILE_NAME)


def test_typst_literals_escape_every_string():
    assert lit('a "b" \\ c\nd') == '"a \\"b\\" \\\\ c\\nd"'
    assert lit(None) == "none" and lit(True) == "true" and lit(2) == "2"
    assert lit(["x"]) == '("x", )'
    assert lit({"a": "]"}) == '("a": "]")'
    assert lit(float("nan")) == "none"
    assert lit(np.bool_(True)) == "true" and lit(np.int64(3)) == "3"
    assert lit(np.float64(0.5)) == "0.5"


def test_hostile_text_through_typst_is_shown_literally(hostile_pdf):
    reader = PdfReader(io.BytesIO(hostile_pdf))
    for page in reader.pages:  # '#set page(width: 1cm)' was not obeyed
        assert (round(float(page.mediabox.width), 2), round(float(page.mediabox.height), 2)) == A4
    text = pdf_text(hostile_pdf)
    for h in HOSTILE:
        assert h in text, h
    assert reader.metadata.title == HOSTILE_NAME


def test_blocks_compose_and_refuse_raw_strings():
    a, b = para("one"), para("two")
    both = a + b
    assert both.html == "<p>one</p><p>two</p>"
    assert both.typst == a.typst + b.typst
    assert ("" + a) == a and (a + "") == a
    assert join([a, "", b]) == both
    with pytest.raises(TypeError):
        a + "<p>raw</p>"
    with pytest.raises(TypeError):
        "<p>raw</p>" + a


def test_a_section_carries_html_and_typst():
    section = Section(para("<b>x</b>"))
    bundle = section._repr_mimebundle_()
    assert bundle["text/html"] == "<p>&lt;b&gt;x&lt;/b&gt;</p>"
    assert bundle[TYPST_MIMETYPE] == '#stp-para("<b>x</b>", kind: "")\n'


def test_html_figure_validates_and_tables_never_have_an_empty_header():
    svg = charts.histogram([1.0, 2.0], [0, 1, 2, 3], "t", "x")
    html = figure(svg, "alt <text>", "caption").html
    assert '<figure class="chart">' in html and 'role="img"' not in html.split("<svg")[0]
    assert '<svg role="img" aria-label="alt &lt;text&gt;"' in html
    t = table(pd.DataFrame({"a": [1], "b": [2]}), [Col("a", "A"), Col("b", "")], "c").html
    assert '<th scope="col"></th>' not in t
    assert '<div class="table-wrap" role="region" aria-label="c" tabindex="0">' in t


def test_markdown_narrative_becomes_typst_text_never_markup():
    source = markdown_typst("## The *gap* #set\n\nA $x$ [link](a.html) <b>\nnext")
    assert source.startswith('#heading(level: 2, ("The " + emph(("gap")) + " #set"))')
    pdf = compile_blocks(Block("", markdown_typst("# Title") + source))  # PDF/UA: h1 first
    assert "The gap #set" in pdf_text(pdf) and "A $x$ link <b> next" in pdf_text(pdf)


def test_pdf_is_tagged_pdf_ua_with_title_language_and_alt_text(hostile_pdf):
    reader = PdfReader(io.BytesIO(hostile_pdf))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "en-GB"
    assert "/Metadata" in root  # XMP
    assert b"pdfuaid:part" in root["/Metadata"].get_object().get_data()
    assert "/Outlines" in root  # headings as bookmarks
    elements = struct_elements(reader)
    figures = [e for e in elements if e["/S"] == "/Figure"]
    assert figures and all(str(e.get("/Alt", "")).strip() for e in figures)
    assert any(e["/S"] == "/Table" for e in elements)
    assert any(e["/S"] == "/TH" for e in elements)


def test_the_same_blocks_compile_to_the_same_bytes():
    block = title_block("Same", "twice", False).block + key_numbers([("Gap", "£1m", "gap")])
    assert compile_blocks(block) == compile_blocks(block)


def test_chart_colours_have_three_to_one_contrast_on_white():
    def luminance(colour: str) -> float:
        rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        rgb = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]

    for colour in charts.PALETTE:
        assert 1.05 / (luminance(colour) + 0.05) >= 3, colour


def longest_footprint_name() -> str:
    names = load_figures(None).footprints["name"]
    return max(names, key=len)


def all_charts() -> list[str]:
    name = longest_footprint_name()
    labels = [
        name,
        "Efficiency",
        "Demand mgmt",
        "Reconfig.",
        "Prescribing",
        "Back office",
        "Workforce",
        "Other",
        "Honest gap",
    ]
    return [
        charts.bridge_chart(labels, [600, 100, 50, 20, 10, 5, 5, 5, 405], f"The bridge: {name}"),
        charts.trajectory_chart(["2016/17", "2017/18"], [1.0, 2.0], [1.0, 1.5], name),
        charts.paired_bars([name, "B"], [1, 2], [2, 1], ("Plan", "Contracts"), name, "x"),
        charts.paired_bars(
            [name] * 12, [1] * 12, [2] * 12, ("a", "b"), name, "£m", horizontal=True
        ),
        charts.ranked_bars([name] * 44, list(range(44)), name, "£ a head"),
        charts.histogram([1.0, 2.0], [0, 1, 2, 3], name, "x"),
        charts.fan_chart(
            ["2016/17", "2017/18"], [1.0, 2.0], [1.5, 2.5], [2.0, 3.0], [1.0, 0.5], name
        ),
        charts.tornado([name, "Demand growth a year"], [90.0, 80.0], [120.0, 110.0], 100.0, name),
    ]


def test_chart_text_is_at_least_11_px_on_a_390_px_phone():
    with plt.rc_context(charts.STYLE):  # even where a chart asks for smaller text
        fig, ax = charts._figure()
        ax.set_xticks([0, 1], ["a", "b"], fontsize=6)
        small = charts._svg(fig)
    for svg in [*all_charts(), small]:
        width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))
        sizes = [float(s) for s in re.findall(r"font-size: ([\d.]+)px", svg)]
        assert sizes and min(sizes) * charts.PHONE_PX / width >= 11, (width, min(sizes))


def test_a_users_matplotlibrc_does_not_change_the_charts(tmp_path):
    """The charts come out the same on every machine: drawn from matplotlib's defaults and
    the house style, whatever the builder's own matplotlibrc says."""
    (tmp_path / "matplotlibrc").write_text(
        "lines.linewidth: 5\nhatch.linewidth: 3\naxes.linewidth: 4\n"
        "axes.unicode_minus: False\nfont.size: 20\nsvg.fonttype: path\n"
        "axes.prop_cycle: cycler('color', ['red', 'green'])\n"
    )
    script = (
        "import hashlib, sys\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "import test_typst\n"
        "for svg in test_typst.all_charts():\n"
        "    print(hashlib.sha256(svg.encode()).hexdigest())\n"
    )
    here = str(Path(__file__).parent)

    def hashes(env: dict[str, str]) -> list[str]:
        run = subprocess.run(
            [sys.executable, "-c", script, here], capture_output=True, text=True, env=env
        )
        assert run.returncode == 0, run.stderr
        return run.stdout.split()

    plain = {k: v for k, v in os.environ.items() if k != "MPLCONFIGDIR"}
    plain["STPREPORT_CACHE_DIR"] = str(tmp_path / "cache-1")  # each run draws its charts
    mine = hashes(plain | {"MPLCONFIGDIR": str(tmp_path)})
    plain["STPREPORT_CACHE_DIR"] = str(tmp_path / "cache-2")
    assert len(mine) == len(all_charts()) and mine == hashes(plain)


def test_x_labels_never_overlap_even_with_the_longest_footprint_name():
    name = longest_footprint_name()
    for labels in (
        [name, "Efficiency", "Demand mgmt", "Honest gap"],
        ["Do-nothing gap", *(["Demand mgmt"] * 7), "Honest gap"],
        ["A", "B"],
    ):
        with plt.rc_context(charts.STYLE):
            fig, ax = plt.subplots(figsize=(charts.WIDTH, 3.4))
            ax.bar(range(len(labels)), [1] * len(labels))
            charts.fit_x_labels(fig, ax, labels)
            fig.canvas.draw()
            assert not charts._overlapping(fig, ax.get_xticklabels()), labels
            plt.close(fig)


def test_a_negative_amount_is_never_put_in_a_sentence_with_its_minus():
    assert more_or_less(14.2) == "£14m more"
    assert more_or_less(-14.2) == "£14m less"
    assert more_or_less(-3, more="larger", less="smaller") == "£3m smaller"


def test_the_edition_index_shares_the_briefings_frame():
    packs = table(
        pd.DataFrame({"name": ["<b>Hostileshire</b>"]}),
        [Col("name", "Footprint", href=lambda r: "E1.html")],
        "1 footprint",
    )
    page = edition_index_page(
        edition="<ed>",
        packs=packs,
        national_links=[("PDF", "n.pdf")],
        national_status="ok",
        illustrative=True,
        version="v",
    )
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en-GB">' in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "<title>STP briefings, edition &lt;ed&gt;</title>" in page
    assert "&lt;b&gt;Hostileshire&lt;/b&gt;" in page and "<b>" not in page
    assert 'class="illustrative-notice"' in page and '<a href="n.pdf">PDF</a>' in page
    assert 'href="index.html"' not in page  # the index does not link to itself


@pytest.mark.parametrize("space", [200, 228, 236, 240, 244])
def test_a_long_table_never_leaves_its_caption_alone_at_a_page_foot(space):
    """However far down the page a long table starts, its caption goes with its first rows."""
    rows = pd.DataFrame({"a": [f"row {i}" for i in range(40)]})
    body = Block("", markdown_typst("# T") + f"#v({space}mm)\n") + table(
        rows, [Col("a", "Heading")], "The caption"
    )
    pages = PdfReader(io.BytesIO(compile_blocks(body))).pages
    for page in pages:
        lines = [line for line in page.extract_text().splitlines() if line.strip()]
        if "The caption" in lines:
            after = lines[lines.index("The caption") + 1 :]
            assert after[:2] == ["Heading", after[1]] and after[1].startswith("row"), lines


def test_a_notebook_without_briefing_sections_is_refused_with_a_reason():
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    from stpreport.render import notebook_pdf

    nb = new_notebook(cells=[new_markdown_cell("## The gap"), new_code_cell("1 + 1")])
    with pytest.raises(ValueError, match="execute it again"):
        notebook_pdf(nb)


def test_a_pdf_links_to_the_pdf_beside_it_and_an_html_page_to_the_html():
    from stpreport.briefing.html import pdf_link

    assert pdf_link("E54000008.html") == "E54000008.pdf"
    assert pdf_link("index.html") == "index.pdf"
    assert pdf_link("https://example.org/a.html") == "https://example.org/a.html"
    assert pdf_link("/abs/a.html") == "/abs/a.html"
