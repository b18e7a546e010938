"""Step 5: contracts against the plan.

Over the contract years, a line's value grows by the contract's growth where the plan assumes
its own (often negative) growth. mismatch = baseline x ((1 + contract)^years - (1 + plan)^years):
positive where contracts buy activity the plan assumes away, a cost the plan does not show.
"""

from __future__ import annotations

import pandas as pd

from stpreport.assumptions import Assumptions


def contract_mismatch(contracts: pd.DataFrame, a: Assumptions) -> pd.DataFrame:
    """The contracts with `plan_value`, `contract_value` and `mismatch` (£m) at the end."""
    out = contracts.copy()
    years = a.contract_years
    out["plan_value"] = out["baseline_value"] * (1 + out["plan_growth"] / 100) ** years
    out["contract_value"] = out["baseline_value"] * (1 + out["contract_growth"] / 100) ** years
    out["mismatch"] = out["contract_value"] - out["plan_value"]
    return out


def mismatch_by_footprint(lines: pd.DataFrame, codes: list[str]) -> pd.Series:
    """Total value (£m) of growth bought but assumed away, per footprint (0 where none)."""
    positive = lines["mismatch"].clip(lower=0)
    return positive.groupby(lines["footprint"]).sum().reindex(codes, fill_value=0.0)
