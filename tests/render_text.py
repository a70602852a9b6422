"""What a reader of a rendered report sees, for tests: HTML and PDF as text, DOCX tables.

Text is compared "squeezed": no whitespace (renderers wrap lines and table cells differently),
no quotation marks (pandoc's smart quotes print 'x' as ‘x’, and the AST holds no marks at all)
and "-" for Typst's minus sign (it prints "-1.2" as "−1.2").
"""

from __future__ import annotations

import functools
import html
import json
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pypandoc

from analysis.render.ast import nodes

# Also dropped: the zero-width spaces the tables put after "_" in long identifiers, and the
# soft hyphen some Typst versions print where they break a word at a line end.
MARKS = str.maketrans({"−": "-", **dict.fromkeys("'\"‘’“”\u200b\u00ad")})


def squeeze(text: str) -> str:
    """`text` without whitespace or quotation marks, minus signs as "-"."""
    return re.sub(r"\s+", "", text.translate(MARKS))


def html_text(page: str) -> str:
    """The visible text of an HTML page (no styles, scripts, tags or the trace extension's
    origin boxes, which show only on hover; entities decoded)."""
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", " ", _without_origin_boxes(page)))


def _without_origin_boxes(page: str) -> str:
    """`page` without the `<span class="qct-origin">` boxes (nested spans included)."""
    kept, depth = [], 0
    for piece in re.split(r"(</?span\b[^>]*>)", page):
        if depth:
            depth += 1 if piece.startswith("<span") else -1 if piece == "</span>" else 0
        elif piece.startswith("<span") and 'class="qct-origin"' in piece:
            depth = 1
        else:
            kept.append(piece)
    return "".join(kept)


def pdf_text(pdf: Path) -> str:
    """The text of a PDF in content order (`pdftotext -raw`: a table cell's lines together),
    without page numbers: both renderers print page n's number as its last line, which would
    otherwise split a sentence running over a page break ("between\n10\nintake")."""
    raw = subprocess.run(
        ["pdftotext", "-raw", str(pdf), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    pages = []
    for number, page in enumerate(raw.split("\f"), start=1):
        body, _, last = page.rstrip("\n").rpartition("\n")
        pages.append(body if last.strip() == str(number) else page)
    return "\n".join(pages)


def contains(text: str, value: str) -> bool:
    """Whether `value` appears in `text`, squeezed; a word hyphenated at a line end in a PDF
    ("signif-" + newline + "icant") also counts, and so does a path wrapped after a slash
    ("docs/" + newline + "synthesis.md")."""
    wanted = squeeze(value)
    return any(wanted in variant for variant in _squeezed(text))


@functools.lru_cache(maxsize=8)
def _squeezed(text: str) -> tuple[str, str]:
    """`text` squeezed as it is and with line-end hyphens and slashes joined (cached: reports
    are long)."""
    return squeeze(text), squeeze(text.replace("-\n", "").replace("/\n", "/"))


def table_cells(table: dict[str, Any]) -> list[str]:
    """Every cell of a pandoc Table element (head, bodies, foot), as its words."""
    _, _, _, head, bodies, foot = table["c"]
    rows = head[1] + [row for body in bodies for row in body[2] + body[3]] + foot[1]
    return [
        " ".join(n["c"] for n in nodes(cell[4]) if n["t"] == "Str")
        for row in rows
        for cell in row[1]
    ]


def tables(ast: dict[str, Any]) -> list[list[str]]:
    """The cells of every table in a pandoc JSON AST."""
    return [table_cells(t) for t in nodes(ast["blocks"]) if t["t"] == "Table"]


def docx_tables(docx: bytes) -> list[list[str]]:
    """The tables of a DOCX file, read back through pandoc."""
    with tempfile.NamedTemporaryFile(suffix=".docx") as tmp:
        tmp.write(docx)
        tmp.flush()
        return tables(json.loads(pypandoc.convert_file(tmp.name, "json", format="docx")))
