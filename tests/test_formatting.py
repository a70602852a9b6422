"""The formatter: exact strings, rounding edge cases and bad input."""

import math
from decimal import Decimal

import pytest

from analysis import formatting as f


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (0.125, 2, "0.13"),  # exact binary half: banker's rounding would give 0.12
        (-0.125, 2, "-0.13"),
        (2.675, 2, "2.68"),  # float is 2.67499999...; round() gives 2.67
        (0.5, 0, "1"),
        (1.5, 0, "2"),
        (2.5, 0, "3"),  # banker's: 2
        (-2.5, 0, "-3"),
        (22.85, 1, "22.9"),
        (-0.04, 1, "0.0"),  # no negative zero
        (-0.0, 1, "0.0"),
        (7, 1, "7.0"),
        (1234567.891, 2, "1234567.89"),
    ],
)
def test_fmt_number_rounds_half_away_from_zero(value, decimals, expected):
    assert f.fmt_number(value, decimals) == expected


def test_round_half_away_returns_decimal():
    assert f.round_half_away(0.125, 2) == Decimal("0.13")
    assert f.round_half_away(-1.005, 2) == Decimal("-1.01")


def test_leading_dot_and_grouping():
    assert f.fmt_number(0.287, 3, leading_zero=False) == ".287"
    assert f.fmt_number(-0.57, 2, leading_zero=False) == "-.57"
    assert f.fmt_number(10.5, 1, leading_zero=False) == "10.5"
    assert f.fmt_number(1200, 0, grouping=True) == "1,200"


def test_mean_and_count():
    assert f.fmt_mean(22.94) == "22.9"
    assert f.fmt_mean(102.45) == "102.5"
    assert f.fmt_mean(0.2249, 2) == "0.22"
    assert f.fmt_count(157) == "157"
    assert f.fmt_count(40000) == "40,000"
    assert f.fmt_count(85.0) == "85"


def test_percent():
    assert f.fmt_percent(54.14) == "54%"
    assert f.fmt_percent(54.14, 85) == "54% (n = 85)"
    assert f.fmt_percent(12.5) == "13%"  # half away from zero
    assert f.fmt_percent(31.46, 28, decimals=1) == "31.5% (n = 28)"


@pytest.mark.parametrize(
    ("p", "style", "expected"),
    [
        (0.0123, "exact", "p = 0.012"),
        (0.0125, "exact", "p = 0.013"),
        (0.0006, "exact", "p < 0.001"),  # below 0.001 even though it rounds to 0.001
        (0.001, "exact", "p = 0.001"),
        (0.0, "exact", "p < 0.001"),
        (1.0, "exact", "p = 1.000"),
        (0.0004, "threshold", "p < 0.001"),
        (0.001, "threshold", "p < 0.01"),  # 0.001 is not below 0.001
        (0.0099, "threshold", "p < 0.01"),
        (0.049, "threshold", "p < 0.05"),
        (0.05, "threshold", "ns"),
        (0.6, "threshold", "ns"),
    ],
)
def test_fmt_p(p, style, expected):
    assert f.fmt_p(p, style) == expected


def test_fmt_p_without_prefix_for_tables():
    assert f.fmt_p(0.0123, prefix=False) == "0.012"
    assert f.fmt_p(0.0001, prefix=False) == "< 0.001"
    assert f.fmt_p(0.003, "threshold", prefix=False) == "< 0.01"


def test_p_stars():
    assert [f.p_stars(p) for p in (0.001, 0.0099, 0.01, 0.049, 0.05)] == ["**", "**", "*", "*", ""]


def test_test_statistics():
    assert f.fmt_chi2(10.555, 1) == "χ² = 10.56, d.f. = 1"
    assert f.fmt_t(-2.195, 155) == "t = -2.20, d.f. = 155"
    assert f.fmt_t(3.32, 102.5) == "t = 3.32, d.f. = 103"  # Welch df rounded half away
    assert f.fmt_z(-6.455) == "z = -6.46"
    assert f.fmt_u(1597.5) == "U = 1597.5"
    assert f.fmt_r(-0.5749) == "r = -0.57"
    assert f.fmt_r(-0.575, leading_zero=False) == "r = -.58"
    assert f.fmt_rs(0.287) == "rs = 0.287"
    assert f.fmt_rs(0.2865, leading_zero=False) == "rs = .287"


def test_odds_ratio_with_ci():
    assert f.fmt_or_ci(1.94, 1.23, 3.1) == "1.94 (1.23 to 3.10)"
    assert f.fmt_or_ci(0.255, 0.1, 0.7) == "0.26 (0.10 to 0.70)"
    with pytest.raises(ValueError, match="does not contain"):
        f.fmt_or_ci(4.0, 1.23, 3.1)


def test_money():
    assert f.fmt_money(1200) == "£1,200"
    assert f.fmt_money(30) == "£30"
    assert f.fmt_money(-30.5) == "-£31"
    assert f.fmt_money(1234.5, 2) == "£1,234.50"


def test_direction_compares_at_shown_precision():
    assert f.direction(22.9, 8.3) == "fall"
    assert f.direction(1.6, 2.0) == "rise"
    assert f.direction(22.94, 22.96) == "rise"  # 22.9 -> 23.0 as printed
    assert f.direction(22.91, 22.94) == "no change"  # both print 22.9
    assert f.direction(22.91, 22.94, decimals=2) == "rise"


def test_significance_is_strict_at_alpha():
    assert f.significance(0.0499) == "significant"
    assert f.significance(0.05) == "not significant"
    assert f.significance(0.02, alpha=0.01) == "not significant"


def test_fmt_test_formats_results_leaves():
    chi2 = {"test": "chi2", "statistic": 17.3512, "df": 1, "p": 3.1e-05, "n": 157}
    assert f.fmt_test(chi2) == "χ² = 17.35, d.f. = 1, p < 0.001"
    t = {"test": "t", "statistic": -2.2, "df": 155, "p": 0.029, "equal_var": True}
    assert f.fmt_test(t) == "t = -2.20, d.f. = 155, p < 0.05"
    assert f.fmt_test(t, "exact") == "t = -2.20, d.f. = 155, p = 0.029"
    mw = {"test": "mann_whitney", "statistic": 1597.5, "p": 0.0002}
    assert f.fmt_test(mw) == "U = 1597.5, p < 0.001"
    wil = {"test": "wilcoxon", "z": -6.46, "p": 1e-10, "r": -0.57, "n_pairs": 64}
    assert f.fmt_test(wil, leading_zero=False) == "z = -6.46, p < 0.001, r = -.57"
    rs = {"test": "spearman", "statistic": 0.191, "p": 0.07, "n": 105}
    assert f.fmt_test(rs) == "rs = 0.191, ns"
    with pytest.raises(ValueError, match="unknown test kind 'anova'"):
        f.fmt_test({"test": "anova", "p": 0.1})


@pytest.mark.parametrize("bad", [None, math.nan, math.inf, "3.2", True])
def test_missing_or_non_numeric_values_are_errors(bad):
    with pytest.raises(ValueError, match="number"):
        f.fmt_mean(bad)


def test_bad_input_messages():
    with pytest.raises(ValueError, match=r"p must lie in \[0, 1\], got 1.2"):
        f.fmt_p(1.2)
    with pytest.raises(ValueError, match="p style must be"):
        f.fmt_p(0.1, "stars")
    with pytest.raises(ValueError, match="count must be a whole number, got 2.5"):
        f.fmt_count(2.5)
