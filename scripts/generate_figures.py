"""Generate the bundled default figures: the 44 real footprints with illustrative numbers.

    python scripts/generate_figures.py            # rewrite stpreport/data/figures/*.csv

Real: the codes, names and regions of footprints_2017.csv, and every per-footprint figure in
stp_published.csv (shared/data, bundled in stpreport/data/reference) and EVIDENCE.md that fits a
column: stated 2020/21 gaps (NHS basis, or the NHS part where the basis is stated), populations,
stated health and care spend. Each is entered as `published` with its source and confidence.
Everything else is invented by a seeded generator (so the files are reproducible) and marked
`illustrative` in sources.csv, column by column, and generated to agree with what is published:

- populations: an approximate size for each footprint (POPULATION_M below: an illustrative
  figure of the right order, not a published one) scaled so England totals 55.3m (ONS mid-2016,
  EVIDENCE.md); every footprint between 0.3m and 2.8m;
- NHS allocation: £1,720 a head (the £95.2bn place-based allocation of 2016/17 over 55.3m
  people, EVIDENCE.md) times a need factor between 0.90 and 1.12, so £1,548-£1,926 a head;
  where a footprint's health and care spend is published, allocation plus social care funding
  equals it;
- base-year spend: set so that the recomputed do-nothing gap lands near the stated gap (within
  a random 12%), with the base-year deficit kept between -1% and 10% of allocation;
- schemes: each plan's savings are drawn against its recomputed do-nothing gap (plans balance
  on paper against their own do-nothing figure: weak plans just, strong ones with a margin),
  except where the plan's total is published (West Yorkshire and Harrogate £983m,
  Hertfordshire and West Essex £452m);
- stated gaps where none is published: £240-£520 a head in all (NHS and social care), inside
  the published range of IPPR's lowest (Durham, Darlington and Teesside, £216.15) and highest
  (Surrey Heartlands, £768.50) deficit per head, which are kept as the extremes;
- social care funding £290-£380 a head, spend 1-5% above it.
"""

from __future__ import annotations

import csv
import functools
from pathlib import Path

import numpy as np

from stpreport.analysis.gap import growth_factors
from stpreport.assumptions import load_assumptions
from stpreport.schema import CATEGORIES, TABLES

SEED = 2017
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "stpreport" / "data" / "figures"
REFERENCE = ROOT / "stpreport" / "data" / "reference" / "footprints_2017.csv"
PUBLISHED = ROOT / "stpreport" / "data" / "reference" / "stp_published.csv"
ILLUSTRATIVE = (
    f"Illustrative: invented by scripts/generate_figures.py (seed {SEED}); not a published figure"
)
ENGLAND_POPULATION = 55.3e6
ALLOCATION_PER_HEAD = 1_720.0  # £: EVIDENCE.md, Scale: £95.2bn place-based / 55.3m people
CAPITAL_TARGET = 9_750.0  # £m: EVIDENCE.md, Capital: at least £9.5bn (BMA) or over £10bn (HSJ)
LOWEST_PER_HEAD, HIGHEST_PER_HEAD = 216.15, 768.50  # £: IPPR, Jan 2017 (EVIDENCE.md)
CONFIDENCE = {"high": "High", "medium": "Med", "low": "Low"}

