"""Provenance of a build, for the report's colophon.

Everything here is a function of the repository state and the inputs, never of the wall
clock or the machine's paths, so two builds of the same commit print the same colophon: the
build date is the commit's date, data files are identified by their sha256, and package
versions are those installed from the lock file.
"""

from __future__ import annotations

import hashlib
import subprocess
from importlib import metadata
from pathlib import Path

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


def data_checksums(paths: list[str | Path]) -> dict[str, str]:
    """sha256 of each input file, keyed by file name (not path: paths differ between machines)."""
    return {Path(p).name: sha256_file(p) for p in paths}


def package_versions(names: tuple[str, ...] = MAIN_PACKAGES) -> dict[str, str]:
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = UNKNOWN
    return versions
