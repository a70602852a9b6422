"""The gather step: every method's estimates side by side -> results/sensitivity.json.

Layout (docs/results_format.md conventions, no lists):
    change.<measure>.<group>.<method>      before/after means, mean change with its 95% CI,
                                           Wilcoxon test, percentage reduction with its CI
    regression.<model>.<method>.<term>     odds ratio, 95% CI, p (model: table1,
                                           table1_with_qct)
    conclusions.<id>                       the paper's conclusion, its criterion, and whether
                                           it holds under each method
with method in complete_case, locf, multiple_imputation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis.sensitivity import conclusions, methods, pooling
from analysis.sensitivity.bootstrap import BOOTSTRAP_METHODS
from analysis.sensitivity.settings import Settings, settings

MI = "multiple_imputation"
METHODS = (*BOOTSTRAP_METHODS, MI)


def _without_variance(block: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in block.items() if k != "variance"}


def observed_change(estimates: dict[str, Any], replicates: list[float], alpha: float) -> dict:
    """One group's change under complete-case or LOCF, with the bootstrap interval."""
    reduction = {
        **_without_variance(estimates["reduction"]),
        **pooling.percentile_interval(replicates, alpha),
        "interval": "percentile bootstrap",
    }
    return {
        "n": estimates["mean_change"]["n"],
        "before": estimates["before"],
        "after": estimates["after"],
        "mean_change": _without_variance(estimates["mean_change"]),
        "wilcoxon": estimates["wilcoxon"],
        "reduction": reduction,
    }


def pooled_change(per_imputation: list[dict[str, Any]], alpha: float) -> dict[str, Any]:
    """One group's change under multiple imputation, pooled over the imputations."""
    n = per_imputation[0]["mean_change"]["n"]

    def rubin(key: str) -> dict[str, Any] | None:
        blocks = [e[key] for e in per_imputation]
        if any(b["value"] is None for b in blocks):
            return None
        return {
            **pooling.rubin(
                [b["value"] for b in blocks],
                [b["variance"] for b in blocks],
                alpha,
                df_complete=n - 1,
            ),
            "n": n,
        }

    z = np.array([e["wilcoxon"]["z"] for e in per_imputation])
    reduction = rubin("reduction")
    return {
        "n": n,
        "before": {"value": float(np.mean([e["before"]["value"] for e in per_imputation])), "n": n},
        "after": {"value": float(np.mean([e["after"]["value"] for e in per_imputation])), "n": n},
        "mean_change": rubin("mean_change"),
        # z: the imputations' mean z; p: the D2 rule's, from every imputation's z^2.
        "wilcoxon": {
            "test": "wilcoxon_d2",
            "z": float(z.mean()),
            "n_pairs": n,
            **pooling.pool_chi2(z**2, 1),
        },
        "reduction": None if reduction is None else {**reduction, "interval": "Rubin's rules"},
    }


def pooled_terms(fits: list[dict[str, Any]], alpha: float) -> dict[str, Any]:
    """Each coefficient pooled on the log-odds scale, reported as odds ratios."""
    n = fits[0]["fit"]["n"]
    terms = list(fits[0]["coefficients"])
    out = {}
    for term in terms:
        b = [f["coefficients"][term]["b"] for f in fits]
        var = [f["coefficients"][term]["se"] ** 2 for f in fits]
        pooled = pooling.rubin(b, var, alpha, df_complete=n - len(terms) - 1)
        log_scale = {k: v for k, v in pooled.items() if k not in ("value", "ci_low", "ci_high")}
        out[term] = {
            **log_scale,
            "b": pooled["value"],
            "n": n,
            "odds_ratio": float(np.exp(pooled["value"])),
            "ci_low": float(np.exp(pooled["ci_low"])),
            "ci_high": float(np.exp(pooled["ci_high"])),
        }
    return out


def sensitivity_results(
    cohort: pd.DataFrame,
    config: dict[str, Any],
    imputation_jobs: list[dict[str, Any]],
    bootstrap_shards: list[dict[str, Any]],
) -> dict[str, Any]:
    """The pooled comparison of the three methods, with the conclusions' verdicts."""
    s: Settings = settings(config)
    expected = s.result_settings()
    imputed = pooling.gather_imputations(imputation_jobs, expected)
    replicates = pooling.gather_bootstrap(bootstrap_shards, expected)
    observed = {
        m: methods.analyse(methods.method_cohort(cohort, m), config, s) for m in BOOTSTRAP_METHODS
    }
    change: dict[str, Any] = {}
    for measure in s.measures:
        for group in observed[BOOTSTRAP_METHODS[0]]["change"][measure]:
            cell = {
                m: observed_change(
                    observed[m]["change"][measure][group], replicates[m][measure][group], s.alpha
                )
                for m in BOOTSTRAP_METHODS
            }
            cell[MI] = pooled_change([e["change"][measure][group] for e in imputed], s.alpha)
            change.setdefault(measure, {})[group] = cell
    regression = {
        model: {
            **{m: observed[m]["regression"][model]["coefficients"] for m in BOOTSTRAP_METHODS},
            MI: pooled_terms([e["regression"][model] for e in imputed], s.alpha),
        }
        for model in methods.MODELS
    }
    pooled = {"settings": expected, "change": change, "regression": regression}
    pooled["conclusions"] = conclusions.evaluate(pooled, s.alpha)
    return pooled