WYH, CM, HWE, NWL, SURREY, DURHAM, STAFFS, SWL, SYB = (
    "E54000005",
    "E54000008",
    "E54000025",
    "E54000027",
    "E54000035",
    "E54000045",
    "E54000010",
    "E54000031",
    "E54000009",
)
POPULATION_M = {  # illustrative approximate sizes (millions), scaled to England's total
    "E54000005": 2.6,
    "E54000006": 1.4,
    "E54000007": 2.8,
    "E54000008": 2.6,
    "E54000009": 1.5,
    "E54000010": 1.1,
    "E54000011": 0.47,
    "E54000012": 1.0,
    "E54000013": 0.75,
    "E54000014": 1.0,
    "E54000015": 1.0,
    "E54000016": 1.4,
    "E54000017": 1.3,
    "E54000018": 0.9,
    "E54000019": 0.78,
    "E54000020": 0.73,
    "E54000021": 0.9,
    "E54000022": 1.0,
    "E54000023": 1.0,
    "E54000024": 0.9,
    "E54000025": 1.5,
    "E54000026": 1.2,
    "E54000027": 2.0,
    "E54000028": 1.5,
    "E54000029": 2.0,
    "E54000030": 1.8,
    "E54000031": 1.5,
    "E54000032": 1.8,
    "E54000033": 1.8,
    "E54000034": 0.75,
    "E54000035": 0.85,
    "E54000036": 0.55,
    "E54000037": 1.2,
    "E54000038": 0.55,
    "E54000039": 0.95,
    "E54000040": 0.9,
    "E54000041": 0.77,
    "E54000042": 1.8,
    "E54000043": 0.63,
    "E54000044": 1.8,
    "E54000045": 1.2,
    "E54000046": 1.7,
    "E54000047": 0.33,
    "E54000048": 1.7,
}
# Bases of a published stated gap that include social care: the NHS part is the published
# total less the (illustrative) social care gap, so the NHS figure is illustrative.
WITH_SOCIAL_CARE = ("social care", "health and care")

NAMES = {
    "provider_efficiency": [
        "Acute trusts' cost improvement programme",
        "Theatre productivity",
        "Reduce length of stay",
        "Outpatient productivity",
        "Procurement savings across trusts",
        "Community trust efficiency",
    ],
    "demand_management": [
        "Enhanced support to care homes",
        "Frailty pathway in the community",
        "Right Care: musculoskeletal referrals",
        "GP streaming at the front door",
        "Cut outpatient follow-ups",
        "Integrated community teams",
        "Self-care and prevention programme",
    ],
    "service_reconfiguration": [
        "Consolidate hyper-acute stroke units",
        "Downgrade an A&E to an urgent care centre",
        "Merge two maternity units",
        "Close community hospital beds",
        "Centralise emergency surgery",
        "Single site for acute paediatrics",
    ],
    "prescribing": [
        "Medicines optimisation",
        "Switch to biosimilars",
        "Stop prescribing over-the-counter medicines",
    ],
    "back_office_estates": [
        "Shared back office",
        "Estates rationalisation",
        "Pathology network",
        "Dispose of surplus land",
    ],
    "workforce": ["Cap agency and locum spend", "Nursing skill mix", "Shared staff bank"],
    "other": ["Digital: shared care record", "Continuing healthcare review"],
}
BALANCING_NAMES = [
    "Further system savings to be identified",
    "Unidentified QIPP",
    "Demand reduction still to be specified",
]
CATEGORY_WEIGHT = {
    "provider_efficiency": 0.34,
    "demand_management": 0.24,
    "service_reconfiguration": 0.16,
    "prescribing": 0.07,
    "back_office_estates": 0.08,
    "workforce": 0.07,
    "other": 0.04,
}
# Average planned reductions over the plans (EVIDENCE.md, Nuffield Trust, March 2017).
PLANNED_REDUCTION = {"outpatients": 0.155, "elective": 0.096, "ae": 0.17, "non_elective": 0.157}
# Plan quality follows NHS England's STP progress dashboard (July 2017) where its band was
# published (stp_published.csv); the quality itself is invented.
QUALITY_BY_BAND = {"1": 1.0, "2": 0.75, "3": 0.5, "4": 0.0}
ACTIVITY_SHARE = {"elective": 0.12, "non_elective": 0.20, "outpatients": 0.08, "ae": 0.03}


