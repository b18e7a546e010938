"""Charts as SVG in one house style: NHS blues with an orange that stays distinct in
greyscale and for colour-blind readers; hatching where colour alone would carry meaning.

One SVG serves the HTML page and the PDF. Its size and type are set for the smallest screen:
a chart is WIDTH inches wide (its viewBox is WIDTH x 72 units) and no text is smaller than
MIN_TEXT, so on a 390 px phone, where the chart is scaled to about PHONE_PX wide, text is at
least 11 px. Every colour that carries meaning has at least 3:1 contrast on white (WCAG 2.1
1.4.11). New charts: start from `_figure`, use the palette and sizes below, and put x labels
through `fit_x_labels`, the title through `set_title` and any legend through `legend_below`.
Each chart function is `cached` (`chart_cache.py`): a chart already drawn from the same inputs
is read back, checked, instead of drawn again."""

from __future__ import annotations

import hashlib
import io
import itertools
import re
import textwrap
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, MaxNLocator

from stpreport.briefing.chart_cache import cached

# Contrast on white in brackets (WCAG 2.1 asks 3:1 of graphics).
NHS_BLUE = "#005EB8"  # (6.4:1)
DARK_BLUE = "#003087"  # (11.9:1)
LIGHT_BLUE = "#0072CE"  # NHS bright blue (4.9:1); was #41B6E6 (2.3:1)
GREY = "#768692"  # (3.8:1)
DARK_GREY = "#425563"  # (7.8:1)
ORANGE = "#D5681B"  # a darker NHS orange (3.6:1; #ED8B00 was 2.5:1): lighter than NHS blue
#                     in greyscale, distinct from it for all common colour-vision deficiencies
PALE = "#E8EDEE"  # gridlines and fills only: carries no meaning
PALETTE = (NHS_BLUE, DARK_BLUE, LIGHT_BLUE, GREY, DARK_GREY, ORANGE)
"""Every colour that marks data; tests hold each to 3:1 on white."""

WIDTH = 5.0
"""Chart width in inches: the SVG's viewBox is 360 units wide."""
MIN_TEXT = 11
"""Smallest text in a chart, in points (= viewBox units): at least 11 px on a 390 px phone."""
PHONE_PX = 366
"""The width a chart is shown at on a 390 px wide phone (the page's padding taken off)."""

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": MIN_TEXT,
    "axes.titlesize": MIN_TEXT + 1,
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
    "xtick.labelsize": MIN_TEXT,
    "ytick.labelsize": MIN_TEXT,
    "legend.fontsize": MIN_TEXT,
    "axes.labelsize": MIN_TEXT,
    "figure.titlesize": MIN_TEXT + 1,
    "figure.titleweight": "bold",
    "figure.constrained_layout.use": True,  # a fixed width: no "tight" bbox to grow it
}

SESSION_SETTINGS = frozenset(
    {
        "backend", "backend_fallback", "date.epoch", "docstring.hardcopy",
        "figure.max_open_warning", "figure.raise_window", "interactive", "savefig.directory",
        "timezone", "tk.window_focus", "toolbar", "webagg.address", "webagg.open_in_browser",
        "webagg.port", "webagg.port_retries",
    }
)  # fmt: skip
"""Settings about the session, not the look (those `matplotlib.style` leaves alone too)."""
HOUSE = {
    **{k: v for k, v in matplotlib.rcParamsDefault.items() if k not in SESSION_SETTINGS},
    **STYLE,
}
"""Every chart is drawn from matplotlib's own defaults and the house style, not from the
settings of the machine it is built on: a `matplotlibrc` in the user's configuration (line
widths, the minus sign, hatch widths...) would otherwise change the charts, and so the
briefings' bytes, from one machine to the next."""


def _house_style():
    return plt.rc_context(HOUSE)


_money_axis = FuncFormatter(lambda v, _: f"£{v:,.0f}m")


def _svg(fig) -> str:
    for text in fig.findobj(Text):  # no text under MIN_TEXT, even if a chart asked for it
        if text.get_fontsize() < MIN_TEXT:
            text.set_fontsize(MIN_TEXT)
    _lay_out_once(fig)
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    text = buffer.getvalue()
    text = text[text.index("<svg") :]  # drop the XML prolog and doctype: inline in HTML
    text = _METADATA.sub("", text)  # RDF metadata: nothing a reader needs, and URLs
    return _unique_ids(text)


def _lay_out_once(fig) -> None:
    """Lay the figure out as `savefig` would, then switch its layout engine off, so that
    `savefig` draws the chart once instead of twice (a draw with its output switched off to
    place the constrained layout, then the real one): 15 ms of each chart's 65. The layout is
    measured as `savefig` measures it, by the SVG renderer at 72 dpi, so the bytes written are
    the same."""
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    engine = fig.get_layout_engine()
    if engine is None:
        return
    FigureCanvasSVG(fig)  # the figure's canvas: text measured by the renderer that writes it
    dpi = fig.dpi
    engine.execute(fig)
    with matplotlib.rc_context(
        {"figure.autolayout": False, "figure.constrained_layout.use": False}
    ):
        fig.set_layout_engine(None)  # no engine ("none" keeps a placeholder, still drawn for)
    fig.dpi = dpi


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
    return re.sub(
        r'(url\(#|href="#)([^")]+)',
        lambda m: m.group(1) + (prefix + m.group(2) if m.group(2) in ids else m.group(2)),
        svg,
    )


