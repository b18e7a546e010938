"""nbconvert exporters for briefings: HTML (offline, no code) and PDF (A4, tagged PDF/UA-1,
compiled in-process by Typst from the same briefing blocks as the HTML).

Registered as the nbconvert entry points `stpreport_html` and `stpreport_pdf`, so
`jupyter nbconvert --to stpreport_pdf executed.ipynb` works, as does `stpreport render`.
"""

from __future__ import annotations

import copy
import functools
import re
from pathlib import Path
from typing import Any

from nbconvert.exporters import Exporter, HTMLExporter
from traitlets import default

from stpreport import __version__
from stpreport.briefing.blocks import TYPST_MIMETYPE
from stpreport.briefing.meta import META_MIMETYPE
from stpreport.briefing.stylesheet import CSS, TEMPLATES


def _take_meta(nb) -> tuple[Any, dict]:
    """A copy of the notebook without its meta outputs, and the meta they carried."""
    nb = copy.deepcopy(nb)
    meta: dict = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if META_MIMETYPE in data:
                meta = dict(data[META_MIMETYPE])
            else:
                kept.append(output)
        cell.outputs = kept
    return nb, meta


class BriefingHTMLExporter(HTMLExporter):
    """Self-contained briefing HTML: outputs and narrative, no code, no external URL."""

    export_from_notebook = "Briefing HTML"

    @default("template_name")
    def _template_name_default(self) -> str:
        return "briefing"

    @default("extra_template_basedirs")
    def _extra_template_basedirs_default(self) -> list[str]:
        return [str(TEMPLATES)]

    @default("exclude_input")
    def _exclude_input_default(self) -> bool:
        return True

    @default("anchor_link_text")
    def _anchor_link_text_default(self) -> str:
        return ""

    @default("optimistic_validation")
    def _optimistic_validation_default(self) -> bool:
        return True  # validate the notebook once, after the preprocessors, not after each

    def from_notebook_node(self, nb, resources=None, **kw):
        """The notebook's outputs and narrative (nbconvert's template) inside the page frame
        that every HTML page shares (`base.html.j2`)."""
        from markupsafe import Markup

        from stpreport.briefing.pages import html_page

        nb, meta = _take_meta(nb)
        body, resources = self._body(nb, resources, **kw)
        page = html_page(
            "briefing.html.j2", body=Markup(body), css=Markup(CSS), **_briefing_meta(meta)
        )
        return page, resources

    def _body(self, nb, resources, **kw):
        """The template's output, without the pass `HTMLExporter` makes over it with
        BeautifulSoup (a fifth of a pack's HTML export): that pass adds `tabindex` to code
        cells' input and output areas and a placeholder `alt` to images, and this template
        writes neither (no code is shown; charts are inline SVG with their own description).
        The filters `HTMLExporter` registers first are registered here too, and the one thing
        that pass mended here is mended (`_EMPTY_ANCHOR`)."""
        from nbconvert.exporters.templateexporter import TemplateExporter
        from nbconvert.filters.highlight import Highlight2HTML
        from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

        resources = self._init_resources(resources)
        self.register_filter("highlight_code", Highlight2HTML(parent=self))
        self.register_filter(
            "filter_data_type",
            WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources
            ),
        )
        body, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return _EMPTY_ANCHOR.sub(r"\1></a>", body), resources


_EMPTY_ANCHOR = re.compile(r'(<a class="anchor-link" href="#[^"<>]*") />')
"""nbconvert's Markdown renderer writes each heading's (empty) anchor link with ElementTree,
as `<a ... />`: not a void element in HTML, so a browser leaves it open over the rest of the
section. `HTMLExporter`'s BeautifulSoup pass used to close it; now this does."""


def _briefing_meta(meta: dict) -> dict:
    return {
        "title": meta.get("title", "STP briefing"),
        "header": meta.get("header", "STP briefing"),
        "illustrative": bool(meta.get("illustrative", False)),
        "version": __version__,
    }


def notebook_typst(nb) -> str:
    """The Typst source of an executed briefing: its Markdown narrative and the Typst twin of
    every displayed section, in cell order, inside the one page frame. Code is never shown;
    an error output is shown as text, as the HTML shows it."""
    from stpreport.briefing.pages import markdown_typst, output_typst, typst_document

    meta: dict = {}
    body: list[str] = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":  # a heading and its introduction stay with what follows
            body.append(f"#block(sticky: true)[\n{markdown_typst(cell.source)}]\n")
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if META_MIMETYPE in data:
                meta = dict(data[META_MIMETYPE])
            elif TYPST_MIMETYPE in data:
                typst = data[TYPST_MIMETYPE]
                body.append("".join(typst) if isinstance(typst, list) else typst)
            elif output.get("output_type") == "error":
                body.append(output_typst(f"{output.ename}: {output.evalue}"))
            elif data.get("text/plain") and "text/html" not in data:
                text = data["text/plain"]
                body.append(output_typst("".join(text) if isinstance(text, list) else text))
    if not any(
        TYPST_MIMETYPE in o.get("data", {})
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
    ):
        raise ValueError(
            "the notebook has no briefing sections to put in a PDF: it was not "
            "executed, or was executed by a stpreport that made its PDFs from "
            "HTML; execute it again"
        )
    return typst_document("".join(body), **_briefing_meta(meta))


