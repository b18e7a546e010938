"""Charts drawn once per set of inputs: a chart whose data did not change is read back.

Drawing a chart is half of what a pack's cells cost (matplotlib's layout and SVG writing:
docs/performance.md). A one-footprint change rebuilds packs whose charts did not change
(their rank among the others moved, not their numbers), and a forced build of the same
figures draws every chart again. So each chart function (`charts.py`) is wrapped: its SVG is
kept in the analysis cache's folder (`cache.charts_dir()`, outside every edition; pruned with
it) under the
SHA-256 of what determines it: the function, its arguments, the source of the chart code,
and the versions of matplotlib, NumPy and Python. Nothing else of the machine reaches a chart
(it is drawn from matplotlib's defaults, not a local matplotlibrc: `charts.HOUSE`), so the
same inputs give the same bytes, whether drawn or read back.

Never trusted: an entry is used only if its header names its key, the SHA-256 of its body
matches, and the body is an SVG of the kind matplotlib writes for these charts (`safe`): only
the elements and attributes they use, references only inside the chart (`#id`), no script,
no event handler, no comment, processing instruction, CDATA or document type, and a style
sheet of plain declarations. A chart is put into the page as markup, so a planted or damaged
entry must not be able to add anything else; one that fails a check is drawn again and
rewritten. Arguments the key cannot state exactly (anything but numbers, strings, booleans,
None, and lists, tuples and dicts of them) are not cached: the chart is drawn.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FORMAT = "stpreport-chart/1"
SVG = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
ELEMENTS = frozenset(
    SVG + tag
    for tag in (
        "svg", "g", "defs", "style", "path", "text", "tspan", "use", "rect", "clipPath",
        "pattern", "line", "polyline", "polygon", "circle", "ellipse", "title", "desc",
    )
)  # fmt: skip
ATTRIBUTES = frozenset(
    {
        "clip-path", "d", "fill", "height", "id", "patternUnits", "style", "transform",
        "type", "version", "viewBox", "width", "x", "y", "x1", "x2", "y1", "y2", "cx", "cy",
        "r", "rx", "ry", "points", "class", "opacity", "stroke", "stroke-width",
        "text-anchor", "font-size", "font-family", "font-weight", "font-style",
        "transform-origin", "preserveAspectRatio", XLINK_HREF,
    }
)  # fmt: skip
_FUNCTION = re.compile(r"([A-Za-z_-]+)\s*\(")
FUNCTIONS = frozenset({"url", "translate", "scale", "rotate", "matrix", "rgb", "rgba"})
"""The only functions an attribute or the style sheet may call; `url` only with `#id`."""
_URL = re.compile(r"url\(([^)]*)\)")
_LOCAL = re.compile(r"#[A-Za-z0-9_.:-]+")
_STYLE_SHEET = re.compile(r"[\w\s*{}:;.,#%()-]*")  # no @import, no escapes, no comments
_MARKUP_AT_LARGE = ("<!", "<?", "]]>")  # comments, CDATA, document types, instructions


def _source_digest() -> str:
    from stpreport.briefing import charts

    digest = hashlib.sha256()
    for module in (charts, sys.modules[__name__]):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()


class _Uncacheable(Exception):
    pass


def _plain(value: Any) -> Any:
    """`value` as JSON states it exactly, or _Uncacheable."""
    if value is None or isinstance(value, (bool, str, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _plain(v) for k, v in value.items()}
    item = getattr(value, "item", None)  # a NumPy scalar
    if callable(item) and getattr(value, "shape", None) == ():
        return _plain(item())
    raise _Uncacheable(type(value).__name__)


@functools.cache
def _versions() -> list[str]:
    import matplotlib
    import numpy

    versions = (matplotlib.__version__, numpy.__version__, sys.version.split()[0])
    return [FORMAT, _source_digest(), *versions]


def key(name: str, args: tuple, kwargs: dict) -> str:
    """The SHA-256 of everything the chart depends on (_Uncacheable if an argument cannot be
    stated exactly)."""
    stated = [*_versions(), name, _plain(list(args)), _plain(kwargs)]
    text = json.dumps(stated, sort_keys=True, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def safe(svg: str) -> bool:
    """True if `svg` is a chart of the kind `charts.py` draws and nothing more."""
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    if not svg.startswith("<svg") or any(m in svg for m in _MARKUP_AT_LARGE):
        return False
    try:
        root = ElementTree.fromstring(svg, forbid_dtd=True)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        return False
    if root.tag != SVG + "svg":
        return False
    for element in root.iter():
        if element.tag not in ELEMENTS:
            return False
        for name, value in element.attrib.items():
            if name not in ATTRIBUTES or not _plain_value(value):
                return False
            if name == XLINK_HREF and not _LOCAL.fullmatch(value):
                return False
        if element.tag == SVG + "style":
            sheet = element.text or ""
            if not _STYLE_SHEET.fullmatch(sheet) or not _plain_value(sheet):
                return False
    return True


def _plain_value(value: str) -> bool:
    """No escapes or comments, only the functions in FUNCTIONS, every url() a `#id`."""
    if "\\" in value or "/*" in value:
        return False
    if any(f.lower() not in FUNCTIONS for f in _FUNCTION.findall(value)):
        return False
    urls = _URL.findall(value)
    if value.lower().count("url(") != len(urls):
        return False
    return all(_LOCAL.fullmatch(u.strip()) for u in urls)


def _folder() -> Path:
    from stpreport.pipeline.cache import charts_dir

    return charts_dir()


def _framed(chart_key: str, svg: str) -> bytes:
    """`svg` behind the analysis cache's header line (format, key, SHA-256: `cache._framed`)."""
    from stpreport.pipeline.cache import _framed

    return _framed(FORMAT, chart_key, svg.encode("utf-8"))


def _unframed(chart_key: str, data: bytes) -> str | None:
    """The chart in `data` if its header, hash and SVG all check out; None otherwise."""
    from stpreport.pipeline.cache import _unframed

    try:
        _, body = _unframed(FORMAT, chart_key, data)
        svg = body.decode("utf-8")
    except ValueError:  # a bad header or hash (JSONDecodeError), or not UTF-8
        return None
    return svg if safe(svg) else None


def read(chart_key: str) -> str | None:
    """The checked chart for `chart_key`, or None."""
    from stpreport.pipeline.cache import _read

    data = _read(_folder() / f"{chart_key}.svg")
    return None if data is None else _unframed(chart_key, data)


def write(chart_key: str, svg: str) -> None:
    """Keep `svg` (atomically, never through a link); a cache that cannot be written is
    passed over: the chart is drawn next time too."""
    from stpreport.pipeline.cache import _write

    try:
        _write(_folder() / f"{chart_key}.svg", _framed(chart_key, svg), durable=False)
    except OSError as exc:
        log.debug("could not keep a chart in the cache: %s", exc)


def cached(draw: Callable[..., str]) -> Callable[..., str]:
    """`draw` (a chart function returning SVG), read back when it has drawn the same before."""

    @functools.wraps(draw)
    def chart(*args: Any, **kwargs: Any) -> str:
        try:
            chart_key = key(draw.__qualname__, args, kwargs)
        except _Uncacheable:
            return draw(*args, **kwargs)
        svg = read(chart_key)
        if svg is None:
            svg = draw(*args, **kwargs)
            write(chart_key, svg)
        return svg

    return chart
