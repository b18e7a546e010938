"""The sensitivity section both briefings share: a tornado chart, its numbers and the lead."""

from __future__ import annotations

import pandas as pd

from stpreport.briefing import charts
from stpreport.briefing.html import Col, figure, money_col, para, table
from stpreport.formatting import money, percent, pp


def sensitivity_block(frame: pd.DataFrame, code: str, base: float) -> str:
    """The tornado for one footprint (or "national"), with its numbers and the lead."""
    rows = frame[frame["code"] == code].reset_index(drop=True)
    svg = charts.tornado(
        list(rows["label"]),
        list(rows["honest_low"]),
        list(rows["honest_high"]),
        base,
        "What moves the honest gap most",
    )
    rows["range"] = [_range(r) for r in rows.to_dict("records")]
    data = table(
        rows,
        [
            Col("label", "Assumption"),
            Col("range", "Range tried"),
            money_col("honest_low", "Honest gap, low"),
            money_col("honest_high", "Honest gap, high"),
            money_col("swing", "Swing"),
        ],
        "Sensitivity of the honest gap (£m), each assumption across its documented "
        "range, one at a time",
    )
    top = rows.head(3)
    lead = para(
        "The assumptions that move the honest gap most: "
        + "; ".join(
            f"{r['label']} ({money(r['swing'])} between the ends of its range)"
            for r in top.to_dict("records")
        )
        + ". The ranges and their sources are in the "
        "assumptions file (sensitivity)."
    )
    alt = (
        "Tornado chart of the honest gap as each assumption moves across its range; "
        f"largest swing: {top.iloc[0]['label']}, {money(top.iloc[0]['swing'])}."
        if not top.empty
        else "Tornado chart."
    )
    return lead + figure(svg, alt, "Figure: sensitivity", data)


def _range(row: dict) -> str:
    key = row["key"]
    if key == "growth.funding":
        return f"{pp(row['low'])} to {pp(row['high'])} a year"
    if key.startswith("growth."):
        return f"{percent(row['low'], 1)} to {percent(row['high'], 1)}"
    if key in ("deliverability.national_capital_pot", "standards.recovery_cost"):
        return f"{money(row['low'])} to {money(row['high'])}"
    return f"{percent(row['low'])} to {percent(row['high'])}"