@functools.lru_cache(maxsize=1)
def published_rows() -> dict[tuple[str, str], dict]:
    """(code, field) -> the first published row of stp_published.csv."""
    rows: dict[tuple[str, str], dict] = {}
    with PUBLISHED.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            rows.setdefault((row["code"], row["field"]), row)
    return rows


def cite(row: dict) -> str:
    basis = f"; basis: {row['basis']}" if row["basis"] else ""
    return f"{row['source_title']}{basis} (its address in stp_published.csv)"


def published(table: str, key: str, column: str, source: str, confidence: str) -> dict:
    return {
        "table": table,
        "key": key,
        "column": column,
        "status": "published",
        "source": source,
        "confidence": confidence,
    }


def illustrative(table: str, key: str, column: str, note: str = "") -> dict:
    source = ILLUSTRATIVE + (f"; {note}" if note else "")
    return {
        "table": table,
        "key": key,
        "column": column,
        "status": "illustrative",
        "source": source,
        "confidence": "",
    }


def read_reference() -> list[dict]:
    with REFERENCE.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def populations(reference: list[dict], pub: dict) -> dict[str, int]:
    fixed = {
        r["stp17cd"]: float(pub[(r["stp17cd"], "population")]["value"])
        for r in reference
        if (r["stp17cd"], "population") in pub
    }
    rough = {
        r["stp17cd"]: POPULATION_M[r["stp17cd"]] * 1e6
        for r in reference
        if r["stp17cd"] not in fixed
    }
    scale = (ENGLAND_POPULATION - sum(fixed.values())) / sum(rough.values())
    out = {
        code: int(round(min(max(v * scale, 300_000), 2_800_000), -3)) for code, v in rough.items()
    }
    return {**out, **{c: int(v) for c, v in fixed.items()}}


def make_footprints(
    rng: np.random.Generator, reference: list[dict], pub: dict
) -> tuple[list[dict], list[dict]]:
    """The footprints and their own source lines (published figures and derived ones)."""
    a = load_assumptions()
    cost_f, fund_f = growth_factors(a)
    pops = populations(reference, pub)
    rows, sources = [], []
    t = "footprints"
    for ref in reference:
        code = ref["stp17cd"]
        pop = pops[code]
        if (code, "population") in pub:
            row = pub[(code, "population")]
            sources.append(
                published(t, code, "population", cite(row), CONFIDENCE[row["confidence"]])
            )
        allocation = pop * ALLOCATION_PER_HEAD * rng.uniform(0.90, 1.12) / 1e6
        care_funding = pop * rng.uniform(290, 380) / 1e6
        care_spend = care_funding * (1 + rng.uniform(0.01, 0.05))
        care_gap = care_spend * (1 + a.social_care_demand_growth) ** 4 - care_funding
        if (code, "allocation") in pub:  # stated health and care spend
            row = pub[(code, "allocation")]
            allocation = float(row["value"]) - care_funding
            sources.append(
                illustrative(
                    t,
                    code,
                    "nhs_allocation",
                    "the published health and "
                    f"care spend of £{float(row['value']):,.0f}m less "
                    "illustrative social care funding: " + cite(row),
                )
            )
        stated, stated_source = _stated_gap(rng, code, pop, care_gap, pub)
        if stated_source:
            sources.append(stated_source)
        if code == STAFFS:  # published: £68m from control totals, about 4% of income
            spend = allocation * 1.04
            sources.append(
                illustrative(
                    t,
                    code,
                    "nhs_spend",
                    "allocation plus the published "
                    "2016-17 distance from control totals of about 4% of "
                    "income (£68m, HSJ; EVIDENCE.md)",
                )
            )
        else:
            target = stated * rng.lognormal(0, 0.12)
            deficit = (target + allocation * fund_f[-1]) / cost_f[-1] / allocation - 1
            spend = allocation * (1 + float(np.clip(deficit, -0.01, 0.10)))
        rows.append(
            {
                "code": code,
                "name": ref["name"],
                "region": ref["region"],
                "population": pop,
                "nhs_allocation": allocation,
                "nhs_spend": spend,
                "social_care_funding": care_funding,
                "social_care_spend": care_spend,
                "stated_gap_nhs": stated,
                "stated_gap_social_care": care_gap,
                "recomputed": spend * cost_f[-1] - allocation * fund_f[-1],
            }
        )
    by_code = {r["code"]: r for r in rows}
    by_code[HWE]["stated_gap_social_care"] = 101.0
    sources.append(
        published(
            t,
            HWE,
            "stated_gap_social_care",
            "£101m system gap attributed to social care: HSJ, Dec 2016 (EVIDENCE.md)",
            "Med-High",
        )
    )
    for row in rows:
        for key in (
            "nhs_allocation",
            "nhs_spend",
            "social_care_funding",
            "social_care_spend",
            "stated_gap_nhs",
            "stated_gap_social_care",
        ):
            row[key] = round(row[key], 1)
    return rows, sources


