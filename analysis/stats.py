"""Statistical test primitives, with the SPSS-era conventions the paper used.

Each function takes plain arrays or Series (missing values as NaN / pd.NA), drops what it must,
and returns a JSON-able dict in the layout of docs/results_format.md: the statistic, its
degrees of freedom where they exist, the exact (unrounded) p-value and the n it used.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.distributions import chi2_sf, normal_ppf, normal_sf, t_sf


def as_float(values: Any) -> np.ndarray:
    """A new 1-d float array with every kind of missing value (None, pd.NA, NaN) as NaN."""
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "biuf":
        # A numpy column has no missing value but NaN: copied as it is (the array's to_numpy
        # below would first find every missing value, to replace NaN by NaN).
        return np.array(series.array, dtype=float)
    if pd.api.types.is_numeric_dtype(series.dtype):
        # Numbers and booleans, numpy or nullable: converted directly (exactly, as below). From
        # the array: the Series' to_numpy hands numpy a Series, whose attribute probes make
        # pandas hash the Series' whole index (seconds per call on a million-person index).
        return series.array.to_numpy(dtype=float, na_value=np.nan, copy=True)
    return (
        pd.to_numeric(series, errors="raise")
        .astype("Float64")
        .to_numpy(dtype=float, na_value=np.nan)
    )


def _present(values: Any) -> np.ndarray:
    """The non-missing values of `values`, as floats."""
    arr = as_float(values)
    return arr[~np.isnan(arr)]


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def average_ranks(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ranks of `values` (1 = smallest; tied values share their mean rank; each NaN ranks
    last, on its own) and the sizes of the tied groups.

    The sizes are laid out as scipy.stats.rankdata lays them out (each group's size at its
    first position in sorted order, zeros elsewhere), so a sum over them adds the same numbers
    in the same order and the tests of this module give scipy's bits.
    """
    # From each distinct value's count (a hash and a sort of the distinct values: faster
    # than sorting every value when, as with day counts, many values are tied).
    codes, distinct = pd.factorize(values, sort=True)  # NaN: code -1
    tally = np.bincount(codes + 1, minlength=len(distinct) + 1)
    n_nan, counts = int(tally[0]), tally[1:]
    starts = np.cumsum(counts) - counts  # each value's first position in sorted order
    n = len(values)
    ranks = (starts + 1 + (counts - 1) / 2)[codes]
    # NaNs rank last, in their order in `values` (scipy's stable sort).
    ranks[codes < 0] = np.arange(n - n_nan + 1, n + 1)
    ties = np.zeros(n)
    ties[starts] = counts
    ties[n - n_nan :] = 1
    return ranks, ties


def chi_square_table(table: Any) -> dict[str, Any]:
    """Pearson chi-square of an r x k contingency table, without continuity correction.

    The arithmetic of scipy.stats.chi2_contingency(correction=False), step by step: expected
    counts from the margins, the statistic summed over the whole table.
    """
    observed = np.asarray(table, dtype=float)
    _require(
        observed.ndim == 2 and min(observed.shape) >= 2,
        "chi-square needs an r x k table, r, k >= 2",
    )
    _require(
        bool((observed.sum(axis=0) > 0).all() and (observed.sum(axis=1) > 0).all()),
        f"chi-square table has an empty row or column: {observed.tolist()}",
    )
    expected = observed.sum(axis=1, keepdims=True) * observed.sum(axis=0, keepdims=True)
    expected = expected / observed.sum()
    statistic = np.sum((observed - expected) ** 2 / expected)
    df = observed.size - sum(observed.shape) + 1
    return {
        "test": "chi2",
        "statistic": float(statistic),
        "df": df,
        "p": float(chi2_sf(statistic, float(df))),
        "n": int(observed.sum()),
    }


