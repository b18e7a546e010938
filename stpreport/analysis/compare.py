"""Scenarios side by side: how the honest gap, the ratings and the lever choice move from the
base assumptions to each scenario, and which parts of the gap move them (numbers only)."""

from __future__ import annotations

import pandas as pd

from stpreport.analysis import Analysis

PARTS = ("do_nothing_gap", "recovery_cost", "contract_cost", "expected_savings")
"""The parts of the honest gap: honest = do-nothing + recovery + contracts - expected."""


def national_comparison(analyses: dict[str, Analysis]) -> pd.DataFrame:
    """One row per scenario (the base first): the national totals that move, and the change
    in the honest gap from the base split into its parts (`delta_<part>`, signed so that the
    deltas add up to `delta_honest_gap`)."""
    rows = []
    for name, an in analyses.items():
        t = an.national["totals"]
        row = {
            "scenario": name,
            **{
                k: t[k]
                for k in (
                    *PARTS,
                    "total_gap",
                    "honest_gap",
                    "national_p50",
                    "national_at_confidence",
                    "local_levers",
                    "national_agreement_levers",
                    "still_needed",
                    "pot_chance",
                )
            },
        }
        row.update({f"rated_{k}": v for k, v in t["ratings"].items()})
        rows.append(row)
    frame = pd.DataFrame(rows).set_index("scenario")
    base = frame.iloc[0]
    for part in PARTS:
        sign = -1.0 if part == "expected_savings" else 1.0
        frame[f"delta_{part}"] = sign * (frame[part] - base[part])
    frame["delta_honest_gap"] = frame["honest_gap"] - base["honest_gap"]
    return frame


def main_driver(row: pd.Series) -> tuple[str, float]:
    """The part of the honest gap that moved most in a scenario, and by how much (£m)."""
    deltas = {part: float(row[f"delta_{part}"]) for part in PARTS}
    part = max(deltas, key=lambda k: abs(deltas[k]))
    return part, deltas[part]


def footprint_comparison(analyses: dict[str, Analysis]) -> pd.DataFrame:
    """One row per footprint: its name, and per scenario its honest gap, its change from the
    base and its rating (`honest_gap:<scenario>`, `change:<scenario>`, `rating:<scenario>`)."""
    names = list(analyses)
    base = analyses[names[0]].summary
    frame = base[["name"]].copy()
    for name in names:
        s = analyses[name].summary
        frame[f"honest_gap:{name}"] = s["honest_gap"]
        frame[f"change:{name}"] = s["honest_gap"] - base["honest_gap"]
        frame[f"rating:{name}"] = s["rating"]
    return frame


def lever_comparison(analyses: dict[str, Analysis]) -> pd.DataFrame:
    """Each lever's national total used (£m) under each scenario."""
    frames = {
        name: an.national["levers"].set_index("id")["released"] for name, an in analyses.items()
    }
    first = next(iter(analyses.values())).national["levers"].set_index("id")
    out = first[["label", "kind"]].copy()
    for name, released in frames.items():
        out[name] = released
    return out
