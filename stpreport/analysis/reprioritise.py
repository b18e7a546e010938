"""Step 6: what would have to give, as an optimisation.

Each lever on the menu has a national value, shared out to the footprint by its own scale
(allocation, population, elective or A&E activity, or the footprint's own standards recovery
cost), and a harm score for every £100m it releases. Savings levers reduce cost; financing
levers only move a deficit (to trusts' books or to later years) and close nothing, so they are
listed beside the answer, never in it.

The least harmful use of the savings levers that closes the gap at the stated confidence is
found by SciPy's mixed-integer solver (divisible levers may be used in part, the others all or
nothing): minimise the harm released, harm_i x value_i / 100 x x_i, subject to
sum value_i x_i >= target. Local levers first; where they cannot close it, levers that need
national agreement; whatever is still open only new money (or a national decision to spend
more than the allocation) closes. Protected levers are never used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from stpreport.assumptions import Lever

HARM_UNIT = 100.0
"""£m: a lever's harm score is per this much released."""


def least_harm_cover(
    values: np.ndarray, harms: np.ndarray, target: float, divisible: np.ndarray | None = None
) -> np.ndarray:
    """The share (0-1) of each lever to use so that the values used sum to at least `target`
    with the least harm, harm_i x value_i x share_i. Divisible levers may be used in part.

    Ties in harm go to the use that overshoots least. If the levers cannot reach the target,
    all are used in full. An empty or non-positive target uses nothing."""
    values, harms = np.asarray(values, float), np.asarray(harms, float)
    n = len(values)
    divisible = np.ones(n, bool) if divisible is None else np.asarray(divisible, bool)
    if target <= 0 or n == 0:
        return np.zeros(n)
    if values.sum() <= target:
        return (values > 0).astype(float)
    # Imported only when there is a choice to make: 0.3-0.9 s (SciPy's optimize and linalg),
    # and where every gap is larger than the levers can release, as in the bundled figures,
    # no footprint needs it.
    from scipy.optimize import Bounds, LinearConstraint, milp

    cost = harms * values / HARM_UNIT
    # The value term only breaks ties: it is smaller than any difference in harm that matters.
    tie_break = values / (values.sum() + 1.0) * 1e-6
    result = milp(
        c=cost + tie_break,
        integrality=(~divisible).astype(int),
        bounds=Bounds(0, 1),
        constraints=LinearConstraint(values[None, :], lb=target, ub=np.inf),
    )
    if not result.success:  # cannot happen when values.sum() > target; kept as a guard
        raise RuntimeError(f"lever optimisation failed: {result.message}")
    used = np.clip(result.x, 0.0, 1.0)
    used[~divisible] = np.round(used[~divisible])
    used[used < 1e-9] = 0.0
    return used


@dataclass(frozen=True)
class Reprioritisation:
    """What would have to give in one footprint (or the nation)."""

    target: float
    levers: pd.DataFrame  # every lever: id, label, kind, scale, value, harm, divisible,
    #                       national_agreement, protected, used (0-1), released (£m),
    #                       harm_points, stage ("local", "national agreement", "financing", "")
    local: float
    national_agreement: float
    still_needed: float
    financing: float  # how much of what is still needed financing levers could carry

    @property
    def closes_locally(self) -> bool:
        return self.target <= 0 or (self.local >= self.target - 1e-9)


def lever_values(
    levers: tuple[Lever, ...], shares: dict[str, float], recovery: dict[str, float]
) -> pd.DataFrame:
    """Each lever's value in one footprint. `shares` maps a scale to the footprint's share of
    the national total; `recovery` maps recovery_ae / recovery_rtt to the footprint's own
    recovery cost (£m a year; 0 where the gap leaves recovery out)."""
    rows = []
    for lv in levers:
        own = lv.scale in recovery
        value = recovery[lv.scale] if own else lv.national_value * shares[lv.scale]
        rows.append(
            {
                "id": lv.id,
                "label": lv.label,
                "kind": lv.kind,
                "scale": lv.scale,
                "value": value,
                "harm": lv.harm,
                "divisible": lv.divisible,
                "national_agreement": lv.national_agreement,
                "protected": lv.protected,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "id",
            "label",
            "kind",
            "scale",
            "value",
            "harm",
            "divisible",
            "national_agreement",
            "protected",
        ],
    )


def reprioritise(target: float, menu: pd.DataFrame) -> Reprioritisation:
    """Choose levers from `menu` (lever_values) to close `target` (£m). Worked on the menu's
    columns as arrays: the analysis does it for every footprint (and again for each
    sensitivity and scenario), where pandas' per-call overhead was most of its time."""
    value = menu["value"].to_numpy(float)
    harm = menu["harm"].to_numpy(float)
    protected = menu["protected"].to_numpy(bool)
    needs_agreement = menu["national_agreement"].to_numpy(bool)
    kind = menu["kind"].to_numpy()
    used = np.zeros(len(menu))
    stage = np.full(len(menu), "", dtype=object)
    remaining = max(float(target), 0.0)
    amounts = {}
    savings = (kind == "saving") & ~protected & (value > 0)
    for name, national in (("local", False), ("national agreement", True)):
        pool = np.flatnonzero(savings & (needs_agreement == national))
        share = least_harm_cover(
            value[pool], harm[pool], remaining, menu["divisible"].to_numpy(bool)[pool]
        )
        used[pool] = share
        stage[pool[share > 0]] = name
        amounts[name] = float((value[pool] * share).sum())
        remaining = max(remaining - amounts[name], 0.0)
    financing = (kind == "financing") & ~protected
    carried = min(float(value[financing].sum()), remaining)
    stage[financing] = "financing"
    released = value * used
    levers = menu.copy()
    levers["used"] = used
    levers["stage"] = stage
    levers["released"] = released
    levers["harm_points"] = harm * released / HARM_UNIT
    return Reprioritisation(
        target=max(float(target), 0.0),
        levers=levers,
        local=amounts["local"],
        national_agreement=amounts["national agreement"],
        still_needed=remaining,
        financing=carried,
    )