def _stated_gap(
    rng: np.random.Generator, code: str, pop: int, care_gap: float, pub: dict
) -> tuple[float, dict | None]:
    """The plan's stated NHS gap and its source line (None: the '*' illustrative line)."""
    t, column = "footprints", "stated_gap_nhs"
    if code == CM:  # EVIDENCE.md; stp_published.md could not check it, so confidence Med
        return 958.0, published(
            t,
            code,
            column,
            "'Do nothing' deficit £958m by 2020/21: Wirral "
            "Globe, reporting the 38 Degrees audit (EVIDENCE.md)",
            "Med",
        )
    if code == NWL:
        return 1_300.0, published(
            t,
            code,
            column,
            "£1.3bn of savings to find: local campaign group (EVIDENCE.md)",
            "Low-Med",
        )
    if code == HWE:  # £550m health and social care, of which £101m social care (both published)
        row = pub[(code, "stated_gap_2020_21")]
        return 449.0, published(
            t,
            code,
            column,
            "£550m health and social care gap less the "
            "£101m attributed to social care (HSJ, Dec 2016; EVIDENCE.md): " + cite(row),
            "Med",
        )
    if code == SYB:  # £571m health and care, of which £464m health (same source)
        row = pub[(code, "stated_gap_2020_21")]
        return 464.0, published(
            t,
            code,
            column,
            "£464m relating to health, of £571m for health and care: " + cite(row),
            CONFIDENCE[row["confidence"]],
        )
    if code == SURREY:  # IPPR: highest deficit per head, all of it taken as the stated total
        total = HIGHEST_PER_HEAD * pop / 1e6
        return total - care_gap, illustrative(
            t,
            code,
            column,
            "published £768.50 a head "
            "(IPPR, Jan 2017) times an illustrative "
            "population, less illustrative social care",
        )
    row = pub.get((code, "stated_gap_2020_21"))
    if row is None:
        total = rng.uniform(240, 520) * pop / 1e6
        return max(total - care_gap, 0.3 * total), None
    value = float(row["value"])
    basis = row["basis"].lower()
    if "cumulative" in basis:  # Birmingham and Solihull: £18m this year, £712m cumulative
        final = 2 * value / 5 - 18  # a straight line from £18m over five years sums to it
        return final, illustrative(
            t,
            code,
            column,
            f"the 2020/21 figure of a straight line "
            f"from the published £18m deficit in 2016/17 that sums to the "
            f"published £{value:,.0f}m cumulative to 2020/21: " + cite(row),
        )
    if "nhs only" not in basis and any(word in basis for word in WITH_SOCIAL_CARE):
        return max(value - care_gap, 0.5 * value), illustrative(
            t,
            code,
            column,
            f"the published £{value:,.0f}m for health and social care less "
            "illustrative social care: " + cite(row),
        )
    return value, published(t, code, column, cite(row), CONFIDENCE[row["confidence"]])