def _sorted_codes(values: Any) -> tuple[np.ndarray, int]:
    """Each value's position among the distinct values in their sorted order (missing: -1),
    and the number of distinct values.

    Sorted by the values themselves, also for a categorical (whose own order is its
    categories'). Factorised from pandas' own arrays: an object array of a nullable column
    would hash every cell as a Python object.
    """
    codes, distinct = pd.factorize(pd.Series(values))
    position = np.empty(len(distinct), dtype=np.intp)
    position[np.argsort(np.asarray(distinct, dtype=object), kind="stable")] = np.arange(
        len(distinct)
    )
    return np.where(codes >= 0, position[codes], -1), len(distinct)


def chi_square_2xk(x: Any, y: Any) -> dict[str, Any]:
    """Pearson chi-square of two aligned categorical variables (incomplete pairs dropped)."""
    # The table of the observed values, rows and columns in sorted order as pd.crosstab gives it,
    # counted from integer codes (crosstab groups by the values themselves: slow at scale).
    (x_codes, n_x), (y_codes, n_y) = _sorted_codes(x), _sorted_codes(y)
    pair = (x_codes >= 0) & (y_codes >= 0)
    cells = np.bincount(x_codes[pair] * n_y + y_codes[pair], minlength=n_x * n_y)
    cells = cells.reshape(n_x, n_y)
    # Only the values seen in a complete pair, as if the incomplete pairs were dropped first.
    return chi_square_table(cells[cells.any(axis=1)][:, cells.any(axis=0)])


def _variance(values: np.ndarray) -> np.float64:
    """The sample variance (n - 1 denominator), in scipy.stats' order of operations."""
    n = np.float64(len(values))
    return np.mean((values - np.mean(values, keepdims=True)) ** 2) * (n / (n - 1))


def t_test(a: Any, b: Any, equal_var: bool = True) -> dict[str, Any]:
    """Independent-samples t-test of a minus b (Student by default, Welch if equal_var=False).

    The arithmetic of scipy.stats.ttest_ind, step by step.
    """
    xa, xb = _present(a), _present(b)
    _require(len(xa) >= 2 and len(xb) >= 2, "t-test needs at least two values in each sample")
    n1, n2 = len(xa), len(xb)
    v1, v2 = _variance(xa), _variance(xb)
    with np.errstate(divide="ignore", invalid="ignore"):
        if equal_var:
            df = np.float64(n1 + n2 - 2.0)
            denom = np.sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / df * (1.0 / n1 + 1.0 / n2))
        else:
            vn1, vn2 = v1 / n1, v2 / n2
            df = (vn1 + vn2) ** 2 / (vn1**2 / (n1 - 1) + vn2**2 / (n2 - 1))
            # Both variances zero: df is undefined and does not matter (t is too).
            df = np.float64(1.0) if np.isnan(df) else df
            denom = np.sqrt(vn1 + vn2)
        statistic = np.divide(np.mean(xa) - np.mean(xb), denom)
    return {
        "test": "t",
        "statistic": float(statistic),
        "df": float(df),
        "p": float(2 * t_sf(np.abs(statistic), df)),
        "equal_var": equal_var,
        "n": len(xa) + len(xb),
    }


def mann_whitney(a: Any, b: Any) -> dict[str, Any]:
    """Mann-Whitney U without continuity correction; U reported as min(U_a, U_b), as SPSS does.

    The normal approximation with the tie correction, in the arithmetic of
    scipy.stats.mannwhitneyu; the exact distribution where scipy uses it (a sample of at most 8
    values and no ties), from scipy itself.
    """
    xa, xb = _present(a), _present(b)
    _require(len(xa) >= 1 and len(xb) >= 1, "Mann-Whitney needs values in both samples")
    n1, n2 = len(xa), len(xb)
    ranks, ties = average_ranks(np.concatenate([xa, xb]))
    u_a = float(np.sum(ranks[:n1]) - n1 * (n1 + 1) / 2)
    if min(n1, n2) <= 8 and not (ties > 1).any():
        # Imported here: only a small sample pays scipy.stats' start-up.
        from scipy import stats

        p = stats.mannwhitneyu(xa, xb, use_continuity=False, alternative="two-sided").pvalue
    else:
        n = n1 + n2
        spread = np.sqrt(n1 * n2 / 12 * ((n + 1) - np.sum(ties**3 - ties) / (n * (n - 1))))
        with np.errstate(divide="ignore", invalid="ignore"):
            z = (max(u_a, n1 * n2 - u_a) - n1 * n2 / 2) / spread
        p = np.clip(2 * normal_sf(z), 0.0, 1.0)
    return {
        "test": "mann_whitney",
        "statistic": min(u_a, n1 * n2 - u_a),
        "u_first": u_a,
        "p": float(p),
        "n": n1 + n2,
    }


