"""Traceable numbers: the shortcode expansion marks each variable for the trace extension.

Both renderers render the expanded text (analysis.render.source), in which each
`{{< var key >}}` of the body and of the abstract becomes the span `[text]{.qct-var key=...}`; the extension's trace.lua
(`filters: [trace]` in _quarto.yml, run by Quarto and by the fallback) gives HTML numbers their
origin from `_trace.json` and unwraps the spans in every other format. A manuscript without the
extension is rendered unmarked. Generated table cells arrive already marked the same way
(analysis.marks), written by the numbers step into manuscript/_tables.
"""

from __future__ import annotations

from pathlib import Path

from analysis.marks import span
from analysis.render.errors import RenderError

FILTER = Path("_extensions", "trace", "trace.lua")  # relative to the manuscript folder
# The front-matter fields whose variables are marked (trace.lua annotates marks in metadata as in
# the body). Other fields stay plain: Quarto reads `date` as a date before any filter runs (a
# marked one printed "Invalid Date"), and `title` also becomes the page's plain <title>.
MARKED_FIELDS = ("abstract",)


def lua_filter(manuscript: Path) -> Path | None:
    """The extension's trace.lua in `manuscript`, or None when the project does not ship it."""
    path = manuscript / FILTER
    return path if path.is_file() else None


def mark(manuscript: Path, key: str, text: str, where: str) -> str:
    """`text` of variable `key` as a marked span (when the filter is there to read it); a key
    the mark cannot hold is refused at `where` (file:line), as analysis.marks refuses it."""
    if lua_filter(manuscript) is None:
        return text
    try:
        return span(key, text)
    except ValueError as err:  # analysis.marks' own check of the key, located here
        raise RenderError(f"{where}: variable {err}") from None
