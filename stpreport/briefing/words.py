"""Numbers into sentences. The analysis returns numbers and codes; every sentence a briefing
states about them is written here (or beside the section that shows it), from the numbers, so
that no phrase can outlive a change of figures or assumptions."""

from __future__ import annotations

from stpreport.assumptions import YEARS, Assumptions
from stpreport.formatting import chance, clip, money, percent
from stpreport.schema import CATEGORY_LABELS

TARGET_YEAR = YEARS[-1]


def more_or_less(value: float, *, more: str = "more", less: str = "less", digits: int = 0) -> str:
    """'£14m more' for 14, '£14m less' for -14, '£0m more' for nothing: the amount always
    positive, the direction in the word."""
    amount = money(abs(value), digits)
    return f"{amount} {less if round(value, digits) < 0 else more}"


def driver_phrase(code: str, amount: float) -> str:
    """One driver of the honest gap (verdict.drivers) with its size."""
    if code.startswith("undelivered:"):
        category = CATEGORY_LABELS.get(code.split(":", 1)[1], code).lower()
        return (
            f"{money(amount)} of planned {category} savings that the evidence says will "
            "not be delivered"
        )
    return {
        "unplanned_gap": f"{money(amount)} of the do-nothing gap that the plan's savings do "
        "not even claim to close",
        "recovery_cost": f"{money(amount)} a year to recover A&E and 18-week performance",
        "contract_cost": f"{money(amount)} of activity the 2017-19 contracts buy, which spends "
        "savings the plan counts on",
    }.get(code, f"{money(amount)} ({code})")


def verdict_paragraph(name: str, row: dict, top: list[tuple[str, float]], a: Assumptions) -> str:
    """The verdict, led by the footprint's own two largest drivers, with their numbers."""
    parts = []
    if top:
        lead = top[:2]
        drivers = " and ".join(driver_phrase(code, amount) for code, amount in lead)
        share = (
            sum(amount for _, amount in lead) / row["honest_gap"] if row["honest_gap"] > 0 else None
        )
        what = (
            f"{percent(share)} of its honest gap of {money(row['honest_gap'])}"
            if share is not None and share <= 1.5
            else "its honest gap"
        )
        parts.append(
            f"Two things make up {what}: {drivers}."
            if len(lead) == 2
            else f"One thing makes up {what}: {drivers}."
        )
    parts.append(
        f"{clip(name)} must close {money(row['total_gap'])} by {TARGET_YEAR}; its schemes plan "
        f"{money(row['planned_savings'])}, of which {money(row['expected_savings'])} can be "
        f"expected on the evidence ({percent(row['coverage'])} of the gap)."
    )
    if row["honest_gap"] > 0:
        parts.append(
            f"To be {percent(a.confidence)} sure, it must find {money(row['gap_at_confidence'])}"
            f"; the chance that the plan balances is {chance(row['p_balance'])}."
        )
    else:
        parts.append(
            f"On the evidence it can close its gap; the chance that it balances is "
            f"{chance(row['p_balance'])}."
        )
    if row["still_needed"] > 0.5:
        parts.append(
            f"To be {percent(a.confidence)} sure, after every lever on the menu, "
            f"{money(row['still_needed'])} can only come from new money."
        )
    return " ".join(parts)


PULL_WORDS = {
    "political": lambda s: f"politically {s['political_support']}",
    "consultation": lambda s: f"consultation {s['consultation'].replace('_', ' ')}",
    "clinical": lambda s: f"{s['clinical_support']} clinical support",
    "evidence": lambda s: (
        f"{s['evidence']} evidence" if s["evidence"] != "none" else "no evidence it saves money"
    ),
    "balancing": lambda s: "a balancing item added to make the plan balance",
}


def scheme_reasons(s: dict, pot_chance: float, a: Assumptions) -> str:
    """Why a scheme scores as it does: its base rate and every factor that pulls it down."""
    category = CATEGORY_LABELS.get(s["category"], s["category"]).lower()
    if a.measure.get(s["category"]) == "probability":
        first = f"{percent(s['base_rate'])} of {category} schemes deliver"
    else:
        first = f"{category} schemes deliver {percent(s['base_rate'])} of their value"
    reasons = [first]
    for code in filter(None, str(s["pulls"]).split(";")):
        if code == "capital":
            unsecured = s["capital_required"] - s["capital_secured"]
            reasons.append(
                f"{money(unsecured)} of {money(s['capital_required'])} capital "
                f"unsecured (the national pot covers {percent(pot_chance, 1)} of "
                "what is asked)"
            )
        else:
            reasons.append(PULL_WORDS[code](s))
    raised = [
        w
        for w, f in (
            ("strong evidence", s["or_evidence"] > 1),
            ("strong clinical support", s["or_clinical"] > 1),
        )
        if f
    ]
    if raised:
        reasons.append("raised by " + " and ".join(raised))
    return "; ".join(reasons)


def growth_sentence(a: Assumptions) -> str:
    """How the do-nothing gap is projected, from the assumptions themselves."""
    rates = list(a.funding_growth.values())
    mean = sum(rates) / len(rates)
    return (
        f"demand growing {percent(a.demand_growth, 1)} and cost "
        f"{percent(a.cost_growth, 1)} a year above inflation, against funding growing "
        f"{percent(mean, 1)} a year on average ({a.funding_label})"
    )
