"""The synthetic cohort in memory: wide numeric arrays, the codebook's row rules, and frames.

Calibration changes single values millions of times, so the cohort is held as numpy arrays
rather than DataFrames: `p.<col>` has one value per person, `iv.<col>` and `tr.<col>` one per
person and configured wave (NaN = missing / not interviewed / no record). Categories are held
as integer codes into the codebook's category tuple. `to_frames` turns it into the three raw
tables of `analysis.codebook`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.codebook import INTERVIEWS, PARTICIPANTS, TREATMENT, Column

# Fixed decimals of the float columns in the CSV; values are generated already on this grid so
# that statistics computed in memory equal those recomputed from the files.
DECIMALS = {
    "weeks_to_intake_interview": 1,
    "drug_spend_30": 0,
    "drug_composite": 3,
    "weeks_abstinent_since_intake": 1,
}

IV_NUMERIC = {  # column: (minimum, maximum, largest step)
    "crime_days_30": (0, 30, 4),
    "crime_days_180": (0, 180, 20),
    "illicit_drug_days_30": (0, 30, 4),
    "any_drug_days_30": (0, 30, 4),
    "heroin_days_30": (0, 30, 4),
    "crack_days_30": (0, 30, 4),
    "injecting_days_30": (0, 30, 4),
    "n_drugs_30": (1, 15, 1),
    "drug_spend_30": (0, 20000, 300),
    "drug_composite": (0, 1, 0.03),
    "relationship_problems": (0, 6, 1),
    "weeks_abstinent_since_intake": (0, 260, 4),
}
GRID = {"drug_spend_30": 10, "drug_composite": 0.001, "weeks_abstinent_since_intake": 0.1}


# Assumed days elapsed per month of follow-up (caps cumulative treatment days); a little below
# the codebook's longest calendar stretch (`codebook.days_elapsed`), so that what accrues
# between waves stays within the codebook's limits after rounding.
DAYS_PER_MONTH = 30.4
WEEKS_PER_MONTH = 4.33


@dataclass
class Cohort:
    """Wide arrays of one synthetic cohort; see the module docstring for the key scheme."""

    waves: tuple[str, ...]
    months: np.ndarray
    v: dict[str, np.ndarray]
    interviewed: np.ndarray  # (n, W) bool
    has_record: np.ndarray  # (n, W) bool; always False at the baseline

    @property
    def n(self) -> int:
        return self.interviewed.shape[0]

    @property
    def qct(self) -> np.ndarray:
        return self.v["p.group"] == 0

    def copy(self) -> Cohort:
        return Cohort(
            self.waves,
            self.months.copy(),
            {k: a.copy() for k, a in self.v.items()},
            self.interviewed.copy(),
            self.has_record.copy(),
        )


def not_sentinel(x: float, sentinels: tuple[int, ...], up: bool = False) -> float:
    """The nearest value below `x` (above it when `up`) that is not a sentinel code."""
    step = 1 if up else -1
    while x in sentinels:
        x += step
    return x


def pattern_column(j: int, n_waves: int) -> int:
    """Which pattern column (first, middle, last follow-up) drives wave j (j >= 1).

    Waves between the middle and the last repeat the middle pattern, so extra configured waves
    extrapolate the paper's response pattern and "last follow-up" keeps its printed counts.
    """
    if j == n_waves - 1:
        return 2 if n_waves > 2 else 0
    return 0 if j == 1 else 1


def wave_role(j: int, n_waves: int) -> int:
    """Wave role: 0 baseline, then the follow-up pattern column + 1."""
    return 0 if j == 0 else pattern_column(j, n_waves) + 1


def printed_wave(waves: tuple[str, ...], role: int) -> str:
    """The wave id that the paper's numbers of a wave role carry: the paper's four waves are
    the first four configured (an assumption when more are configured)."""
    return waves[role]


def code(column: Column, value: str) -> int:
    """Integer code of a category value (its position in the codebook)."""
    return column.categories.index(value)


def column(file_columns: tuple[Column, ...], name: str) -> Column:
    return next(c for c in file_columns if c.name == name)


CRIME_180_SENTINELS = column(INTERVIEWS.columns, "crime_days_180").sentinels


def repair_interview(c: Cohort, i: int, j: int) -> None:
    """Make interview row (i, j) satisfy every codebook rule plus named plausibility rules.

    Codebook: crime types 0 exactly when crime days 0; liberty >= crime days; illicit >= heroin,
    crack; any drug >= illicit; homeless setting empty exactly when not homeless; follow-up
    items empty at the baseline. Assumed plausibility: 180-day crime >= 30-day crime; injecting
    days <= any-drug days; no spending and no substances when no drug use; weeks abstinent at
    most the weeks elapsed since intake.
    """
    v = c.v
    crime = v["iv.crime_days_30"][i, j]
    if not np.isnan(crime):
        types = v["iv.crime_types_30"][i, j]
        if crime == 0:
            v["iv.crime_types_30"][i, j] = 0 if not np.isnan(types) else np.nan
        elif not np.isnan(types) and types == 0:
            v["iv.crime_types_30"][i, j] = 1
        lib = v["iv.days_at_liberty_30"][i, j]
        if not np.isnan(lib) and lib < crime:
            v["iv.days_at_liberty_30"][i, j] = crime
        c180 = v["iv.crime_days_180"][i, j]
        if not np.isnan(c180) and c180 < crime:
            v["iv.crime_days_180"][i, j] = crime
    c180 = v["iv.crime_days_180"][i, j]
    if c180 in CRIME_180_SENTINELS:
        v["iv.crime_days_180"][i, j] = not_sentinel(c180, CRIME_180_SENTINELS)
    illicit = v["iv.illicit_drug_days_30"][i, j]
    for part in ("iv.heroin_days_30", "iv.crack_days_30"):
        x = v[part][i, j]
        if not np.isnan(x) and not np.isnan(illicit) and x > illicit:
            v[part][i, j] = illicit
    anyd = v["iv.any_drug_days_30"][i, j]
    if not np.isnan(anyd) and not np.isnan(illicit) and anyd < illicit:
        v["iv.any_drug_days_30"][i, j] = anyd = illicit
    inj = v["iv.injecting_days_30"][i, j]
    if not np.isnan(inj) and not np.isnan(anyd) and inj > anyd:
        v["iv.injecting_days_30"][i, j] = anyd
    if not np.isnan(anyd) and anyd == 0:
        v["iv.n_drugs_30"][i, j] = 0
    elif not np.isnan(v["iv.n_drugs_30"][i, j]) and v["iv.n_drugs_30"][i, j] == 0:
        v["iv.n_drugs_30"][i, j] = 1
    if not np.isnan(illicit) and illicit == 0 and not np.isnan(v["iv.drug_spend_30"][i, j]):
        v["iv.drug_spend_30"][i, j] = 0
    if v["iv.homeless_30"][i, j] != 1:
        v["iv.homeless_setting"][i, j] = np.nan
    elif np.isnan(v["iv.homeless_setting"][i, j]):
        v["iv.homeless_setting"][i, j] = 0
    weeks = v["iv.weeks_abstinent_since_intake"][i, j]
    cap = np.floor(c.months[j] * WEEKS_PER_MONTH * 10) / 10
    if not np.isnan(weeks) and weeks > cap:
        v["iv.weeks_abstinent_since_intake"][i, j] = cap


def repair_interviews(c: Cohort) -> None:
    """Every interview row made to satisfy the row rules (`repair_interview`)."""
    for i, j in zip(*np.nonzero(c.interviewed), strict=True):
        repair_interview(c, int(i), int(j))


def keep_cumulative(c: Cohort) -> None:
    """Make every since-intake item of the codebook (`Column.cumulative`) never fall over a
    person's waves: each answer is capped by the person's next known one, backwards from the
    latest (which is kept, so the calibrated statistics of the latest answers stay as they are).
    """
    for prefix, raw in (("iv", INTERVIEWS), ("tr", TREATMENT)):
        for col in raw.columns:
            if not col.cumulative:
                continue
            x = c.v[f"{prefix}.{col.name}"]
            later = np.full(c.n, np.inf)
            for j in reversed(range(len(c.waves))):
                known = ~np.isnan(x[:, j])
                x[known, j] = np.minimum(x[known, j], later[known])
                later = np.where(known, x[:, j], later)


def bounded(
    c: Cohort,
    col: str,
    i: int,
    j: int,
    new: float,
    keep_zero: bool = False,
    frequent_days: float | None = None,
) -> float:
    """`new` moved into the range the row rules allow for interview cell (i, j) of `col`.

    Bounds never let a move change a related cell through `repair_interview` (e.g. crime days
    stay within days at liberty and 180-day crime days). keep_zero keeps the cell's zero /
    positive status; frequent_days keeps the baseline frequent-use status of heroin and crack.
    """
    v = c.v
    lo, hi, _ = IV_NUMERIC[col]
    grid = GRID.get(col, 1)
    old = v[f"iv.{col}"][i, j]
    new = round(round(float(np.clip(new, lo, hi)) / grid) * grid, 3)
    if keep_zero:
        new = 0.0 if old == 0 else max(new, 1.0)
    if col in ("heroin_days_30", "crack_days_30"):
        if j == 0 and frequent_days is not None:
            new = max(new, frequent_days) if old >= frequent_days else min(new, frequent_days - 1)
        new = min(new, np.nan_to_num(v["iv.illicit_drug_days_30"][i, j], nan=30))
    if col == "illicit_drug_days_30":
        parts = [v[f"iv.{k}"][i, j] for k in ("heroin_days_30", "crack_days_30")]
        new = max([new] + [x for x in parts if not np.isnan(x)])
    if col == "any_drug_days_30":
        floor = 1.0 if np.nan_to_num(v["iv.injecting_days_30"][i, j]) > 0 else 0.0
        new = max(new, np.nan_to_num(v["iv.illicit_drug_days_30"][i, j]), floor)
    if col == "injecting_days_30":
        new = min(new, np.nan_to_num(v["iv.any_drug_days_30"][i, j], nan=30))
    if col == "crime_days_30":
        new = min(
            new,
            np.nan_to_num(v["iv.days_at_liberty_30"][i, j], nan=30),
            np.nan_to_num(v["iv.crime_days_180"][i, j], nan=180),
        )
    if col == "crime_days_180":
        new = max(new, np.nan_to_num(v["iv.crime_days_30"][i, j]))
        if new in CRIME_180_SENTINELS:
            new = not_sentinel(new, CRIME_180_SENTINELS, up=new > old)
    if col == "weeks_abstinent_since_intake":
        new = min(new, np.floor(c.months[j] * WEEKS_PER_MONTH * 10) / 10)
    return new


def _column_values(col: Column, values: np.ndarray) -> pd.Series:
    """Decode one wide array slice into a typed Series per the codebook kind."""
    if col.kind == "category":
        out = pd.Series(pd.array([None] * len(values), dtype="string"))
        ok = ~np.isnan(values)
        out[ok] = np.asarray(col.categories, dtype=object)[values[ok].astype(int)]
        return out
    if col.kind in ("binary", "integer"):
        return pd.Series(pd.array(np.where(np.isnan(values), None, values), dtype="Int64"))
    return pd.Series(values.astype(float))


def ids_for(n: int) -> np.ndarray:
    """Participant ids 'P' + zero-padded index (at least three digits)."""
    width = max(3, len(str(n)))
    return np.array([f"P{k:0{width}d}" for k in range(1, n + 1)], dtype=object)


def to_frames(c: Cohort, ids: np.ndarray | None = None) -> dict[str, pd.DataFrame]:
    """The three raw tables, in codebook column order, rows sorted by id then wave order."""
    ids = ids_for(c.n) if ids is None else ids
    people = pd.DataFrame({"id": pd.array(ids, dtype="string")})
    for col in PARTICIPANTS.columns[1:]:
        people[col.name] = _column_values(col, c.v[f"p.{col.name}"])
    frames = {"participants": people}
    for name, raw, present, prefix in (
        ("interviews", INTERVIEWS, c.interviewed, "iv"),
        ("treatment", TREATMENT, c.has_record, "tr"),
    ):
        person, wave = np.nonzero(present)  # row-major: by person, then wave order
        table = pd.DataFrame(
            {
                "id": pd.array(ids[person], dtype="string"),
                "wave": pd.array(np.asarray(c.waves, dtype=object)[wave], dtype="string"),
            }
        )
        for col in raw.columns[2:]:
            table[col.name] = _column_values(col, c.v[f"{prefix}.{col.name}"][person, wave])
        frames[name] = table
    order = np.argsort(ids, kind="stable")
    frames["participants"] = people.iloc[order].reset_index(drop=True)
    for name in ("interviews", "treatment"):
        frames[name] = frames[name].sort_values(["id"], kind="stable").reset_index(drop=True)
    return frames


def _codes(col: Column, values: pd.Series) -> np.ndarray:
    """A raw column as floats: categories as their codebook position, missing as NaN."""
    if col.kind == "category":
        lookup = {c: float(k) for k, c in enumerate(col.categories)}
        return np.array(
            [lookup.get(x, np.nan) if isinstance(x, str) else np.nan for x in values], float
        )
    return pd.to_numeric(values, errors="coerce").to_numpy(float)


def from_frames(
    frames: dict[str, pd.DataFrame], waves: tuple[str, ...], months: np.ndarray
) -> Cohort:
    """The wide in-memory cohort of three raw tables (the inverse of `to_frames`), so that the
    calibration's statistics can be checked on any raw files."""
    people = frames["participants"]
    index = pd.Index(people["id"])
    n = len(people)
    v = {f"p.{col.name}": _codes(col, people[col.name]) for col in PARTICIPANTS.columns[1:]}
    present = {}
    for name, raw, prefix in (("interviews", INTERVIEWS, "iv"), ("treatment", TREATMENT, "tr")):
        table = frames[name]
        i = index.get_indexer(table["id"])
        j = pd.Index(waves).get_indexer(table["wave"])
        present[prefix] = np.zeros((n, len(waves)), bool)
        present[prefix][i, j] = True
        for col in raw.columns[2:]:
            v[f"{prefix}.{col.name}"] = np.full((n, len(waves)), np.nan)
            v[f"{prefix}.{col.name}"][i, j] = _codes(col, table[col.name])
    return Cohort(tuple(waves), np.asarray(months, float), v, present["iv"], present["tr"])
