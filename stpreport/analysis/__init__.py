"""The honest analysis: pure functions from figures and assumptions to numbers.

`analyse(figures, assumptions)` runs every step for every footprint and returns an `Analysis`;
the notebooks and the build only read from it. Nothing here touches files (other than the
bundled reference of published figures), notebooks or the network, and nothing here writes
words: the briefing layer turns these numbers and codes into sentences.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from stpreport.analysis.contracts import mismatch_by_year
from stpreport.analysis.deliverability import delivery_by_category
from stpreport.analysis.gap import nhs_trajectory
from stpreport.analysis.national import national_figures
from stpreport.analysis.position import demand_savings, position
from stpreport.analysis.reprioritise import Reprioritisation, lever_values, reprioritise
from stpreport.analysis.sensitivity import sensitivity
from stpreport.analysis.uncertainty import DrawStore, phasing, simulate
from stpreport.analysis.verdict import drivers, rating
from stpreport.assumptions import YEARS, Assumptions
from stpreport.inputs import Figures
from stpreport.published import dashboard_ratings

SUMMARY_COLUMNS = [
    "code",
    "name",
    "region",
    "population",
    "rating",
    "nhse_rating",
    "do_nothing_gap",
    "recovery_cost",
    "contract_mismatch",
    "contract_cost",
    "total_gap",
    "stated_gap",
    "planned_savings",
    "expected_savings",
    "honest_gap",
    "honest_gap_share",
    "coverage",
    "honest_p10",
    "honest_p50",
    "honest_p80",
    "honest_p90",
    "gap_at_confidence",
    "p_balance",
    "expected_shortfall",
    "rank",
    "rank_low",
    "rank_high",
    "first_break_year",
    "allocation_2020_21",
    "base_deficit",
    "difference",
    "relative_difference",
    "large_difference",
    "social_care_gap",
    "stated_social_care_gap",
    "balancing_savings",
    "apple_savings",
    "pear_savings",
    "capital_requested",
    "capital_secured",
    "local_levers",
    "national_agreement_levers",
    "still_needed",
    "financing",
    "gap_per_head",
    "honest_gap_per_head",
    "illustrative",
    "stated_gap_published",
]


@dataclass
class Analysis:
    """Every number the briefings show, for every footprint and the nation."""

    assumptions: Assumptions
    summary: pd.DataFrame  # one row per footprint, indexed by code, SUMMARY_COLUMNS
    trajectory: pd.DataFrame  # code, year, cost, funding, gap, recovery, contracts, planned,
    #                           expected, honest_mean, honest_p10, honest_p50, honest_p90
    schemes: pd.DataFrame  # scored schemes: factors, p, expected, apple, pulls
    contracts: pd.DataFrame  # contract lines with plan_value, contract_value, mismatch
    reprioritisation: dict[str, Reprioritisation]
    pot_chance: float
    national: dict  # totals, regions, league, levers, by_year, categories, ratings_crosstab
    sensitivity: pd.DataFrame  # code (or "national"), key, label, ..., honest_low, honest_high
    drivers: dict[str, list[tuple[str, float]]]  # per footprint, largest first (verdict.drivers)

    def row(self, code: str) -> dict:
        return {"code": code, **self.summary.loc[code].to_dict()}


def _scheme_totals(scored: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    by = scored.groupby("footprint")
    totals = pd.DataFrame(
        {
            "balancing_savings": scored[scored["origin"] == "balancing"]
            .groupby("footprint")["planned_saving"]
            .sum(),
            "apple_savings": scored[scored["apple"]].groupby("footprint")["planned_saving"].sum(),
            "pear_savings": scored[~scored["apple"]].groupby("footprint")["planned_saving"].sum(),
            "capital_requested": by["capital_required"].sum(),
            "capital_secured": by["capital_secured"].sum(),
        }
    )
    return totals.reindex(codes).fillna(0.0)


def _trajectory(
    figures: Figures,
    a: Assumptions,
    extra: dict[str, pd.DataFrame],
    scored: pd.DataFrame,
    phase: np.ndarray,
    by_year: pd.DataFrame,
) -> pd.DataFrame:
    """Year by year: cost, funding and gap, the extra costs, planned and expected savings as
    phased, and the honest gap's mean and quantiles from the joint draws."""
    t = nhs_trajectory(figures.footprints, a)
    for name, frame in extra.items():
        long = frame.stack().rename(name).rename_axis(["code", "year"]).reset_index()
        t = t.merge(long, on=["code", "year"], how="left")
    for name, values in (
        ("planned", scored["planned_saving"].to_numpy(float)),
        ("expected", scored["expected"].to_numpy(float)),
    ):
        by = pd.DataFrame(phase * values[:, None], columns=list(YEARS))
        by["code"] = scored["footprint"].to_numpy()
        long = by.groupby("code").sum().stack().rename(name).rename_axis(["code", "year"])
        t = t.merge(long.reset_index(), on=["code", "year"], how="left")
    t = t.merge(by_year, on=["code", "year"], how="left")
    return t.fillna({"planned": 0.0, "expected": 0.0})