def footprint_sources() -> list[dict]:
    t = "footprints"
    lines = [
        published(t, "*", "name", "footprints_2017.csv (ONS STP codes and names, 2017)", "High"),
        published(
            t,
            "*",
            "region",
            "footprints_2017.csv: NHS England regions of 2017, assigned by geography",
            "Med",
        ),
    ]
    lines += [
        illustrative(t, "*", c) for c in TABLES[t].figure_columns if c not in ("name", "region")
    ]
    return lines


def _profile(rng: np.random.Generator) -> tuple[str, str, str]:
    if rng.random() < 0.25:
        return "", "", ""
    cuts = np.sort(rng.uniform(0.05, 0.95, 3))
    return tuple(f"{c:.2f}" for c in cuts)  # type: ignore[return-value]


def _quality(code: str) -> float:
    """0 (weakest plans) to 1 (strongest): illustrative, by published dashboard band."""
    row = published_rows().get((code, "dashboard_rating_2017"))
    return QUALITY_BY_BAND[row["value"]] if row else 0.5


def _scheme(
    rng: np.random.Generator, code: str, number: int, category: str, saving: float, balancing: bool
) -> dict:
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
        consultation = rng.choice(
            ["not_started", "under_way", "completed"], p=[0.5 - 0.3 * q, 0.3, 0.2 + 0.3 * q]
        )
        politics = rng.choice(
            ["supported", "contested", "opposed"], p=[0.15 + 0.5 * q, 0.5 - 0.2 * q, 0.35 - 0.3 * q]
        )
    else:
        consultation = (
            "under_way" if category == "demand_management" and rng.random() < 0.1 else "not_needed"
        )
        politics = rng.choice(["supported", "contested"], p=[0.75 + 0.2 * q, 0.25 - 0.2 * q])
    evidence_p = {
        "demand_management": [0.05 + 0.2 * q, 0.3, 0.5 - 0.2 * q, 0.15],
        "provider_efficiency": [0.2 + 0.25 * q, 0.55, 0.25 - 0.25 * q, 0.0],
    }.get(category, [0.1 + 0.3 * q, 0.5, 0.3 - 0.3 * q, 0.1])
    share1, share2, share3 = _profile(rng)
    return {
        "footprint": code,
        "scheme_id": f"{code}-S{number:02d}",
        "name": name,
        "category": category,
        "planned_saving": round(saving, 1),
        "share_2017_18": share1,
        "share_2018_19": share2,
        "share_2019_20": share3,
        "capital_required": round(capital, 1),
        "capital_secured": round(secured, 1),
        "consultation": consultation,
        "political_support": politics,
        "clinical_support": rng.choice(
            ["strong", "mixed", "weak"], p=[0.25 + 0.4 * q, 0.5 - 0.2 * q, 0.25 - 0.2 * q]
        ),
        "evidence": "none"
        if balancing
        else rng.choice(["strong", "mixed", "weak", "none"], p=evidence_p),
        "origin": "balancing" if balancing else "bottom_up",
    }


