"""The analysis, step by step, against numbers worked out by hand."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from helpers import write_figures
from hypothesis import given, settings
from hypothesis import strategies as st

from stpreport.analysis import analyse
from stpreport.analysis.contracts import contract_mismatch, mismatch_by_year
from stpreport.analysis.deliverability import (
    adjust_odds,
    capital_factor,
    months_left,
    score_schemes,
)
from stpreport.analysis.gap import gap_summary, nhs_trajectory
from stpreport.analysis.position import Steps, position
from stpreport.analysis.reprioritise import least_harm_cover, lever_values, reprioritise
from stpreport.analysis.sensitivity import vary
from stpreport.analysis.uncertainty import (
    Drivers,
    delivered_shares,
    footprint_stream,
    forget_kept,
    phasing,
    rank_intervals,
    simulate,
)
from stpreport.analysis.verdict import drivers, rating
from stpreport.assumptions import YEARS, Lever, RatingBand, load_assumptions
from stpreport.formatting import chance, money, per_head, percent, pp, rounded_parts
from stpreport.inputs import load_figures
from stpreport.pipeline.codec import encode

A = load_assumptions()
FLAT = replace(
    A, demand_growth=0.03, cost_growth=0.01, funding_growth={y: 0.02 for y in A.funding_growth}
)
NO_EXTRAS = replace(FLAT, include_recovery=False)


@pytest.fixture(scope="module")
def bundled():
    return analyse(load_figures(), A)


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
    assert summary["allocation_2020_21"] == pytest.approx(100 * 1.02**4)
    assert summary["difference"] == pytest.approx(summary["do_nothing_gap"] - 30)
    assert summary["large_difference"]  # 15.6 against a stated 30
    assert np.isnan(summary["social_care_gap"])


def test_social_care_gap_where_figures_exist(tmp_path):
    figures = load_figures(
        write_figures(tmp_path, [{"social_care_funding": "40", "social_care_spend": "42"}], [{}])
    )
    a = replace(A, social_care_demand_growth=0.05, social_care_funding_growth=0.01)
    gap = gap_summary(figures.footprints, a).loc["T1", "social_care_gap"]
    assert gap == pytest.approx(42 * 1.05**4 - 40 * 1.01**4)


def test_odds_move_a_scheme_from_typical_and_gates_multiply(tmp_path):
    schemes = load_figures(
        write_figures(
            tmp_path,
            [{}],
            [
                {
                    "capital_required": "10",
                    "capital_secured": "5",
                    "political_support": "contested",
                    "clinical_support": "mixed",
                    "evidence": "weak",
                    "consultation": "under_way",
                }
            ],
        )
    ).schemes
    scored = score_schemes(schemes, A, chance=0.5).iloc[0]
    # Base 0.70, odds 0.7/0.3 = 2.3333, times the weak-evidence odds ratio 0.7 = 1.6333;
    # back to a rate: 1.6333 / 2.6333 = 0.62025.
    assert scored["adjusted_rate"] == pytest.approx(0.620253, abs=1e-6)
    assert scored["f_capital"] == pytest.approx(0.5 + 0.5 * 0.5)
    # Under way: 9 + 12 months needed, 36 left at 2017-04-01: not late.
    assert scored["f_consultation"] == A.consultation_factor["under_way"]
    assert scored["p"] == pytest.approx(0.620253 * 0.75 * 0.6 * 0.85, abs=1e-6)
    assert scored["expected"] == pytest.approx(10 * scored["p"])
    assert scored["pulls"] == "capital;political;consultation;evidence"


def test_a_typical_scheme_scores_its_base_rate_with_no_double_discount(tmp_path):
    """Demand management's base rate already comes from the Nuffield Trust review: a typical
    scheme (mixed evidence and support, no gate) scores exactly it."""
    schemes = load_figures(
        write_figures(
            tmp_path,
            [{}],
            [
                {
                    "scheme_id": "typical",
                    "category": "demand_management",
                    "evidence": "mixed",
                    "clinical_support": "mixed",
                },
                {"scheme_id": "strong", "category": "demand_management"},
            ],
        )
    ).schemes
    scored = score_schemes(schemes, A, 1.0).set_index("scheme_id")
    assert scored.at["typical", "p"] == pytest.approx(A.base_rate["demand_management"])
    assert scored.at["typical", "pulls"] == ""
    assert scored.at["strong", "p"] > scored.at["typical", "p"]  # strong raises it
    assert scored.at["typical", "all_or_nothing"]  # a probability: all or nothing
    assert adjust_odds(np.array([0.5, 0.0, 1.0]), 3.0).tolist() == [0.75, 0.0, 1.0]


def test_pot_chance_is_the_pot_over_unsecured_capital(tmp_path):
    schemes = load_figures(
        write_figures(
            tmp_path,
            [{}],
            [
                {"scheme_id": "a", "capital_required": "1000", "capital_secured": "350"},
                {"scheme_id": "b", "capital_required": "0"},
            ],
        )
    ).schemes
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
    schemes = load_figures(
        write_figures(
            tmp_path, [{}], [{"scheme_id": "good"}, {"scheme_id": "bal", "origin": "balancing"}]
        )
    ).schemes
    scored = score_schemes(schemes, A, 1.0).set_index("scheme_id")
    assert scored.at["good", "apple"] and not scored.at["bal", "apple"]
    assert "balancing" in scored.at["bal", "pulls"].split(";")


@settings(max_examples=40, deadline=None)
@given(st.floats(0, 500), st.floats(0, 1), st.floats(0, 1), st.floats(0, 1))
def test_more_capital_secured_never_lowers_probability(required, s1, s2, chance_):
    low, high = sorted([s1 * required, s2 * required])
    f = capital_factor(np.array([required, required]), np.array([low, high]), chance_)
    assert f[1] >= f[0] - 1e-12


def test_phasing_is_cumulative_with_a_straight_line_where_blank():
    schemes = pd.DataFrame(
        {
            "share_2017_18": [np.nan, 0.2, 0.1],
            "share_2018_19": [np.nan, np.nan, 0.4],
            "share_2019_20": [np.nan, 0.9, 0.8],
        }
    )
    assert phasing(schemes).tolist() == [
        [0, 0.25, 0.5, 0.75, 1],
        [0, 0.2, 0.2, 0.9, 1],
        [0, 0.1, 0.4, 0.8, 1],
    ]


def test_monte_carlo_mean_matches_expected_savings_within_sampling_error(bundled):
    for code in ["E54000005", "E54000031", "E54000041"]:
        s = bundled.schemes[bundled.schemes["footprint"] == code]
        shares = delivered_shares(
            s["p"].to_numpy(), s["all_or_nothing"].to_numpy(), A, footprint_stream(A.seed, code)
        )
        delivered = shares @ s["planned_saving"].to_numpy()
        error = delivered.std() / np.sqrt(len(delivered))
        assert abs(delivered.mean() - s["expected"].sum()) < 4 * error


def test_reconfigurations_are_all_or_nothing():
    a = replace(A, draws=2000)
    shares = delivered_shares(np.array([0.3]), np.array([True]), a, footprint_stream(1, "X"))
    assert set(np.unique(shares)) <= {0.0, 1.0}
    assert abs(shares.mean() - 0.3) < 0.05


def _simulate(figures, a, codes=None):
    pos = position(figures, a)
    fp = (
        figures.footprints
        if codes is None
        else figures.footprints[figures.footprints["code"].isin(codes)]
    )
    scored = pos.scored[pos.scored["footprint"].isin(fp["code"])]
    extra = pd.DataFrame(0.0, index=fp["code"], columns=list(YEARS))
    return simulate(scored, fp, extra, a)


def test_monte_carlo_is_seeded_and_the_same_alone_or_in_a_batch():
    figures = load_figures()
    forget_kept()
    batch = _simulate(figures, A).summary.drop(columns=["rank_low", "rank_high"])
    forget_kept()  # drawn again, alone
    alone = _simulate(figures, A, ["E54000008"]).summary.drop(columns=["rank_low", "rank_high"])
    pd.testing.assert_frame_equal(batch.loc[["E54000008"]], alone)
    again = _simulate(figures, A).summary.drop(columns=["rank_low", "rank_high"])
    pd.testing.assert_frame_equal(batch, again)
    other = _simulate(figures, replace(A, seed=1)).summary
    assert not np.allclose(batch["honest_p50"], other["honest_p50"])


def test_the_gap_itself_is_uncertain_and_drawn_with_the_schemes():
    figures = load_figures()
    certain = replace(
        A, spread_demand=0.0, spread_cost=0.0, spread_funding=0.0, spread_local_demand=0.0
    )
    wide = _simulate(figures, A, ["E54000008"]).summary.loc["E54000008"]
    narrow = _simulate(figures, certain, ["E54000008"]).summary.loc["E54000008"]
    assert wide["honest_p90"] - wide["honest_p10"] > narrow["honest_p90"] - narrow["honest_p10"]
    drivers_ = Drivers.draw(A)
    assert drivers_.demand.std() == pytest.approx(A.spread_demand, rel=0.05)


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 2**32 - 1), st.lists(st.integers(0, 43), min_size=2, max_size=6, unique=True))
def test_national_quantile_lies_between_the_largest_footprint_and_the_sum(seed, picks):
    figures = load_figures()
    codes = list(figures.footprints["code"].iloc[picks])
    a = replace(A, seed=seed, draws=2000)
    sim = _simulate(figures, a, codes)
    at_confidence = sim.national["at_confidence"]
    footprint_p80 = sim.summary["honest_p80"]
    assert footprint_p80.max() - 1e-6 <= at_confidence <= footprint_p80.sum() + 1e-6


def test_rank_intervals_contain_the_rank_and_are_narrow_when_gaps_are_far_apart():
    finals = np.array([[100.0, 101, 99], [10, 11, 9], [50, 80, 20]])
    low, high = rank_intervals(finals, np.ones(3), coverage=0.8)
    assert low.tolist()[:2] == [1, 3] and high.tolist()[:2] == [1, 3]
    assert (low[2], high[2]) == (2, 2)


def test_an_empty_plan_never_balances_a_positive_gap(tmp_path):
    figures = load_figures(write_figures(tmp_path, [{}, {"code": "T2"}], [{}]))
    an = analyse(figures, A)
    assert an.summary.at["T2", "planned_savings"] == 0
    assert an.summary.at["T2", "p_balance"] == 0.0
    assert an.summary.at["T2", "honest_gap"] == pytest.approx(an.summary.at["T2", "total_gap"])


def test_contract_mismatch_by_hand_and_what_it_adds_to_the_gap(tmp_path):
    figures = load_figures(
        write_figures(
            tmp_path,
            [{}],
            [{"category": "demand_management", "evidence": "mixed", "clinical_support": "mixed"}],
        )
    )
    a = replace(NO_EXTRAS, contract_years=2)
    line = contract_mismatch(figures.contracts, a).iloc[0]
    assert line["mismatch"] == pytest.approx(50 * (1.03**2 - 0.98**2))  # 5.0250
    by_year = mismatch_by_year(figures.contracts, a, ["T1"]).loc["T1"]
    assert by_year.tolist() == pytest.approx([0, 50 * (1.03 - 0.98), 5.025, 5.025, 5.025])
    frame = position(figures, a).frame.loc["T1"]
    # Expected demand-management savings: 10 x 0.26 = 2.6, less than the mismatch of 5.025:
    # the contracts spend all of them, and no more.
    assert frame["contract_cost"] == pytest.approx(10 * A.base_rate["demand_management"])
    assert frame["total_gap"] == pytest.approx(frame["do_nothing_gap"] + frame["contract_cost"])


def test_recovery_cost_is_in_the_gap_only_when_included(tmp_path):
    figures = load_figures(write_figures(tmp_path, [{}, {"code": "T2"}], [{}]))
    on = position(figures, replace(FLAT, recovery_cost=1000)).frame
    off = position(figures, replace(FLAT, include_recovery=False)).frame
    assert on["recovery_cost"].sum() == pytest.approx(1000)  # shared by activity: 500 each
    assert on.at["T1", "recovery_ae"] == pytest.approx(1000 * FLAT.ae_share / 2)
    assert off["recovery_cost"].sum() == 0


def _brute_force(values, harms, target):
    best = None
    for r in range(len(values) + 1):
        for combo in itertools.combinations(range(len(values)), r):
            if sum(values[i] for i in combo) >= target:
                harm = sum(harms[i] * values[i] for i in combo)
                best = harm if best is None else min(best, harm)
    return best


def test_optimiser_agrees_with_brute_force_on_small_indivisible_menus():
    rng = np.random.default_rng(7)
    for _ in range(60):
        n = int(rng.integers(1, 8))
        values = rng.uniform(1, 100, n).round(1)
        harms = rng.integers(1, 6, n).astype(float)
        target = float(rng.uniform(0, values.sum() * 1.1))
        used = least_harm_cover(values, harms, target, np.zeros(n, bool))
        best = _brute_force(values, harms, target)
        if best is None:  # nothing closes it: every lever is used
            assert (used == 1).all()
        else:
            assert set(used.tolist()) <= {0.0, 1.0}
            assert (values * used).sum() >= target - 1e-6
            assert (harms * values * used).sum() == pytest.approx(best, rel=1e-6)


def test_divisible_levers_are_used_least_harm_per_pound_first():
    # Harm per £100m: 1 for the big lever, 3 for the small: the big one goes first, whole,
    # and 20 of the small one's 50 finish the job.
    used = least_harm_cover(np.array([100.0, 50.0]), np.array([1.0, 3.0]), 120)
    assert used.tolist() == pytest.approx([1.0, 0.4])


def test_the_solver_is_imported_only_when_there_is_a_choice_to_make():
    """Where the levers cannot close the gap (every footprint in the bundled figures) they are
    all used, without importing SciPy's optimiser (0.3-0.9 s of a one-off build)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from stpreport.analysis.reprioritise import least_harm_cover\n"
        "assert least_harm_cover([10.0, 20.0], [1.0, 2.0], 50).tolist() == [1.0, 1.0]\n"
        "assert least_harm_cover([10.0, 20.0], [1.0, 2.0], 0).tolist() == [0.0, 0.0]\n"
        "assert 'scipy.optimize' not in sys.modules\n"
        "used = least_harm_cover([100.0, 50.0], [1.0, 3.0], 120)\n"
        "assert [round(x, 9) for x in used] == [1.0, 0.4]\n"
        "assert 'scipy.optimize' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


