"""nbconvert exporters for briefings: HTML (offline, no code) and PDF (A4, through WeasyPrint).

Registered as the nbconvert entry points `stpreport_html` and `stpreport_pdf`, so
`jupyter nbconvert --to stpreport_pdf executed.ipynb` works, as does `stpreport render`.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from nbconvert.exporters import HTMLExporter
from traitlets import default

from stpreport import __version__
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

    def from_notebook_node(self, nb, resources=None, **kw):
        nb, meta = _take_meta(nb)
        resources = self._init_resources(resources)
        resources["briefing"] = {
            "title": meta.get("title", "STP briefing"),
            "header": meta.get("header", "STP briefing"),
            "illustrative": bool(meta.get("illustrative", False)),
            "version": __version__,
            "css": CSS,
        }
        return super().from_notebook_node(nb, resources, **kw)


def url_fetcher(url: str, *args, **kwargs):
    """WeasyPrint may fetch nothing: a briefing is self-contained."""
    raise ValueError(f"briefings fetch no external resources (refused {url[:80]!r})")


FIXED_EPOCH = "1491004800"
"""2017-04-01: the timestamp fontTools stamps into the fonts WeasyPrint embeds. Without a fixed
one the PDF changes every second; SOURCE_DATE_EPOCH is the reproducible-builds convention."""


def html_to_pdf(html: str) -> bytes:
    import os

    from weasyprint import HTML

    os.environ.setdefault("SOURCE_DATE_EPOCH", FIXED_EPOCH)
    return HTML(string=html, url_fetcher=url_fetcher, base_url=".").write_pdf(
        uncompressed_pdf=False)


class BriefingPDFExporter(BriefingHTMLExporter):
    """The briefing HTML rendered to an A4 PDF by WeasyPrint (no browser, no TeX)."""

    export_from_notebook = "Briefing PDF"
    output_mimetype = "application/pdf"

    @default("file_extension")
    def _file_extension_default(self) -> str:
        return ".pdf"

    @default("template_file")
    def _template_file_default(self) -> str:
        return "index.html.j2"

    def from_notebook_node(self, nb, resources=None, **kw):
        html, resources = super().from_notebook_node(nb, resources, **kw)
        resources["output_extension"] = ".pdf"
        return html_to_pdf(html), resources


def render_notebook(notebook: Path, out_dir: Path, formats: tuple[str, ...] = ("html", "pdf"),
                    stem: str | None = None) -> list[Path]:
    """Render an executed briefing notebook to HTML and/or PDF in `out_dir`, atomically."""
    import nbformat

    from stpreport.atomic import write_atomic

    nb = nbformat.read(str(notebook), as_version=4)
    stem = stem or Path(notebook).stem
    html, _ = BriefingHTMLExporter().from_notebook_node(nb)
    written = []
    if "html" in formats:
        write_atomic(out_dir / f"{stem}.html", html)
        written.append(out_dir / f"{stem}.html")
    if "pdf" in formats:
        write_atomic(out_dir / f"{stem}.pdf", html_to_pdf(html))
        written.append(out_dir / f"{stem}.pdf")
    return written