def _figure(width: float = WIDTH, height: float = 3.4):
    with _house_style():
        return plt.subplots(figsize=(width, height))


def _overlapping(fig, labels) -> bool:
    """Whether any two tick labels' drawn boxes overlap (measured, not guessed)."""
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in labels if t.get_text()]
    return any(a.x1 + 2 > b.x0 for a, b in itertools.pairwise(sorted(boxes, key=lambda b: b.x0)))


def fit_x_labels(fig, ax, labels: Sequence[str], wrap: int = 11) -> None:
    """Category labels under the x axis that never overlap: wrapped on up to three lines if
    they fit so; otherwise turned upright, one line each (a long name is shortened), and the
    figure made taller by their length so the plot keeps its height."""
    positions = list(range(len(labels)))
    ax.set_xticks(positions, [_wrap(label, wrap) for label in labels])
    if _overlapping(fig, ax.get_xticklabels()):
        ax.set_xticks(positions, [_shorten(label, 30) for label in labels], rotation=90)
        renderer = fig.canvas.get_renderer()
        tallest = max(t.get_window_extent(renderer).height for t in ax.get_xticklabels())
        fig.set_figheight(fig.get_figheight() + tallest / fig.dpi)


def set_title(fig, title: str) -> None:
    """The chart's title across the whole figure (not just the axes, whose left edge moves
    with the labels), wrapped on up to two lines so it is never cut off."""
    fig.suptitle(_wrap(title, 44, 2), x=0.01, ha="left")


def legend_below(fig, ax) -> None:
    """The legend under the plot, where it can never cover a line or bar."""
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=3, frameon=False)


@cached
def trajectory_chart(
    years: Sequence[str], cost: Sequence[float], funding: Sequence[float], title: str
) -> str:
    with _house_style():
        fig, ax = _figure()
        ax.plot(years, cost, color=NHS_BLUE, marker="o", label="Cost if nothing changes")
        ax.plot(years, funding, color=ORANGE, marker="s", linestyle="--", label="Funding")
        # areas are hatched with lines: matplotlib writes a dotted hatch as some 4,000 curve
        # segments per chart (68 KB of each chart's SVG, twice each page's size)
        ax.fill_between(
            years,
            funding,
            cost,
            facecolor=PALE,
            edgecolor=LIGHT_BLUE,
            hatch="\\\\",
            linewidth=0,
            label="Gap",
        )
        set_title(fig, title)
        ax.set_xlabel("Financial year")
        ax.set_ylabel("£m (2016/17 prices)")
        ax.yaxis.set_major_formatter(_money_axis)
        legend_below(fig, ax)
        return _svg(fig)


@cached
def bridge_chart(labels: Sequence[str], steps: Sequence[float], title: str) -> str:
    """Waterfall: the first value is the starting gap, the middle ones are signed changes
    (positive: costs added to the gap, grey cross-hatched; negative: savings, blue), the last
    bar is the resulting honest gap (orange, hatched)."""
    with _house_style():
        fig, ax = _figure(WIDTH, 4.2)
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
        ax.bar(
            x,
            heights,
            bottom=bottoms,
            color=colours,
            hatch=hatches,
            edgecolor=DARK_GREY,
            linewidth=0.5,
        )
        set_title(fig, title)
        ax.set_xlabel(
            "From the do-nothing gap, with the costs the plan\nleaves out, through "
            "expected savings, to the honest gap"
        )
        ax.set_ylabel("£m")
        ax.yaxis.set_major_formatter(_money_axis)
        ax.axhline(0, color=DARK_GREY, linewidth=0.6)
        fit_x_labels(fig, ax, labels)
        return _svg(fig)


@cached
def paired_bars(
    labels: Sequence[str],
    first: Sequence[float],
    second: Sequence[float],
    names: tuple[str, str],
    title: str,
    xlabel: str,
    *,
    horizontal: bool = False,
    height: float = 3.4,
) -> str:
    """Two bars per label (e.g. planned against expected): blue solid, orange hatched."""
    with _house_style():
        if horizontal:  # two lines of label text per bar pair
            height = max(height, 0.42 * len(labels) + 1.2)
        fig, ax = _figure(WIDTH, height)
        positions = list(range(len(labels)))
        width = 0.4
        left = [p - width / 2 for p in positions]
        right = [p + width / 2 for p in positions]
        draw = ax.barh if horizontal else ax.bar
        draw(left, first, width, color=NHS_BLUE, label=names[0])
        draw(right, second, width, color=ORANGE, hatch="//", edgecolor="white", label=names[1])
        if horizontal:
            ax.set_yticks(positions, [_wrap(label, 22, 2) for label in labels])
            ax.invert_yaxis()
            ax.xaxis.set_major_formatter(_money_axis)
            ax.xaxis.set_major_locator(MaxNLocator(4))  # wide money labels: few of them
            ax.set_xlabel(xlabel)
            ax.grid(axis="x", color=PALE)
            ax.grid(axis="y", visible=False)
        else:
            fit_x_labels(fig, ax, labels)
            ax.yaxis.set_major_formatter(_money_axis)
            ax.set_ylabel("£m")
            ax.set_xlabel(xlabel)
        set_title(fig, title)
        legend_below(fig, ax)
        return _svg(fig)


