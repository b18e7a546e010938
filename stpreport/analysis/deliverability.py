"""Step 2: what each scheme can be expected to deliver, and apples and pears.

A scheme starts from its category's base rate: what a *typical* scheme of its kind delivers,
either the expected share of its value (`measure: share`, e.g. CIPs deliver about 70% of the
value targeted) or the chance that it delivers at all (`measure: probability`, e.g. 7 of 27
demand-management initiatives saved money). Two kinds of adjustment follow:

- odds ratios move the scheme up or down from typical on its own evidence and clinical support
  (1 = typical; strong raises it, weak lowers it): adjusted = odds^-1(odds(base) x OR_e x OR_c);
- gates are conditions it cannot deliver without, each the chance it is met, multiplied in:
  capital (secured share, plus the unsecured share at its chance from the national pot),
  political support, consultation (and whether there is time left before 2020/21), and origin
  (a balancing item has no scheme behind it until one is found).

p = adjusted x capital x political x consultation x origin. Every factor is kept, and the
codes of those that pull the scheme below typical (`pulls`), so a briefing can say why.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from stpreport.assumptions import Assumptions

TARGET_YEAR_START = dt.date(2020, 4, 1)
GATES = ("f_capital", "f_political", "f_consultation", "f_origin")
PULLS = ("capital", "political", "consultation", "clinical", "evidence", "balancing")
"""Codes of the factors that can pull a scheme below a typical scheme of its kind."""


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
        status.isin(["not_started", "under_way"]), a.implementation_months, 0.0
    )
    late = needed > months_left(a)
    return status.map(a.consultation_factor).to_numpy(float) * np.where(late, a.late_factor, 1.0)


def adjust_odds(base: np.ndarray, odds_ratio: np.ndarray) -> np.ndarray:
    """The rate whose odds are odds(base) x odds_ratio: adjust_odds(0.5, 3) == 0.75.
    A base of 0 or 1 stays where it is."""
    base = np.asarray(base, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        odds = base / (1 - base) * odds_ratio
        adjusted = odds / (1 + odds)
    return np.where(base >= 1, 1.0, np.where(base <= 0, 0.0, adjusted))


def score_schemes(
    schemes: pd.DataFrame, a: Assumptions, chance: float | None = None
) -> pd.DataFrame:
    """The schemes with every factor, `p` (the expected share of the planned saving delivered),
    `expected` (£m), `apple`, `all_or_nothing` and `pulls` (codes, ";"-separated).

    `chance` is the pot chance; by default it is computed from these schemes, so pass it in
    when scoring one footprint's schemes out of the national set."""
    chance = pot_chance(schemes, a) if chance is None else chance
    out = schemes.copy()
    out["base_rate"] = schemes["category"].map(a.base_rate).to_numpy(float)
    out["or_evidence"] = schemes["evidence"].map(a.evidence).to_numpy(float)
    out["or_clinical"] = schemes["clinical_support"].map(a.clinical_support).to_numpy(float)
    out["adjusted_rate"] = adjust_odds(
        out["base_rate"].to_numpy(float),
        out["or_evidence"].to_numpy(float) * out["or_clinical"].to_numpy(float),
    )
    out["f_capital"] = capital_factor(
        schemes["capital_required"].to_numpy(float),
        schemes["capital_secured"].to_numpy(float),
        chance,
    )
    out["f_political"] = schemes["political_support"].map(a.political_support).to_numpy(float)
    out["f_consultation"] = consultation_factor(schemes["consultation"], a)
    out["f_origin"] = schemes["origin"].map(a.origin).to_numpy(float)
    gates = np.prod(out[list(GATES)].to_numpy(float), axis=1)
    out["p"] = np.clip(out["adjusted_rate"].to_numpy(float) * gates, 0.0, 1.0)
    out["expected"] = out["planned_saving"] * out["p"]
    out["apple"] = (out["p"] >= a.apple_threshold) & (out["origin"] == "bottom_up")
    out["all_or_nothing"] = schemes["category"].isin(a.all_or_nothing).to_numpy()
    flags = {
        "capital": out["f_capital"] < 1,
        "political": out["f_political"] < 1,
        "consultation": out["f_consultation"] < 1,
        "clinical": out["or_clinical"] < 1,
        "evidence": out["or_evidence"] < 1,
        "balancing": out["origin"] == "balancing",
    }
    columns = [np.asarray(flags[code], bool) for code in PULLS]
    out["pulls"] = (
        [
            ";".join(code for code, on in zip(PULLS, row, strict=True) if on)
            for row in zip(*columns, strict=True)
        ]
        if len(out)
        else []
    )
    return out


def delivery_by_category(scored: pd.DataFrame) -> pd.DataFrame:
    """Planned against expected delivery per category (all footprints): the docs' table."""
    by = scored.groupby("category")
    table = pd.DataFrame(
        {
            "schemes": by.size(),
            "planned": by["planned_saving"].sum(),
            "expected": by["expected"].sum(),
        }
    )
    table["share"] = table["expected"] / table["planned"]
    return table
