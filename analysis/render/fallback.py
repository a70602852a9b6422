"""The registry-only renderer: pandoc (pypandoc-binary) for HTML, DOCX and Typst, `typst` for PDF.

It implements the documented Quarto subset the manuscript uses (see analysis/render/README.md):
the project options of `_quarto.yml` and the front matter (including `css`, Typst
`include-in-header` and Lua `filters`, so a filter or extension the project lists runs with
either renderer), numbered figure/table cross-references and citeproc citations, on the text
that source.py has expanded. Building is separate from writing: `build()` returns the finished
bytes, so a failure anywhere leaves no output behind.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import pypandoc
import typst
import yaml

from analysis.render import callouts, crossref, source
from analysis.render.ast import nodes
from analysis.render.errors import RenderError

ASSETS = Path(__file__).resolve().parent
# Quarto format name -> pandoc writer.
WRITERS = {"html": "html5", "typst": "typst", "docx": "docx"}
# Options the fallback applies itself rather than handing to pandoc as document metadata.
NOT_METADATA = ("crossref", "filters", "css", "include-in-header")


@dataclass(frozen=True)
class Built:
    """A rendered report: standalone HTML, the intermediate Typst markup, the PDF and DOCX."""

    html: bytes
    typst: str
    pdf: bytes
    docx: bytes


def _pandoc(args: list[str], stdin: str, cwd: Path, epoch: int) -> bytes:
    """Run pandoc; any warning (missing image, unknown citation...) fails the render.

    SOURCE_DATE_EPOCH fixes the timestamps pandoc writes (DOCX zip entries and properties).
    """
    proc = subprocess.run(
        [pypandoc.get_pandoc_path(), "--fail-if-warnings", *args],
        input=stdin.encode("utf-8"),
        capture_output=True,
        cwd=cwd,
        check=False,
        env={**os.environ, "SOURCE_DATE_EPOCH": str(epoch)},
    )
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip()
        raise RenderError(f"pandoc failed ({' '.join(args[:4])} ...):\n{message}")
    return proc.stdout


def _listed(value: Any) -> list[Any]:
    """An option that may be one item or a list, as a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def lua_filters(ms: source.Manuscript, options: dict[str, Any]) -> list[Path]:
    """The Lua files of the `filters` option: a path to a `.lua` file, `{path: ...}`, or the
    name of an extension under `_extensions/` (its `contributes.filters`), as Quarto reads it.
    Quarto's own position marker `quarto` is skipped."""
    files: list[Path] = []
    for entry in _listed(options.get("filters")):
        name = entry.get("path") if isinstance(entry, dict) else entry
        if not isinstance(name, str):
            raise RenderError(f"filters: cannot read entry {entry!r}")
        if name == "quarto":
            continue
        if name.endswith(".lua"):
            files.append(ms.folder / name)
            continue
        manifests = sorted((ms.folder / "_extensions").glob(f"**/{name}/_extension.y*ml"))
        if not manifests:
            raise RenderError(f"filters: no extension '{name}' under _extensions/")
        contributed = (source.read_yaml(manifests[0]).get("contributes") or {}).get("filters")
        files.extend(
            manifests[0].parent / (f["path"] if isinstance(f, dict) else f)
            for f in _listed(contributed)
        )
    missing = [str(f.relative_to(ms.folder)) for f in files if not f.is_file()]
    if missing:
        raise RenderError(f"filters: {', '.join(missing)} does not exist")
    return files


def _headers(ms: source.Manuscript, options: dict[str, Any]) -> list[str]:
    """The Typst header: the fallback's own (figure numbering) and the project's
    `include-in-header` files or `text:` snippets, in that order."""
    headers = [(ASSETS / "header.typ").read_text(encoding="utf-8")]
    for item in _listed(options.get("include-in-header")):
        if isinstance(item, dict) and "text" in item:
            headers.append(str(item["text"]))
        else:
            path = ms.folder / str(item.get("file") if isinstance(item, dict) else item)
            if not path.is_file():
                raise RenderError(f"include-in-header: {path.name} does not exist")
            headers.append(path.read_text(encoding="utf-8"))
    return headers