def make_schemes(rng: np.random.Generator, footprints: list[dict]) -> list[dict]:
    schemes: list[dict] = []
    for fp in footprints:
        code = fp["code"]
        q = _quality(code)
        # Weak plans only balance on paper; strong ones plan a margin over their stated gap.
        total = max(fp["recomputed"], 0.2 * fp["stated_gap_nhs"]) * rng.uniform(
            0.92 + 0.4 * q, 1.0 + 0.6 * q
        )
        if code == WYH:
            total = 983.0  # published: the plan cuts £983m
        if code == HWE:
            total = 452.0  # published: saves "at least £452m"
        n_bottom_up = int(rng.integers(7, 22))
        categories = list(CATEGORIES)
        if code == "E54000013":  # one footprint with no prescribing scheme at all
            categories.remove("prescribing")
        chosen = categories + list(
            rng.choice(
                categories,
                n_bottom_up - len(categories),
                p=np.array([CATEGORY_WEIGHT[c] for c in categories])
                / sum(CATEGORY_WEIGHT[c] for c in categories),
            )
        )
        bottom_up_share = rng.uniform(0.5 + 0.45 * q, 0.7 + 0.3 * q)
        weights = rng.dirichlet(np.ones(len(chosen)) * 1.5) * np.array(
            [CATEGORY_WEIGHT[c] for c in chosen]
        )
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
            schemes.append(
                _scheme(rng, code, number, "other", 12.0, False)
                | {
                    "name": "Digital: shared care record",
                    "capital_required": 80.0,
                    "capital_secured": 0.0,
                }
            )
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
    lines.append(
        published(
            t,
            swl["scheme_id"],
            "capital_required",
            "At least £80m capital needed for digital: Digital Health, Oct 2016 (EVIDENCE.md)",
            "Med",
        )
    )
    for code, amount, source, conf in (
        (
            WYH,
            983,
            "the plan cuts £983m: local campaign summary of the STP (EVIDENCE.md)",
            "Med-Low",
        ),
        (HWE, 452, "saves 'at least £452m': HSJ, Dec 2016 (EVIDENCE.md)", "Med-High"),
    ):
        for s in schemes:
            if s["footprint"] == code:
                lines.append(
                    illustrative(
                        t,
                        s["scheme_id"],
                        "planned_saving",
                        f"schemes scaled so the plan's total is the published "
                        f"£{amount}m; {source}, confidence {conf}",
                    )
                )
    return lines


def make_contracts(rng: np.random.Generator, footprints: list[dict]) -> list[dict]:
    rows = []
    for fp in footprints:
        for activity, share in ACTIVITY_SHARE.items():
            per_year = (1 - PLANNED_REDUCTION[activity]) ** (1 / 4) - 1
            plan = per_year * 100 * rng.uniform(0.6, 1.4)
            contract = rng.uniform(0.5, 4.0)
            rows.append(
                {
                    "footprint": fp["code"],
                    "activity": activity,
                    "baseline_value": round(
                        fp["nhs_allocation"] * share * rng.uniform(0.85, 1.15), 1
                    ),
                    "plan_growth": round(plan, 2),
                    "contract_growth": round(contract, 2),
                }
            )
    return rows


def contract_sources() -> list[dict]:
    t = "contracts"
    lines = [illustrative(t, "*", c) for c in ("baseline_value", "contract_growth")]
    lines.append(
        illustrative(
            t,
            "*",
            "plan_growth",
            "drawn around the published average "
            "planned reductions (outpatients 15.5%, elective 9.6%, A&E 17%, "
            "non-elective 15.7% over the plans: Nuffield Trust, March 2017)",
        )
    )
    return lines


def write(name: str, rows: list[dict]) -> None:
    columns = list(TABLES[name].column_names)
    with (OUT / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, columns, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    rng = np.random.default_rng(SEED)
    reference = read_reference()
    footprints, own_sources = make_footprints(rng, reference, published_rows())
    schemes = make_schemes(rng, footprints)
    contracts = make_contracts(rng, footprints)
    OUT.mkdir(parents=True, exist_ok=True)
    write("footprints", footprints)
    write("schemes", schemes)
    write("contracts", contracts)
    write(
        "sources",
        footprint_sources()
        + own_sources
        + scheme_sources(footprints, schemes)
        + contract_sources(),
    )
    stated = sum(f["stated_gap_nhs"] + f["stated_gap_social_care"] for f in footprints)
    capital = sum(s["capital_required"] for s in schemes)
    print(
        f"{len(footprints)} footprints, {len(schemes)} schemes, {len(contracts)} contract "
        f"lines; stated gaps £{stated:,.0f}m; capital requested £{capital:,.0f}m"
    )


if __name__ == "__main__":
    main()