def wilcoxon_signed_rank(before: Any, after: Any) -> dict[str, Any]:
    """Wilcoxon signed-rank test of paired values, normal approximation, as in SPSS.

    Zero differences are dropped from the ranking (zero_method='wilcox'), no continuity
    correction. z carries the sign of the change (negative when `after` is smaller); the
    effect size r = z / sqrt(2 * n_pairs) counts both observations of every complete pair,
    zero differences included (the paper's N).
    """
    return wilcoxon_signed_rank_within(before, after, {"all": None})["all"]


def wilcoxon_signed_rank_within(
    before: Any, after: Any, subsets: dict[str, np.ndarray | None]
) -> dict[str, dict[str, Any]]:
    """`wilcoxon_signed_rank` of the pairs in each subset (a boolean mask; None: every pair).

    The changes are hashed once for all subsets: a subset's average ranks follow from how many
    of its pairs take each distinct change, so each subset costs a count rather than a ranking
    of its own, and only the distinct changes (a few dozen for day counts) are sorted by size.
    """
    b, a = as_float(before), as_float(after)
    _require(len(b) == len(a), "Wilcoxon needs two aligned arrays of equal length")
    change = a - b  # NaN for an incomplete pair
    # Each pair's distinct change; NaN (an incomplete pair) and zero are distinct changes too.
    codes, distinct = pd.factorize(change, use_na_sentinel=False)
    distinct = np.asarray(distinct, dtype=float)
    ranked = ~np.isnan(distinct) & (distinct != 0)
    # The distinct nonzero absolute differences in ascending order, and each ranked change's.
    sizes, size_of = np.unique(np.abs(distinct[ranked]), return_inverse=True)
    rises = distinct[ranked] > 0
    out = {}
    for name, mask in subsets.items():
        if mask is not None:
            mask = np.asarray(mask, dtype=bool)  # a mask, never positions
            _require(len(mask) == len(change), "Wilcoxon subset mask of the wrong length")
        tally = np.bincount(codes if mask is None else codes[mask], minlength=len(distinct))
        counts, up = np.zeros(len(sizes), dtype=np.int64), np.zeros(len(sizes), dtype=np.int64)
        np.add.at(counts, size_of, tally[ranked])
        np.add.at(up, size_of[rises], tally[ranked][rises])
        out[name] = _signed_rank_test(counts, up, int(tally[distinct == 0].sum()))
    return out


