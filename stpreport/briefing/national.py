"""The national briefing for the Commons health committee, section by section."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

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
from stpreport.formatting import clip, money, per_head, percent


class NationalBriefing:
    def __init__(self, ctx: Context, previous: str | None = None, links: bool = True):
        self.ctx, self.previous, self.links = ctx, previous, links
        self.t = ctx.analysis.national["totals"]
        self.summary = ctx.analysis.summary
        self.illustrative = bool(self.t["illustrative"])

    @classmethod
    def load(cls, figures: str | None = None, params: str | None = None,
             edition: str | None = None, previous: str | None = None,
             build_date: str | None = None, links: bool = True,
             analysis_cache: str | None = None) -> NationalBriefing:
        return cls(load_context(figures, params, edition, build_date, analysis_cache), previous,
                   links)

    def meta(self) -> Meta:
        return Meta(f"England's STPs: national briefing, edition {self.ctx.edition}",
                    f"National briefing · edition {self.ctx.edition}", self.illustrative,
                    self.ctx.edition)

    def title(self) -> HTMLBlock:
        return title_block("England's Sustainability and Transformation Plans",
                           f"National briefing for the Health Committee · "
                           f"{self.t['footprints']} footprints · population "
                           f"{self.t['population']:,.0f} · edition {self.ctx.edition}",
                           self.illustrative)

    def headline(self) -> HTMLBlock:
        t, conf = self.t, percent(self.ctx.assumptions.confidence)
        numbers = [("Do-nothing gap 2020/21", money(t["do_nothing_gap"]), "gap"),
                   ("Planned savings", money(t["planned_savings"]), "planned"),
                   ("Deliverable savings (expected)", money(t["expected_savings"]), "savings"),
                   ("Honest gap", money(t["honest_gap"]), "honest")]
        ratings = ", ".join(f"{n} {name}" for name, n in t["ratings"].items())
        text = (f"The {t['footprints']} plans face a do-nothing gap of "
                f"{money(t['do_nothing_gap'])} by 2020/21 ({per_head(t['gap_per_head'])} a "
                f"head); their own stated gaps add up to {money(t['stated_gap'])}. They plan "
                f"{money(t['planned_savings'])} of savings, of which "
                f"{money(t['balancing_savings'])} are balancing items with no scheme behind "
                f"them. On the evidence, {money(t['expected_savings'])} can be expected, "
                f"leaving an honest gap of {money(t['honest_gap'])}; with {conf} confidence, "
                f"{money(t['gap_at_confidence'])}. Ratings: {ratings}. After every local "
                f"lever and every lever that needs national agreement, "
                f"{money(t['still_needed'])} can only come from new national money or a "
                "national decision.")
        return HTMLBlock(verdict_box("Headline", numbers, text))

    def league(self) -> HTMLBlock:
        league = self.ctx.analysis.national["league"].reset_index()
        svg = charts.ranked_bars(list(league["name"]), list(league["honest_gap_per_head"]),
                                 "Honest gap a head, by footprint", "£ a head",
                                 highlight=[r in ("undeliverable",) for r in league["rating"]])
        alt = (f"Bar chart of the honest gap a head in each of {len(league)} footprints, from "
               f"{per_head(league['honest_gap_per_head'].iloc[0])} down to "
               f"{per_head(league['honest_gap_per_head'].iloc[-1])}; undeliverable plans "
               "hatched.")
        link = (lambda r: f"{r['code']}.html") if self.links else None
        body = table(league, [
            Col("rank", "#", str, True),
            Col("name", "Footprint", clip, href=link),
            Col("region", "Region", clip, nowrap=True),
            money_col("do_nothing_gap", "Gap"),
            money_col("expected_savings", "Deliverable"),
            money_col("honest_gap", "Honest gap"),
            Col("honest_gap_per_head", "A head", per_head, True),
            percent_col("p_balance", "P(balance)"),
            Col("rating", "Rating", nowrap=True),
        ], "League table: footprints ranked by honest gap a head (£m)", css="league")
        return HTMLBlock(figure(svg, alt, "Figure: honest gap a head", "") + body)

    def distribution(self) -> HTMLBlock:
        values = self.summary["honest_gap_per_head"].to_numpy(float)
        bins = np.arange(np.floor(values.min() / 50) * 50, values.max() + 50, 50)
        svg = charts.histogram(values, bins, "How the honest gap a head is spread",
                               "Honest gap, £ a head")
        counts, edges = np.histogram(values, bins)
        frame = pd.DataFrame({"band": [f"£{lo:,.0f} to £{hi:,.0f}" for lo, hi in
                                       itertools.pairwise(edges)],
                              "footprints": counts})
        data = table(frame, [Col("band", "Honest gap a head"),
                             Col("footprints", "Footprints", str, True)],
                     "Footprints by honest gap a head")
        alt = f"Histogram of the honest gap a head across {len(values)} footprints."
        return HTMLBlock(figure(svg, alt, "Figure: distribution", data))

    def regions(self) -> HTMLBlock:
        regions = self.ctx.analysis.national["regions"].reset_index()
        svg = charts.paired_bars(list(regions["region"]), list(regions["planned_savings"]),
                                 list(regions["expected_savings"]),
                                 ("Planned savings", "Deliverable savings"),
                                 "Savings planned and deliverable, by region", "NHS region")
        data = table(regions, [
            Col("region", "Region", clip), Col("footprints", "Footprints", str, True),
            money_col("do_nothing_gap", "Gap"), money_col("planned_savings", "Planned"),
            money_col("expected_savings", "Deliverable"), money_col("honest_gap", "Honest gap"),
            Col("honest_gap_per_head", "A head", per_head, True)], "Regions (£m)")
        alt = "Bar chart of planned against deliverable savings in each NHS region."
        return HTMLBlock(figure(svg, alt, "Figure: regions", data))

    def capital(self) -> HTMLBlock:
        t = self.t
        top = self.summary.sort_values("capital_requested", ascending=False).head(12)
        svg = charts.paired_bars(list(top["name"]), list(top["capital_requested"]),
                                 list(top["capital_secured"]), ("Requested", "Secured"),
                                 "Capital requested and secured: the 12 largest requests",
                                 "£m", horizontal=True, height=4.2)
        data = table(top.reset_index(), [Col("name", "Footprint", clip),
                                         money_col("capital_requested", "Requested"),
                                         money_col("capital_secured", "Secured")],
                     "The 12 largest capital requests (£m)")
        unsecured = t["capital_requested"] - t["capital_secured"]
        text = para(f"The plans' schemes need {money(t['capital_requested'])} of capital; "
                    f"{money(t['capital_secured'])} is secured. Against the "
                    f"{money(unsecured)} still asked for, the national pot is "
                    f"{money(t['capital_pot'])}: {percent(t['pot_chance'], 1)} of what is "
                    "asked. Reconfigurations that depend on it will not happen by 2020/21.")
        alt = "Bar chart of capital requested against secured for the 12 largest requests."
        return HTMLBlock(text + figure(svg, alt, "Figure: capital", data))

    def choices(self) -> HTMLBlock:
        levers = self.ctx.analysis.national["levers"].copy()
        levers["decided"] = levers["national_agreement"].map({True: "national",
                                                              False: "local"})
        levers["status"] = np.where(levers["protected"], "protected", "")
        text = para(f"Summed over every footprint, the least harmful way to live within fixed "
                    f"funding uses the levers below: {money(self.t['local_levers'])} decided "
                    f"locally and {money(self.t['national_agreement_levers'])} needing national "
                    f"agreement. {money(self.t['still_needed'])} is left that no lever on the "
                    "menu closes: the committee's choice is between new money and relaxing "
                    "further standards or commitments.")
        return HTMLBlock(text + table(levers, [
            Col("label", "Lever"), Col("decided", "Decided", nowrap=True),
            Col("harm", "Harm", lambda v: f"{v:g}", True),
            money_col("value_chosen", "Chosen, all footprints"),
            Col("footprints", "Footprints", str, True), Col("status", "Note", nowrap=True)],
            "The national choices (£m)"))

    def changes(self) -> HTMLBlock:
        return HTMLBlock(changes_section(self.ctx, None, self.previous))

    def method(self) -> HTMLBlock:
        return method_and_sources(self.ctx, None)

    def provenance(self) -> HTMLBlock:
        return provenance(self.ctx, None)