def _flags(ms: source.Manuscript, fmt: str, options: dict[str, Any], tmp: Path) -> list[str]:
    """Pandoc arguments for one format: writer, switches, filters and metadata."""
    metadata = tmp / f"{fmt}.yml"
    metadata.write_text(
        yaml.safe_dump({k: v for k, v in options.items() if k not in NOT_METADATA}),
        encoding="utf-8",
    )
    # Lua filters run before citeproc, as a filter listed in _quarto.yml runs before Quarto's.
    args = [
        f"--to={WRITERS[fmt]}",
        "--standalone",
        f"--metadata-file={metadata}",
        *(f"--lua-filter={f}" for f in lua_filters(ms, options)),
        "--citeproc",
    ]
    if options.get("toc"):
        args += ["--toc", f"--toc-depth={int(options.get('toc-depth', 3))}"]
    if options.get("number-sections"):
        args.append("--number-sections")
    if fmt == "html":
        args += [
            "--embed-resources",
            "--mathml",
            *(f"--css={ms.folder / css}" for css in _listed(options.get("css"))),
        ]
    elif fmt == "typst":
        header = tmp / "header.typ"
        header.write_text("\n".join(_headers(ms, options)), encoding="utf-8")
        args += [
            f"--include-in-header={header}",
            "--variable=page-numbering:1",
            f"--variable=papersize:{options.get('papersize', 'a4')}",
        ]
    return args


def rebase_images(doc: dict[str, Any], manuscript: Path) -> dict[str, Any]:
    """Point local images at Typst root-relative paths ("/figures/x.png"); the Typst root is
    the manuscript folder, and an image outside it is an error, as it is for Quarto."""
    doc = copy.deepcopy(doc)
    for node in nodes(doc["blocks"]):
        target = node["c"][2][0] if node["t"] == "Image" else ""
        if not target or re.match(r"^(\w+:|/)", target):  # URLs and data: are left alone
            continue
        path = (manuscript / target).resolve()
        if not path.is_relative_to(manuscript):
            raise RenderError(
                f"image '{target}' is outside the manuscript folder (Quarto and "
                "Typst read files only inside the project)"
            )
        node["c"][2][0] = str(PurePosixPath("/") / path.relative_to(manuscript).as_posix())
    return doc


def build(manuscript_dir: str | Path, document: str = "report.qmd") -> Built:
    """Render `document` of the manuscript folder to HTML, PDF and DOCX bytes, writing nothing."""
    ms = source.load(manuscript_dir, document)
    epoch = ms.source_date_epoch()
    # Wide --columns: pipe tables get auto-sized columns rather than widths from dash counts.
    ast_text = _pandoc(
        ["--from=markdown", "--to=json", "--columns=100000"], ms.expanded.text, ms.folder, epoch
    )
    doc = crossref.resolve(
        json.loads(ast_text), ms.options("html").get("crossref"), where=ms.expanded.origin_of
    )
    with (
        tempfile.TemporaryDirectory(prefix="render-") as tmp,
        ThreadPoolExecutor(max_workers=len(WRITERS)) as pool,
    ):
        # Each writer is its own pandoc process, so the three run side by side (the HTML one,
        # which embeds the figures and every number's trace box, takes longest), and the PDF
        # is compiled once the Typst markup is written. The documents are styled here, one
        # after another; the threads only wait for pandoc.
        written = {}
        for fmt in WRITERS:
            styled = callouts.style(doc, fmt)
            if fmt == "typst":
                styled = rebase_images(styled, ms.folder)
            target = Path(tmp, f"report.{fmt}")
            args = [
                "--from=json",
                *_flags(ms, fmt, ms.options(fmt), Path(tmp)),
                f"--output={target}",
            ]
            written[fmt] = pool.submit(_written, target, args, json.dumps(styled), ms, epoch)
        typst_markup = written["typst"].result()
        try:
            pdf = typst.compile(typst_markup, root=str(ms.folder), ignore_system_fonts=True)
        except typst.TypstError as err:
            raise RenderError(f"typst could not compile the PDF: {err}") from err
        outputs = {fmt: job.result() for fmt, job in written.items()}
    return Built(outputs["html"], typst_markup.decode("utf-8"), pdf, outputs["docx"])


def _written(target: Path, args: list[str], stdin: str, ms: source.Manuscript, epoch: int) -> bytes:
    """Run one pandoc writer into `target` and return the file's bytes."""
    _pandoc(args, stdin, ms.folder, epoch)
    return target.read_bytes()
