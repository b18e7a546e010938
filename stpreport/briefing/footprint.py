"""The footprint pack: one footprint's briefing, section by section."""

from __future__ import annotations

import pandas as pd

from stpreport.assumptions import YEARS
from stpreport.briefing import charts
from stpreport.briefing.changes import changes_section
from stpreport.briefing.context import Context, load_context
from stpreport.briefing.html import (
    Col,
    figure,
    join,
    money_col,
    para,
    percent_col,
    table,
    verdict_box,
)
from stpreport.briefing.sections import HTMLBlock, Meta, method_and_sources, provenance, title_block
from stpreport.briefing.words import more_or_less
from stpreport.formatting import clip, money, per_head, percent
from stpreport.schema import ACTIVITY_LABELS, CATEGORIES, CATEGORY_LABELS, CATEGORY_SHORT

NAME_LIMIT = 120
TEXT_LIMIT = 300

SCHEME_NAME = Col("name", "Scheme", lambda v: clip(v, TEXT_LIMIT))

SCHEME_COLUMNS = [
    SCHEME_NAME,
    Col("category", "Category", lambda c: CATEGORY_SHORT.get(c, c), nowrap=True),
    money_col("planned_saving", "Planned", 1),
    percent_col("p", "Chance"),
    money_col("expected", "Expected", 1),
    Col("why", "Why it scores so"),
]


