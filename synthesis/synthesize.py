"""Deterministic synthetic reconstruction of the QCT cohort, and its CSV writer.

The real individual-level data are not public, so the build ships a synthetic cohort of 157
people whose recomputed statistics reproduce the paper's printed ones (see
docs/statistics_spec.md). `synthesize` builds it (skeleton, draft values, exact construction of
printed counts and means, calibration), `write_raw` writes the three raw CSV files of
`analysis.codebook` (`write_validated`: only once they pass the build's validation),
`resample_cohort` scales the cohort up to any size for load tests.

CLI: python -m synthesis --config config/config.yaml --out-dir data/raw [--participants N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.codebook import ORIGIN_FILE, RAW_FILES, Origin, RawFile
from analysis.config import Waves, load_config
from analysis.io import atomic_write
from analysis.validate import CohortValidationError, load_raw
from synthesis.calibrate import calibrate, misses, with_row_rules
from synthesis.cohort import (
    DECIMALS,
    Cohort,
    ids_for,
    to_frames,
)
from synthesis.printed import DEFAULT_DIR, Printed
from synthesis.streams import Streams
from synthesis.structure import draft, skeleton
from synthesis.targets import build_targets

FRAME_FILES: dict[str, RawFile] = dict(
    zip(("participants", "interviews", "treatment"), RAW_FILES, strict=True)
)
DEFAULT_DECIMALS = 3  # any float column without an entry in DECIMALS
GENERATOR = "synthesis"  # the module named in the files' declared origin


def _waves(config: dict[str, Any]) -> Waves:
    waves = Waves.from_config(config)
    if len(waves.all) < 2:
        raise ValueError("synthesis needs a baseline and at least one follow-up wave in config")
    return waves


def build_cohort(config: dict[str, Any], printed: Printed) -> Cohort:
    """The calibrated 157-person cohort in its wide in-memory form, calibrated to `printed`.

    Deterministic: every draw comes from a stream named after its column or step, seeded by
    config['synthesis']['seed'] (`Streams`).
    """
    cohort, streams = drafted(config, printed)
    searched = calibrate(cohort, config, streams("calibration"), printed)
    return with_row_rules(searched, config, streams("row rules"), printed)


def drafted(config: dict[str, Any], printed: Printed) -> tuple[Cohort, Streams]:
    """The draft cohort before calibration, and the seeded streams it was drawn from."""
    waves = _waves(config)
    streams = Streams(int(config["synthesis"]["seed"]))
    cohort = draft(
        streams,
        skeleton(streams, [w.months for w in waves.all], waves.ids, printed),
        config,
        printed,
    )
    return cohort, streams


def synthesize(
    config: dict[str, Any], n_participants: int | None = None, published: str | Path = DEFAULT_DIR
) -> dict[str, pd.DataFrame]:
    """The calibrated cohort as the three raw tables (resampled when n is not the cohort's)."""
    cohort = build_cohort(config, Printed.load(published, _waves(config).ids))
    frames = to_frames(cohort)
    n = cohort.n if n_participants is None else int(n_participants)
    return frames if n == cohort.n else resample_cohort(frames, n, int(config["synthesis"]["seed"]))


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


def write_raw(
    frames: dict[str, pd.DataFrame], out_dir: str | Path, seed: int | None = None
) -> list[Path]:
    """Write participants.csv, interviews.csv and treatment.csv atomically, and with `seed` the
    declared origin (data/raw/ORIGIN: synthetic, this generator, the seed); return the paths."""
    paths = []
    if seed is not None:
        path = Path(out_dir) / ORIGIN_FILE
        text = Origin("synthetic", GENERATOR, int(seed)).text()
        atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8", newline="\n"))
        paths.append(path)
    for key, raw in FRAME_FILES.items():
        text = frame_to_csv(frames[key], raw)
        path = Path(out_dir) / raw.name
        atomic_write(
            path, lambda tmp, text=text: tmp.write_text(text, encoding="utf-8", newline="\n")
        )
        paths.append(path)
    return paths


def write_validated(
    frames: dict[str, pd.DataFrame], out_dir: str | Path, seed: int, config: dict[str, Any]
) -> list[Path]:
    """`write_raw` to a staging folder beside `out_dir`, then the analysis's own validation
    (analysis.validate.load_raw) of the staged files, and only then the files moved into
    `out_dir`: a cohort the build would refuse raises CohortValidationError and leaves the
    files already in `out_dir` as they were."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.name}-staged-") as staging:
        staged = write_raw(frames, staging, seed)
        load_raw(staging, config)
        for path in staged:
            os.replace(path, out / path.name)
    return [out / path.name for path in staged]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="config/config.yaml")
    parser.add_argument("--out-dir", default="data/raw")
    parser.add_argument(
        "--published",
        default=DEFAULT_DIR,
        help="directory of statistics.csv, the printed numbers to calibrate to",
    )
    parser.add_argument("--participants", type=int, default=None)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    config = load_config(args.config)
    printed = Printed.load(args.published, Waves.from_config(config).ids)
    cohort = build_cohort(config, printed)
    missed = misses(build_targets(cohort, config, printed), cohort)
    frames = to_frames(cohort)
    if args.participants is not None and args.participants != cohort.n:
        frames = resample_cohort(frames, args.participants, int(config["synthesis"]["seed"]))
    try:
        written = write_validated(frames, args.out_dir, int(config["synthesis"]["seed"]), config)
    except CohortValidationError as err:
        print(
            f"error: the synthesized cohort fails validation; nothing written\n{err}",
            file=sys.stderr,
        )
        return 1
    for path in written:
        print(f"wrote {path}")
    print(f"calibration targets missed ({len(missed)}): {', '.join(missed) or 'none'}")
    print(f"synthesis took {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
