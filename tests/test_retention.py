"""Retention on the small fixture cohort (3 waves: first follow-up t2, last t3), by hand."""

from __future__ import annotations

import math

import pytest

from analysis import retention
from tests.cohort_fixture import SMALL_CONFIG, config, small_cohort


@pytest.fixture(scope="module")
def result():
    cohort, cfg = small_cohort()
    return retention.compute(cohort, cfg)


def test_in_treatment_at_first_follow_up(result):
    assert result["in_treatment"]["QCT"] == {"count": 2, "n": 4, "percent": 50.0}
    assert result["in_treatment"]["all"]["count"] == 4
    assert result["opioid_substitution"]["n"] == 4
    assert sum(s["count"] for s in result["episode_status"].values()) == 8


def test_days_in_treatment_by_wave(result):
    days = result["days_in_treatment"]
    assert set(days) == {"t2", "t3"}
    assert days["t2"]["QCT"] == {"value": 117.5, "n": 4}
    assert days["t3"]["comparison"] == {"value": 193.75, "n": 4}
    left = result["days_in_treatment_not_in_treatment"]
    assert (left["QCT"]["value"], left["comparison"]["value"]) == (105.0, 30.0)


def test_continued_treatment_uses_waves_after_the_first_follow_up(result):
    # self-reported in_treatment at t3 for P1, P2, P4, P5, P6; keyed by the wave it runs through
    assert result["continued_treatment"] == {"t3": {"count": 3, "n": 5, "percent": 60.0}}
    cohort, _ = small_cohort()
    two_waves = config(waves=SMALL_CONFIG["waves"][:2])
    assert retention.continued_treatment(cohort[cohort["wave"] != "t3"], two_waves) == {}


def test_in_treatment_by_wave_from_the_agency_records(result):
    # records at t2: 1 0 1 0 | 0 1 1 0; at t3: 1 0 0 1 | 0 1 1 0; none at intake
    by_wave = result["in_treatment_by_wave"]
    assert by_wave["QCT"] == {
        "t2": {"count": 2, "n": 4, "percent": 50.0},
        "t3": {"count": 2, "n": 4, "percent": 50.0},
    }
    assert by_wave["comparison"]["t2"] == {"count": 2, "n": 4, "percent": 50.0}
    assert by_wave["all"]["t3"] == {"count": 4, "n": 8, "percent": 50.0}


def test_residential_is_the_record_at_each_follow_up(result):
    cohort, _ = small_cohort()
    for wave in ("t2", "t3"):
        records = cohort.loc[cohort["wave"] == wave, "rec_residential_since_intake"]
        assert result["residential"][wave]["all"]["count"] == int(records.sum())


def test_site_effect_on_retention_is_the_2x2_odds_ratio(result):
    # site 2: 2 retained, 1 not; elsewhere: 2 retained, 3 not -> OR = (2 * 3) / (1 * 2)
    odds = result["retained_beyond"]["site_of_interest"]
    assert odds["odds_ratio"] == pytest.approx(3.0, rel=1e-6)
    se = math.sqrt(1 / 2 + 1 / 1 + 1 / 2 + 1 / 3)
    assert odds["ci_high"] == pytest.approx(math.exp(math.log(3) + 1.959964 * se), rel=1e-5)
    assert result["retained_beyond"]["threshold_days"] == {"value": 90}
