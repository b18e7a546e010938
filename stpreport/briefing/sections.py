"""Sections both briefings share: the title block, method and sources, provenance."""

from __future__ import annotations

import pandas as pd

from stpreport.briefing.blocks import Block, Section, call
from stpreport.briefing.context import Context, provenance_items
from stpreport.briefing.html import Col, definition_list, esc, illustrative_notice, para, table
from stpreport.briefing.meta import META_MIMETYPE

HTMLBlock = Section
"""The name sections had when they were HTML only: a section now carries HTML and Typst."""


class Meta:
    """The briefing's title, running header and illustrative flag, for the exporter."""

    def __init__(self, title: str, header: str, illustrative: bool, edition: str):
        self.data = {
            "title": title,
            "header": header,
            "illustrative": illustrative,
            "edition": edition,
        }

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {META_MIMETYPE: self.data, "text/plain": ""}


KICKER = "Sustainability and Transformation Plan briefing"


def title_block(title: str, subtitle: str, illustrative: bool) -> Section:
    notice = illustrative_notice() if illustrative else ""
    head = Block(
        f'<header class="title-block"><p class="kicker">{esc(KICKER)}</p>'
        f'<h1>{esc(title)}</h1><p class="subtitle">{esc(subtitle)}</p></header>',
        call("stp-title", title, kicker=KICKER, subtitle=subtitle),
    )
    return Section(head + notice)


def assumptions_table(ctx: Context) -> Block:
    rows = [
        {"assumption": key, "source": source}
        for key, source in sorted(ctx.assumptions.sources.items())
    ]
    return table(
        pd.DataFrame(rows),
        [Col("assumption", "Assumption"), Col("source", "Source")],
        f"Every assumption and its source ({ctx.params_path})",
        css="small",
    )


def sources_table(ctx: Context, code: str | None) -> Block:
    """Published figures used, with sources; illustrative and supplied ones counted."""
    statuses = ctx.figures.figure_statuses(code)
    counts = statuses["status"].value_counts()
    published = statuses[statuses["status"] == "published"].drop_duplicates(["column", "source"])
    summary = para(
        f"Of the {len(statuses):,} figures this briefing uses, "
        f"{counts.get('published', 0):,} are published, "
        f"{counts.get('illustrative', 0):,} are illustrative and "
        f"{counts.get('supplied', 0):,} were supplied without a source."
    )
    if published.empty:
        return summary
    return summary + table(
        published,
        [
            Col("table", "Table"),
            Col("key", "Row"),
            Col("column", "Figure"),
            Col("source", "Source"),
            Col("confidence", "Confidence"),
        ],
        "Published figures and their sources (confidence as in EVIDENCE.md)",
        css="small",
    )


def method_and_sources(ctx: Context, code: str | None) -> Section:
    return Section(sources_table(ctx, code) + assumptions_table(ctx))


def provenance(ctx: Context, code: str | None) -> Section:
    return Section(definition_list(provenance_items(ctx, code), css="provenance"))
