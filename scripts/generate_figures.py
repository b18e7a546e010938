"""Generate the bundled default figures: the 44 real footprints with illustrative numbers.

    python scripts/generate_figures.py            # rewrite stpreport/data/figures/*.csv

Real: the codes, names and regions of footprints_2017.csv, and the per-footprint figures
EVIDENCE.md gives, each entered as `published` with its source and confidence. Everything else
is invented by a seeded generator (so the files are reproducible) and marked `illustrative` in
sources.csv, column by column. The invented figures are made plausible against EVIDENCE.md:
populations 0.3-3 million, stated gaps of £216-£769 a head summing to £15-22bn, 8-25 schemes a
footprint, balancing items, reconfigurations needing capital and consultation, capital requests
summing to about £9.5-10bn, and contracts that buy growth the plans assume away.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from stpreport.analysis.gap import growth_factors
from stpreport.assumptions import load_assumptions
from stpreport.schema import CATEGORIES, TABLES

SEED = 2017
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "stpreport" / "data" / "figures"
REFERENCE = ROOT / "stpreport" / "data" / "reference" / "footprints_2017.csv"
ILLUSTRATIVE = (f"Illustrative: invented by scripts/generate_figures.py (seed {SEED}); "
                "not a published figure")
ENGLAND_POPULATION = 55.3e6
CAPITAL_TARGET = 9_750.0  # £m: EVIDENCE.md, Capital: at least £9.5bn (BMA) or over £10bn (HSJ)

WYH, CM, HWE, NWL, SURREY, DURHAM, STAFFS, SWL = (
    "E54000005", "E54000008", "E54000025", "E54000027", "E54000035", "E54000045", "E54000010",
    "E54000031",
)
# Populations fixed so that published gaps land in the published per-head range; all
# illustrative except Cheshire and Merseyside's, which NHS England published.
FIXED_POPULATION = {WYH: 2_600_000, CM: 2_600_000, NWL: 2_000_000, SURREY: 850_000,
                    DURHAM: 800_000, STAFFS: 1_100_000, HWE: 1_500_000}

NAMES = {
    "provider_efficiency": ["Acute trusts' cost improvement programme", "Theatre productivity",
                            "Reduce length of stay", "Outpatient productivity",
                            "Procurement savings across trusts", "Community trust efficiency"],
    "demand_management": ["Enhanced support to care homes", "Frailty pathway in the community",
                          "Right Care: musculoskeletal referrals", "GP streaming at the front door",
                          "Cut outpatient follow-ups", "Integrated community teams",
                          "Self-care and prevention programme"],
    "service_reconfiguration": ["Consolidate hyper-acute stroke units",
                                "Downgrade an A&E to an urgent care centre",
                                "Merge two maternity units", "Close community hospital beds",
                                "Centralise emergency surgery",
                                "Single site for acute paediatrics"],
    "prescribing": ["Medicines optimisation", "Switch to biosimilars",
                    "Stop prescribing over-the-counter medicines"],
    "back_office_estates": ["Shared back office", "Estates rationalisation", "Pathology network",
                            "Dispose of surplus land"],
    "workforce": ["Cap agency and locum spend", "Nursing skill mix", "Shared staff bank"],
    "other": ["Digital: shared care record", "Continuing healthcare review"],
}
BALANCING_NAMES = ["Further system savings to be identified", "Unidentified QIPP",
                   "Demand reduction still to be specified"]
CATEGORY_WEIGHT = {"provider_efficiency": 0.34, "demand_management": 0.24,
                   "service_reconfiguration": 0.16, "prescribing": 0.07,
                   "back_office_estates": 0.08, "workforce": 0.07, "other": 0.04}
# Average planned reductions over the plans (EVIDENCE.md, Nuffield Trust, March 2017).
PLANNED_REDUCTION = {"outpatients": 0.155, "elective": 0.096, "ae": 0.17, "non_elective": 0.157}
# Plan quality follows the NHS England STP progress dashboard (July 2017) where EVIDENCE.md
# names the band; the quality itself is invented.
OUTSTANDING = {"E54000041", "E54000045", "E54000034", "E54000024", "E54000009"}
NEEDS_MOST_IMPROVEMENT = {"E54000039", "E54000006", "E54000020", "E54000010", "E54000033"}
ACTIVITY_SHARE = {"elective": 0.12, "non_elective": 0.20, "outpatients": 0.08, "ae": 0.03}


def published(table: str, key: str, column: str, source: str, confidence: str) -> dict:
    return {"table": table, "key": key, "column": column, "status": "published",
            "source": source, "confidence": confidence}


def illustrative(table: str, key: str, column: str, note: str = "") -> dict:
    source = ILLUSTRATIVE + (f"; {note}" if note else "")
    return {"table": table, "key": key, "column": column, "status": "illustrative",
            "source": source, "confidence": ""}


def read_reference() -> list[dict]:
    with REFERENCE.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def make_footprints(rng: np.random.Generator, reference: list[dict]) -> list[dict]:
    a = load_assumptions()
    cost_f, fund_f = growth_factors(a)
    n = len(reference)
    raw = rng.lognormal(0, 0.5, n)
    pops = raw / raw.sum() * (ENGLAND_POPULATION - sum(FIXED_POPULATION.values()))
    rows = []
    for i, ref in enumerate(reference):
        code = ref["stp17cd"]
        pop = FIXED_POPULATION.get(code, int(np.clip(pops[i] * n / (n - len(FIXED_POPULATION)),
                                                     320_000, 2_900_000)))
        per_head = rng.uniform(1_650, 2_150)
        allocation = pop * per_head / 1e6
        spend = allocation * (1 + rng.uniform(0.0, 0.045))
        if code == STAFFS:  # published: £68m from control totals, about 4% of income
            allocation, spend = 1_700.0, 1_768.0
        care_funding = pop * rng.uniform(290, 380) / 1e6
        care_spend = care_funding * (1 + rng.uniform(0.01, 0.05))
        recomputed = spend * cost_f[-1] - allocation * fund_f[-1]
        care_gap = care_spend * 1.03**4 - care_funding
        stated = recomputed * rng.lognormal(-0.05, 0.18)
        per_head_total = (stated + care_gap) * 1e6 / pop
        per_head_total = float(np.clip(per_head_total, 235, 740))
        stated = per_head_total * pop / 1e6 - care_gap
        rows.append({"code": code, "name": ref["name"], "region": ref["region"],
                     "population": int(round(pop, -3)), "nhs_allocation": allocation,
                     "nhs_spend": spend, "social_care_funding": care_funding,
                     "social_care_spend": care_spend, "stated_gap_nhs": stated,
                     "stated_gap_social_care": care_gap})
    by_code = {r["code"]: r for r in rows}
    by_code[WYH]["stated_gap_nhs"] = 1_070.0
    by_code[CM]["stated_gap_nhs"] = 958.0
    by_code[NWL]["stated_gap_nhs"] = 1_300.0
    by_code[HWE]["stated_gap_social_care"] = 101.0
    for code, per_head in ((SURREY, 768.50), (DURHAM, 216.15)):
        row = by_code[code]
        total = per_head * row["population"] / 1e6
        row["stated_gap_social_care"] = min(row["stated_gap_social_care"], 0.2 * total)
        row["stated_gap_nhs"] = total - row["stated_gap_social_care"]
    for row in rows:
        for key in ("nhs_allocation", "nhs_spend", "social_care_funding", "social_care_spend",
                    "stated_gap_nhs", "stated_gap_social_care"):
            row[key] = round(row[key], 1)
    return rows


def footprint_sources() -> list[dict]:
    t = "footprints"
    lines = [published(t, "*", "name", "footprints_2017.csv (ONS STP codes and names, 2017)",
                       "High"),
             published(t, "*", "region", "footprints_2017.csv: NHS England regions of 2017, "
                       "assigned by geography", "Med")]
    lines += [illustrative(t, "*", c) for c in TABLES[t].figure_columns if c not in
              ("name", "region")]
    lines += [
        published(t, CM, "population", "NHS England STP page: population 2.6 million "
                  "(EVIDENCE.md, The footprints)", "Med-High"),
        published(t, WYH, "stated_gap_nhs", "Underfunded by £1.07bn by 2020/21: local campaign "
                  "summary of the STP (EVIDENCE.md)", "Med-Low"),
        published(t, CM, "stated_gap_nhs", "'Do nothing' deficit £958m by 2020/21: Wirral Globe, "
                  "reporting the 38 Degrees audit (EVIDENCE.md)", "Med"),
        published(t, NWL, "stated_gap_nhs", "£1.3bn of savings to find: local campaign group "
                  "(EVIDENCE.md)", "Low-Med"),
        published(t, HWE, "stated_gap_social_care", "£101m system gap attributed to social care: "
                  "HSJ, Dec 2016 (EVIDENCE.md)", "Med-High"),
        illustrative(t, SURREY, "stated_gap_nhs", "NHS share of the published £768.50 a head "
                     "(IPPR, Jan 2017) times an illustrative population"),
        illustrative(t, DURHAM, "stated_gap_nhs", "NHS share of the published £216.15 a head "
                     "(IPPR, Jan 2017) times an illustrative population"),
        illustrative(t, STAFFS, "nhs_spend", "allocation plus the published 2016-17 distance "
                     "from control totals of £68m, about 4% of income (HSJ)"),
    ]
    return lines


def _profile(rng: np.random.Generator) -> tuple[str, str, str]:
    if rng.random() < 0.25:
        return "", "", ""
    cuts = np.sort(rng.uniform(0.05, 0.95, 3))
    return tuple(f"{c:.2f}" for c in cuts)  # type: ignore[return-value]


def _quality(code: str) -> float:
    """0 (weakest plans) to 1 (strongest): illustrative, by dashboard band."""
    return 1.0 if code in OUTSTANDING else 0.0 if code in NEEDS_MOST_IMPROVEMENT else 0.5


def _scheme(rng: np.random.Generator, code: str, number: int, category: str, saving: float,
            balancing: bool) -> dict:
    q = _quality(code)
    names = BALANCING_NAMES if balancing else NAMES[category]
    name = names[int(rng.integers(len(names)))]
    capital = 0.0
    if category == "service_reconfiguration":
        capital = rng.uniform(30, 260)
    elif category == "back_office_estates":
        capital = rng.uniform(2, 40) if rng.random() < 0.6 else 0.0
    elif category == "other" and name.startswith("Digital"):
        capital = rng.uniform(10, 70)
    secured_shares = [0.0, 0.0, 0.0, 0.1, 0.25] + ([0.5, 0.8, 1.0] if q == 1 else [])
    secured = capital * rng.choice(secured_shares) if capital else 0.0
    if category == "service_reconfiguration":
        consultation = rng.choice(["not_started", "under_way", "completed"],
                                  p=[0.5 - 0.3 * q, 0.3, 0.2 + 0.3 * q])
        politics = rng.choice(["supported", "contested", "opposed"],
                              p=[0.15 + 0.5 * q, 0.5 - 0.2 * q, 0.35 - 0.3 * q])
    else:
        consultation = "under_way" if category == "demand_management" and rng.random() < 0.1 \
            else "not_needed"
        politics = rng.choice(["supported", "contested"], p=[0.75 + 0.2 * q, 0.25 - 0.2 * q])
    evidence_p = {"demand_management": [0.05 + 0.2 * q, 0.3, 0.5 - 0.2 * q, 0.15],
                  "provider_efficiency": [0.2 + 0.25 * q, 0.55, 0.25 - 0.25 * q, 0.0]
                  }.get(category, [0.1 + 0.3 * q, 0.5, 0.3 - 0.3 * q, 0.1])
    share1, share2, share3 = _profile(rng)
    return {
        "footprint": code, "scheme_id": f"{code}-S{number:02d}", "name": name,
        "category": category, "planned_saving": round(saving, 1),
        "share_2017_18": share1, "share_2018_19": share2, "share_2019_20": share3,
        "capital_required": round(capital, 1), "capital_secured": round(secured, 1),
        "consultation": consultation, "political_support": politics,
        "clinical_support": rng.choice(["strong", "mixed", "weak"],
                                       p=[0.25 + 0.4 * q, 0.5 - 0.2 * q, 0.25 - 0.2 * q]),
        "evidence": "none" if balancing else rng.choice(["strong", "mixed", "weak", "none"],
                                                        p=evidence_p),
        "origin": "balancing" if balancing else "bottom_up",
    }


def make_schemes(rng: np.random.Generator, footprints: list[dict]) -> list[dict]:
    schemes: list[dict] = []
    for fp in footprints:
        code = fp["code"]
        q = _quality(code)
        # Weak plans only balance on paper; strong ones plan a margin over their stated gap.
        total = fp["stated_gap_nhs"] * rng.uniform(0.92 + 0.4 * q, 1.0 + 0.6 * q)
        if code == WYH:
            total = 983.0  # published: the plan cuts £983m
        if code == HWE:
            total = 452.0  # published: saves "at least £452m"
        n_bottom_up = int(rng.integers(7, 22))
        categories = list(CATEGORIES)
        if code == "E54000013":  # one footprint with no prescribing scheme at all
            categories.remove("prescribing")
        chosen = categories + list(rng.choice(
            categories, n_bottom_up - len(categories),
            p=np.array([CATEGORY_WEIGHT[c] for c in categories])
            / sum(CATEGORY_WEIGHT[c] for c in categories)))
        bottom_up_share = rng.uniform(0.5 + 0.45 * q, 0.7 + 0.3 * q)
        weights = rng.dirichlet(np.ones(len(chosen)) * 1.5) * \
            np.array([CATEGORY_WEIGHT[c] for c in chosen])
        savings = weights / weights.sum() * total * bottom_up_share
        n_balancing = int(rng.integers(1, 4 - int(2 * q)))
        balancing = rng.dirichlet(np.ones(n_balancing)) * total * (1 - bottom_up_share)
        number = 1
        for category, saving in zip(chosen, savings, strict=True):
            schemes.append(_scheme(rng, code, number, category, saving, False))
            number += 1
        for saving in balancing:
            category = str(rng.choice(["other", "demand_management", "provider_efficiency"]))
            schemes.append(_scheme(rng, code, number, category, saving, True))
            number += 1
        if code == SWL:
            schemes.append(_scheme(rng, code, number, "other", 12.0, False) | {
                "name": "Digital: shared care record", "capital_required": 80.0,
                "capital_secured": 0.0})
    _scale_capital(schemes)
    return schemes


def _scale_capital(schemes: list[dict]) -> None:
    fixed = [s for s in schemes if s["capital_required"] == 80.0 and s["footprint"] == SWL]
    scalable = [s for s in schemes if s not in fixed]
    current = sum(s["capital_required"] for s in scalable)
    factor = (CAPITAL_TARGET - sum(s["capital_required"] for s in fixed)) / current
    for s in scalable:
        share = s["capital_secured"] / s["capital_required"] if s["capital_required"] else 0.0
        s["capital_required"] = round(s["capital_required"] * factor, 1)
        s["capital_secured"] = round(s["capital_required"] * share, 1)


def scheme_sources(footprints: list[dict], schemes: list[dict]) -> list[dict]:
    t = "schemes"
    lines = [illustrative(t, "*", c) for c in TABLES[t].figure_columns]
    swl = next(s for s in schemes if s["footprint"] == SWL and s["capital_required"] == 80.0)
    lines.append(published(t, swl["scheme_id"], "capital_required", "At least £80m capital "
                           "needed for digital: Digital Health, Oct 2016 (EVIDENCE.md)", "Med"))
    for code, amount, source, conf in (
        (WYH, 983, "the plan cuts £983m: local campaign summary of the STP (EVIDENCE.md)",
         "Med-Low"),
        (HWE, 452, "saves 'at least £452m': HSJ, Dec 2016 (EVIDENCE.md)", "Med-High"),
    ):
        for s in schemes:
            if s["footprint"] == code:
                lines.append(illustrative(t, s["scheme_id"], "planned_saving",
                                          f"schemes scaled so the plan's total is the published "
                                          f"£{amount}m; {source}, confidence {conf}"))
    return lines


def make_contracts(rng: np.random.Generator, footprints: list[dict]) -> list[dict]:
    rows = []
    for fp in footprints:
        for activity, share in ACTIVITY_SHARE.items():
            per_year = (1 - PLANNED_REDUCTION[activity]) ** (1 / 4) - 1
            plan = per_year * 100 * rng.uniform(0.6, 1.4)
            contract = rng.uniform(0.5, 4.0)
            rows.append({"footprint": fp["code"], "activity": activity,
                         "baseline_value": round(fp["nhs_allocation"] * share
                                                 * rng.uniform(0.85, 1.15), 1),
                         "plan_growth": round(plan, 2), "contract_growth": round(contract, 2)})
    return rows


def contract_sources() -> list[dict]:
    t = "contracts"
    lines = [illustrative(t, "*", c) for c in ("baseline_value", "contract_growth")]
    lines.append(illustrative(t, "*", "plan_growth", "drawn around the published average "
                              "planned reductions (outpatients 15.5%, elective 9.6%, A&E 17%, "
                              "non-elective 15.7% over the plans: Nuffield Trust, March 2017)"))
    return lines


def write(name: str, rows: list[dict]) -> None:
    columns = list(TABLES[name].column_names)
    with (OUT / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    rng = np.random.default_rng(SEED)
    reference = read_reference()
    footprints = make_footprints(rng, reference)
    schemes = make_schemes(rng, footprints)
    contracts = make_contracts(rng, footprints)
    OUT.mkdir(parents=True, exist_ok=True)
    write("footprints", footprints)
    write("schemes", schemes)
    write("contracts", contracts)
    write("sources", footprint_sources() + scheme_sources(footprints, schemes)
          + contract_sources())
    stated = sum(f["stated_gap_nhs"] + f["stated_gap_social_care"] for f in footprints)
    capital = sum(s["capital_required"] for s in schemes)
    print(f"{len(footprints)} footprints, {len(schemes)} schemes, {len(contracts)} contract "
          f"lines; stated gaps £{stated:,.0f}m; capital requested £{capital:,.0f}m")


if __name__ == "__main__":
    main()
