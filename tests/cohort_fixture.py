"""A tiny processed cohort, in the layout of docs/processed_cohort.md, for the analysis tests.

Built here (not by analysis.clean) so the analysis tests do not depend on the cleaning code.
`build_cohort` takes raw-like tables with only the columns a test cares about; every other
codebook column is filled with seeded random values in its allowed range. `small_cohort`
is the canonical 8-person, 3-wave cohort whose values the tests compute by hand.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd

from analysis import views
from analysis.codebook import INTERVIEWS, PARTICIPANTS, TREATMENT, Column

SMALL_CONFIG: dict[str, Any] = {
    # Three waves, so that "last follow-up" is not the paper's t4: nothing may hard-code it.
    "waves": [
        {"id": "t1", "months": 0, "label": "intake"},
        {"id": "t2", "months": 6, "label": "6-month follow-up"},
        {"id": "t3", "months": 12, "label": "12-month follow-up"},
    ],
    "missing_data": "locf",
    "derived": {"frequent_use_days": 15, "retained_days": 90},
    "site_of_interest": 2,
    "regression": {
        "candidates": ["qct", "drug_composite_z", "age", "site_of_interest"],
        "final": ["drug_composite_z", "age"],
        "entry_p": 0.05,
        "removal_p": 0.10,
    },
}


def config(**overrides: Any) -> dict[str, Any]:
    """A fresh copy of SMALL_CONFIG with top-level keys overridden."""
    cfg = copy.deepcopy(SMALL_CONFIG)
    cfg.update(overrides)
    return cfg


def _random_values(col: Column, n: int, rng: np.random.Generator) -> pd.Series:
    """n random values of a codebook column, within its allowed range or categories."""
    if col.kind == "category":
        return pd.Series(rng.choice(col.categories, n), dtype="string")
    if col.kind == "binary":
        return pd.Series(rng.integers(0, 2, n), dtype="Int64")
    low, high = col.minimum or 0, min(col.maximum if col.maximum is not None else 30, 30)
    if col.kind == "integer":
        return pd.Series(rng.integers(int(low), int(high) + 1, n), dtype="Int64")
    return pd.Series(rng.uniform(low, high, n).round(2), dtype="float64")


def _typed(values: Any, col: Column, n: int) -> pd.Series:
    dtype = {"category": "string", "binary": "Int64", "integer": "Int64"}.get(col.kind, "float64")
    return pd.Series(values, dtype=dtype).reset_index(drop=True).reindex(range(n))


def build_cohort(
    participants: dict[str, list],
    interviews: dict[str, dict[str, list]],
    treatment: dict[str, dict[str, list]],
    cfg: dict[str, Any],
    seed: int = 7,
) -> pd.DataFrame:
    """The processed cohort from column -> values (participants) and column -> wave -> values.

    `interviews["interviewed"][wave]` is the 0/1 interviewed flag per person (default: all);
    interview measures are blanked where not interviewed. Missing columns are random.
    """
    rng = np.random.default_rng(seed)
    ids = participants["id"]
    n = len(ids)
    wave_cfg = cfg["waves"]
    people = pd.DataFrame(
        {
            c.name: _typed(participants[c.name], c, n)
            if c.name in participants
            else _random_values(c, n, rng)
            for c in PARTICIPANTS.columns
            if c.name != "id"
        }
    )
    people.insert(0, "id", pd.Series(ids, dtype="string"))
    frames = []
    for index, w in enumerate(wave_cfg):
        rows = people.copy()
        rows.insert(1, "wave", w["id"])
        rows.insert(2, "wave_index", index)
        rows.insert(3, "months", w["months"])
        seen = np.asarray(interviews.get("interviewed", {}).get(w["id"], [1] * n), dtype=bool)
        rows.insert(4, "interviewed", seen)
        for c in INTERVIEWS.columns[2:]:
            given = interviews.get(c.name, {})
            values = _typed(given[w["id"]], c, n) if w["id"] in given else _random_values(c, n, rng)
            if c.follow_up_only and index == 0:
                values[:] = pd.NA
            rows[c.name] = values.mask(~seen)
        for c in TREATMENT.columns[2:]:
            given = treatment.get(c.name, {})
            values = _typed(given[w["id"]], c, n) if w["id"] in given else _random_values(c, n, rng)
            rows[f"rec_{c.name}"] = values.mask(pd.Series([index == 0] * n))
        frames.append(rows)
    cohort = pd.concat(frames, ignore_index=True).sort_values(["id", "wave_index"], kind="stable")
    return _derive(cohort.reset_index(drop=True), cfg)


def _derive(cohort: pd.DataFrame, cfg: dict[str, Any]) -> pd.DataFrame:
    """The derived and LOCF columns of docs/processed_cohort.md (flags NA if an input is)."""
    out = cohort.copy()
    crime, heroin, crack = out["crime_days_30"], out["heroin_days_30"], out["crack_days_30"]
    k = cfg["derived"]["frequent_use_days"]
    out["any_crime_30"] = views.flag(crime > 0, crime)
    liberty = out["days_at_liberty_30"].astype("Float64")
    at_liberty = liberty.where(liberty > 0)
    out["crime_liberty_ratio"] = (crime.astype("Float64") / at_liberty).astype("float64")
    out["illicit_liberty_ratio"] = (
        out["illicit_drug_days_30"].astype("Float64") / at_liberty
    ).astype("float64")
    out["crack_user"] = views.flag(crack > 0, crack)
    out["poly_user"] = views.flag((heroin > 0) & (crack > 0), heroin, crack)
    out["frequent_heroin_crack"] = views.flag((heroin >= k) & (crack >= k), heroin, crack)
    for c in INTERVIEWS.columns[2:]:
        out[f"{c.name}_locf"] = out.groupby("id")[c.name].ffill()
    return out


def _by_wave(t1: list, t2: list, t3: list) -> dict[str, list]:
    return {"t1": t1, "t2": t2, "t3": t3}


NA = None
# The canonical small cohort: P1-P4 QCT, P5-P8 comparison; P4 and P8 missed t2,
# P3, P7 and P8 missed t3.
SMALL_PARTICIPANTS: dict[str, list] = {
    "id": [f"P{i}" for i in range(1, 9)],
    "group": ["QCT"] * 4 + ["comparison"] * 4,
    "site": [2, 1, 2, 1, 1, 2, 1, 1],
    "sex": ["male", "male", "male", "female", "male", "female", "female", "female"],
    "age": [25, 30, 35, 40, 28, 32, 36, 44],
    "ethnicity": ["white", "white", "black", "white", "white", "asian", "white", "white"],
    "psych_medication_lifetime": [0, 0, 1, 0, 1, 1, 0, 1],
    "suicide_attempts_lifetime": [0, 1, 0, 0, 2, 0, 3, 1],
    "perceived_pressure": [1, 0, 1, 1, 0, 1, 0, 0],
    "stage_of_change": [
        "precontemplation",
        "action",
        "contemplation",
        "action",
        "action",
        "precontemplation",
        "action",
        "contemplation",
    ],
    "abstinent_via_treatment_before": [0, 1, 0, NA, 1, 0, 1, 1],
    "abstinent_voluntarily_before": [1, 0, 0, 1, 0, 1, 0, 1],
    "worked_or_studied_3y": [0, 0, 1, 0, 1, 0, 0, 1],
    "intake_modality": [
        "day_care",
        "day_care",
        "residential",
        "day_care_and_substitute_prescribing",
        "day_care",
        "other",
        "substitute_prescribing",
        "day_care",
    ],
    "weeks_to_intake_interview": [1.0, 3.0, 2.0, 5.0, 1.5, 2.5, 0.5, 6.0],
}
SMALL_INTERVIEWS: dict[str, dict[str, list]] = {
    "interviewed": _by_wave([1] * 8, [1, 1, 1, 0, 1, 1, 1, 0], [1, 1, 0, 1, 1, 1, 0, 0]),
    "crime_days_30": _by_wave(
        [20, 30, 10, 25, 5, 0, 8, NA], [2, 30, 0, NA, 5, 0, 4, NA], [0, 10, NA, 5, 1, 0, NA, NA]
    ),
    "crime_days_180": _by_wave(
        [120, 180, 60, 150, 30, 0, 48, 70],
        [12, 150, 0, NA, 30, 0, 20, NA],
        [0, 60, NA, 30, 6, 0, NA, NA],
    ),
    "days_at_liberty_30": _by_wave(
        [30] * 8, [20, 30, 30, NA, 30, 30, 10, NA], [30, 20, NA, 30, 30, 30, NA, NA]
    ),
    "illicit_drug_days_30": _by_wave(
        [30, 28, 20, 25, 15, 10, 20, 30],
        [10, 28, 0, NA, 20, 5, 20, NA],
        [5, 30, NA, 10, 10, 0, NA, NA],
    ),
    "heroin_days_30": _by_wave([20, 0, 10, 5, 0, 3, 0, 8], [0] * 8, [0] * 8),
    "crack_days_30": _by_wave([16, 10, 0, 0, 2, 0, 0, 4], [0] * 8, [0] * 8),
    "drug_spend_30": _by_wave(
        [1500.0, 1200.0, 800.0, 1000.0, 300.0, 100.0, 400.0, 600.0],
        [100.0, 1200.0, 0.0, NA, 350.0, 0.0, 50.0, NA],
        [0.0, 900.0, NA, 200.0, 100.0, 0.0, NA, NA],
    ),
    "drug_composite": _by_wave(
        [0.30, 0.25, 0.20, 0.15, 0.10, 0.12, 0.18, 0.08], [0.1] * 8, [0.1] * 8
    ),
    "homeless_30": _by_wave(
        [1, 1, 0, 0, 0, 0, 1, 0], [0, 1, 0, NA, 0, 0, 0, NA], [0, 0, NA, 1, 0, 0, NA, NA]
    ),
    "in_treatment": _by_wave([1] * 8, [1, 0, 1, NA, 0, 1, 1, NA], [1, 0, NA, 1, 0, 1, NA, NA]),
    "arrested_since_last": _by_wave(
        [NA] * 8, [1, 1, 0, NA, 0, 0, 1, NA], [0, 1, NA, 0, 0, 0, NA, NA]
    ),
    "free_time_with_users": _by_wave(
        [1, 0, 1, 0, 0, 1, 0, 0], [1, 0, 0, NA, 0, 1, 1, NA], [0, 1, NA, 0, 0, 0, NA, NA]
    ),
}
SMALL_TREATMENT: dict[str, dict[str, list]] = {
    "in_treatment": _by_wave([NA] * 8, [1, 0, 1, 0, 0, 1, 1, 0], [1, 0, 0, 1, 0, 1, 1, 0]),
    "days_in_treatment": _by_wave(
        [NA] * 8, [180, 60, 80, 150, 40, 180, 175, 20], [360, 60, 200, 330, 40, 365, 350, 20]
    ),
    "imprisoned_since_intake": _by_wave(
        [NA] * 8, [0, 1, 0, 0, 0, 0, 0, 0], [1, 1, 0, NA, 0, 0, 1, 0]
    ),
}


def small_cohort(**config_overrides: Any) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The canonical 8-person, 3-wave cohort and its config."""
    cfg = config(**config_overrides)
    return build_cohort(SMALL_PARTICIPANTS, SMALL_INTERVIEWS, SMALL_TREATMENT, cfg), cfg


