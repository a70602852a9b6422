"""The command line shared by every results domain (`python -m analysis.<domain>`).

    python -m analysis.offending --cohort data/processed/cohort.parquet \
        --config config/config.yaml --out data/processed/results/offending.json

Reads the processed cohort and the config, calls the domain's pure `compute`, writes JSON
atomically. Defined once so every domain behaves identically.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from analysis.config import load_config
from analysis.io import read_parquet, write_json

Compute = Callable[[pd.DataFrame, dict[str, Any]], dict[str, Any]]


def run_domain(compute: Compute, argv: Sequence[str] | None = None, name: str = "<domain>") -> None:
    """Parse --cohort/--config/--out, run `compute(cohort, config)`, write the result to --out."""
    summary = (compute.__doc__ or "").strip().split("\n")[0]
    parser = argparse.ArgumentParser(prog=f"python -m analysis.{name}", description=summary)
    parser.add_argument("--cohort", required=True, help="processed cohort (Parquet)")
    parser.add_argument("--config", required=True, help="config YAML")
    parser.add_argument("--out", required=True, help="results JSON to write")
    args = parser.parse_args(argv)
    write_json(compute(read_parquet(args.cohort), load_config(args.config)), args.out)
