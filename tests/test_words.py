"""Words that follow the numbers: generated from them, rounded so they add up, led by each
footprint's own drivers, with published figures carried through with their sources."""

from __future__ import annotations

import re
from pathlib import Path

import papermill as pm
import pytest

from stpreport.assumptions import default_assumptions_path
from stpreport.briefing.context import load_context
from stpreport.briefing.footprint import FootprintPack
from stpreport.briefing.national import NationalBriefing
from stpreport.published import published_figures

ROOT = Path(__file__).resolve().parent.parent
MONEY = re.compile(r'<span class="value">(-?)£([\d,]+)m</span>')


@pytest.fixture(scope="module")
def ctx():
    return load_context(None, None, "words-1")


def _boxes(html: str) -> list[int]:
    return [int(sign + digits.replace(",", "")) for sign, digits in MONEY.findall(html)]


def test_every_verdict_box_adds_up_after_rounding(ctx):
    for code in ctx.analysis.summary.index:
        html = FootprintPack(ctx, code).verdict().html
        gap, savings, honest = _boxes(html)[:3]
        assert gap == savings + honest, code
        # The paragraph states the same rounded numbers as the boxes.
        assert f"honest gap of £{honest:,}m" in html or honest <= 0, code


def test_national_headline_adds_up(ctx):
    gap, savings, honest = _boxes(NationalBriefing(ctx).headline().html)[:3]
    assert gap == savings + honest


def test_verdicts_lead_with_their_own_drivers_and_do_not_share_one_skeleton(ctx):
    skeletons, leads = set(), set()
    for code in ctx.analysis.summary.index:
        html = FootprintPack(ctx, code).verdict().html
        text = re.search(r'<p class="verdict-text">(.*?)</p>', html).group(1)
        lead = text.split(":", 1)[0]
        assert re.match(r"(Two things|One thing) make", lead), text
        top = ctx.analysis.drivers[code][0]
        assert f"£{round(top[1]):,}m" in text.split(".")[0] + text.split(".")[1], code
        skeleton = re.sub(r"-?£[\d,]+m|\d+%|below 1%|[A-Z][\w ,&'-]+ must close", "#", text)
        skeletons.add(skeleton)
        leads.add(re.sub(r"£[\d,]+m|\d+%", "#", text.split(".")[0]))
    assert len(leads) >= 8  # situations differ, and so do the first sentences
    assert len(skeletons) >= 8


def test_published_figures_reach_the_pack_with_their_source(ctx):
    published = published_figures()
    pack = FootprintPack(ctx, "E54000006")  # Humber, Coast and Vale
    html = pack.published().html
    for row in published[published["code"] == "E54000006"].to_dict("records"):
        assert row["source_title"].replace("&", "&amp;")[:30] in html.replace("<wbr>", "")
    assert "needs most improvement" in pack.verdict().html  # NHS England's 2017 rating
    method = pack.method().html.replace("<wbr>", "")
    assert "Yorkshire Post" in method  # the stated gap is entered as published, with its source
    assert "(published) is £420m" in pack.gap().html


def test_a_comparison_with_illustrative_figures_is_called_illustrative(ctx):
    row = ctx.analysis.row("E54000008")
    assert row["stated_gap_published"] and row["large_difference"]
    text = FootprintPack(ctx, "E54000008").gap().html
    assert "The comparison is illustrative" in text and "the plan's to explain" not in text


def test_captions_say_per_head_and_percentage_points(ctx):
    league = NationalBriefing(ctx).league().html
    assert "Per head (£)" in league and "a head" not in league
    contracts = FootprintPack(ctx, "E54000008").contracts().html
    assert "pp</td>" in contracts and "percentage points" in contracts
    assert "a year more activity" in contracts  # an annual figure, said so


def test_no_stale_phrase_when_the_assumptions_change(tmp_path):
    """A pack built with another funding path and another as-at date says so in its words."""
    params = default_assumptions_path().read_text(encoding="utf-8")
    params = params.replace(
        '{"2017/18": 0.013, "2018/19": 0.003, "2019/20": 0.007, "2020/21": 0.013}',
        '{"2017/18": 0.03, "2018/19": 0.03, "2019/20": 0.03, "2020/21": 0.03}',
    )
    params = params.replace(
        "the 2015 Spending Review's real-terms path", "the Five Year Forward View's path"
    )
    params = params.replace('value: "2017-04-01"', 'value: "2018-04-01"')
    params = params.replace("value: 0.8\n", "value: 0.9\n", 1)
    path = tmp_path / "other.yaml"
    path.write_text(params, encoding="utf-8")
    out = tmp_path / "pack.ipynb"
    pm.execute_notebook(
        str(ROOT / "notebooks" / "footprint.ipynb"),
        str(out),
        parameters={"footprint": "E54000008", "params": str(path), "edition": "other"},
        progress_bar=False,
        cwd=str(ROOT),
    )
    text = out.read_text(encoding="utf-8")
    assert "funding growing 3.0% a year on average (the Five Year Forward View" in text
    assert "2015 Spending Review" not in text.split("Every assumption and its source")[0]
    assert "To be 90% sure" in text and "To be 80% sure" not in text
    default = load_context(None, None, "x")
    other = load_context(None, str(path), "x")
    assert (
        other.analysis.row("E54000008")["do_nothing_gap"]
        < default.analysis.row("E54000008")["do_nothing_gap"]
    )
