"""Traceable numbers in the fallback renderer: the same Lua filter as Quarto's extension.

Quarto marks each `{{< var key >}}` with the extension's mark.lua; here the shortcode expansion
writes the same span, `[text]{.qct-var key=...}`, and pandoc runs the extension's trace.lua
(`--lua-filter`), which gives HTML numbers their origin from `_trace.json` and unwraps them in
every other format. A manuscript without the extension is rendered unmarked.
"""

from __future__ import annotations

import re
from pathlib import Path

FILTER = Path("_extensions", "trace", "trace.lua")  # relative to the manuscript folder
KEY = re.compile(r"[\w.-]+")


def lua_filter(manuscript: Path) -> Path | None:
    """The extension's trace.lua in `manuscript`, or None when the project does not ship it."""
    path = manuscript / FILTER
    return path if path.is_file() else None


def mark(manuscript: Path, key: str, text: str) -> str:
    """`text` of variable `key` as a marked span (when the filter is there to read it)."""
    if lua_filter(manuscript) is None or not KEY.fullmatch(key):
        return text
    escaped = text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    return f"[{escaped}]{{.qct-var key={key}}}"


def filter_args(manuscript: Path) -> list[str]:
    """Pandoc's `--lua-filter` argument for the extension's filter (none without it)."""
    path = lua_filter(manuscript)
    return [] if path is None else [f"--lua-filter={path}"]
