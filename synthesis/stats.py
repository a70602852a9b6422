"""Fast numpy forms of the paper's tests, used inside the calibration loop.

Each equals its SciPy / statsmodels counterpart named in docs/statistics_spec.md (same ties
handling, no continuity corrections); tests/test_synthesize.py checks them against the library
functions and recomputes key statistics of the committed files with the libraries themselves.
They exist only because each library call carries ~1 ms of overhead and the search evaluates
them hundreds of thousands of times.
"""

from __future__ import annotations

import functools

import numpy as np

STAT_DIGITS = 10  # significant digits a statistic keeps before it enters a decision


def on_grid(x: float) -> float:
    """x rounded to STAT_DIGITS significant digits: values that differ only in the last bits
    (exp / log differ between CPU instruction sets) become equal."""
    return float(f"{x:.{STAT_DIGITS}g}")


def rank_ties(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Average ranks (as scipy.stats.rankdata) and the sizes of the tie groups."""
    n = len(x)
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    start = np.empty(n, bool)
    start[:1] = True
    np.not_equal(xs[1:], xs[:-1], out=start[1:])
    edges = np.append(np.flatnonzero(start), n)
    counts = edges[1:] - edges[:-1]
    ranks = np.empty(n)
    ranks[order] = np.repeat((edges[:-1] + edges[1:] + 1) / 2, counts)
    return ranks, counts


def rankdata(x: np.ndarray) -> np.ndarray:
    return rank_ties(x)[0]


def both(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return ~(np.isnan(a) | np.isnan(b))


def wilcoxon_zr(before: np.ndarray, after: np.ndarray) -> tuple[float, float]:
    """Signed-rank z (negative when values fall) and r = z / sqrt(2 * pairs incl. zeros)."""
    ok = both(before, after)
    d = after[ok] - before[ok]
    pairs = int(ok.sum())
    d = d[d != 0]
    n = len(d)
    if n == 0:
        return 0.0, 0.0
    ranks, counts = rank_ties(np.abs(d))
    r_plus = ranks[d > 0].sum()
    var = n * (n + 1) * (2 * n + 1) / 24 - (counts**3 - counts).sum() / 48
    z = (r_plus - n * (n + 1) / 4) / np.sqrt(var)
    return float(z), float(z / np.sqrt(2 * pairs))


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    ok = both(x, y)
    rx, ry = rankdata(x[ok]), rankdata(y[ok])
    rx, ry = rx - rx.mean(), ry - ry.mean()
    den = np.sqrt((rx**2).sum() * (ry**2).sum())
    return float((rx * ry).sum() / den) if den > 0 else 0.0


def student_t(a: np.ndarray, b: np.ndarray) -> float:
    """Equal-variance two-sample t of a minus b (NaNs dropped)."""
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    na, nb = len(a), len(b)
    pooled = ((na - 1) * a.var(ddof=1) + (nb - 1) * b.var(ddof=1)) / (na + nb - 2)
    return float((a.mean() - b.mean()) / np.sqrt(pooled * (1 / na + 1 / nb)))


def chi2_2x2(x: np.ndarray, g: np.ndarray) -> float:
    """Pearson chi-square (no continuity correction) of binary x by binary g, NaNs dropped."""
    ok = ~np.isnan(x)
    x, g = x[ok] == 1, g[ok]
    table = np.array([[np.sum(x & g), np.sum(~x & g)], [np.sum(x & ~g), np.sum(~x & ~g)]], float)
    expected = table.sum(1, keepdims=True) * table.sum(0, keepdims=True) / table.sum()
    if (expected == 0).any():
        return 0.0
    return float(((table - expected) ** 2 / expected).sum())


def mann_whitney_u(a: np.ndarray, b: np.ndarray) -> float:
    """The smaller of the two U statistics (as SPSS prints it)."""
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    ranks = rankdata(np.concatenate([a, b]))
    u1 = ranks[: len(a)].sum() - len(a) * (len(a) + 1) / 2
    return float(min(u1, len(a) * len(b) - u1))


def _dot_rows(X: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """X @ beta without BLAS: elementwise products summed in numpy's fixed order."""
    return (X * beta).sum(axis=1)


def _cholesky(a: list[list[float]]) -> list[list[float]]:
    """Lower Cholesky factor of a small symmetric positive definite matrix (only its lower
    triangle is read), as rows of growing length, in plain Python floats: IEEE arithmetic in a
    fixed order, unlike LAPACK, whose kernels (chosen per CPU and thread count) sum in
    different orders."""
    low: list[list[float]] = []
    for i in range(len(a)):
        row, li = a[i], []
        for j in range(i):
            lj, s = low[j], row[j]
            for m in range(j):
                s -= li[m] * lj[m]
            li.append(s / lj[j])
        s = row[i]
        for m in range(i):
            s -= li[m] * li[m]
        if s <= 0:
            raise np.linalg.LinAlgError("information matrix is not positive definite")
        li.append(s**0.5)
        low.append(li)
    return low


def _forward(low: list[list[float]], rhs: list[float], first: int = 0) -> list[float]:
    """y with L y = rhs, by forward substitution; rhs is zero above row `first` (so is y there,
    and those rows are skipped)."""
    k = len(rhs)
    y = [0.0] * k
    for i in range(first, k):
        li, s = low[i], rhs[i]
        for m in range(first, i):
            s -= li[m] * y[m]
        y[i] = s / li[i]
    return y


def _cholesky_solve(low: list[list[float]], rhs: list[float]) -> list[float]:
    """x with L L' x = rhs, by forward (`_forward`) and back substitution."""
    k = len(rhs)
    y = _forward(low, rhs)
    x = [0.0] * k
    for i in reversed(range(k)):
        s = y[i]
        for m in range(i + 1, k):
            s -= low[m][i] * x[m]
        x[i] = s / low[i][i]
    return x


RIDGE = 1e-12  # added to the information matrix's diagonal


@functools.cache
def _pairs(k: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of a k x k lower triangle, row by row."""
    return np.tril_indices(k)


class _Design:
    """A logistic design matrix with the pairwise column products its information needs."""

    def __init__(self, X: np.ndarray):
        self.X = X
        self.k = X.shape[1]
        rows, cols = _pairs(self.k)
        # Column-major (numpy's layout of a column selection): each information entry below
        # is a pairwise sum down one contiguous column, the score a row-by-row sum of the
        # row-major X. The layouts fix the orders of summation, and so the last bits.
        self.products = X[:, rows] * X[:, cols]

    def information(self, y: np.ndarray, beta: np.ndarray):
        """Probabilities, the lower triangle of the information matrix (rows of growing
        length, with a RIDGE on the diagonal) and the score at `beta`: sums of elementwise
        products over rows, in numpy's fixed orders (no BLAS matrix product)."""
        p = 1 / (1 + np.exp(-_dot_rows(self.X, beta)))
        entries = (self.products * (p * (1 - p))[:, None]).sum(axis=0).tolist()
        lower, t = [], 0
        for i in range(self.k):
            lower.append([0.0 + e for e in entries[t : t + i]] + [RIDGE + entries[t + i]])
            t += i + 1
        return p, lower, (self.X * (y - p)[:, None]).sum(axis=0).tolist()


def _inverse_diagonal(low: list[list[float]]) -> list[float]:
    """The diagonal of (L L')^-1 from the lower Cholesky factor L: the squared column norms
    of L^-1, column j solved by forward substitution (`_forward`) from the unit vector e_j."""
    k = len(low)
    out = []
    for j in range(k):
        column = _forward(low, [1.0 if i == j else 0.0 for i in range(k)], first=j)
        out.append(sum(column[i] ** 2 for i in range(j, k)))
    return out


STEP_TOL = 1e-7  # a Newton step this small ends the fit (the next would be ~1e-14)


def logit(
    y: np.ndarray,
    x: np.ndarray,
    iterations: int = 25,
    start: np.ndarray | None = None,
    outsiders: np.ndarray | None = None,
) -> dict[str, np.ndarray | float]:
    """Maximum-likelihood logistic regression (constant added) by Newton's method.

    Returns coefficients, Wald standard errors, the fitted and null log-likelihoods, and with
    `outsiders` (columns not in the model) the Rao score statistic of adding each one alone
    (`score_statistics`).
    No BLAS or LAPACK call (see `_cholesky`), so the result does not depend on the CPU's
    kernels or the thread count. `start` (e.g. the previous fit of a search that changes a few
    rows at a time) saves iterations; without convergence from it, the fit restarts from 0.
    Newton's steps shrink quadratically: the fit ends after a step below STEP_TOL, which
    leaves the coefficients within ~STEP_TOL**2 of the maximum.
    """
    design = _Design(np.column_stack([np.ones(len(y)), x]).astype(float))
    fit = None
    if start is not None and len(start) == design.k and np.isfinite(start).all():
        try:  # a start far off may overflow exp and leave a singular information matrix
            with np.errstate(over="ignore"):
                fit = _newton(design, y, np.asarray(start, float), iterations)
        except np.linalg.LinAlgError:
            fit = None
    if fit is None or not fit[1]:
        fit = _newton(design, y, np.zeros(design.k), iterations)
    beta = fit[0]
    p, hess, _ = design.information(y, beta)
    low = _cholesky(hess)
    p = np.clip(p, 1e-15, 1 - 1e-15)
    llf = float(np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)))
    ybar = y.mean()
    llnull = float(len(y) * (ybar * np.log(ybar) + (1 - ybar) * np.log(1 - ybar)))
    bse = np.sqrt(np.array(_inverse_diagonal(low)))
    fit = {"params": beta, "bse": bse, "llf": llf, "llnull": llnull}
    if outsiders is not None:
        fit["score"] = score_statistics(design.X, y, p, low, outsiders)
    return fit


