"""Provenance of a build, for the report's colophon (the workflow's `provenance` job).

Everything here is a function of the repository state and the inputs, never of the wall
clock or the machine's paths, so two builds of the same commit print the same colophon: the
build date is the commit's date, data files are identified by their sha256, and package
versions are those installed from the lock file. The workflow reads the commit and the raw
files' sha256 when it starts (they key the jobs) and hands them to this command, which adds
the versions and the k-anonymity of the processed cohort:

    python -m analysis.provenance --cohort data/processed/cohort.parquet --git JSON \
        --data JSON --renderer fallback --out data/processed/provenance.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

# The packages whose versions the colophon reports (the computational stack of the results).
MAIN_PACKAGES = (
    "snakemake",
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "matplotlib",
    "pandera",
    "pyarrow",
    "pypandoc-binary",
    "typst",
)

UNKNOWN = "unknown"


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def git_commit(repo: str | Path = ".") -> dict[str, str]:
    """The HEAD commit, its date (ISO 8601, the build date) and whether the tree was modified."""
    repo = Path(repo)
    sha = _git(["rev-parse", "HEAD"], repo)
    if sha is None:
        return {"commit": UNKNOWN, "short": UNKNOWN, "date": UNKNOWN, "modified": UNKNOWN}
    date = _git(["show", "-s", "--format=%cs", "HEAD"], repo) or UNKNOWN
    status = _git(["status", "--porcelain", "--untracked-files=no"], repo)
    return {"commit": sha, "short": sha[:12], "date": date, "modified": "yes" if status else "no"}


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def package_versions(names: tuple[str, ...] = MAIN_PACKAGES) -> dict[str, str]:
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = UNKNOWN
    return versions


def build_provenance(
    cohort_path: str | Path,
    git: dict[str, str],
    data: dict[str, str],
    renderer: str,
    origin_file: str | Path,
) -> dict[str, Any]:
    """The colophon's facts: commit, raw files' sha256, versions, renderer, k-anonymity of the
    participants (one row per person of the processed cohort: its baseline rows), and the
    data's declared origin (`origin_file`, absent for the study's records)."""
    from dataclasses import asdict

    from analysis.anonymity import QUASI_IDENTIFIERS, k_anonymity
    from analysis.io import read_parquet
    from analysis.validate import read_origin

    columns = ["id", "age", *(q for q in QUASI_IDENTIFIERS if q != "age_band")]
    people = read_parquet(cohort_path, columns=columns).drop_duplicates("id")
    return {
        "git": git,
        "data": data,
        "packages": package_versions(),
        "python": platform.python_version(),
        "renderer": renderer,
        "anonymity": k_anonymity(people),
        # read_origin reads the ORIGIN file of the directory, and nothing else there.
        "origin": asdict(read_origin(Path(origin_file).parent)),
    }


def main(argv: list[str] | None = None) -> int:
    from analysis.io import write_json

    parser = argparse.ArgumentParser(
        prog="python -m analysis.provenance", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--cohort", required=True, help="processed cohort (Parquet)")
    parser.add_argument(
        "--git",
        required=True,
        type=json.loads,
        help="JSON: commit, short, date, modified (as git_commit returns)",
    )
    parser.add_argument(
        "--data", required=True, type=json.loads, help="JSON: sha256 of each raw file, by file name"
    )
    parser.add_argument(
        "--origin-file", required=True, help="the ORIGIN file beside the raw files (may be absent)"
    )
    parser.add_argument("--renderer", required=True, help="the renderer that will run")
    parser.add_argument("--out", required=True, help="provenance JSON to write")
    args = parser.parse_args(argv)
    from analysis.validate import CohortValidationError

    try:
        facts = build_provenance(args.cohort, args.git, args.data, args.renderer, args.origin_file)
    except CohortValidationError as err:  # a malformed ORIGIN beside the raw files
        print(f"error: {err}", file=sys.stderr)
        return 1
    write_json(facts, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
