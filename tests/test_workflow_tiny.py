"""Small builds on the hand-made tiny cohort (tests/data/tiny): a raw_dir whose path has a
space, quotes, parentheses, a dollar sign and non-ASCII letters; raw files refused while the
jobs are planned (missing, misnamed, dangling) or by the cohort job (a bad value), in which
case a build removes what was built from earlier data and says so; `snakemake` after the fix
rebuilds it. The target is one results file, which needs only the cohort before it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.helpers_cohort import TINY, set_cell
from tests.workflow_copy import clone, copy_project, snakemake

pytestmark = pytest.mark.workflow

TARGET = "data/processed/results/study.json"
# Shell-hostile on purpose: every parameter must be quoted for this to build.
RAW_NAME = "QCT extract (2024) 'Müller' \"Ærø\" $HOME; x"
TINY_PARTICIPANTS = 8  # rows of tests/data/tiny/participants.csv


@pytest.fixture(scope="module")
def tiny_build(tmp_path_factory) -> Path:
    """A project built up to TARGET from a copy of the tiny cohort in a hostile-named folder
    inside it (a relative raw_dir, so that a clone of the project is built identically)."""
    project = copy_project(tmp_path_factory.mktemp("tiny") / "project")
    shutil.copytree(TINY, project / RAW_NAME)
    (project / "config/tiny.yaml").write_text(json.dumps({"raw_dir": RAW_NAME}), "utf-8")
    build(project)
    return project


def build(project: Path, *args: str, check: bool = True):
    return snakemake(
        project, TARGET, "--cores", "2", "--configfile", "config/tiny.yaml", *args, check=check
    )


@pytest.fixture
def project(tiny_build, tmp_path) -> tuple[Path, Path]:
    """A clone of the tiny build (raw folder included); returns (project, raw folder)."""
    copy = clone(tiny_build, tmp_path / "project")
    return copy, copy / RAW_NAME


def test_a_raw_dir_with_shell_characters_builds(tiny_build):
    study = json.loads((tiny_build / TARGET).read_text(encoding="utf-8"))
    assert study["participants"]["value"] == TINY_PARTICIPANTS


@pytest.mark.parametrize("damage", ["missing", "misnamed", "dangling"])
def test_a_missing_raw_file_stops_before_any_job_and_clears_old_outputs(project, damage):
    copy, raw = project
    treatment = raw / "treatment.csv"
    if damage == "missing":
        treatment.unlink()
    elif damage == "misnamed":
        treatment.rename(raw / "Treatment.csv")
    else:
        treatment.unlink()
        treatment.symlink_to(raw / "gone.csv")
    planned = build(copy, "--dry-run", check=False)
    message = planned.stdout + planned.stderr
    assert planned.returncode != 0
    assert f"missing {RAW_NAME}/treatment.csv" in message
    # A dry run only explains; the earlier outputs are still there.
    assert (copy / TARGET).exists()
    refused = build(copy, check=False)
    message = refused.stdout + refused.stderr
    assert refused.returncode != 0
    assert f"missing {RAW_NAME}/treatment.csv" in message
    assert "outputs built from earlier data were removed: data/processed" in message
    assert "Select jobs to execute" not in message  # no job ran
    assert not (copy / "data/processed").exists()


def test_a_refused_value_clears_old_outputs_and_a_fixed_input_rebuilds_them(project):
    copy, raw = project
    original = (raw / "interviews.csv").read_bytes()
    set_cell(raw, "interviews.csv", 17, "crime_days_30", "45")
    refused = build(copy, check=False)
    message = refused.stdout + refused.stderr
    assert refused.returncode != 0
    assert "column 'crime_days_30', line 17" in message  # the cohort job's own message
    assert "outputs built from earlier data were removed: data/processed" in message
    assert not (copy / "data/processed").exists()
    (raw / "interviews.csv").write_bytes(original)
    build(copy)
    study = json.loads((copy / TARGET).read_text(encoding="utf-8"))
    assert study["participants"]["value"] == TINY_PARTICIPANTS
