"""The role of coercion: perceived pressure and motivation at intake, by legal-status group.

Section "coercion" of docs/statistics_spec.md (baseline rows): how many court-ordered clients
felt no external pressure and how many 'voluntary' clients felt some, and the stage of change
of each group.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis import stats, views
from analysis.codebook import PARTICIPANTS
from analysis.domain_cli import run_domain

STAGES: tuple[str, ...] = next(
    c for c in PARTICIPANTS.columns if c.name == "stage_of_change"
).categories


def compute(cohort: pd.DataFrame, config: dict[str, Any]) -> dict[str, Any]:
    """Perceived pressure and stage of change at intake, by group."""
    people = views.persons(cohort, config)
    group = people["group"]
    pressure = people["perceived_pressure"]
    stage = people["stage_of_change"]
    return {
        "perceived_pressure": views.percents_by_group(pressure, group),
        "no_pressure": views.percents_by_group(1 - pressure, group),
        "stage_of_change": {
            **{
                name: stats.category_percents(values, STAGES)
                for name, values in views.group_values(stage, group).items()
            },
            "chi2": stats.chi_square_2xk(group, stage),
        },
    }


def main(argv: list[str] | None = None) -> None:
    run_domain(compute, argv, "coercion")


if __name__ == "__main__":
    main()
