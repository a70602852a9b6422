"""Table 1 machinery on a seeded random cohort where offending depends on drug score and age."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis import regression, stats, views
from tests.cohort_fixture import random_cohort, small_cohort


@pytest.fixture(scope="module")
def data():
    cohort, cfg = random_cohort()
    return cohort, cfg, regression.compute(cohort, cfg)


def test_standardised_drug_score_by_hand(data):
    cohort, cfg, _ = data
    design = regression.design_matrix(cohort, cfg, ["drug_composite_z", "site_of_interest"])
    raw = views.at_wave(cohort, "t1")["drug_composite"]
    expected = (raw - raw.mean()) / raw.std(ddof=1)
    pd.testing.assert_series_equal(design["drug_composite_z"], expected, check_names=False)
    assert design["drug_composite_z"].std(ddof=1) == pytest.approx(1.0)


def test_final_model_is_the_configured_one(data):
    cohort, cfg, result = data
    design = regression.design_matrix(cohort, cfg, ["drug_composite_z", "age"])
    expected = stats.logistic(design, "no_offence", ["drug_composite_z", "age"])
    assert result["final"] == expected
    interviewed = views.at_wave(cohort, "t2")["crime_days_30"].notna().sum()
    assert result["final"]["fit"]["n"] == interviewed
    assert result["outcome"]["no_offence"]["n"] == interviewed


def test_outcome_is_reporting_no_offence_at_the_first_follow_up(data):
    cohort, cfg, result = data
    design = regression.design_matrix(cohort, cfg, ["age"])
    crime = views.at_wave(cohort, "t2")["crime_days_30"].reindex(design.index)
    known = crime.notna()
    assert (design.loc[known, "no_offence"] == (crime[known] == 0).astype(int)).all()
    assert result["outcome"]["no_offence"]["count"] == int((crime == 0).sum())


def test_stepwise_selects_the_true_predictors(data):
    _, _, result = data
    # qct and site_of_interest are random noise in this cohort and must stay out
    assert sorted(result["stepwise"]["selected"]) == ["age", "drug_composite_z"]
    assert [s["action"] for s in result["stepwise"]["steps"].values()] == ["enter", "enter"]


def test_locf_variant_covers_everyone_with_a_baseline_value(data):
    cohort, cfg, result = data
    assert result["missing_data"]["method"] == "locf"
    with_baseline = views.at_wave(cohort, "t1")["crime_days_30"].notna().sum()
    assert result["missing_data"]["final"]["fit"]["n"] == with_baseline
    assert with_baseline > result["final"]["fit"]["n"]


def test_complete_case_variant_equals_the_final_model():
    cohort, cfg = random_cohort()
    cfg["missing_data"] = "complete_case"
    result = regression.compute(cohort, cfg)
    assert result["missing_data"]["final"] == result["final"]


def test_unknown_predictor_is_refused(data):
    cohort, cfg, _ = data
    with pytest.raises(ValueError, match="unknown predictors \\['shoe_size'\\]"):
        regression.design_matrix(cohort, cfg, ["shoe_size"])


def test_locf_model_ignores_the_configured_missing_data_method():
    cohort, cfg = random_cohort()
    cfg["missing_data"] = "complete_case"
    result = regression.compute(cohort, cfg)
    with_baseline = views.at_wave(cohort, "t1")["crime_days_30"].notna().sum()
    assert result["locf"]["final"]["fit"]["n"] == with_baseline
    assert result["missing_data"]["final"]["fit"]["n"] == result["final"]["fit"]["n"]


def _wald_ci(odds_ratio: float, cells: list[int]) -> tuple[float, float]:
    """The Wald 95% interval of a 2x2 odds ratio, se = sqrt(sum of 1 / cell)."""
    half = 1.959963984540054 * math.sqrt(sum(1 / c for c in cells))
    return odds_ratio * math.exp(-half), odds_ratio * math.exp(half)


@pytest.fixture(scope="module")
def group_only():
    """qct_adjusted with no other predictors: each odds ratio is a 2x2 cross-product ratio."""
    cohort, cfg = small_cohort()
    cfg["regression"]["final"] = []
    return regression.qct_adjusted(cohort, cfg)


def test_qct_adjusted_no_offence_complete_case_and_locf(group_only):
    # t2 crime days: QCT P1 2, P2 30, P3 0; comparison P5 5, P6 0, P7 4 -> 1 of 3 desisted each
    assert group_only["no_offence"]["coefficients"]["qct"]["odds_ratio"] == pytest.approx(1.0)
    assert group_only["no_offence"]["fit"]["n"] == 6
    # LOCF adds P4 (25 carried forward: offended); P8 has no baseline value
    locf = group_only["no_offence_locf"]
    assert locf["coefficients"]["qct"]["odds_ratio"] == pytest.approx((1 / 3) / (1 / 2))
    assert locf["fit"]["n"] == 7


def test_qct_adjusted_drug_use_and_retention(group_only):
    # improved drug use: QCT P1 1, P2 0, P3 1; comparison P5 0, P6 1, P7 0 -> OR (2/1) / (1/2)
    drug = group_only["improved_drug_use"]["coefficients"]["qct"]
    assert drug["odds_ratio"] == pytest.approx(4.0)
    low, high = _wald_ci(4.0, [2, 1, 1, 2])
    assert (drug["ci_low"], drug["ci_high"]) == (pytest.approx(low), pytest.approx(high))
    # agency record at t2: QCT 1 0 1 0, comparison 0 1 1 0 -> 2 of 4 each
    retention = group_only["in_treatment"]
    assert retention["coefficients"]["qct"]["odds_ratio"] == pytest.approx(1.0)
    assert retention["fit"]["n"] == 8