LEVERS = (
    Lever("l1", "local cheap", 100, 1, False, False, "", "saving", "allocation", True),
    Lever("l2", "local harmful", 100, 4, False, False, "", "saving", "allocation", True),
    Lever("n1", "national", 300, 2, True, False, "", "saving", "allocation", True),
    Lever("ae", "relax A&E", 0, 4, True, False, "", "saving", "recovery_ae", True),
    Lever("f1", "financing", 500, 1, True, False, "", "financing", "allocation", True),
    Lever("p1", "protected", 10_000, 1, True, True, "", "saving", "allocation", True),
)


def _menu(recovery_ae: float = 0.0):
    shares = {"allocation": 0.1, "population": 0.1, "elective": 0.1, "ae": 0.1}
    return lever_values(LEVERS, shares, {"recovery_ae": recovery_ae, "recovery_rtt": 0.0})


def test_reprioritisation_goes_local_first_then_national_never_protected_or_financing():
    small = reprioritise(5, _menu())  # lever values 10, 10, 30, 0, 50, 1000
    used = small.levers.set_index("id")["used"]
    assert used["l1"] == pytest.approx(0.5) and used["l2"] == 0
    assert small.closes_locally and small.still_needed == 0
    big = reprioritise(45, _menu())
    assert big.local == pytest.approx(20) and big.national_agreement == pytest.approx(25)
    huge = reprioritise(100, _menu())
    assert huge.still_needed == pytest.approx(50)  # 100 - 10 - 10 - 30: financing closes none
    assert huge.financing == pytest.approx(50)
    levers = huge.levers.set_index("id")
    assert levers.at["p1", "used"] == 0 and levers.at["f1", "used"] == 0
    assert levers.at["f1", "stage"] == "financing"


