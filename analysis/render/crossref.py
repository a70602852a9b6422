"""Quarto-style figure and table numbering and `@fig-x` / `@tbl-x` references, on pandoc's AST.

Works on the JSON AST before citeproc runs, so a cross-reference is never mistaken for a
missing citation. Figures `![Caption](path){#fig-x}` and tables with `: Caption {#tbl-x}` are
numbered in document order; each caption gets "Figure 1: " in front, and each reference becomes
a link reading "Figure 1" (or "1" for Quarto's `-@fig-x`). The numbers are written into the
captions themselves so HTML and PDF agree (the Typst header turns Typst's own numbering off).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from analysis.render.ast import Element, nodes, replace, words
from analysis.render.errors import RenderError

# Quarto's defaults for the caption title of each kind (crossref: fig-title, tbl-title).
DEFAULT_TITLES = {"fig": "Figure", "tbl": "Table"}
NUMBERED_BLOCKS = {"Figure": "fig", "Table": "tbl"}


def names_from(crossref: dict[str, Any] | None) -> tuple[dict[str, str], dict[str, str]]:
    """Caption titles and reference prefixes from Quarto's `crossref` option."""
    options = crossref or {}
    titles = {k: str(options.get(f"{k}-title", v)) for k, v in DEFAULT_TITLES.items()}
    prefixes = {k: str(options.get(f"{k}-prefix", titles[k])) for k in DEFAULT_TITLES}
    return titles, prefixes


def kind_of(label: str) -> str | None:
    """ "fig" or "tbl" for a cross-reference label, None for anything else (a citation key)."""
    return next((k for k in DEFAULT_TITLES if label.startswith(f"{k}-")), None)


def number_labels(doc: dict[str, Any], titles: dict[str, str]) -> dict[str, int]:
    """Number labelled figures and tables in place (caption prefix); return label -> number."""
    numbers: dict[str, int] = {}
    counts = dict.fromkeys(DEFAULT_TITLES, 0)
    for node in nodes(doc["blocks"]):
        kind = NUMBERED_BLOCKS.get(node["t"])
        label = node["c"][0][0] if kind else ""
        if not kind or kind_of(label) != kind:
            continue  # Quarto numbers only figures labelled fig-* and tables labelled tbl-*
        if label in numbers:
            raise RenderError(f"duplicate label '#{label}'")
        counts[kind] += 1
        numbers[label] = counts[kind]
        caption_blocks = node["c"][1][1]
        lead = words(f"{titles[kind]} {counts[kind]}")
        if caption_blocks and caption_blocks[0]["t"] in ("Plain", "Para"):
            lead[-1] = {"t": "Str", "c": lead[-1]["c"] + ":"}
            caption_blocks[0]["c"][:0] = [*lead, {"t": "Space"}]
        else:
            caption_blocks.insert(0, {"t": "Plain", "c": lead})
    return numbers


def resolve(
    doc: dict[str, Any],
    crossref: dict[str, Any] | None = None,
    where: Callable[[str], str | None] = lambda _: None,
) -> dict[str, Any]:
    """Return a copy of `doc` with figures/tables numbered and every `@fig-`/`@tbl-` resolved.

    `where(text)` gives the origin "file:line" of a text, to locate an unknown label.
    A citation group mixing cross-references and bibliography keys is an error.
    """
    doc = copy.deepcopy(doc)
    titles, prefixes = names_from(crossref)
    numbers = number_labels(doc, titles)

    def link(citation: dict[str, Any]) -> list[Element]:
        label = citation["citationId"]
        if label not in numbers:
            origin = where(f"@{label}")
            raise RenderError(
                f"{origin + ': ' if origin else ''}unknown cross-reference "
                f"'@{label}' (no figure or table has the label '#{label}')"
            )
        text = str(numbers[label])
        if citation["citationMode"]["t"] != "SuppressAuthor":
            text = f"{prefixes[kind_of(label)]} {text}"
        prefix = citation["citationPrefix"]
        anchor = {"t": "Link", "c": [["", [], []], words(text), [f"#{label}", ""]]}
        return [*prefix, *([{"t": "Space"}] if prefix else []), anchor, *citation["citationSuffix"]]

    def replace_cite(cite: Element) -> list[Element]:
        citations = cite["c"][0]
        kinds = [kind_of(c["citationId"]) for c in citations]
        if not any(kinds):
            return [cite]
        if not all(kinds):
            ids = " ".join(f"@{c['citationId']}" for c in citations)
            raise RenderError(f"'{ids}' mixes cross-references and citations")
        out: list[Element] = []
        for i, citation in enumerate(citations):
            out.extend([{"t": "Str", "c": ","}, {"t": "Space"}] if i else [])
            out.extend(link(citation))
        return out

    doc["blocks"] = replace(doc["blocks"], "Cite", replace_cite)
    return doc
