"""The expected position of every footprint in 2020/21: one function that the analysis and the
sensitivity both use, so a tornado bar moves exactly what the briefing shows.

total gap = do-nothing gap + standards recovery + contracts cost;
honest gap = total gap - expected deliverable savings.

The contracts cost is the part of the contracts mismatch (activity the 2017-19 contracts buy
beyond what the plan assumes) that spends savings the plan counts on: the money is committed to
activity that demand management was to remove, so those savings cannot also be banked. It is
min(mismatch, expected demand-management savings): counting the whole mismatch on top of
demand management's own shortfall would count the same activity twice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from stpreport.analysis.contracts import contract_mismatch, mismatch_by_footprint
from stpreport.analysis.deliverability import pot_chance, score_schemes
from stpreport.analysis.gap import activity_shares, gap_summary, recovery_costs
from stpreport.assumptions import Assumptions
from stpreport.inputs import Figures


@dataclass(frozen=True)
class Position:
    scored: pd.DataFrame  # the schemes, scored (deliverability.score_schemes)
    contracts: pd.DataFrame  # contract lines with their mismatch
    shares: pd.DataFrame  # per footprint: allocation, population, elective, ae shares
    frame: pd.DataFrame  # per footprint: the gap_summary columns, recovery_ae, recovery_rtt,
    #                      recovery_cost, contract_mismatch, demand_savings, contract_cost,
    #                      total_gap, planned_savings, expected_savings, honest_gap
    pot_chance: float


CONTRACTED = "demand_management"
"""The category whose savings contracted activity spends."""


def demand_savings(
    scored: pd.DataFrame, codes: list[str], weights: np.ndarray | None = None
) -> pd.Series:
    """Expected demand-management savings per footprint (£m), times `weights` (e.g. the
    phasing of one year) where given."""
    expected = scored["expected"].to_numpy(float)
    if weights is not None:
        expected = expected * weights
    mask = (scored["category"] == CONTRACTED).to_numpy()
    return (
        pd.Series(expected[mask])
        .groupby(scored["footprint"].to_numpy()[mask])
        .sum()
        .reindex(codes, fill_value=0.0)
    )


def position(figures: Figures, a: Assumptions) -> Position:
    fp = figures.footprints
    codes = list(fp["code"])
    chance = pot_chance(figures.schemes, a)
    scored = score_schemes(figures.schemes, a, chance)
    lines = contract_mismatch(figures.contracts, a)
    shares = activity_shares(fp, figures.contracts, a)
    frame = gap_summary(fp, a).join(recovery_costs(shares, a))
    frame["recovery_cost"] = frame["recovery_ae"] + frame["recovery_rtt"]
    frame["contract_mismatch"] = mismatch_by_footprint(lines, codes)
    by = scored.groupby("footprint")
    frame["planned_savings"] = by["planned_saving"].sum().reindex(codes, fill_value=0.0)
    frame["expected_savings"] = by["expected"].sum().reindex(codes, fill_value=0.0)
    frame["demand_savings"] = demand_savings(scored, codes)
    frame["contract_cost"] = np.minimum(frame["contract_mismatch"], frame["demand_savings"])
    frame["total_gap"] = frame["do_nothing_gap"] + frame["recovery_cost"] + frame["contract_cost"]
    frame["honest_gap"] = frame["total_gap"] - frame["expected_savings"]
    return Position(scored, lines, shares, frame, chance)
