"""The statistical primitives against hand computations and the paper's printed values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from analysis import stats

Z975 = 1.959963984540054


def hand_chi2_2x2(a: int, b: int, c: int, d: int) -> float:
    n = a + b + c + d
    return n * (a * d - b * c) ** 2 / ((a + b) * (c + d) * (a + c) * (b + d))


@pytest.mark.parametrize(
    ("table", "printed"),
    [
        ([[79, 10], [41, 27]], 17.35),  # male by group
        ([[28, 61], [39, 29]], 10.56),  # psychiatric medication by group
        ([[62, 13], [30, 23]], 10.44),  # continued crime during follow-up
        ([[55, 20], [23, 30]], 11.69),  # arrested during follow-up
        ([[50, 32], [12, 45]], 21.69),  # imprisoned during follow-up
    ],
)
def test_chi_square_reproduces_the_papers_printed_values(table, printed):
    res = stats.chi_square_table(table)
    (a, b), (c, d) = table
    assert res["statistic"] == pytest.approx(hand_chi2_2x2(a, b, c, d), rel=1e-12)
    assert round(res["statistic"], 2) == printed
    assert res["df"] == 1
    assert res["n"] == a + b + c + d


def test_chi_square_sex_by_group_exact():
    res = stats.chi_square_table([[79, 10], [41, 27]])
    assert res["statistic"] == pytest.approx(17.3456, abs=5e-5)
    # with one df, P(chi2 > x) = erfc(sqrt(x / 2))
    assert res["p"] == pytest.approx(math.erfc(math.sqrt(res["statistic"] / 2)), rel=1e-9)


def test_chi_square_from_variables_matches_the_table_and_drops_missing():
    x = pd.Series(["a", "a", "a", "b", "b", "b", None, "a"])
    y = pd.Series([1, 1, 0, 0, 0, 1, 1, pd.NA], dtype="Int64")
    res = stats.chi_square_2xk(x, y)
    # a: one 0, two 1 ; b: two 0, one 1
    assert res["statistic"] == pytest.approx(hand_chi2_2x2(1, 2, 2, 1))
    assert res["n"] == 6


def test_chi_square_from_variables_orders_the_table_by_value():
    # Categories listed against their sorted order, and a value ("c") seen only beside a
    # missing partner: the table is a (one 0, one 1) above b (one 0, two 1), bit for bit.
    x = pd.Categorical(["b", "a", "b", "a", "b", "c"], categories=["c", "b", "a"])
    y = pd.Series([1, 0, 0, 1, 1, pd.NA], dtype="Int64")
    assert stats.chi_square_2xk(x, y) == stats.chi_square_table([[1, 1], [1, 2]])


def test_chi_square_3x2_has_two_df():
    res = stats.chi_square_table([[10, 20], [20, 10], [15, 15]])
    expected = 15.0
    hand = sum((o - expected) ** 2 / expected for o in [10, 20, 20, 10, 15, 15])
    assert res["df"] == 2
    assert res["statistic"] == pytest.approx(hand)


def test_chi_square_refuses_an_empty_column():
    with pytest.raises(ValueError, match="empty row or column"):
        stats.chi_square_table([[0, 5], [0, 3]])


A, B = [1.0, 2.0, 3.0], [2.0, 5.0, 7.0, 9.0]


def test_student_t_by_hand():
    # means 2 and 5.75; variances 1 and 26.75/3; pooled variance (2 + 26.75) / 5 = 5.75
    se = math.sqrt(5.75 * (1 / 3 + 1 / 4))
    res = stats.t_test(A, B + [None])
    assert res["statistic"] == pytest.approx(-3.75 / se)
    assert res["df"] == 5
    assert res["n"] == 7
    assert res["equal_var"] is True


def test_welch_t_by_hand():
    va, vb = 1.0 / 3, (26.75 / 3) / 4
    df = (va + vb) ** 2 / (va**2 / 2 + vb**2 / 3)
    res = stats.t_test(A, B, equal_var=False)
    assert res["statistic"] == pytest.approx(-3.75 / math.sqrt(va + vb))
    assert res["df"] == pytest.approx(df)


def test_t_test_needs_two_values_per_group():
    with pytest.raises(ValueError, match="at least two"):
        stats.t_test([1.0], [1.0, 2.0])


def test_mann_whitney_reports_the_smaller_u():
    # pairs with a > b: 3 > 2 once; 2 == 2 counts one half -> U_a = 1.5, U_b = 12 - 1.5
    res = stats.mann_whitney(B, A)
    assert res["statistic"] == 1.5
    assert res["u_first"] == 10.5
    assert res["n"] == 7


BEFORE = [5, 3, 8, 2, 9, 4, 4]
AFTER = [1, 3, 2, 4, 1, 0, 3]


def hand_wilcoxon_z(before, after) -> float:
    """Normal approximation of the signed-rank statistic R+, ties corrected, zeros dropped."""
    d = np.asarray(after, float) - np.asarray(before, float)
    d = d[d != 0]
    n = len(d)
    ranks = pd.Series(np.abs(d)).rank().to_numpy()
    r_plus = ranks[d > 0].sum()
    ties = pd.Series(np.abs(d)).value_counts()
    var = n * (n + 1) * (2 * n + 1) / 24 - ((ties**3 - ties).sum()) / 48
    return (r_plus - n * (n + 1) / 4) / math.sqrt(var)


def test_wilcoxon_against_the_hand_normal_approximation():
    # d = after - before = -4, 0, -6, 2, -8, -4, -1: R+ = 2, n = 6, ties at |4|
    z = (2 - 10.5) / math.sqrt(6 * 7 * 13 / 24 - 6 / 48)
    assert hand_wilcoxon_z(BEFORE, AFTER) == pytest.approx(z)
    res = stats.wilcoxon_signed_rank(BEFORE, AFTER)
    assert res["z"] == pytest.approx(z)
    assert res["p"] == pytest.approx(2 * (0.5 * math.erfc(abs(z) / math.sqrt(2))))
    assert res["n_pairs"] == 7
    assert res["n_nonzero"] == 6
    assert res["r"] == pytest.approx(z / math.sqrt(14))


def test_wilcoxon_z_is_positive_when_values_rise_and_drops_incomplete_pairs():
    res = stats.wilcoxon_signed_rank(AFTER + [None], BEFORE + [3])
    assert res["z"] == pytest.approx(-hand_wilcoxon_z(BEFORE, AFTER))
    assert res["n_pairs"] == 7


def test_wilcoxon_p_is_exactly_scipys_two_sided_p():
    # The p is derived from the one-sided call's z; it must equal scipy's own two-sided p bit
    # for bit (results are compared byte for byte between builds).
    rng = np.random.default_rng(3)
    before, after = rng.integers(0, 30, 500), rng.integers(0, 30, 500)
    two_sided = scipy_stats.wilcoxon(
        after,
        before,
        zero_method="wilcox",
        correction=False,
        method="approx",
        alternative="two-sided",
    )
    assert stats.wilcoxon_signed_rank(before, after)["p"] == float(two_sided.pvalue)


def test_wilcoxon_within_subsets_is_scipys_test_of_each_subset():
    # Day counts with ties, zero differences and missing values, split into subsets that leave
    # some differences out (the shared ranking must not leak into a subset's ranks).
    rng = np.random.default_rng(7)
    before = rng.integers(0, 8, 3000).astype(float)
    after = before + rng.choice([-3.0, -1.0, 0.0, 0.0, 1.0, 2.5], 3000)
    before[rng.random(3000) < 0.1] = np.nan
    group = rng.integers(0, 3, 3000)
    subsets = {"all": None, "a": group == 0, "b": group == 1, "small": np.arange(3000) < 40}
    within = stats.wilcoxon_signed_rank_within(before, after, subsets)
    assert list(within) == list(subsets)
    for name, mask in subsets.items():
        b, a = (before, after) if mask is None else (before[mask], after[mask])
        keep = ~np.isnan(b)
        one_sided = scipy_stats.wilcoxon(
            a[keep],
            b[keep],
            alternative="greater",
            zero_method="wilcox",
            correction=False,
            method="asymptotic",
        )
        two_sided = scipy_stats.wilcoxon(
            a[keep], b[keep], zero_method="wilcox", correction=False, method="asymptotic"
        )
        assert within[name]["z"] == one_sided.zstatistic
        assert within[name]["p"] == two_sided.pvalue
        assert within[name]["n_pairs"] == int(keep.sum())
        assert within[name]["n_nonzero"] == int(np.count_nonzero(a[keep] - b[keep]))
    # A subset with no change at all, and one of the wrong length.
    flat = stats.wilcoxon_signed_rank_within([1, 2, 3], [1, 2, 4], {"x": [1, 1, 0]})
    assert (flat["x"]["z"], flat["x"]["p"], flat["x"]["n_pairs"]) == (0.0, 1.0, 2)
    with pytest.raises(ValueError, match="wrong length"):
        stats.wilcoxon_signed_rank_within([1, 2], [2, 3], {"x": np.array([True])})


def test_as_float_converts_every_kind_of_number_to_a_new_array():
    cases = [
        pd.Series([1, pd.NA, 0], dtype="Int8"),
        pd.Series([1.5, np.nan, 0.0]),
        pd.Series([True, None, False], dtype="boolean"),
        [1, None, 0],
        ["1", None, "0"],
    ]
    expected = [
        [1.0, np.nan, 0.0],
        [1.5, np.nan, 0.0],
        [1.0, np.nan, 0.0],
        [1.0, np.nan, 0.0],
        [1.0, np.nan, 0.0],
    ]
    for values, want in zip(cases, expected, strict=True):
        np.testing.assert_array_equal(stats.as_float(values), want)
    source = pd.Series([1.0, 2.0])
    stats.as_float(source)[0] = 9.0
    assert source[0] == 1.0
    with pytest.raises(ValueError):
        stats.as_float(["a", "1"])


def test_wilcoxon_without_any_change():
    res = stats.wilcoxon_signed_rank([1, 2], [1, 2])
    assert (res["z"], res["p"], res["n_nonzero"]) == (0.0, 1.0, 0)


def test_spearman_by_hand():
    # rank differences -1, 1, -1, 1, 0: rs = 1 - 6 * 4 / (5 * 24) = 0.8
    res = stats.spearman([1, 2, 3, 4, 5, None], [2, 1, 4, 3, 5, 1])
    assert res["statistic"] == pytest.approx(0.8)
    assert res["n"] == 5


def test_logistic_with_one_binary_predictor_equals_the_2x2_odds_ratio():
    # x=1: 8 events, 4 non-events; x=0: 3 events, 9 non-events
    x = [1] * 12 + [0] * 12
    y = [1] * 8 + [0] * 4 + [1] * 3 + [0] * 9
    res = stats.logistic(pd.DataFrame({"y": y, "x": x}), "y", ["x"])
    coef, fit = res["coefficients"]["x"], res["fit"]
    b, se = math.log(8 * 9 / (4 * 3)), math.sqrt(1 / 8 + 1 / 4 + 1 / 3 + 1 / 9)
    assert coef["odds_ratio"] == pytest.approx(6.0, rel=1e-6)
    assert coef["ci_low"] == pytest.approx(math.exp(b - Z975 * se), rel=1e-5)
    assert coef["ci_high"] == pytest.approx(math.exp(b + Z975 * se), rel=1e-5)
    llnull = 11 * math.log(11 / 24) + 13 * math.log(13 / 24)
    llf = 8 * math.log(8 / 12) + 4 * math.log(4 / 12) + 3 * math.log(3 / 12) + 9 * math.log(9 / 12)
    assert fit["llnull"] == pytest.approx(llnull)
    assert fit["llf"] == pytest.approx(llf)
    assert fit["n"] == 24
    cox_snell = 1 - math.exp(2 * (llnull - llf) / 24)
    assert fit["nagelkerke_r2"] == pytest.approx(cox_snell / (1 - math.exp(2 * llnull / 24)))


def test_logistic_refuses_non_binary_outcome_and_unknown_columns():
    frame = pd.DataFrame({"y": [0, 1, 2], "x": [1, 2, 3]})
    with pytest.raises(ValueError, match="must be 0/1"):
        stats.logistic(frame, "y", ["x"])
    with pytest.raises(ValueError, match="not in the data"):
        stats.logistic(frame, "y", ["z"])


def test_nagelkerke_by_hand():
    cox_snell = 1 - math.exp(2 * (-60 + 50) / 100)
    assert stats.nagelkerke_r2(-50.0, -60.0, 100) == pytest.approx(
        cox_snell / (1 - math.exp(-120 / 100))
    )


def _stepwise_data() -> pd.DataFrame:
    rng = np.random.default_rng(13)  # a draw in which the noise column is unrelated to y (p = 0.96)
    n = 200
    x1, noise = rng.normal(size=n), rng.normal(size=n)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-2.0 * x1))).astype(int)
    return pd.DataFrame({"y": y, "noise": noise, "x1": x1})


def test_forward_stepwise_enters_by_the_score_statistic():
    data = _stepwise_data()
    res = stats.forward_stepwise(data, "y", ["noise", "x1"], 0.05, 0.10)
    assert res["selected"] == ["x1"]
    assert list(res["steps"]) == ["step_1"]
    step = res["steps"]["step_1"]
    assert step["variable"] == "x1"
    # Score statistic against the intercept-only model, by hand: with p = mean(y),
    # U = sum x (y - p) and information I = p (1 - p) sum (x - mean x)^2; statistic U^2 / I.
    y, x = data["y"].to_numpy(float), data["x1"].to_numpy(float)
    p = y.mean()
    u = float(np.sum(x * (y - p)))
    information = p * (1 - p) * float(np.sum((x - x.mean()) ** 2))
    assert step["score_statistic"] == pytest.approx(u * u / information, rel=1e-9)
    assert res["n"] == 200


def test_forward_stepwise_removes_a_variable_made_redundant():
    # y depends on x2 + x3; x1 is a noisy copy of their sum, so it is the best single
    # predictor and enters first, and leaves once x2 and x3 are both in (this seed's draw).
    rng = np.random.default_rng(0)
    n = 300
    x2, x3 = rng.normal(size=n), rng.normal(size=n)
    x1 = x2 + x3 + rng.normal(scale=0.5, size=n)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-1.5 * (x2 + x3)))).astype(int)
    data = pd.DataFrame({"y": y, "x1": x1, "x2": x2, "x3": x3})
    res = stats.forward_stepwise(data, "y", ["x1", "x2", "x3"], 0.05, 0.10)
    actions = [(s["action"], s["variable"]) for s in res["steps"].values()]
    assert actions == [("enter", "x1"), ("enter", "x2"), ("enter", "x3"), ("remove", "x1")]
    assert res["selected"] == ["x2", "x3"]
    removal = res["steps"]["step_4"]
    full = stats.logistic(data, "y", ["x1", "x2", "x3"])["fit"]["llf"]
    reduced = stats.logistic(data, "y", ["x2", "x3"])["fit"]["llf"]
    assert removal["lr_statistic"] == pytest.approx(2 * (full - reduced), rel=1e-6)
    assert removal["p"] > 0.10


def _statsmodels_logit(data: pd.DataFrame, outcome: str, predictors: list[str]):
    """statsmodels' Logit with an intercept, fitted from its own (cold) start: the reference."""
    from statsmodels.discrete.discrete_model import Logit
    from statsmodels.tools.tools import add_constant

    design = add_constant(data[predictors].astype(float), has_constant="add")
    return Logit(data[outcome].astype(float), design).fit(disp=0, maxiter=100)


