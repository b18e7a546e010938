"""Step 8: the national picture: totals, quantiles of the national total from the joint draws,
per head, regions, ranking, categories (apples and pears), capital, levers, and NHS England's
2017 ratings beside ours."""

from __future__ import annotations

import pandas as pd

from stpreport.analysis.reprioritise import Reprioritisation
from stpreport.analysis.uncertainty import Simulation
from stpreport.assumptions import Assumptions
from stpreport.published import DASHBOARD_BANDS

MONEY = [
    "do_nothing_gap",
    "recovery_cost",
    "contract_mismatch",
    "contract_cost",
    "total_gap",
    "stated_gap",
    "planned_savings",
    "expected_savings",
    "honest_gap",
    "gap_at_confidence",
    "balancing_savings",
    "apple_savings",
    "pear_savings",
    "capital_requested",
    "capital_secured",
    "local_levers",
    "national_agreement_levers",
    "still_needed",
    "financing",
    "allocation_2020_21",
]


def by_region(summary: pd.DataFrame) -> pd.DataFrame:
    regions = summary.groupby("region")[["population", *MONEY]].sum()
    regions["footprints"] = summary.groupby("region").size()
    regions["honest_gap_per_head"] = regions["honest_gap"] * 1e6 / regions["population"]
    return regions.sort_values("honest_gap_per_head", ascending=False)


def league_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Footprints ranked by honest gap per head, largest first (rank 1), with the 80% interval
    of each rank from the joint draws."""
    return summary.sort_values("rank").copy()


def lever_totals(plans: dict[str, Reprioritisation]) -> pd.DataFrame:
    """Each lever's value on the menu and released across all footprints, the footprints
    that use it, and the harm released."""
    if not plans:
        return pd.DataFrame(columns=["id", "label", "kind", "value", "released", "footprints"])
    levers = pd.concat([p.levers.assign(code=c) for c, p in plans.items()], ignore_index=True)
    first = next(iter(plans.values())).levers
    totals = first[
        ["id", "label", "kind", "harm", "national_agreement", "protected", "divisible"]
    ].copy()
    grouped = levers.groupby("id")
    totals["value"] = totals["id"].map(grouped["value"].sum())
    totals["released"] = totals["id"].map(grouped["released"].sum())
    totals["harm_points"] = totals["id"].map(grouped["harm_points"].sum())
    totals["footprints"] = (
        totals["id"].map(levers[levers["used"] > 0].groupby("id").size()).fillna(0).astype(int)
    )
    return totals


def ratings_crosstab(summary: pd.DataFrame, a: Assumptions) -> pd.DataFrame:
    """Our rating (rows) against NHS England's July 2017 band (columns), for footprints where
    it was published; a column "not published" counts the rest."""
    ours = [b.rating for b in a.ratings]
    theirs = [*DASHBOARD_BANDS.values(), "not published"]
    nhse = summary["nhse_rating"].replace("", "not published")
    table = pd.crosstab(
        pd.Categorical(summary["rating"], ours), pd.Categorical(nhse, theirs), dropna=False
    )
    table.index.name, table.columns.name = "rating", "nhse_rating"
    return table


def national_figures(
    summary: pd.DataFrame,
    plans: dict[str, Reprioritisation],
    a: Assumptions,
    chance: float,
    sim: Simulation,
    categories: pd.DataFrame,
) -> dict:
    totals: dict = {k: float(summary[k].sum()) for k in MONEY}
    population = float(summary["population"].sum())
    totals["population"] = population
    totals["footprints"] = len(summary)
    totals["gap_per_head"] = totals["total_gap"] * 1e6 / population
    totals["honest_gap_per_head"] = totals["honest_gap"] * 1e6 / population
    totals["honest_gap_share"] = totals["honest_gap"] / totals["allocation_2020_21"]
    totals["coverage"] = totals["expected_savings"] / totals["total_gap"]
    totals["capital_pot"] = a.national_capital_pot
    totals["pot_chance"] = chance
    totals["ratings"] = {b.rating: int((summary["rating"] == b.rating).sum()) for b in a.ratings}
    totals["illustrative"] = bool(summary["illustrative"].any())
    totals["social_care_gap"] = float(summary["social_care_gap"].sum(min_count=1))
    totals["social_care_footprints"] = int(summary["social_care_gap"].notna().sum())
    for k, v in sim.national.items():
        totals[f"national_{k}"] = v
    totals["lever_menu_savings"] = sum(
        float(p.levers.loc[(p.levers["kind"] == "saving") & ~p.levers["protected"], "value"].sum())
        for p in plans.values()
    )
    totals["stated_gaps_published"] = int(summary["stated_gap_published"].sum())
    return {
        "totals": totals,
        "regions": by_region(summary),
        "league": league_table(summary),
        "levers": lever_totals(plans),
        "by_year": sim.national_by_year,
        "categories": categories,
        "ratings_crosstab": ratings_crosstab(summary, a),
    }