def _illustrative(figures: Figures, codes: list[str]) -> pd.Series:
    """True where any figure behind the footprint is marked illustrative in its provenance."""
    statuses = figures.figure_statuses()
    flag = (statuses["status"] == "illustrative").groupby(statuses["footprint"]).any()
    return flag.reindex(codes, fill_value=False).astype(bool)


def _stated_gap_published(figures: Figures, codes: list[str]) -> pd.Series:
    return pd.Series(
        [
            figures.provenance("footprints", code, "stated_gap_nhs")[0] == "published"
            for code in codes
        ],
        index=codes,
    )


def _first_break(trajectory: pd.DataFrame, codes: list[str]) -> pd.Series:
    """The first year after the base year whose expected honest gap is above zero."""
    later = trajectory[(trajectory["year"] != YEARS[0]) & (trajectory["honest_mean"] > 0.5)]
    return later.groupby("code")["year"].min().reindex(codes).fillna("")


def analyse(figures: Figures, a: Assumptions, store: DrawStore | None = None) -> Analysis:
    """Every step for every footprint. `store` keeps footprints' draws between processes
    (`uncertainty.DrawStore`); the analysis is the same with or without it."""
    fp = figures.footprints
    codes = list(fp["code"])
    pos = position(figures, a)
    scored = pos.scored
    recovery = pd.DataFrame(
        {y: pos.frame["recovery_cost"] if i else 0.0 for i, y in enumerate(YEARS)},
        index=pos.frame.index,
    )
    phase = phasing(scored)
    mismatch = mismatch_by_year(figures.contracts, a, codes)
    contracts = pd.DataFrame(
        {
            y: np.minimum(mismatch[y], demand_savings(scored, codes, phase[:, i]))
            for i, y in enumerate(YEARS)
        },
        index=mismatch.index,
    )
    sim = simulate(scored, fp, recovery + contracts, a, phase, store)

    s = fp.set_index("code")[["name", "region", "population"]].copy()
    s = s.join(pos.frame).join(_scheme_totals(scored, codes)).join(sim.summary)
    s["honest_gap_share"] = s["honest_gap"] / s["allocation_2020_21"]
    s["coverage"] = (s["expected_savings"] / s["total_gap"].where(s["total_gap"] > 0)).fillna(1.0)
    s["rating"] = [
        rating(g, c, a.ratings) for g, c in zip(s["honest_gap_share"], s["coverage"], strict=True)
    ]
    s["nhse_rating"] = dashboard_ratings().reindex(codes).fillna("").to_numpy()
    plans = {}
    for code in codes:
        menu = lever_values(
            a.levers,
            pos.shares.loc[code].to_dict(),
            {
                "recovery_ae": float(s.at[code, "recovery_ae"]),
                "recovery_rtt": float(s.at[code, "recovery_rtt"]),
            },
        )
        plans[code] = reprioritise(float(s.at[code, "gap_at_confidence"]), menu)
    s["local_levers"] = [plans[c].local for c in codes]
    s["national_agreement_levers"] = [plans[c].national_agreement for c in codes]
    s["still_needed"] = [plans[c].still_needed for c in codes]
    s["financing"] = [plans[c].financing for c in codes]
    population = s["population"].astype(float)
    s["gap_per_head"] = s["total_gap"] * 1e6 / population
    s["honest_gap_per_head"] = s["honest_gap"] * 1e6 / population
    order = s.sort_values(["honest_gap_per_head", "name"], ascending=[False, True]).index
    s["rank"] = pd.Series(np.arange(1, len(order) + 1), index=order).reindex(codes)
    s["illustrative"] = _illustrative(figures, codes)
    s["stated_gap_published"] = _stated_gap_published(figures, codes)
    trajectory = _trajectory(
        figures, a, {"recovery": recovery, "contracts": contracts}, scored, phase, sim.by_year
    )
    s["first_break_year"] = _first_break(trajectory, codes)
    summary = s[[c for c in SUMMARY_COLUMNS if c != "code"]]

    undelivered = (
        (scored["planned_saving"] - scored["expected"])
        .groupby([scored["footprint"], scored["category"]])
        .sum()
    )
    footprint_drivers = {
        code: drivers(
            summary.loc[code].to_dict(),
            undelivered[code]
            if code in undelivered.index.get_level_values(0)
            else pd.Series(dtype=float),
        )
        for code in codes
    }
    sens = sensitivity(figures, a, summary["honest_gap"])
    national = national_figures(
        summary, plans, a, pos.pot_chance, sim, delivery_by_category(scored)
    )
    return Analysis(
        a,
        summary,
        trajectory,
        scored,
        pos.contracts,
        plans,
        pos.pot_chance,
        national,
        sens,
        footprint_drivers,
    )
