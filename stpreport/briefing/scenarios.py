"""The scenario comparison briefing: how the honest gap, the ratings and the lever choice move
across scenarios, nationally and per footprint, with the part of the gap that moves them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from stpreport.analysis import Analysis, analyse
from stpreport.analysis.compare import (
    footprint_comparison,
    lever_comparison,
    main_driver,
    national_comparison,
)
from stpreport.briefing import charts
from stpreport.briefing.context import Context, load_context
from stpreport.briefing.html import Col, figure, join, money_col, para, table
from stpreport.briefing.sections import HTMLBlock, Meta, provenance, title_block
from stpreport.formatting import clip, money
from stpreport.scenarios import Scenario, load_scenarios

BASE = "base"
PART_WORDS = {
    "do_nothing_gap": "the do-nothing gap",
    "recovery_cost": "the standards recovery cost",
    "contract_cost": "the contracts cost",
    "expected_savings": "the savings that can be expected",
}


def signed(value: float) -> str:
    """A change in £m with its sign in words: 'up £12m', 'down £3m', 'unchanged'."""
    rounded = round(value)
    if rounded == 0:
        return "unchanged"
    return f"up {money(value)}" if rounded > 0 else f"down {money(-value)}"


class ScenarioComparison:
    def __init__(self, ctx: Context, scenarios: list[Scenario], links: bool = True):
        self.ctx, self.scenarios, self.links = ctx, scenarios, links
        self.analyses: dict[str, Analysis] = {BASE: ctx.analysis}
        for s in scenarios:
            self.analyses[s.name] = analyse(ctx.figures, s.assumptions)
        self.national = national_comparison(self.analyses)
        self.illustrative = bool(ctx.analysis.national["totals"]["illustrative"])

    @classmethod
    def load(
        cls,
        *,
        scenarios: list[str],
        figures: str | None = None,
        params: str | None = None,
        edition: str | None = None,
        build_date: str | None = None,
        links: bool = True,
    ) -> ScenarioComparison:
        ctx = load_context(figures, params, edition, build_date)
        return cls(ctx, load_scenarios([Path(p) for p in scenarios], params), links)

    def meta(self) -> Meta:
        return Meta(
            f"England's STPs: scenarios compared, edition {self.ctx.edition}",
            f"Scenarios compared · edition {self.ctx.edition}",
            self.illustrative,
            self.ctx.edition,
        )

    def title(self) -> HTMLBlock:
        return title_block(
            "Scenarios compared",
            f"{len(self.scenarios)} scenarios against the "
            f"base assumptions · {len(self.ctx.analysis.summary)} footprints · "
            f"edition {self.ctx.edition}",
            self.illustrative,
        )

    def scenario_list(self) -> HTMLBlock:
        rows = [
            {"name": BASE, "title": "The base assumptions", "what": "params as given", "source": ""}
        ]
        for s in self.scenarios:
            for key, source in s.changes:
                rows.append({"name": s.name, "title": s.title, "what": key, "source": source})
        described = join(para(f"{s.title}. {s.description}") for s in self.scenarios)
        return HTMLBlock(
            described
            + table(
                pd.DataFrame(rows),
                [
                    Col("name", "Scenario", nowrap=True),
                    Col("title", "Title"),
                    Col("what", "Assumption changed"),
                    Col("source", "Source"),
                ],
                "What each scenario changes, and the evidence for it",
                css="small",
            )
        )

    def national_view(self) -> HTMLBlock:
        n = self.national.reset_index()
        base = n.iloc[0]
        lines = []
        for row in n.iloc[1:].to_dict("records"):
            part, delta = main_driver(pd.Series(row))
            verb = "raises" if delta > 0 else "lowers"
            lines.append(
                para(
                    f"{self._title(row['scenario'])}: the national honest gap is "
                    f"{money(row['honest_gap'])}, {signed(row['delta_honest_gap'])} on the base "
                    f"{money(base['honest_gap'])}; at 80% confidence "
                    f"{money(row['national_at_confidence'])}. The main driver is "
                    f"{PART_WORDS[part]}, which {verb} the honest gap by {money(abs(delta))}."
                )
            )
        svg = charts.paired_bars(
            list(n["scenario"]),
            list(n["honest_gap"]),
            list(n["national_at_confidence"]),
            ("Honest gap (expected)", "Honest gap, 80% sure"),
            "The national honest gap under each scenario",
            "Scenario",
        )
        data = table(
            n,
            [
                Col("scenario", "Scenario", nowrap=True),
                money_col("do_nothing_gap", "Do-nothing"),
                money_col("expected_savings", "Deliverable"),
                money_col("honest_gap", "Honest gap"),
                money_col("delta_honest_gap", "Change"),
                money_col("national_at_confidence", "80% sure"),
                money_col("still_needed", "New money needed"),
            ],
            "National figures by scenario (£m)",
        )
        alt = (
            "Bar chart of the national honest gap, expected and at 80% confidence, under "
            f"the base and {len(self.scenarios)} scenarios."
        )
        return HTMLBlock(join(lines) + figure(svg, alt, "Figure: scenarios", data))

    def ratings(self) -> HTMLBlock:
        n = self.national.reset_index()
        bands = [c for c in n.columns if c.startswith("rated_")]
        columns = [Col("scenario", "Scenario", nowrap=True)] + [
            Col(c, c.removeprefix("rated_").capitalize(), str, True) for c in bands
        ]
        moved = footprint_comparison(self.analyses)
        changes = []
        for s in self.scenarios:
            changed = int((moved[f"rating:{s.name}"] != moved[f"rating:{BASE}"]).sum())
            changes.append(f"{s.name}: {changed}")
        return HTMLBlock(
            para("Footprints whose rating changes from the base: " + "; ".join(changes) + ".")
            + table(n, columns, "Footprints in each rating band, by scenario")
        )

    def levers(self) -> HTMLBlock:
        levers = lever_comparison(self.analyses).reset_index()
        columns = [Col("label", "Lever")] + [money_col(name, name) for name in self.analyses]
        return HTMLBlock(
            para(
                "The least harmful use of the lever menu is chosen again under "
                "each scenario; the table shows what each lever releases across "
                "all footprints."
            )
            + table(levers, columns, "Levers used, all footprints (£m a year)", css="small")
        )

    def footprints(self) -> HTMLBlock:
        frame = footprint_comparison(self.analyses).reset_index()
        parts = []
        for s in self.scenarios:
            col = f"change:{s.name}"
            top = frame.reindex(frame[col].abs().sort_values(ascending=False).index).head(5)
            parts.append(
                para(
                    f"{self._title(s.name)}: the largest moves are "
                    + "; ".join(
                        f"{clip(r['name'], 60)} ({signed(r[col])})" for r in top.to_dict("records")
                    )
                    + "."
                )
            )
        columns = (
            [Col("name", "Footprint", clip)]
            + [money_col(f"honest_gap:{name}", f"{name}") for name in self.analyses]
            + [Col(f"rating:{name}", f"Rating: {name}", nowrap=True) for name in self.analyses]
        )
        return HTMLBlock(
            join(parts)
            + table(
                frame,
                columns,
                "Honest gap (£m) and rating of every footprint, by scenario",
                css="small",
            )
        )

    def provenance(self) -> HTMLBlock:
        return provenance(self.ctx, None)

    def _title(self, name: str) -> str:
        return next((s.title for s in self.scenarios if s.name == name), name)