def _signed_rank_test(counts: np.ndarray, up: np.ndarray, n_zero: int) -> dict[str, Any]:
    """The signed-rank test from, per distinct absolute difference in ascending order, how
    many pairs have it (`counts`) and how many of them rose (`up`), and the zero differences.

    z is the signed (R+ - E[R+]) / se of after - before, in the arithmetic of scipy.stats'
    wilcoxon (alternative='greater', method='asymptotic'): zero differences rank last as NaN
    and count for nothing, and the tie correction sums over the ranked differences, laid out
    as `average_ranks` lays them out (so the sum adds the same numbers in the same order, which
    tests/test_stats.py pins to scipy's own result).
    """
    present = counts > 0
    counts, up = counts[present], up[present]
    n_nonzero = int(counts.sum())
    n_pairs = n_nonzero + n_zero
    if n_nonzero == 0:
        return {
            "test": "wilcoxon",
            "z": 0.0,
            "p": 1.0,
            "r": 0.0,
            "n_pairs": n_pairs,
            "n_nonzero": 0,
        }
    starts = np.cumsum(counts) - counts  # each difference's first position in sorted order
    # The tie terms t**3 - t at those positions of an array of every pair, zeros elsewhere (the
    # zero differences' ties of 1 add 0), summed as one array so the additions pair up as they
    # do in scipy. Computed on the few distinct counts: elementwise, the same numbers.
    sizes = counts.astype(float)
    terms = np.zeros(n_pairs)
    terms[starts] = sizes**3 - sizes
    count = np.float64(n_nonzero)
    expected = count * (count + 1.0) * 0.25
    spread = np.sqrt((count * (count + 1.0) * (2.0 * count + 1.0) - np.sum(terms) / 2) / 24)
    # R+: the rising pairs' average ranks. Every term and partial sum is a multiple of 1/2 far
    # below 2**53, so the sum is exact in any order (the same bits as summing rank by rank).
    r_plus = np.sum(up * (starts + 1 + (counts - 1) / 2))
    z = float((r_plus - expected) / spread)
    p = float(2 * normal_sf(abs(z)))
    return {
        "test": "wilcoxon",
        "z": z,
        "p": p,
        "r": float(z / np.sqrt(2 * n_pairs)),
        "n_pairs": n_pairs,
        "n_nonzero": n_nonzero,
    }


def spearman(x: Any, y: Any) -> dict[str, Any]:
    """Spearman rank correlation over the pairs with both values present."""
    xs, ys = as_float(x), as_float(y)
    keep = ~(np.isnan(xs) | np.isnan(ys))
    _require(int(keep.sum()) >= 3, "Spearman needs at least three complete pairs")
    pairs = np.column_stack((xs[keep], ys[keep]))
    if (pairs == pairs[0]).all(axis=0).any():
        # A constant input leaves rs undefined: it is returned as NaN (JSON null).
        statistic = p = np.nan
    else:
        # scipy.stats.spearmanr's arithmetic: Pearson's r of the ranks, t on n - 2 df.
        rs = np.corrcoef(np.apply_along_axis(lambda v: average_ranks(v)[0], 0, pairs), rowvar=False)
        df = len(pairs) - 2
        with np.errstate(divide="ignore"):
            t = rs * np.sqrt((df / ((rs + 1.0) * (1.0 - rs))).clip(0))
        statistic, p = rs[1, 0], (2 * t_sf(np.abs(t), df))[1, 0]
    return {
        "test": "spearman",
        "statistic": float(statistic),
        "p": float(p),
        "n": int(keep.sum()),
    }


def nagelkerke_r2(llf: float, llnull: float, n: int) -> float:
    """Nagelkerke's R2: Cox-Snell R2 rescaled by its maximum."""
    cox_snell = 1.0 - np.exp(2.0 * (llnull - llf) / n)
    return float(cox_snell / (1.0 - np.exp(2.0 * llnull / n)))


def _complete_floats(frame: pd.DataFrame, outcome: str, predictors: Sequence[str]) -> np.ndarray:
    """The outcome and predictors as float columns (as_float, outcome first), in the rows
    where all are present.

    Checks that the columns exist and that the outcome is 0/1 with both values present.
    """
    columns = [outcome, *predictors]
    missing = [c for c in columns if c not in frame.columns]
    _require(not missing, f"logistic regression: columns not in the data: {missing}")
    # Stacked one variable per row (each a contiguous copy; numpy's column_stack writes every
    # value with a stride), returned transposed: one column per variable, as a view.
    stacked = np.stack([as_float(frame[c]) for c in columns])
    data = stacked[:, ~np.isnan(stacked).any(axis=0)].T
    y = data[:, 0]
    _require(bool(np.isin(y, [0.0, 1.0]).all()), f"logistic outcome {outcome!r} must be 0/1")
    _require(len(np.unique(y)) == 2, f"logistic outcome {outcome!r} has a single value")
    return data


