"""The mark of a traceable number in the manuscript's markdown: `[text]{.qct-var key=...}`.

Written by the render expansion for each `{{< var key >}}` (analysis.render.trace) and by the
numbers step for each generated table cell (analysis.numbers); the trace extension's trace.lua
reads the class and the key, and finds the key's origin in manuscript/_trace.json. Inside a raw
HTML block (the full scorecard) the mark is `<span class="qct-var" data-key="...">`, which
trace.lua annotates the same way.
"""

from __future__ import annotations

import html
import re

CLASS = "qct-var"  # trace.lua matches the same class name
KEY = re.compile(r"[\w.-]+")  # a key the span's unquoted attribute can hold


def _checked(key: str) -> str:
    """`key`, refused unless an unquoted attribute can hold it."""
    if not KEY.fullmatch(key):
        raise ValueError(f"trace key {key!r} is not one word of letters, digits, '.', '_', '-'")
    return key


def span(key: str, text: str) -> str:
    """`text` marked as the traceable number `key` (brackets and backslashes escaped)."""
    _checked(key)
    escaped = text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    return f"[{escaped}]{{.{CLASS} key={key}}}"


def html_span(key: str, markup: str) -> str:
    """The mark inside raw HTML: `markup` (already escaped HTML) as the traceable number `key`."""
    return f'<span class="{CLASS}" data-key="{html.escape(_checked(key))}">{markup}</span>'
