"""Command line of the sensitivity jobs (what rules/sensitivity.smk runs).

    python -m analysis.sensitivity impute    --cohort C --config J --job K   --out F
    python -m analysis.sensitivity bootstrap --cohort C --config J --shard K --out F
    python -m analysis.sensitivity pool      --cohort C --config J --imputations F... \
        --bootstrap F... --out data/processed/results/sensitivity.json
    python -m analysis.sensitivity figure    --results R \
        --out-stem manuscript/figures/fig4_sensitivity
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence
from pathlib import Path

from analysis.config import load_config
from analysis.io import read_json, read_parquet, write_json


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analysis.sensitivity", description=__doc__.splitlines()[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, index, what in (
        ("impute", "--job", "imputation job"),
        ("bootstrap", "--shard", "bootstrap shard"),
    ):
        cmd = sub.add_parser(name, help=f"run one {what}")
        cmd.add_argument(index, dest="index", required=True, type=int, help=f"{what} (0-based)")
    pool = sub.add_parser("pool", help="pool the jobs into results/sensitivity.json")
    pool.add_argument("--imputations", nargs="+", required=True, help="imputation job files")
    pool.add_argument("--bootstrap", nargs="+", required=True, help="bootstrap shard files")
    for cmd in sub.choices.values():
        cmd.add_argument("--cohort", required=True, help="processed cohort (Parquet)")
        cmd.add_argument("--config", required=True, help="config YAML or JSON")
        cmd.add_argument("--out", required=True, help="JSON file to write")
    figure = sub.add_parser("figure", help="draw figure 4 from results/sensitivity.json")
    figure.add_argument("--results", required=True)
    figure.add_argument("--out-stem", required=True, type=Path, help="writes STEM.svg, STEM.png")
    return parser


# The module each subcommand runs, imported by name so that a job imports (and the workflow
# keys it on: rules/sensitivity.smk) its own subcommand's code only.
MODULES = {"impute": "imputation", "bootstrap": "bootstrap", "pool": "results", "figure": "figure"}


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    module = importlib.import_module(f"analysis.sensitivity.{MODULES[args.command]}")
    if args.command == "figure":
        module.draw(read_json(args.results), args.out_stem)
        return
    cohort, config = read_parquet(args.cohort), load_config(args.config)
    if args.command == "impute":
        result = module.imputation_job(cohort, config, args.index)
    elif args.command == "bootstrap":
        result = module.bootstrap_shard(cohort, config, args.index)
    else:
        result = module.sensitivity_results(
            cohort,
            config,
            [read_json(p) for p in args.imputations],
            [read_json(p) for p in args.bootstrap],
        )
    write_json(result, args.out)


if __name__ == "__main__":
    main()
