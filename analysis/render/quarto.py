"""The Quarto path: `quarto render` on the manuscript project, when the Quarto CLI is installed.

Kept to standard Quarto 1.x usage; formats and options come from manuscript/_quarto.yml
(html with embed-resources, typst for the PDF). Not exercised by the test suite, since Quarto
cannot be installed from the registries these machines reach.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from analysis.render.errors import RenderError

OUTPUTS = ("html", "pdf")


def quarto_path() -> str | None:
    """The Quarto CLI on PATH, or None."""
    return shutil.which("quarto")


def build(manuscript_dir: str | Path, document: str = "report.qmd") -> dict[str, bytes]:
    """Render `document` with Quarto into a scratch folder; return {"html": ..., "pdf": ...}."""
    quarto = quarto_path()
    if quarto is None:
        raise RenderError("renderer 'quarto' requested but the quarto CLI is not on PATH")
    stem = Path(document).stem
    with tempfile.TemporaryDirectory(prefix="quarto-") as tmp:
        proc = subprocess.run(
            [quarto, "render", document, "--to", "html,typst", "--output-dir", tmp],
            cwd=Path(manuscript_dir).resolve(), capture_output=True, text=True, check=False,
        )
        if proc.returncode != 0:
            raise RenderError(f"quarto render failed:\n{proc.stderr.strip()}")
        missing = [ext for ext in OUTPUTS if not Path(tmp, f"{stem}.{ext}").is_file()]
        if missing:
            raise RenderError(f"quarto render produced no {', '.join(missing)} output")
        return {ext: Path(tmp, f"{stem}.{ext}").read_bytes() for ext in OUTPUTS}
