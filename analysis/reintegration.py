"""Reintegration: housing, social networks, relationships and work over the waves.

Section "reintegration" of docs/statistics_spec.md.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis import stats, views
from analysis.codebook import INTERVIEWS
from analysis.domain_cli import run_domain

HOMELESS_SETTINGS: tuple[str, ...] = next(
    c for c in INTERVIEWS.columns if c.name == "homeless_setting"
).categories


def group_chi2_by_wave(cohort: pd.DataFrame, column: str, config: dict[str, Any]) -> dict:
    """Group x `column` chi-square at every configured wave."""
    out = {}
    for wave in views.waves(config).ids:
        rows = views.at_wave(cohort, wave)
        out[wave] = stats.chi_square_2xk(rows["group"], rows[column])
    return out


def compute(cohort: pd.DataFrame, config: dict[str, Any]) -> dict[str, Any]:
    """Housing, social network, relationship and employment outcomes by wave."""
    w = views.waves(config)
    people = views.persons(cohort, config)
    first = views.at_wave(cohort, w.first_follow_up.id)
    homeless_first = first[views.follow_up_column("homeless_30", config)]
    return {
        "homeless_30": {
            "percent": views.wave_percents(cohort, "homeless_30"),
            "chi2": group_chi2_by_wave(cohort, "homeless_30", config),
        },
        "homeless_setting": stats.category_percents(
            people.loc[people["homeless_30"].eq(1).fillna(False).to_numpy(), "homeless_setting"],
            HOMELESS_SETTINGS,
        ),
        "missing_data": {
            "method": views.missing_data_method(config),
            "homeless_30": views.percents_by_group(homeless_first, first["group"]),
        },
        "satisfied_living": {
            "percent": views.wave_percents(cohort, "satisfied_living"),
            "chi2": group_chi2_by_wave(cohort, "satisfied_living", config),
        },
        "free_time_with_users": {"percent": views.wave_percents(cohort, "free_time_with_users")},
        "relationship_problems": {
            "mean": views.wave_summary(cohort, "relationship_problems"),
            "wilcoxon": views.paired_changes(cohort, "relationship_problems", config),
        },
        "no_work_or_study_before": stats.percent(1 - people["worked_or_studied_3y"]),
        # Never worked or studied at any follow-up interview up to each follow-up wave.
        "no_work_or_study_follow_up": {
            wave: stats.percent(1 - views.ever(cohort, "worked_or_studied_since_last", wave_ids))
            for wave, wave_ids in views.through(config).items()
        },
    }


def main(argv: list[str] | None = None) -> None:
    run_domain(compute, argv, "reintegration")


if __name__ == "__main__":
    main()
