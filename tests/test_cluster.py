"""The SLURM profile on a real scheduler: a single-node SLURM cluster started for the test
(tests/cluster/slurm.sh) runs the workflow through snakemake-executor-plugin-slurm.

What this proves: every job of the sensitivity target and then of `all` is submitted with
`sbatch` and completes under slurmctld/slurmd (the scheduler's job completion log lists each
one); the second run reuses the first run's results (nothing is submitted twice); the
outputs are byte-identical to a local build; and a job that fails is reported with the path
of its SLURM log, which holds the job's own error message.

What it does not prove: multi-node scheduling, a shared file system other than the local one,
cgroup limits (the test cluster tracks processes through /proc), accounting through slurmdbd
(`sacct`: the test cluster has none, so the plugin polls `squeue`).

Skipped, with the reason, where SLURM cannot start: not root, SLURM not installed
(`tests/cluster/slurm.sh install` installs it), or the plugin extra missing. `.ci/run` sets
QCT_REQUIRE_CLUSTER=1 after installing SLURM, and then a cluster that fails to start is an
error, not a skip.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.helpers_cohort import drop_column
from tests.test_workflow import OUTPUTS
from tests.workflow_copy import ROOT, copy_project, snakemake, tree_digest

pytestmark = [pytest.mark.slow, pytest.mark.cluster]

SCRIPT = ROOT / "tests" / "cluster" / "slurm.sh"
SENSITIVITY = "data/processed/results/sensitivity.json"
# The Snakefile's `localrules`, read from it: they run beside Snakemake, never on the cluster.
LOCAL_RULES = re.findall(
    r"^\s+(\w+),?$",
    re.search(r"^localrules:\n((?:\s+\w+,?\n)+)", (ROOT / "Snakefile").read_text(), re.M)[1],
    re.M,
)
# Settings for the test cluster only, on top of profiles/slurm: it has no accounting database,
# so job states come from `squeue` (jobs stay listed for MinJobAge = 1 h), and its jobs take
# seconds, so the first status check comes after 1 s instead of the plugin's 40 s.
CLUSTER_ARGS = [
    "--profile", "profiles/slurm",
    "--slurm-status-command", "squeue",
    "--slurm-init-seconds-before-status-checks", "1",
]  # fmt: skip
SUBMITTED = re.compile(r"submitted with SLURM jobid (\d+) \(log: .*?/slurm_logs/rule_(\w+)/")


def _unavailable() -> str | None:
    """Why a test cluster cannot start on this machine, or None if it can."""
    if os.name != "posix" or os.geteuid() != 0:
        return "the single-node test cluster runs its daemons as root; not root here"
    missing = [c for c in ("slurmctld", "slurmd", "munged", "sbatch") if not _which(c)]
    if missing:
        return f"SLURM is not installed ({', '.join(missing)} missing): run {SCRIPT} install"
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        return "the SLURM executor plugin is not installed: uv sync --extra slurm"
    return None


def _which(command: str) -> str | None:
    return shutil.which(command, path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A running single-node SLURM cluster; its client commands first on PATH."""
    reason = _unavailable()
    if reason:
        pytest.skip(reason)
    directory = tmp_path_factory.mktemp("slurm")
    started = subprocess.run(
        [str(SCRIPT), "start", str(directory)], capture_output=True, text=True, timeout=600
    )
    try:
        if started.returncode != 0:
            message = f"the test SLURM cluster did not start: {started.stderr.strip()[-2000:]}"
            if os.environ.get("QCT_REQUIRE_CLUSTER") == "1":
                pytest.fail(message)
            pytest.skip(message)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("PATH", f"{directory / 'bin'}{os.pathsep}{os.environ['PATH']}")
            if " " in sys.executable:
                # The SLURM executor plugins write the interpreter's path into each job's
                # command line unquoted (snakemake-interface-executor-plugins 9.x and
                # snakemake-executor-plugin-slurm-jobstep: "execve(): /work/my: No such file"),
                # so on a cluster the environment must live at a path without spaces (README,
                # "Running on a SLURM cluster"); here, the same environment through a link.
                link = directory / "venv"
                link.symlink_to(sys.prefix, target_is_directory=True)
                patch.setattr(sys, "executable", str(link / "bin" / Path(sys.executable).name))
            yield directory
    finally:
        subprocess.run([str(SCRIPT), "stop", str(directory)], capture_output=True, timeout=120)


