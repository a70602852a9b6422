"""Shared fixtures: one clean build of the shipped project per test session.

Several end-to-end tests need the report built from the shipped data; building it once and
sharing it (read-only) keeps the suite's wall time down. A test that must change a build
copies it first.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.workflow_copy import copy_project, snakemake


@pytest.fixture(scope="session")
def shipped_build(tmp_path_factory) -> Path:
    """A fresh copy of the project with `snakemake all` run in it. Do not modify it."""
    project = copy_project(tmp_path_factory.mktemp("shipped") / "project")
    snakemake(project, "all", "--cores", "2")
    return project