class Rows:
    """Complete cases of a logistic model collapsed to their distinct rows and counts.

    The log-likelihood, its gradient and Hessian are sums over rows, and identical rows add
    identical terms, so fitting the distinct rows weighted by their count gives the same
    estimates as fitting every row (up to floating-point summation order). A design of binary
    flags and whole-number ages has far fewer distinct rows than people, which makes a fit's
    cost independent of the cohort's size; with continuous predictors the rows stay about as
    many as people and nothing is lost but one sort. Rows are in sorted order, so the result
    does not depend on the order of the input rows.
    """

    def __init__(self, frame: pd.DataFrame, outcome: str, columns: Sequence[str]):
        data = _complete_floats(frame, outcome, columns)
        counted = pd.DataFrame(data).groupby(list(range(data.shape[1])), sort=True).size()
        distinct = counted.index.to_frame(index=False).to_numpy(dtype=float)
        self.n = int(len(data))
        self.count = counted.to_numpy(dtype=float)
        self.y = distinct[:, 0]
        self.x = distinct[:, 1:]
        self.columns = list(columns)

    def design(self, predictors: Sequence[str]) -> np.ndarray:
        """The intercept and the named predictors' columns."""
        at = [self.columns.index(p) for p in predictors]
        return np.column_stack([np.ones(len(self.y)), self.x[:, at]])


@dataclass(frozen=True)
class LogitFit:
    """A maximum-likelihood logit fit: estimates (intercept first), log-likelihood, the
    information matrix X'WX at the estimates, fitted probabilities, and convergence."""

    params: np.ndarray
    llf: float
    information: np.ndarray
    prob: np.ndarray
    converged: bool


# The fit is statsmodels' GLM (binomial family, logit link) on the distinct rows with their
# counts as frequency weights: the same estimates, log-likelihood and information as Logit on
# every row, at a cost that does not grow with the number of people (tests/test_stats.py checks
# it against Logit). Newton's method with Logit's own settings: at most FIT_MAXITER steps, stop
# when no estimate moves by more than FIT_TOL. (GLM's default, IRLS, stops on the deviance,
# which also stops changing once a diverging start has saturated every probability.)
FIT_MAXITER = 100
FIT_TOL = 1e-8
# Newton's method converges quadratically near the optimum, so a warm start that has not
# converged within this many steps is diverging (from a neighbouring model's estimates it can,
# the logit's likelihood not being quadratic): it is abandoned for the cold start, instead of
# taking all FIT_MAXITER steps, each a pass over the rows.
WARM_MAXITER = 20


def _glm_fit(
    rows: Rows, x: np.ndarray, start: np.ndarray | None, maxiter: int = FIT_MAXITER
) -> LogitFit:
    """statsmodels' binomial GLM of the counted rows, from `start` (None: its own start)."""
    # Imported here: only the jobs that fit a model pay statsmodels' start-up.
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.tools.sm_exceptions import ModelWarning

    with warnings.catch_warnings(), np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        # Non-convergence (e.g. separation) is reported in the result, not as a warning; the
        # standard errors come from the information matrix below, not from statsmodels' own
        # inverse (whose failure, e.g. on a diverging warm start, it also warns about).
        for category in (ModelWarning, RuntimeWarning):
            warnings.simplefilter("ignore", category)
        model = GLM(rows.y, x, family=families.Binomial(), freq_weights=rows.count)
        result = model.fit(
            method="newton", start_params=start, maxiter=maxiter, tol=FIT_TOL, disp=0
        )
    params = np.asarray(result.params, dtype=float)
    prob = np.asarray(result.mu, dtype=float)
    information = (x * (rows.count * prob * (1.0 - prob))[:, None]).T @ x
    # A diverging start ends in non-finite estimates that statsmodels still calls converged.
    converged = bool(result.mle_retvals["converged"]) and bool(np.all(np.isfinite(params)))
    return LogitFit(params, float(result.llf), information, prob, converged)