def job_counts(dry_run: str) -> Counter:
    """{rule: number of jobs} from the 'Job stats' table of a Snakemake dry run."""
    table = dry_run.split("Job stats:", 1)[1].split("total", 1)[0]
    return Counter({m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M)})


def submissions(output: str) -> list[tuple[str, str]]:
    """(SLURM job id, rule) of every job the executor plugin submitted, from its log."""
    return SUBMITTED.findall(output)


def completion_log(cluster: Path) -> dict[str, dict[str, str]]:
    """The scheduler's record of every finished job (jobcomp/filetxt), by SLURM job id."""
    lines = (cluster / "log" / "jobcomp.log").read_text(encoding="utf-8").splitlines()
    records = [dict(re.findall(r"(\w+)=(\S*)", line)) for line in lines]
    return {record["JobId"]: record for record in records}


@pytest.fixture(scope="module")
def cluster_build(cluster, tmp_path_factory):
    """The project built through the cluster: the sensitivity target, then `all`.

    Returns the project, the jobs a dry run plans for each step, and each run's output."""
    project = copy_project(tmp_path_factory.mktemp("cluster") / "project")
    planned = {
        "sensitivity": job_counts(snakemake(project, SENSITIVITY, "-n").stdout),
        "all": job_counts(snakemake(project, "all", "-n").stdout),
    }
    runs = {}
    for step, target in (("sensitivity", SENSITIVITY), ("all", "all")):
        result = snakemake(project, *CLUSTER_ARGS, target)
        runs[step] = result.stdout + result.stderr
    return project, planned, runs


def test_every_job_is_submitted_once_and_completes(cluster, cluster_build):
    _, planned, runs = cluster_build
    first, second = submissions(runs["sensitivity"]), submissions(runs["all"])
    # Local rules (the Snakefile's `localrules`: writing config slices) run beside Snakemake,
    # never as cluster jobs; every other planned job is submitted.
    local = Counter({rule: 10**6 for rule in LOCAL_RULES})
    assert Counter(rule for _, rule in first) == planned["sensitivity"] - local
    # `all` submits only what the sensitivity run did not already build; the target rule
    # `all` itself has no command and is not submitted.
    assert Counter(rule for _, rule in first + second) == planned["all"] - local - Counter(["all"])
    done = completion_log(cluster)
    for step, run in runs.items():
        run_id = re.search(r"SLURM run ID: (\S+)", run)[1]
        for slurm_id, rule in submissions(run):
            record = done[slurm_id]
            assert (record["Name"], record["JobState"]) == (run_id, "COMPLETED"), (step, rule)


def test_cluster_outputs_equal_the_local_build(cluster_build, shipped_build):
    project = cluster_build[0]
    local, remote = tree_digest(shipped_build, OUTPUTS), tree_digest(project, OUTPUTS)
    assert sorted(remote) == sorted(local)
    assert [name for name in local if local[name] != remote[name]] == []


def test_failed_job_is_reported_with_its_log(cluster, cluster_build, tmp_path):
    # A copy of the built project (outputs and Snakemake's records included), so the failing
    # run submits the one job that reads the broken file and leaves the build above alone.
    project = tmp_path / "failing"
    shutil.copytree(cluster_build[0], project, symlinks=True)
    drop_column(project / "data" / "raw", "interviews.csv", "heroin_days_30")
    result = snakemake(
        project, *CLUSTER_ARGS, "--restart-times", "0", "data/processed/cohort.parquet",
        check=False,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode != 0
    [(slurm_id, rule)] = submissions(output)
    assert rule == "cohort"
    assert completion_log(cluster)[slurm_id]["JobState"] == "FAILED"
    reported = re.search(r"Error in rule cohort:.*?\n\s+log: (.+?) \(check log", output, re.S)
    logs = reported[1].split(", ")
    # The rule's own log (the command's stderr) is named in the error, and the plugin keeps the
    # failed job's SLURM log.
    assert "logs/cohort.log" in logs
    assert any((project / ".snakemake" / "slurm_logs" / "rule_cohort").rglob("*.log"))
    # The rule's log holds the job's own message: file, column and what is wrong.
    text = (project / "logs" / "cohort.log").read_text(encoding="utf-8")
    for fragment in ("interviews.csv", "'heroin_days_30'", "required column is missing"):
        assert fragment in text
