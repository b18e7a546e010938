"""Numbers in words: one way to write money and shares everywhere."""

from __future__ import annotations

import math


def clip(text: object, limit: int = 120) -> str:
    """Text as shown where space is short (a title, a header, a table cell): whole up to
    `limit` characters, else cut with its full length said, so nothing is silently lost."""
    text = str(text)
    if len(text) <= limit:
        return text
    return f"{text[:limit].rstrip()}… ({len(text):,} characters)"


def money(value: float, digits: int = 0) -> str:
    """£m with thousands separators, rounded consistently: money(1234.5) == '£1,235m'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    rounded = round(float(value), digits)
    if rounded == 0:
        rounded = 0.0  # no "-£0m"
    sign = "-" if rounded < 0 else ""
    return f"{sign}£{abs(rounded):,.{digits}f}m"


def per_head(value: float) -> str:
    """£ a head, whole pounds: per_head(216.15) == '£216'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"£{value:,.0f}"


def percent(share: float, digits: int = 0) -> str:
    """A share as a percentage: percent(0.256) == '26%'."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "n/a"
    return f"{share * 100:.{digits}f}%"
