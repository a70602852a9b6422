"""The workflow's computed dependencies (rules/common.smk) against what the commands really do.

- unit: the import closure read from the source agrees with a hand-made package, and with the
  modules each command imports when Python loads it;
- dryrun: `snakemake --lint` reports nothing but the one justified lint;
- slow: in the shared build of the shipped cohort, every file a command opened and every
  analysis module it imported is among the declared inputs of its job.
"""

from __future__ import annotations

import ast
import json
import re
import runpy
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.workflow_copy import ROOT, snakemake

COMMON = runpy.run_path(str(ROOT / "rules/common.smk"))
# The module every rule runs (`python -m <module>`).
COMMANDS = [
    "analysis.clean",
    "analysis.provenance",
    *(f"analysis.{d}" for d in ("study", "offending", "regression")),
    "analysis.figures",
    "analysis.reproduce",
    "analysis.numbers",
    "analysis.render",
    "analysis.sensitivity",
]
IMPORT_NODES = (ast.Import, ast.ImportFrom)


def write_package(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_import_closure_follows_every_form_of_import(tmp_path):
    write_package(
        tmp_path,
        {
            "analysis/__init__.py": "",
            "analysis/a.py": "from analysis import b\nimport json\n",
            "analysis/b.py": "from .sub.c import f\n",
            "analysis/sub/__init__.py": "",
            "analysis/sub/c.py": "def f():\n    from .. import d\n",
            "analysis/d.py": "import analysis.e as e\n",
            "analysis/e.py": "",
            "analysis/unused.py": "",
            "analysis/sub/style.css": "",
            "analysis/pkg/__init__.py": "",
            "analysis/pkg/__main__.py": "from analysis.pkg import run\n",
            "analysis/pkg/run.py": "",
        },
    )
    code = COMMON["code"]
    assert code("analysis.a", root=tmp_path) == [
        "analysis/__init__.py",
        "analysis/a.py",
        "analysis/b.py",
        "analysis/d.py",
        "analysis/e.py",
        "analysis/sub/__init__.py",
        "analysis/sub/c.py",
        "analysis/sub/style.css",
    ]
    # `python -m analysis.pkg` runs the package's __main__ too.
    assert code("analysis.pkg", root=tmp_path) == [
        "analysis/__init__.py",
        "analysis/pkg/__init__.py",
        "analysis/pkg/__main__.py",
        "analysis/pkg/run.py",
    ]


def _dumped(statements):
    return sorted(ast.dump(node) for node in statements)


def test_import_statements_are_found_in_every_form_they_take():
    """The pattern finds statements after `;` or `:`, across lines in parentheses (a comment
    there may hold a parenthesis) or after a backslash, and skips prose that is no statement."""
    source = (
        '"""Usage: import the results (see below).\n\nfrom here on, prose\n"""\n'
        "import os; import analysis.a\n"
        "if True: from analysis import b\n"
        "from analysis.c import (  # the helpers (two)\n"
        "    f,  # one (of them)\n"
        "    g,\n"
        ")\n"
        "from .d import \\\n    h\n"
        "def run():\n"
        "    import analysis.e as e  # lazy\n"
        "text = 'no import here'\n"
    )
    expected = [node for node in ast.walk(ast.parse(source)) if isinstance(node, IMPORT_NODES)]
    assert len(expected) == 6
    assert _dumped(COMMON["import_statements"](source)) == _dumped(expected)


@pytest.mark.parametrize(
    "path", sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "analysis").rglob("*.py"))
)
def test_import_statements_agree_with_a_full_parse_of_each_module(path):
    """Every import statement a full parse finds in a package module, the pattern finds (a
    miss would drop a file from a job's code); here none is found that is not one."""
    source = (ROOT / path).read_text(encoding="utf-8")
    expected = [node for node in ast.walk(ast.parse(source)) if isinstance(node, IMPORT_NODES)]
    assert _dumped(COMMON["import_statements"](source)) == _dumped(expected)


def test_declared_code_covers_the_modules_each_command_loads():
    """Import each command's module in a fresh package state and list the analysis modules
    Python loaded; every one must be among the rule's code inputs."""
    script = (
        "import importlib, json, sys\n"
        "out = {}\n"
        "for name in sys.argv[1:]:\n"
        "    for loaded in [m for m in sys.modules if m.split('.')[0] == 'analysis']:\n"
        "        del sys.modules[loaded]\n"
        "    importlib.import_module(name)\n"
        "    out[name] = sorted(m.__file__ for n, m in sys.modules.items()\n"
        "                       if n.split('.')[0] == 'analysis')\n"
        "print(json.dumps(out))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *COMMANDS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = json.loads(done.stdout)
    for module in COMMANDS:
        declared = set(COMMON["code"](module, root=ROOT))
        files = {str(Path(f).relative_to(ROOT)) for f in loaded[module]}
        assert files - declared == set(), module


@pytest.mark.dryrun
def test_lint_reports_only_the_justified_environment_lint():
    result = snakemake(ROOT, "--lint", check=False)  # exits 1 when it reports any lint
    titles = set(re.findall(r"^    \* (.*):$", result.stdout + result.stderr, re.MULTILINE))
    # Justified in the Snakefile: the environment is the uv lock, not a conda spec.
    assert titles == {"Specify a conda environment or container for each rule."}


def declared_jobs(project: Path) -> dict[tuple[str, ...], set[str]]:
    """Each job's command (as the arguments after the interpreter) -> its declared inputs."""
    summary = snakemake(project, "all", "--detailed-summary").stdout.splitlines()
    header = next(i for i, line in enumerate(summary) if line.startswith("output_file"))
    columns = summary[header].split("\t")
    jobs = {}
    for line in summary[header + 1 :]:
        row = dict(zip(columns, line.split("\t"), strict=False))
        words = shlex.split(row.get("shellcmd", ""))
        if words[:1] == ["$PY"] and "2>" in words:
            command = tuple(words[1 : words.index("2>")])
            jobs[command] = set(row["input-file(s)"].split(","))
    return jobs


@pytest.mark.slow
def test_declared_inputs_cover_what_each_command_reads(shipped_build, shipped_audit):
    jobs = declared_jobs(shipped_build)
    checked = set()
    for record in shipped_audit:
        command = tuple(record["argv"])
        assert command in jobs, f"no job runs {' '.join(command)}"
        root = Path(record["cwd"])
        read = {
            str(Path(p).relative_to(root))
            for p in record["opened"] + record["modules"]
            if Path(p).is_relative_to(root)
            and Path(p).is_file()
            and ".venv" not in Path(p).parts
            and "__pycache__" not in Path(p).parts
        }
        declared = jobs[command]
        # A file inside a declared directory (manuscript/_tables) is declared with it.
        undeclared = {
            p
            for p in read
            if p not in declared
            and not any(p.startswith(f"{d}/") for d in declared)
            and not p.startswith(("logs/", "benchmarks/"))
        }
        assert undeclared == set(), " ".join(command)
        checked.add(command[1])
    # Every kind of command was checked.
    assert {"analysis.clean", "analysis.numbers", "analysis.render", "analysis.sensitivity"} <= (
        checked
    )
