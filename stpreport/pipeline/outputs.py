"""What a build publishes besides the briefings: summary tables, the index, the figures' copy.

Each function returns ``{file name: bytes}`` and writes nothing: the edition (`edition.py`)
writes them, as it writes everything in its folder."""

from __future__ import annotations

import io

import pandas as pd

from stpreport.analysis import SUMMARY_COLUMNS, Analysis
from stpreport.briefing.html import Col, esc, illustrative_notice, money_col, percent_col, table
from stpreport.briefing.stylesheet import CSS
from stpreport.formatting import clip
from stpreport.inputs import Figures
from stpreport.pipeline.edition import INDEX, SNAPSHOT_TABLES, SUMMARY_CSV, SUMMARY_XLSX
from stpreport.pipeline.plan import NATIONAL


def summary_frame(analysis: Analysis) -> pd.DataFrame:
    frame = analysis.summary.reset_index()
    return frame[SUMMARY_COLUMNS]


def summary_files(analysis: Analysis) -> dict[str, bytes]:
    files = {}
    frame = summary_frame(analysis)
    files[SUMMARY_CSV] = frame.to_csv(index=False, lineterminator="\n",
                                      float_format="%.6f").encode("utf-8")
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name="summary", index=False)
        notes = pd.DataFrame({"note": [
            "One row per footprint. Money in £m at 2016/17 prices; p_balance is a probability.",
            "illustrative = TRUE where any figure behind the row is invented for illustration."]})
        notes.to_excel(writer, sheet_name="notes", index=False)
    files[SUMMARY_XLSX] = buffer.getvalue()
    return files


def snapshot_files(figures: Figures) -> dict[str, bytes]:
    """A copy of the figures as CSV, so later editions can say which figures changed."""
    files = {}
    for name in SNAPSHOT_TABLES:
        text = getattr(figures, name).to_csv(index=False, lineterminator="\n",
                                              float_format="%.17g")
        files[f"{name}.csv"] = text.encode("utf-8")
    return files


def index_file(analysis: Analysis, runs: dict[str, dict], edition: str,
               formats: tuple[str, ...]) -> dict[str, bytes]:
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
    return {INDEX: page.encode("utf-8")}


def _status(entry: dict | None) -> str:
    if entry is None:
        return "not built"
    if entry.get("status") == "ok":
        return "ok"
    return "failed: showing last good pack (stale)" if entry.get("good") else "failed"
