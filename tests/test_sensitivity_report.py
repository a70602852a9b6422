"""The sensitivity section's verdicts and table: judged against LOCF, generated with the numbers."""

from __future__ import annotations

import copy

import pytest

from analysis.sensitivity import conclusions, report


def _cell(z: float, p: float, ci_low: float, value: float = -5.0) -> dict:
    return {
        "wilcoxon": {"z": z, "p": p},
        "mean_change": {"value": value, "ci_low": value - 2, "ci_high": value + 2},
        "reduction": {"value": 40.0, "ci_low": ci_low, "ci_high": 60.0},
    }


@pytest.fixture()
def change():
    """LOCF: a significant fall with a reduction interval above 0; MI agrees, complete case not."""
    return {
        "crime_days_30": {
            "QCT": {
                "locf": _cell(-3.0, 0.001, 10.0),
                "multiple_imputation": _cell(-2.5, 0.01, 5.0),
                "complete_case": _cell(-1.0, 0.3, -5.0),
            }
        }
    }


def test_verdicts_are_judged_against_the_locf_result(change):
    out = conclusions.change_conclusions(change, alpha=0.05)
    fall = out["crime_days_30_QCT_fall"]
    assert fall["holds_by_method"] == {
        "locf": True,
        "multiple_imputation": True,
        "complete_case": False,
    }
    assert fall["holds"] is False
    reduction = out["crime_days_30_QCT_reduction"]
    assert reduction["holds_by_method"] == {
        "locf": True,
        "multiple_imputation": True,
        "complete_case": False,
    }


def test_no_change_under_locf_is_the_reference_too(change):
    flat = copy.deepcopy(change)
    for cell in flat["crime_days_30"]["QCT"].values():
        cell["wilcoxon"] = {"z": -0.5, "p": 0.6}
        cell["reduction"]["ci_low"] = -3.0
    out = conclusions.change_conclusions(flat, alpha=0.05)
    assert "crime_days_30_QCT_no_significant_change" in out
    assert out["crime_days_30_QCT_no_significant_change"]["holds"] is True
    assert out["crime_days_30_QCT_reduction"]["holds"] is True


def test_change_cell_formats_mean_change_ci_and_p():
    cell = _cell(-3.0, 0.0004, 10.0, value=-12.38)
    assert report.change_cell(cell) == "-12.4 (-14.4 to -10.4); p < 0.001"


def test_conclusion_names_read_as_words():
    assert (
        report.conclusion_name("crime_days_30_QCT_fall", {}, site=2)
        == "the significant fall in days of crime in the QCT group"
    )
    assert (
        report.conclusion_name("table1_age", {}, site=2)
        == "the effect of age in the model of the original Table 1"
    )


@pytest.mark.parametrize(
    ("by_method", "expected"),
    [
        ({"locf": True, "complete_case": True, "multiple_imputation": None}, report.HOLDS),
        ({"locf": False, "complete_case": False, "multiple_imputation": False}, report.FAILS),
        ({"locf": True, "complete_case": False, "multiple_imputation": True}, report.DEPENDS),
    ],
)
def test_verdicts_tell_holds_fails_and_depends_apart(by_method, expected):
    assert report.verdict_of({"holds_by_method": by_method}) == expected


def test_the_verdict_sentence_counts_and_names_the_conclusions():
    names = {report.HOLDS: ["a", "b", "c"], report.FAILS: ["d"], report.DEPENDS: ["e, x", "f"]}
    assert report.verdict_sentence(names) == (
        "Of the six conclusions checked, three held under every method, one failed under every "
        "method (d) and two depended on the method (e, x and f)"
    )
    assert report.verdict_sentence(
        {report.HOLDS: ["a", "b"], report.FAILS: [], report.DEPENDS: []}
    ) == ("Both conclusions checked held under every method")
