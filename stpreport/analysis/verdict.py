"""Step 7: the rating, and what drives each footprint's honest gap, as numbers.

A footprint is rated on two things a finance director would look at first: the size of its
honest gap against its 2020/21 allocation, and how much of the gap its deliverable savings
cover. It takes the first band (params `ratings`) whose two tests it passes. The probability of
balancing is reported beside the rating, not used for it: with evidence-based delivery rates,
almost no plan has a real chance of balancing, so a rating built on it says the same of all.

The drivers split the honest gap into what makes it up, so a briefing can lead with the
footprint's own largest ones. honest gap = do-nothing gap + recovery + contracts cost - expected
savings, and expected savings = planned savings - the savings that will not be delivered, so
honest gap = unplanned gap + recovery + contracts + undelivered savings (by category), where
the unplanned gap is the do-nothing gap the plan's savings do not even claim to close.
"""

from __future__ import annotations

import pandas as pd

from stpreport.assumptions import RatingBand


def rating(gap_share: float, coverage: float, bands: tuple[RatingBand, ...]) -> str:
    """The first band whose tests the footprint passes: honest gap / 2020/21 allocation at
    most `max_gap_share`, and expected savings / gap at least `min_coverage`."""
    for band in bands:
        if band.max_gap_share is None or band.min_coverage is None:
            return band.rating
        if gap_share <= band.max_gap_share and coverage >= band.min_coverage:
            return band.rating
    return bands[-1].rating


def drivers(row: dict, undelivered: pd.Series) -> list[tuple[str, float]]:
    """The parts of one footprint's honest gap (£m), largest first: the do-nothing gap its
    plan does not claim to close (`unplanned_gap`), standards recovery (`recovery_cost`), the
    part of the contracts mismatch that spends planned savings (`contract_cost`), and the
    planned savings that will not be delivered, per category (`undelivered:<category>`).
    Parts of zero or less are left out; a plan that claims more than its do-nothing gap has a
    negative unplanned gap, which is left out too."""
    parts = [
        ("unplanned_gap", row["do_nothing_gap"] - row["planned_savings"]),
        ("recovery_cost", row["recovery_cost"]),
        ("contract_cost", row["contract_cost"]),
    ]
    parts += [(f"undelivered:{cat}", float(v)) for cat, v in undelivered.items()]
    return sorted([(k, float(v)) for k, v in parts if v > 0.5], key=lambda kv: -kv[1])