def random_cohort(n: int = 200, seed: int = 3) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A seeded random cohort big enough for regression tests.

    Offending at the first follow-up depends on the baseline drug composite score and age
    (and on nothing else), so forward selection should pick those.
    """
    rng = np.random.default_rng(seed)
    composite = rng.uniform(0.0, 0.5, n).round(3)
    age = rng.integers(18, 50, n)
    logit = -1.0 + 12.0 * (composite - 0.25) - 0.12 * (age - 32)
    offended = rng.uniform(size=n) < 1 / (1 + np.exp(-logit))
    crime_t2 = np.where(offended, rng.integers(1, 31, n), 0)
    cfg = config()
    participants = {
        "id": [f"P{i:03d}" for i in range(n)],
        "group": list(rng.choice(["QCT", "comparison"], n)),
        "age": list(age),
    }
    interviews = {
        "interviewed": _by_wave([1] * n, list(rng.uniform(size=n) < 0.7), [1] * n),
        "drug_composite": _by_wave(list(composite), [NA] * n, [NA] * n),
        "crime_days_30": _by_wave(
            list(rng.integers(0, 31, n)), list(crime_t2), list(rng.integers(0, 31, n))
        ),
    }
    return build_cohort(participants, interviews, {}, cfg, seed=seed), cfg
