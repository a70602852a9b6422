"""One data set -> the first-follow-up estimates that the sensitivity analysis compares.

A missing-data method is a transformation of the processed cohort: complete-case leaves it as
it is, LOCF replaces each measure by its `_locf` column, and an imputation fills the measures
in (analysis.sensitivity.imputation). The same `analyse` then runs on each, so the methods
differ only in their data. Within each group, every change statistic uses the people with
both a baseline and a first-follow-up value under the method (the "pairs"): complete pairs for
complete-case, everyone with a baseline value for LOCF, everyone after imputation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis import regression, stats, views
from analysis.distributions import t_ppf
from analysis.sensitivity.settings import Settings

QCT_TERM = "qct"
MODELS = ("table1", "table1_with_qct")


def method_cohort(cohort: pd.DataFrame, method: str) -> pd.DataFrame:
    """The cohort as the method sees it: as is (complete_case) or carried forward (locf).

    Under locf every interview measure with a `<measure>_locf` column is replaced by it (the
    derived flags such as any_crime_30 are not recomputed: nothing here reads them).
    """
    if method == "complete_case":
        return cohort
    if method == "locf":
        carried = [c for c in cohort.columns if f"{c}_locf" in cohort.columns]
        return cohort.assign(**{c: cohort[f"{c}_locf"] for c in carried})
    raise ValueError(f"unknown missing-data method {method!r}: complete_case or locf")


def first_follow_up_pairs(
    cohort: pd.DataFrame, config: dict[str, Any], column: str
) -> pd.DataFrame:
    """Per person (sorted by id): group, baseline and first-follow-up `column`, NaN if missing."""
    w = views.waves(config)
    table = views.wide(cohort, column, config)
    group = views.persons(cohort, config)["group"]
    return pd.DataFrame(
        {
            "group": group.reindex(table.index).astype(str),
            "before": stats.as_float(table[w.baseline.id]),
            "after": stats.as_float(table[w.first_follow_up.id]),
        },
        index=table.index,
    ).sort_index()


def mean_change(before: np.ndarray, after: np.ndarray, alpha: float) -> dict[str, Any]:
    """Mean of after - before over complete pairs, its standard error and t interval (df n-1)."""
    diff = after - before
    diff = diff[~np.isnan(diff)]
    n = len(diff)
    if n < 2:
        raise ValueError(f"mean change needs at least two complete pairs, got {n}")
    value, se, df = float(diff.mean()), float(diff.std(ddof=1) / np.sqrt(n)), n - 1
    half = float(t_ppf(1 - alpha / 2, df)) * se
    return {
        "value": value,
        "se": se,
        "variance": se**2,
        "df": df,
        "n": n,
        "ci_low": value - half,
        "ci_high": value + half,
    }


def reduction(before: np.ndarray, after: np.ndarray) -> dict[str, Any]:
    """Percentage fall of the mean over complete pairs, 100 (1 - mean(after) / mean(before)).

    Its standard error is the ratio estimator's linearisation, se(R) = sd(a - R b) /
    (sqrt(n) mean(b)) with R = mean(a) / mean(b); it is the within-imputation variance that
    Rubin's rules need (the complete-case and LOCF intervals come from the bootstrap instead).
    """
    keep = ~(np.isnan(before) | np.isnan(after))
    b, a = before[keep], after[keep]
    n = len(b)
    if n < 2:
        raise ValueError(f"percentage reduction needs at least two complete pairs, got {n}")
    if b.mean() == 0:  # a fall from nothing is undefined
        return {"value": None, "se": None, "variance": None, "n": n}
    ratio = a.mean() / b.mean()
    se = float(100.0 * np.std(a - ratio * b, ddof=1) / (np.sqrt(n) * b.mean()))
    return {
        "value": stats.percent_reduction(float(b.mean()), float(a.mean())),
        "se": se,
        "variance": se**2,
        "n": n,
    }


def change_estimates(pairs: pd.DataFrame, alpha: float) -> dict[str, Any]:
    """Per group (and all): means before and after, mean change, Wilcoxon and % reduction."""
    complete = pairs.dropna(subset=["before", "after"])
    out = {}
    for name, rows in views.group_values(complete, complete["group"]).items():
        before, after = rows["before"].to_numpy(), rows["after"].to_numpy()
        out[name] = {
            "before": stats.central(before),
            "after": stats.central(after),
            "mean_change": mean_change(before, after, alpha),
            "wilcoxon": stats.wilcoxon_signed_rank(before, after),
            "reduction": reduction(before, after),
        }
    return out


def regression_estimates(cohort: pd.DataFrame, config: dict[str, Any]) -> dict[str, Any]:
    """Table 1's model (config regression.final) and the same model with the QCT group added
    (the paper's claim that legal status made no significant difference, adjusted)."""
    final = list(config["regression"]["final"])
    with_qct = [*final, QCT_TERM] if QCT_TERM not in final else final
    design = regression.design_matrix(cohort, config, with_qct)
    return {
        model: stats.logistic(design, regression.OUTCOME, predictors)
        for model, predictors in zip(MODELS, (final, with_qct), strict=True)
    }


def analyse(cohort: pd.DataFrame, config: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """Every estimate the methods are compared on, for one (carried-forward, imputed or
    as-is) cohort."""
    return {
        "change": {
            m: change_estimates(first_follow_up_pairs(cohort, config, m), settings.alpha)
            for m in settings.measures
        },
        "regression": regression_estimates(cohort, config),
    }