@cached
def ranked_bars(
    labels: Sequence[str],
    values: Sequence[float],
    title: str,
    xlabel: str,
    highlight: Sequence[bool] | None = None,
    unit: str = "£",
) -> str:
    """Horizontal bars, one per label, largest first; highlighted bars hatched in orange."""
    with _house_style():
        fig, ax = _figure(WIDTH, max(2.0, 0.21 * len(labels) + 1.1))
        highlight = highlight or [False] * len(labels)
        colours = [ORANGE if h else NHS_BLUE for h in highlight]
        hatches = ["//" if h else "" for h in highlight]
        ax.barh(range(len(labels)), values, color=colours, hatch=hatches, edgecolor="white")
        ax.set_yticks(range(len(labels)), [_shorten(label, 26) for label in labels])
        ax.invert_yaxis()
        set_title(fig, title)
        ax.set_xlabel(xlabel)
        ax.grid(axis="x", color=PALE)
        ax.grid(axis="y", visible=False)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{unit}{v:,.0f}"))
        ax.xaxis.set_major_locator(MaxNLocator(5))
        return _svg(fig)


@cached
def histogram(values: Sequence[float], bins: Sequence[float], title: str, xlabel: str) -> str:
    with _house_style():
        fig, ax = _figure(WIDTH, 3.0)
        ax.hist(values, bins=bins, color=NHS_BLUE, edgecolor="white")
        set_title(fig, title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("Footprints")
        return _svg(fig)


def _shorten(text: str, width: int) -> str:
    """A label on one line of at most `width` characters."""
    return textwrap.shorten(str(text), width, placeholder=" …")


def _wrap(text: str, width: int = 16, lines: int = 3) -> str:
    """A label on at most `lines` lines of about `width` characters."""
    return textwrap.fill(str(text), width, max_lines=lines, placeholder=" …")


@cached
def fan_chart(
    years: Sequence[str],
    p10: Sequence[float],
    p50: Sequence[float],
    p90: Sequence[float],
    planned_gap: Sequence[float],
    title: str,
) -> str:
    """The honest gap year by year: the central 80% of the draws as a band, the median as a
    line, and (dashed) the gap left if every planned saving were delivered."""
    with _house_style():
        fig, ax = _figure(WIDTH, 3.8)
        ax.fill_between(
            years,
            p10,
            p90,
            facecolor=PALE,
            edgecolor=LIGHT_BLUE,
            hatch="\\\\",
            linewidth=0,
            label="80% of outcomes",
        )
        ax.plot(years, p50, color=NHS_BLUE, marker="o", label="Median")
        ax.plot(years, planned_gap, color=ORANGE, marker="s", linestyle="--", label="As planned")
        ax.axhline(0, color=DARK_GREY, linewidth=0.6)
        set_title(fig, title)
        ax.set_xlabel("Financial year")
        ax.set_ylabel("£m (2016/17 prices)")
        ax.yaxis.set_major_formatter(_money_axis)
        ax.yaxis.set_major_locator(MaxNLocator(5))
        legend_below(fig, ax)
        return _svg(fig)


@cached
def tornado(
    labels: Sequence[str], low: Sequence[float], high: Sequence[float], base: float, title: str
) -> str:
    """Each assumption's swing of the honest gap about `base`: the low end of its range solid
    blue, the high end hatched orange; largest swing at the top."""
    with _house_style():
        fig, ax = _figure(WIDTH, max(2.5, 0.5 * len(labels) + 1.4))
        y = list(range(len(labels)))
        ax.barh(y, [v - base for v in low], left=base, color=NHS_BLUE, label="Low end")
        ax.barh(
            y,
            [v - base for v in high],
            left=base,
            color=ORANGE,
            hatch="//",
            edgecolor="white",
            label="High end",
        )
        ax.axvline(base, color=DARK_GREY, linewidth=0.8)
        ax.set_yticks(y, [_wrap(label, 20, 2) for label in labels])
        ax.invert_yaxis()
        set_title(fig, title)
        ax.set_xlabel("Honest gap in 2020/21, £m")
        ax.xaxis.set_major_formatter(_money_axis)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.grid(axis="x", color=PALE)
        ax.grid(axis="y", visible=False)
        legend_below(fig, ax)
        return _svg(fig)
