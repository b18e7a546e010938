"""Sections both briefings share: the title block, method and sources, provenance."""

from __future__ import annotations

import pandas as pd

from stpreport.briefing.context import Context, provenance_items
from stpreport.briefing.html import Col, definition_list, esc, illustrative_notice, para, table
from stpreport.briefing.meta import META_MIMETYPE


class HTMLBlock:
    """Displayed by Jupyter as HTML (and carried as such into the executed notebook)."""

    def __init__(self, html: str):
        self.html = html

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:  # what a plain-text front end shows
        return "<stpreport briefing section>"


class Meta:
    """The briefing's title, running header and illustrative flag, for the exporter."""

    def __init__(self, title: str, header: str, illustrative: bool, edition: str):
        self.data = {"title": title, "header": header, "illustrative": illustrative,
                     "edition": edition}

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {META_MIMETYPE: self.data, "text/plain": ""}


def title_block(title: str, subtitle: str, illustrative: bool) -> HTMLBlock:
    notice = illustrative_notice() if illustrative else ""
    return HTMLBlock(f'<header class="title-block"><p class="kicker">Sustainability and '
                     f"Transformation Plan briefing</p><h1>{esc(title)}</h1>"
                     f'<p class="subtitle">{esc(subtitle)}</p></header>{notice}')


def assumptions_table(ctx: Context) -> str:
    rows = [{"assumption": key, "source": source} for key, source in
            sorted(ctx.assumptions.sources.items())]
    return table(pd.DataFrame(rows), [Col("assumption", "Assumption"), Col("source", "Source")],
                 f"Every assumption and its source ({ctx.params_path})", css="small")


def sources_table(ctx: Context, code: str | None) -> str:
    """Published figures used, with sources; illustrative and supplied ones counted."""
    statuses = ctx.figures.figure_statuses(code)
    counts = statuses["status"].value_counts()
    published = statuses[statuses["status"] == "published"].drop_duplicates(
        ["column", "source"])
    summary = para(f"Of the {len(statuses):,} figures this briefing uses, "
                   f"{counts.get('published', 0):,} are published, "
                   f"{counts.get('illustrative', 0):,} are illustrative and "
                   f"{counts.get('supplied', 0):,} were supplied without a source.")
    if published.empty:
        return summary
    return summary + table(published, [
        Col("table", "Table"), Col("key", "Row"), Col("column", "Figure"),
        Col("source", "Source"), Col("confidence", "Confidence")],
        "Published figures and their sources (confidence as in EVIDENCE.md)", css="small")


def method_and_sources(ctx: Context, code: str | None) -> HTMLBlock:
    return HTMLBlock(sources_table(ctx, code) + assumptions_table(ctx))


def provenance(ctx: Context, code: str | None) -> HTMLBlock:
    return HTMLBlock(definition_list(provenance_items(ctx, code), css="provenance"))
