"""What changed since the previous edition: the figures that changed and the effect on the
key numbers. The previous edition is read through its owner, `pipeline.edition.Edition`
(its summary and its copy of the figures), never by joining names here."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from stpreport.briefing.context import Context
from stpreport.briefing.html import Block, Col, join, para, table
from stpreport.fingerprint import figures_slice
from stpreport.formatting import clip, money, percent, pp
from stpreport.inputs import Figures
from stpreport.problems import InputError
from stpreport.schema import TABLES, row_key

KEY_NUMBERS = [
    ("do_nothing_gap", "Do-nothing gap", money, money),
    ("planned_savings", "Planned savings", money, money),
    ("expected_savings", "Deliverable savings", money, money),
    ("honest_gap", "Honest gap", money, money),
    ("p_balance", "Chance of balancing", percent, pp),
    ("rating", "Rating", str, str),
]
"""(summary column, label, how a value is shown, how a change is shown)."""


def figure_changes(old: Figures, new: Figures, code: str | None) -> pd.DataFrame:
    """Every figure added, removed or changed in a footprint's slice (all when code is None)."""
    records = []
    before, after = figures_slice(old, code), figures_slice(new, code)
    for name in ("footprints", "schemes", "contracts"):
        t = TABLES[name]
        old_rows = {row_key(t, r): r for r in before[name].to_dict("records")}
        new_rows = {row_key(t, r): r for r in after[name].to_dict("records")}
        owner = "code" if name == "footprints" else t.footprint_column
        for key in sorted(old_rows.keys() | new_rows.keys()):
            o, n = old_rows.get(key), new_rows.get(key)
            footprint = (n or o)[owner]
            if o is None or n is None:
                records.append(
                    {
                        "footprint": footprint,
                        "table": name,
                        "key": key,
                        "column": "(row)",
                        "before": "" if o is None else "present",
                        "after": "" if n is None else "present",
                    }
                )
                continue
            for col in t.figure_columns:
                ov, nv = o[col], n[col]
                if (pd.isna(ov) and pd.isna(nv)) or (
                    not pd.isna(ov) and not pd.isna(nv) and ov == nv
                ):
                    continue
                records.append(
                    {
                        "footprint": footprint,
                        "table": name,
                        "key": key,
                        "column": col,
                        "before": "" if pd.isna(ov) else str(ov),
                        "after": "" if pd.isna(nv) else str(nv),
                    }
                )
    return pd.DataFrame(records, columns=["footprint", "table", "key", "column", "before", "after"])


def key_number_changes(old: pd.Series, new: dict) -> pd.DataFrame:
    rows = []
    for key, label, show, show_change in KEY_NUMBERS:
        before, after = old.get(key), new[key]
        if before is None or (key != "rating" and pd.isna(before)):
            rows.append({"figure": label, "before": "n/a", "after": show(after), "change": ""})
            continue
        rows.append(
            {
                "figure": label,
                "before": show(before),
                "after": show(after),
                "change": "" if key == "rating" else show_change(after - float(before)),
            }
        )
    return pd.DataFrame(rows)


def changes_section(ctx: Context, code: str | None, previous: str | None) -> Block:
    if not previous:
        return para("No previous edition was given: this is the first edition.")
    from stpreport.errors import StpreportError
    from stpreport.pipeline.edition import Edition

    try:
        edition = Edition.at(previous)
        old_summary = edition.summary()
    except StpreportError:
        old_summary = None
    name = Path(previous).name
    if old_summary is None:
        return para(f"The previous edition ({name}) has no summary to compare with.")
    parts = [para(f"Compared with edition {name}.")]
    if code is not None:
        if code not in old_summary.index:
            return para(f"This footprint was not in edition {name}.")
        parts.append(
            table(
                key_number_changes(old_summary.loc[code], ctx.analysis.row(code)),
                [
                    Col("figure", "Key number"),
                    Col("before", "Before", numeric=True),
                    Col("after", "Now", numeric=True),
                    Col("change", "Change", numeric=True),
                ],
                "Key numbers, before and now",
            )
        )
    try:
        old_figures = edition.figures()
    except InputError:
        old_figures = None
    if old_figures is None:
        parts.append(
            para(
                "The previous edition's figures could not be read, so the figures "
                "that changed cannot be listed."
            )
        )
        return join(parts)
    changed = figure_changes(old_figures, ctx.figures, code)
    if changed.empty:
        parts.append(
            para("No figure changed; any change above comes from the assumptions or the method.")
        )
    else:
        parts.append(
            table(
                changed,
                [
                    Col("table", "Table"),
                    Col("key", "Row"),
                    Col("column", "Figure"),
                    Col("before", "Before", clip),
                    Col("after", "Now", clip),
                ],
                f"Figures that changed ({len(changed)})",
                css="small",
            )
        )
    return join(parts)
