"""Exactly what an edit reruns: for a representative set of edits (analysis modules, published
data, raw data, configuration keys, prose), the set of jobs `snakemake --dry-run` plans.

No build: the project copy's outputs are placeholders Snakemake takes as current
(tests/workflow_copy.up_to_date_copy). Expected sets are written out by hand from what each
command reads, so any drift between the workflow's dependencies and the code shows here.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from analysis.results import DOMAINS
from tests.workflow_copy import SPLIT, clone, planned_jobs, up_to_date_copy

pytestmark = pytest.mark.dryrun

IMPUTATION_JOBS = [f"sensitivity_impute[{i}]" for i in range(SPLIT.imputation_jobs)]
BOOTSTRAP_JOBS = [f"sensitivity_bootstrap[{i}]" for i in range(SPLIT.bootstrap_shards)]
# The pool's inputs are temporary shards, deleted once pooled: rerunning the pool reruns them.
SENSITIVITY = {*IMPUTATION_JOBS, *BOOTSTRAP_JOBS, "sensitivity_pool", "sensitivity_figure"}
REPORT = {"numbers", "render"}
EVERYTHING_BUT_CONFIG = {
    "cohort",
    "provenance",
    *(f"results[{d}]" for d in DOMAINS),
    *SENSITIVITY,
    "figures",
    "reproduce",
    *REPORT,
}


def append(relative: str, text: str) -> Callable[[Path], None]:
    def edit(project: Path) -> None:
        with open(project / relative, "a", encoding="utf-8") as fh:
            fh.write(text)

    return edit


def override(yaml_text: str) -> Callable[[Path], None]:
    def edit(project: Path) -> None:
        (project / "override.yaml").write_text(yaml_text, encoding="utf-8")

    return edit


def replace_keeping_mtime(project: Path) -> None:
    """Change one cell of a raw file, then give it an old mtime (as `cp -p` or `unzip` do)."""
    path = project / "data/raw/treatment.csv"
    stat = path.stat()
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].replace(",1,", ",0,", 1) if ",1," in lines[1] else lines[1] + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    os.utime(path, (stat.st_atime - 86_400, stat.st_mtime - 86_400))


def touch_same_content(project: Path) -> None:
    path = project / "data/raw/interviews.csv"
    path.write_bytes(path.read_bytes())


CODE_COMMENT = "\n# an edit\n"
CASES = [
    (
        "domain module",
        append("analysis/offending.py", CODE_COMMENT),
        {"results[offending]", "figures", "reproduce", *REPORT},
    ),
    ("sensitivity report text", append("analysis/sensitivity/report.py", CODE_COMMENT), REPORT),
    (
        "results loader",
        append("analysis/results.py", CODE_COMMENT),
        # figure 4 is drawn with analysis.figures, which loads results with it
        {"figures", "sensitivity_figure", "reproduce", *REPORT},
    ),
    ("k-anonymity", append("analysis/anonymity.py", CODE_COMMENT), {"provenance", *REPORT}),
    ("renderer code", append("analysis/render/fallback.py", CODE_COMMENT), {"render"}),
    (
        "documented misses",
        append("data/published/documented_misses.csv", "\n"),
        {"reproduce", *REPORT},
    ),
    ("cited facts", append("data/published/cited_facts.csv", "\n"), REPORT),
    ("consistency audit", append("analysis/consistency.py", CODE_COMMENT), REPORT),
    ("prose section", append("manuscript/sections/04-results.qmd", "\nMore.\n"), {"render"}),
    ("raw cell, old mtime", replace_keeping_mtime, EVERYTHING_BUT_CONFIG),
    ("raw file rewritten unchanged", touch_same_content, set()),
    (
        "retained_days",
        override("derived: {retained_days: 60}\n"),
        {
            "config_slice[retention]",
            "config_slice[numbers]",
            "results[retention]",
            "figures",
            "reproduce",
            *REPORT,
        },
    ),
    # The dry run plans everything downstream of the pool; the real run skips it once the pooled
    # bytes prove unchanged (the pool is a checkpoint): tests/test_workflow.py checks that.
    (
        "imputation_jobs",
        override("sensitivity: {imputation_jobs: 5}\n"),
        {
            "config_slice[sensitivity_impute]",
            "config_slice[sensitivity_pool]",
            *(f"sensitivity_impute[{i}]" for i in range(5)),
            *SENSITIVITY,
            *REPORT,
        },
    ),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return up_to_date_copy(tmp_path_factory.mktemp("dry_run") / "project")


def test_a_finished_build_has_nothing_to_do(built):
    assert planned_jobs(built) == set()


@pytest.mark.parametrize(("edit", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_an_edit_reruns_exactly_what_depends_on_it(built, tmp_path, edit, expected):
    project = clone(built, tmp_path / "project")
    edit(project)
    args = ("--configfile", "override.yaml") if (project / "override.yaml").exists() else ()
    assert planned_jobs(project, *args) == expected


def test_the_renderer_reruns_the_colophon_numbers_and_the_render(built, tmp_path):
    """The configured renderer is printed in the colophon; the provenance reruns only when the
    renderer that will run changes (`auto` is the fallback unless Quarto is installed)."""
    project = clone(built, tmp_path / "project")
    override("render: {renderer: fallback}\n")(project)
    expected = {"config_slice[numbers]", *REPORT}
    if shutil.which("quarto"):
        expected.add("provenance")
    assert planned_jobs(project, "--configfile", "override.yaml") == expected
