"""The national briefing for the Commons health committee, section by section."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from stpreport.assumptions import YEARS
from stpreport.briefing import charts
from stpreport.briefing.changes import changes_section
from stpreport.briefing.context import Context, load_context
from stpreport.briefing.html import (
    Col,
    figure,
    money_col,
    para,
    percent_col,
    table,
    verdict_box,
)
from stpreport.briefing.sections import HTMLBlock, Meta, method_and_sources, provenance, title_block
from stpreport.briefing.sensitivity import sensitivity_block
from stpreport.formatting import chance, clip, money, per_head, percent, rounded_parts
from stpreport.schema import CATEGORIES, CATEGORY_LABELS, CATEGORY_SHORT


class NationalBriefing:
    def __init__(self, ctx: Context, previous: str | None = None, links: bool = True):
        self.ctx, self.previous, self.links = ctx, previous, links
        self.t = ctx.analysis.national["totals"]
        self.summary = ctx.analysis.summary
        self.illustrative = bool(self.t["illustrative"])

    @classmethod
    def load(
        cls,
        figures: str | None = None,
        params: str | None = None,
        edition: str | None = None,
        previous: str | None = None,
        build_date: str | None = None,
        links: bool = True,
        analysis_cache: str | None = None,
        scenario: str | None = None,
    ) -> NationalBriefing:
        return cls(
            load_context(figures, params, edition, build_date, analysis_cache, scenario),
            previous,
            links,
        )

    def meta(self) -> Meta:
        return Meta(
            f"England's STPs: national briefing, edition {self.ctx.edition}",
            f"National briefing · edition {self.ctx.edition}",
            self.illustrative,
            self.ctx.edition,
        )

    def title(self) -> HTMLBlock:
        return title_block(
            "England's Sustainability and Transformation Plans",
            f"National briefing for the Health Committee · "
            f"{self.t['footprints']} footprints · population "
            f"{self.t['population']:,.0f} · edition {self.ctx.edition}"
            + (f" · scenario: {self.ctx.scenario}" if self.ctx.scenario else ""),
            self.illustrative,
        )

    def headline(self) -> HTMLBlock:
        t, a = self.t, self.ctx.assumptions
        conf = percent(a.confidence)
        honest, savings = rounded_parts([t["honest_gap"], t["expected_savings"]])
        numbers = [
            (f"Gap to close in {YEARS[-1]}", money(honest + savings), "gap"),
            ("Deliverable savings (expected)", money(savings), "savings"),
            ("Honest gap", money(honest), "honest"),
            (f"Honest gap, {conf} sure", money(t["national_at_confidence"]), "chance"),
        ]
        ratings = ", ".join(f"{n} {name}" for name, n in t["ratings"].items())
        text = (
            f"The {t['footprints']} plans face a do-nothing gap of "
            f"{money(t['do_nothing_gap'])} by {YEARS[-1]}; with "
            f"{money(t['recovery_cost'])} a year to recover A&E and 18-week performance and "
            f"{money(t['contract_cost'])} of contracted activity that spends planned "
            f"savings, {money(honest + savings)} must be closed "
            f"({per_head(t['gap_per_head'])} per head). Their own stated gaps add up to "
            f"{money(t['stated_gap'])}. They plan {money(t['planned_savings'])} of "
            f"savings, {money(t['balancing_savings'])} of them balancing items with no "
            f"scheme behind them. On the evidence {money(savings)} can be expected, "
            f"leaving an honest gap of {money(honest)} "
            f"({percent(t['honest_gap_share'], 1)} of the {YEARS[-1]} allocation). From "
            f"the same simulation of every footprint together, the honest gap is "
            f"{money(t['national_p50'])} at the median and {money(t['national_at_confidence'])}"
            f" at {conf} confidence; the chance that the plans balance in total is "
            f"{chance(t['national_p_balance'])}. Ratings: {ratings}. To be {conf} sure "
            f"in every footprint, after every lever on the menu, {money(t['still_needed'])} "
            "can only come from new money."
        )
        return HTMLBlock(
            verdict_box(
                "Headline", numbers, text, note="The boxes are rounded so that the parts add up."
            )
        )

    def uncertainty(self) -> HTMLBlock:
        t, a = self.t, self.ctx.assumptions
        conf = percent(a.confidence)
        years = self.ctx.analysis.national["by_year"]
        traj = self.ctx.analysis.trajectory
        paper = (
            traj.assign(p=traj["gap"] + traj["recovery"] + traj["contracts"] - traj["planned"])
            .groupby("year")["p"]
            .sum()
        )
        svg = charts.fan_chart(
            list(years["year"]),
            list(years["honest_p10"]),
            list(years["honest_p50"]),
            list(years["honest_p90"]),
            list(paper.reindex(years["year"])),
            "The national honest gap, year by year",
        )
        data = table(
            years,
            [
                Col("year", "Year"),
                money_col("honest_p10", "P10"),
                money_col("honest_p50", "P50"),
                money_col("honest_p90", "P90"),
                money_col("honest_mean", "Mean"),
            ],
            "The national honest gap from the joint draws (£m)",
        )
        summed = t["national_sum_of_footprint_at_confidence"]
        text = para(
            f"Every footprint is simulated with the same national draws of demand, cost and "
            f"funding growth and its own draws of scheme delivery, so the national total is "
            f"taken draw by draw. At {conf} confidence it is "
            f"{money(t['national_at_confidence'])}. Adding the 44 footprints' own {conf} "
            f"figures would give {money(summed)}, {money(summed - t['national_at_confidence'])}"
            " more: that sum assumes every footprint has its bad year together."
        )
        alt = (
            f"Fan chart of the national honest gap: median "
            f"{money(years['honest_p50'].iloc[-1])} in {YEARS[-1]}, 80% range "
            f"{money(years['honest_p10'].iloc[-1])} to {money(years['honest_p90'].iloc[-1])}."
        )
        return HTMLBlock(text + figure(svg, alt, "Figure: national honest gap by year", data))

    def league(self) -> HTMLBlock:
        league = self.ctx.analysis.national["league"].reset_index()
        league["rank_range"] = [
            f"{lo}-{hi}"
            for lo, hi in zip(
                league["rank_low"].astype(int), league["rank_high"].astype(int), strict=True
            )
        ]
        league["rank"] = league["rank"].astype(int)
        svg = charts.ranked_bars(
            list(league["name"]),
            list(league["honest_gap_per_head"]),
            "Honest gap per head, by footprint",
            "£ per head",
            highlight=[r == "undeliverable" for r in league["rating"]],
        )
        alt = (
            f"Bar chart of the honest gap per head in each of {len(league)} footprints, "
            f"from {per_head(league['honest_gap_per_head'].iloc[0])} down to "
            f"{per_head(league['honest_gap_per_head'].iloc[-1])}; undeliverable plans "
            "hatched."
        )
        link = (lambda r: f"{r['code']}.html") if self.links else None
        body = table(
            league,
            [
                Col("rank", "#", str, True),
                Col("rank_range", "80% range", str, True),
                Col("name", "Footprint", clip, href=link),
                money_col("total_gap", "Gap (£m)"),
                money_col("expected_savings", "Deliverable (£m)"),
                money_col("honest_gap", "Honest gap (£m)"),
                Col("honest_gap_per_head", "Per head (£)", per_head, True),
                Col("rating", "Rating", nowrap=True),
                Col("nhse_rating", "NHS England 2017", nowrap=True),
            ],
            "League table: footprints ranked by honest gap per head, with the range of each "
            "rank in 80% of the simulated outcomes",
            css="league",
        )
        note = para(
            "Two footprints whose rank ranges overlap cannot be told apart with "
            "confidence: read the order as bands, not places. NHS England's July 2017 "
            "rating is shown where it was published."
        )
        return HTMLBlock(note + figure(svg, alt, "Figure: honest gap per head", "") + body)

    def ratings(self) -> HTMLBlock:
        table_ = self.ctx.analysis.national["ratings_crosstab"].reset_index()
        table_["rating"] = table_["rating"].astype(str)
        columns = [Col("rating", "Our rating")] + [
            Col(c, str(c).capitalize(), str, True) for c in table_.columns if c != "rating"
        ]
        known = int(self.summary["nhse_rating"].ne("").sum())
        text = para(
            f"NHS England's July 2017 dashboard rated all 44 footprints, but the band of "
            f"only {known} could be found published. Its rating weighed system "
            "leadership, prevention and financial health in 2016/17; ours weighs the "
            "honest gap and how much of it deliverable savings cover. Where they "
            "disagree, the two answer different questions."
        )
        return HTMLBlock(
            text
            + table(
                table_, columns, "Our rating against NHS England's July 2017 rating (footprints)"
            )
        )

    def apples_and_pears(self) -> HTMLBlock:
        t = self.t
        cats = self.ctx.analysis.national["categories"].reindex(CATEGORIES).fillna(0).reset_index()
        cats["label"] = cats["category"].map(CATEGORY_LABELS)
        svg = charts.paired_bars(
            list(cats["category"].map(CATEGORY_SHORT)),
            list(cats["planned"]),
            list(cats["expected"]),
            ("Planned", "Expected"),
            "Savings planned and expected, by category",
            "Category",
        )
        data = table(
            cats,
            [
                Col("label", "Category"),
                Col("schemes", "Schemes", str, True),
                money_col("planned", "Planned"),
                money_col("expected", "Expected"),
                percent_col("share", "Expected share"),
            ],
            "Savings by category, all footprints (£m)",
        )
        text = para(
            f"Apples, bottom-up schemes expected to deliver at least "
            f"{percent(self.ctx.assumptions.apple_threshold)} of their value, plan "
            f"{money(t['apple_savings'])}; pears, the rest and every balancing item, "
            f"plan {money(t['pear_savings'])}."
        )
        alt = "Bar chart of planned against expected savings in each category."
        return HTMLBlock(text + figure(svg, alt, "Figure: savings by category", data))

    def social_care_and_contracts(self) -> HTMLBlock:
        t = self.t
        care = (
            para(
                f"Social care, where the figures give it ({t['social_care_footprints']} "
                f"footprints), faces a further gap of {money(t['social_care_gap'])} by "
                f"{YEARS[-1]}, outside the NHS figures above."
            )
            if t["social_care_footprints"]
            else para("The figures give no social care funding or spend.")
        )
        contracts = para(
            f"The 2017-19 contracts buy {money(t['contract_mismatch'])} a year more activity "
            f"than the plans assume; {money(t['contract_cost'])} of it spends the "
            "demand-management savings the plans count on and is in the gap above."
        )
        return HTMLBlock(care + contracts)

    def sensitivity(self) -> HTMLBlock:
        return HTMLBlock(
            sensitivity_block(self.ctx.analysis.sensitivity, "national", self.t["honest_gap"])
        )

    def distribution(self) -> HTMLBlock:
        values = self.summary["honest_gap_per_head"].to_numpy(float)
        bins = np.arange(np.floor(values.min() / 50) * 50, values.max() + 50, 50)
        svg = charts.histogram(
            values, bins, "How the honest gap per head is spread", "Honest gap, £ per head"
        )
        counts, edges = np.histogram(values, bins)
        frame = pd.DataFrame(
            {
                "band": [f"£{lo:,.0f} to £{hi:,.0f}" for lo, hi in itertools.pairwise(edges)],
                "footprints": counts,
            }
        )
        data = table(
            frame,
            [Col("band", "Honest gap per head"), Col("footprints", "Footprints", str, True)],
            "Footprints by honest gap per head",
        )
        alt = f"Histogram of the honest gap per head across {len(values)} footprints."
        return HTMLBlock(figure(svg, alt, "Figure: distribution", data))

    def regions(self) -> HTMLBlock:
        regions = self.ctx.analysis.national["regions"].reset_index()
        svg = charts.paired_bars(
            list(regions["region"]),
            list(regions["planned_savings"]),
            list(regions["expected_savings"]),
            ("Planned savings", "Deliverable savings"),
            "Savings planned and deliverable, by region",
            "NHS region",
        )
        data = table(
            regions,
            [
                Col("region", "Region", clip),
                Col("footprints", "Footprints", str, True),
                money_col("total_gap", "Gap"),
                money_col("planned_savings", "Planned"),
                money_col("expected_savings", "Deliverable"),
                money_col("honest_gap", "Honest gap"),
                Col("honest_gap_per_head", "Per head (£)", per_head, True),
            ],
            "Regions (£m; per head in £)",
        )
        alt = "Bar chart of planned against deliverable savings in each NHS region."
        return HTMLBlock(figure(svg, alt, "Figure: regions", data))

    def capital(self) -> HTMLBlock:
        t = self.t
        top = self.summary.sort_values("capital_requested", ascending=False).head(12)
        svg = charts.paired_bars(
            list(top["name"]),
            list(top["capital_requested"]),
            list(top["capital_secured"]),
            ("Requested", "Secured"),
            "Capital requested and secured: the 12 largest requests",
            "£m",
            horizontal=True,
            height=4.2,
        )
        data = table(
            top.reset_index(),
            [
                Col("name", "Footprint", clip),
                money_col("capital_requested", "Requested"),
                money_col("capital_secured", "Secured"),
            ],
            "The 12 largest capital requests (£m)",
        )
        unsecured = t["capital_requested"] - t["capital_secured"]
        reconfig = self.ctx.analysis.national["categories"]
        share = (
            float(reconfig.at["service_reconfiguration", "share"])
            if "service_reconfiguration" in reconfig.index
            else float("nan")
        )
        text = para(
            f"The plans' schemes need {money(t['capital_requested'])} of capital; "
            f"{money(t['capital_secured'])} is secured. Against the "
            f"{money(unsecured)} still asked for, the national pot is "
            f"{money(t['capital_pot'])}: {percent(t['pot_chance'], 1)} of what is "
            f"asked. Reconfigurations, which depend on it, are expected to deliver "
            f"{percent(share)} of their planned savings."
        )
        alt = "Bar chart of capital requested against secured for the 12 largest requests."
        return HTMLBlock(text + figure(svg, alt, "Figure: capital", data))

    def choices(self) -> HTMLBlock:
        t = self.t
        levers = self.ctx.analysis.national["levers"].copy()
        levers["decided"] = levers["national_agreement"].map({True: "national", False: "local"})
        levers["status"] = [
            "protected" if p else "financing: moves the deficit" if k == "financing" else ""
            for p, k in zip(levers["protected"], levers["kind"], strict=True)
        ]
        text = para(
            f"The menu of savings levers is worth {money(t['lever_menu_savings'])} "
            f"across all footprints, against an honest gap of {money(t['honest_gap'])}"
            f" ({money(t['gap_at_confidence'])} summed at "
            f"{percent(self.ctx.assumptions.confidence)} confidence, footprint by "
            f"footprint). The least harmful use of it releases "
            f"{money(t['local_levers'])} decided locally and "
            f"{money(t['national_agreement_levers'])} needing national agreement; "
            f"{money(t['still_needed'])} is left that no lever closes. Financing "
            f"levers could carry up to {money(t['financing'])} of that as deficit: "
            "they move it, they do not close it. The committee's choice is between "
            "new money and relaxing further standards or commitments."
        )
        return HTMLBlock(
            text
            + table(
                levers,
                [
                    Col("label", "Lever"),
                    Col("decided", "Decided", nowrap=True),
                    Col("harm", "Harm per £100m", lambda v: f"{v:g}", True),
                    money_col("value", "On the menu"),
                    money_col("released", "Used"),
                    Col("footprints", "Footprints using it", str, True),
                    Col("status", "Note"),
                ],
                "The national choices (£m a year)",
            )
        )

    def changes(self) -> HTMLBlock:
        return HTMLBlock(changes_section(self.ctx, None, self.previous))

    def method(self) -> HTMLBlock:
        return method_and_sources(self.ctx, None)

    def provenance(self) -> HTMLBlock:
        return provenance(self.ctx, None)
