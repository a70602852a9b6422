"""Profile of the intake sample: who the two groups were at baseline and how they differed.

Section "profile" of docs/statistics_spec.md. Every statistic uses the baseline row of each
person; binary characteristics get their percent by group and a Pearson chi-square, numeric
ones their mean by group and a Student t-test (QCT minus comparison).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis import stats, views
from analysis.codebook import PARTICIPANTS
from analysis.domain_cli import run_domain

# Binary baseline characteristics compared between the groups, as 0/1 columns of the cohort.
BINARY = (
    "never_married",
    "left_school_before_16",
    "mostly_unemployed_3y",
    "worked_or_studied_3y",
    "ongoing_medical_problem",
    "depression_anxiety_30d",
    "psych_medication_lifetime",
    "suicidal_thoughts_lifetime",
    "suicide_attempted_lifetime",
    "previous_treatment",
    "homeless_30",
    "frequent_heroin_crack",
)
# Numeric baseline measures compared by t-test (drug_composite also by Mann-Whitney).
NUMERIC = (
    "age",
    "suicide_attempts_lifetime",
    "n_drugs_30",
    "drug_spend_30",
    "crime_days_30",
    "drug_composite",
)
# Assumption: "interviewed within two weeks" means at most 2.0 weeks after starting treatment.
INTERVIEW_WEEKS = 2.0


def _categories(column: str) -> tuple[str, ...]:
    return next(c for c in PARTICIPANTS.columns if c.name == column).categories


def baseline_flags(people: pd.DataFrame) -> pd.DataFrame:
    """The 0/1 baseline characteristics, including those derived from categories."""
    flags = people[list(BINARY)].copy()
    flags["male"] = views.flag(people["sex"] == "male")
    flags["white"] = views.flag(people["ethnicity"] == "white")
    # The paper's "earlier stage of change": precontemplation vs the later stages.
    flags["stage_precontemplation"] = views.flag(people["stage_of_change"] == "precontemplation")
    return flags


def compute(cohort: pd.DataFrame, config: dict[str, Any]) -> dict[str, Any]:
    """Baseline profile of the sample by legal-status group."""
    people = views.persons(cohort, config)
    group = people["group"]
    flags = baseline_flags(people)
    means = {c: views.means_by_group(people[c], group) for c in NUMERIC}
    injectors = people["injecting_days_30"].where(people["injecting_days_30"] > 0)
    means["injecting_days_30_injectors"] = views.means_by_group(injectors, group)
    means["drug_composite"]["mann_whitney"] = stats.mann_whitney(
        people.loc[group.eq(views.QCT), "drug_composite"],
        people.loc[group.eq(views.COMPARISON), "drug_composite"],
    )
    weeks = people["weeks_to_intake_interview"]
    return {
        "group_size": stats.category_percents(group, views.GROUPS),
        "site": stats.category_percents(
            people["site"].astype("string"), sorted(people["site"].dropna().astype(str).unique())
        ),
        "n_sites": {"value": int(people["site"].nunique())},
        "proportions": {c: views.percents_by_group(flags[c], group) for c in flags.columns},
        "means": means,
        "intake_modality": stats.category_percents(
            people["intake_modality"], _categories("intake_modality")
        ),
        "weeks_to_intake_interview": {
            "mean": stats.central(weeks),
            "within_two_weeks": stats.percent(views.flag(weeks <= INTERVIEW_WEEKS)),
        },
    }


def main(argv: list[str] | None = None) -> None:
    run_domain(compute, argv, "profile")


if __name__ == "__main__":
    main()
