"""Quarto callout blocks (`::: {.callout-note title="..."}`) for the fallback renderer.

The title (attribute `title`, else the callout type, e.g. "Important") becomes a bold first
paragraph. HTML keeps the Div and styles it by class in report.css; Typst gets the Div's
contents wrapped in a tinted block (raw Typst around the converted markdown).
"""

from __future__ import annotations

from typing import Any

from analysis.render.ast import Element, replace, words

PREFIX = "callout-"
TYPST_OPEN = (
    "#block(width: 100%, inset: 8pt, radius: 2pt, fill: luma(245), "
    'stroke: (left: 3pt + rgb("#5a7fa8")))['
)


def _callout_kind(div: Element) -> str | None:
    classes = div["c"][0][1]
    return next((c.removeprefix(PREFIX) for c in classes if c.startswith(PREFIX)), None)


def style(doc: dict[str, Any], fmt: str) -> dict[str, Any]:
    """A copy of `doc` with its callout Divs titled, and boxed for `fmt` == "typst"."""

    def restyle(div: Element) -> list[Element]:
        kind = _callout_kind(div)
        if kind is None:
            return [div]
        attributes = dict(div["c"][0][2])
        title = {
            "t": "Para",
            "c": [{"t": "Strong", "c": words(attributes.get("title") or kind.capitalize())}],
        }
        body = [title, *div["c"][1]]
        if fmt != "typst":
            return [{"t": "Div", "c": [div["c"][0], body]}]
        return [
            {"t": "RawBlock", "c": ["typst", TYPST_OPEN]},
            *body,
            {"t": "RawBlock", "c": ["typst", "]"]},
        ]

    return {**doc, "blocks": replace(doc["blocks"], "Div", restyle)}
