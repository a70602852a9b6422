"""Illicit drug use outcomes: use by group over the waves, its changes, correlates and abstinence.

Section "drug_use" of docs/statistics_spec.md. The per-wave group means of
illicit_drug_days_30 are the data of Figure 2.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis import stats, views
from analysis.domain_cli import run_domain

# Drug-use measures summarised by group and wave (mean), with within-group Wilcoxon changes.
MEASURES = ("any_drug_days_30", "illicit_drug_days_30", "heroin_days_30", "crack_days_30",
            "drug_composite", "n_drugs_30")


def improvement_correlates(cohort: pd.DataFrame, config: dict[str, Any]) -> dict[str, Any]:
    """Spearman correlations of improved illicit drug use at the first follow-up."""
    people = views.persons(cohort, config)
    first = views.at_wave(cohort, views.waves(config).first_follow_up.id)
    improved = views.improved_drug_use(cohort, config)
    correlates = {
        "qct": views.flag(people["group"] == views.QCT),
        "free_time_with_users": first["free_time_with_users"],
        "site_of_interest": views.at_site_of_interest(people, config),
        "desisted": 1 - views.offended(cohort, config),
    }
    return {name: stats.spearman(improved, values.reindex(improved.index))
            for name, values in correlates.items()}


def abstinence(cohort: pd.DataFrame, config: dict[str, Any]) -> dict[str, Any]:
    """Abstinence before intake and during follow-up (each person's latest follow-up answer)."""
    people = views.persons(cohort, config)
    follow_ups = [f.id for f in views.waves(config).follow_ups]
    since = views.latest(cohort, "abstinent_via_treatment_since_intake", follow_ups)
    never_before = people["abstinent_via_treatment_before"].eq(0).fillna(False)
    weeks = views.latest(cohort, "weeks_abstinent_since_intake", follow_ups)
    return {
        "never_via_treatment_before": stats.percent(
            1 - people["abstinent_via_treatment_before"]),
        "voluntarily_before": stats.percent(people["abstinent_voluntarily_before"]),
        "via_treatment_since_intake": stats.percent(since),
        "via_treatment_since_intake_first_time": stats.percent(
            since[since.index.isin(people.index[never_before.to_numpy()])]),
        "weeks_since_intake": views.means_by_group(weeks, people["group"]),
    }


def compute(cohort: pd.DataFrame, config: dict[str, Any]) -> dict[str, Any]:
    """Drug use by group and wave, its changes and correlates, and abstinence."""
    out: dict[str, Any] = {
        m: {"mean": views.wave_summary(cohort, m),
            "wilcoxon": views.paired_changes(cohort, m, config)} for m in MEASURES
    }
    out["drug_spend_30"] = {"median": views.wave_summary(cohort, "drug_spend_30", "median"),
                            "wilcoxon": views.paired_changes(cohort, "drug_spend_30", config)}
    out["missing_data"] = {
        "method": views.missing_data_method(config),
        "illicit_drug_days_30": views.first_follow_up_change(cohort, "illicit_drug_days_30",
                                                             config),
    }
    out["improvement_correlates"] = improvement_correlates(cohort, config)
    out["abstinence"] = abstinence(cohort, config)
    return out


def main(argv: list[str] | None = None) -> None:
    run_domain(compute, argv, "drug_use")


if __name__ == "__main__":
    main()
