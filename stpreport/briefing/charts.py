"""Charts as SVG in one house style: NHS blues with an orange that stays distinct in
greyscale and for colour-blind readers; hatching where colour alone would carry meaning."""

from __future__ import annotations

import hashlib
import io
import re
import textwrap
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter

NHS_BLUE = "#005EB8"
DARK_BLUE = "#003087"
LIGHT_BLUE = "#41B6E6"
GREY = "#768692"
DARK_GREY = "#425563"
ORANGE = "#ED8B00"  # lighter than NHS blue in greyscale, distinct from it for all common CVD
PALE = "#E8EDEE"

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.edgecolor": DARK_GREY,
    "axes.labelcolor": DARK_GREY,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": PALE,
    "xtick.color": DARK_GREY,
    "ytick.color": DARK_GREY,
    "svg.fonttype": "none",  # text stays text: searchable, small, rendered by the page's fonts
    "svg.hashsalt": "stpreport",  # stable element ids: byte-identical output
    "text.parse_math": False,  # '$' in a scheme name is a dollar sign, not mathematics
    "figure.dpi": 100,
}

_money_axis = FuncFormatter(lambda v, _: f"£{v:,.0f}m")


def _svg(fig) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None},
                bbox_inches="tight")
    plt.close(fig)
    text = buffer.getvalue()
    text = text[text.index("<svg"):]  # drop the XML prolog and doctype: inline in HTML
    text = _METADATA.sub("", text)  # RDF metadata: nothing a reader needs, and URLs
    return _unique_ids(text)


_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_ID = re.compile(r'\bid="([^"]+)"')


def _unique_ids(svg: str) -> str:
    """Prefix every id (and every reference to one) with a hash of the chart, so that several
    charts inlined in one page never share an id, and the same chart always gets the same."""
    prefix = "c" + hashlib.sha256(svg.encode("utf-8")).hexdigest()[:8] + "-"
    ids = set(_ID.findall(svg))
    if not ids:
        return svg

    def rename(match: re.Match) -> str:
        whole, name = match.group(0), match.group(1)
        return whole.replace(name, prefix + name) if name in ids else whole

    svg = _ID.sub(rename, svg)
    return re.sub(r'(url\(#|href="#)([^")]+)', lambda m: m.group(1) + (
        prefix + m.group(2) if m.group(2) in ids else m.group(2)), svg)


def _figure(width: float = 6.6, height: float = 3.0):
    with plt.rc_context(STYLE):
        return plt.subplots(figsize=(width, height))


def trajectory_chart(years: Sequence[str], cost: Sequence[float], funding: Sequence[float],
                     title: str) -> str:
    with plt.rc_context(STYLE):
        fig, ax = _figure()
        ax.plot(years, cost, color=NHS_BLUE, marker="o", label="Cost if nothing changes")
        ax.plot(years, funding, color=ORANGE, marker="s", linestyle="--", label="Funding")
        ax.fill_between(years, funding, cost, color=LIGHT_BLUE, alpha=0.25, label="Gap")
        ax.set_title(title)
        ax.set_xlabel("Financial year")
        ax.set_ylabel("£m (2016/17 prices)")
        ax.yaxis.set_major_formatter(_money_axis)
        ax.legend(frameon=False, loc="upper left")
        return _svg(fig)


def bridge_chart(labels: Sequence[str], steps: Sequence[float], title: str) -> str:
    """Waterfall: the first value is the starting gap, the middle ones are signed changes
    (positive: costs added to the gap, solid dark; negative: savings, light), the last bar is
    the resulting honest gap (hatched)."""
    with plt.rc_context(STYLE):
        fig, ax = _figure(6.6, 3.4)
        running = steps[0]
        bottoms, heights, colours, hatches = [0.0], [steps[0]], [DARK_BLUE], [""]
        for step in steps[1:-1]:
            bottoms.append(running if step >= 0 else running + step)
            heights.append(abs(step))
            colours.append(GREY if step >= 0 else LIGHT_BLUE)
            hatches.append("xx" if step >= 0 else "")
            running += step
        bottoms.append(0.0)
        heights.append(steps[-1])
        colours.append(ORANGE)
        hatches.append("//")
        x = range(len(labels))
        ax.bar(x, heights, bottom=bottoms, color=colours, hatch=hatches, edgecolor=DARK_GREY,
               linewidth=0.5)
        ax.set_xticks(list(x), [_wrap(label, 14, 2) for label in labels], fontsize=7,
                      rotation=35, ha="right", rotation_mode="anchor")
        ax.set_title(title)
        ax.set_xlabel("From the do-nothing gap, with the costs the plan leaves out, through "
                      "expected savings, to the honest gap")
        ax.set_ylabel("£m")
        ax.yaxis.set_major_formatter(_money_axis)
        ax.axhline(0, color=DARK_GREY, linewidth=0.6)
        return _svg(fig)


