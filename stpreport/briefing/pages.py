"""Whole pages from a briefing's blocks: the Typst document and its PDF, and the HTML pages
that share one frame (`templates/briefing/base.html.j2`, extended by the briefing and the
edition index).

Functions here return text or bytes and write nothing: the caller (the exporter, the build)
owns the files.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from stpreport.briefing.blocks import Block, call, lit
from stpreport.briefing.stylesheet import TEMPLATES

PDF_STANDARD = "ua-1"
"""PDF/UA-1: Typst then refuses a document without a title, language or alt text on an image,
so an inaccessible PDF cannot be built at all."""


@cache
def frame() -> str:
    """The Typst page frame and block functions (read once per process)."""
    return (TEMPLATES / "briefing" / "frame.typ").read_text(encoding="utf-8")


@cache
def font_paths() -> tuple[str, ...]:
    """The DejaVu fonts that matplotlib (an exactly pinned dependency) ships: the same files on
    every machine, licensed for redistribution, and the same family the SVG charts name.
    System fonts are ignored, so nothing installed locally can change the PDF's bytes."""
    from importlib.util import find_spec

    spec = find_spec("matplotlib")  # found, not imported: a build worker never imports it
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("matplotlib is not installed: its DejaVu fonts set the PDF's type")
    return (str(Path(spec.submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf"),)


# -- Markdown narrative to Typst -----------------------------------------------------------
def _inline(tokens: list[dict]) -> str:
    """Inline Markdown as one Typst expression (content joined with +); text as literals."""
    parts = []
    for t in tokens:
        kind = t["type"]
        if kind in ("text", "codespan", "inline_html"):
            parts.append(
                lit(t.get("raw", "")) if kind != "codespan" else f"raw({lit(t.get('raw', ''))})"
            )
        elif kind in ("softbreak", "linebreak"):
            parts.append('" "' if kind == "softbreak" else "linebreak()")
        elif kind == "emphasis":
            parts.append(f"emph({_inline(t['children'])})")
        elif kind == "strong":
            parts.append(f"strong({_inline(t['children'])})")
        elif kind == "link":
            parts.append(f"link({lit(t['attrs']['url'])}, {_inline(t['children'])})")
        elif "children" in t:
            parts.append(_inline(t["children"]))
        elif "raw" in t:
            parts.append(lit(t["raw"]))
    return "(" + " + ".join(parts) + ")" if parts else '""'


def _blocks(tokens: list[dict]) -> str:
    out = []
    for t in tokens:
        kind = t["type"]
        if kind == "heading":
            out.append(f"#heading(level: {int(t['attrs']['level'])}, {_inline(t['children'])})\n")
        elif kind in ("paragraph", "block_text"):
            out.append(f"#par({_inline(t['children'])})\n")
        elif kind == "list":
            items = ", ".join(f"[{_blocks(i['children'])}]" for i in t["children"])
            fn = "enum" if t["attrs"].get("ordered") else "list"
            out.append(f"#{fn}({items})\n")
        elif kind == "block_code":
            out.append(f"#raw(block: true, {lit(t.get('raw', ''))})\n")
        elif kind == "block_html":  # raw HTML in the narrative: shown as text, not interpreted
            out.append(f"#par({lit(t.get('raw', ''))})\n")
        elif kind == "block_quote":
            out.append(f"#quote(block: true)[{_blocks(t['children'])}]\n")
        elif "children" in t:
            out.append(_blocks(t["children"]))
    return "".join(out)


def markdown_typst(source: str) -> str:
    """A notebook's Markdown cell as Typst statements: headings, paragraphs, lists, emphasis
    and links; every piece of text a string literal. Raw HTML in the Markdown is shown as
    text."""
    import mistune

    return _blocks(mistune.create_markdown(renderer=None)(source))


# -- the PDF --------------------------------------------------------------------------------
def typst_document(body: str, *, title: str, header: str, illustrative: bool, version: str) -> str:
    """The complete Typst source of a briefing: the frame, then the blocks in cell order."""
    from stpreport.briefing.html import ILLUSTRATIVE_FOOTER

    note = ILLUSTRATIVE_FOOTER if illustrative else None
    frame_call = (
        f"#show: stp-frame.with(title: {lit(title)}, header: {lit(header)}, "
        f"illustrative: {lit(note)}, version: {lit(version)})\n"
    )
    return frame() + "\n" + frame_call + body


def typst_pdf(source: str) -> bytes:
    """Compile a briefing's Typst source to a tagged PDF/UA-1, in-process. The same source
    gives the same bytes: no date is written (`date: none` in the frame) and only the pinned
    fonts are seen."""
    return compiler().compile(
        input=source.encode("utf-8"), format="pdf", pdf_standards=[PDF_STANDARD]
    )


@cache
def compiler():
    """One Typst compiler per process: it reads the fonts once (0.15-0.5 s), not per PDF."""
    import typst

    return typst.Compiler(font_paths=list(font_paths()), ignore_system_fonts=True)


def output_typst(text: str) -> str:
    """Plain text output of a cell (rare: briefings display sections), shown verbatim."""
    return call("stp-output", text)


# -- HTML pages -----------------------------------------------------------------------------
@cache
def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES / "briefing")),
        autoescape=True,
        keep_trailing_newline=True,
    )


def html_page(template: str, **context: Any) -> str:
    """One page from a template that extends `base.html.j2` (autoescaped)."""
    from stpreport.briefing.html import ILLUSTRATIVE_FOOTER

    context.setdefault("illustrative_footer", ILLUSTRATIVE_FOOTER)
    return _environment().get_template(template).render(**context)


def edition_index_page(
    *,
    edition: str,
    packs: Block,
    national_links: list[tuple[str, str]],
    national_status: str,
    illustrative: bool,
    version: str,
) -> str:
    """The edition's index.html: the national briefing's formats and the table of packs, in
    the frame every briefing uses. `packs` is a table block (its HTML already escaped)."""
    from markupsafe import Markup

    from stpreport.briefing.html import illustrative_notice
    from stpreport.briefing.stylesheet import CSS

    title = f"STP briefings, edition {edition}"
    notice = illustrative_notice().html if illustrative else ""
    return html_page(
        "edition_index.html.j2",
        title=title,
        header=title,
        version=version,
        illustrative=illustrative,
        css=Markup(CSS),
        notice=Markup(notice),
        packs=Markup(packs.html),
        national_links=national_links,
        national_status=national_status,
    )
