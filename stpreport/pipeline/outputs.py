"""What a build writes besides the briefings: summary tables, the index, the figures' copy."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from stpreport.analysis import SUMMARY_COLUMNS, Analysis
from stpreport.atomic import write_atomic
from stpreport.briefing.html import Col, esc, illustrative_notice, money_col, percent_col, table
from stpreport.briefing.stylesheet import CSS
from stpreport.formatting import clip
from stpreport.inputs import Figures
from stpreport.pipeline.plan import NATIONAL

SNAPSHOT = "figures"


def summary_frame(analysis: Analysis) -> pd.DataFrame:
    frame = analysis.summary.reset_index()
    return frame[SUMMARY_COLUMNS]


def write_summaries(folder: Path, analysis: Analysis) -> None:
    frame = summary_frame(analysis)
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
        text = getattr(figures, name).to_csv(index=False, lineterminator="\n",
                                              float_format="%.17g")
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
    national = _status(runs.get(NATIONAL))
    links = " · ".join(f'<a href="{NATIONAL}.{f}">{f.upper()}</a>' for f in formats)
    notice = illustrative_notice() if analysis.national["totals"]["illustrative"] else ""
    page = (f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
            f"<title>STP briefings, edition {esc(edition)}</title><style>{CSS}</style></head>"
            f"<body><main><h1>STP briefings, edition {esc(edition)}</h1>{notice}"
            f"<h2>National briefing</h2><p>{links} ({esc(national)})</p>"
            f"<h2>Footprint packs</h2>"
            + table(frame, columns, f"{len(frame)} footprints", css="league")
            + "</main></body></html>\n")
    write_atomic(folder / "index.html", page)


def _status(entry: dict | None) -> str:
    if entry is None:
        return "not built"
    if entry.get("status") == "ok":
        return "ok"
    return "failed: showing last good pack (stale)" if entry.get("good") else "failed"
