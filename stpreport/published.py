"""Figures published per footprint (stated gaps, NHS England's July 2017 ratings, populations,
capital awards), bundled from shared/data/stp_published.csv with their sources.

They are reference data about the 44 real footprints, whatever figures a build is given: a
briefing shows them beside its own numbers, with source and confidence, and the generator of
the illustrative figures uses them wherever they exist. Read as text and numbers only."""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from stpreport.paths import PACKAGE_DIR

PUBLISHED_CSV = PACKAGE_DIR / "data" / "reference" / "stp_published.csv"
DASHBOARD_BANDS = {
    1: "outstanding",
    2: "advanced",
    3: "making progress",
    4: "needs most improvement",
}
"""NHS England's STP progress dashboard, July 2017: the band number in the CSV and its name."""
FIELD_LABELS = {
    "stated_gap_2020_21": "Stated 2020/21 gap",
    "dashboard_rating_2017": "NHS England rating, July 2017",
    "population": "Population",
    "capital_award_2017": "Capital award, July 2017",
    "allocation": "Stated annual spend",
    "other": "Other published figure",
}
COLUMNS = [
    "code",
    "name",
    "field",
    "value",
    "unit",
    "basis",
    "source_title",
    "source_url",
    "confidence",
    "note",
]


@lru_cache(maxsize=1)
def published_figures() -> pd.DataFrame:
    """Every published figure: one row per footprint and fact, as in the CSV."""
    frame = pd.read_csv(PUBLISHED_CSV, dtype=str, keep_default_na=False, encoding="utf-8")
    frame = frame[COLUMNS].copy()
    frame["value"] = pd.to_numeric(frame["value"], errors="raise")
    return frame


def published_for(code: str) -> pd.DataFrame:
    frame = published_figures()
    return frame[frame["code"] == code].reset_index(drop=True)


def dashboard_ratings() -> pd.Series:
    """code -> NHS England's July 2017 band name, where it was published."""
    frame = published_figures()
    rows = frame[frame["field"] == "dashboard_rating_2017"]
    return pd.Series(
        [DASHBOARD_BANDS[int(v)] for v in rows["value"]], index=rows["code"], dtype=object
    )
