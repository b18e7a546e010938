"""Print the bundled-data figures that docs/method.md quotes, as the Markdown it quotes them in.

    python scripts/method_figures.py

tests/test_quality.py checks that docs/method.md holds exactly these lines, so the page cannot
drift from the numbers when the figures or assumptions change.
"""

from __future__ import annotations

from stpreport.analysis import analyse
from stpreport.assumptions import load_assumptions
from stpreport.formatting import money, percent, rounded_parts
from stpreport.inputs import load_figures
from stpreport.schema import CATEGORIES, CATEGORY_LABELS

MEASURE_WORDS = {"share": "share of value", "probability": "probability"}


def method_lines() -> list[str]:
    a = load_assumptions()
    an = analyse(load_figures(), a)
    cats = an.national["categories"].reindex(CATEGORIES).fillna(0)
    planned = rounded_parts(list(cats["planned"]))
    expected = rounded_parts(list(cats["expected"]))
    lines = [
        "| category | base rate measures | base rate | schemes | planned £m | expected £m "
        "| expected share |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for i, c in enumerate(CATEGORIES):
        lines.append(
            f"| {CATEGORY_LABELS[c]} | {MEASURE_WORDS[a.measure[c]]} | "
            f"{a.base_rate[c]:.2f} | {int(cats.at[c, 'schemes'])} | {planned[i]:,.0f} | "
            f"{expected[i]:,.0f} | {percent(cats.at[c, 'share'])} |"
        )
    lines.append(
        f"| Total | | | {int(cats['schemes'].sum())} | {sum(planned):,.0f} | "
        f"{sum(expected):,.0f} | {percent(sum(expected) / sum(planned))} |"
    )
    t = an.national["totals"]
    lines.append("")
    summed = t["national_sum_of_footprint_at_confidence"]
    lines.append(
        f"On the bundled figures the national P80 is {money(t['national_at_confidence'])}"
        f" and the sum of footprint P80s {money(summed)};"
        f" the national pot covers {percent(an.pot_chance, 1)} of the unsecured capital "
        "asked of it."
    )
    sens = an.sensitivity[an.sensitivity["code"] == "national"].head(3)
    lines.append(
        "The three largest national swings of the honest gap: "
        + "; ".join(f"{r['label']} ({money(r['swing'])})" for r in sens.to_dict("records"))
        + "."
    )
    return lines


if __name__ == "__main__":
    print("\n".join(method_lines()))
