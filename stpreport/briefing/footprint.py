"""The footprint pack: one footprint's briefing, section by section."""

from __future__ import annotations

import pandas as pd

from stpreport.assumptions import YEARS
from stpreport.briefing import charts, words
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
from stpreport.briefing.sensitivity import sensitivity_block
from stpreport.formatting import chance, clip, money, per_head, percent, rounded_parts
from stpreport.published import FIELD_LABELS, published_for
from stpreport.schema import ACTIVITY_LABELS, CATEGORIES, CATEGORY_LABELS, CATEGORY_SHORT

NAME_LIMIT = 120
TEXT_LIMIT = 300

SCHEME_NAME = Col("name", "Scheme", lambda v: clip(v, TEXT_LIMIT))

SCHEME_COLUMNS = [
    SCHEME_NAME,
    Col("category", "Category", lambda c: CATEGORY_SHORT.get(c, c), nowrap=True),
    money_col("planned_saving", "Planned", 1),
    percent_col("p", "Expected share"),
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
            ["expected", "scheme_id"], ascending=[False, True]
        )
        self.illustrative = bool(self.row["illustrative"])

    @classmethod
    def load(
        cls,
        code: str,
        figures: str | None = None,
        params: str | None = None,
        edition: str | None = None,
        previous: str | None = None,
        build_date: str | None = None,
        analysis_cache: str | None = None,
        scenario: str | None = None,
    ) -> FootprintPack:
        return cls(
            load_context(figures, params, edition, build_date, analysis_cache, scenario),
            code,
            previous,
        )

    # -- the page's frame -------------------------------------------------------------------
    def meta(self) -> Meta:
        return Meta(
            f"{self.name}: STP briefing, edition {self.ctx.edition}",
            f"{self.name} · edition {self.ctx.edition}",
            self.illustrative,
            self.ctx.edition,
        )

    def title(self) -> HTMLBlock:
        r = self.row
        return title_block(
            self.name,
            f"{self.code} · {clip(r['region'])} · population "
            f"{int(r['population']):,} · edition {self.ctx.edition}"
            + (f" · scenario: {self.ctx.scenario}" if self.ctx.scenario else ""),
            self.illustrative,
        )

    # -- the verdict ------------------------------------------------------------------------
    def verdict(self) -> HTMLBlock:
        r, an = self.row, self.ctx.analysis
        honest, savings = rounded_parts([r["honest_gap"], r["expected_savings"]])
        numbers = [
            (f"Gap to close in {YEARS[-1]}", money(honest + savings), "gap"),
            ("Deliverable savings (expected)", money(savings), "savings"),
            ("Honest gap", money(honest), "honest"),
            ("Chance the plan balances", chance(r["p_balance"]), "chance"),
        ]
        rating = str(r["rating"])
        nhse = (
            f"NHS England's July 2017 rating: {r['nhse_rating']}."
            if r["nhse_rating"]
            else "NHS England's July 2017 rating: not published."
        )
        rank = (
            f"Rank {int(r['rank'])} of {len(an.summary)} by honest gap per head (80% "
            f"range {int(r['rank_low'])} to {int(r['rank_high'])})."
        )
        shown = {
            **r,
            "total_gap": honest + savings,
            "expected_savings": savings,
            "honest_gap": honest,
        }  # the paragraph states the boxes' rounded numbers
        text = words.verdict_paragraph(
            self.row["name"], shown, an.drivers[self.code], self.ctx.assumptions
        )
        return HTMLBlock(
            verdict_box(
                "Verdict",
                numbers,
                text,
                rating=rating,
                beside=nhse,
                note=rank + " " + self._rating_basis(),
            )
        )

    def _rating_basis(self) -> str:
        r = self.row
        return (
            f"The rating rests on two numbers: the honest gap is "
            f"{percent(r['honest_gap_share'], 1)} of the {YEARS[-1]} allocation of "
            f"{money(r['allocation_2020_21'])}, and deliverable savings cover "
            f"{percent(r['coverage'])} of the gap. The boxes are rounded so that the "
            "parts add up."
        )

    def _published(self, *columns: str) -> bool:
        """True when every one of the footprint's figures in `columns` is published."""
        return all(
            self.ctx.figures.provenance("footprints", self.code, c)[0] == "published"
            for c in columns
        )

    # -- the gap ----------------------------------------------------------------------------
    def gap(self) -> HTMLBlock:
        r, a = self.row, self.ctx.assumptions
        t = self.trajectory
        svg = charts.trajectory_chart(
            list(t["year"]),
            list(t["cost"]),
            list(t["funding"]),
            "NHS cost if nothing changes, against funding",
        )
        data = table(
            t,
            [
                Col("year", "Year"),
                money_col("cost", "Cost"),
                money_col("funding", "Funding"),
                money_col("gap", "Gap"),
            ],
            "Cost, funding and gap by year (£m, 2016/17 prices)",
        )
        alt = (
            f"Line chart: cost rises from {money(t['cost'].iloc[0])} in {YEARS[0]} to "
            f"{money(t['cost'].iloc[-1])} in {YEARS[-1]}, funding from "
            f"{money(t['funding'].iloc[0])} to {money(t['funding'].iloc[-1])}."
        )
        base = r["base_deficit"]
        start = (
            f"In {YEARS[0]} the footprint spent {words.more_or_less(base)} than its allocation."
            if abs(base) >= 0.5
            else f"In {YEARS[0]} the footprint spent its allocation."
        )
        text = [
            para(
                f"{start} With {words.growth_sentence(a)}, the do-nothing gap reaches "
                f"{money(r['do_nothing_gap'])} by {YEARS[-1]} "
                f"({per_head(r['do_nothing_gap'] * 1e6 / r['population'])} per head)."
            )
        ]
        extra = []
        if r["recovery_cost"] > 0.5:
            extra.append(
                f"{money(r['recovery_cost'])} a year to recover A&E and 18-week performance"
            )
        if r["contract_cost"] > 0.5:
            extra.append(
                f"{money(r['contract_cost'])} of contracted activity that spends "
                "planned savings (see Contracts)"
            )
        if extra:
            text.append(
                para(
                    "The plan also leaves out " + " and ".join(extra) + ", so the gap "
                    f"to close is {money(r['total_gap'])}."
                )
            )
        text.append(self._stated_comparison())
        if pd.notna(r["social_care_gap"]):
            stated = r["stated_social_care_gap"]
            text.append(
                para(
                    f"Social care, on the same basis, faces a further gap of "
                    f"{money(r['social_care_gap'])}"
                    + (f" (the plan states {money(stated)})." if pd.notna(stated) else ".")
                )
            )
        return HTMLBlock(join(text) + figure(svg, alt, "Figure: the do-nothing gap", data))

    def _stated_comparison(self) -> str:
        r, a = self.row, self.ctx.assumptions
        stated, diff = r["stated_gap"], r["difference"]
        if pd.isna(stated):
            return para("The plan's own stated gap is not in the figures.")
        source = "published" if r["stated_gap_published"] else "illustrative"
        head = f"The plan's stated NHS gap ({source}) is {money(stated)}"
        if not r["large_difference"]:
            return para(
                f"{head}, within {percent(a.large_difference)} of the recomputed do-nothing gap."
            )
        direction = "larger" if diff > 0 else "smaller"
        compared = (
            f"{head}; the recomputed do-nothing gap is {money(abs(diff))} {direction} "
            f"(a difference of {percent(abs(r['relative_difference']))})"
        )
        if r["stated_gap_published"] and self._published("nhs_allocation", "nhs_spend"):
            return para(
                f"{compared}: both rest on published figures, so the difference is "
                "the plan's to explain.",
                "callout",
            )
        return para(
            f"{compared}. The comparison is illustrative: the recomputation rests on "
            "illustrative allocation and spend, so the difference says nothing about "
            "the plan itself."
        )

    # -- year by year -------------------------------------------------------------------------
    @property
    def trajectory(self) -> pd.DataFrame:
        t = self.ctx.analysis.trajectory
        return t[t["code"] == self.code].reset_index(drop=True)

    def year_by_year(self) -> HTMLBlock:
        r = self.row
        t = self.trajectory.copy()
        t["to_close"] = t["gap"] + t["recovery"] + t["contracts"]
        t["paper"] = t["to_close"] - t["planned"]
        svg = charts.fan_chart(
            list(t["year"]),
            list(t["honest_p10"]),
            list(t["honest_p50"]),
            list(t["honest_p90"]),
            list(t["paper"]),
            "The honest gap, year by year",
        )
        data = table(
            t,
            [
                Col("year", "Year"),
                money_col("to_close", "Gap to close"),
                money_col("planned", "Planned savings"),
                money_col("expected", "Expected"),
                money_col("honest_p10", "Honest gap P10"),
                money_col("honest_p50", "P50"),
                money_col("honest_p90", "P90"),
            ],
            "Savings against the gap, year by year, as the schemes are phased (£m)",
        )
        first = r["first_break_year"]
        lead = (
            f"On the evidence the plan first falls short in {first}: the expected honest "
            f"gap that year is "
            f"{money(float(t.loc[t['year'] == first, 'honest_mean'].iloc[0]))}."
            if first
            else "On the evidence the plan does not fall short in any year."
        )
        final = t.iloc[-1]
        text = para(
            f"{lead} By {YEARS[-1]} the honest gap lies between "
            f"{money(final['honest_p10'])} and {money(final['honest_p90'])} in 80% of "
            f"the simulated outcomes (median {money(final['honest_p50'])}); the "
            "dashed line is where the plan says it would be."
        )
        alt = (
            f"Fan chart of the honest gap from {YEARS[0]} to {YEARS[-1]}: median "
            f"{money(final['honest_p50'])} in {YEARS[-1]}, 80% range "
            f"{money(final['honest_p10'])} to {money(final['honest_p90'])}."
        )
        return HTMLBlock(text + figure(svg, alt, "Figure: the honest gap, year by year", data))

    # -- the bridge -------------------------------------------------------------------------
    def bridge(self) -> HTMLBlock:
        r = self.row
        by_category = self.schemes.groupby("category")[["planned_saving", "expected"]].sum()
        by_category = by_category.reindex(CATEGORIES, fill_value=0.0).reset_index()
        by_category["label"] = by_category["category"].map(CATEGORY_LABELS)
        labels = [
            "Do-nothing gap",
            "Standards recovery",
            "Contracts",
            *by_category["category"].map(CATEGORY_SHORT),
            "Honest gap",
        ]
        steps = [
            r["do_nothing_gap"],
            r["recovery_cost"],
            r["contract_cost"],
            *(-by_category["expected"]),
            r["honest_gap"],
        ]
        svg = charts.bridge_chart(labels, steps, "From the gap to the honest gap")
        data = table(
            by_category,
            [
                Col("label", "Category"),
                money_col("planned_saving", "Planned", 1),
                money_col("expected", "Expected", 1),
            ],
            "Savings by category (£m)",
            total={
                "label": "Total",
                "planned_saving": money(r["planned_savings"], 1),
                "expected": money(r["expected_savings"], 1),
            },
        )
        empty = [
            lbl
            for lbl, p in zip(by_category["label"], by_category["planned_saving"], strict=True)
            if p == 0
        ]
        note = para("The plan has no scheme in: " + ", ".join(empty) + ".") if empty else ""
        alt = (
            f"Waterfall chart from a do-nothing gap of {money(r['do_nothing_gap'])}, plus "
            f"{money(r['recovery_cost'])} of standards recovery and "
            f"{money(r['contract_cost'])} of contracts, through expected savings of "
            f"{money(r['expected_savings'])} to an honest gap of {money(r['honest_gap'])}."
        )
        return HTMLBlock(note + figure(svg, alt, "Figure: the bridge", data))

    # -- apples and pears ---------------------------------------------------------------------
    def apples_and_pears(self) -> HTMLBlock:
        a, an = self.ctx.assumptions, self.ctx.analysis
        schemes = self.schemes.copy()
        schemes["why"] = [
            words.scheme_reasons(s, an.pot_chance, a) for s in schemes.to_dict("records")
        ]
        apples = schemes[schemes["apple"]]
        pears = schemes[~schemes["apple"]]
        intro = para(
            f"An apple is a bottom-up scheme expected to deliver at least "
            f"{percent(a.apple_threshold)} of its value; every other scheme, and every "
            "balancing item, is a pear. 'Expected share' is the share of the planned "
            "saving the evidence says will be delivered; 'Expected' is the planned "
            f"saving times that share. Apples: {money(apples['planned_saving'].sum())} "
            f"planned; pears: {money(pears['planned_saving'].sum())}."
        )
        parts = [intro]
        for frame, label in (
            (apples, "Apples: savings that can be delivered"),
            (pears, "Pears: savings that will not be, or were invented to balance"),
        ):
            if frame.empty:
                parts.append(para(f"{label.split(':')[0]}: none.", "callout"))
                continue
            parts.append(
                table(
                    frame,
                    SCHEME_COLUMNS,
                    f"{label} ({len(frame)} schemes)",
                    css="schemes",
                    total={
                        "name": "Total",
                        "planned_saving": money(frame["planned_saving"].sum(), 1),
                        "expected": money(frame["expected"].sum(), 1),
                    },
                )
            )
        return HTMLBlock(join(parts))

    # -- capital ------------------------------------------------------------------------------
    def capital(self) -> HTMLBlock:
        r, an = self.row, self.ctx.analysis
        needing = self.schemes[self.schemes["capital_required"] > 0].copy()
        text = para(
            f"The plan's schemes need {money(r['capital_requested'])} of capital, of "
            f"which {money(r['capital_secured'])} is secured. Nationally, footprints "
            f"ask for {money(an.national['totals']['capital_requested'])} against a "
            f"pot of {money(an.assumptions.national_capital_pot)}, so each unsecured "
            f"pound has a {percent(an.pot_chance, 1)} chance of being funded."
        )
        award = published_for(self.code)
        award = award[award["field"] == "capital_award_2017"]
        if not award.empty:
            row = award.iloc[0]
            text += para(
                f"Published: a capital award of up to {money(row['value'])} in July "
                f"2017 ({row['source_title']}; confidence {row['confidence']}), after "
                "these plans were judged; it is not counted as secured here."
            )
        if needing.empty:
            return HTMLBlock(text + para("No scheme in this plan needs capital."))
        needing["unsecured"] = needing["capital_required"] - needing["capital_secured"]
        return HTMLBlock(
            text
            + table(
                needing,
                [
                    SCHEME_NAME,
                    money_col("capital_required", "Required", 1),
                    money_col("capital_secured", "Secured", 1),
                    money_col("unsecured", "Unsecured", 1),
                    percent_col("f_capital", "Capital factor"),
                    percent_col("p", "Expected share"),
                ],
                "Schemes that need capital (£m)",
            )
        )

    # -- contracts ----------------------------------------------------------------------------
    def contracts(self) -> HTMLBlock:
        lines = self.ctx.analysis.contracts
        lines = lines[lines["footprint"] == self.code].copy()
        if lines.empty:
            return HTMLBlock(para("The figures hold no contract lines for this footprint."))
        lines["label"] = lines["activity"].map(ACTIVITY_LABELS)
        years = self.ctx.assumptions.contract_years
        end = YEARS[min(years, len(YEARS) - 1)]
        svg = charts.paired_bars(
            list(lines["label"]),
            list(lines["plan_value"]),
            list(lines["contract_value"]),
            ("Plan", "Contracts"),
            f"Activity value a year by {end}",
            "Activity line",
        )
        lines["gap_pp"] = lines["contract_growth"] - lines["plan_growth"]
        data = table(
            lines,
            [
                Col("label", "Activity"),
                money_col("baseline_value", "2016/17 value", 1),
                Col("plan_growth", "Plan growth a year", lambda v: f"{v:+.1f}%", True),
                Col("contract_growth", "Contract growth a year", lambda v: f"{v:+.1f}%", True),
                Col("gap_pp", "Difference", lambda v: f"{v:+.1f}pp", True),
                money_col("mismatch", "Mismatch a year", 1),
            ],
            "Contracts against the plan (£m a year; differences in percentage points)",
            total={
                "label": "Total bought but assumed away",
                "mismatch": money(self.row["contract_mismatch"], 1),
            },
        )
        r = self.row
        text = para(
            f"By {end}, after {years} contract years, the contracts buy "
            f"{money(r['contract_mismatch'])} a year more activity than the plan "
            f"assumes. Of that, {money(r['contract_cost'])} spends demand-management "
            "savings the plan counts on (the expected savings in that category, at "
            "most), and is added to the gap; the rest is activity the evidence already "
            "says demand management will not remove."
        )
        alt = "Bar chart of plan against contract value for each activity line."
        return HTMLBlock(text + figure(svg, alt, "Figure: contracts against the plan", data))

    # -- what would have to give --------------------------------------------------------------
    def what_must_give(self) -> HTMLBlock:
        plan = self.ctx.analysis.reprioritisation[self.code]
        conf = percent(self.ctx.assumptions.confidence)
        levers = plan.levers.copy()
        if plan.target <= 0:
            return HTMLBlock(
                para(f"With {conf} confidence the schemes close the gap: nothing else has to give.")
            )
        levers["status"] = [_lever_status(lv) for lv in levers.to_dict("records")]
        levers["needs"] = levers["national_agreement"].map({True: "national", False: "local"})
        text = [
            para(
                f"To be {conf} sure of living within its funding, the footprint must find "
                f"{money(plan.target)} beyond what its schemes will deliver. The least "
                "harmful use of the savings levers is chosen by optimisation: each lever's "
                "harm (1 little to 5 serious) counts for every £100m it releases, so a "
                "large lever of little harm comes before a small one of great harm. "
                "Local levers come first, then those only national bodies can agree."
            )
        ]
        if plan.closes_locally:
            text.append(para(f"Local levers worth {money(plan.local)} close it.", "callout"))
        else:
            text.append(
                para(
                    f"Local levers give {money(plan.local)}; levers that need national agreement "
                    f"give {money(plan.national_agreement)}; {money(plan.still_needed)} is left "
                    "that only new money closes.",
                    "callout",
                )
            )
        if plan.financing > 0.5:
            text.append(
                para(
                    f"Financing levers could carry up to {money(plan.financing)} of "
                    "that as deficit for a while; they move the gap, they do not "
                    "close it."
                )
            )
        return HTMLBlock(
            join(text)
            + table(
                levers,
                [
                    Col("label", "Lever"),
                    Col("needs", "Decided", nowrap=True),
                    money_col("value", "On the menu", 1),
                    money_col("released", "Used", 1),
                    Col("harm", "Harm per £100m", lambda v: f"{v:g}", True),
                    Col("status", "Status"),
                ],
                "What would have to give (£m a year; values scaled to the footprint)",
            )
        )

    # -- sensitivity --------------------------------------------------------------------------
    def sensitivity(self) -> HTMLBlock:
        return HTMLBlock(
            sensitivity_block(self.ctx.analysis.sensitivity, self.code, self.row["honest_gap"])
        )

    # -- published figures ----------------------------------------------------------------------
    def published(self) -> HTMLBlock:
        rows = published_for(self.code).copy()
        if rows.empty:
            return HTMLBlock(
                para(
                    "No figure about this footprint was found published; every "
                    "number here that is not national is illustrative or "
                    "supplied."
                )
            )
        rows["figure"] = rows["field"].map(FIELD_LABELS)
        rows["shown"] = [f"{v:,.10g} {u}" for v, u in zip(rows["value"], rows["unit"], strict=True)]
        return HTMLBlock(
            para(
                f"{len(rows)} published figures about this footprint, as "
                "reported, with their source and confidence. Where one is used "
                "as a figure above, Method and sources says so."
            )
            + table(
                rows,
                [
                    Col("figure", "Figure"),
                    Col("shown", "As published"),
                    Col("basis", "Basis"),
                    Col("source_title", "Source"),
                    Col("confidence", "Confidence", nowrap=True),
                ],
                "Published figures about this footprint",
                css="small",
            )
        )

    # -- the rest -----------------------------------------------------------------------------
    def changes(self) -> HTMLBlock:
        return HTMLBlock(changes_section(self.ctx, self.code, self.previous))

    def method(self) -> HTMLBlock:
        return method_and_sources(self.ctx, self.code)

    def provenance(self) -> HTMLBlock:
        return provenance(self.ctx, self.code)


def _lever_status(lever: dict) -> str:
    if lever["protected"]:
        return "protected: never used"
    if lever["kind"] == "financing":
        return "financing: moves the deficit"
    if lever["value"] <= 0:
        return "not available"
    if lever["used"] >= 1 - 1e-9:
        return f"used in full ({lever['stage']})"
    if lever["used"] > 0:
        return f"used in part ({lever['stage']})"
    return "not needed"
