"""Tail probabilities and quantiles of the test distributions, from `scipy.special`.

Each is the special function that the matching `scipy.stats` distribution method calls (for
example `norm.sf(x)` is `ndtr(-x)` and `chi2.sf(x, df)` is `chdtrc(df, x)`), so both give the
same bits (tests/test_distributions.py checks this). Importing `scipy.special` takes a fraction
of the time of `scipy.stats`, and every job that runs a test pays that import when it starts.
"""

from __future__ import annotations

import numpy as np
from scipy import special


def normal_sf(x):
    """P(Z > x) for a standard normal Z (scipy.stats.norm.sf)."""
    return special.ndtr(-x)


def normal_ppf(q):
    """The standard normal quantile at q (scipy.stats.norm.ppf)."""
    return special.ndtri(q)


def chi2_sf(x, df):
    """P(X > x) for a chi-square X with df degrees of freedom (scipy.stats.chi2.sf).

    1 below the support, as scipy.stats gives (chdtrc itself gives NaN there): a likelihood
    ratio of two equal fits can come out a rounding error below zero.
    """
    return special.chdtrc(df, np.maximum(x, 0.0))


def t_sf(x, df):
    """P(T > x) for Student's T with df degrees of freedom (scipy.stats.t.sf)."""
    return special.stdtr(df, -x)


def t_ppf(q, df):
    """Student's t quantile at q with df degrees of freedom (scipy.stats.t.ppf)."""
    return special.stdtrit(df, q)


def f_sf(x, dfn, dfd):
    """P(F > x) for an F distribution with (dfn, dfd) degrees of freedom (scipy.stats.f.sf);
    1 below the support, as for chi2_sf."""
    return special.fdtrc(dfn, dfd, np.maximum(x, 0.0))
