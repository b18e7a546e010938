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
    """£ per head, whole pounds: per_head(216.15) == '£216' (the caller says "per head")."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    sign = "-" if round(value) < 0 else ""
    return f"{sign}£{abs(value):,.0f}"


def pp(delta: float, digits: int = 1) -> str:
    """A difference of two shares in percentage points: pp(0.004) == '0.4pp'."""
    return f"{delta * 100:.{digits}f}pp"


def chance(p: float) -> str:
    """A probability in words a reader will not misread: 'below 1%' rather than '0%',
    'above 99%' rather than '100%'."""
    if p < 0.01:
        return "below 1%"
    if p > 0.99:
        return "above 99%"
    return percent(p)


def rounded_parts(parts: list[float], digits: int = 0) -> list[float]:
    """`parts` rounded to `digits` so that they add up to their rounded total (largest
    remainder): rounded_parts([1.4, 1.4, 1.2]) == [2.0, 1.0, 1.0] (total 4)."""
    scale = 10**digits
    scaled = [p * scale for p in parts]
    target = round(sum(scaled))
    floors = [math.floor(v) for v in scaled]
    short = target - sum(floors)
    order = sorted(range(len(parts)), key=lambda i: (-(scaled[i] - floors[i]), i))
    for i in order[:short]:
        floors[i] += 1
    return [f / scale for f in floors]


def percent(share: float, digits: int = 0) -> str:
    """A share as a percentage: percent(0.256) == '26%'."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "n/a"
    return f"{share * 100:.{digits}f}%"