def test_trajectory_relaxation_is_worth_only_the_recovery_cost_in_the_gap():
    assert _menu(0.0).set_index("id").at["ae", "value"] == 0  # gap excludes recovery
    with_recovery = reprioritise(100, _menu(recovery_ae=25.0)).levers.set_index("id")
    assert with_recovery.at["ae", "value"] == 25.0
    assert with_recovery.at["ae", "released"] == pytest.approx(25.0)


BANDS = (
    RatingBand("credible", 0.03, 0.9),
    RatingBand("stretching", 0.10, 0.5),
    RatingBand("at risk", 0.15, 0.3),
    RatingBand("undeliverable", None, None),
)


@pytest.mark.parametrize(
    ("share", "coverage", "expected"),
    [
        (0.03, 0.9, "credible"),
        (0.0301, 0.9, "stretching"),
        (0.03, 0.8999, "stretching"),
        (-0.05, 1.2, "credible"),
        (0.10, 0.5, "stretching"),
        (0.1001, 0.5, "at risk"),
        (0.15, 0.3, "at risk"),
        (0.15, 0.2999, "undeliverable"),
        (0.5, 0.99, "undeliverable"),
    ],
)
def test_rating_thresholds_at_their_edges(share, coverage, expected):
    assert rating(share, coverage, BANDS) == expected


