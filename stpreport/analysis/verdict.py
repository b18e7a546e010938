"""Step 7: the rating and a plain-English paragraph that states the numbers without softening."""

from __future__ import annotations

from stpreport.formatting import clip, money, percent


def rating(p_balance: float, bands: tuple[tuple[str, float], ...]) -> str:
    """The first band whose threshold the probability of balancing reaches."""
    for name, threshold in bands:
        if p_balance >= threshold:
            return name
    return bands[-1][0]


def verdict_paragraph(name: str, s: dict, confidence: float) -> str:
    """A deterministic paragraph from one footprint's summary row `s`."""
    gap, planned, expected = s["do_nothing_gap"], s["planned_savings"], s["expected_savings"]
    parts = [f"{clip(name)}'s plan is rated {s['rating']}."]
    parts.append(f"Doing nothing, it faces a gap of {money(gap)} by 2020/21 "
                 f"(the plan states {money(s['stated_gap'])}).")
    if planned > 0:
        parts.append(f"Its schemes plan {money(planned)} of savings; on the evidence, "
                     f"{money(expected)} ({percent(expected / planned)}) can be expected, "
                     f"and {money(s['balancing_savings'])} of the plan is balancing items with "
                     "no scheme behind them.")
    else:
        parts.append("It has no savings schemes.")
    parts.append(f"That leaves an honest gap of {money(s['honest_gap'])}; with "
                 f"{percent(confidence)} confidence, {money(s['gap_at_confidence'])} is still to "
                 f"find. The chance that the plan balances is {percent(s['p_balance'])}.")
    if s["contract_mismatch"] > 0.5:
        parts.append(f"Its contracts also buy {money(s['contract_mismatch'])} more activity "
                     "than the plan assumes.")
    if s["gap_at_confidence"] > 0:
        if s["still_needed"] > 0.5:
            parts.append(f"Local and national levers together leave {money(s['still_needed'])} "
                         "that only new national money or a national decision can close.")
        elif s["national_agreement_levers"] > 0.5:
            parts.append(f"Closing it needs {money(s['national_agreement_levers'])} of levers "
                         "that only national bodies can agree.")
        else:
            parts.append("Local levers can close it, at a cost to services set out below.")
    return " ".join(parts)
