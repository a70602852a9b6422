"""End to end on the shipped cohort: the workflow builds the report from a fresh copy, reruns
are no-ops, a build killed at any point resumes (with no step beyond what Snakemake prints) to
outputs byte-identical to a clean build elsewhere, the colophon names the build's own commit,
and the report shows the results' numbers."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.workflow_copy import (
    SPLIT,
    clone,
    copy_project,
    executed_jobs,
    snakemake,
    start_snakemake,
    tree_digest,
)

pytestmark = pytest.mark.slow

OUTPUTS = [
    "data/processed",
    "manuscript/figures",
    "manuscript/_variables.yml",
    "manuscript/_tables",
    "manuscript/_output",
]


def exists(relative: str) -> Callable[[Path], bool]:
    return lambda project: (project / relative).exists()


def any_result(project: Path) -> bool:
    return any((project / "data/processed/results").glob("*.json"))


# Where to kill a build, how, and whom (the whole process group: Snakemake and its jobs; or
# Snakemake alone, leaving its running jobs orphaned and still writing), in the order a build
# reaches them.
KILL_POINTS = {
    "SIGKILL all, after the cohort": (
        exists("data/processed/cohort.parquet"),
        signal.SIGKILL,
        True,
    ),
    "SIGKILL Snakemake only, mid-results": (any_result, signal.SIGKILL, False),
    "SIGTERM all, before the render": (exists("manuscript/_variables.yml"), signal.SIGTERM, True),
}


def refused_for_its_lock(output: str) -> bool:
    """Snakemake refused to start because a killed run left its lock, and said how to fix it."""
    return "cannot be locked" in output and "--unlock" in output


def resume(project: Path) -> None:
    """What a user does after an interrupted build: run the build again, and if Snakemake
    refuses, run exactly the command its message names, then the build."""
    again = snakemake(project, "all", "--cores", "2", check=False)
    if again.returncode != 0:
        message = again.stdout + again.stderr
        assert refused_for_its_lock(message), message[-3000:]
        snakemake(project, "--unlock")
        snakemake(project, "all", "--cores", "2")


def run_until(project: Path, point: str, log: Path) -> subprocess.Popen:
    """Start `snakemake all` on one core (so the build passes each point slowly enough to be
    caught there) and return it, still running, once it has reached `point`. A start refused
    for the lock a killed run left is unlocked, as Snakemake's message says, and started again."""
    process = _started_until(project, point, log)
    if process.poll() is not None:
        output = log.read_text(encoding="utf-8")
        assert refused_for_its_lock(output), (point, output[-3000:])
        snakemake(project, "--unlock")
        process = _started_until(project, point, log)
    assert process.poll() is None, (point, log.read_text(encoding="utf-8")[-3000:])
    return process


def _started_until(project: Path, point: str, log: Path) -> subprocess.Popen:
    """`snakemake all` on one core, its output in `log`, once it has reached `point` or ended."""
    reached = KILL_POINTS[point][0]
    log.write_text("", encoding="utf-8")
    process = start_snakemake(project, "all", "--cores", "1", log=log)
    deadline = time.monotonic() + 900
    while not reached(project) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    return process


@pytest.fixture(scope="module")
def resumed_build(tmp_path_factory) -> Path:
    """One build interrupted at every kill point in turn (each restart is killed at the next
    point), then resumed, in a folder whose path has a space (so it also shows that outputs do
    not depend on where the project lives). One build with three interruptions rather than three
    builds with one each: each kind of kill still meets a build at its point, and the slow tier
    is spared two full builds."""
    project = copy_project(tmp_path_factory.mktemp("resumed") / "elsewhere dir" / "qct")
    for point, (_, sig, whole_group) in KILL_POINTS.items():
        process = run_until(project, point, project.parent / "snakemake.log")
        os.killpg(process.pid, sig) if whole_group else os.kill(process.pid, sig)
        process.wait()
        # No temporary file is left where Snakemake would take it for an output.
        leftovers = [p for p in (project / "data/processed").rglob("*") if p.name.endswith(".tmp")]
        assert all(p.name.startswith(".") for p in leftovers), point
    resume(project)
    return project