def test_the_default_rating_discriminates(bundled):
    counts = bundled.summary["rating"].value_counts()
    assert counts.max() <= 0.6 * len(bundled.summary)
    assert len(counts) >= 3


def test_drivers_split_the_honest_gap_largest_first():
    row = {
        "do_nothing_gap": 500.0,
        "planned_savings": 450.0,
        "recovery_cost": 20.0,
        "contract_cost": 0.2,
    }
    undelivered = pd.Series({"demand_management": 120.0, "provider_efficiency": 80.0})
    assert drivers(row, undelivered) == [
        ("undelivered:demand_management", 120.0),
        ("undelivered:provider_efficiency", 80.0),
        ("unplanned_gap", 50.0),
        ("recovery_cost", 20.0),
    ]


def test_the_bundled_drivers_add_up_to_the_honest_gap(bundled):
    for code in ("E54000008", "E54000041"):
        row = bundled.row(code)
        if row["planned_savings"] <= row["do_nothing_gap"]:
            assert sum(v for _, v in bundled.drivers[code]) == pytest.approx(
                row["honest_gap"], abs=0.5 * len(bundled.drivers[code]) + 1
            )


def test_sensitivity_moves_the_honest_gap_the_right_way(bundled):
    s = bundled.sensitivity.set_index(["code", "key"])
    demand = s.loc[("national", "growth.demand")]
    assert demand["honest_high"] > demand["base"] > demand["honest_low"]
    pe = s.loc[("national", "deliverability.base_rate.provider_efficiency")]
    assert pe["honest_high"] < pe["honest_low"]  # more delivered, smaller gap
    assert s.xs("national")["honest_low"].sum() == pytest.approx(
        bundled.sensitivity[bundled.sensitivity["code"] != "national"]["honest_low"].sum()
    )
    assert vary(A, "growth.funding", 0.01).funding_growth["2018/19"] == pytest.approx(0.013)


