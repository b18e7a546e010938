"""HTML building blocks. Every string from the figures goes through `esc`; nothing else
puts text into the page."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from stpreport.formatting import money, percent


def esc(value: Any) -> str:
    """Text made safe for HTML content and attributes (quotes included)."""
    return html.escape("" if value is None else str(value), quote=True)


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


def table(frame: pd.DataFrame, columns: Sequence[Col], caption: str, *,
          css: str = "", total: dict[str, str] | None = None) -> str:
    """A captioned table; values are formatted by their column and then escaped."""
    head = "".join(f'<th scope="col"{c.css}>{esc(c.label)}</th>' for c in columns)
    rows = []
    for record in frame.to_dict("records"):
        cells = "".join(f"<td{c.css}>{_cell(c, record)}</td>" for c in columns)
        rows.append(f"<tr>{cells}</tr>")
    foot = ""
    if total:
        cells = "".join(f"<td{c.css}>{esc(total.get(c.key, ''))}</td>" for c in columns)
        foot = f"<tfoot><tr>{cells}</tr></tfoot>"
    return (f'<div class="table-wrap"><table class="data {esc(css)}"><caption>{esc(caption)}'
            f"</caption><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody>{foot}"
            "</table></div>")


_LONG_WORD = re.compile(r"\S{24,}")


def breakable(text: str) -> str:
    """Escaped text in which every run of 24 or more non-space characters may break (<wbr>
    every 12 characters), so that no word can push a table off the page."""
    parts, last = [], 0
    for match in _LONG_WORD.finditer(text):
        word = match.group(0)
        parts.append(esc(text[last:match.start()]))
        parts.append("<wbr>".join(esc(word[i:i + 12]) for i in range(0, len(word), 12)))
        last = match.end()
    parts.append(esc(text[last:]))
    return "".join(parts)


def _cell(col: Col, record: dict) -> str:
    text = breakable(str(col.show(record[col.key])))
    return f'<a href="{esc(col.href(record))}">{text}</a>' if col.href else text


def figure(svg: str, alt: str, caption: str, data_table: str) -> str:
    """A chart with its alternative text and caption, kept on one page with its numbers."""
    return (f'<div class="exhibit"><figure class="chart" role="img" aria-label="{esc(alt)}">'
            f"{svg}<figcaption>{esc(caption)}</figcaption></figure>{data_table}</div>")


def key_numbers(numbers: Sequence[tuple[str, str, str]]) -> str:
    """The boxed key numbers at the top of a briefing: (label, value, css class) each."""
    cells = "".join(f'<div class="number {esc(k)}"><span class="label">{esc(label)}</span>'
                    f'<span class="value">{esc(value)}</span></div>'
                    for label, value, k in numbers)
    return f'<div class="numbers">{cells}</div>'


def para(text: str, css: str = "") -> str:
    klass = f' class="{esc(css)}"' if css else ""
    return f"<p{klass}>{esc(text)}</p>"


def definition_list(items: Sequence[tuple[str, str]], css: str = "") -> str:
    body = "".join(f"<dt>{esc(k)}</dt><dd>{breakable(v)}</dd>" for k, v in items)
    return f'<dl class="{esc(css)}">{body}</dl>'


def illustrative_notice() -> str:
    return ('<aside class="illustrative-notice" role="note"><strong>Illustrative figures.</strong> '
            "Some figures in this briefing are invented for illustration (marked so in the data); "
            "they are not published figures and must not be quoted as such. Published figures "
            "are listed with their sources under Method and sources.</aside>")
