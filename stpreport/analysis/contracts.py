"""Step 5: contracts against the plan.

Over the contract years, a line's value grows by the contract's growth where the plan assumes
its own (often negative) growth. After k contract years the mismatch is
baseline x ((1 + contract)^k - (1 + plan)^k): positive where contracts buy activity the plan
assumes away, a recurrent cost a year that the plan does not show. After the last contract
year it is held at that level (the activity bought does not go away by itself). Lines where
the contract buys less than the plan count as nothing: the plan already assumed that saving.
"""

from __future__ import annotations

import pandas as pd

from stpreport.assumptions import YEARS, Assumptions


def contract_mismatch(contracts: pd.DataFrame, a: Assumptions) -> pd.DataFrame:
    """The contracts with `plan_value`, `contract_value` and `mismatch` (£m a year) at the end
    of the contract years."""
    out = contracts.copy()
    years = a.contract_years
    out["plan_value"] = out["baseline_value"] * (1 + out["plan_growth"] / 100) ** years
    out["contract_value"] = out["baseline_value"] * (1 + out["contract_growth"] / 100) ** years
    out["mismatch"] = out["contract_value"] - out["plan_value"]
    return out


def mismatch_by_footprint(lines: pd.DataFrame, codes: list[str]) -> pd.Series:
    """Total value (£m a year) of growth bought but assumed away, per footprint (0 where none)."""
    positive = lines["mismatch"].clip(lower=0)
    return positive.groupby(lines["footprint"]).sum().reindex(codes, fill_value=0.0)


def mismatch_by_year(contracts: pd.DataFrame, a: Assumptions, codes: list[str]) -> pd.DataFrame:
    """Footprint x year (YEARS): the mismatch reached in each year, 0 in the base year, held
    after the last contract year."""
    columns = {}
    for i, year in enumerate(YEARS):
        k = min(i, a.contract_years)
        bought = (1 + contracts["contract_growth"] / 100) ** k
        planned = (1 + contracts["plan_growth"] / 100) ** k
        value = contracts["baseline_value"] * (bought - planned)
        columns[year] = value.clip(lower=0).groupby(contracts["footprint"]).sum()
    return pd.DataFrame(columns).reindex(codes, fill_value=0.0).fillna(0.0)
