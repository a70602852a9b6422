"""Offending outcomes: self-reported crime by group over the waves, and its correlates.

Section "offending" of docs/statistics_spec.md. The per-wave group means of crime_days_30 are
the data of Figure 1. Table 1 (the logistic regression) lives in analysis/regression.py.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis import stats, views
from analysis.domain_cli import run_domain


def during_follow_up(cohort: pd.DataFrame, config: dict[str, Any]) -> dict[str, Any]:
    """Continued crime, arrest and imprisonment after intake, by group, through each follow-up.

    {outcome: {through-wave: percents by group and chi-square}}. Continued crime and arrest: at
    any follow-up interview up to the wave; imprisonment: the agency record at the wave (it
    counts since intake).
    """
    group = views.persons(cohort, config)["group"]
    out: dict[str, Any] = {"continued_crime": {}, "arrested": {}, "imprisoned": {}}
    for wave, wave_ids in views.through(config).items():
        imprisoned = views.at_wave(cohort, wave)["rec_imprisoned_since_intake"]
        outcomes = {
            "continued_crime": views.ever(cohort, "any_crime_30", wave_ids),
            "arrested": views.ever(cohort, "arrested_since_last", wave_ids),
            "imprisoned": imprisoned,  # percents_by_group drops the missing records
        }
        for name, flags in outcomes.items():
            out[name][wave] = views.percents_by_group(flags, group)
    return out


def desistance_correlates(cohort: pd.DataFrame, config: dict[str, Any]) -> dict[str, Any]:
    """Spearman correlations of desistance (no crime at the first follow-up) with its correlates."""
    w = views.waves(config)
    people = views.persons(cohort, config)
    first = views.at_wave(cohort, w.first_follow_up.id)
    desisted = 1 - views.offended(cohort, config)
    correlates = {
        "improved_drug_use": views.improved_drug_use(cohort, config),
        "in_treatment": first["in_treatment"],
        "abstinent_voluntarily_before": people["abstinent_voluntarily_before"],
        "crack_user": people["crack_user"],
        "poly_user": people["poly_user"],
        "site_of_interest": views.at_site_of_interest(people, config),
    }
    return {
        name: stats.spearman(desisted, views.align(values, desisted.index))
        for name, values in correlates.items()
    }


def compute(cohort: pd.DataFrame, config: dict[str, Any]) -> dict[str, Any]:
    """Self-reported offending by group and wave, its changes, and criminal-justice outcomes."""
    people = views.persons(cohort, config)
    first = views.waves(config).first_follow_up.id
    days_180 = views.wave_summary(cohort, "crime_days_180")
    return {
        "crime_days_180": {"mean": days_180, "reduction": views.reductions(days_180, config)},
        "crime_days_30": {
            **views.changes(cohort, "crime_days_30", config),
            "baseline_t_test": stats.t_test(
                people.loc[people["group"].eq(views.QCT), "crime_days_30"],
                people.loc[people["group"].eq(views.COMPARISON), "crime_days_30"],
            ),
        },
        "any_crime_30": views.wave_percents(cohort, "any_crime_30"),
        "no_crime_first_follow_up": stats.percent(1 - views.at_wave(cohort, first)["any_crime_30"]),
        # Crime days per day at liberty: the paper's "adjustments for time at reduced risk".
        "crime_liberty_ratio": views.changes(cohort, "crime_liberty_ratio", config),
        # The number of the 16 crime types committed ("a fall in the number of different crimes").
        "crime_types_30": views.changes(cohort, "crime_types_30", config),
        "missing_data": {
            "method": views.missing_data_method(config),
            "crime_days_30": views.first_follow_up_change(cohort, "crime_days_30", config),
        },
        "during_follow_up": during_follow_up(cohort, config),
        "desistance_correlates": desistance_correlates(cohort, config),
    }


def main(argv: list[str] | None = None) -> None:
    run_domain(compute, argv, "offending")


if __name__ == "__main__":
    main()
