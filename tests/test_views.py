"""The cohort views shared by the domains, on the small fixture cohort."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import views
from tests.cohort_fixture import config, small_cohort

FOUR_WAVES = [{"id": f"w{i}", "months": 6 * i, "label": f"w{i}"} for i in range(4)]


def test_comparisons_follow_the_configured_waves():
    assert views.comparisons(config()) == {
        "t1_t2": ("t1", "t2"),
        "t1_t3": ("t1", "t3"),
        "t2_t3": ("t2", "t3"),
    }
    assert list(views.comparisons(config(waves=FOUR_WAVES))) == [
        "w0_w1",
        "w0_w2",
        "w0_w3",
        "w1_w2",
        "w1_w3",
    ]
    assert list(views.comparisons(config(waves=FOUR_WAVES[:2]))) == ["w0_w1"]


def test_a_new_wave_adds_pairs_and_spans_without_changing_the_old_ones():
    three, four = config(waves=FOUR_WAVES[:3]), config(waves=FOUR_WAVES)
    assert views.comparisons(three).items() <= views.comparisons(four).items()
    assert views.through(three) == {"w1": ["w1"], "w2": ["w1", "w2"]}
    assert views.through(four) == {**views.through(three), "w3": ["w1", "w2", "w3"]}
    assert views.through(config(waves=FOUR_WAVES[:1])) == {}


def test_missing_data_method_is_validated():
    assert views.follow_up_column("x", config()) == "x_locf"
    assert views.follow_up_column("x", config(missing_data="complete_case")) == "x"
    with pytest.raises(ValueError, match="missing_data"):
        views.missing_data_method(config(missing_data="mean"))


def test_wide_latest_and_ever():
    cohort, cfg = small_cohort()
    table = views.wide(cohort, "crime_days_30", cfg)
    assert list(table.columns) == ["t1", "t2", "t3"]
    assert table.loc["P2"].tolist() == [30, 30, 10]
    latest = views.latest(cohort, "crime_days_30", ["t2", "t3"])
    assert latest.to_dict() == {"P1": 0, "P2": 10, "P3": 0, "P4": 5, "P5": 1, "P6": 0, "P7": 4}
    # P8 was never interviewed after baseline, so is not counted
    arrested = views.ever(cohort, "arrested_since_last", ["t2", "t3"])
    assert arrested.to_dict() == {"P1": 1, "P2": 1, "P3": 0, "P4": 0, "P5": 0, "P6": 0, "P7": 1}


def test_at_wave_refuses_an_unknown_wave():
    cohort, _ = small_cohort()
    with pytest.raises(ValueError, match="no rows for wave 't9'"):
        views.at_wave(cohort, "t9")


def test_flag_is_missing_where_an_input_is():
    a = pd.Series([1, 0, pd.NA], dtype="Int64")
    b = pd.Series([0, pd.NA, 1], dtype="Int64")
    assert views.flag((a == 1) | (b == 1), a, b).tolist() == [1, pd.NA, pd.NA]


def test_wave_percents_and_reductions():
    cohort, cfg = small_cohort()
    homeless = views.wave_percents(cohort, "homeless_30")
    assert homeless["all"]["t1"] == {"count": 3, "n": 8, "percent": 37.5}
    assert homeless["QCT"]["t3"] == {"count": 1, "n": 3, "percent": 100 / 3}
    summary = {
        "all": {
            "t1": {"value": 10.0, "n": 5},
            "t2": {"value": 4.0, "n": 4},
            "t3": {"value": 5.0, "n": 3},
        }
    }
    red = views.reductions(summary, cfg)["all"]
    assert red["t1_t2"] == {"value": 60.0, "n_before": 5, "n_after": 4}
    assert red["t2_t3"]["value"] == pytest.approx(-25.0)


def test_wave_summary_by_hand():
    cohort, _ = small_cohort()
    # crime_days_180 at t2: QCT 12, 150, 0 (and one missing); comparison 30, 0, 20 (and one).
    days = views.wave_summary(cohort, "crime_days_180")
    assert days["QCT"]["t2"] == {"value": 54.0, "n": 3}
    assert days["comparison"]["t2"] == {"value": 50 / 3, "n": 3}
    assert days["all"]["t2"] == {"value": 212 / 6, "n": 6}
    assert days["comparison"]["t3"] == {"value": 3.0, "n": 2}
    spend = views.wave_summary(cohort, "drug_spend_30", "median")
    assert spend["QCT"]["t1"] == {"value": 1100.0, "n": 4}
    assert spend["all"]["t3"] == {"value": 100.0, "n": 5}
    with pytest.raises(ValueError, match="unknown statistic"):
        views.wave_summary(cohort, "crime_days_180", "mode")


def test_percents_by_group_skips_the_test_of_a_constant_flag():
    group = pd.Series(["QCT", "QCT", "comparison"], index=["a", "b", "c"])
    out = views.percents_by_group(pd.Series([0, 0, 0], index=group.index, dtype="Int64"), group)
    assert out["QCT"] == {"count": 0, "n": 2, "percent": 0.0}
    assert out["chi2"] is None


def test_percents_by_group_counts_the_group_by_flag_table_by_hand():
    """QCT: flags 1, 1, 0 and one missing; comparison: 0, 0, 1; one person without a group
    (counted in 'all' only). The table [[QCT 0, QCT 1], [comparison 0, comparison 1]] is
    [[2, 1], [1, 2]] (rows in sorted order: 'QCT' < 'comparison'), and the chi-square is
    n (ad - bc)^2 / ((a+b)(c+d)(a+c)(b+d)) = 6 * 9 / 81."""
    people = [f"p{i}" for i in range(8)]
    group = pd.Series(["QCT"] * 4 + ["comparison"] * 3 + [None], index=people)
    flags = pd.Series([1, 1, 0, pd.NA, 0, 0, 1, 1], index=people, dtype="Int64")
    out = views.percents_by_group(flags, group)
    assert out["QCT"] == {"count": 2, "n": 3, "percent": 200 / 3}
    assert out["comparison"]["count"] == 1 and out["all"] == {
        "count": 4,
        "n": 7,
        "percent": 400 / 7,
    }
    assert out["chi2"]["n"] == 6 and out["chi2"]["df"] == 1
    assert out["chi2"]["statistic"] == pytest.approx(6 * 9 / 81, rel=1e-12)
    # A flag that varies only among the people without a group leaves a one-column table.
    same = pd.Series([0, 0, 0, 0, 0, 0, 0, 1], index=people, dtype="Int64")
    with pytest.raises(ValueError, match="r x k table"):
        views.percents_by_group(same, group)


def test_align_puts_values_on_the_labels_of_an_index():
    group = pd.Series(
        pd.array(["QCT", "comparison", "QCT", "comparison"], dtype="string"),
        index=pd.Index(["P1", "P2", "P3", "P4"], dtype="string"),
        name="group",
    )
    # A subset in the same (sorted) order, as person-level views give it.
    subset = views.align(group, pd.Index(["P2", "P4"], dtype="string"))
    assert subset.index.tolist() == ["P2", "P4"] and subset.tolist() == ["comparison"] * 2
    assert subset.name == "group" and subset.dtype == "string"
    # Out of order, and a label absent from the values: NA there.
    other = views.align(group, pd.Index(["P3", "P9", "P1"]))
    assert other.index.tolist() == ["P3", "P9", "P1"]
    assert other.tolist()[0] == "QCT" and other.isna().tolist() == [False, True, False]
    assert views.align(group, pd.Index(["P1", "P2", "P3", "P4"])).tolist() == group.tolist()


def test_align_matches_the_people_of_one_cohorts_views_as_reindex_does():
    cohort, cfg = small_cohort()
    people = views.persons(cohort, cfg)
    seen = views.latest(cohort, "crime_days_30", ["t2", "t3"])  # P8: never seen after baseline
    arrested = views.ever(cohort, "arrested_since_last", ["t2", "t3"])
    for values, index in [
        (people["group"], seen.index),
        (seen, arrested.index),
        (seen, people.index),  # P8 absent from the values: NA there
        (arrested, views.interviewed_in(cohort, ["t3"])),
    ]:
        pd.testing.assert_series_equal(views.align(values, index), values.reindex(index))
    # A view of another cohort object, same people: matched by id, not by the other grid.
    again, _ = small_cohort()
    other = views.latest(again.iloc[::-1].iloc[::-1], "crime_days_30", ["t3"])
    pd.testing.assert_series_equal(
        views.align(people["group"], other.index), people["group"].reindex(other.index)
    )


def test_group_values_of_a_subset_of_the_people():
    group = pd.Series(["QCT", "comparison", "QCT", "comparison"], index=["a", "b", "c", "d"])
    flags = pd.Series([1, 0, 1], index=["a", "c", "d"], dtype="Int64")
    split = views.group_values(flags, group)
    assert split["QCT"].to_dict() == {"a": 1, "c": 0}
    assert split["comparison"].to_dict() == {"d": 1}


def test_views_refuse_a_cohort_that_is_not_the_person_by_wave_grid():
    cohort, cfg = small_cohort()
    ids, wave_ids = views.grid(cohort)
    assert list(wave_ids) == ["t1", "t2", "t3"] and ids[:2].tolist() == ["P1", "P2"]
    with pytest.raises(ValueError, match="grid"):
        views.latest(cohort.loc[cohort["wave"] != "t2"], "crime_days_30", ["t3"])
    with pytest.raises(ValueError, match="grid"):
        views.at_wave(cohort.iloc[::-1], "t2")