def notebook_pdf(nb) -> bytes:
    """An executed briefing as PDF bytes (tagged, PDF/UA-1, A4)."""
    from stpreport.briefing.pages import typst_pdf

    return typst_pdf(notebook_typst(nb))


class BriefingPDFExporter(Exporter):
    """The briefing as an A4, tagged PDF/UA-1, compiled by Typst in-process from the Typst twin
    of each displayed section (no browser, no TeX, no HTML in between)."""

    export_from_notebook = "Briefing PDF"
    output_mimetype = "application/pdf"

    @default("file_extension")
    def _file_extension_default(self) -> str:
        return ".pdf"

    def from_notebook_node(self, nb, resources=None, **kw):
        nb_copy, resources = super().from_notebook_node(nb, resources, **kw)
        resources["output_extension"] = ".pdf"
        return notebook_pdf(nb_copy), resources


def render_notebook(
    notebook: Path,
    out_dir: Path,
    formats: tuple[str, ...] = ("html", "pdf"),
    stem: str | None = None,
) -> list[Path]:
    """Render an executed briefing notebook to HTML and/or PDF in `out_dir`, atomically."""
    import nbformat

    from stpreport.atomic import write_atomic

    nb = nbformat.read(str(notebook), as_version=4)
    stem = stem or Path(notebook).stem
    written = []
    for name, data in render_formats(nb, stem, formats).items():
        write_atomic(out_dir / name, data)
        written.append(out_dir / name)
    return written


@functools.cache
def html_exporter() -> BriefingHTMLExporter:
    """One HTML exporter per process: building one loads its templates (about 40 ms)."""
    return BriefingHTMLExporter()


def notebook_html(nb) -> bytes:
    """An executed briefing as a self-contained HTML page."""
    return html_exporter().from_notebook_node(nb)[0].encode("utf-8")


def warm_up() -> None:
    """Render a small briefing in every format and throw it away, so that the next render in
    this process finds its exporter's templates loaded and Typst's fonts read and laid out
    once (the first pack a process renders otherwise takes 0.3 s more: docs/performance.md).
    A worker calls it while its kernel starts. Nothing is kept but those caches: the PDF and
    HTML of a briefing are the same bytes whether or not a process warmed up first
    (`test_build.py::test_a_renderer_that_warmed_up_writes_the_same_bytes`)."""
    render_formats(_warm_up_notebook(), "warm-up", tuple(RENDERERS))


def _warm_up_notebook():
    from nbformat import v4

    from stpreport.briefing.blocks import call
    from stpreport.briefing.meta import META_MIMETYPE

    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="360pt" height="72pt" '
        'viewBox="0 0 360 72"><path d="M 10 60 L 350 10" style="stroke: #005eb8"/>'
        '<text x="10" y="30" style="font: 11px \'DejaVu Sans\'">£12m warm-up</text></svg>'
    )
    typst = (
        call("stp-numbers", [["Honest gap", "£12m", "gap"]])
        + call(
            "stp-table",
            caption="Warm-up",
            columns=[{"numeric": False, "nowrap": False}, {"numeric": True, "nowrap": True}],
            header=["Scheme", "£m"],
            rows=[["A scheme", "1.0"]],
            total=["Total", "1.0"],
        )
        + call("stp-chart", svg, alt="A warm-up chart", caption="Warm-up")
    )
    section = v4.new_output(
        "display_data",
        {"text/html": "<p>Warm-up</p>", TYPST_MIMETYPE: typst, "text/plain": "warm-up"},
    )
    meta = v4.new_output("display_data", {META_MIMETYPE: {"title": "Warm-up"}})
    return v4.new_notebook(
        cells=[
            v4.new_markdown_cell("# Warm-up\n\nA *short* **paragraph** with a [link](x.html)."),
            v4.new_code_cell("", outputs=[meta, section]),
        ]
    )


RENDERERS = {"html": notebook_html, "pdf": notebook_pdf}
"""Output formats by name (as nbconvert's `get_exporter` looks exporters up)."""


def render_formats(nb, stem: str, formats: tuple[str, ...] = ("html", "pdf")) -> dict[str, bytes]:
    """An executed briefing in each format asked for, as `{file name: bytes}`: the one
    rendering function for `stpreport render` and the build's workers alike. Writes nothing."""
    return {f"{stem}.{name}": RENDERERS[name](nb) for name in formats}
