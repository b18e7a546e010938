"""Step 3b: sensitivity. Each assumption in params `sensitivity` is set to the low and then the
high end of its documented range, one at a time, and the expected honest gap recomputed for
every footprint and the nation (the same `position` the briefing shows). The tornado charts
order the assumptions by the swing they cause."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from stpreport.analysis.position import position
from stpreport.assumptions import Assumptions
from stpreport.inputs import Figures

NATIONAL = "national"


def vary(a: Assumptions, key: str, value: float) -> Assumptions:
    """The assumptions with `key` (one of assumptions.SENSITIVITY_KEYS) set to `value`;
    for growth.funding, `value` shifts every year's growth."""
    if key == "growth.demand":
        return replace(a, demand_growth=value)
    if key == "growth.cost":
        return replace(a, cost_growth=value)
    if key == "growth.funding":
        return replace(a, funding_growth={y: g + value for y, g in a.funding_growth.items()})
    if key == "deliverability.national_capital_pot":
        return replace(a, national_capital_pot=value)
    if key == "standards.recovery_cost":
        return replace(a, recovery_cost=value)
    if key == "deliverability.origin.balancing":
        return replace(a, origin={**a.origin, "balancing": value})
    prefix = "deliverability.base_rate."
    if key.startswith(prefix) and key[len(prefix) :] in a.base_rate:
        return replace(a, base_rate={**a.base_rate, key[len(prefix) :]: value})
    raise KeyError(f"no sensitivity for {key!r}")


def base_value(a: Assumptions, key: str) -> float:
    """The assumption's own value (for growth.funding, the shift: 0)."""
    return (
        {
            "growth.demand": a.demand_growth,
            "growth.cost": a.cost_growth,
            "growth.funding": 0.0,
            "deliverability.national_capital_pot": a.national_capital_pot,
            "standards.recovery_cost": a.recovery_cost,
            "deliverability.origin.balancing": a.origin["balancing"],
        }.get(key)
        if not key.startswith("deliverability.base_rate.")
        else a.base_rate[key.rsplit(".", 1)[1]]
    )


def sensitivity(figures: Figures, a: Assumptions, base: pd.Series) -> pd.DataFrame:
    """One row per footprint (and `national`) and assumption: code, key, label, low, high,
    value (the assumption's own), honest_low, honest_high (£m, the honest gap at each end),
    swing (|high - low|), base (the honest gap as briefed). `base` is the honest gap per
    footprint."""
    rows = []
    for s in a.sensitivity:
        ends = {}
        for end, value in (("low", s.low), ("high", s.high)):
            ends[end] = position(figures, vary(a, s.key, value)).frame["honest_gap"]
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
