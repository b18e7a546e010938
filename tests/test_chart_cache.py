"""Charts drawn once per set of inputs (`chart_cache.py`): read back to the same bytes, and
never trusted: a damaged, planted or linked entry is drawn again."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from test_typst import all_charts

from stpreport.briefing import chart_cache, charts


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("STPREPORT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "charts"


def _no_drawing(monkeypatch) -> None:
    def refuse(fig):
        raise AssertionError("drew a chart that was in the cache")

    monkeypatch.setattr(charts, "_svg", refuse)


def _bridge() -> str:
    return charts.bridge_chart(
        ["Gap", "Costs", "Savings", "Honest gap"], [300.0, 80.0, -150.0, 230.0], "B"
    )


def test_every_chart_is_read_back_to_the_same_bytes_without_drawing(cache, monkeypatch):
    drawn = all_charts()
    assert len(list(cache.glob("*.svg"))) == len(drawn)
    assert all(chart_cache.safe(svg) for svg in drawn)  # every kind of chart passes the check
    _no_drawing(monkeypatch)
    assert all_charts() == drawn


def test_a_change_in_any_argument_draws_again(cache):
    _bridge()
    charts.bridge_chart(
        ["Gap", "Costs", "Savings", "Honest gap"], [300.0, 80.0, -150.0, 230.000001], "B"
    )
    charts.bridge_chart(
        ["Gap", "Costs", "Savings", "Honest gap"], [300.0, 80.0, -150.0, 230.0], "C"
    )
    assert len(list(cache.glob("*.svg"))) == 3
    same = chart_cache.key("f", ([np.float64(1.5), np.int64(2)],), {})
    assert same == chart_cache.key("f", ([1.5, 2],), {})
    assert chart_cache.key("f", (0.0,), {}) != chart_cache.key("f", (-0.0,), {})


def test_arguments_the_key_cannot_state_are_drawn_and_not_kept(cache):
    with pytest.raises(chart_cache._Uncacheable):
        chart_cache.key("f", (object(),), {})
    calls = []

    @chart_cache.cached
    def chart(value):
        calls.append(value)
        return "<svg/>"

    chart({1: "a"})  # a dict with a number for a key
    chart({1: "a"})
    assert len(calls) == 2 and not cache.exists()


def _entry(cache: Path) -> Path:
    (entry,) = cache.glob("*.svg")
    return entry


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data.replace(b"<defs>", b"<defs><g/>", 1), id="edited body"),
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda data: b"x" + data, id="bad header"),
    ],
)
def test_a_damaged_entry_is_drawn_again_and_rewritten(cache, damage):
    good = _bridge()
    entry = _entry(cache)
    entry.write_bytes(damage(entry.read_bytes()))
    assert _bridge() == good
    assert entry.read_bytes() == chart_cache._framed(entry.stem, good)


@pytest.mark.parametrize(
    "payload",
    [
        "<defs><script>alert(1)</script>",
        '<defs><g onload="alert(1)"/>',
        '<defs><use xlink:href="https://example.org/x.svg#a"/>',
        '<defs><foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>',
        "<defs><!-- hidden -->",
        '<defs><rect style="fill: url(https://example.org/t.png)"/>',
        "<defs><style>@import 'https://example.org/x.css';</style>",
    ],
)
def test_a_planted_entry_with_a_good_header_is_not_used(cache, payload):
    """An entry whose header and hash check out but whose SVG carries anything beyond what
    the charts draw (script, handlers, outside references, foreign markup, comments, style
    imports) is drawn again: a chart goes into the page as markup."""
    good = _bridge()
    entry = _entry(cache)
    planted = good.replace("<defs>", payload, 1)
    assert planted != good
    entry.write_bytes(chart_cache._framed(entry.stem, planted))
    assert _bridge() == good


def test_a_linked_entry_is_neither_followed_nor_written_through(cache, tmp_path):
    good = _bridge()
    entry = _entry(cache)
    elsewhere = tmp_path / "elsewhere.svg"
    elsewhere.write_bytes(entry.read_bytes())
    entry.unlink()
    entry.symlink_to(elsewhere)
    before = elsewhere.read_bytes()
    assert _bridge() == good
    assert elsewhere.read_bytes() == before  # not written through the link
    assert not entry.is_symlink()  # replaced by a file of its own


def test_a_cache_that_cannot_be_written_still_draws(cache):
    cache.parent.mkdir(parents=True)
    cache.write_text("not a folder")  # where the charts' folder should be
    assert _bridge() == _bridge() and _bridge().startswith("<svg")


def test_the_charts_kept_are_pruned_with_the_analysis_cache(cache, monkeypatch):
    from stpreport.pipeline import cache as analysis_cache

    cache.mkdir(parents=True)
    for n in range(5):
        path = cache / f"{n:064x}.svg"
        path.write_text("old")
        os.utime(path, (1_000_000 + n, 1_000_000 + n))
    monkeypatch.setattr(analysis_cache, "CHARTS_KEEP", 3)
    analysis_cache.write(analysis_cache.entry_path("k1", cache.parent), b"entry")
    assert sorted(p.name[-5:] for p in cache.glob("*.svg")) == ["2.svg", "3.svg", "4.svg"]
