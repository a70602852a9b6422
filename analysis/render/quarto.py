"""The Quarto path: `quarto render` of the expanded document, in a scratch copy of the project.

Quarto renders the text that source.py expanded (variables and includes already replaced), not
report.qmd itself, for three reasons:
- speed: this manuscript's ~500 shortcodes cost Quarto ~45 s in one pandoc pre-pass; the
  expanded text parses in about a second;
- strictness: an unknown variable stops the render with the file and line (Quarto would print
  `?var:name` and go on), exactly as in the fallback;
- the date: Quarto formats `date` before it expands `{{< var >}}` ("Invalid Date").
The scratch copy also keeps Quarto's `.quarto/` and `.gitignore` out of the source tree.
One `quarto render` writes every format of `_quarto.yml` (html, typst, docx): naming them in
`--to a,b` fails inside a project (quarto-dev/quarto-cli#5947).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from analysis.render import source
from analysis.render.errors import RenderError

# The rendered file of each output, by extension.
OUTPUTS = ("html", "pdf", "docx")
WARNING = re.compile(r"^\W*(WARN|WARNING)\b", re.IGNORECASE)
COLOUR = re.compile(r"\x1b\[[0-9;]*m")  # Quarto colours its warnings
# The one warning tolerated: the offline Quarto kit has no `typst-gather` binary, so Quarto
# stages all Typst packages instead of the ones used (no effect on the output).
TOLERATED = ("typst-gather",)
# The label or key a warning names: "Unable to resolve crossref @fig-x", "citation x not found".
CITE_OR_REF = re.compile(r"@([\w:.-]*\w)|citation (\S+) not found")


def quarto_path() -> str | None:
    """The Quarto CLI on PATH, or None."""
    return shutil.which("quarto")


def version() -> str:
    """The version the Quarto CLI on PATH reports (e.g. "1.10.18")."""
    quarto = quarto_path()
    if quarto is None:
        raise RenderError("renderer 'quarto' requested but the quarto CLI is not on PATH")
    proc = subprocess.run([quarto, "--version"], capture_output=True, text=True, check=False)
    return proc.stdout.strip()


def warnings_in(log: str, where: Callable[[str], str | None]) -> list[str]:
    """Quarto's (and pandoc's) warnings in its log, each led by the "file:line" of the
    cross-reference or citation it names, when `where` finds one."""
    found: dict[str, None] = {}  # each once, in order (Quarto repeats them for every format)
    for line in COLOUR.sub("", log).splitlines():
        if not WARNING.match(line) or any(t in line for t in TOLERATED):
            continue
        keys = ["@" + (m[1] or m[2]) for m in CITE_OR_REF.finditer(line)]
        origins = [o for o in map(where, keys) if o]
        found[f"{origins[0]}: {line.strip()}" if origins else line.strip()] = None
    return list(found)


def build(manuscript_dir: str | Path, document: str = "report.qmd") -> dict[str, bytes]:
    """Render `document` with Quarto; return {"html": ..., "pdf": ..., "docx": ...}, writing
    nothing into the manuscript folder. Any warning fails the render, naming what to fix."""
    quarto = quarto_path()
    if quarto is None:
        raise RenderError("renderer 'quarto' requested but the quarto CLI is not on PATH")
    ms = source.load(manuscript_dir, document)
    stem = Path(document).stem
    with tempfile.TemporaryDirectory(prefix="quarto-") as tmp:
        stage = Path(tmp, "manuscript")
        shutil.copytree(
            ms.folder, stage, ignore=shutil.ignore_patterns(ms.output_dir(), ".quarto", "*.qmd")
        )
        (stage / document).write_text(ms.expanded.text, encoding="utf-8")
        proc = subprocess.run(
            [quarto, "render", document],
            cwd=stage,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "SOURCE_DATE_EPOCH": str(ms.source_date_epoch())},
        )
        if proc.returncode != 0:
            raise RenderError(f"quarto render failed:\n{proc.stderr.strip()[-4000:]}")
        warned = warnings_in(proc.stdout + proc.stderr, ms.expanded.origin_of)
        if warned:
            raise RenderError(
                "quarto render warned (warnings fail the build):\n" + "\n".join(warned)
            )
        out = stage / ms.output_dir()
        missing = [ext for ext in OUTPUTS if not (out / f"{stem}.{ext}").is_file()]
        if missing:
            raise RenderError(
                f"quarto render produced no {', '.join(missing)} output "
                f"(formats come from {source.PROJECT_FILE})"
            )
        return {ext: (out / f"{stem}.{ext}").read_bytes() for ext in OUTPUTS}