def test_all_writes_both_report_files(shipped_build):
    html = shipped_build / "manuscript/_output/report.html"
    pdf = shipped_build / "manuscript/_output/report.pdf"
    assert html.stat().st_size > 10_000
    assert pdf.read_bytes().startswith(b"%PDF")


def test_second_run_has_nothing_to_do(shipped_build):
    result = snakemake(shipped_build, "all", "--cores", "2", "--dry-run")
    assert "Nothing to be done" in result.stdout + result.stderr


def test_splitting_the_imputations_differently_reruns_only_the_scatter(shipped_build, tmp_path):
    """`imputation_jobs` changes how the work is split, never a result: the shards and the pool
    rerun (the pool's inputs changed), the pooled file comes out byte-identical, and the jobs
    that read it (Figure 4, the numbers) are skipped; the dry-run test lists them as planned.
    The render still runs: Snakemake (9.27) re-plans only the direct dependents of a finished
    checkpoint and keeps the reason it gave the others when it first planned them."""
    project = clone(shipped_build, tmp_path / "project")
    before = tree_digest(project, OUTPUTS)
    (project / "override.yaml").write_text("sensitivity: {imputation_jobs: 5}\n", "utf-8")
    ran = executed_jobs(project, "--configfile", "override.yaml")
    assert ran == {
        "config_slice[sensitivity_impute]",
        "config_slice[sensitivity_pool]",
        *(f"sensitivity_impute[{job}]" for job in range(5)),
        # The bootstrap shards are temporary too, so the pool's rerun reruns them.
        *(f"sensitivity_bootstrap[{job}]" for job in range(SPLIT.bootstrap_shards)),
        "sensitivity_pool",
        "render",
    }
    after = tree_digest(project, OUTPUTS)
    changed = {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
    assert changed == {
        "data/processed/config/sensitivity_impute.json",
        "data/processed/config/sensitivity_pool.json",
    }


def test_every_job_wrote_its_log_and_benchmark(shipped_build):
    benchmarks = sorted((shipped_build / "benchmarks").rglob("*.tsv"))
    assert {p.stem for p in benchmarks} >= {"cohort", "provenance", "numbers", "render"}
    for path in benchmarks:
        header, row = path.read_text(encoding="utf-8").splitlines()[:2]
        seconds = float(row.split("\t")[header.split("\t").index("s")])
        assert seconds >= 0
    assert (shipped_build / "logs/render.log").is_file()
    # The scatter's shards are temporary: gone once pooled.
    assert not list((shipped_build / "data/processed").glob("sensitivity/*.json"))


def test_resumed_build_is_byte_identical_to_a_clean_one(shipped_build, resumed_build):
    a, b = tree_digest(shipped_build, OUTPUTS), tree_digest(resumed_build, OUTPUTS)
    assert sorted(a) == sorted(b)
    differing = [name for name in a if a[name] != b[name]]
    assert differing == []
    result = snakemake(resumed_build, "all", "--dry-run")
    assert "Nothing to be done" in result.stdout + result.stderr


def git(project: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    done = subprocess.run(
        ["git", *args], cwd=project, capture_output=True, text=True, check=True, env=env
    )
    return done.stdout.strip()


def test_colophon_names_the_commit_that_was_built(shipped_build, tmp_path):
    project = clone(shipped_build, tmp_path / "project")
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "first")
    for edit in (None, "manuscript/sections/05-discussion.qmd"):
        if edit:  # a prose-only change, committed
            with open(project / edit, "a", encoding="utf-8") as fh:
                fh.write("\nOne more sentence.\n")
            git(project, "commit", "-q", "-am", "prose")
        snakemake(project, "all", "--cores", "2")
        head = git(project, "rev-parse", "HEAD")
        provenance = json.loads((project / "data/processed/provenance.json").read_text())
        assert provenance["git"]["commit"] == head
        assert provenance["git"]["modified"] == "no"
        html = (project / "manuscript/_output/report.html").read_text(encoding="utf-8")
        assert head[:12] in html


def test_report_shows_the_results_numbers(shipped_build):
    project = shipped_build
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
