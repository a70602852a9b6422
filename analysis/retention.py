"""Retention in treatment, from the treatment-agency records (`rec_*` columns).

Section "retention" of docs/statistics_spec.md: who was still in treatment at the first
follow-up and at every follow-up (Figure 3), what had become of the intake episode, days
retained by group at every follow-up,
continued treatment by self-report, residential treatment, and the site effect on being
retained beyond the configured number of days.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis import stats, views
from analysis.codebook import TREATMENT
from analysis.domain_cli import run_domain

EPISODE_STATUSES: tuple[str, ...] = next(
    c for c in TREATMENT.columns if c.name == "episode_status"
).categories


def continued_treatment(cohort: pd.DataFrame, config: dict[str, Any]) -> dict[str, Any]:
    """Self-reported in_treatment at each person's latest interview after the first follow-up.

    Keyed by the follow-up wave it runs through, for every wave after the first follow-up
    (empty when there is none).
    """
    first = views.waves(config).first_follow_up.id
    return {
        wave: stats.percent(views.latest(cohort, "in_treatment", wave_ids[1:]))
        for wave, wave_ids in views.through(config).items()
        if wave != first
    }


def retained_beyond(first: pd.DataFrame, config: dict[str, Any]) -> dict[str, Any]:
    """Odds of retention beyond `derived.retained_days`: site of interest vs elsewhere."""
    threshold = int(config["derived"]["retained_days"])
    days = first["rec_days_in_treatment"]
    frame = pd.DataFrame(
        {
            "retained": views.flag(days > threshold),
            "site_of_interest": views.at_site_of_interest(first, config),
        }
    )
    model = stats.logistic(frame, "retained", ["site_of_interest"])
    return {
        "threshold_days": {"value": threshold},
        "retained": views.percents_by_group(frame["retained"], first["group"]),
        "site_of_interest": model["coefficients"]["site_of_interest"],
        "fit": model["fit"],
    }


def compute(cohort: pd.DataFrame, config: dict[str, Any]) -> dict[str, Any]:
    """Retention in treatment by group, from the agency records."""
    w = views.waves(config)
    first = views.at_wave(cohort, w.first_follow_up.id)
    follow_ups = [f.id for f in w.follow_ups]
    in_treatment = first["rec_in_treatment"]
    # The agency records count days and residential treatment since intake, so the record at
    # a wave is the value through that wave.
    records = {f: views.at_wave(cohort, f) for f in follow_ups}
    return {
        "in_treatment": views.percents_by_group(in_treatment, first["group"]),
        "in_treatment_by_wave": {
            name: {f: cells[f] for f in follow_ups}
            for name, cells in views.wave_percents(cohort, "rec_in_treatment").items()
        },
        "opioid_substitution": stats.percent(
            first.loc[in_treatment.eq(1).fillna(False).to_numpy(), "rec_opioid_substitution"]
        ),
        "episode_status": stats.category_percents(first["rec_episode_status"], EPISODE_STATUSES),
        "days_in_treatment": {
            f: views.means_by_group(rows["rec_days_in_treatment"], rows["group"])
            for f, rows in records.items()
        },
        "days_in_treatment_not_in_treatment": views.means_by_group(
            first["rec_days_in_treatment"].where(in_treatment.eq(0).fillna(False)), first["group"]
        ),
        "continued_treatment": continued_treatment(cohort, config),
        "residential": {
            f: views.percents_by_group(rows["rec_residential_since_intake"], rows["group"])
            for f, rows in records.items()
        },
        "retained_beyond": retained_beyond(first, config),
    }


def main(argv: list[str] | None = None) -> None:
    run_domain(compute, argv, "retention")


if __name__ == "__main__":
    main()
