"""From the validated raw files to the processed cohort (docs/processed_cohort.md).

One row per participant and configured wave, interviewed or not, so that every analysis sees
the same grid and missing follow-ups are explicit. Agency records join as `rec_<col>`;
the derived variables and the last-observation-carried-forward (LOCF) columns are added here,
once. Everything is vectorised (rows placed on the grid by position, forward fills wave by
wave within each person's block of rows), so it scales: see `python -m analysis.bench`.

Command line (what the Snakefile runs):
    python -m analysis.clean --raw-dir data/raw --config config/config.yaml \
        --out data/processed/cohort.parquet
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as arrow
import pyarrow.compute as arrow_compute

from analysis.codebook import INTERVIEWS, PARTICIPANTS, TREATMENT, Column, RawFile
from analysis.config import Waves, load_config
from analysis.io import frame_of_columns, python_strings, write_parquet
from analysis.memory import release_memory
from analysis.validate import (
    CohortValidationError,
    RawData,
    arrow_strings,
    load_raw,
    positions_in,
    raw_dtype,
)

KEY = ["id", "wave"]
# Every numeric or binary interview measure is carried forward; categories are not (there is
# one, homeless_setting, whose last value says nothing about a later wave).
LOCF_MEASURES = [c.name for c in INTERVIEWS.columns if c.kind in ("binary", "integer", "number")]
DERIVED = [
    "any_crime_30",
    "crime_liberty_ratio",
    "illicit_liberty_ratio",
    "crack_user",
    "poly_user",
    "frequent_heroin_crack",
]


# Compact dtypes keep a million-person cohort within memory (docs/processed_cohort.md): nullable
# integers as narrow as the codebook's range allows, categories as pandas categoricals (which
# also makes comparing and grouping them cheap). Values are unchanged, and every analysis reads
# them through analysis.stats.as_float or comparisons, so results are the same as with Int64.
FLAG_DTYPE = "Int8"
CODEBOOK = {c.name: c for f in (PARTICIPANTS, INTERVIEWS, TREATMENT) for c in f.columns}


def compact_dtype(column: Column) -> str | pd.CategoricalDtype | None:
    """The cohort dtype of a codebook column (None: as validated, e.g. float64 numbers)."""
    if column.kind == "binary":
        return FLAG_DTYPE
    if column.kind == "category":
        return pd.CategoricalDtype(list(column.categories))
    if column.kind == "integer":
        return raw_dtype(column)  # validation already gives the narrowest the range allows
    return None


def _compact(frame: pd.DataFrame, name: str) -> pd.Series | pd.Categorical:
    """A validated raw column in its compact cohort dtype (not copied when it already is).
    A category is coded in Arrow (a value outside the categories would be NA, as astype)."""
    dtype = compact_dtype(CODEBOOK[name]) if name in CODEBOOK else None
    if dtype is None or frame[name].dtype == dtype:
        return frame[name]
    if isinstance(dtype, pd.CategoricalDtype):
        codes = positions_in(frame[name], arrow.array(list(dtype.categories), type=arrow.string()))
        return pd.Categorical.from_codes(codes, dtype=dtype)
    return frame[name].astype(dtype)


def _flag(condition: pd.Series, *inputs: pd.Series) -> pd.Series:
    """A 0/1 flag that is NA wherever any input is missing (no Kleene shortcut)."""
    known = pd.concat([s.notna() for s in inputs], axis=1).all(axis=1)
    return condition.fillna(False).astype(FLAG_DTYPE).where(known, pd.NA)


def derive(cohort: pd.DataFrame, frequent_use_days: int) -> pd.DataFrame:
    """The derived columns of docs/processed_cohort.md, from the interview measures of each row."""
    crime, liberty = cohort["crime_days_30"], cohort["days_at_liberty_30"]
    heroin, crack = cohort["heroin_days_30"], cohort["crack_days_30"]
    # Days at liberty as the denominator: the paper's "adjustments for time at reduced risk".
    at_liberty = liberty.astype("float64").where((liberty > 0).fillna(False))
    return pd.DataFrame(
        {
            "any_crime_30": _flag(crime > 0, crime),
            "crime_liberty_ratio": crime.astype("float64") / at_liberty,
            # Assumption: illicit drug use is adjusted the same way; drugs used in custody or
            # inpatient treatment can make this ratio exceed 1 (it is not capped).
            "illicit_liberty_ratio": cohort["illicit_drug_days_30"].astype("float64") / at_liberty,
            "crack_user": _flag(crack > 0, crack),
            # Assumption: a person is a poly user only when both drug counts are known.
            "poly_user": _flag((heroin > 0) & (crack > 0), heroin, crack),
            "frequent_heroin_crack": _flag(
                (heroin >= frequent_use_days) & (crack >= frequent_use_days), heroin, crack
            ),
        },
        index=cohort.index,
    )


def _values(
    series: pd.Series | pd.Categorical,
) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """The array behind a column: numpy for numpy dtypes, else the extension array."""
    if isinstance(series, pd.Categorical):
        return series
    return series.to_numpy() if isinstance(series.dtype, np.dtype) else series.array


def _locf(values: pd.arrays.IntegerArray | np.ndarray, n_waves: int):
    """Each person's latest earlier observation, on a grid of consecutive n_waves-row blocks.

    Wave by wave, a missing cell takes the cell before it, already filled, so a run of missing
    waves carries the last observation (a handful of passes over narrow arrays; a running
    maximum of positions and a take cost twice as much at a million participants). Dtypes
    are kept: nullable integers (the values under NA are not meaningful) and floats (NaN)."""
    if isinstance(values, np.ndarray):
        data, missing = values.copy(), np.isnan(values)
    else:
        data = values.to_numpy(dtype=values.dtype.numpy_dtype, na_value=0)
        missing = values.isna()
    block, absent = data.reshape(-1, n_waves), missing.reshape(-1, n_waves)
    for k in range(1, n_waves):
        block[:, k] = np.where(absent[:, k], block[:, k - 1], block[:, k])
        absent[:, k] &= absent[:, k - 1]
    return data if isinstance(values, np.ndarray) else pd.arrays.IntegerArray(data, missing)


def build_cohort(raw: RawData, config: dict[str, Any]) -> pd.DataFrame:
    """The person x configured-wave grid with raw measures, agency records, derived and LOCF."""
    waves = Waves.from_config(config)
    # People in id order, as positions into the raw file (a sorted copy of the file would be
    # one more participants table in memory while the grid is built). Arrow orders strings by
    # their UTF-8 bytes, which is the order of their code points (Python's).
    ids = arrow_strings(raw.participants["id"])
    order = arrow_compute.sort_indices(ids).to_numpy()
    n_waves = len(waves.ids)
    size = len(order) * n_waves
    person = np.repeat(order, n_waves)
    wave_index = np.tile(np.arange(n_waves, dtype="int64"), len(order))
    # Each participant's (file row's) place in id order.
    rank = np.empty(len(order), dtype="int64")
    rank[order] = np.arange(len(order))
    wave_ids = arrow.array(waves.ids, type=arrow.string())

    def place(spec: RawFile, prefix: str = "") -> tuple[dict[str, Any], np.ndarray]:
        """Columns of rows keyed by (id, wave) moved to their grid cells (NA where no row)."""
        frame = raw.frame(spec)
        row = np.full(size, -1)
        cell = rank[raw.people_rows(spec)] * n_waves + positions_in(frame["wave"], wave_ids)
        row[cell] = np.arange(len(frame))
        return {
            prefix + name: pd.api.extensions.take(
                _values(_compact(frame, name)), row, allow_fill=True
            )
            for name in frame.columns
            if name not in KEY
        }, row

    interviews, interview_row = place(INTERVIEWS)
    # Treatment rows exist only at follow-ups (validated), so rec_ is NA at the baseline.
    records, _ = place(TREATMENT, "rec_")
    people = raw.participants
    columns = {
        # Python strings, one object per person (the processed cohort's storage of 'string').
        "id": python_strings(ids.take(order)).take(np.repeat(np.arange(len(order)), n_waves)),
        "wave": pd.array(waves.ids, dtype="string").take(wave_index),
        "wave_index": wave_index,
        "months": np.array([w.months for w in waves.all], dtype="int64")[wave_index],
        "interviewed": interview_row >= 0,
        **{
            name: _values(_compact(people, name)).take(person)
            for name in people.columns
            if name != "id"
        },
        **interviews,
        **records,
    }
    # The grid positions are no longer needed; what they took is not held while the rest is built.
    del order, person, wave_index, interview_row
    derived = derive(
        pd.DataFrame(interviews, copy=False), int(config["derived"]["frequent_use_days"])
    )
    columns.update({name: _values(derived[name]) for name in derived.columns})
    # Each person's rows are consecutive and in wave order (the grid), so LOCF is per block.
    columns.update({f"{m}_locf": _locf(interviews[m], n_waves) for m in LOCF_MEASURES})
    del interviews, records, derived
    return frame_of_columns(columns, size)


def main(argv: list[str] | None = None) -> int:
    """Validate the raw files and write the processed cohort; on bad input, say why and stop."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw-dir", required=True, help="directory with the three raw CSV files")
    parser.add_argument("--config", required=True, help="config YAML (waves, thresholds)")
    parser.add_argument("--out", required=True, help="output Parquet file")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        cohort = build_cohort(load_raw(args.raw_dir, config), config)
    except (CohortValidationError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    # The raw files' Arrow strings, freed with them, are given back before the cohort is
    # converted for writing (at a million participants the job peaked 120 MB lower).
    release_memory()
    write_parquet(cohort, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
