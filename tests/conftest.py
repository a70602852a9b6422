"""Shared fixtures: one clean build of the shipped project per test session.

Several end-to-end tests need the report built from the shipped data; building it once and
sharing it (read-only) keeps the suite's wall time down. A test that must change a build
clones it first. Under pytest-xdist the workers share it too: the first worker that needs it
builds it while the others wait on a lock, so the tests that read it may run in any worker.
"""

from __future__ import annotations

import fcntl
import json
import shutil
from pathlib import Path

import pytest

from tests.workflow_copy import ROOT, copy_project, snakemake

# The xdist groups of the slow tier handed out first, in this order (the rest follow in
# collection order; pyproject.toml turns off xdist's ordering by group size). The scheduler
# gives each of two workers one group, then a second, queued behind the first: the
# cross-kernel synthesis (two full calibrations, the longest test) gets a group of seconds
# behind it, the other worker the next longest groups (`--durations`, 2026-11-28).
FIRST_GROUPS = (
    "tests/test_synthesize.py",
    "tests/test_cluster.py",
    "tests/test_diff.py",
    "tests/test_new_wave.py",
    "tests/test_workflow.py",
)


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which reads the groups into node ids
def pytest_collection_modifyitems(items):
    """Every slow test of a module runs in one xdist worker (unless it names a group of its
    own): a module-scoped build (the cluster run, the new wave) is otherwise built again in
    each worker that runs one of its tests. The groups of FIRST_GROUPS come first."""
    for item in items:
        if item.get_closest_marker("slow") and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))
    rank = {group: k for k, group in enumerate(FIRST_GROUPS)}
    items.sort(key=lambda item: rank.get(_group(item), len(rank)))  # stable: order kept


def _group(item) -> str | None:
    mark = item.get_closest_marker("xdist_group")
    return None if mark is None else (mark.args[0] if mark.args else mark.kwargs.get("name"))


@pytest.fixture(scope="session")
def shipped_build(tmp_path_factory, worker_id) -> Path:
    """A fresh copy of the project with `snakemake all` run in it. Do not modify it.

    Built once per session, in the folder all xdist workers share; a build that failed is not
    retried by the next worker (it fails with the same message). Every analysis command of
    the build records what it read (tests/audit/sitecustomize.py), for
    tests/test_dependencies.py; the recording does not change any output."""
    shared = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        shared = shared.parent  # the session's folder, above each worker's own
    base = shared / "shipped"
    with open(shared / "shipped.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        done, failed = base / "built", base / "failed"
        if failed.exists():
            pytest.fail(f"the shared build failed in another worker:\n{failed.read_text()}")
        if not done.exists():
            shutil.rmtree(base, ignore_errors=True)
            (base / "audit").mkdir(parents=True)
            try:
                project = copy_project(base / "project")
                env = {
                    "PYTHONPATH": str(ROOT / "tests/audit"),
                    "QCT_AUDIT_DIR": str(base / "audit"),
                }
                snakemake(project, "all", "--cores", "2", env=env)
            except BaseException as error:
                failed.write_text(str(error), encoding="utf-8")
                raise
            done.touch()
    return base / "project"


@pytest.fixture(scope="session")
def shipped_audit(shipped_build) -> list[dict]:
    """What each command of the shipped build read: argv, cwd, files opened, modules."""
    audit = shipped_build.parent / "audit"
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(audit.glob("*.json"))]
