"""The registry-only renderer: pandoc (pypandoc-binary) for HTML and Typst markup, `typst` for PDF.

It implements the documented Quarto subset the manuscript uses (see analysis/render/README.md):
YAML front matter and `_quarto.yml` document options, `var`/`include` shortcodes, numbered
figure/table cross-references and citeproc citations. Building is separate from writing:
`build()` returns the finished bytes, so a failure anywhere leaves no output behind.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import pypandoc
import typst
import yaml

from analysis.render import callouts, crossref, trace
from analysis.render.ast import nodes
from analysis.render.errors import RenderError
from analysis.render.shortcodes import VARIABLES_FILE, expand, load_variables

ASSETS = Path(__file__).resolve().parent
FORMATS = ("html", "typst")
# Options the fallback applies itself rather than handing to pandoc as document metadata.
NOT_METADATA = ("crossref",)
FRONT_MATTER_END = ("\n---\n", "\n...\n")


@dataclass(frozen=True)
class Built:
    """A rendered report: standalone HTML, the intermediate Typst markup and the PDF."""

    html: bytes
    typst: str
    pdf: bytes


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
    data = yaml.safe_load(text[4:min(ends)]) or {}
    if not isinstance(data, dict):
        raise RenderError("front matter must be a YAML mapping")
    return data


def format_options(project: dict[str, Any], front: dict[str, Any], fmt: str) -> dict[str, Any]:
    """Options for one format, later sources winning as in Quarto: _quarto.yml, its
    `format.<fmt>`, the front matter, its `format.<fmt>`."""
    options: dict[str, Any] = {}
    for source in (project, front):
        options.update({k: v for k, v in source.items() if k not in ("project", "format")})
        per_format = (source.get("format") or {}).get(fmt)
        if isinstance(per_format, dict):
            options.update(per_format)
    return options


def _pandoc(args: list[str], stdin: str, cwd: Path) -> str:
    """Run pandoc; any warning (missing image, unknown citation...) fails the render."""
    proc = subprocess.run(
        [pypandoc.get_pandoc_path(), "--fail-if-warnings", *args],
        input=stdin.encode("utf-8"), capture_output=True, cwd=cwd, check=False,
    )
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip()
        raise RenderError(f"pandoc failed ({' '.join(args[:4])} ...):\n{message}")
    return proc.stdout.decode("utf-8")


def _flags(options: dict[str, Any]) -> list[str]:
    """Pandoc flags for the options that are command-line switches rather than metadata."""
    flags = ["--citeproc"]
    if options.get("toc"):
        flags += ["--toc", f"--toc-depth={int(options.get('toc-depth', 3))}"]
    if options.get("number-sections"):
        flags.append("--number-sections")
    return flags


def rebase_images(doc: dict[str, Any], manuscript: Path) -> tuple[dict[str, Any], Path]:
    """Point local images at Typst root-relative paths ("/figures/x.png").

    Typst reads files only under its root; the root is the deepest folder holding the
    manuscript and every image (e.g. the repository when figures live in ../figures).
    """
    doc = copy.deepcopy(doc)
    images = [n for n in nodes(doc["blocks"]) if n["t"] == "Image"]
    local = [n for n in images if not re.match(r"^(\w+:|/)", n["c"][2][0])]  # not URLs/data:
    paths = [(manuscript / n["c"][2][0]).resolve() for n in local]
    root = Path(os.path.commonpath([manuscript, *paths]))
    for node, path in zip(local, paths, strict=True):
        node["c"][2][0] = str(PurePosixPath("/") / path.relative_to(root).as_posix())
    return doc, root


def _writer_args(fmt: str) -> list[str]:
    """Pandoc writer arguments per format: self-contained HTML; A4 Typst with page numbers."""
    if fmt == "html":
        return ["--to=html5", "--standalone", "--embed-resources", "--mathml",
                f"--css={ASSETS / 'report.css'}"]
    return ["--to=typst", "--standalone", f"--include-in-header={ASSETS / 'header.typ'}",
            "--variable=papersize:a4", "--variable=page-numbering:1"]


def build(manuscript_dir: str | Path, document: str = "report.qmd") -> Built:
    """Render `document` of the manuscript folder to HTML and PDF bytes, writing nothing."""
    manuscript = Path(manuscript_dir).resolve()
    project = read_yaml(manuscript / "_quarto.yml")
    variables = load_variables(manuscript / VARIABLES_FILE)
    expanded = expand(manuscript / document, manuscript, variables)
    front = front_matter(expanded.text)
    # Wide --columns: pipe tables get auto-sized columns rather than widths from dash counts.
    ast_text = _pandoc(["--from=markdown", "--to=json", "--columns=100000"], expanded.text,
                       manuscript)
    crossref_options = format_options(project, front, "html").get("crossref")
    doc = crossref.resolve(json.loads(ast_text), crossref_options, where=expanded.origin_of)
    root = manuscript
    outputs: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="render-") as tmp:
        for fmt in FORMATS:
            options = format_options(project, front, fmt)
            metadata = Path(tmp, f"{fmt}.yml")
            metadata.write_text(
                yaml.safe_dump({k: v for k, v in options.items() if k not in NOT_METADATA}),
                encoding="utf-8")
            source = callouts.style(doc, fmt)
            if fmt == "typst":
                source, root = rebase_images(source, manuscript)
            args = [*_writer_args(fmt), *trace.filter_args(manuscript), *_flags(options),
                    f"--metadata-file={metadata}"]
            outputs[fmt] = _pandoc(["--from=json", *args], json.dumps(source), manuscript)
    try:
        pdf = typst.compile(outputs["typst"].encode("utf-8"), root=str(root),
                            ignore_system_fonts=True)
    except typst.TypstError as err:
        raise RenderError(f"typst could not compile the PDF: {err}") from err
    return Built(outputs["html"].encode("utf-8"), outputs["typst"], pdf)
