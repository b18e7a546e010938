"""What a build publishes besides the briefings: summary tables, the index, the figures' copy.

Each function returns ``{file name: bytes}`` and writes nothing: the edition (`edition.py`)
writes them, as it writes everything in its folder."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd

from stpreport import __version__
from stpreport.analysis import SUMMARY_COLUMNS, Analysis
from stpreport.briefing.html import Col, money_col, table
from stpreport.briefing.pages import edition_index_page
from stpreport.cells import neutralise_frame
from stpreport.formatting import chance, clip
from stpreport.inputs import Figures
from stpreport.pipeline.edition import INDEX, SNAPSHOT_TABLES, SUMMARY_CSV, SUMMARY_XLSX
from stpreport.pipeline.plan import NATIONAL, SCENARIOS


def summary_frame(analysis: Analysis) -> pd.DataFrame:
    frame = analysis.summary.reset_index()
    return frame[SUMMARY_COLUMNS]


def summary_files(analysis: Analysis, build_date: str) -> dict[str, bytes]:
    """summary.csv and summary.xlsx: one row per footprint. The workbook is written by
    XlsxWriter (its import is a tenth of openpyxl's) with every string written as text, never
    as a formula, link or number, and is the same bytes for the same analysis and build date
    (ISO): its parts carry XlsxWriter's fixed time stamp and the build date as created."""
    files = {}
    frame = neutralise_frame(summary_frame(analysis))  # no text a spreadsheet would run
    files[SUMMARY_CSV] = frame.to_csv(index=False, lineterminator="\n", float_format="%.6f").encode(
        "utf-8"
    )
    notes = pd.DataFrame({"note": list(SUMMARY_NOTES)})
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs=XLSX_OPTIONS) as writer:
        writer.book.set_properties({"created": dt.datetime.fromisoformat(build_date)})
        frame.to_excel(writer, sheet_name="summary", index=False)
        notes.to_excel(writer, sheet_name="notes", index=False)
    files[SUMMARY_XLSX] = buffer.getvalue()
    return files


SUMMARY_NOTES = (
    "One row per footprint. Money in £m at 2016/17 prices; p_balance is a probability; "
    "honest_gap_share and coverage are shares.",
    "illustrative = TRUE where any figure behind the row is invented for illustration.",
)
XLSX_OPTIONS = {
    "options": {
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
    }
}
"""XlsxWriter would otherwise write a string that starts with `=` as a formula and one that
looks like a URL as a live link: every string is written as the text it is (and text that a
spreadsheet would run is neutralised first, `cells.py`)."""


def snapshot_files(figures: Figures) -> dict[str, bytes]:
    """A copy of the figures as CSV, so later editions can say which figures changed."""
    files = {}
    for name in SNAPSHOT_TABLES:
        frame = neutralise_frame(getattr(figures, name))  # read back by inputs, restored
        text = frame.to_csv(index=False, lineterminator="\n", float_format="%.17g")
        files[f"{name}.csv"] = text.encode("utf-8")
    return files


def index_file(
    analysis: Analysis, runs: dict[str, dict], edition: str, formats: tuple[str, ...]
) -> dict[str, bytes]:
    frame = summary_frame(analysis)
    frame["status"] = [_status(runs.get(code)) for code in frame["code"]]
    columns = [
        Col("code", "Code", nowrap=True),
        Col(
            "name",
            "Footprint",
            clip,
            href=(lambda r: f"{r['code']}.html") if "html" in formats else None,
        ),
        Col("region", "Region", clip, nowrap=True),
        money_col("honest_gap", "Honest gap"),
        Col("p_balance", "Chance it balances", chance, True),
        Col("rating", "Rating", nowrap=True),
        Col("nhse_rating", "NHS England 2017", nowrap=True),
        Col("status", "Status", nowrap=True),
    ]
    if "pdf" in formats:
        columns.append(Col("code", "PDF", lambda c: "PDF", href=lambda r: f"{r['code']}.pdf"))
    page = edition_index_page(
        edition=edition,
        packs=table(frame, columns, f"{len(frame)} footprints", css="league"),
        national_links=[(f.upper(), f"{NATIONAL}.{f}") for f in formats]
        + [
            (f"Scenarios compared ({f.upper()})", f"{SCENARIOS}.{f}")
            for f in formats
            if SCENARIOS in runs
        ],
        national_status=_status(runs.get(NATIONAL)),
        illustrative=bool(analysis.national["totals"]["illustrative"]),
        version=__version__,
    )
    return {INDEX: page.encode("utf-8") if isinstance(page, str) else page}


def _status(entry: dict | None) -> str:
    if entry is None:
        return "not built"
    if entry.get("status") == "ok":
        return "ok"
    return "failed: showing last good pack (stale)" if entry.get("good") else "failed"