def score_statistics(
    X: np.ndarray, y: np.ndarray, p: np.ndarray, low: list[list[float]], Z: np.ndarray
) -> np.ndarray:
    """Rao score statistic (1 df) of adding each column z of Z alone to a logit fitted at
    probabilities p, L the Cholesky factor of its information X'WX (W = p(1 - p)):
    U = z'(y - p), I = z'Wz - |L^-1 X'Wz|^2, statistic U^2 / I. The same test as
    analysis.stats.score_tests (SPSS's entry statistic), in sums of elementwise products and
    plain-Python substitution (no BLAS)."""
    w = p * (1 - p)
    out = []
    for z in Z.T:
        u = float((z * (y - p)).sum())
        projected = _forward(low, (X * (z * w)[:, None]).sum(axis=0).tolist())
        information = float((z * z * w).sum()) - sum(v * v for v in projected)
        out.append(u * u / information if information > 0 else 0.0)
    return np.array(out)


def _newton(design: _Design, y: np.ndarray, beta: np.ndarray, iterations: int):
    """Newton's iterations from `beta`: the last coefficients, and whether a step fell below
    STEP_TOL (a separated outcome never converges)."""
    for _ in range(iterations):
        _, hess, grad = design.information(y, beta)
        step = _cholesky_solve(_cholesky(hess), grad)
        beta = beta + np.array(step)
        if max(abs(s) for s in step) < STEP_TOL:
            return beta, True
    return beta, False


def nagelkerke(llf: float, llnull: float, n: int) -> float:
    return (1 - np.exp(2 * (llnull - llf) / n)) / (1 - np.exp(2 * llnull / n))
