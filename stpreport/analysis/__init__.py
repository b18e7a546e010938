"""The honest analysis: pure functions from figures and assumptions to numbers.

`analyse(figures, assumptions)` runs every step for every footprint and returns an `Analysis`;
the notebooks and the build only read from it. Nothing here touches files, notebooks or the
network.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from stpreport.analysis.contracts import contract_mismatch, mismatch_by_footprint
from stpreport.analysis.deliverability import pot_chance, score_schemes
from stpreport.analysis.gap import gap_summary, nhs_trajectory
from stpreport.analysis.national import national_figures
from stpreport.analysis.reprioritise import Reprioritisation, reprioritise
from stpreport.analysis.uncertainty import simulate
from stpreport.analysis.verdict import rating, verdict_paragraph
from stpreport.assumptions import Assumptions
from stpreport.inputs import Figures

SUMMARY_COLUMNS = [
    "code", "name", "region", "population", "do_nothing_gap", "stated_gap", "planned_savings",
    "expected_savings", "honest_gap", "p_balance", "rating", "gap_at_confidence",
    "base_deficit", "difference", "relative_difference", "large_difference", "social_care_gap",
    "stated_social_care_gap", "balancing_savings", "apple_savings", "pear_savings",
    "p10", "p50", "p90", "expected_shortfall", "contract_mismatch", "capital_requested",
    "capital_secured", "local_levers", "national_agreement_levers", "still_needed",
    "gap_per_head", "honest_gap_per_head", "illustrative",
]


@dataclass
class Analysis:
    """Every number the briefings show, for every footprint and the nation."""

    assumptions: Assumptions
    summary: pd.DataFrame  # one row per footprint, indexed by code, SUMMARY_COLUMNS
    trajectory: pd.DataFrame  # code, year, cost, funding, gap
    schemes: pd.DataFrame  # scored schemes: factors, p, expected, apple, why
    contracts: pd.DataFrame  # contract lines with plan_value, contract_value, mismatch
    reprioritisation: dict[str, Reprioritisation]
    pot_chance: float
    national: dict

    def row(self, code: str) -> dict:
        return {"code": code, **self.summary.loc[code].to_dict()}

    def verdict(self, code: str) -> str:
        row = self.row(code)
        return verdict_paragraph(row["name"], row, self.assumptions.confidence)


def _scheme_totals(scored: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    by = scored.groupby("footprint")
    totals = pd.DataFrame({
        "planned_savings": by["planned_saving"].sum(),
        "expected_savings": by["expected"].sum(),
        "balancing_savings": scored[scored["origin"] == "balancing"]
        .groupby("footprint")["planned_saving"].sum(),
        "apple_savings": scored[scored["apple"]].groupby("footprint")["planned_saving"].sum(),
        "pear_savings": scored[~scored["apple"]].groupby("footprint")["planned_saving"].sum(),
        "capital_requested": by["capital_required"].sum(),
        "capital_secured": by["capital_secured"].sum(),
    })
    return totals.reindex(codes).fillna(0.0)


def analyse(figures: Figures, a: Assumptions) -> Analysis:
    fp = figures.footprints
    codes = list(fp["code"])
    chance = pot_chance(figures.schemes, a)
    scored = score_schemes(figures.schemes, a, chance)
    gaps = gap_summary(fp, a)
    outcomes = simulate(scored, gaps["do_nothing_gap"], a)
    lines = contract_mismatch(figures.contracts, a)

    s = fp.set_index("code")[["name", "region", "population"]].copy()
    s = s.join(gaps).join(_scheme_totals(scored, codes)).join(outcomes)
    s["honest_gap"] = s["do_nothing_gap"] - s["expected_savings"]
    s["gap_at_confidence"] = s["shortfall_at_confidence"]
    s["contract_mismatch"] = mismatch_by_footprint(lines, codes)
    s["rating"] = [rating(p, a.ratings) for p in s["p_balance"]]
    shares = (fp.set_index("code")["nhs_allocation"] / fp["nhs_allocation"].sum())
    plans = {code: reprioritise(s.at[code, "gap_at_confidence"], a.levers, shares[code])
             for code in codes}
    s["local_levers"] = [plans[c].local for c in codes]
    s["national_agreement_levers"] = [plans[c].national_agreement for c in codes]
    s["still_needed"] = [plans[c].still_needed for c in codes]
    s["gap_per_head"] = s["do_nothing_gap"] * 1e6 / s["population"].astype(float)
    s["honest_gap_per_head"] = s["honest_gap"] * 1e6 / s["population"].astype(float)
    statuses = figures.figure_statuses()
    footprint_of = statuses["key"].str.split("/").str[0].str.replace(r"-S\d+$", "", regex=True)
    scheme_owner = figures.schemes.set_index("scheme_id")["footprint"]
    footprint_of = footprint_of.map(lambda k: scheme_owner.get(k, k))
    illustrative = (statuses["status"] == "illustrative").groupby(footprint_of).any()
    s["illustrative"] = illustrative.reindex(codes, fill_value=False).astype(bool)
    summary = s[[c for c in SUMMARY_COLUMNS if c != "code"]]
    national = national_figures(summary, plans, a, chance)
    return Analysis(a, summary, nhs_trajectory(fp, a), scored, lines, plans, chance, national)
