"""Offending outcomes on the small fixture cohort (waves t1, t2, t3), computed by hand."""

from __future__ import annotations

import math

import pytest

from analysis import offending
from tests.cohort_fixture import (
    NA,
    SMALL_INTERVIEWS,
    SMALL_PARTICIPANTS,
    SMALL_TREATMENT,
    build_cohort,
    config,
    small_cohort,
)

# QCT crime_days_30: P1 20 -> 2, P2 30 -> 30, P3 10 -> 0 (P4 missed t2): differences
# -18, 0, -10 -> two non-zero, R+ = 0, E = 2*3/4, var = 2*3*5/24
QCT_T1_T2_Z = (0 - 1.5) / math.sqrt(1.25)


@pytest.fixture(scope="module")
def result():
    cohort, cfg = small_cohort()
    return offending.compute(cohort, cfg)


def test_figure_1_means_by_group_and_wave(result):
    means = result["crime_days_30"]["mean"]
    assert means["QCT"]["t1"] == {"value": 21.25, "n": 4}
    assert means["comparison"]["t1"] == {"value": 13 / 3, "n": 3}
    assert means["QCT"]["t2"] == {"value": 32 / 3, "n": 3}
    assert means["all"]["t3"] == {"value": 16 / 5, "n": 5}


def test_reduction_of_crime_days_180(result):
    reduction = result["crime_days_180"]["reduction"]["QCT"]
    # baseline mean (120 + 180 + 60 + 150) / 4; last follow-up (0 + 60 + 30) / 3
    assert reduction["t1_t3"]["value"] == pytest.approx(100 * (1 - 30 / 127.5))
    assert set(reduction) == {"t1_t2", "t1_t3", "t2_t3"}


def test_wilcoxon_within_group(result):
    test = result["crime_days_30"]["wilcoxon"]["QCT"]["t1_t2"]
    assert test["z"] == pytest.approx(QCT_T1_T2_Z)
    assert test["r"] == pytest.approx(QCT_T1_T2_Z / math.sqrt(6))
    assert (test["n_pairs"], test["n_nonzero"]) == (3, 2)


def test_locf_block(result):
    block = result["missing_data"]
    assert block["method"] == "locf"
    qct = block["crime_days_30"]["QCT"]
    # P4's baseline 25 is carried forward to t2
    assert qct["t2"] == {"value": (2 + 30 + 0 + 25) / 4, "n": 4}
    assert qct["reduction"]["value"] == pytest.approx(100 * (1 - 14.25 / 21.25))
    assert qct["wilcoxon"]["z"] == pytest.approx(QCT_T1_T2_Z)
    assert qct["wilcoxon"]["r"] == pytest.approx(QCT_T1_T2_Z / math.sqrt(8))


def test_complete_case_block():
    cohort, cfg = small_cohort(missing_data="complete_case")
    block = offending.compute(cohort, cfg)["missing_data"]
    assert block["method"] == "complete_case"
    assert block["crime_days_30"]["QCT"]["t2"] == {"value": 32 / 3, "n": 3}


def test_during_follow_up_through_each_wave(result):
    during = result["during_follow_up"]
    assert set(during["continued_crime"]) == {"t2", "t3"}
    # through t2: P1 P2 offended, P3 did not, P4 not yet re-interviewed
    assert during["continued_crime"]["t2"]["QCT"] == {"count": 2, "n": 3, "percent": 200 / 3}
    # through t3: P4 (interviewed at t3 only) offended there
    assert during["continued_crime"]["t3"]["QCT"] == {"count": 3, "n": 4, "percent": 75.0}
    assert during["arrested"]["t3"]["comparison"] == {"count": 1, "n": 3, "percent": 100 / 3}
    imprisoned = during["imprisoned"]
    assert imprisoned["t2"]["QCT"] == {"count": 1, "n": 4, "percent": 25.0}
    imprisoned = imprisoned["t3"]
    assert imprisoned["QCT"] == {"count": 2, "n": 3, "percent": 200 / 3}
    # 7 * (2 * 3 - 1 * 1)^2 / (3 * 4 * 3 * 4)
    assert imprisoned["chi2"]["statistic"] == pytest.approx(175 / 144)


def test_desistance_correlates(result):
    # desisted at t2 (P1 P2 P3 P5 P6 P7): 0 0 1 0 1 0; site 2: 1 0 1 0 1 0 -> phi = 6 / sqrt(72)
    site = result["desistance_correlates"]["site_of_interest"]
    assert site["statistic"] == pytest.approx(6 / math.sqrt(72))
    assert site["n"] == 6
    assert result["no_crime_first_follow_up"] == {"count": 2, "n": 6, "percent": 100 / 3}


def test_crime_adjusted_for_time_at_liberty(result):
    ratio = result["crime_liberty_ratio"]
    # t1: everyone at liberty 30 days; t2 liberty QCT P1 20, P2 30, P3 30
    assert ratio["mean"]["QCT"]["t1"] == {"value": pytest.approx(85 / 120), "n": 4}
    assert ratio["mean"]["QCT"]["t2"] == {"value": pytest.approx((2 / 20 + 1 + 0) / 3), "n": 3}
    assert ratio["reduction"]["QCT"]["t1_t2"]["value"] == pytest.approx(
        100 * (1 - (1.1 / 3) / (85 / 120))
    )
    # same signs as the raw days for QCT: 20/30 -> 2/20, 1 -> 1, 1/3 -> 0
    assert ratio["wilcoxon"]["QCT"]["t1_t2"]["z"] == pytest.approx(QCT_T1_T2_Z)
    # comparison P7 offended on 8 of 30 days, then on 4 of only 10 days at liberty: a rise
    # (P5 5/30 -> 5/30 and P6 0 -> 0 unchanged): one positive difference, z = (1 - 1/2) / (1/2)
    comparison = ratio["wilcoxon"]["comparison"]["t1_t2"]
    assert comparison["z"] == pytest.approx(1.0)
    assert result["crime_days_30"]["wilcoxon"]["comparison"]["t1_t2"]["z"] == pytest.approx(-1.0)


def test_number_of_different_crimes():
    interviews = {
        **SMALL_INTERVIEWS,
        "crime_types_30": {
            "t1": [3, 5, 1, 2, 1, 0, 2, NA],
            "t2": [1, 5, 0, NA, 1, 0, 1, NA],
            "t3": [0, 2, NA, 1, 1, 0, NA, NA],
        },
    }
    cfg = config()
    cohort = build_cohort(SMALL_PARTICIPANTS, interviews, SMALL_TREATMENT, cfg)
    types = offending.compute(cohort, cfg)["crime_types_30"]
    assert types["mean"]["QCT"]["t1"] == {"value": 2.75, "n": 4}
    assert types["mean"]["all"]["t3"] == {"value": 0.8, "n": 5}
    assert types["reduction"]["QCT"]["t1_t2"]["value"] == pytest.approx(100 * (1 - 2 / 2.75))
    # QCT differences -2, 0, -1: the same ranks as the crime days
    assert types["wilcoxon"]["QCT"]["t1_t2"]["z"] == pytest.approx(QCT_T1_T2_Z)
