"""Baseline profile on the small fixture cohort, computed by hand."""

from __future__ import annotations

import math

import pytest

from analysis import profile
from tests.cohort_fixture import small_cohort


@pytest.fixture(scope="module")
def result():
    cohort, cfg = small_cohort()
    return profile.compute(cohort, cfg)


def test_group_sizes_and_sites(result):
    assert result["group_size"]["QCT"] == {"count": 4, "n": 8, "percent": 50.0}
    assert result["site"]["2"] == {"count": 3, "n": 8, "percent": 37.5}


def test_sex_by_group(result):
    male = result["proportions"]["male"]
    assert male["QCT"] == {"count": 3, "n": 4, "percent": 75.0}
    assert male["comparison"] == {"count": 1, "n": 4, "percent": 25.0}
    assert male["all"]["count"] == 4
    # 8 * (3 * 3 - 1 * 1)^2 / (4 * 4 * 4 * 4) = 2
    assert male["chi2"]["statistic"] == pytest.approx(2.0)
    assert male["chi2"]["df"] == 1


def test_psychiatric_medication_and_earlier_stage(result):
    med = result["proportions"]["psych_medication_lifetime"]
    assert (med["QCT"]["count"], med["comparison"]["count"]) == (1, 3)
    stage = result["proportions"]["stage_precontemplation"]
    assert (stage["QCT"]["count"], stage["comparison"]["count"]) == (1, 1)
    assert stage["chi2"]["statistic"] == pytest.approx(0.0)


def test_age_t_test_by_hand(result):
    age = result["means"]["age"]
    assert age["QCT"] == {"value": 32.5, "n": 4}
    assert age["comparison"] == {"value": 35.0, "n": 4}
    # variances 125/3 and 140/3; pooled (125 + 140) / 6
    se = math.sqrt((125 + 140) / 6 * (1 / 4 + 1 / 4))
    assert age["t_test"]["statistic"] == pytest.approx(-2.5 / se)
    assert age["t_test"]["df"] == 6


def test_composite_mann_whitney_by_hand(result):
    composite = result["means"]["drug_composite"]
    assert composite["QCT"]["value"] == pytest.approx(0.225)
    # QCT scores beat comparison scores in 15 of 16 pairs: U = min(15, 1)
    assert composite["mann_whitney"]["statistic"] == 1.0


def test_intake_modality_and_interview_timing(result):
    assert result["intake_modality"]["day_care"] == {"count": 4, "n": 8, "percent": 50.0}
    weeks = result["weeks_to_intake_interview"]
    assert weeks["mean"] == {"value": 21.5 / 8, "n": 8}
    assert weeks["within_two_weeks"] == {"count": 4, "n": 8, "percent": 50.0}
