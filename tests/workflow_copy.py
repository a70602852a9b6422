"""Helpers for end-to-end tests: copy the project to a temporary directory and run Snakemake.

The copy holds the source tree without any generated output (a stand-in for a fresh clone),
so each test builds from scratch and never touches the developer's own outputs.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Generated or machine-local paths: never copied (they are what a build produces).
GENERATED = {
    ".git",
    ".venv",
    ".snakemake",
    ".pytest_cache",
    ".ruff_cache",
    "__pycache__",
    "processed",
    "figures",
    "_output",
    "_tables",
    "_variables.yml",
    "_trace.json",
    "snapshots",
    ".quarto",
}


def copy_project(dest: Path) -> Path:
    """Copy the source tree to `dest` (which must not exist) and return it."""

    def ignore(directory: str, names: list[str]) -> set[str]:
        return {n for n in names if n in GENERATED}

    shutil.copytree(ROOT, dest, ignore=ignore)
    return dest


def start_snakemake(project: Path, *args: str) -> subprocess.Popen:
    """Start Snakemake in `project` in its own process group (so a test can kill all of it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "snakemake", *args],
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def snakemake(project: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run Snakemake in `project` with the test environment's Python; return the result."""
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"snakemake {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-8000:]}"
        )
    return result


def tree_digest(project: Path, relative_dirs: list[str]) -> dict[str, bytes]:
    """Every file under the given directories of `project`, as {relative path: bytes}."""
    files = {}
    for rel in relative_dirs:
        base = project / rel
        paths = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
        for path in paths:
            files[str(path.relative_to(project))] = path.read_bytes()
    return files
