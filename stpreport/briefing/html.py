"""The briefing's building blocks, each rendered to HTML and to Typst from the same data.

Every helper returns a `Block` (`briefing/blocks.py`). In HTML every string from the figures
goes through `esc`; in Typst through `lit`, as a string literal handed to a function of the
page frame (`templates/briefing/frame.typ`). Nothing else puts text into either page."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from stpreport.briefing.blocks import Block, call, esc, join, lit
from stpreport.formatting import money, percent

__all__ = [
    "Block",
    "Col",
    "breakable",
    "definition_list",
    "esc",
    "figure",
    "join",
    "key_numbers",
    "lit",
    "money_col",
    "para",
    "percent_col",
    "table",
    "verdict_box",
]


@dataclass(frozen=True)
class Col:
    """One column of a table: the frame column, its heading and how to show a value."""

    key: str
    label: str
    show: Callable[[Any], str] = str
    numeric: bool = False
    nowrap: bool = False
    href: Callable[[dict], str] | None = None  # link target from the row, escaped like text

    @property
    def css(self) -> str:
        return ' class="num"' if self.numeric else ' class="nowrap"' if self.nowrap else ""


def money_col(key: str, label: str, digits: int = 0) -> Col:
    return Col(key, label, lambda v: money(v, digits), numeric=True)


def percent_col(key: str, label: str) -> Col:
    return Col(key, label, percent, numeric=True)


LONG_TABLE = 18
LONG_TABLE_TEXT = 2500
"""Tables with more rows, or more characters of text, than these may break across pages (their
caption and header row repeat); shorter ones are kept whole on one page with their caption.
The text limit keeps a short table of long scheme names from growing taller than a page, which
an unbreakable block cannot do without losing its end."""


def table(
    frame: pd.DataFrame,
    columns: Sequence[Col],
    caption: str,
    *,
    css: str = "",
    total: dict[str, str] | None = None,
) -> Block:
    """A captioned table; values are formatted by their column and then escaped. Wide tables
    scroll inside their own container on a phone instead of the whole page."""
    labels = [c.label or c.key.replace("_", " ").capitalize() for c in columns]  # no empty th
    head = "".join(
        f'<th scope="col"{c.css}>{esc(label)}</th>'
        for c, label in zip(columns, labels, strict=True)
    )
    records = frame.to_dict("records")
    rows = []
    for record in records:
        cells = "".join(f"<td{c.css}>{_cell(c, record)}</td>" for c in columns)
        rows.append(f"<tr>{cells}</tr>")
    foot = ""
    if total:
        cells = "".join(f"<td{c.css}>{esc(total.get(c.key, ''))}</td>" for c in columns)
        foot = f"<tfoot><tr>{cells}</tr></tfoot>"
    # A region that scrolls must be reachable by keyboard and named (axe:
    # scrollable-region-focusable), so the wrapper is focusable and labelled by the caption.
    html = (
        f'<div class="table-wrap" role="region" aria-label="{esc(caption)}" tabindex="0">'
        f'<table class="data {esc(css)}"><caption>{esc(caption)}'
        f"</caption><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody>{foot}"
        "</table></div>"
    )
    typst = call(
        "stp-table",
        caption=caption,
        kind=css,
        columns=[{"numeric": c.numeric, "nowrap": c.nowrap} for c in columns],
        header=labels,
        rows=[[_typst_cell(c, r) for c in columns] for r in records],
        total=[total.get(c.key, "") for c in columns] if total else None,
        breakable=len(records) > LONG_TABLE
        or sum(len(str(c.show(r[c.key]))) for r in records for c in columns) > LONG_TABLE_TEXT,
    )
    return Block(html, typst)


_LONG_WORD = re.compile(r"\S{24,}")


def breakable(text: str) -> str:
    """Escaped text in which every run of 24 or more non-space characters may break (<wbr>
    every 12 characters), so that no word can push a table off the page."""
    parts, last = [], 0
    for match in _LONG_WORD.finditer(text):
        word = match.group(0)
        parts.append(esc(text[last : match.start()]))
        parts.append("<wbr>".join(esc(word[i : i + 12]) for i in range(0, len(word), 12)))
        last = match.end()
    parts.append(esc(text[last:]))
    return "".join(parts)


def soft_breaks(text: str) -> str:
    """`breakable` for Typst: a zero-width space every 12 characters of a long word (plain
    text, to be passed through `lit`)."""
    return _LONG_WORD.sub(
        lambda m: "\u200b".join(m.group(0)[i : i + 12] for i in range(0, len(m.group(0)), 12)), text
    )


def _cell(col: Col, record: dict) -> str:
    text = breakable(str(col.show(record[col.key])))
    return f'<a href="{esc(col.href(record))}">{text}</a>' if col.href else text


def _typst_cell(col: Col, record: dict) -> str | dict[str, str]:
    text = soft_breaks(str(col.show(record[col.key])))
    return {"text": text, "href": pdf_link(str(col.href(record)))} if col.href else text


def pdf_link(href: str) -> str:
    """A link from a PDF: a relative link to a briefing's HTML page goes to its PDF beside it
    (E54000008.html -> E54000008.pdf), so links work in a folder of PDFs that was mailed or
    zipped; anything else is kept."""
    relative = ":" not in href and not href.startswith(("/", "#"))
    return href.removesuffix(".html") + ".pdf" if relative and href.endswith(".html") else href


def figure(svg: str, alt: str, caption: str, data_table: Block | str = "") -> Block:
    """A chart with its alternative text and caption, followed by the table of its numbers.
    In HTML the role and label sit on the `svg` (a `figure` with a `figcaption` must not carry
    `role="img"`); in the PDF the chart is a tagged figure whose image carries the alt text,
    kept on the page of the table that follows it."""
    labelled = svg.replace("<svg", f'<svg role="img" aria-label="{esc(alt)}"', 1)
    chart = Block(
        f'<figure class="chart">{labelled}<figcaption>{esc(caption)}</figcaption></figure>',
        call("stp-chart", svg, alt=alt, caption=caption),
    )
    body = chart + data_table
    return Block(f'<div class="exhibit">{body.html}</div>', body.typst)


def key_numbers(numbers: Sequence[tuple[str, str, str]]) -> Block:
    """The boxed key numbers at the top of a briefing: (label, value, css class) each."""
    cells = "".join(
        f'<div class="number {esc(k)}"><span class="label">{esc(label)}</span>'
        f'<span class="value">{esc(value)}</span></div>'
        for label, value, k in numbers
    )
    return Block(
        f'<div class="numbers">{cells}</div>', call("stp-numbers", [list(n) for n in numbers])
    )


def verdict_box(
    label: str,
    numbers: Sequence[tuple[str, str, str]],
    text: str,
    *,
    rating: str | None = None,
    beside: str = "",
    note: str = "",
) -> Block:
    """The box that opens a briefing: an optional rating (with `beside` it, e.g. another
    body's rating), the key numbers, the verdict paragraph and a small `note`, kept together
    on page 1."""
    css = f" rating-{esc(rating.replace(' ', '-'))}" if rating else ""
    after = f" {esc(beside)}" if beside else ""
    line = f'<p class="rating">Rating: <strong>{esc(rating)}</strong>.{after}</p>' if rating else ""
    inner = key_numbers(numbers) + para(text, "verdict-text")
    if note:
        inner = inner + para(note, "small")
    return Block(
        f'<section class="verdict{css}" aria-label="{esc(label)}">{line}{inner.html}</section>',
        call(
            "stp-verdict",
            rating=rating,
            numbers=[list(n) for n in numbers],
            text=text,
            beside=beside,
            note=note,
        ),
    )


def para(text: str, css: str = "") -> Block:
    klass = f' class="{esc(css)}"' if css else ""
    return Block(f"<p{klass}>{esc(text)}</p>", call("stp-para", text, kind=css))


def definition_list(items: Sequence[tuple[str, str]], css: str = "") -> Block:
    body = "".join(f"<dt>{esc(k)}</dt><dd>{breakable(v)}</dd>" for k, v in items)
    return Block(
        f'<dl class="{esc(css)}">{body}</dl>',
        call("stp-defs", [[k, soft_breaks(v)] for k, v in items], kind=css),
    )


ILLUSTRATIVE = (
    "Some figures in this briefing are invented for illustration (marked so in the "
    "data); they are not published figures and must not be quoted as such. "
    "Published figures are listed with their sources under Method and sources."
)


ILLUSTRATIVE_FOOTER = "Illustrative figures: not published data"
"""The footer of every page of a briefing built from an invented figure (HTML and PDF)."""


def illustrative_notice() -> Block:
    return Block(
        '<aside class="illustrative-notice" role="note"><strong>Illustrative '
        f"figures.</strong> {esc(ILLUSTRATIVE)}</aside>",
        call("stp-notice", "Illustrative figures.", ILLUSTRATIVE),
    )


__all__ += ["ILLUSTRATIVE", "ILLUSTRATIVE_FOOTER", "illustrative_notice", "soft_breaks"]