def test_kept_steps_give_every_variation_the_position_computed_afresh():
    """The sensitivity keeps `position`'s steps between its variations (`Steps`): each
    variation's position is the same to the bit as one computed from nothing, the steps that
    read what a variation changes are computed again, and the others are not."""
    figures = load_figures()
    a = replace(A, include_recovery=False)  # a step that reads recovery_cost only when included
    steps = Steps()
    for assumptions in (a, A):
        for s in assumptions.sensitivity:
            for value in (s.low, s.high):
                varied = vary(assumptions, s.key, value)
                kept = position(figures, varied, steps)
                fresh = position(figures, varied)
                pd.testing.assert_frame_equal(kept.frame, fresh.frame, check_exact=True)
                pd.testing.assert_frame_equal(kept.scored, fresh.scored, check_exact=True)
                assert kept.pot_chance == fresh.pot_chance
    computed = {name: len(results) for name, results in steps.kept.items()}
    variations = 2 * len(A.sensitivity)
    assert computed["contracts"] == 1  # no variation changes what it reads
    assert 1 < computed["gap"] < variations  # the growth rates and allocation only
    assert 1 < computed["score"] < variations  # the base rates, origin and the pot
    assert computed["recovery"] == 4  # left out; included; the recovery cost's two ends


def test_formatting_rounds_so_parts_add_up_and_says_what_units_are():
    assert money(1234.5) == "£1,234m" and money(1235.5) == "£1,236m" and money(-0.2) == "£0m"
    assert per_head(216.15) == "£216" and percent(0.256) == "26%" and pp(0.004) == "0.4pp"
    assert chance(0.004) == "below 1%" and chance(0.996) == "above 99%" and chance(0.5) == "50%"
    assert rounded_parts([1.4, 1.4, 1.2]) == [2.0, 1.0, 1.0]
    parts = rounded_parts([671.6, 673.6])
    assert sum(parts) == round(671.6 + 673.6)


