"""Step 2: each scheme's probability of delivery, factor by factor, and apples and pears.

p = category base rate x capital x political support x consultation x clinical support x
evidence x origin, clipped to [0, 1]. Every factor is kept so a briefing can show why a scheme
scores as it does.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from stpreport.assumptions import Assumptions
from stpreport.formatting import money, percent

TARGET_YEAR_START = dt.date(2020, 4, 1)
FACTORS = ("base_rate", "f_capital", "f_political", "f_consultation", "f_clinical", "f_evidence",
           "f_origin")


def months_left(a: Assumptions) -> int:
    """Whole months from the analysis date to the start of 2020/21."""
    return (TARGET_YEAR_START.year - a.as_at.year) * 12 + TARGET_YEAR_START.month - a.as_at.month


def pot_chance(schemes: pd.DataFrame, a: Assumptions) -> float:
    """Chance that a pound of unsecured capital is funded from the national pot:
    the pot over all the unsecured capital that footprints ask of it (at most 1)."""
    asked = float((schemes["capital_required"] - schemes["capital_secured"]).sum())
    return 1.0 if asked <= 0 else min(1.0, a.national_capital_pot / asked)


def capital_factor(required: np.ndarray, secured: np.ndarray, chance: float) -> np.ndarray:
    """Secured share counts in full; the unsecured share only at its chance from the pot."""
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(required > 0, secured / required, 1.0)
    return share + (1 - share) * chance


def consultation_factor(status: pd.Series, a: Assumptions) -> np.ndarray:
    needed = status.map(a.consultation_lead_months).to_numpy(float) + np.where(
        status.isin(["not_started", "under_way"]), a.implementation_months, 0.0)
    late = needed > months_left(a)
    return status.map(a.consultation_factor).to_numpy(float) * np.where(late, a.late_factor, 1.0)


def score_schemes(schemes: pd.DataFrame, a: Assumptions, chance: float | None = None
                  ) -> pd.DataFrame:
    """The schemes with every factor, the probability `p`, `expected` saving, `apple`, `why`.

    `chance` is the pot chance; by default it is computed from these schemes, so pass it in
    when scoring one footprint's schemes out of the national set."""
    chance = pot_chance(schemes, a) if chance is None else chance
    out = schemes.copy()
    out["base_rate"] = schemes["category"].map(a.base_rate).to_numpy(float)
    out["f_capital"] = capital_factor(schemes["capital_required"].to_numpy(float),
                                      schemes["capital_secured"].to_numpy(float), chance)
    out["f_political"] = schemes["political_support"].map(a.political_support).to_numpy(float)
    out["f_consultation"] = consultation_factor(schemes["consultation"], a)
    out["f_clinical"] = schemes["clinical_support"].map(a.clinical_support).to_numpy(float)
    out["f_evidence"] = schemes["evidence"].map(a.evidence).to_numpy(float)
    out["f_origin"] = schemes["origin"].map(a.origin).to_numpy(float)
    out["p"] = np.clip(np.prod(out[list(FACTORS)].to_numpy(float), axis=1), 0.0, 1.0)
    out["expected"] = out["planned_saving"] * out["p"]
    out["apple"] = (out["p"] >= a.apple_threshold) & (out["origin"] == "bottom_up")
    out["why"] = [_reasons(row, chance, a) for row in out.to_dict("records")]
    return out


def _reasons(s: dict, chance: float, a: Assumptions) -> str:
    """Plain words for every factor that pulls the scheme down."""
    reasons = [f"{percent(s['base_rate'])} of {s['category'].replace('_', ' ')} schemes deliver"]
    if s["f_capital"] < 1:
        unsecured = s["capital_required"] - s["capital_secured"]
        reasons.append(f"{money(unsecured)} of {money(s['capital_required'])} capital unsecured "
                       f"(the national pot covers {percent(chance)} of what is asked)")
    if s["f_political"] < 1:
        reasons.append(f"politically {s['political_support']}")
    if s["f_consultation"] < 1:
        reasons.append(f"consultation {s['consultation'].replace('_', ' ')}")
    if s["f_clinical"] < 1:
        reasons.append(f"{s['clinical_support']} clinical support")
    if s["f_evidence"] < 1:
        reasons.append(f"evidence {s['evidence']}" if s["evidence"] != "none"
                       else "no evidence it saves money")
    if s["origin"] == "balancing":
        reasons.append("a balancing item added to make the plan balance")
    return "; ".join(reasons)
