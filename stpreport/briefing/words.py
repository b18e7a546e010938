"""Numbers put into sentences, the same way everywhere: a signed amount is never written as
"-£14m more" but as "£14m less"."""

from __future__ import annotations

from stpreport.formatting import money


def more_or_less(value: float, *, more: str = "more", less: str = "less",
                 digits: int = 0) -> str:
    """'£14m more' for 14, '£14m less' for -14, '£0m more' for nothing: the amount always
    positive, the direction in the word."""
    amount = money(abs(value), digits)
    return f"{amount} {less if round(value, digits) < 0 else more}"
