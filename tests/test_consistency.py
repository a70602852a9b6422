"""analysis.consistency: Appendix B's checks, pinned to hand computations on printed values."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import consistency
from analysis.published import load_published
from tests.results_fixture import ROOT


def _published(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    """A statistics.csv-like frame of (id, published, kind, group) rows, quantity 'q <id>'."""
    frame = pd.DataFrame(rows, columns=["id", "published", "kind", "group"])
    return frame.assign(quantity="q " + frame["id"] + ": kind")


def test_printed_values_stand_for_their_rounding_interval():
    assert consistency.bounds("26%") == (25.5, 26.5)
    low, high = consistency.bounds("-6.46")
    assert (round(low, 3), round(high, 3)) == (-6.465, -6.455)


def test_bases_that_reproduce_a_percentage():
    # 28/87 = 32.18% and 28/88 = 31.82% round to 32%; 28/89 = 31.46% does not.
    assert consistency.fitting_bases(28, "32%", 157) == [87, 88]
    assert consistency.fitting_bases(37, "25%", 157) == [146, 147, 148, 149, 150, 151]


def test_percent_table_judges_each_percentage_against_its_group():
    table = _published(
        [
            ("study_n_total", "157", "count", "all"),
            ("study_n_qct", "89", "count", "QCT"),
            ("x_qct_n", "28", "count", "QCT"),
            ("x_qct_pct", "32%", "percent", "QCT"),
            ("y_n", "85", "count", "all"),
            ("y_pct", "54%", "percent", "all"),
        ]
    )
    out = consistency.percent_table(table)
    assert out[["Statistic", "Printed", "Bases that fit", "Verdict"]].values.tolist() == [
        ["q x_qct_pct", "28 (32%)", "87–88", "needs a smaller base"],
        ["q y_pct", "85 (54%)", "156–157", "fits the group size"],
    ]


def test_pearson_chi_square_without_continuity_correction():
    # By hand: 28/89 against 39/68, expected cells 38.0, 51.0, 29.0, 39.0 -> 10.564.
    assert consistency.pearson_2x2(28, 89, 39, 68) == pytest.approx(10.564, abs=5e-4)


def test_pairs_that_fit_a_printed_z_and_r():
    table = _published([("w_z", "-6.46", "statistic", "QCT"), ("w_r", "-.57", "r", "QCT")])
    # |z| / sqrt(2 k) must meet [.565, .575): k = 64 gives .571, k = 65 .567, k = 63 .576.
    assert consistency.pairs_table(table)["Pairs that fit"].tolist() == ["64–65"]


def test_odds_ratio_interval_midpoint_and_implied_p():
    table = _published(
        [
            ("o_or", "1.94", "odds_ratio", ""),
            ("o_ci_low", "1.23", "ci_low", ""),
            ("o_ci_high", "3.1", "ci_high", ""),
            ("o_p", "**", "p_threshold", ""),
        ]
    )
    row = consistency.odds_ratio_table(table).iloc[0]
    # sqrt(1.23 x 3.1) = 1.953; z = ln 1.953 / ((ln 3.1 - ln 1.23) / 3.92) = 2.84, p = .0045.
    assert (row["Midpoint"], row["Wald z"], row["Implied p"], row["Holds"]) == (
        "1.953",
        "2.84",
        "0.0045",
        "yes",
    )


def test_implied_p_of_each_test_kind():
    assert consistency.implied_p("chi2", 0.54, 1) == pytest.approx(0.4624, abs=1e-4)
    assert consistency.implied_p("t", -2.20, 155) == pytest.approx(0.0293, abs=1e-4)
    assert consistency.implied_p("z", -1.64, None) == pytest.approx(0.1010, abs=1e-4)


def test_the_audit_of_the_shipped_paper_has_every_section():
    text = consistency.audit_markdown(load_published(ROOT / "data" / "published"))
    assert [line for line in text.split("\n") if line.startswith("### ")] == [
        f"### {title}" for title in consistency.SECTIONS
    ]
    assert "| homeless at intake | 28/89 against 9/68 | 7.108 | 7.12 | no |" in text


def test_whole_sample_means_against_their_group_means():
    table = _published(
        [
            ("study_n_total", "157", "count", "all"),
            ("study_n_qct", "89", "count", "QCT"),
            ("m_all_t1", "17.3", "mean", "all"),
            ("m_qct_t1", "22.9", "mean", "QCT"),
            ("m_comparison_t1", "9.3", "mean", "comparison"),
        ]
    )
    table["n"] = [None, None, 154, 89, 62]
    row = consistency.weighted_means_table(table).iloc[0]
    # (22.9 x 89 + 9.3 x 62) / 151 = 17.32; 22.85..22.95 and 9.25..9.35 give 17.27 to 17.37.
    assert (row["Weighted"], row["Range"], row["Agrees"], row["n adds up"]) == (
        "17.32",
        "17.27 to 17.37",
        "yes",
        "no (151)",
    )


def test_printed_reductions_against_their_means():
    table = _published(
        [
            ("x_reduction_qct", "71%", "percent", "QCT"),
            ("x_mean_qct_t1", "132", "mean", "QCT"),
            ("x_mean_qct_t4", "38", "mean", "QCT"),
        ]
    )
    table["waves"] = ["t1;t4", "t1", "t4"]
    row = consistency.reductions_table(table).iloc[0]
    assert (row["Recomputed (%)"], row["Agrees"]) == ("71.2", "yes")  # 100 x (1 - 38/132)


def test_the_shipped_papers_counts_add_up():
    from analysis.published import load_published

    out = consistency.sums_table(load_published(ROOT / "data" / "published"))
    # 157 + 106 + 100 + 95 = 458; 157 - 106 = 51; 43 + 40 + 27 + 26 + 21 = 157 (the paper's).
    assert out[["Result", "Printed", "Agrees"]].values.tolist() == [
        ["458", "458", "yes"],
        ["51", "51", "yes"],
        ["157", "157", "yes"],
    ]


def test_grim_knows_which_means_whole_numbers_can_give():
    # By hand: 36/7 = 5.143 and 37/7 = 5.286, so 5.29 is possible with n = 7 and 5.19 is not.
    assert consistency.grim_possible("5.29", 7)
    assert not consistency.grim_possible("5.19", 7)
    assert consistency.grim_possible("17.3", 151)


def test_count_phrases_read_as_prose():
    phrase = consistency._count_phrase
    assert phrase(0, "none passes", "{} pass") == "none passes"
    assert phrase(3, "none passes", "{} of the 5 pass", every=5) == "three of the 5 pass"
    assert phrase(5, "none passes", "{} of the 5 pass", every=5) == "all 5 pass"


@pytest.fixture(scope="module")
def readings():
    return consistency.readings(load_published(ROOT / "data" / "published"))


def test_appendix_b_readings_of_the_papers_printed_values(readings):
    """Pinned to hand computations on the paper's printed numbers."""
    intake = readings["intake_mean"]
    # (22.9 x 89 + 9.3 x 62) / 151 = 2614.7 / 151 = 17.316; 89 + 62 = 151, not the printed 154.
    assert (intake["n_sum"], intake["n_printed"], intake["weighted"]) == ("151", "154", "17.32")
    # 6.58 / sqrt(2 x 151) = 0.3786.
    assert intake["r_at_sum"] == ".379"
    # 37 / 157 = 23.57%; 25% needs 37 / 148 ... 37 / 151.
    assert (readings["homeless"]["exact"], readings["homeless"]["bases"]) == ("23.57%", "146–151")
    # 28 / 89 = 31.46%; 32% needs 87 or 88, but only base 89 gives the chi-square 10.56.
    qct = readings["qct_base"]
    assert (qct["exact"], qct["bases"], qct["chi2"], qct["chi2_bases"]) == (
        "31.46%",
        "87–88",
        "10.564",
        "89",
    )
    assert readings["homeless_chi2"]["recomputed"] == "7.108"
    assert readings["homeless_chi2"]["verdict"] == "none of them reproduces it"
    # 43 + 40 + 27 + 26 + 21 = 157; 40 / 157 = 25.48%; 26% needs 40 / 151 ... 40 / 156.
    left = readings["left_by_choice"]
    assert (left["sum"], left["exact"], left["bases"]) == ("157", "25.48%", "151–156")
    # chi-square .54 with one d.f.: p = 0.462.
    assert readings["stage"]["p"] == "0.46"
    # sqrt(0.85 x 0.98) = 0.9127; the largest, sqrt(0.855 x 0.985) = 0.9177.
    table1 = readings["table1"]
    assert (table1["age_midpoint"], table1["age_midpoint_max"]) == ("0.913", "0.918")
