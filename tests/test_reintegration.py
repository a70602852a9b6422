"""Reintegration outcomes on the small fixture cohort, computed by hand."""

from __future__ import annotations

import pytest

from analysis import reintegration
from tests.cohort_fixture import small_cohort


@pytest.fixture(scope="module")
def result():
    cohort, cfg = small_cohort()
    return reintegration.compute(cohort, cfg)


def test_homelessness_by_wave(result):
    homeless = result["homeless_30"]["percent"]["all"]
    assert homeless["t1"] == {"count": 3, "n": 8, "percent": 37.5}
    assert homeless["t2"] == {"count": 1, "n": 6, "percent": 100 / 6}
    assert set(result["homeless_30"]["chi2"]) == {"t1", "t2", "t3"}
    assert sum(s["count"] for s in result["homeless_setting"].values()) == 3


def test_homelessness_at_first_follow_up_by_missing_data_method(result):
    # LOCF fills P4 and P8 with their (not homeless) baseline
    assert result["missing_data"]["homeless_30"]["all"] == {"count": 1, "n": 8, "percent": 12.5}
    cohort, cfg = small_cohort(missing_data="complete_case")
    complete = reintegration.compute(cohort, cfg)["missing_data"]
    assert complete["method"] == "complete_case"
    assert complete["homeless_30"]["all"] == {"count": 1, "n": 6, "percent": 100 / 6}


def test_work_and_study(result):
    assert result["no_work_or_study_before"] == {"count": 5, "n": 8, "percent": 62.5}
    # people re-interviewed through t2 (6) and through t3 (7: P4 came back at t3)
    during = result["no_work_or_study_follow_up"]
    assert (during["t2"]["n"], during["t3"]["n"]) == (6, 7)