def test_national_figures_are_the_sums_of_the_footprints(bundled):
    totals, s = bundled.national["totals"], bundled.summary
    assert totals["honest_gap"] == pytest.approx(s["honest_gap"].sum())
    assert totals["honest_gap"] == pytest.approx(totals["total_gap"] - totals["expected_savings"])
    assert totals["total_gap"] == pytest.approx(
        totals["do_nothing_gap"] + totals["recovery_cost"] + totals["contract_cost"]
    )
    assert sum(totals["ratings"].values()) == 44
    regions = bundled.national["regions"]
    assert regions["honest_gap"].sum() == pytest.approx(s["honest_gap"].sum())
    assert list(bundled.national["league"]["rank"]) == list(range(1, 45))
    assert (bundled.national["league"]["rank_low"] <= bundled.national["league"]["rank"]).all()
    assert (bundled.national["league"]["rank"] <= bundled.national["league"]["rank_high"]).all()
    levers = bundled.national["levers"].set_index("id")
    assert levers.at["defer_mental_health", "released"] == 0  # protected
    assert levers.at["trust_control_totals", "released"] == 0  # financing closes nothing
    assert levers["released"].sum() == pytest.approx(
        totals["local_levers"] + totals["national_agreement_levers"]
    )
    # The national P80 is a quantile of the national total, below the sum of footprint P80s.
    assert totals["national_at_confidence"] < totals["national_sum_of_footprint_at_confidence"]
    crosstab = bundled.national["ratings_crosstab"]
    assert int(crosstab.to_numpy().sum()) == 44


@pytest.fixture
def drawn(monkeypatch) -> list[str]:
    """The codes of the footprints simulated while the test runs, in order."""
    import stpreport.analysis.uncertainty as uncertainty

    codes: list[str] = []
    simulate_footprint = uncertainty.simulate_footprint

    def counted(**kw):
        codes.append(kw["code"])
        return simulate_footprint(**kw)

    monkeypatch.setattr(uncertainty, "simulate_footprint", counted)
    return codes


def test_analysing_again_draws_only_the_footprints_whose_inputs_changed(drawn):
    figures = load_figures()
    forget_kept()
    first = analyse(figures, A)
    assert len(drawn) == len(figures.codes)
    schemes = figures.schemes.copy()
    row = schemes.index[schemes["footprint"] == "E54000031"][0]
    schemes.loc[row, "planned_saving"] += 5.0
    edited = replace(figures, schemes=schemes)
    drawn.clear()
    kept = analyse(edited, A)
    assert drawn == ["E54000031"]  # the others' simulations were kept
    forget_kept()
    fresh = analyse(edited, A)
    assert json.dumps(encode(kept), sort_keys=True) == json.dumps(encode(fresh), sort_keys=True)
    assert not first.summary.equals(kept.summary)
    drawn.clear()
    analyse(edited, replace(A, correlation=A.correlation / 2))
    assert len(drawn) == len(figures.codes)  # any assumption changed: all drawn again


def test_a_new_process_reads_the_stored_draws_and_draws_only_what_changed(drawn, tmp_path):
    """What a one-off rebuild does: the kept simulations are gone with the last process, but
    the build's store (`cache.DrawFiles`) has every footprint's draws; a changed footprint is
    drawn again, the others are read, and the analysis is the same to the bit."""
    from stpreport.pipeline.cache import DrawFiles

    figures = load_figures()
    store = DrawFiles(tmp_path)
    forget_kept()
    first = analyse(figures, A, store)
    assert len(drawn) == len(figures.codes)
    assert len(list((tmp_path / "draws").glob("*.f8"))) == len(figures.codes)
    schemes = figures.schemes.copy()
    row = schemes.index[schemes["footprint"] == "E54000031"][0]
    schemes.loc[row, "planned_saving"] += 5.0
    edited = replace(figures, schemes=schemes)
    drawn.clear()
    forget_kept()  # a new process
    stored = analyse(edited, A, store)
    assert drawn == ["E54000031"]
    forget_kept()
    fresh = analyse(edited, A)
    assert json.dumps(encode(stored), sort_keys=True) == json.dumps(encode(fresh), sort_keys=True)
    forget_kept()
    again = analyse(figures, A, DrawFiles(tmp_path))
    assert json.dumps(encode(again), sort_keys=True) == json.dumps(encode(first), sort_keys=True)
