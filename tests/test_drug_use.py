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
            "t1": [NA] * 8, "t2": [1, 0, 1, NA, 0, 0, 0, NA], "t3": [1, 1, NA, 0, 0, 1, NA, NA]},
        "weeks_abstinent_since_intake": {
            "t1": [NA] * 8, "t2": [10, 0, 4, NA, 0, 6, 0, NA], "t3": [20, 8, NA, 0, 0, 30, NA, NA]},
    }
    cfg = config()
    cohort = build_cohort(SMALL_PARTICIPANTS, interviews, SMALL_TREATMENT, cfg)
    abstinence = drug_use.compute(cohort, cfg)["abstinence"]
    # each person's latest answer up to the wave
    assert abstinence["via_treatment_since_intake"] == {
        "t2": {"count": 2, "n": 6, "percent": 100 / 3},
        "t3": {"count": 4, "n": 7, "percent": 400 / 7}}
    assert abstinence["via_treatment_since_intake_first_time"] == {
        "t2": {"count": 2, "n": 3, "percent": 200 / 3},
        "t3": {"count": 3, "n": 3, "percent": 100.0}}
    weeks = abstinence["weeks_since_intake"]
    assert (weeks["t2"]["QCT"], weeks["t2"]["comparison"]) == (
        {"value": 14 / 3, "n": 3}, {"value": 2.0, "n": 3})
    assert (weeks["t3"]["QCT"], weeks["t3"]["comparison"]) == (
        {"value": 8.0, "n": 4}, {"value": 10.0, "n": 3})