class FootprintPack:
    """Everything one footprint's briefing shows; each method returns a displayable block."""

    def __init__(self, ctx: Context, code: str, previous: str | None = None):
        if code not in ctx.analysis.summary.index:
            raise KeyError(f"footprint {code!r} is not in the figures ({ctx.figures_path})")
        self.ctx, self.code, self.previous = ctx, code, previous
        self.row = ctx.analysis.row(code)
        self.name = clip(self.row["name"], NAME_LIMIT)
        schemes = ctx.analysis.schemes
        self.schemes = schemes[schemes["footprint"] == code].sort_values(
            ["expected", "scheme_id"], ascending=[False, True])
        self.illustrative = bool(self.row["illustrative"])

    @classmethod
    def load(cls, code: str, figures: str | None = None, params: str | None = None,
             edition: str | None = None, previous: str | None = None,
             build_date: str | None = None, analysis_cache: str | None = None
             ) -> FootprintPack:
        return cls(load_context(figures, params, edition, build_date, analysis_cache), code,
                   previous)

    # -- the page's frame -------------------------------------------------------------------
    def meta(self) -> Meta:
        return Meta(f"{self.name}: STP briefing, edition {self.ctx.edition}",
                    f"{self.name} · edition {self.ctx.edition}", self.illustrative,
                    self.ctx.edition)

    def title(self) -> HTMLBlock:
        r = self.row
        return title_block(self.name, f"{self.code} · {clip(r['region'])} · population "
                           f"{int(r['population']):,} · edition {self.ctx.edition}",
                           self.illustrative)

    # -- the verdict ------------------------------------------------------------------------
    def verdict(self) -> HTMLBlock:
        r = self.row
        numbers = [
            ("Do-nothing gap 2020/21", money(r["do_nothing_gap"]), "gap"),
            ("Deliverable savings (expected)", money(r["expected_savings"]), "savings"),
            ("Honest gap", money(r["honest_gap"]), "honest"),
            ("Chance the plan balances", percent(r["p_balance"]), "chance"),
        ]
        rating = str(r["rating"])
        return HTMLBlock(verdict_box("Verdict", numbers, self.ctx.analysis.verdict(self.code),
                                     rating=rating))

    # -- the gap ----------------------------------------------------------------------------
    def gap(self) -> HTMLBlock:
        r, a = self.row, self.ctx.assumptions
        t = self.ctx.analysis.trajectory
        t = t[t["code"] == self.code]
        svg = charts.trajectory_chart(list(t["year"]), list(t["cost"]), list(t["funding"]),
                                      "NHS cost if nothing changes, against funding")
        data = table(t, [Col("year", "Year"), money_col("cost", "Cost"),
                         money_col("funding", "Funding"), money_col("gap", "Gap")],
                     "Cost, funding and gap by year (£m, 2016/17 prices)")
        alt = (f"Line chart: cost rises from {money(t['cost'].iloc[0])} in {YEARS[0]} to "
               f"{money(t['cost'].iloc[-1])} in {YEARS[-1]}, funding from "
               f"{money(t['funding'].iloc[0])} to {money(t['funding'].iloc[-1])}.")
        text = [para(f"In {YEARS[0]} the footprint spent {more_or_less(r['base_deficit'])} than "
                     f"its allocation. With demand growing "
                     f"{percent(a.demand_growth, 1)} and cost {percent(a.cost_growth, 1)} a "
                     f"year above inflation, and funding as set in the 2015 Spending Review, "
                     f"the gap reaches {money(r['do_nothing_gap'])} by {YEARS[-1]} "
                     f"({per_head(r['gap_per_head'])} a head).")]
        diff = r["difference"]
        if r["large_difference"]:
            direction = "larger" if diff > 0 else "smaller"
            text.append(para(f"The plan states a gap of {money(r['stated_gap'])}. The "
                             f"recomputed gap is {money(abs(diff))} {direction}: a difference "
                             f"of {percent(abs(r['relative_difference']))} that the plan "
                             "should explain.", "callout"))
        else:
            text.append(para(f"The plan states a gap of {money(r['stated_gap'])}, within "
                             f"{percent(a.large_difference)} of the recomputed one."))
        if pd.notna(r["social_care_gap"]):
            stated = r["stated_social_care_gap"]
            text.append(para(f"Social care, on the same basis, faces a further gap of "
                             f"{money(r['social_care_gap'])}" + (
                                 f" (the plan states {money(stated)})." if pd.notna(stated)
                                 else ".")))
        return HTMLBlock(join(text) + figure(svg, alt, "Figure: the do-nothing gap", data))

    # -- the bridge -------------------------------------------------------------------------
    def bridge(self) -> HTMLBlock:
        r = self.row
        by_category = self.schemes.groupby("category")[["planned_saving", "expected"]].sum()
        by_category = by_category.reindex(CATEGORIES, fill_value=0.0).reset_index()
        by_category["label"] = by_category["category"].map(CATEGORY_LABELS)
        labels = ["Do-nothing gap", *by_category["category"].map(CATEGORY_SHORT), "Honest gap"]
        steps = [r["do_nothing_gap"], *by_category["expected"], r["honest_gap"]]
        svg = charts.bridge_chart(labels, steps, "From the gap to the honest gap")
        data = table(by_category, [Col("label", "Category"),
                                   money_col("planned_saving", "Planned", 1),
                                   money_col("expected", "Expected", 1)],
                     "Savings by category (£m)", total={
                         "label": "Total", "planned_saving": money(r["planned_savings"], 1),
                         "expected": money(r["expected_savings"], 1)})
        empty = [lbl for lbl, p in zip(by_category["label"], by_category["planned_saving"],
                                       strict=True) if p == 0]
        note = para("The plan has no scheme in: " + ", ".join(empty) + ".") if empty else ""
        alt = (f"Waterfall chart from a do-nothing gap of {money(r['do_nothing_gap'])} through "
               f"expected savings of {money(r['expected_savings'])} to an honest gap of "
               f"{money(r['honest_gap'])}.")
        return HTMLBlock(note + figure(svg, alt, "Figure: the bridge", data))

    # -- apples and pears ---------------------------------------------------------------------
    def apples_and_pears(self) -> HTMLBlock:
        a = self.ctx.assumptions
        apples = self.schemes[self.schemes["apple"]]
        pears = self.schemes[~self.schemes["apple"]]
        intro = para(f"An apple is a bottom-up scheme with at least a "
                     f"{percent(a.apple_threshold)} chance of delivering; every other scheme, "
                     "and every balancing item, is a pear. 'Chance' is the probability of "
                     "delivery; 'Expected' is planned saving times that chance.")
        parts = [intro]
        for frame, label in ((apples, "Apples: savings that can be delivered"),
                             (pears, "Pears: savings that will not be, or were invented to "
                                     "balance")):
            if frame.empty:
                parts.append(para(f"{label.split(':')[0]}: none.", "callout"))
                continue
            parts.append(table(frame, SCHEME_COLUMNS, f"{label} ({len(frame)} schemes)",
                               css="schemes", total={
                                   "name": "Total",
                                   "planned_saving": money(frame["planned_saving"].sum(), 1),
                                   "expected": money(frame["expected"].sum(), 1)}))
        return HTMLBlock(join(parts))

    # -- capital ------------------------------------------------------------------------------
    def capital(self) -> HTMLBlock:
        r, an = self.row, self.ctx.analysis
        needing = self.schemes[self.schemes["capital_required"] > 0].copy()
        text = para(f"The plan's schemes need {money(r['capital_requested'])} of capital, of "
                    f"which {money(r['capital_secured'])} is secured. Nationally, footprints "
                    f"ask for {money(an.national['totals']['capital_requested'])} against a "
                    f"pot of {money(an.assumptions.national_capital_pot)}, so each unsecured "
                    f"pound has a {percent(an.pot_chance, 1)} chance of being funded.")
        if needing.empty:
            return HTMLBlock(text + para("No scheme in this plan needs capital."))
        needing["unsecured"] = needing["capital_required"] - needing["capital_secured"]
        return HTMLBlock(text + table(needing, [
            SCHEME_NAME,
            money_col("capital_required", "Required", 1),
            money_col("capital_secured", "Secured", 1), money_col("unsecured", "Unsecured", 1),
            percent_col("f_capital", "Capital factor"), percent_col("p", "Chance")],
            "Schemes that need capital (£m)"))

    # -- contracts ----------------------------------------------------------------------------
    def contracts(self) -> HTMLBlock:
        lines = self.ctx.analysis.contracts
        lines = lines[lines["footprint"] == self.code].copy()
        if lines.empty:
            return HTMLBlock(para("The figures hold no contract lines for this footprint."))
        lines["label"] = lines["activity"].map(ACTIVITY_LABELS)
        years = self.ctx.assumptions.contract_years
        svg = charts.paired_bars(list(lines["label"]), list(lines["plan_value"]),
                                 list(lines["contract_value"]), ("Plan", "Contracts"),
                                 f"Activity value after {years} contract years",
                                 "Activity line")
        data = table(lines, [
            Col("label", "Activity"), money_col("baseline_value", "2016/17 value", 1),
            Col("plan_growth", "Plan growth a year", lambda v: f"{v:+.1f}%", True),
            Col("contract_growth", "Contract growth a year", lambda v: f"{v:+.1f}%", True),
            money_col("mismatch", "Mismatch", 1)],
            "Contracts against the plan (£m)",
            total={"label": "Total bought but assumed away",
                   "mismatch": money(self.row["contract_mismatch"], 1)})
        text = para(f"The plan assumes activity falls or grows slowly; the 2017-19 contracts buy "
                    f"more. Over {years} years the contracts buy "
                    f"{money(self.row['contract_mismatch'])} of activity that the plan assumes "
                    "away: a cost the plan does not show.")
        alt = "Bar chart of plan against contract value for each activity line."
        return HTMLBlock(text + figure(svg, alt, "Figure: contracts against the plan", data))

    # -- what would have to give --------------------------------------------------------------
    def what_must_give(self) -> HTMLBlock:
        plan = self.ctx.analysis.reprioritisation[self.code]
        conf = percent(self.ctx.assumptions.confidence)
        if plan.target <= 0:
            return HTMLBlock(para(f"With {conf} confidence the schemes close the gap: nothing "
                                  "else has to give."))
        levers = plan.levers.copy()
        levers["status"] = [
            "protected: never chosen" if p else (stage if c else "not needed")
            for p, c, stage in zip(levers["protected"], levers["chosen"], levers["stage"],
                                   strict=True)]
        levers["needs"] = levers["national_agreement"].map({True: "national", False: "local"})
        text = [para(f"To be {conf} sure of living within its funding, the footprint must find "
                     f"{money(plan.target)} beyond what its schemes will deliver. The least "
                     "harmful set of levers (chosen by optimisation, scored 1 for little harm "
                     "to 5 for serious harm) is below.")]
        if plan.closes_locally:
            text.append(para(f"Local levers worth {money(plan.local)} close it.", "callout"))
        else:
            text.append(para(
                f"Local levers give {money(plan.local)}; levers that need national agreement "
                f"give {money(plan.national_agreement)}; {money(plan.still_needed)} is still "
                "needed from national money or a national decision.", "callout"))
        return HTMLBlock(join(text) + table(levers, [
            Col("label", "Lever"), Col("needs", "Decided", nowrap=True),
            money_col("value", "Value", 1),
            Col("harm", "Harm", lambda v: f"{v:g}", True), Col("status", "Chosen", nowrap=True)],
            "What would have to give (values shared by allocation, £m)"))

    # -- the rest -----------------------------------------------------------------------------
    def changes(self) -> HTMLBlock:
        return HTMLBlock(changes_section(self.ctx, self.code, self.previous))

    def method(self) -> HTMLBlock:
        return method_and_sources(self.ctx, self.code)

    def provenance(self) -> HTMLBlock:
        return provenance(self.ctx, self.code)

