"""The briefing model: blocks that render to HTML and to Typst from the same data.

A briefing section is a sequence of blocks (a paragraph, a table, a chart, the key numbers).
Each helper in `briefing/html.py` builds one `Block` holding both renderings, so the HTML
page and the PDF cannot say different things. Blocks compose with `+`; `Section` displays
them in a notebook with both mimetypes, and the exporters pick the one they need.

Escaping is the whole security story, so it lives here in two functions: `esc` for HTML and
`lit` for Typst. Typst markup is a programming language (`#set page(...)` in a scheme name
would restyle the page), so no text from the figures is ever written as markup: every string
becomes a Typst string literal passed to a function of the page frame (`frame.typ`), where it
can only ever be displayed.
"""

from __future__ import annotations

import html
import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy

TYPST_MIMETYPE = "text/x.typst"
"""The mimetype under which a displayed section carries its Typst rendering in the notebook."""


def esc(value: Any) -> str:
    """Text made safe for HTML content and attributes (quotes included)."""
    return html.escape("" if value is None else str(value), quote=True)


_TYPST_STRING_ESCAPES = str.maketrans(
    {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
)


def lit(value: Any) -> str:
    """A Python value as a Typst literal: strings quoted and escaped, so that any text, however
    hostile, is data; numbers, booleans, None, sequences (arrays) and mappings (dictionaries
    with string keys) recursively."""
    if value is None:
        return "none"
    if isinstance(value, (bool, numpy.bool_)):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(value)) if math.isfinite(value) else "none"
    if isinstance(value, Mapping):
        if not value:
            return "(:)"
        return "(" + ", ".join(f"{lit(str(k))}: {lit(v)}" for k, v in value.items()) + ")"
    if isinstance(value, (list, tuple)):
        # a trailing comma makes a one-element array, not a parenthesised value
        return "(" + "".join(f"{lit(v)}, " for v in value) + ")"
    return '"' + str(value).translate(_TYPST_STRING_ESCAPES) + '"'


def call(function: str, *args: Any, **kwargs: Any) -> str:
    """One Typst statement `#function(args...)` on its own line, every argument a literal.
    `function` is always a name from the page frame, never data."""
    parts = [lit(a) for a in args] + [f"{k.replace('_', '-')}: {lit(v)}" for k, v in kwargs.items()]
    return f"#{function}({', '.join(parts)})\n"


@dataclass(frozen=True)
class Block:
    """A piece of a briefing in both formats. Build blocks with the helpers, never by hand
    from data: `html` must already be escaped and `typst` made of `call`/`lit` statements."""

    html: str = ""
    typst: str = ""

    def __add__(self, other: Block | str) -> Block:
        other = _block(other)
        return Block(self.html + other.html, self.typst + other.typst)

    def __radd__(self, other: Block | str) -> Block:
        return _block(other) + self

    def __bool__(self) -> bool:
        return bool(self.html or self.typst)


def _block(value: Block | str) -> Block:
    """Only the empty string may stand for a block (so `x = ""` as "no block" keeps working);
    any other string would be unescaped HTML with no Typst twin."""
    if isinstance(value, Block):
        return value
    if value == "":
        return Block()
    raise TypeError(
        "briefing blocks compose only with blocks: build text with para() and "
        "the other helpers in stpreport.briefing.html"
    )


def join(blocks: Iterable[Block | str]) -> Block:
    """Blocks in order, as one: the block model's `"".join`."""
    result = Block()
    for block in blocks:
        result = result + block
    return result


def raw(html_text: str, typst_text: str) -> Block:
    """A block from markup written by the package itself (never from data): for the frame's
    own fixed wording."""
    return Block(html_text, typst_text)


class Section:
    """A briefing section as displayed by Jupyter: HTML for the page and Typst for the PDF,
    both carried into the executed notebook, where the exporters find them in cell order."""

    def __init__(self, block: Block | str):
        self.block = _block(block)

    @property
    def html(self) -> str:
        return self.block.html

    @property
    def typst(self) -> str:
        return self.block.typst

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        return {
            "text/html": self.block.html,
            TYPST_MIMETYPE: self.block.typst,
            "text/plain": "<stpreport briefing section>",
        }

    def __repr__(self) -> str:  # what a plain-text front end shows
        return "<stpreport briefing section>"