def test_score_tests_agree_with_statsmodels_one_column_at_a_time():
    data = _stepwise_data()
    data["x2"] = data["x1"] ** 2 + data["noise"]
    rows = stats.Rows(data, "y", ["noise", "x1", "x2"])
    fit = stats._fit(rows, ["noise"])
    ours = stats.score_tests(rows, fit, rows.design(["noise"]), rows.design(["x1", "x2"])[:, 1:])
    reference = _statsmodels_logit(data, "y", ["noise"])
    for j, (statistic, p) in enumerate(ours):
        theirs = reference.score_test(exog_extra=data[["x1", "x2"]].to_numpy()[:, [j]])
        assert statistic == pytest.approx(float(np.squeeze(theirs[0])), rel=1e-8)
        assert p == pytest.approx(float(np.squeeze(theirs[1])), rel=1e-6)


def _selection_data() -> pd.DataFrame:
    """Flags and whole-number ages (many repeated rows, as in Table 1's design) and a noisy
    sum x1 of x2 and x3 that enters first and leaves once both are in (this seed's draw)."""
    rng = np.random.default_rng(0)
    n = 400
    x2, x3 = rng.normal(size=n), rng.normal(size=n)
    flag, age = rng.integers(0, 2, size=n), rng.integers(18, 60, size=n)
    x1 = x2 + x3 + rng.normal(scale=0.5, size=n)
    eta = 1.5 * (x2 + x3) + 0.9 * flag - 0.3
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(int)
    noise = rng.integers(0, 2, size=n)
    return pd.DataFrame(
        {"y": y, "x1": x1, "x2": x2, "x3": x3, "flag": flag, "age": age, "noise": noise}
    )


