"""Scenarios: overlays checked as strictly as params, and a comparison with the right signs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from stpreport.analysis import analyse
from stpreport.analysis.compare import main_driver, national_comparison
from stpreport.assumptions import load_assumptions
from stpreport.cli import main
from stpreport.inputs import load_figures
from stpreport.problems import InputError
from stpreport.scenarios import load_scenario, load_scenarios

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "params" / "scenarios").glob("*.yaml"))

GOOD = """scenario:
  name: dearer
  title: "Dearer"
  description: "Cost grows a point faster."
changes:
  growth.cost:
    value: 0.019
    source: "judgement: a point faster"
"""


def _write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_scenarios_load_and_each_cites_evidence():
    scenarios = load_scenarios(SHIPPED)
    assert len(scenarios) == 3
    for s in scenarios:
        assert s.changes and all("EVIDENCE.md" in source for _, source in s.changes)
    base = load_assumptions()
    by_name = {s.name: s for s in scenarios}
    assert (
        by_name["capital-pot-doubled"].assumptions.national_capital_pot
        == 2 * base.national_capital_pot
    )
    assert by_name["higher-cost-growth"].assumptions.cost_growth == 0.021
    # Nothing else changes.
    assert by_name["higher-cost-growth"].assumptions.funding_growth == base.funding_growth


def test_a_scenario_that_changes_one_assumption_moves_the_gap_with_the_right_sign_and_size(
    tmp_path,
):
    figures = load_figures()
    base = analyse(figures, load_assumptions())
    scenario = load_scenario(_write(tmp_path, GOOD))
    dearer = analyse(figures, scenario.assumptions)
    frame = national_comparison({"base": base, "dearer": dearer})
    row = frame.loc["dearer"]
    expected = dearer.national["totals"]["honest_gap"] - base.national["totals"]["honest_gap"]
    assert row["delta_honest_gap"] == pytest.approx(expected)
    assert row["delta_honest_gap"] > 0  # dearer care, larger gap
    parts = sum(
        row[f"delta_{p}"]
        for p in ("do_nothing_gap", "recovery_cost", "contract_cost", "expected_savings")
    )
    assert parts == pytest.approx(row["delta_honest_gap"])
    assert main_driver(row)[0] == "do_nothing_gap"
    # Savings do not depend on cost growth: only the do-nothing gap moves.
    assert row["delta_expected_savings"] == pytest.approx(0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            GOOD.replace("growth.cost", "growth.costs"),
            "s.yaml key changes.growth.costs: is not an assumption in default.yaml",
        ),
        (
            GOOD.replace("value: 0.019", "value: fast"),
            "s.yaml key growth.cost: 'fast' must be a number",
        ),
        (
            GOOD.replace("value: 0.019", "value: 0.5"),
            "s.yaml key growth.cost: '0.5' must be between -0.2 and 0.2",
        ),
        (
            GOOD.replace('    source: "judgement: a point faster"\n', ""),
            "s.yaml key changes.growth.cost: must be a mapping with 'value' and 'source'",
        ),
        (
            GOOD.replace("name: dearer", "name: ../x"),
            "s.yaml key scenario.name: '../x' must be 1-40",
        ),
        (
            GOOD.replace("growth.cost:", "growth:"),
            "s.yaml key changes.growth: is a group of assumptions",
        ),
        (
            GOOD.replace("value: 0.019", "value: .nan"),
            "s.yaml key growth.cost: '.nan' must be a finite number",
        ),
    ],
)
def test_a_bad_overlay_is_refused_cleanly_with_the_file_and_key(tmp_path, text, message):
    with pytest.raises(InputError) as info:
        load_scenario(_write(tmp_path, text))
    assert message in "\n".join(map(str, info.value.problems))


def test_two_scenarios_with_one_name_are_refused(tmp_path):
    a, b = _write(tmp_path, GOOD, "a.yaml"), _write(tmp_path, GOOD, "b.yaml")
    with pytest.raises(InputError, match="names must differ"):
        load_scenarios([a, b])


def test_validate_checks_scenarios_and_refuses_with_no_traceback(tmp_path):
    bad = _write(tmp_path, GOOD.replace("value: 0.019", "value: 0.5"))
    result = CliRunner().invoke(main, ["validate", "--scenario", str(bad)])
    assert result.exit_code == 1
    assert "must be between -0.2 and 0.2" in result.output
    assert "Traceback" not in result.output
    args = [arg for p in SHIPPED for arg in ("--scenario", str(p))]
    ok = CliRunner().invoke(main, ["validate", *args])
    assert ok.exit_code == 0, ok.output
    assert "3 scenarios" in ok.output


def _run(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.output


def _manifest(folder: Path) -> dict:
    import json

    return json.loads((folder / "manifest.json").read_text())


def test_a_scenario_build_writes_a_folder_per_scenario_and_reruns_only_what_changed(tmp_path):
    from helpers import copy_figures

    figures = copy_figures(tmp_path / "figures", ["E54000008", "E54000041"])
    scenario = _write(tmp_path, GOOD, "dearer.yaml")
    out = tmp_path / "out"
    args = [
        "build",
        "--figures",
        str(figures),
        "--out",
        str(out),
        "--edition",
        "ed1",
        "--jobs",
        "2",
        "--format",
        "html",
        "--scenario",
        str(scenario),
    ]
    code, output = _run(args)
    assert code == 0, output
    base, dearer = out / "ed1", out / "ed1" / "dearer"
    assert (base / "scenarios.html").is_file() and (dearer / "E54000008.html").is_file()
    assert "scenario: Dearer" in (dearer / "E54000008.html").read_text(encoding="utf-8")
    base_summary = pd.read_csv(base / "summary.csv").set_index("code")
    dearer_summary = pd.read_csv(dearer / "summary.csv").set_index("code")
    assert (dearer_summary["honest_gap"] > base_summary["honest_gap"]).all()
    comparison = (base / "scenarios.html").read_text(encoding="utf-8")
    assert "Dearer" in comparison and "up £" in comparison
    before = {p: p.read_bytes() for p in base.glob("*.html")}
    # Nothing changed: nothing runs.
    code, output = _run(args)
    assert code == 0 and output.count("0 built") == 2, output
    # The scenario changed: its packs and the comparison rerun; the base packs do not.
    scenario.write_text(GOOD.replace("0.019", "0.015"), encoding="utf-8")
    code, output = _run(args)
    assert code == 0, output
    assert f"{dearer}: 3 built" in output and f"{base}: 1 built" in output
    assert _manifest(base)["runs"]["scenarios"]["status"] == "ok"
    for path, data in before.items():
        if path.name != "scenarios.html":
            assert path.read_bytes() == data


def test_a_bad_scenario_builds_nothing(tmp_path):
    bad = _write(tmp_path, GOOD.replace("growth.cost", "growth.costs"))
    out = tmp_path / "out"
    code, output = _run(["build", "--out", str(out), "--scenario", str(bad)])
    assert code == 1 and "is not an assumption" in output and "Traceback" not in output
    assert not out.exists() or not any(out.iterdir())
