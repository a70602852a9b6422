"""Illicit drug use outcomes: use by group over the waves, its changes, correlates and abstinence.

Section "drug_use" of docs/statistics_spec.md. The per-wave group means of
illicit_drug_days_30 are the data of Figure 2.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis import stats, views
from analysis.domain_cli import run_domain

# Drug-use measures summarised by group and wave (mean), with their percent reductions and
# within-group Wilcoxon changes. illicit_liberty_ratio is illicit drug days per day at liberty,
# the paper's "adjustments for time at reduced risk" (docs/processed_cohort.md).
MEASURES = (
    "any_drug_days_30",
    "illicit_drug_days_30",
    "heroin_days_30",
    "crack_days_30",
    "drug_composite",
    "n_drugs_30",
    "illicit_liberty_ratio",
)


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
    return {
        name: stats.spearman(improved, views.align(values, improved.index))
        for name, values in correlates.items()
    }


def abstinence(cohort: pd.DataFrame, config: dict[str, Any]) -> dict[str, Any]:
    """Abstinence before intake, and during follow-up through each follow-up wave.

    During follow-up: each person's latest answer among the follow-ups up to the wave
    (the questions ask about the whole time since intake), keyed by that wave.
    """
    people = views.persons(cohort, config)
    never_before = people["abstinent_via_treatment_before"].eq(0).fillna(False)
    since, first_time, weeks = {}, {}, {}
    for wave, wave_ids in views.through(config).items():
        reported = views.latest(cohort, "abstinent_via_treatment_since_intake", wave_ids)
        since[wave] = stats.percent(reported)
        # By id, through views.align (a merge of the sorted ids; isin would hash each id).
        first_time[wave] = stats.percent(
            reported[views.align(never_before, reported.index).to_numpy(dtype=bool, na_value=False)]
        )
        weeks[wave] = views.means_by_group(
            views.latest(cohort, "weeks_abstinent_since_intake", wave_ids), people["group"]
        )
    return {
        "never_via_treatment_before": stats.percent(1 - people["abstinent_via_treatment_before"]),
        "voluntarily_before": stats.percent(people["abstinent_voluntarily_before"]),
        "via_treatment_since_intake": since,
        "via_treatment_since_intake_first_time": first_time,
        "weeks_since_intake": weeks,
    }


def compute(cohort: pd.DataFrame, config: dict[str, Any]) -> dict[str, Any]:
    """Drug use by group and wave, its changes and correlates, and abstinence."""
    out: dict[str, Any] = {m: views.changes(cohort, m, config) for m in MEASURES}
    out["drug_spend_30"] = {
        "median": views.wave_summary(cohort, "drug_spend_30", "median"),
        "wilcoxon": views.paired_changes(cohort, "drug_spend_30", config),
    }
    out["missing_data"] = {
        "method": views.missing_data_method(config),
        "illicit_drug_days_30": views.first_follow_up_change(
            cohort, "illicit_drug_days_30", config
        ),
    }
    out["improvement_correlates"] = improvement_correlates(cohort, config)
    out["abstinence"] = abstinence(cohort, config)
    return out


def main(argv: list[str] | None = None) -> None:
    run_domain(compute, argv, "drug_use")


if __name__ == "__main__":
    main()
