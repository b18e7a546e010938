"""Step 6: what would have to give, as an optimisation.

Each lever in the menu has a national value, shared out by the footprint's share of NHS
allocation, and a harm score. The least harmful set of levers (fewest harm points, then least
overshoot) that closes the gap at the stated confidence is chosen with SciPy's MILP solver:
local levers first; where they cannot close it, levers that need national agreement; whatever
is still open is national money or a national decision. Protected levers are never chosen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from stpreport.assumptions import Lever


def least_harm_cover(values: np.ndarray, harms: np.ndarray, target: float) -> np.ndarray:
    """Boolean mask of the least harmful levers whose values sum to at least `target`.

    Ties in harm go to the set that overshoots least. If no set reaches the target, all levers
    are chosen (each adds value). An empty or non-positive target chooses nothing.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp  # 0.3 s to import: only here

    values, harms = np.asarray(values, float), np.asarray(harms, float)
    n = len(values)
    if target <= 0 or n == 0:
        return np.zeros(n, dtype=bool)
    if values.sum() < target:
        return values > 0
    # Harm dominates; the value term only breaks ties (it is smaller than any harm step).
    tie_break = values / (values.sum() + 1.0) * 1e-3
    result = milp(c=harms + tie_break, integrality=np.ones(n),
                  bounds=Bounds(0, 1),
                  constraints=LinearConstraint(values[None, :], lb=target, ub=np.inf))
    if not result.success:  # cannot happen when values.sum() >= target; kept as a guard
        raise RuntimeError(f"lever optimisation failed: {result.message}")
    return np.round(result.x).astype(bool)


@dataclass(frozen=True)
class Reprioritisation:
    """What would have to give in one footprint (or the nation)."""

    target: float
    levers: pd.DataFrame  # every lever: id, label, value, harm, national_agreement, protected,
    #                       chosen, stage ("local", "national agreement", or "")
    local: float
    national_agreement: float
    still_needed: float

    @property
    def closes_locally(self) -> bool:
        return self.target <= 0 or (self.local >= self.target - 1e-9)


def lever_values(levers: tuple[Lever, ...], allocation_share: float) -> pd.DataFrame:
    return pd.DataFrame([{"id": lv.id, "label": lv.label,
                          "value": lv.national_value * allocation_share, "harm": lv.harm,
                          "national_agreement": lv.national_agreement,
                          "protected": lv.protected} for lv in levers])


def reprioritise(target: float, levers: tuple[Lever, ...], allocation_share: float
                 ) -> Reprioritisation:
    """Choose levers to close `target` (£m) for a footprint with this share of allocation."""
    menu = lever_values(levers, allocation_share)
    menu["chosen"] = False
    menu["stage"] = ""
    remaining = max(float(target), 0.0)
    amounts = {}
    for stage, needs_national in (("local", False), ("national agreement", True)):
        pool = menu[(~menu["protected"]) & (menu["national_agreement"] == needs_national)]
        mask = least_harm_cover(pool["value"].to_numpy(), pool["harm"].to_numpy(), remaining)
        chosen = pool.index[mask]
        menu.loc[chosen, "chosen"] = True
        menu.loc[chosen, "stage"] = stage
        amounts[stage] = float(menu.loc[chosen, "value"].sum())
        remaining = max(remaining - amounts[stage], 0.0)
    return Reprioritisation(target=max(float(target), 0.0), levers=menu,
                            local=amounts["local"],
                            national_agreement=amounts["national agreement"],
                            still_needed=remaining)
