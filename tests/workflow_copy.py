"""Helpers for workflow tests: copy the project to a temporary directory and run Snakemake.

The copy holds the source tree without any generated output (a stand-in for a fresh clone),
so each test builds from scratch and never touches the developer's own outputs. For dry-run
tests, `up_to_date_copy` makes a copy whose outputs are empty placeholders that Snakemake
takes as current (`--touch`), so asking what an edit would rerun costs no build.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.config import load_config
from analysis.sensitivity.settings import settings

ROOT = Path(__file__).resolve().parent.parent
# How the shipped configuration splits the sensitivity scatter into jobs.
SPLIT = settings(load_config(ROOT / "config" / "config.yaml"))

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
    "logs",
    "benchmarks",
}


def copy_project(dest: Path) -> Path:
    """Copy the source tree to `dest` (which must not exist) and return it."""

    def ignore(directory: str, names: list[str]) -> set[str]:
        return {n for n in names if n in GENERATED}

    shutil.copytree(ROOT, dest, ignore=ignore)
    return dest


def start_snakemake(project: Path, *args: str, log: Path) -> subprocess.Popen:
    """Start Snakemake in `project` in its own process group (so a test can kill all of it),
    its output going to the file `log`."""
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "snakemake", *args],
            cwd=project,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def snakemake(
    project: Path, *args: str, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run Snakemake in `project` with the test environment's Python; return the result."""
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=1800,
        env=None if env is None else {**os.environ, **env},
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"snakemake {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-8000:]}"
        )
    return result


REAL_RULES = ("config_slice", "cohort", "provenance")


def up_to_date_copy(dest: Path) -> Path:
    """A copy of the project whose every output of `all` is an empty placeholder that Snakemake
    records as up to date (what a finished build looks like to a dry run)."""
    project = copy_project(dest)
    summary = snakemake(project, "all", "--summary").stdout.splitlines()
    header = summary.index(next(line for line in summary if line.startswith("output_file")))
    rows = [line.split("\t") for line in summary[header + 1 :]]
    # Touching records no parameters, so the jobs keyed on parameters are built for real: the
    # config slices (keyed on the configuration), the cohort (on the raw files' sha256) and the
    # provenance (on the commit). They are cheap; the placeholders stand in for the rest.
    real = [path for path, _, rule, *_ in rows if rule in REAL_RULES]
    snakemake(project, *real, "--cores", "2")
    for path, _, rule, *_ in rows:
        if rule not in REAL_RULES:
            placeholder = project / path
            placeholder.parent.mkdir(parents=True, exist_ok=True)
            placeholder.mkdir() if placeholder.name == "_tables" else placeholder.touch()
    snakemake(project, "all", "--touch", "--cores", "1")
    return project


def clone(project: Path, dest: Path) -> Path:
    """An exact copy of a project folder, Snakemake's records and outputs included."""
    shutil.copytree(project, dest, symlinks=True)
    return dest


# A job in Snakemake's output: "rule <name>:" (or "checkpoint", either perhaps "local") then
# indented fields, "wildcards:" among them when the rule has any.
JOB = re.compile(r"^(?:local)?(?:rule|checkpoint) (\w+):\n((?:    .*\n)*)", re.MULTILINE)


def jobs_in(log: str) -> set[str]:
    """The jobs a Snakemake log names, as `rule` or `rule[wildcard values]` (`all` left out)."""
    jobs = set()
    for name, fields in JOB.findall(log):
        wildcards = re.search(r"^    wildcards: (.*)$", fields, re.MULTILINE)
        values = [w.split("=", 1)[1] for w in wildcards.group(1).split(", ")] if wildcards else []
        jobs.add(f"{name}[{','.join(values)}]" if values else name)
    return jobs - {"all"}


def planned_jobs(project: Path, *args: str) -> set[str]:
    """The jobs `snakemake all --dry-run` plans."""
    return jobs_in(snakemake(project, "all", "--dry-run", *args).stdout)


def executed_jobs(project: Path, *args: str) -> set[str]:
    """The jobs `snakemake all` runs (it logs each job to stderr as it starts it)."""
    return jobs_in(snakemake(project, "all", "--cores", "2", *args).stderr)


def tree_digest(project: Path, relative_dirs: list[str]) -> dict[str, bytes]:
    """Every file under the given directories of `project`, as {relative path: bytes}."""
    files = {}
    for rel in relative_dirs:
        base = project / rel
        paths = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
        for path in paths:
            files[str(path.relative_to(project))] = path.read_bytes()
    return files
