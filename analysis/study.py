"""The study's interview counts and response rates (section "study" of the spec)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis import views
from analysis.domain_cli import run_domain


def compute(cohort: pd.DataFrame, config: dict[str, Any]) -> dict[str, Any]:
    """Interviews per wave, total interviews, re-interviews and attrition at the first follow-up.

    The total and the re-interviews accumulate over the follow-ups, so they are given through
    each follow-up wave and keyed by it (docs/results_format.md).
    """
    w = views.waves(config)
    interviewed = views.wide(cohort, "interviewed", config).astype(bool)
    n = int(len(interviewed))

    def share(count: int) -> dict[str, Any]:
        return {"count": count, "n": n, "percent": 100.0 * count / n}

    spans = views.through(config).items()
    return {
        "participants": {"value": n},
        "interviews": {wave: share(int(interviewed[wave].sum())) for wave in w.ids},
        "total_interviews": {
            wave: {"value": int(interviewed[[w.baseline.id, *ids]].to_numpy().sum())}
            for wave, ids in spans
        },
        "reinterviewed": {
            wave: share(int(interviewed[ids].any(axis=1).sum())) for wave, ids in spans
        },
        "missed_first_follow_up": share(int((~interviewed[w.first_follow_up.id]).sum())),
    }


def main(argv: list[str] | None = None) -> None:
    run_domain(compute, argv, "study")


if __name__ == "__main__":
    main()