def test_logistic_equals_statsmodels_logit():
    data = _selection_data()
    predictors = ["x1", "flag", "age", "noise"]
    ours = stats.logistic(data, "y", predictors)
    theirs = _statsmodels_logit(data, "y", predictors)
    ci = theirs.conf_int()
    for name in predictors:
        coefficient = ours["coefficients"][name]
        assert coefficient["b"] == pytest.approx(theirs.params[name], rel=1e-9)
        assert coefficient["se"] == pytest.approx(theirs.bse[name], rel=1e-9)
        assert coefficient["p"] == pytest.approx(theirs.pvalues[name], rel=1e-8)
        assert coefficient["ci_low"] == pytest.approx(math.exp(ci.loc[name, 0]), rel=1e-9)
        assert coefficient["ci_high"] == pytest.approx(math.exp(ci.loc[name, 1]), rel=1e-9)
    assert ours["fit"]["llf"] == pytest.approx(theirs.llf, rel=1e-12)
    assert ours["fit"]["llnull"] == pytest.approx(theirs.llnull, rel=1e-9)
    assert ours["fit"]["n"] == 400 and ours["fit"]["converged"]


def test_a_diverging_warm_start_falls_back_to_the_cold_fit():
    rows = stats.Rows(_selection_data(), "y", ["x1", "flag"])
    cold = stats._fit(rows, ["x1", "flag"])
    far = np.array([30.0, -30.0, 30.0])  # IRLS (Newton's method) diverges from here
    assert not stats._glm_fit(rows, rows.design(["x1", "flag"]), far, stats.WARM_MAXITER).converged
    warm = stats._fit(rows, ["x1", "flag"], far)
    assert warm.converged and warm.llf == cold.llf
    np.testing.assert_array_equal(warm.params, cold.params)


