"""Drug-use outcomes on the small fixture cohort, computed by hand."""

from __future__ import annotations

import pytest

from analysis import drug_use
from tests.cohort_fixture import small_cohort


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
