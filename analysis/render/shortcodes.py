"""Quarto's `{{< include >}}` and `{{< var >}}` shortcodes, for the fallback renderer.

Implements the documented subset only; any other shortcode is an error rather than text left in
the report. Expansion keeps a source map (one origin "file:line" per output line) so that later
errors, such as an unknown cross-reference, can name the line a person has to fix.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from analysis.render import trace
from analysis.render.errors import RenderError

SHORTCODE = re.compile(r"\{\{<\s*(?P<name>[\w-]+)\s*(?P<arg>.*?)\s*>\}\}")
# A top-level field of the document's front matter ("date:", "abstract: |"), at column 0.
FIELD = re.compile(r"(?P<field>[A-Za-z_][\w-]*)\s*:")
FRONT_MATTER_FENCES = ("---", "...")
# Where a marked span would not be read as one: inline code prints it literally, and pandoc
# copies a heading's content into the table of contents (the number's anchor twice).
CODE_SPAN = re.compile(r"(`+).+?(?<!`)\1(?!`)")
HEADING = re.compile(r"#{1,6}\s")
VARIABLES_FILE = "_variables.yml"
# A "<" in a value ("p < 0.001") is written as the entity: pandoc's reader tries every bare
# "<" as the start of a raw HTML tag and scans far ahead for its end; this manuscript's ~100
# of them made each parse of the document ~5 times slower (3.4 s against 0.6 s).
ESCAPES = {"<": "&lt;"}


@dataclass(frozen=True)
class Expanded:
    """Markdown with every shortcode replaced, and the origin "file:line" of each of its lines."""

    text: str
    origins: tuple[str, ...]

    def origin_of(self, needle: str) -> str | None:
        """The origin of the first line containing `needle` (for error messages)."""
        for line, origin in zip(self.text.split("\n"), self.origins, strict=True):
            if needle in line:
                return origin
        return None


def load_variables(path: Path) -> dict[str, Any] | None:
    """Read `_variables.yml` (nested YAML); None when the file does not exist."""
    if not path.exists():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise RenderError(f"{path.name}: not valid YAML: {err}") from err
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise RenderError(f"{path.name}: must be a mapping of names to values")
    return data


def _leaf_keys(tree: dict[str, Any], prefix: str = "") -> list[str]:
    keys = []
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        keys.extend(_leaf_keys(value, f"{dotted}.") if isinstance(value, dict) else [dotted])
    return keys


def lookup_variable(variables: dict[str, Any] | None, key: str, where: str) -> str:
    """The text of variable `key` (dotted path into nested YAML); an unknown key is an error.

    Assumption: formatted numbers are quoted strings in `_variables.yml`; a bare YAML float
    (0.30 -> "0.3") would lose its trailing zeros, so it is refused rather than printed.
    """
    if variables is None:
        raise RenderError(f"{where}: variable '{key}' used but {VARIABLES_FILE} does not exist")
    node: Any = variables
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            close = difflib.get_close_matches(key, _leaf_keys(variables), n=3)
            hint = f" (did you mean: {', '.join(close)}?)" if close else ""
            raise RenderError(f"{where}: unknown variable '{key}' (not in {VARIABLES_FILE}){hint}")
        node = node[part]
    if isinstance(node, dict | list):
        raise RenderError(f"{where}: variable '{key}' is a group in {VARIABLES_FILE}, not a value")
    if node is None:
        raise RenderError(f"{where}: variable '{key}' has no value in {VARIABLES_FILE}")
    if isinstance(node, float):
        raise RenderError(
            f"{where}: variable '{key}' is a bare number ({node!r}) in "
            f"{VARIABLES_FILE}; write formatted numbers as quoted strings"
        )
    return str(node)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name


def expand(document: Path, root: Path, variables: dict[str, Any] | None) -> Expanded:
    """Expand includes (recursively) and variables in `document`.

    An include path is relative to the including file's folder (for report.qmd: the
    manuscript folder), or to `root` when it starts with "/" (Quarto's project-relative form).
    An include must stand alone on its line, as Quarto block includes do. Variables are
    marked for the trace extension in the body and in the front matter's MARKED_FIELDS only:
    Quarto parses other fields (`date`) before any filter runs, so they stay plain text, as
    do variables in headings and in inline code.
    """
    lines: list[str] = []
    origins: list[str] = []

    def visit(path: Path, stack: tuple[Path, ...]) -> None:
        name = _relative(path, root)
        front = False  # inside the document's own front matter (included files have none)
        field = ""  # the front-matter field the current line belongs to
        for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
            where = f"{name}:{number}"
            if len(stack) == 1 and (number == 1 or front):
                front = line == "---" if number == 1 else line not in FRONT_MATTER_FENCES
                if front and (top := FIELD.match(line)):
                    field = top["field"]
            include = SHORTCODE.fullmatch(line.strip())
            if include and include["name"] == "include":
                arg = include["arg"].strip("'\"")
                target = (root / arg.lstrip("/")) if arg.startswith("/") else path.parent / arg
                target = target.resolve()
                if not target.is_file():
                    raise RenderError(f"{where}: included file '{arg}' does not exist")
                if target in stack:
                    raise RenderError(f"{where}: include cycle through '{arg}'")
                visit(target, (*stack, target))
                continue
            marked = not HEADING.match(line) and (not front or field in trace.MARKED_FIELDS)
            code = [m.span() for m in CODE_SPAN.finditer(line)]
            text = SHORTCODE.sub(
                lambda m, w=where, k=marked, c=code: replace(
                    m, w, k and not any(a <= m.start() < b for a, b in c)
                ),
                line,
            )
            expanded = text.split("\n")
            lines.extend(expanded)
            origins.extend([where] * len(expanded))

    def replace(match: re.Match[str], where: str, marked: bool) -> str:
        if match["name"] == "var":
            value = lookup_variable(variables, match["arg"], where)
            escaped = "".join(ESCAPES.get(char, char) for char in value)
            return trace.mark(root, match["arg"], escaped, where) if marked else escaped
        if match["name"] == "include":
            raise RenderError(f"{where}: an include must stand alone on its line")
        raise RenderError(
            f"{where}: unsupported shortcode '{match['name']}' (the fallback "
            "renderer supports var and include)"
        )

    document = document.resolve()
    if not document.is_file():
        raise RenderError(f"document '{document.name}' does not exist")
    visit(document, (document,))
    return Expanded("\n".join(lines), tuple(origins))
