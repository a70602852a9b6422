"""Rendering the manuscript to report.html, report.pdf and report.docx, with Quarto or the fallback.

    render(manuscript_dir, output_dir, renderer="auto") -> "quarto" | "fallback"

"auto" uses Quarto when the `quarto` CLI is on PATH, else the registry-only fallback
(pandoc + typst), which implements the Quarto subset documented in analysis/render/README.md.
All outputs are built completely before any is written, and each is written atomically,
so a failed render leaves no new, half-written or mismatched report behind.
"""

from __future__ import annotations

import logging
from pathlib import Path

from analysis.render import quarto
from analysis.render.errors import RenderError

__all__ = ["OUTPUTS", "RENDERERS", "RenderError", "choose_renderer", "render"]

RENDERERS = ("auto", "quarto", "fallback")
OUTPUTS = quarto.OUTPUTS
log = logging.getLogger(__name__)


def choose_renderer(renderer: str = "auto") -> str:
    """Resolve "auto" to "quarto" (CLI on PATH) or "fallback"; check the name otherwise.

    Cheap to import and call (the Snakefile resolves the renderer at parse time): the
    renderers' own modules, pandas and pandoc load only when `render` runs.
    """
    if renderer not in RENDERERS:
        raise RenderError(f"unknown renderer '{renderer}' (choose from {', '.join(RENDERERS)})")
    if renderer == "auto":
        return "quarto" if quarto.quarto_path() else "fallback"
    return renderer


def render(
    manuscript_dir: str | Path,
    output_dir: str | Path,
    renderer: str = "auto",
    document: str = "report.qmd",
) -> str:
    """Render `document` to `<output_dir>/<stem>.html`, `.pdf` and `.docx`; return the
    renderer used."""
    from analysis.io import atomic_write  # imports pandas: only when rendering
    from analysis.render import fallback

    chosen = choose_renderer(renderer)
    if chosen == "quarto":
        log.info("rendering %s with quarto %s", document, quarto.version())
        outputs = quarto.build(manuscript_dir, document)
    else:
        log.info("rendering %s with the fallback (pandoc + typst)", document)
        built = fallback.build(manuscript_dir, document)
        outputs = {"html": built.html, "pdf": built.pdf, "docx": built.docx}
    stem = Path(document).stem
    for ext in OUTPUTS:
        atomic_write(
            Path(output_dir, f"{stem}.{ext}"), lambda tmp, c=outputs[ext]: tmp.write_bytes(c)
        )
    return chosen
