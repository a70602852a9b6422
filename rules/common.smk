# Helpers of the Snakefile (included first), so that what a job depends on is computed rather
# than listed by hand:
#   code(...)          the analysis source files a command executes: its import closure;
#   consumer_config()  the slice of the configuration a job reads (config by consumer);
#   raw_inputs()       the raw cohort files, checked to exist and identified by content;
#   remove_outputs()   what a refused build does with the outputs of earlier data.
# Plain Python without workflow state: the tests load this file with runpy.run_path.

import ast
import functools
import json
import os
import re
import shlex
import shutil
from pathlib import Path

from snakemake.exceptions import WorkflowError

from analysis.provenance import sha256_file

# The repository root: every path below is relative to it (Snakemake runs from there).
ROOT = Path(workflow.basedir) if "workflow" in globals() else Path.cwd()
PACKAGE = "analysis"
# Files of a package that are read at run time without being imported (templates, styles).
CODE_DATA_SUFFIXES = (".typ", ".css", ".lua", ".tex", ".html", ".yml", ".yaml", ".json")


@functools.cache  # asked hundreds of times per run; no module moves while the workflow starts
def module_path(dotted, root=None):
    """The source file of a dotted module name of the package (a package's __init__.py)."""
    base = Path(root or ROOT) / Path(*dotted.split("."))
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    raise FileNotFoundError(f"no module {dotted} under {root or ROOT}")


@functools.cache
def _is_module(dotted, root):
    try:
        module_path(dotted, root)
    except FileNotFoundError:
        return False
    return True


# Where an import statement may start: first on a line, or after `;` or `:` on one. The
# statements are found by this pattern and parsed one by one rather than by parsing every
# module whole: a no-op build computes the code of every job, and parsing the package's half
# megabyte of source took about 0.4 s of its 3 s of CPU. A match inside a string or a comment
# that happens to parse as an import can only add a file (a spurious rerun), never drop one;
# tests/test_dependencies.py checks the result equals a full parse on every module.
IMPORT_STATEMENT = re.compile(
    r"(?:^|[;:])[ \t]*((?:from[ \t]+[\w.]+[ \t]+)?import[ \t]+"
    r"(?:\((?:[^)#]|#[^\n]*)*\)|(?:[^\n;#\\]|\\\n)*))",
    re.MULTILINE,
)


def import_statements(source):
    """The import statements (ast.Import, ast.ImportFrom) in a module's source, wherever they
    are (module level or in a function: a lazy import is still code the command may run)."""
    found = []
    for match in IMPORT_STATEMENT.finditer(source):
        try:
            found += ast.parse(match.group(1).strip()).body
        except SyntaxError:
            continue  # words in a string or a comment, not a statement
    return found


