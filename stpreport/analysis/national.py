"""Step 8: the national picture: totals, per head, regions, ranking, capital, levers."""

from __future__ import annotations

import pandas as pd

from stpreport.analysis.reprioritise import Reprioritisation
from stpreport.assumptions import Assumptions

MONEY = ["do_nothing_gap", "stated_gap", "planned_savings", "expected_savings", "honest_gap",
         "gap_at_confidence", "balancing_savings", "contract_mismatch", "capital_requested",
         "capital_secured", "local_levers", "national_agreement_levers", "still_needed"]


def by_region(summary: pd.DataFrame) -> pd.DataFrame:
    regions = summary.groupby("region")[["population", *MONEY]].sum()
    regions["footprints"] = summary.groupby("region").size()
    regions["honest_gap_per_head"] = regions["honest_gap"] * 1e6 / regions["population"]
    return regions.sort_values("honest_gap_per_head", ascending=False)


def league_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Footprints ranked by honest gap per head, worst first (rank 1)."""
    table = summary.sort_values(["honest_gap_per_head", "name"], ascending=[False, True]).copy()
    table.insert(0, "rank", range(1, len(table) + 1))
    return table


def lever_totals(plans: dict[str, Reprioritisation]) -> pd.DataFrame:
    """Each lever's value chosen across all footprints, and in how many it is chosen."""
    chosen = pd.concat([p.levers.assign(code=c) for c, p in plans.items()], ignore_index=True)
    chosen = chosen[chosen["chosen"]]
    first = next(iter(plans.values())).levers if plans else pd.DataFrame()
    totals = first[["id", "label", "harm", "national_agreement", "protected"]].copy() \
        if not first.empty else pd.DataFrame(columns=["id", "label"])
    grouped = chosen.groupby("id")
    totals["value_chosen"] = totals["id"].map(grouped["value"].sum()).fillna(0.0)
    totals["footprints"] = totals["id"].map(grouped.size()).fillna(0).astype(int)
    return totals


def national_figures(summary: pd.DataFrame, plans: dict[str, Reprioritisation],
                     a: Assumptions, chance: float) -> dict:
    totals = {k: float(summary[k].sum()) for k in MONEY}
    population = float(summary["population"].sum())
    totals["population"] = population
    totals["footprints"] = len(summary)
    totals["gap_per_head"] = totals["do_nothing_gap"] * 1e6 / population
    totals["honest_gap_per_head"] = totals["honest_gap"] * 1e6 / population
    totals["capital_pot"] = a.national_capital_pot
    totals["pot_chance"] = chance
    totals["ratings"] = {name: int((summary["rating"] == name).sum()) for name, _ in a.ratings}
    totals["illustrative"] = bool(summary["illustrative"].any())
    return {"totals": totals, "regions": by_region(summary), "league": league_table(summary),
            "levers": lever_totals(plans)}
