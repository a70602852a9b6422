"""Interview counts on the small fixture cohort."""

from __future__ import annotations

from analysis import study
from tests.cohort_fixture import small_cohort


def test_interview_counts_and_response():
    cohort, cfg = small_cohort()
    result = study.compute(cohort, cfg)
    assert result["interviews"]["t2"] == {"count": 6, "n": 8, "percent": 75.0}
    # Accumulated through each follow-up wave: t2 adds 6 interviews, t3 five more
    assert result["total_interviews"] == {"t2": {"value": 8 + 6}, "t3": {"value": 8 + 6 + 5}}
    # P4 and P8 missed t2; P4 came back at t3; P8 was never re-interviewed
    assert result["reinterviewed"] == {
        "t2": {"count": 6, "n": 8, "percent": 75.0},
        "t3": {"count": 7, "n": 8, "percent": 87.5},
    }
    assert result["missed_first_follow_up"]["count"] == 2
