"""A saved build: the files that analysis.diff compares, copied into one folder.

A snapshot keeps the layout of the build it was taken from, so a snapshot folder and a
working tree after `snakemake all` are read the same way ("build roots"):

    data/processed/config/numbers.json  the configuration the report was built with
    data/processed/results/*.json       every result, unrounded
    data/processed/reproduction.csv     the scorecard against the paper
    manuscript/_variables.yml           every number and word the report prints
    manuscript/_trace.json              each variable's origin (analysis.trace)

    python -m analysis.snapshot data/snapshots/locf            # save the current build
    python -m analysis.snapshot data/snapshots/locf --root DIR # or another build
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from analysis.trace import TRACE_FILE

CONFIG = Path("data/processed/config/numbers.json")
RESULTS = Path("data/processed/results")
SCORECARD = Path("data/processed/reproduction.csv")
VARIABLES = Path("manuscript/_variables.yml")
TRACE = VARIABLES.with_name(TRACE_FILE)
REQUIRED = (CONFIG, SCORECARD, VARIABLES, TRACE)


def build_files(root: Path) -> list[Path]:
    """The files of a build root that a snapshot keeps (relative to the root).

    Raises FileNotFoundError naming every missing file when the build is incomplete.
    """
    missing = [str(root / f) for f in REQUIRED if not (root / f).is_file()]
    results = sorted(p.relative_to(root) for p in (root / RESULTS).glob("*.json"))
    if not results:
        missing.append(str(root / RESULTS / "*.json"))
    if missing:
        raise FileNotFoundError(
            f"not a complete build (run `uv run snakemake all` first): missing {', '.join(missing)}"
        )
    return [*REQUIRED, *results]


def save(root: Path, dest: Path) -> list[Path]:
    """Copy the build at `root` to `dest` (which must not exist); return the files copied.

    The copy is made in a scratch folder beside `dest` and renamed into place, so an
    interrupted save leaves no partial snapshot.
    """
    if dest.exists():
        raise FileExistsError(f"snapshot '{dest}' already exists; remove it or choose a name")
    files = build_files(root)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{dest.name}-", dir=dest.parent) as tmp:
        for rel in files:
            (Path(tmp) / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / rel, Path(tmp) / rel)
        Path(tmp).rename(dest)
        Path(tmp).mkdir()  # for TemporaryDirectory's cleanup
    return files


def main(argv: list[str] | None = None) -> int:
    """Save the current build (or the build at --root) as a snapshot folder."""
    parser = argparse.ArgumentParser(prog="python -m analysis.snapshot", description=main.__doc__)
    parser.add_argument("dest", type=Path, help="the snapshot folder to create")
    parser.add_argument("--root", type=Path, default=Path("."), help="the build to save")
    args = parser.parse_args(argv)
    try:
        files = save(args.root, args.dest)
    except (FileNotFoundError, FileExistsError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"saved {len(files)} files to {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
