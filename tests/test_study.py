"""Interview counts on the small fixture cohort."""

from __future__ import annotations

from analysis import study
from tests.cohort_fixture import small_cohort


def test_interview_counts_and_response():
    cohort, cfg = small_cohort()
    result = study.compute(cohort, cfg)
    assert result["interviews"]["t2"] == {"count": 6, "n": 8, "percent": 75.0}
    assert result["total_interviews"] == {"value": 8 + 6 + 5}
    # P8 was never re-interviewed
    assert result["reinterviewed"] == {"count": 7, "n": 8, "percent": 87.5}
    assert result["missed_first_follow_up"]["count"] == 2
