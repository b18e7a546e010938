"""What a build writes besides the briefings: summary tables, the index, the figures' copy."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from stpreport import __version__
from stpreport.analysis import SUMMARY_COLUMNS, Analysis
from stpreport.atomic import write_atomic
from stpreport.briefing.html import Col, money_col, percent_col, table
from stpreport.briefing.pages import edition_index_page
from stpreport.build.plan import NATIONAL
from stpreport.cells import neutralise_frame
from stpreport.formatting import clip
from stpreport.inputs import Figures

SNAPSHOT = "figures"


def summary_frame(analysis: Analysis) -> pd.DataFrame:
    frame = analysis.summary.reset_index()
    return frame[SUMMARY_COLUMNS]


def write_summaries(folder: Path, analysis: Analysis) -> None:
    frame = neutralise_frame(summary_frame(analysis))  # no text a spreadsheet would run
    write_atomic(folder / "summary.csv", frame.to_csv(index=False, lineterminator="\n",
                                                      float_format="%.6f"))
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name="summary", index=False)
        notes = pd.DataFrame({"note": [
            "One row per footprint. Money in £m at 2016/17 prices; p_balance is a probability.",
            "illustrative = TRUE where any figure behind the row is invented for illustration."]})
        notes.to_excel(writer, sheet_name="notes", index=False)
    write_atomic(folder / "summary.xlsx", buffer.getvalue())


def write_snapshot(folder: Path, figures: Figures) -> None:
    """A copy of the figures as CSV, so later editions can say which figures changed."""
    target = folder / SNAPSHOT
    for name in ("footprints", "schemes", "contracts", "sources"):
        frame = neutralise_frame(getattr(figures, name))  # read back by inputs, restored
        text = frame.to_csv(index=False, lineterminator="\n", float_format="%.17g")
        write_atomic(target / f"{name}.csv", text)


def write_index(folder: Path, analysis: Analysis, runs: dict[str, dict], edition: str,
                formats: tuple[str, ...]) -> None:
    frame = summary_frame(analysis)
    frame["status"] = [_status(runs.get(code)) for code in frame["code"]]
    columns = [
        Col("code", "Code", nowrap=True),
        Col("name", "Footprint", clip, href=(lambda r: f"{r['code']}.html")
            if "html" in formats else None),
        Col("region", "Region", clip, nowrap=True),
        money_col("honest_gap", "Honest gap"),
        percent_col("p_balance", "P(balance)"),
        Col("rating", "Rating", nowrap=True),
        Col("status", "Status", nowrap=True),
    ]
    if "pdf" in formats:
        columns.append(Col("code", "PDF", lambda c: "PDF", href=lambda r: f"{r['code']}.pdf"))
    page = edition_index_page(
        edition=edition, packs=table(frame, columns, f"{len(frame)} footprints", css="league"),
        national_links=[(f.upper(), f"{NATIONAL}.{f}") for f in formats],
        national_status=_status(runs.get(NATIONAL)),
        illustrative=bool(analysis.national["totals"]["illustrative"]), version=__version__)
    write_atomic(folder / "index.html", page)


def _status(entry: dict | None) -> str:
    if entry is None:
        return "not built"
    if entry.get("status") == "ok":
        return "ok"
    return "failed: showing last good pack (stale)" if entry.get("good") else "failed"
