"""Deterministic synthetic reconstruction of the QCT cohort, and its CSV writer.

The real individual-level data are not public, so the build ships a synthetic cohort of 157
people whose recomputed statistics reproduce the paper's printed ones (see
docs/statistics_spec.md). `synthesize` builds it (skeleton, draft values, exact construction of
printed counts and means, calibration), `write_raw` writes the three raw CSV files of
`analysis.codebook`, `resample_cohort` scales the cohort up to any size for load tests.

CLI: python -m analysis.synthesize --config config/config.yaml --out-dir data/raw [--participants N]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.codebook import RAW_FILES, RawFile
from analysis.config import Waves, load_config
from analysis.io import atomic_write
from analysis.synthesis.calibrate import calibrate, misses
from analysis.synthesis.cohort import DECIMALS, Cohort, ids_for, to_frames
from analysis.synthesis.structure import N_COMPARISON, N_QCT, draft, skeleton
from analysis.synthesis.targets import build_targets

FRAME_FILES: dict[str, RawFile] = dict(
    zip(("participants", "interviews", "treatment"), RAW_FILES, strict=True)
)
DEFAULT_DECIMALS = 3  # any float column without an entry in DECIMALS


def build_cohort(config: dict[str, Any]) -> Cohort:
    """The calibrated 157-person cohort in its wide in-memory form.

    Deterministic: the only randomness is numpy's default_rng seeded by
    config['synthesis']['seed'].
    """
    waves = Waves.from_config(config)
    if len(waves.all) < 2:
        raise ValueError("synthesis needs a baseline and at least one follow-up wave in config")
    rng = np.random.default_rng(int(config["synthesis"]["seed"]))
    cohort = draft(rng, skeleton(rng, [w.months for w in waves.all], waves.ids), config)
    return calibrate(cohort, config, rng)


def synthesize(
    config: dict[str, Any], n_participants: int | None = None
) -> dict[str, pd.DataFrame]:
    """The calibrated cohort as the three raw tables (resampled when n is not 157)."""
    frames = to_frames(build_cohort(config))
    base_n = N_QCT + N_COMPARISON
    n = base_n if n_participants is None else int(n_participants)
    return frames if n == base_n else resample_cohort(frames, n, int(config["synthesis"]["seed"]))


def resample_cohort(
    frames: dict[str, pd.DataFrame], n_participants: int, seed: int
) -> dict[str, pd.DataFrame]:
    """A cohort of `n_participants` people drawn with replacement from `frames`, new ids.

    Draws are stratified by group so the QCT share stays that of the source cohort; each drawn
    person brings all of their interview and treatment rows. Vectorised (no per-person loop).
    """
    if n_participants < 1:
        raise ValueError(f"n_participants must be positive, got {n_participants}")
    people = frames["participants"]
    rng = np.random.default_rng(seed)
    is_qct = (people["group"] == "QCT").to_numpy()
    n_qct = int(round(n_participants * is_qct.mean()))
    source = np.r_[
        rng.choice(np.flatnonzero(is_qct), n_qct),
        rng.choice(np.flatnonzero(~is_qct), n_participants - n_qct),
    ]
    source = rng.permutation(source)
    new_ids = ids_for(n_participants)
    out = {"participants": _take(people, source).assign(id=new_ids)}
    person_of = pd.Index(people["id"])
    for name in ("interviews", "treatment"):
        rows = frames[name]
        owner = person_of.get_indexer(rows["id"])
        order = np.argsort(owner, kind="stable")
        counts = np.bincount(owner, minlength=len(people))
        starts = np.r_[0, np.cumsum(counts)[:-1]]
        take_counts = counts[source]
        total = int(take_counts.sum())
        first = np.repeat(np.cumsum(take_counts) - take_counts, take_counts)
        within = np.arange(total) - first
        picked = order[np.repeat(starts[source], take_counts) + within]
        table = _take(rows, picked)
        table["id"] = np.repeat(new_ids, take_counts)
        out[name] = table
    return out


def _take(frame: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """Rows of `frame` by position with a fresh RangeIndex (no second copy, unlike iloc+reset)."""
    out = frame.take(rows)
    out.index = pd.RangeIndex(len(out))
    return out


def _format(series: pd.Series, decimals: int | None) -> pd.Series:
    """Text of one column: integers without '.0', floats at fixed decimals, '' for missing."""
    missing = series.isna().to_numpy()
    if decimals is not None:
        text = np.array([f"{x:.{decimals}f}" for x in series.fillna(0).to_numpy(float)], object)
    else:
        text = series.astype("string").fillna("").to_numpy(object)
    text[missing] = ""
    return pd.Series(text, index=series.index)


def frame_to_csv(frame: pd.DataFrame, raw: RawFile) -> str:
    """Deterministic CSV text of one raw table in codebook column order."""
    missing = [c for c in raw.column_names if c not in frame.columns]
    if missing:
        raise ValueError(f"{raw.name}: missing columns {missing}")
    body = pd.DataFrame(
        {
            col.name: _format(
                frame[col.name],
                DECIMALS.get(col.name, DEFAULT_DECIMALS) if col.kind == "number" else None,
            )
            for col in raw.columns
        }
    )
    return body.to_csv(index=False, lineterminator="\n")


def write_raw(frames: dict[str, pd.DataFrame], out_dir: str | Path) -> list[Path]:
    """Write participants.csv, interviews.csv and treatment.csv atomically; return their paths."""
    paths = []
    for key, raw in FRAME_FILES.items():
        text = frame_to_csv(frames[key], raw)
        path = Path(out_dir) / raw.name
        atomic_write(path, lambda tmp, text=text: tmp.write_text(text, encoding="utf-8",
                                                                 newline="\n"))
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="config/config.yaml")
    parser.add_argument("--out-dir", default="data/raw")
    parser.add_argument("--participants", type=int, default=None)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    config = load_config(args.config)
    cohort = build_cohort(config)
    missed = misses(build_targets(cohort, config), cohort)
    frames = to_frames(cohort)
    if args.participants is not None and args.participants != cohort.n:
        frames = resample_cohort(frames, args.participants, int(config["synthesis"]["seed"]))
    for path in write_raw(frames, args.out_dir):
        print(f"wrote {path}")
    print(f"calibration targets missed ({len(missed)}): {', '.join(missed) or 'none'}")
    print(f"synthesis took {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