def _fit(rows: Rows, predictors: Sequence[str], start: np.ndarray | None = None) -> LogitFit:
    """The logit with an intercept and `predictors`, fitted from zeros or warm-started.

    `start` (intercept first) warm-starts Newton's method from a neighbouring model's estimates.
    Newton's method is not globally convergent for the logit: a warm start that diverges or
    fails to converge falls back to the cold start (statsmodels' own).
    """
    x = rows.design(predictors)
    if start is not None:
        try:
            fit = _glm_fit(rows, x, start, WARM_MAXITER)
        except np.linalg.LinAlgError:
            fit = None
        if fit is not None and fit.converged:
            return fit
    return _glm_fit(rows, x, None)


def logistic(frame: pd.DataFrame, outcome: str, predictors: Sequence[str]) -> dict[str, Any]:
    """Binary logistic regression (with intercept) over the complete cases of its variables.

    Returns per predictor the odds ratio exp(b), its Wald 95% CI and p; and the fit: n, llf,
    llnull (closed form: the intercept-only model's fitted probability is the mean outcome)
    and Nagelkerke R2.
    """
    rows = Rows(frame, outcome, predictors)
    fit = _fit(rows, predictors)
    with np.errstate(invalid="ignore"):
        se = np.sqrt(np.diag(np.linalg.inv(fit.information)))
    half = normal_ppf(0.975) * se
    p = 2.0 * normal_sf(np.abs(fit.params / se))
    n = rows.n
    coefficients = {
        name: {
            "odds_ratio": float(np.exp(fit.params[i])),
            "ci_low": float(np.exp(fit.params[i] - half[i])),
            "ci_high": float(np.exp(fit.params[i] + half[i])),
            "b": float(fit.params[i]),
            "se": float(se[i]),
            "p": float(p[i]),
            "n": n,
        }
        for i, name in enumerate(predictors, start=1)
    }
    events = float(rows.count @ rows.y)
    llnull = float(events * np.log(events / n) + (n - events) * np.log1p(-events / n))
    model = {
        "n": n,
        "llf": fit.llf,
        "llnull": llnull,
        "converged": fit.converged,
        "nagelkerke_r2": nagelkerke_r2(fit.llf, llnull, n),
    }
    return {"coefficients": coefficients, "fit": model}


def score_tests(
    rows: Rows, fit: LogitFit, x: np.ndarray, candidates: np.ndarray
) -> list[tuple[float, float]]:
    """Rao score test of adding each column of `candidates`, one at a time, to a fitted logit.

    For a column z, with W = count p(1 - p) at the fitted probabilities and X the model's
    design: U = z'(count (y - p)), information I = z'Wz - z'WX (X'WX)^-1 X'Wz, statistic
    U^2 / I on 1 df. All columns in one pass (statsmodels' `score_test` takes one column per
    call); checked against it in the tests.
    """
    weight = rows.count * fit.prob * (1.0 - fit.prob)
    u = candidates.T @ (rows.count * (rows.y - fit.prob))
    cross = (candidates * weight[:, None]).T @ x  # Z'WX
    information = weight @ candidates**2 - np.einsum(
        "ij,jk,ik->i", cross, np.linalg.inv(fit.information), cross
    )
    statistic = u * u / information
    return [(float(s), float(chi2_sf(s, 1))) for s in statistic]


