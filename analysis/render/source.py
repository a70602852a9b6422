"""The manuscript as both renderers read it: project options, the expanded document, its date.

Both renderers start from the same expanded text (every `var` and `include` shortcode replaced,
see shortcodes.py), so an unknown variable or a missing include fails identically with either,
and Quarto parses a plain markdown document instead of one with hundreds of shortcodes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from analysis.render.errors import RenderError
from analysis.render.shortcodes import VARIABLES_FILE, Expanded, expand, load_variables

PROJECT_FILE = "_quarto.yml"
FRONT_MATTER_END = ("\n---\n", "\n...\n")
# Without an ISO `date`, timestamps inside the outputs (DOCX zip entries) use 1980-01-01, the
# earliest time a zip file can hold, rather than the clock.
DEFAULT_EPOCH = 315532800


def read_yaml(path: Path) -> dict[str, Any]:
    """A YAML mapping from `path`, empty if the file is absent."""
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise RenderError(f"{path.name}: must be a YAML mapping")
    return data


def front_matter(text: str) -> dict[str, Any]:
    """The YAML front matter block at the top of a markdown text (empty if there is none)."""
    if not text.startswith("---\n"):
        return {}
    ends = [i for i in (text.find(end, 3) for end in FRONT_MATTER_END) if i >= 0]
    if not ends:
        raise RenderError("front matter starts with '---' but never ends")
    data = yaml.safe_load(text[4 : min(ends)]) or {}
    if not isinstance(data, dict):
        raise RenderError("front matter must be a YAML mapping")
    return data


@dataclass(frozen=True)
class Manuscript:
    """A Quarto project folder, its options and one document of it, shortcodes expanded."""

    folder: Path
    document: str
    project: dict[str, Any]
    expanded: Expanded
    front: dict[str, Any]

    def options(self, fmt: str) -> dict[str, Any]:
        """Options for one format, later sources winning as in Quarto: _quarto.yml, its
        `format.<fmt>`, the front matter, its `format.<fmt>`."""
        options: dict[str, Any] = {}
        for source in (self.project, self.front):
            options.update({k: v for k, v in source.items() if k not in ("project", "format")})
            per_format = (source.get("format") or {}).get(fmt)
            if isinstance(per_format, dict):
                options.update(per_format)
        return options

    def output_dir(self) -> str:
        """The project's `output-dir` (Quarto writes the rendered files there)."""
        return str((self.project.get("project") or {}).get("output-dir", "."))

    def source_date_epoch(self) -> int:
        """SOURCE_DATE_EPOCH for pandoc, Quarto and Typst: midnight UTC of the document's date.

        The report's date is the commit date (a generated variable), so outputs carry that
        date and never the clock; rebuilding a commit reproduces every byte.
        """
        if not _iso_date(self.front.get("date", "")):
            return DEFAULT_EPOCH
        day = dt.date.fromisoformat(str(self.front["date"]))
        return int(dt.datetime.combine(day, dt.time(), dt.UTC).timestamp())


def _iso_date(value: Any) -> bool:
    try:
        dt.date.fromisoformat(str(value))
    except ValueError:
        return False
    return True


def without_undated(expanded: Expanded) -> Expanded:
    """`expanded` without its front matter's one-line `date` field when that is no ISO date.

    A build outside a git checkout has no commit date (the variable reads "unknown"): Quarto
    would print "Invalid Date" under the title, so both renderers leave the date out there
    (the colophon still says the date is unknown)."""
    front = front_matter(expanded.text)
    if "date" not in front or _iso_date(front["date"]):
        return expanded
    lines = expanded.text.split("\n")
    end = lines.index("---", 1) if "---" in lines[1:] else lines.index("...", 1)
    at = next(i for i in range(1, end) if lines[i].startswith("date:"))
    if at + 1 < end and lines[at + 1].startswith((" ", "\t")):
        raise RenderError(f"{expanded.origins[at]}: date must be one line")
    keep = [i for i in range(len(lines)) if i != at]
    return Expanded("\n".join(lines[i] for i in keep), tuple(expanded.origins[i] for i in keep))


def load(manuscript_dir: str | Path, document: str = "report.qmd") -> Manuscript:
    """Read the project options and expand `document` (errors name the file and line)."""
    folder = Path(manuscript_dir).resolve()
    variables = load_variables(folder / VARIABLES_FILE)
    expanded = without_undated(expand(folder / document, folder, variables))
    return Manuscript(
        folder, document, read_yaml(folder / PROJECT_FILE), expanded, front_matter(expanded.text)
    )
