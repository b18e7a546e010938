"""Text cells that a spreadsheet cannot run: the OWASP rule for CSV and XLSX outputs, undone
when our own readers read them back.

Excel, LibreOffice and Google Sheets treat a cell that starts with `=`, `+`, `-` or `@` as a
formula (tab and carriage return can hide such a start), so a scheme named
`=HYPERLINK("http://evil.example", "Click")` in summary.csv becomes a live link, or worse.
OWASP's rule is to put a single quote before such a text: spreadsheets then show it as text.

To read back exactly what was written, the rule is made reversible:

- `neutralise(text)` puts a `'` before a text starting with `=`, `+`, `-`, `@`, tab or CR,
  and before a text that starts with `'` followed by one of those characters or by another
  `'` (so that a text which really starts that way survives the round trip);
- `restore(text)` removes one leading `'` when the next character is one of those, or `'`.

`restore(neutralise(t)) == t` for every text `t`. Only text cells are neutralised: numbers
(a negative growth rate) are written as numbers. The figures' reader applies `restore` to
text columns (`stpreport.inputs`), so a copied snapshot and a filled template load back as the
same figures; a text typed as `'=x` in an input file is therefore read as `=x`, as Excel itself
would show it.
"""

from __future__ import annotations

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection)."""

QUOTE = "'"


def neutralise(text: str) -> str:
    """`text` as a cell no spreadsheet runs: a `'` before a formula start (see the module)."""
    if text.startswith(TRIGGERS) or (text.startswith(QUOTE) and text[1:2] in (*TRIGGERS, QUOTE)):
        return QUOTE + text
    return text


def restore(text: str) -> str:
    """The text `neutralise` was given: one leading `'` removed before a formula start or `'`."""
    if text.startswith(QUOTE) and text[1:2] and text[1:2] in (*TRIGGERS, QUOTE):
        return text[1:]
    return text


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with every text cell neutralised; numbers, booleans and blanks kept."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if column.dtype == object or isinstance(column.dtype, pd.StringDtype):
            out[name] = column.map(
                lambda v: neutralise(v) if isinstance(v, str) else v, na_action="ignore"
            )
    return out
