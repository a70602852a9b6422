"""End to end: the workflow builds the report from a fresh copy, reruns are no-ops, two clean
builds in different directories are byte-identical, and the report shows the results' numbers."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from pathlib import Path

import pytest

from tests.workflow_copy import copy_project, snakemake, start_snakemake, tree_digest

pytestmark = pytest.mark.slow

OUTPUTS = [
    "data/processed",
    "manuscript/figures",
    "manuscript/_variables.yml",
    "manuscript/_tables",
    "manuscript/_output",
]


@pytest.fixture(scope="module")
def builds(shipped_build, tmp_path_factory) -> tuple[Path, Path]:
    """Two independent clean builds of the project, in different directories."""
    second = copy_project(tmp_path_factory.mktemp("build_b") / "elsewhere" / "qct")
    snakemake(second, "all", "--cores", "2")
    return shipped_build, second


def test_all_writes_both_report_files(builds):
    project, _ = builds
    html = project / "manuscript/_output/report.html"
    pdf = project / "manuscript/_output/report.pdf"
    assert html.stat().st_size > 10_000
    assert pdf.read_bytes().startswith(b"%PDF")


def test_second_run_has_nothing_to_do(builds):
    project, _ = builds
    result = snakemake(project, "all", "--cores", "2", "--dry-run")
    assert "Nothing to be done" in result.stdout + result.stderr


def test_clean_builds_are_byte_identical(builds):
    first, second = builds
    a, b = tree_digest(first, OUTPUTS), tree_digest(second, OUTPUTS)
    # Snakemake's own bookkeeping is not an output of the analysis.
    assert sorted(a) == sorted(b)
    differing = [name for name in a if a[name] != b[name]]
    assert differing == []


def test_report_shows_the_results_numbers(builds):
    project, _ = builds
    html = (project / "manuscript/_output/report.html").read_text(encoding="utf-8")
    offending = json.loads((project / "data/processed/results/offending.json").read_text())
    regression = json.loads((project / "data/processed/results/regression.json").read_text())
    # The whole-sample LOCF means and Table 1's odds ratios, formatted as the report formats them.
    from analysis.formatting import fmt_mean, fmt_number

    locf = offending["missing_data"]["crime_days_30"]["all"]
    assert fmt_mean(locf["t1"]["value"]) in html
    assert fmt_mean(locf["t2"]["value"]) in html
    for term in regression["final"]["coefficients"].values():
        assert fmt_number(term["odds_ratio"], 2) in html
    assert not re.search(r"\{\{<\s*var", html), "an unresolved shortcode reached the report"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_interrupted_build_resumes_to_the_clean_result(builds, tmp_path, sig):
    """Kill a build part-way; the next build finishes and its outputs equal a clean build's.

    SIGTERM (what `kill` and a closed terminal send) lets Snakemake clean up, so a plain
    `snakemake all` resumes. SIGKILL gives it no chance: its lock on the directory stays
    and Snakemake asks for `snakemake --unlock` first (as the README says), after which the
    build resumes. Either way, outputs are written atomically, so nothing half-written is
    ever taken as complete.
    """
    clean, _ = builds
    project = copy_project(tmp_path / "project")
    process = start_snakemake(project, "all", "--cores", "1")
    cohort = project / "data/processed/cohort.parquet"
    deadline = time.monotonic() + 600
    while not cohort.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, sig)
    process.wait()
    # No temporary file is left where Snakemake would take it for an output.
    leftovers = [p for p in (project / "data/processed").rglob("*") if p.name.endswith(".tmp")]
    assert all(p.name.startswith(".") for p in leftovers)
    if sig == signal.SIGKILL:
        snakemake(project, "--unlock")
    snakemake(project, "all", "--cores", "2")
    assert tree_digest(project, OUTPUTS) == tree_digest(clean, OUTPUTS)
