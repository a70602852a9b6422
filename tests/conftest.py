"""Shared fixtures: one clean build of the shipped project per test session.

Several end-to-end tests need the report built from the shipped data; building it once and
sharing it (read-only) keeps the suite's wall time down. A test that must change a build
clones it first. Under pytest-xdist every test that uses the build runs in one worker
(xdist group "shipped"), so the build still happens once.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.workflow_copy import ROOT, copy_project, snakemake


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which reads the groups into node ids
def pytest_collection_modifyitems(items):
    """Tests on the shipped build run in one xdist worker, and so does every slow test of their
    modules; every other module's slow tests run together in one worker (unless they name a
    group of their own). A module-scoped build (the cluster run, the new wave) is otherwise
    built again in each worker that runs one of its tests."""
    shipped = {item.nodeid.split("::")[0] for item in items if _uses_shipped_build(item)}
    for item in items:
        module = item.nodeid.split("::")[0]
        if _uses_shipped_build(item) or (module in shipped and item.get_closest_marker("slow")):
            item.add_marker(pytest.mark.xdist_group("shipped"))
        elif item.get_closest_marker("slow") and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(module))


def _uses_shipped_build(item) -> bool:
    return "shipped_build" in getattr(item, "fixturenames", ())


@pytest.fixture(scope="session")
def shipped_build(tmp_path_factory) -> Path:
    """A fresh copy of the project with `snakemake all` run in it. Do not modify it.

    Every analysis command of the build records what it read (tests/audit/sitecustomize.py),
    for tests/test_dependencies.py; the recording does not change any output."""
    base = tmp_path_factory.mktemp("shipped")
    audit = base / "audit"
    audit.mkdir()
    project = copy_project(base / "project")
    env = {"PYTHONPATH": str(ROOT / "tests/audit"), "QCT_AUDIT_DIR": str(audit)}
    snakemake(project, "all", "--cores", "2", env=env)
    return project


@pytest.fixture(scope="session")
def shipped_audit(shipped_build) -> list[dict]:
    """What each command of the shipped build read: argv, cwd, files opened, modules."""
    audit = shipped_build.parent / "audit"
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(audit.glob("*.json"))]
