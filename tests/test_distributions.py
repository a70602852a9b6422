"""The tests of analysis.stats and the tails of analysis.distributions give scipy.stats' bits.

analysis.stats computes its tests with numpy and scipy.special so that a job need not import
scipy.stats; these compare each with the scipy.stats function it stands for, exactly (==, not
approx), on random data of the kinds the analyses meet: tied whole numbers, continuous values,
small and large samples.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as scipy_stats

from analysis import distributions, stats

RNG_SEEDS = range(40)


def _samples(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two samples: tied day counts (0-30) or continuous values, of varied sizes."""
    rng = np.random.default_rng(seed)
    n1, n2 = rng.integers(2, 400, 2) if seed % 4 else rng.integers(2, 12, 2)
    if seed % 2:
        return rng.integers(0, 31, n1).astype(float), rng.integers(0, 31, n2).astype(float)
    return rng.normal(size=n1), rng.normal(0.3, 2.0, size=n2)


def test_tails_equal_scipy_stats():
    x = np.array([-3.2, -0.5, 0.0, 0.7, 1.96, 4.1, 12.0, 40.0])
    for df in (1, 2, 3.5, 17, 250):
        # Negative x included: below the support both give 1.
        assert np.array_equal(distributions.chi2_sf(x, df), scipy_stats.chi2.sf(x, df))
        assert np.array_equal(distributions.t_sf(x, df), scipy_stats.t.sf(x, df))
        assert np.array_equal(distributions.f_sf(x, df, 30), scipy_stats.f.sf(x, df, 30))
    q = np.array([0.001, 0.025, 0.5, 0.975, 0.999])
    assert np.array_equal(distributions.normal_sf(x), scipy_stats.norm.sf(x))
    assert np.array_equal(distributions.normal_ppf(q), scipy_stats.norm.ppf(q))
    for df in (1, 4, 60.5):
        assert np.array_equal(distributions.t_ppf(q, df), scipy_stats.t.ppf(q, df))


def test_average_ranks_equal_scipys_rankdata():
    values = np.array([3.0, 1.0, 3.0, np.nan, 2.0, 3.0, 1.0, np.nan])
    ranks, ties = stats.average_ranks(values)
    # By hand: the 1s share ranks 1-2, the 2 is 3rd, the 3s share 4-6, each NaN ranks alone.
    assert ranks.tolist() == [5.0, 1.5, 5.0, 7.0, 3.0, 5.0, 1.5, 8.0]
    assert ties.tolist() == [2.0, 0.0, 1.0, 3.0, 0.0, 0.0, 1.0, 1.0]
    finite = values[~np.isnan(values)]
    assert np.array_equal(stats.average_ranks(finite)[0], scipy_stats.rankdata(finite))


@pytest.mark.parametrize("seed", RNG_SEEDS)
def test_t_tests_equal_scipys(seed):
    a, b = _samples(seed)
    for equal_var in (True, False):
        mine = stats.t_test(a, b, equal_var=equal_var)
        ref = scipy_stats.ttest_ind(a, b, equal_var=equal_var)
        assert (mine["statistic"], mine["df"], mine["p"]) == (ref.statistic, ref.df, ref.pvalue)


@pytest.mark.parametrize("seed", RNG_SEEDS)
def test_mann_whitney_equals_scipys(seed):
    a, b = _samples(seed)
    mine = stats.mann_whitney(a, b)
    ref = scipy_stats.mannwhitneyu(a, b, use_continuity=False, alternative="two-sided")
    assert (mine["u_first"], mine["p"]) == (ref.statistic, ref.pvalue)


@pytest.mark.parametrize("seed", RNG_SEEDS)
def test_wilcoxon_equals_scipys(seed):
    before, after = _samples(seed)
    n = min(len(before), len(after))
    before, after = before[:n], after[:n]
    if not np.count_nonzero(after - before):
        pytest.skip("no change to rank")
    mine = stats.wilcoxon_signed_rank(before, after)
    ref = scipy_stats.wilcoxon(
        after, before, zero_method="wilcox", correction=False, method="asymptotic"
    )
    one_sided = scipy_stats.wilcoxon(
        after,
        before,
        alternative="greater",
        zero_method="wilcox",
        correction=False,
        method="asymptotic",
    )
    assert mine["z"] == one_sided.zstatistic
    assert mine["p"] == ref.pvalue


@pytest.mark.parametrize("seed", RNG_SEEDS)
def test_spearman_and_chi_square_equal_scipys(seed):
    x, y = _samples(seed)
    n = min(len(x), len(y))
    if n >= 3:
        mine = stats.spearman(x[:n], y[:n])
        ref = scipy_stats.spearmanr(x[:n], y[:n])
        assert (mine["statistic"], mine["p"]) == (ref.statistic, ref.pvalue)
    rng = np.random.default_rng(seed)
    table = rng.integers(1, 500, (rng.integers(2, 5), rng.integers(2, 5)))
    mine = stats.chi_square_table(table)
    ref = scipy_stats.chi2_contingency(table, correction=False)
    assert (mine["statistic"], mine["df"], mine["p"]) == (ref.statistic, ref.dof, ref.pvalue)


def test_spearman_of_a_constant_is_undefined():
    result = stats.spearman([1.0, 1.0, 1.0, 1.0], [1.0, 2.0, 3.0, 4.0])
    assert np.isnan(result["statistic"]) and np.isnan(result["p"]) and result["n"] == 4