def paired_bars(labels: Sequence[str], first: Sequence[float], second: Sequence[float],
                names: tuple[str, str], title: str, xlabel: str, *, horizontal: bool = False,
                height: float = 3.0) -> str:
    """Two bars per label (e.g. planned against expected): blue solid, orange hatched."""
    with plt.rc_context(STYLE):
        fig, ax = _figure(6.6, height)
        positions = list(range(len(labels)))
        width = 0.4
        left = [p - width / 2 for p in positions]
        right = [p + width / 2 for p in positions]
        draw = ax.barh if horizontal else ax.bar
        draw(left, first, width, color=NHS_BLUE, label=names[0])
        draw(right, second, width, color=ORANGE, hatch="//", edgecolor="white", label=names[1])
        wrapped = [_wrap(label, 28 if horizontal else 16) for label in labels]
        if horizontal:
            ax.set_yticks(positions, wrapped, fontsize=7)
            ax.invert_yaxis()
            ax.xaxis.set_major_formatter(_money_axis)
            ax.set_xlabel(xlabel)
            ax.grid(axis="x", color=PALE)
            ax.grid(axis="y", visible=False)
        else:
            ax.set_xticks(positions, wrapped, fontsize=7)
            ax.yaxis.set_major_formatter(_money_axis)
            ax.set_ylabel("£m")
            ax.set_xlabel(xlabel)
        ax.set_title(title)
        ax.legend(frameon=False)
        return _svg(fig)


def ranked_bars(labels: Sequence[str], values: Sequence[float], title: str, xlabel: str,
                highlight: Sequence[bool] | None = None, unit: str = "£") -> str:
    """Horizontal bars, one per label, largest first; highlighted bars hatched in orange."""
    with plt.rc_context(STYLE):
        fig, ax = _figure(6.6, max(2.0, 0.17 * len(labels) + 0.8))
        highlight = highlight or [False] * len(labels)
        colours = [ORANGE if h else NHS_BLUE for h in highlight]
        hatches = ["//" if h else "" for h in highlight]
        ax.barh(range(len(labels)), values, color=colours, hatch=hatches, edgecolor="white")
        ax.set_yticks(range(len(labels)), [_shorten(label, 52) for label in labels], fontsize=6.5)
        ax.invert_yaxis()
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.grid(axis="x", color=PALE)
        ax.grid(axis="y", visible=False)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{unit}{v:,.0f}"))
        return _svg(fig)


def histogram(values: Sequence[float], bins: Sequence[float], title: str, xlabel: str) -> str:
    with plt.rc_context(STYLE):
        fig, ax = _figure(6.6, 2.6)
        ax.hist(values, bins=bins, color=NHS_BLUE, edgecolor="white")
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("Footprints")
        return _svg(fig)


def _shorten(text: str, width: int) -> str:
    """A label on one line of at most `width` characters."""
    return textwrap.shorten(str(text), width, placeholder=" …")


def _wrap(text: str, width: int = 16, lines: int = 3) -> str:
    """A label on at most `lines` lines of about `width` characters."""
    return textwrap.fill(str(text), width, max_lines=lines, placeholder=" …")


def fan_chart(years: Sequence[str], p10: Sequence[float], p50: Sequence[float],
              p90: Sequence[float], planned_gap: Sequence[float], title: str) -> str:
    """The honest gap year by year: the central 80% of the draws as a band, the median as a
    line, and (dashed) the gap left if every planned saving were delivered."""
    with plt.rc_context(STYLE):
        fig, ax = _figure(6.6, 3.0)
        ax.fill_between(years, p10, p90, color=LIGHT_BLUE, alpha=0.35,
                        label="Honest gap, 80% of outcomes")
        ax.plot(years, p50, color=NHS_BLUE, marker="o", label="Honest gap, median")
        ax.plot(years, planned_gap, color=ORANGE, marker="s", linestyle="--",
                label="If every planned saving were delivered")
        ax.axhline(0, color=DARK_GREY, linewidth=0.6)
        ax.set_title(title)
        ax.set_xlabel("Financial year")
        ax.set_ylabel("£m (2016/17 prices)")
        ax.yaxis.set_major_formatter(_money_axis)
        ax.legend(frameon=False, loc="upper left", fontsize=7)
        return _svg(fig)


def tornado(labels: Sequence[str], low: Sequence[float], high: Sequence[float], base: float,
            title: str) -> str:
    """Each assumption's swing of the honest gap about `base`: the low end of its range solid
    blue, the high end hatched orange; largest swing at the top."""
    with plt.rc_context(STYLE):
        fig, ax = _figure(6.6, max(2.0, 0.32 * len(labels) + 0.9))
        y = list(range(len(labels)))
        ax.barh(y, [v - base for v in low], left=base, color=NHS_BLUE,
                label="Low end of the range")
        ax.barh(y, [v - base for v in high], left=base, color=ORANGE, hatch="//",
                edgecolor="white", label="High end of the range")
        ax.axvline(base, color=DARK_GREY, linewidth=0.8)
        ax.set_yticks(y, [_wrap(label, 30) for label in labels], fontsize=7)
        ax.invert_yaxis()
        ax.set_title(title)
        ax.set_xlabel("Honest gap in 2020/21, £m")
        ax.xaxis.set_major_formatter(_money_axis)
        ax.grid(axis="x", color=PALE)
        ax.grid(axis="y", visible=False)
        ax.legend(frameon=False, fontsize=7, loc="lower right")
        return _svg(fig)