def forward_stepwise(
    frame: pd.DataFrame, outcome: str, candidates: Sequence[str], entry_p: float, removal_p: float
) -> dict[str, Any]:
    """Forward stepwise logistic selection as SPSS's 'Forward: LR' runs it.

    Runs on the complete cases of the outcome and all candidates, so every model compares the
    same people. Entry: each candidate's score statistic against the current model (one fit per
    step, none per candidate); the smallest p enters if p < entry_p (ties go to the earlier
    candidate in the given order). Removal: the likelihood ratio of the model without each
    selected variable, fitted warm-started from the current estimates; the variable with the
    largest p leaves if p > removal_p, and removal is checked again before the next entry.
    """
    _require(entry_p < removal_p, "stepwise: entry_p must be below removal_p (else it can cycle)")
    rows = Rows(frame, outcome, candidates)
    selected: list[str] = []
    fit = _fit(rows, selected)
    steps: dict[str, dict[str, Any]] = {}

    def record(action: str, variable: str, statistic_name: str, statistic: float, p: float):
        steps[f"step_{len(steps) + 1}"] = {
            "action": action,
            "variable": variable,
            statistic_name: float(statistic),
            "p": float(p),
        }

    for _ in range(2 * len(candidates)):
        waiting = [c for c in candidates if c not in selected]
        if not waiting:
            break
        tests = score_tests(rows, fit, rows.design(selected), rows.design(waiting)[:, 1:])
        scores = dict(zip(waiting, tests, strict=True))
        best = min(scores, key=lambda c: (scores[c][1], list(candidates).index(c)))
        if not scores[best][1] < entry_p:
            break
        selected.append(best)
        # Warm start: the current estimates, and 0 for the entering variable.
        fit = _fit(rows, selected, np.append(fit.params, 0.0))
        record("enter", best, "score_statistic", *scores[best])
        while selected:
            removal = {}
            for at, var in enumerate(selected, start=1):
                rest = [v for v in selected if v != var]
                reduced = _fit(rows, rest, np.delete(fit.params, at))
                statistic = 2.0 * (fit.llf - reduced.llf)
                removal[var] = (statistic, float(chi2_sf(statistic, 1)), reduced)
            worst = max(selected, key=lambda v: (removal[v][1], -selected.index(v)))
            if not removal[worst][1] > removal_p:
                break
            selected.remove(worst)
            fit = removal[worst][2]
            record("remove", worst, "lr_statistic", *removal[worst][:2])
    return {"selected": selected, "steps": steps, "n": rows.n}


def percent(flags: Any) -> dict[str, Any]:
    """Share of 1s among the non-missing values of a 0/1 variable: count, n and percent."""
    values = _present(flags)
    _require(bool(np.isin(values, [0.0, 1.0]).all()), "percent expects a 0/1 variable")
    count, n = int(values.sum()), int(len(values))
    return {"count": count, "n": n, "percent": 100.0 * count / n if n else None}


def category_percents(values: pd.Series, categories: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Count, n and percent of every category among the non-missing values."""
    # Without the labels: a Series' dropna hands numpy a Series, whose attribute probes make
    # pandas hash its whole index (a third of a second for a million person ids).
    present = pd.Series(values.array).dropna()
    counts = present.value_counts()
    n = int(len(present))
    return {
        c: {
            "count": int(counts.get(c, 0)),
            "n": n,
            "percent": 100.0 * int(counts.get(c, 0)) / n if n else None,
        }
        for c in categories
    }


def percent_reduction(before: float, after: float) -> float:
    """Percentage fall from `before` to `after`: 100 * (1 - after / before)."""
    _require(before != 0, "percent reduction from a zero baseline is undefined")
    return 100.0 * (1.0 - after / before)


def central(values: Any, stat: str = "mean") -> dict[str, Any]:
    """Mean or median of the non-missing values, with their n."""
    _require(stat in ("mean", "median"), f"unknown statistic {stat!r}")
    present = _present(values)
    n = int(len(present))
    return {"value": float(getattr(np, stat)(present)) if n else None, "n": n}