def test_logistic_does_not_depend_on_the_row_order():
    data = _selection_data()
    shuffled = data.sample(frac=1.0, random_state=3)
    assert stats.logistic(shuffled, "y", ["x1", "flag", "age"]) == stats.logistic(
        data, "y", ["x1", "flag", "age"]
    )


def _statsmodels_forward_lr(data, outcome, candidates, entry_p, removal_p):
    """SPSS's Forward: LR written out with statsmodels alone: every model fitted from a cold
    start, entry by statsmodels' own score test, removal by refitting without each variable."""
    selected, steps = [], []
    current = _statsmodels_logit(data, outcome, [])
    while waiting := [c for c in candidates if c not in selected]:
        tests = {
            c: [float(np.squeeze(t)) for t in current.score_test(exog_extra=data[[c]].to_numpy())][
                :2
            ]
            for c in waiting
        }
        best = min(waiting, key=lambda c: (tests[c][1], candidates.index(c)))
        if tests[best][1] >= entry_p:
            break
        selected.append(best)
        current = _statsmodels_logit(data, outcome, selected)
        steps.append(("enter", best, *tests[best]))
        while selected:
            lr = {
                v: 2
                * (
                    current.llf
                    - _statsmodels_logit(data, outcome, [s for s in selected if s != v]).llf
                )
                for v in selected
            }
            worst = max(selected, key=lambda v: (scipy_stats.chi2.sf(lr[v], 1), -selected.index(v)))
            if scipy_stats.chi2.sf(lr[worst], 1) <= removal_p:
                break
            selected.remove(worst)
            current = _statsmodels_logit(data, outcome, selected)
            steps.append(("remove", worst, lr[worst], scipy_stats.chi2.sf(lr[worst], 1)))
    return selected, steps


