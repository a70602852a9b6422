"""Drug-use outcomes on the small fixture cohort, computed by hand."""

from __future__ import annotations

import pytest

from analysis import drug_use
from tests.cohort_fixture import (
    NA,
    SMALL_INTERVIEWS,
    SMALL_PARTICIPANTS,
    SMALL_TREATMENT,
    build_cohort,
    config,
    small_cohort,
)


@pytest.fixture(scope="module")
def result():
    cohort, cfg = small_cohort()
    return drug_use.compute(cohort, cfg)


def test_figure_2_means(result):
    means = result["illicit_drug_days_30"]["mean"]
    assert means["QCT"]["t1"] == {"value": 25.75, "n": 4}
    assert means["comparison"]["t2"] == {"value": 15.0, "n": 3}
    assert set(result["illicit_drug_days_30"]["wilcoxon"]["all"]) == {"t1_t2", "t1_t3", "t2_t3"}


def test_spend_medians(result):
    medians = result["drug_spend_30"]["median"]
    assert medians["QCT"]["t1"] == {"value": 1100.0, "n": 4}
    assert medians["all"]["t2"] == {"value": 75.0, "n": 6}


def test_locf_block(result):
    qct = result["missing_data"]["illicit_drug_days_30"]["QCT"]
    assert qct["t2"] == {"value": (10 + 28 + 0 + 25) / 4, "n": 4}
    assert result["missing_data"]["method"] == "locf"


def test_improvement_correlates(result):
    # improved (P1 P2 P3 P5 P6 P7): 1 0 1 0 1 0; QCT: 1 1 1 0 0 0 -> phi = (2*2 - 1*1) / 3^2
    qct = result["improvement_correlates"]["qct"]
    assert qct["statistic"] == pytest.approx(1 / 3)
    assert qct["n"] == 6


def test_abstinence_before_intake(result):
    before = result["abstinence"]
    assert before["never_via_treatment_before"] == {"count": 3, "n": 7, "percent": 300 / 7}
    assert before["voluntarily_before"] == {"count": 4, "n": 8, "percent": 50.0}


def test_abstinence_during_follow_up_through_each_wave():
    # P1-P4 QCT, P5-P8 comparison; P4 and P8 missed t2, P3, P7 and P8 missed t3.
    # Never abstinent via treatment before intake: P1, P3, P6.
    interviews = {
        **SMALL_INTERVIEWS,
        "abstinent_via_treatment_since_intake": {
            "t1": [NA] * 8,
            "t2": [1, 0, 1, NA, 0, 0, 0, NA],
            "t3": [1, 1, NA, 0, 0, 1, NA, NA],
        },
        "weeks_abstinent_since_intake": {
            "t1": [NA] * 8,
            "t2": [10, 0, 4, NA, 0, 6, 0, NA],
            "t3": [20, 8, NA, 0, 0, 30, NA, NA],
        },
    }
    cfg = config()
    cohort = build_cohort(SMALL_PARTICIPANTS, interviews, SMALL_TREATMENT, cfg)
    abstinence = drug_use.compute(cohort, cfg)["abstinence"]
    # each person's latest answer up to the wave
    assert abstinence["via_treatment_since_intake"] == {
        "t2": {"count": 2, "n": 6, "percent": 100 / 3},
        "t3": {"count": 4, "n": 7, "percent": 400 / 7},
    }
    assert abstinence["via_treatment_since_intake_first_time"] == {
        "t2": {"count": 2, "n": 3, "percent": 200 / 3},
        "t3": {"count": 3, "n": 3, "percent": 100.0},
    }
    weeks = abstinence["weeks_since_intake"]
    assert (weeks["t2"]["QCT"], weeks["t2"]["comparison"]) == (
        {"value": 14 / 3, "n": 3},
        {"value": 2.0, "n": 3},
    )
    assert (weeks["t3"]["QCT"], weeks["t3"]["comparison"]) == (
        {"value": 8.0, "n": 4},
        {"value": 10.0, "n": 3},
    )


def test_heroin_and_crack_changes(result):
    # heroin t1 -> t2: QCT P1 20 -> 0, P2 0 -> 0, P3 10 -> 0: two negative differences
    heroin = result["heroin_days_30"]["wilcoxon"]
    assert heroin["QCT"]["t1_t2"]["z"] == pytest.approx(-1.5 / 1.25**0.5)
    # comparison P5 0 -> 0, P6 3 -> 0, P7 0 -> 0: one negative difference, z = -(1/2) / (1/2)
    assert heroin["comparison"]["t1_t2"]["z"] == pytest.approx(-1.0)
    assert result["crack_days_30"]["mean"]["QCT"]["t1"] == {"value": 6.5, "n": 4}
    assert result["crack_days_30"]["reduction"]["QCT"]["t1_t2"]["value"] == pytest.approx(100.0)


def test_illicit_use_adjusted_for_time_at_liberty(result):
    ratio = result["illicit_liberty_ratio"]["mean"]
    # t2 liberty: P1 20, P2 30, P3 30 (QCT); P5 30, P6 30, P7 10 (comparison)
    assert ratio["QCT"]["t2"] == {"value": pytest.approx((10 / 20 + 28 / 30 + 0) / 3), "n": 3}
    # P7 used on 20 days with 10 at liberty: the ratio is not capped at 1
    assert ratio["comparison"]["t2"] == {"value": pytest.approx((20 / 30 + 5 / 30 + 2) / 3), "n": 3}