@functools.cache  # each source file is read once per run of the workflow
def _imports(dotted, root):
    """The package modules that `dotted` imports anywhere in its source."""
    path = module_path(dotted, root)
    is_package = path.name == "__init__.py"
    found = set()
    for node in import_statements(path.read_text(encoding="utf-8")):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                parts = dotted.split(".")
                anchor = parts if is_package else parts[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            found.add(base)
            # `from analysis import views` imports the submodule analysis.views.
            found.update(f"{base}.{alias.name}" for alias in node.names)
    found = {name for name in found if name.split(".")[0] == PACKAGE and _is_module(name, root)}
    # Importing a.b.c runs a/__init__.py and a/b/__init__.py first.
    parents = {
        ".".join(name.split(".")[:i]) for name in found for i in range(1, name.count(".") + 1)
    }
    return found | parents


def import_closure(*modules, root=None):
    """Every package module the given modules import, directly or not, themselves included.
    A package run with `python -m` also runs its __main__ module."""
    root = Path(root or ROOT)
    todo = []
    for dotted in modules:
        todo.append(dotted)
        if module_path(dotted, root).name == "__init__.py" and _is_module(
            f"{dotted}.__main__", root
        ):
            todo.append(f"{dotted}.__main__")
    seen = set()
    while todo:
        dotted = todo.pop()
        if dotted not in seen:
            seen.add(dotted)
            todo.extend(_imports(dotted, Path(root)) - seen)
    return seen


def code(*modules, root=None):
    """The source files (relative paths, sorted) that running the given modules executes: their
    import closure, plus the non-Python files of every package in it (templates, styles)."""
    root = Path(root or ROOT)
    files = {module_path(m, root) for m in import_closure(*modules, root=root)}
    packages = {f.parent for f in files if f.name == "__init__.py"}
    files |= {f for p in packages for f in p.iterdir() if f.suffix in CODE_DATA_SUFFIXES}
    return sorted(str(f.relative_to(root)) for f in files)


def consumer_config(config, keys):
    """The part of the configuration a job reads, as canonical JSON: the top-level `keys`
    (a key may be `block.item` for one item of a block). A job is keyed on this slice, so a
    change elsewhere in the configuration does not rerun it."""
    out = {}
    for key in keys:
        block, _, item = key.partition(".")
        if item:
            out.setdefault(block, {})[item] = config[block][item]
        else:
            out[block] = config[block]
    return json.dumps(out, sort_keys=True, ensure_ascii=False) + "\n"


def raw_inputs(raw_dir, names):
    """The raw cohort files in `raw_dir` by name, with their sha256. Raises ValueError naming
    every missing file (or a missing directory) so the build stops before any job runs."""
    directory = Path(raw_dir)
    if not directory.is_dir():
        raise ValueError(
            f"raw_dir {str(raw_dir)!r} is not a directory; it must hold {', '.join(names)}"
        )
    missing = [str(directory / n) for n in names if not (directory / n).is_file()]
    if missing:
        present = sorted(p.name for p in directory.iterdir() if p.suffix.lower() == ".csv")
        raise ValueError(
            f"raw_dir {str(raw_dir)!r} does not hold the cohort files: missing "
            f"{', '.join(missing)} (CSV files there: {', '.join(present) or 'none'}; names are "
            "case-sensitive)"
        )
    paths = {n: str(directory / n) for n in names}
    return paths, {n: sha256_file(p) for n, p in paths.items()}


def sensitivity_keys(config, *exclude):
    """The items of the `sensitivity` block as `sensitivity.<item>` keys, but `exclude`."""
    return [f"sensitivity.{item}" for item in config["sensitivity"] if item not in exclude]


def shell_escape(text):
    """`text` as one shell word, with braces doubled for Snakemake's formatter."""
    return shlex.quote(str(text)).replace("{", "{{").replace("}", "}}")


def config_file(consumer):
    """The config slice a kind of job reads (rule config_slice writes it)."""
    return f"{PROCESSED}/config/{consumer}.json"


def json_arg(value):
    """A value as one canonical JSON string (for a `params:` entry passed on a command line)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def manuscript_sources(folder, generated):
    """Every file under `folder` except the `generated` names (at any depth), sorted."""
    found = []
    for top, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in generated]
        found += [str(Path(top, name)) for name in files if name not in generated]
    return sorted(found)


def raw_files_or_refusal(raw, refused, derived):
    """The cohort job's input function: the raw files, or the reason they are refused. Snakemake
    calls it while planning the jobs (so before any runs, and not for --lint or --unlock); a
    build, unlike a dry run, then also removes what was built from earlier data."""

    def raw_files(wildcards):
        if refused:
            building = not (workflow.dryrun or workflow.touch)
            gone = remove_outputs(derived) if building else []
            raise WorkflowError(refusal_message(refused, gone))
        return list(raw.values())

    return raw_files


def remove_outputs(paths):
    """Delete the given files and folders where they exist; return the ones removed."""
    gone = []
    for path in paths:
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.lexists(path):
            os.remove(path)
        else:
            continue
        gone.append(path)
    return gone


def stale_message(gone):
    return (
        "The raw data were refused, so the outputs built from earlier data were removed: "
        f"{', '.join(gone)}. Fix the input and run `uv run snakemake all` to rebuild them."
    )


def refusal_message(error, gone):
    return f"{error}\n{stale_message(gone)}" if gone else str(error)


def saved_snapshot(snapshots, name):
    """The snapshot folder `snapshots/name` to compare against (rules/diff.smk), which must
    have been saved before: a diff never saves one silently."""
    path = Path(snapshots, name)
    if not path.is_dir():
        raise WorkflowError(
            f"no snapshot '{path}': save a build first with `uv run snakemake {path}`"
        )
    return ancient(str(path))
