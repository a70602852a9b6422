"""The study's interview counts and response rates (section "study" of the spec)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis import views
from analysis.domain_cli import run_domain


def compute(cohort: pd.DataFrame, config: dict[str, Any]) -> dict[str, Any]:
    """Interviews per wave, total interviews, re-interviews and attrition at the first follow-up."""
    w = views.waves(config)
    interviewed = views.wide(cohort, "interviewed", config).astype(bool)
    n = int(len(interviewed))
    follow_ups = [f.id for f in w.follow_ups]

    def share(count: int) -> dict[str, Any]:
        return {"count": count, "n": n, "percent": 100.0 * count / n}

    return {
        "participants": {"value": n},
        "interviews": {wave: share(int(interviewed[wave].sum())) for wave in w.ids},
        "total_interviews": {"value": int(interviewed.to_numpy().sum())},
        "reinterviewed": share(int(interviewed[follow_ups].any(axis=1).sum())),
        "missed_first_follow_up": share(int((~interviewed[w.first_follow_up.id]).sum())),
    }


def main(argv: list[str] | None = None) -> None:
    run_domain(compute, argv, "study")


if __name__ == "__main__":
    main()