def test_forward_stepwise_selection_equals_statsmodels_forward_lr():
    data = _selection_data()
    candidates = ["x1", "x2", "x3", "flag", "age", "noise"]
    selected, steps = _statsmodels_forward_lr(data, "y", candidates, 0.05, 0.10)
    assert ("remove", "x1") in [step[:2] for step in steps]  # the fixture exercises removal
    ours = stats.forward_stepwise(data, "y", candidates, 0.05, 0.10)
    assert ours["selected"] == selected
    assert [(s["action"], s["variable"]) for s in ours["steps"].values()] == [
        step[:2] for step in steps
    ]
    for step, (_, _, statistic, p) in zip(ours["steps"].values(), steps, strict=True):
        key = "score_statistic" if step["action"] == "enter" else "lr_statistic"
        assert step[key] == pytest.approx(statistic, rel=1e-7)
        assert step["p"] == pytest.approx(p, rel=1e-6)


def test_forward_stepwise_refuses_entry_above_removal():
    with pytest.raises(ValueError, match="entry_p"):
        stats.forward_stepwise(_stepwise_data(), "y", ["x1"], 0.2, 0.1)


def test_percent_and_category_percents():
    assert stats.percent(pd.Series([1, 0, 1, pd.NA], dtype="Int64")) == {
        "count": 2,
        "n": 3,
        "percent": 200 / 3,
    }
    with pytest.raises(ValueError, match="0/1"):
        stats.percent([0, 2])
    cats = stats.category_percents(pd.Series(["a", "b", "a", None]), ["a", "b", "c"])
    assert cats["a"] == {"count": 2, "n": 3, "percent": 200 / 3}
    assert cats["c"]["count"] == 0


def test_percent_reduction():
    assert stats.percent_reduction(132.0, 38.0) == pytest.approx(100 * (1 - 38 / 132))
    with pytest.raises(ValueError, match="zero baseline"):
        stats.percent_reduction(0.0, 1.0)


def test_central():
    assert stats.central([1, 2, None, 6]) == {"value": 3.0, "n": 3}
    assert stats.central([1, 2, 6], "median") == {"value": 2.0, "n": 3}
