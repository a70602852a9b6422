"""Gathering the jobs' outputs and pooling them: Rubin's rules, the D2 rule, percentiles.

Rubin's rules (Rubin 1987; van Buuren, Flexible Imputation of Missing Data, 2nd ed., 2.3 and
5.2-5.3): with m estimates q_i and their squared standard errors u_i,
    pooled q = mean(q_i),  W = mean(u_i),  B = var(q_i, ddof=1),  T = W + (1 + 1/m) B,
and the interval q +- t(df) sqrt(T), df by Barnard & Rubin (1999) when the complete-data df
is known, else Rubin's classic (m - 1) / lambda^2 with lambda = (1 + 1/m) B / T.
Test statistics without a standard error (the Wilcoxon z) are pooled by the D2 rule for
chi-square statistics (Li, Meng, Raghunathan & Rubin 1991), applied to z^2 with 1 df.
Inputs are sorted by their indices before any arithmetic, so the pooled floats do not depend
on the order in which jobs finished.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from analysis.distributions import chi2_sf, f_sf, t_ppf, t_sf


def rubin(
    estimates: Sequence[float],
    variances: Sequence[float],
    alpha: float,
    df_complete: float | None = None,
) -> dict[str, Any]:
    """Rubin's rules for m >= 2 estimates with their (within-imputation) variances."""
    q, u = np.asarray(estimates, dtype=float), np.asarray(variances, dtype=float)
    m = len(q)
    if m < 2 or len(u) != m:
        raise ValueError(
            f"Rubin's rules need m >= 2 estimates and as many variances, got {m} and {len(u)}"
        )
    if np.isnan(q).any() or np.isnan(u).any() or (u < 0).any():
        raise ValueError("Rubin's rules: estimates and variances must be numbers, variances >= 0")
    value, within, between = float(q.mean()), float(u.mean()), float(q.var(ddof=1))
    total = within + (1 + 1 / m) * between
    lam = (1 + 1 / m) * between / total if total > 0 else 0.0
    df_old = (m - 1) / lam**2 if lam > 0 else np.inf
    if df_complete is None:
        df = df_old
    else:
        df_obs = (df_complete + 1) / (df_complete + 3) * df_complete * (1 - lam)
        df = df_obs if np.isinf(df_old) else df_old * df_obs / (df_old + df_obs)
    se = float(np.sqrt(total))
    half = float(t_ppf(1 - alpha / 2, df)) * se
    p = float(2 * t_sf(abs(value) / se, df)) if se > 0 else (0.0 if value else 1.0)
    return {
        "value": value,
        "se": se,
        "within": within,
        "between": between,
        "total": total,
        "riv": (1 + 1 / m) * between / within if within > 0 else None,
        "lambda": lam,
        "df": float(df),
        "df_classic": float(df_old),
        "p": p,
        "m": m,
        "ci_low": value - half,
        "ci_high": value + half,
    }


def pool_chi2(statistics: Sequence[float], df: int) -> dict[str, Any]:
    """The D2 rule: m chi-square statistics with `df` degrees of freedom -> F(df, df2) test."""
    d = np.asarray(statistics, dtype=float)
    m = len(d)
    if m < 2 or np.isnan(d).any() or (d < 0).any():
        raise ValueError(f"D2 needs m >= 2 non-negative chi-square statistics, got {d.tolist()}")
    r = (1 + 1 / m) * float(np.sqrt(d).var(ddof=1))
    statistic = max(0.0, (d.mean() / df - (m + 1) / (m - 1) * r) / (1 + r))
    df2 = df ** (-3 / m) * (m - 1) * (1 + 1 / r) ** 2 if r > 0 else np.inf
    # With no between-imputation variation, F(df, inf) is chi-square(df) / df.
    p = float(chi2_sf(statistic * df, df) if np.isinf(df2) else f_sf(statistic, df, df2))
    return {"statistic": float(statistic), "df1": df, "df2": float(df2), "riv": r, "p": p, "m": m}


def percentile_interval(replicates: Sequence[float], alpha: float) -> dict[str, Any]:
    """Percentile bootstrap interval; replicates that are undefined (NaN) are counted, not used."""
    values = np.asarray(replicates, dtype=float)
    valid = values[~np.isnan(values)]
    if not len(valid):
        return {"ci_low": None, "ci_high": None, "replicates": len(values), "valid": 0}
    low, high = np.percentile(valid, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return {
        "ci_low": float(low),
        "ci_high": float(high),
        "replicates": len(values),
        "valid": int(len(valid)),
    }


def gather_imputations(jobs: Sequence[dict[str, Any]], expected: dict[str, Any]) -> list[dict]:
    """The per-imputation estimates of every imputation job, in imputation order.

    Checks that each job ran with the expected settings and that indices 0..m-1 each appear
    exactly once (a missing, duplicated or stale job is an error, never silently pooled).
    """
    _check_settings(jobs, expected)
    by_index: dict[int, dict] = {}
    for job in jobs:
        for key, estimates in job["imputations"].items():
            if int(key) in by_index:
                raise ValueError(f"imputation {key} appears in more than one job file")
            by_index[int(key)] = estimates
    _check_complete(sorted(by_index), expected["imputations"], "imputation")
    return [by_index[i] for i in sorted(by_index)]


def gather_bootstrap(shards: Sequence[dict[str, Any]], expected: dict[str, Any]) -> dict[str, Any]:
    """The replicates of every shard concatenated in replicate order, per method/measure/group."""
    _check_settings(shards, expected)
    ordered = sorted(shards, key=lambda shard: shard["first"])
    starts = [shard["first"] for shard in ordered]
    counts = [shard["count"] for shard in ordered]
    covered = [r for start, n in zip(starts, counts, strict=True) for r in range(start, start + n)]
    _check_complete(covered, expected["bootstrap_replicates"], "bootstrap replicate")
    first = ordered[0]["reductions"]
    return {
        method: {
            measure: {
                group: [v for shard in ordered for v in shard["reductions"][method][measure][group]]
                for group in groups
            }
            for measure, groups in measures.items()
        }
        for method, measures in first.items()
    }


def _check_settings(jobs: Sequence[dict[str, Any]], expected: dict[str, Any]) -> None:
    if not jobs:
        raise ValueError("pooling: no job files given")
    for job in jobs:
        if job["settings"] != expected:
            raise ValueError(
                f"pooling: a job file was made with other settings ({job['settings']}"
                f") than the config's ({expected}); rerun the jobs"
            )


def _check_complete(indices: list[int], total: int, what: str) -> None:
    if indices != list(range(total)):
        missing = sorted(set(range(total)) - set(indices))
        raise ValueError(
            f"pooling: {what}s must be 0..{total - 1} exactly once each; "
            f"missing {missing[:10]}, got {len(indices)}"
        )
