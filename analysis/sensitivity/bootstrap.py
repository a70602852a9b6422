"""Percentile-bootstrap replicates of the percentage reductions, baseline -> first follow-up.

A replicate resamples people with replacement within each group (stratified, so each group
keeps its size; 'all' is the two resampled groups together) and recomputes, for every
measure under complete-case and LOCF, 100 (1 - mean after / mean before) over the resampled
people with a pair under that method. One resample of people serves every measure and method,
so their intervals are comparable. Multiple imputation gets its interval from Rubin's rules
instead (nesting imputations in a bootstrap would cost m x B imputations).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis import views
from analysis.sensitivity import methods
from analysis.sensitivity.settings import item_seed, settings

BOOTSTRAP_METHODS = ("complete_case", "locf")


def resample(
    group_sizes: dict[str, int], seeds: list[np.random.SeedSequence]
) -> dict[str, np.ndarray]:
    """Per group, a (replicates x size) array of resampled positions, one seeded row each."""
    rngs = [np.random.default_rng(seed) for seed in seeds]
    # Each replicate's generator draws the groups in the same fixed order.
    draws = [{g: rng.integers(0, n, n) for g, n in group_sizes.items()} for rng in rngs]
    return {
        g: np.array([d[g] for d in draws], dtype=np.intp).reshape(len(seeds), n)
        for g, n in group_sizes.items()
    }


def replicate_reductions(pairs: pd.DataFrame, positions: dict[str, np.ndarray]) -> dict[str, list]:
    """Per group and all, the percentage reduction in each replicate (NaN: zero baseline mean).

    `pairs` is methods.first_follow_up_pairs' table; a person without both values counts in
    no mean.
    """
    complete = pairs[["before", "after"]].notna().all(axis=1).to_numpy()
    sums = {}
    for group, rows in positions.items():
        members = pairs["group"].eq(group).to_numpy()
        before = np.where(complete, pairs["before"], 0.0)[members][rows]
        after = np.where(complete, pairs["after"], 0.0)[members][rows]
        sums[group] = before.sum(axis=1), after.sum(axis=1)
    sums[views.ALL] = tuple(sum(s[i] for s in sums.values()) for i in (0, 1))
    out = {}
    # Means over the same people: their ratio is the ratio of the sums.
    with np.errstate(divide="ignore", invalid="ignore"):
        for name, (before, after) in sums.items():
            out[name] = (100.0 * (1.0 - after / before)).tolist()
    return out


def bootstrap_shard(cohort: pd.DataFrame, config: dict[str, Any], shard: int) -> dict[str, Any]:
    """Shard `shard` of the configured bootstrap: its replicates' percentage reductions."""
    s = settings(config)
    items = s.job_items("bootstrap", shard)
    people = views.persons(cohort, config).sort_index()
    sizes = {g: int(people["group"].eq(g).sum()) for g in views.GROUPS}
    positions = resample(sizes, [item_seed(s.seed, "bootstrap", r) for r in items])
    reductions = {
        method: {
            m: replicate_reductions(
                methods.first_follow_up_pairs(methods.method_cohort(cohort, method), config, m),
                positions,
            )
            for m in s.measures
        }
        for method in BOOTSTRAP_METHODS
    }
    return {
        "settings": s.result_settings(),
        "first": items.start,
        "count": len(items),
        "reductions": reductions,
    }
