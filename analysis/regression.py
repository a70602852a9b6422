"""Table 1: logistic regression of reporting no offence at the first follow-up.

Section "offending" (logistic regression) of docs/statistics_spec.md. The outcome is reporting
no offence in the 30 days before the first follow-up (1 = no offence, i.e. desisted), as the
title of Table 1 says. Coding choice: one sentence of the paper's discussion reads the
drug-score odds ratio as raising the risk of offending, which needs the opposite coding; the
title, the footnote on the 72 non-offenders and the negative correlation of the site of
interest with desistance all fit this one (docs/consistency.md, item 7).

Results: the forward stepwise path over the configured candidates, the configured final model
(Table 1), the final model under the configured missing-data method, the final model on LOCF
data for everyone with a baseline value (the paper's "model using LOCF data for the entire
sample", whatever the configured method), and the group-adjusted models of hypotheses 3 and 4
(`qct_adjusted`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from analysis import stats, views
from analysis.domain_cli import run_domain

OUTCOME = "no_offence"


def _z(values: pd.Series) -> pd.Series:
    """Standardised over the available values: (x - mean) / sd, sd with ddof=1."""
    x = pd.Series(stats.as_float(values), index=values.index)
    return (x - x.mean()) / x.std(ddof=1)


def _builders(locf: bool) -> dict[str, Callable[[pd.DataFrame, pd.DataFrame, dict], pd.Series]]:
    """Candidate predictors: name -> f(baseline rows, first-follow-up rows, config).

    Follow-up predictors read the `_locf` column when locf is True.
    """

    def fu(column: str) -> str:
        return f"{column}_locf" if locf else column

    return {
        "qct": lambda b, f, c: views.flag(b["group"] == views.QCT),
        # Standardised over the whole baseline sample, not only the regression sample.
        "drug_composite_z": lambda b, f, c: _z(b["drug_composite"]),
        "in_treatment_followup": lambda b, f, c: f[fu("in_treatment")],
        "age": lambda b, f, c: b["age"],
        "male": lambda b, f, c: views.flag(b["sex"] == "male"),
        # Stage of change dummies; precontemplation is the omitted reference category.
        "stage_contemplation": lambda b, f, c: views.flag(b["stage_of_change"] == "contemplation"),
        "stage_action": lambda b, f, c: views.flag(b["stage_of_change"] == "action"),
        "homeless_followup": lambda b, f, c: f[fu("homeless_30")],
        # Assumption: 'with other users at both intake and follow-up' = 1 at both waves.
        "free_time_with_users_both": lambda b, f, c: views.flag(
            (b["free_time_with_users"] == 1) & (f[fu("free_time_with_users")] == 1),
            b["free_time_with_users"],
            f[fu("free_time_with_users")],
        ),
        "site_of_interest": lambda b, f, c: views.at_site_of_interest(b, c),
    }


def design_matrix(
    cohort: pd.DataFrame, config: dict[str, Any], predictors: list[str], locf: bool = False
) -> pd.DataFrame:
    """Person-level table of the outcome and the named predictors (missing values kept)."""
    builders = _builders(locf)
    unknown = [p for p in predictors if p not in builders]
    if unknown:
        raise ValueError(f"regression: unknown predictors {unknown}; known: {sorted(builders)}")
    w = views.waves(config)
    base = views.at_wave(cohort, w.baseline.id)
    # Views of one cohort list the same people in the same order (the grid), so they are
    # aligned by position: reindexing by id would compare every id of a large cohort.
    first = views.at_wave(cohort, w.first_follow_up.id)
    offended = views.offended(cohort, config, locf=locf)
    first.index = offended.index = base.index  # new objects of this call: relabelled in place
    columns = {OUTCOME: 1 - offended}
    columns.update({p: builders[p](base, first, config) for p in predictors})
    return pd.DataFrame(columns)


def qct_adjusted(cohort: pd.DataFrame, config: dict[str, Any]) -> dict[str, Any]:
    """The QCT group's odds ratio with Table 1's predictors controlled, for each outcome.

    Hypothesis 4 ("different drug use and offending outcomes") and hypothesis 3 ("better
    retention") "if other factors are statistically controlled". The paper names neither the
    drug-use nor the retention model's covariates; assumption: the factors of Table 1's final
    model (all measured at intake). Outcomes: no offence at the first follow-up (complete case
    and LOCF), improved illicit drug use at the first follow-up (views.improved_drug_use, the
    outcome of the paper's drug-use correlates) and being in treatment at the first follow-up
    by the agency record (the paper's retention measure). Complete cases of each model.
    """
    predictors = ["qct", *[p for p in config["regression"]["final"] if p != "qct"]]
    design = design_matrix(cohort, config, predictors)
    first = views.at_wave(cohort, views.waves(config).first_follow_up.id)
    improved = views.improved_drug_use(cohort, config)
    first.index = improved.index = design.index  # the grid, as in design_matrix
    others = {"improved_drug_use": improved, "in_treatment": first["rec_in_treatment"]}
    out = {
        OUTCOME: stats.logistic(design, OUTCOME, predictors),
        f"{OUTCOME}_locf": stats.logistic(
            design_matrix(cohort, config, predictors, locf=True), OUTCOME, predictors
        ),
    }
    for name, values in others.items():
        frame = design[predictors].assign(**{name: values})
        out[name] = stats.logistic(frame, name, predictors)
    return out


def compute(cohort: pd.DataFrame, config: dict[str, Any]) -> dict[str, Any]:
    """Stepwise path, final model (Table 1), its missing-data and LOCF variants, group-adjusted."""
    spec = config["regression"]
    candidates, final = list(spec["candidates"]), list(spec["final"])
    names = list(dict.fromkeys([*candidates, *final]))
    design = design_matrix(cohort, config, names)
    stepwise = stats.forward_stepwise(
        design, OUTCOME, candidates, float(spec["entry_p"]), float(spec["removal_p"])
    )
    stepwise["model"] = stats.logistic(design, OUTCOME, stepwise["selected"])
    method = views.missing_data_method(config)
    table_1 = stats.logistic(design, OUTCOME, final)
    locf = stats.logistic(design_matrix(cohort, config, final, locf=True), OUTCOME, final)
    return {
        "outcome": {OUTCOME: stats.percent(design[OUTCOME])},
        "final": table_1,
        "stepwise": stepwise,
        "missing_data": {"method": method, "final": locf if method == "locf" else table_1},
        "locf": {"final": locf},
        "qct_adjusted": qct_adjusted(cohort, config),
    }


def main(argv: list[str] | None = None) -> None:
    run_domain(compute, argv, "regression")


if __name__ == "__main__":
    main()
