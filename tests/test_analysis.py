"""The analysis, step by step, against numbers worked out by hand."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from helpers import write_figures
from hypothesis import given, settings
from hypothesis import strategies as st

from stpreport.analysis import analyse
from stpreport.analysis.contracts import contract_mismatch
from stpreport.analysis.deliverability import capital_factor, months_left, score_schemes
from stpreport.analysis.gap import gap_summary, nhs_trajectory
from stpreport.analysis.reprioritise import least_harm_cover, reprioritise
from stpreport.analysis.uncertainty import simulate, simulate_footprint, summarise
from stpreport.analysis.verdict import rating
from stpreport.assumptions import Lever, load_assumptions
from stpreport.formatting import money, per_head, percent
from stpreport.inputs import load_figures

A = load_assumptions()
FLAT = replace(A, demand_growth=0.03, cost_growth=0.01,
               funding_growth={y: 0.02 for y in A.funding_growth})


def test_gap_grows_cost_and_funding_from_the_base_year(tmp_path):
    figures = load_figures(write_figures(tmp_path, [{}], [{}]))
    trajectory = nhs_trajectory(figures.footprints, FLAT)
    assert list(trajectory["year"]) == ["2016/17", "2017/18", "2018/19", "2019/20", "2020/21"]
    # 2016/17: spend 110 - allocation 100 = the underlying deficit of 10.
    assert trajectory["gap"].iloc[0] == pytest.approx(10.0)
    # 2020/21: 110 x (1.03 x 1.01)^4 - 100 x 1.02^4 = 123.8071 - 108.2432 = 15.5639
    assert trajectory["cost"].iloc[-1] == pytest.approx(110 * 1.0403**4)
    assert trajectory["gap"].iloc[-1] == pytest.approx(110 * 1.0403**4 - 100 * 1.02**4)
    summary = gap_summary(figures.footprints, FLAT).loc["T1"]
    assert summary["base_deficit"] == pytest.approx(10.0)
    assert summary["difference"] == pytest.approx(summary["do_nothing_gap"] - 30)
    assert summary["large_difference"]  # 15.6 against a stated 30
    assert np.isnan(summary["social_care_gap"])


def test_social_care_gap_where_figures_exist(tmp_path):
    figures = load_figures(write_figures(tmp_path, [{"social_care_funding": "40",
                                                     "social_care_spend": "42"}], [{}]))
    a = replace(A, social_care_demand_growth=0.05, social_care_funding_growth=0.01)
    gap = gap_summary(figures.footprints, a).loc["T1", "social_care_gap"]
    assert gap == pytest.approx(42 * 1.05**4 - 40 * 1.01**4)


def test_scheme_probability_is_the_product_of_its_factors(tmp_path):
    schemes = load_figures(write_figures(tmp_path, [{}], [{
        "capital_required": "10", "capital_secured": "5", "political_support": "contested",
        "clinical_support": "mixed", "evidence": "weak", "consultation": "under_way"}])).schemes
    scored = score_schemes(schemes, A, chance=0.5).iloc[0]
    assert scored["f_capital"] == pytest.approx(0.5 + 0.5 * 0.5)
    expected = (A.base_rate["provider_efficiency"] * 0.75 * A.political_support["contested"]
                * A.consultation_factor["under_way"] * A.clinical_support["mixed"]
                * A.evidence["weak"] * A.origin["bottom_up"])
    assert scored["p"] == pytest.approx(expected)
    assert scored["expected"] == pytest.approx(10 * expected)
    assert "£5m of £10m capital unsecured (the national pot covers 50% of what is asked)" \
        in scored["why"]
    assert "politically contested" in scored["why"]


def test_pot_chance_is_the_pot_over_unsecured_capital(tmp_path):
    schemes = load_figures(write_figures(tmp_path, [{}], [
        {"scheme_id": "a", "capital_required": "1000", "capital_secured": "350"},
        {"scheme_id": "b", "capital_required": "0"}])).schemes
    scored = score_schemes(schemes, replace(A, national_capital_pot=325))
    assert scored["f_capital"].iloc[0] == pytest.approx(0.35 + 0.65 * 0.5)
    assert scored["f_capital"].iloc[1] == 1.0


def test_consultation_too_late_for_2020_21_is_discounted(tmp_path):
    schemes = load_figures(write_figures(tmp_path, [{}], [{"consultation": "not_started"}])).schemes
    early = score_schemes(schemes, A, 1.0)["f_consultation"].iloc[0]
    late_a = replace(A, as_at=A.as_at.replace(year=2019))
    assert months_left(late_a) == 12
    late = score_schemes(schemes, late_a, 1.0)["f_consultation"].iloc[0]
    assert early == A.consultation_factor["not_started"]
    assert late == pytest.approx(early * A.late_factor)


def test_balancing_items_are_pears_and_good_bottom_up_schemes_apples(tmp_path):
    schemes = load_figures(write_figures(tmp_path, [{}], [
        {"scheme_id": "good"}, {"scheme_id": "bal", "origin": "balancing"}])).schemes
    scored = score_schemes(schemes, A, 1.0).set_index("scheme_id")
    assert scored.at["good", "apple"] and not scored.at["bal", "apple"]
    assert "balancing item" in scored.at["bal", "why"]


@settings(max_examples=40, deadline=None)
@given(st.floats(0, 500), st.floats(0, 1), st.floats(0, 1), st.floats(0, 1))
def test_more_capital_secured_never_lowers_probability(required, s1, s2, chance):
    low, high = sorted([s1 * required, s2 * required])
    f = capital_factor(np.array([required, required]), np.array([low, high]), chance)
    assert f[1] >= f[0] - 1e-12


def test_monte_carlo_mean_matches_expected_savings_within_sampling_error():
    figures, a = load_figures(), A
    an = analyse(figures, a)
    for code in ["E54000005", "E54000031", "E54000041"]:
        s = an.schemes[an.schemes["footprint"] == code]
        delivered = simulate_footprint(s["planned_saving"].to_numpy(), s["p"].to_numpy(),
                                       s["category"].isin(a.all_or_nothing).to_numpy(), a, code)
        error = delivered.std() / np.sqrt(len(delivered))
        assert abs(delivered.mean() - s["expected"].sum()) < 4 * error


def test_monte_carlo_is_seeded_and_the_same_alone_or_in_a_batch():
    an = analyse(load_figures(), A)
    gaps = an.summary["do_nothing_gap"]
    batch = simulate(an.schemes, gaps, A)
    alone = simulate(an.schemes[an.schemes["footprint"] == "E54000008"], gaps[["E54000008"]], A)
    pd.testing.assert_frame_equal(batch.loc[["E54000008"]], alone)
    pd.testing.assert_frame_equal(batch, simulate(an.schemes, gaps, A))
    other_seed = simulate(an.schemes, gaps, replace(A, seed=1))
    assert not np.allclose(batch["p50"], other_seed["p50"])


def test_reconfigurations_are_all_or_nothing():
    a = replace(A, draws=2000)
    delivered = simulate_footprint(np.array([100.0]), np.array([0.3]), np.array([True]), a, "X")
    assert set(np.unique(delivered)) <= {0.0, 100.0}
    assert abs((delivered == 100).mean() - 0.3) < 0.05


@given(st.floats(0, 400), st.floats(0, 400))
@settings(max_examples=30, deadline=None)
def test_a_larger_gap_never_raises_the_probability_of_balancing(g1, g2):
    delivered = simulate_footprint(np.array([100.0, 80.0, 60.0]), np.array([0.7, 0.3, 0.5]),
                                   np.array([False, True, False]), replace(A, draws=1000), "T")
    small, large = sorted([g1, g2])
    assert summarise(delivered, large, 0.8).p_balance <= summarise(delivered, small, 0.8).p_balance


def test_an_empty_plan_never_balances_a_positive_gap(tmp_path):
    figures = load_figures(write_figures(tmp_path, [{}, {"code": "T2"}], [{}]))
    an = analyse(figures, A)
    assert an.summary.at["T2", "planned_savings"] == 0
    assert an.summary.at["T2", "p_balance"] == 0.0
    assert an.summary.at["T2", "honest_gap"] == pytest.approx(an.summary.at["T2",
                                                                            "do_nothing_gap"])


def test_contract_mismatch_by_hand(tmp_path):
    figures = load_figures(write_figures(tmp_path, [{}], [{}]))
    line = contract_mismatch(figures.contracts, replace(A, contract_years=2)).iloc[0]
    assert line["mismatch"] == pytest.approx(50 * (1.03**2 - 0.98**2))  # 5.0250


def _brute_force(values, harms, target):
    best = None
    for r in range(len(values) + 1):
        for combo in itertools.combinations(range(len(values)), r):
            if sum(values[i] for i in combo) >= target:
                harm = sum(harms[i] for i in combo)
                best = harm if best is None else min(best, harm)
    return best


def test_optimiser_agrees_with_brute_force_on_small_menus():
    rng = np.random.default_rng(7)
    for _ in range(60):
        n = int(rng.integers(1, 8))
        values = rng.uniform(1, 100, n).round(1)
        harms = rng.integers(1, 6, n).astype(float)
        target = float(rng.uniform(0, values.sum() * 1.1))
        mask = least_harm_cover(values, harms, target)
        best = _brute_force(values, harms, target)
        if best is None:  # nothing closes it: every lever is used
            assert mask.all()
        else:
            assert values[mask].sum() >= target - 1e-9
            assert harms[mask].sum() == pytest.approx(best)


def test_reprioritisation_goes_local_first_then_national_and_never_protected():
    levers = (Lever("l1", "local cheap", 100, 1, False, False, ""),
              Lever("l2", "local harmful", 100, 4, False, False, ""),
              Lever("n1", "national", 300, 2, True, False, ""),
              Lever("p1", "protected", 10_000, 1, True, True, ""))
    small = reprioritise(5, levers, 0.1)  # lever values are 10, 10, 30, 1000
    assert list(small.levers.loc[small.levers["chosen"], "id"]) == ["l1"]
    assert small.closes_locally and small.still_needed == 0
    big = reprioritise(45, levers, 0.1)
    assert set(big.levers.loc[big.levers["chosen"], "id"]) == {"l1", "l2", "n1"}
    assert big.local == pytest.approx(20) and big.national_agreement == pytest.approx(30)
    assert big.still_needed == pytest.approx(0)
    huge = reprioritise(100, levers, 0.1)
    assert huge.still_needed == pytest.approx(50)
    assert not huge.levers.set_index("id").at["p1", "chosen"]


def test_rating_bands_and_formatting():
    bands = A.ratings
    assert [rating(p, bands) for p in (0.95, 0.8, 0.79, 0.5, 0.2, 0.19, 0.0)] == [
        "credible", "credible", "stretching", "stretching", "at risk", "undeliverable",
        "undeliverable"]
    assert money(1234.5) == "£1,234m" and money(1235.5) == "£1,236m" and money(-0.2) == "£0m"
    assert per_head(216.15) == "£216" and percent(0.256) == "26%"


def test_verdict_paragraph_states_the_numbers(tmp_path):
    an = analyse(load_figures(), A)
    row = an.row("E54000008")
    text = an.verdict("E54000008")
    assert text == an.verdict("E54000008")
    for number in (money(row["do_nothing_gap"]), money(row["honest_gap"]),
                   money(row["expected_savings"]), percent(row["p_balance"])):
        assert number in text
    assert text.startswith(f"Cheshire and Merseyside's plan is rated {row['rating']}.")


def test_national_figures_are_the_sums_of_the_footprints():
    an = analyse(load_figures(), A)
    totals, s = an.national["totals"], an.summary
    assert totals["honest_gap"] == pytest.approx(s["honest_gap"].sum())
    assert totals["honest_gap"] == pytest.approx(totals["do_nothing_gap"]
                                                 - totals["expected_savings"])
    assert sum(totals["ratings"].values()) == 44
    regions = an.national["regions"]
    assert regions["honest_gap"].sum() == pytest.approx(s["honest_gap"].sum())
    assert list(an.national["league"]["rank"]) == list(range(1, 45))
    levers = an.national["levers"].set_index("id")
    assert levers.at["defer_mental_health", "value_chosen"] == 0  # protected
    assert levers["value_chosen"].sum() == pytest.approx(
        totals["local_levers"] + totals["national_agreement_levers"])
