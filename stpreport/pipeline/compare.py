"""Compare two editions: `stpreport diff`."""

from __future__ import annotations

from stpreport.briefing.changes import KEY_NUMBERS, figure_changes
from stpreport.pipeline.edition import Edition
from stpreport.problems import InputError


def compare_editions(a: Edition, b: Edition) -> list[str]:
    """Lines saying, for every footprint, which figures and key numbers changed."""
    old, new = a.require().summary(), b.require().summary()
    assert old is not None and new is not None
    try:
        before, after = a.figures(), b.figures()
        changes = None if before is None or after is None else figure_changes(before, after, None)
    except InputError:
        changes = None
    lines = [f"From edition {a.name} to {b.name}"]
    for code in sorted(old.index.union(new.index)):
        if code not in new.index or code not in old.index:
            where = b.name if code in new.index else a.name
            lines.append(f"{code}: only in edition {where}")
            continue
        name = new.at[code, "name"]
        numbers = []
        for key, label, show, *_ in KEY_NUMBERS:  # main adds how a change is shown
            before, after = old.at[code, key], new.at[code, key]
            if (key == "rating" and before != after) or (
                key != "rating" and abs(float(after) - float(before)) > 1e-6
            ):
                numbers.append(f"{label} {show(before)} -> {show(after)}")
        figures = (
            []
            if changes is None
            else [
                f"{r.table} {r.key} {r.column}: {r.before!r} -> {r.after!r}"
                for r in changes.itertuples()
                if r.footprint == code
            ]
        )
        if not numbers and not figures:
            continue
        lines.append(f"{code} {name}")
        lines += [f"  {text}" for text in numbers + figures]
    if len(lines) == 1:
        lines.append("No footprint's figures or key numbers changed.")
    return lines
