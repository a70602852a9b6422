"""Render `analysis.codebook` as the human-readable `data/raw/CODEBOOK.md`.

The Markdown is generated, never edited by hand, so the document a data provider reads and the
contract the build enforces cannot drift apart (a test compares the committed file with this
render).

    python -m analysis.codebook_doc --out data/raw/CODEBOOK.md
"""

from __future__ import annotations

import argparse
from pathlib import Path

from analysis import codebook
from analysis.codebook import IDENTIFIER_PATTERNS, RAW_FILES, Column, RawFile
from analysis.io import atomic_write
from analysis.validate import ID_PATTERN

TYPES = {
    "id": "text (id)",
    "wave": "text (wave id)",
    "category": "text (category)",
    "binary": "integer 0/1",
    "integer": "whole number",
    "number": "number",
}


def _conventions() -> str:
    """The conventions section of the codebook module docstring, as Markdown bullets."""
    doc = codebook.__doc__ or ""
    return doc[doc.index("Conventions") :].split("\n", 1)[1].strip()


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _allowed(col: Column) -> str:
    if col.kind == "id":
        return f"`{ID_PATTERN}`, unique per file key"
    if col.kind == "wave":
        return "a wave id configured in config/config.yaml"
    if col.categories:
        return ", ".join(f"`{c}`" for c in col.categories)
    if col.kind == "binary":
        return "0, 1"
    lo = "" if col.minimum is None else f"{col.minimum:g}"
    hi = "" if col.maximum is None else f"{col.maximum:g}"
    return f"{lo} to {hi}" if lo and hi else f"{lo or '-inf'} to {hi or 'inf'}"


def _missing(col: Column) -> str:
    if col.follow_up_only:
        return "yes; must be empty at baseline"
    return "yes" if col.nullable else "no"


def _file_section(spec: RawFile) -> str:
    rows = [
        f"| `{c.name}` | {TYPES[c.kind]} | {_cell(c.unit)} | {_cell(_allowed(c))} | "
        f"{_missing(c)} | {_cell(c.description + (' ' + c.notes if c.notes else ''))} |"
        for c in spec.columns
    ]
    return "\n".join(
        [
            f"## `{spec.name}`",
            "",
            f"- Grain: {spec.grain}.",
            f"- Key: {', '.join(f'`{k}`' for k in spec.key)} (unique).",
            "",
            "| column | type | unit | allowed values | missing allowed | description |",
            "|---|---|---|---|---|---|",
            *rows,
        ]
    )


def render_codebook() -> str:
    """The whole codebook as Markdown: conventions, identifier rule and one table per file."""
    parts = [
        "# Codebook of the raw cohort files",
        "",
        "Generated from `analysis/codebook.py` by `python -m analysis.codebook_doc --out "
        "data/raw/CODEBOOK.md`; do not edit by hand. `analysis.validate.load_raw` enforces "
        "every rule below and stops the build with a message naming the file, column, line "
        "and rule when one is broken.",
        "",
        "## Conventions",
        "",
        _conventions(),
        "- Columns may appear in any order; every listed column is required and no other "
        "column is allowed.",
        "- Direct identifiers are refused: a column whose normalised name contains any of "
        + ", ".join(f"`{p}`" for p in IDENTIFIER_PATTERNS)
        + " stops the build. Remove them before the data enter the build.",
        "",
        *(_file_section(spec) + "\n" for spec in RAW_FILES),
    ]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write the Markdown codebook of the raw files.")
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    text = render_codebook()
    atomic_write(args.out, lambda tmp: tmp.write_text(text, encoding="utf-8"))


if __name__ == "__main__":
    main()
