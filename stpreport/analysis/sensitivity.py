"""Step 3b: sensitivity. Each assumption in params `sensitivity` is set to the low and then the
high end of its documented range, one at a time, and the expected honest gap recomputed for
every footprint and the nation (the same `position` the briefing shows). The tornado charts
order the assumptions by the swing they cause."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from stpreport.analysis.position import Steps, position
from stpreport.assumptions import Assumptions
from stpreport.inputs import Figures

NATIONAL = "national"


BASE_RATE = "deliverability.base_rate."
SETTINGS = {
    "growth.demand": (lambda a: a.demand_growth, lambda a, v: replace(a, demand_growth=v)),
    "growth.cost": (lambda a: a.cost_growth, lambda a, v: replace(a, cost_growth=v)),
    # a shift of every year's growth: its own value is no shift
    "growth.funding": (
        lambda a: 0.0,
        lambda a, v: replace(a, funding_growth={y: g + v for y, g in a.funding_growth.items()}),
    ),
    "deliverability.national_capital_pot": (
        lambda a: a.national_capital_pot,
        lambda a, v: replace(a, national_capital_pot=v),
    ),
    "standards.recovery_cost": (
        lambda a: a.recovery_cost,
        lambda a, v: replace(a, recovery_cost=v),
    ),
    "deliverability.origin.balancing": (
        lambda a: a.origin["balancing"],
        lambda a, v: replace(a, origin={**a.origin, "balancing": v}),
    ),
}
"""How to read and set each assumption a sensitivity may vary (besides the base rates)."""


def _setting(a: Assumptions, key: str):
    if key.startswith(BASE_RATE) and key[len(BASE_RATE) :] in a.base_rate:
        category = key[len(BASE_RATE) :]
        return (
            lambda a: a.base_rate[category],
            lambda a, v: replace(a, base_rate={**a.base_rate, category: v}),
        )
    if key in SETTINGS:
        return SETTINGS[key]
    raise KeyError(f"no sensitivity for {key!r}")


def vary(a: Assumptions, key: str, value: float) -> Assumptions:
    """The assumptions with `key` (one of assumptions.SENSITIVITY_KEYS) set to `value`;
    for growth.funding, `value` shifts every year's growth."""
    return _setting(a, key)[1](a, value)


def base_value(a: Assumptions, key: str) -> float:
    """The assumption's own value (for growth.funding, the shift: 0)."""
    return _setting(a, key)[0](a)


def sensitivity(figures: Figures, a: Assumptions, base: pd.Series) -> pd.DataFrame:
    """One row per footprint (and `national`) and assumption: code, key, label, low, high,
    value (the assumption's own), honest_low, honest_high (£m, the honest gap at each end),
    swing (|high - low|), base (the honest gap as briefed). `base` is the honest gap per
    footprint."""
    rows = []
    steps = Steps()  # each variation recomputes only the steps that read what it varies
    for s in a.sensitivity:
        ends = {}
        for end, value in (("low", s.low), ("high", s.high)):
            ends[end] = position(figures, vary(a, s.key, value), steps).frame["honest_gap"]
        for code in [*base.index, NATIONAL]:
            lo = ends["low"].sum() if code == NATIONAL else ends["low"][code]
            hi = ends["high"].sum() if code == NATIONAL else ends["high"][code]
            rows.append(
                {
                    "code": code,
                    "key": s.key,
                    "label": s.label,
                    "low": s.low,
                    "high": s.high,
                    "value": base_value(a, s.key),
                    "honest_low": float(lo),
                    "honest_high": float(hi),
                    "swing": abs(float(hi) - float(lo)),
                    "base": float(base.sum() if code == NATIONAL else base[code]),
                }
            )
    frame = pd.DataFrame(rows)
    return frame.sort_values(
        ["code", "swing", "key"], ascending=[True, False, True], kind="stable"
    ).reset_index(drop=True)
