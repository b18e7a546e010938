"""Step 1: the gap, year by year from the base year to 2020/21.

Cost grows each year by (1 + demand growth) x (1 + cost growth) from the base year's underlying
spend; funding grows by that year's funding growth from the base-year allocation. The
do-nothing gap is cost minus funding, so a base-year underlying deficit carries into it.

Two costs the plans leave out are added beside it, each visible on its own:
- standards recovery: what recovering A&E 4-hour and 18-week performance costs a year
  (national figure shared by the footprint's A&E and elective activity), where the assumptions
  include it (`standards.include_recovery`);
- contracts: the activity the 2017-19 contracts buy beyond what the plan assumes (contracts.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stpreport.assumptions import YEARS, Assumptions


def growth_factors(a: Assumptions) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative (cost, funding) growth factors for each year of YEARS (base year = 1)."""
    steps = np.arange(len(YEARS))
    cost = ((1 + a.demand_growth) * (1 + a.cost_growth)) ** steps
    funding = np.cumprod([1.0] + [1 + a.funding_growth[y] for y in YEARS[1:]])
    return cost, funding


def activity_shares(
    footprints: pd.DataFrame, contracts: pd.DataFrame, a: Assumptions
) -> pd.DataFrame:
    """Each footprint's share of England's allocation and population (fixed national totals,
    `national_totals`, so one footprint's edit moves no other footprint's share), and of the
    footprints' elective and A&E activity (the contracts' baseline values; a footprint with no
    such line takes its share of the footprints' allocation)."""
    codes = footprints["code"].to_numpy()
    fp = footprints.set_index("code")
    out = pd.DataFrame(index=pd.Index(codes, name="code"))
    out["allocation"] = (fp["nhs_allocation"] / a.national_allocation).reindex(codes)
    out["population"] = (fp["population"] / a.national_population).reindex(codes)
    relative = (fp["nhs_allocation"] / fp["nhs_allocation"].sum()).reindex(codes)
    for activity in ("elective", "ae"):
        lines = contracts[contracts["activity"] == activity]
        value = lines.groupby("footprint")["baseline_value"].sum().reindex(codes)
        known = value.notna()
        if known.any():
            share = value / value.sum() * relative[known].sum()
            out[activity] = share.where(known, relative)
        else:
            out[activity] = relative
    return out.astype(float)


def recovery_costs(shares: pd.DataFrame, a: Assumptions) -> pd.DataFrame:
    """Per footprint, the yearly cost (£m) of recovering A&E (`recovery_ae`) and 18-week
    (`recovery_rtt`) performance; zero where the assumptions leave recovery out."""
    total = a.recovery_cost if a.include_recovery else 0.0
    return pd.DataFrame(
        {
            "recovery_ae": shares["ae"] * total * a.ae_share,
            "recovery_rtt": shares["elective"] * total * (1 - a.ae_share),
        }
    )


def nhs_trajectory(footprints: pd.DataFrame, a: Assumptions) -> pd.DataFrame:
    """One row per footprint and year: cost, funding and gap (£m)."""
    cost_f, fund_f = growth_factors(a)
    frames = []
    for i, year in enumerate(YEARS):
        cost = footprints["nhs_spend"].to_numpy(float) * cost_f[i]
        funding = footprints["nhs_allocation"].to_numpy(float) * fund_f[i]
        frames.append(
            pd.DataFrame(
                {
                    "code": footprints["code"].to_numpy(),
                    "year": year,
                    "cost": cost,
                    "funding": funding,
                    "gap": cost - funding,
                }
            )
        )
    return (
        pd.concat(frames, ignore_index=True)
        .sort_values(["code", "year"], kind="stable")
        .reset_index(drop=True)
    )


def social_care_gap(footprints: pd.DataFrame, a: Assumptions) -> pd.Series:
    """The 2020/21 social care gap per footprint (£m); NaN where the figures are not given."""
    years = len(YEARS) - 1
    cost = footprints["social_care_spend"] * (1 + a.social_care_demand_growth) ** years
    funding = footprints["social_care_funding"] * (1 + a.social_care_funding_growth) ** years
    return pd.Series((cost - funding).to_numpy(float), index=footprints["code"].to_numpy())


def gap_summary(footprints: pd.DataFrame, a: Assumptions) -> pd.DataFrame:
    """Per footprint: base-year deficit, recomputed and stated 2020/21 gaps, the difference,
    and the 2020/21 allocation the gap is measured against."""
    trajectory = nhs_trajectory(footprints, a)
    final = trajectory[trajectory["year"] == YEARS[-1]].set_index("code")
    codes = footprints["code"].to_numpy()
    out = pd.DataFrame(index=pd.Index(codes, name="code"))
    out["base_deficit"] = (footprints["nhs_spend"] - footprints["nhs_allocation"]).to_numpy(float)
    out["allocation_2020_21"] = final["funding"].reindex(codes).to_numpy()
    out["do_nothing_gap"] = final["gap"].reindex(codes).to_numpy()
    out["stated_gap"] = footprints["stated_gap_nhs"].to_numpy(float)
    out["difference"] = out["do_nothing_gap"] - out["stated_gap"]
    out["relative_difference"] = out["difference"] / out["stated_gap"].where(out["stated_gap"] > 0)
    out["large_difference"] = out["relative_difference"].abs() > a.large_difference
    out["social_care_gap"] = social_care_gap(footprints, a).reindex(codes).to_numpy()
    out["stated_social_care_gap"] = footprints["stated_gap_social_care"].to_numpy(float)
    return out
