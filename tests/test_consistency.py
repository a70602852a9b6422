"""analysis.consistency: Appendix B's checks, pinned to hand computations on printed values."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import consistency
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
    text = consistency.audit_markdown(ROOT / "data" / "published")
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
