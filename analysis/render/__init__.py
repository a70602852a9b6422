"""Rendering the manuscript to report.html and report.pdf, with Quarto or the fallback.

    render(manuscript_dir, output_dir, renderer="auto") -> "quarto" | "fallback"

"auto" uses Quarto when the `quarto` CLI is on PATH, else the registry-only fallback
(pandoc + typst), which implements the Quarto subset documented in analysis/render/README.md.
Both outputs are built completely before either is written, and each is written atomically,
so a failed render leaves no new, half-written or mismatched report behind.
"""

from __future__ import annotations

import logging
from pathlib import Path

from analysis.io import atomic_write
from analysis.render import fallback, quarto
from analysis.render.errors import RenderError

__all__ = ["RENDERERS", "RenderError", "choose_renderer", "render"]

RENDERERS = ("auto", "quarto", "fallback")
log = logging.getLogger(__name__)


def choose_renderer(renderer: str = "auto") -> str:
    """Resolve "auto" to "quarto" (CLI on PATH) or "fallback"; check the name otherwise."""
    if renderer not in RENDERERS:
        raise RenderError(f"unknown renderer '{renderer}' (choose from {', '.join(RENDERERS)})")
    if renderer == "auto":
        return "quarto" if quarto.quarto_path() else "fallback"
    return renderer


def render(manuscript_dir: str | Path, output_dir: str | Path, renderer: str = "auto",
           document: str = "report.qmd") -> str:
    """Render `document` to `<output_dir>/<stem>.html` and `.pdf`; return the renderer used."""
    chosen = choose_renderer(renderer)
    log.info("rendering %s with %s", document, chosen)
    if chosen == "quarto":
        outputs = quarto.build(manuscript_dir, document)
    else:
        built = fallback.build(manuscript_dir, document)
        outputs = {"html": built.html, "pdf": built.pdf}
    stem = Path(document).stem
    for ext, content in outputs.items():
        atomic_write(Path(output_dir, f"{stem}.{ext}"), lambda tmp, c=content: tmp.write_bytes(c))
    return chosen
