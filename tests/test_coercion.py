"""Perceived pressure and stage of change on the small fixture cohort, computed by hand."""

from __future__ import annotations

import pytest

from analysis import coercion
from tests.cohort_fixture import small_cohort


@pytest.fixture(scope="module")
def result():
    cohort, cfg = small_cohort()
    return coercion.compute(cohort, cfg)


def test_pressure_by_group(result):
    assert result["perceived_pressure"]["QCT"] == {"count": 3, "n": 4, "percent": 75.0}
    assert result["no_pressure"]["QCT"] == {"count": 1, "n": 4, "percent": 25.0}
    assert result["perceived_pressure"]["comparison"]["count"] == 1
    # 8 * (3 * 3 - 1 * 1)^2 / 4^4 = 2
    assert result["perceived_pressure"]["chi2"]["statistic"] == pytest.approx(2.0)


def test_stage_of_change(result):
    stage = result["stage_of_change"]
    assert stage["all"]["action"] == {"count": 4, "n": 8, "percent": 50.0}
    assert stage["QCT"]["precontemplation"]["count"] == 1
    # identical distributions in both groups: chi2 0 on (3 - 1) x (2 - 1) = 2 df
    assert stage["chi2"]["statistic"] == pytest.approx(0.0)
    assert stage["chi2"]["df"] == 2
