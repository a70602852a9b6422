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
from analysis.codebook import (
    ID_PATTERN,
    IDENTIFIER_PATTERNS,
    ORIGIN_FILE,
    ORIGINS,
    RAW_FILES,
    ROW_RULES,
    Column,
    RawFile,
)
from analysis.io import atomic_write

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
    allowed = f"{lo} to {hi}" if lo and hi else f"{lo or '-inf'} to {hi or 'inf'}"
    if col.sentinels:
        allowed += f"; sentinel codes {', '.join(map(str, col.sentinels))} refused"
    return allowed


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


def _rules_section() -> str:
    """The rules across columns and across a person's waves, as Markdown bullets."""
    across_waves = [
        f"- `{spec.name}` `{c.name}`: "
        + (
            "a since-intake flag, never 1 at one wave and 0 at a later one"
            if c.kind == "binary"
            else "never falls from one of a person's waves to a later one"
        )
        + (
            f"; at most the {c.accrues_in} elapsed since intake, and grows between two waves by at"
            f" most the {c.accrues_in} between them"
            if c.accrues_in
            else ""
        )
        + "."
        for spec in RAW_FILES
        for c in spec.columns
        if c.cumulative
    ]
    return "\n".join(
        [
            "## Rules across columns and waves",
            "",
            "Within a row (judged where the cells the rule needs are present):",
            "",
            *(f"- `{r.file.name}`: {r.text}." for r in ROW_RULES),
            "- Follow-up-only items are empty at the baseline wave; `treatment.csv` has rows for "
            "follow-up waves only.",
            "",
            "Across each person's waves (in configured order; waves without a value are skipped):",
            "",
            *across_waves,
            "",
        ]
    )


def _origin_section() -> str:
    return "\n".join(
        [
            "## Declared origin (`ORIGIN`)",
            "",
            f"A YAML file `{ORIGIN_FILE}` beside the CSV files declares where they come from. Keys: "
            f"`origin` ({', '.join(f'`{o}`' for o in ORIGINS)}), `generator` (the module that wrote "
            "the files) and `seed` (a whole number); both are required when the origin is "
            "`synthetic`, and no other key is allowed. The synthetic generator writes it. A "
            "directory without it holds the study's records: the report's data statement (subtitle,"
            " first-page callout, data note) then says it was built from the study's records and "
            "states the disclosure control that applies. Example (illustrative seed):",
            "",
            "    origin: synthetic",
            "    generator: synthesis",
            "    seed: 1234",
            "",
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
        _rules_section(),
        _origin_section(),
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
