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

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

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


T = TypeVar("T")


class _Reading:
    """Assumptions that note each attribute read from them, and the value read."""

    def __init__(self, a: Assumptions):
        self._reading_of, self._reads = a, {}

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._reading_of, name)
        self._reads[name] = value
        return value


def _same(x: Any, y: Any) -> bool:
    if x is y:
        return True
    try:
        return bool(x == y)
    except (TypeError, ValueError):  # arrays, say: not provably the same
        return False


@dataclass
class Steps:
    """What `position` keeps of its steps across calls with varied assumptions (the
    sensitivity's 2 x 18): a step given the same inputs, and assumptions equal in every field
    it read last time, gives the same result, so it is not computed again. Each step is a pure
    function of its inputs and the assumptions; which fields it reads is recorded as it runs
    (`_Reading`), not declared, so a step that starts reading another field is still right."""

    kept: dict[str, list[tuple[tuple, dict[str, Any], Any]]] = field(default_factory=dict)

    def __call__(self, name: str, step: Callable[[Any], T], a: Assumptions, *inputs: Any) -> T:
        """`step(a)`, whose other inputs (the objects it closes over) are `inputs`."""
        for used, reads, result in self.kept.get(name, ()):
            if all(map(_same, used, inputs)) and all(
                _same(getattr(a, f), v) for f, v in reads.items()
            ):
                return result
        reading = _Reading(a)
        result = step(reading)
        self.kept.setdefault(name, []).append((inputs, reading._reads, result))
        return result


def _computed(name: str, step: Callable[[Any], T], a: Assumptions, *inputs: Any) -> T:
    return step(a)


def position(figures: Figures, a: Assumptions, steps: Steps | None = None) -> Position:
    """The expected position of every footprint. `steps` keeps the steps' results for the
    next call with varied assumptions (the sensitivity); the position is the same with it."""
    run = steps or _computed
    fp, schemes, contracts = figures.footprints, figures.schemes, figures.contracts
    codes = list(fp["code"])
    chance = run("pot_chance", lambda a: pot_chance(schemes, a), a, schemes)
    scored = run("score", lambda a: score_schemes(schemes, a, chance), a, schemes, chance)
    lines = run("contracts", lambda a: contract_mismatch(contracts, a), a, contracts)
    shares = run("shares", lambda a: activity_shares(fp, contracts, a), a, fp, contracts)
    summary = run("gap", lambda a: gap_summary(fp, a), a, fp)
    recovery = run("recovery", lambda a: recovery_costs(shares, a), a, shares)
    frame = summary.join(recovery)
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
