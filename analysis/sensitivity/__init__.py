"""Sensitivity of the first-follow-up findings to missing data (issue 9).

The paper handled the people missed at the first follow-up with last observation carried
forward (LOCF). This package repeats its key first-follow-up analyses (the within-group change
in crime and illicit-drug days, and Table 1's logistic regression) under complete-case
analysis, LOCF and multiple imputation by chained equations with predictive mean matching
(pooled by Rubin's rules), adds bootstrap intervals for the percentage reductions, and says for
each of the paper's conclusions whether it holds under every method.

The work is split into independent jobs (scatter-gather), one per imputation and one per
bootstrap shard, each seeded from the config seed and its own index, so the pooled result is
the same however the jobs are scheduled:

    python -m analysis.sensitivity impute    --index i  ...  # one imputation's analyses
    python -m analysis.sensitivity bootstrap --index k  ...  # one shard of bootstrap replicates
    python -m analysis.sensitivity pool      ...             # results/sensitivity.json
    python -m analysis.sensitivity figure    ...             # manuscript/figures/fig4_sensitivity.*

Modules: settings (the config block and the seeds), methods (one data set -> estimates),
imputation (MICE with PMM), bootstrap, pooling (Rubin's rules, the D2 rule, the gather step),
conclusions (the "holds" logic), figure (the forest plot), cli.
"""
