"""The manuscript's prose holds no hand-typed numbers, and every variable it uses exists.

`prose_digits` is the scanner: it blanks out the places where digits are allowed (shortcodes,
code, citations, cross-references, attributes, link targets, headings, comments, front matter,
div fences and the years in names of statutes such as "Drugs Act 2005") and reports any digit
left in the text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analysis.numbers import build_variables
from analysis.published import load_cited_facts
from tests.results_fixture import PROVENANCE, ROOT, SCORECARD, shipped_results

MANUSCRIPT = ROOT / "manuscript"
VAR = re.compile(r"\{\{<\s*var\s+([^\s>]+)\s*>\}\}")

# Spans removed before looking for digits (each may legitimately contain them).
ALLOWED_SPANS = [
    re.compile(r"\{\{<.*?>\}\}"),  # shortcodes: var, include
    re.compile(r"`[^`\n]*`"),  # inline code
    re.compile(r"\[[^\]\n]*@[^\]\n]*\]"),  # bracketed citations and cross-references
    re.compile(r"-?@[\w:.-]+"),  # bare citations / cross-references (@fig-crime, @key)
    re.compile(r"\{[#.][^}\n]*\}"),  # attributes {#tbl-x}, {.unnumbered}
    re.compile(r"\]\([^)\n]*\)"),  # link and image targets
    re.compile(r"\b(?:Act|Order|Regulations)\s+(?:19|20)\d\d\b"),  # "Drugs Act 2005"
]
# Whole lines that may contain digits: headings and fenced-div markers.
ALLOWED_LINES = re.compile(r"^\s*(#|:::)")


def _blank(match: re.Match[str]) -> str:
    """The matched text with everything but newlines removed (keeps line numbers)."""
    return "\n" * match.group(0).count("\n")


def prose_digits(text: str) -> list[tuple[int, str]]:
    """(line number, line) of every line whose prose holds a digit outside the allowed places."""
    original = text.split("\n")
    text = re.sub(r"\A---\n.*?\n---\n", _blank, text, flags=re.S)  # YAML front matter
    text = re.sub(r"^```.*?^```", _blank, text, flags=re.S | re.M)  # fenced code
    text = re.sub(r"<!--.*?-->", _blank, text, flags=re.S)  # comments
    found = []
    for number, line in enumerate(text.split("\n"), start=1):
        if ALLOWED_LINES.match(line):
            continue
        prose = line
        for span in ALLOWED_SPANS:
            prose = span.sub(" ", prose)
        if re.search(r"\d", prose):
            found.append((number, original[number - 1].strip()))
    return found


def manuscript_files() -> list[Path]:
    return sorted(MANUSCRIPT.rglob("*.qmd"))


# --- the scanner itself --------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "Crime fell by 57% at follow-up.",
    "A mean of {{< var a.b >}} days, against 9.3 before.",
    "The six-month (6) follow-up.",
    "Around 40,000 orders were made.",
    "<!-- fine --> but 3 is not.",
    "Written in 2005 without a statute name.",
])
def test_scanner_flags_digits_in_prose(text):
    assert prose_digits(text) == [(1, text)]


@pytest.mark.parametrize("text", [
    "Crime {{< var offending.days30.qct.base_first.phrase >}} ({{< var x.test >}}).",
    "As in earlier work [@godfrey2002; @nta2005, p. 22] and @gossop2006 found.",
    "See @fig-crime, @tbl-regression and [-@tbl-intake].",
    "Run `uv run snakemake all --config raw_dir=/data/x1`.",
    "![Mean days.](../figures/fig1_crime_days.png){#fig-crime}",
    ": Caption of a table {#tbl-t1}",
    "The Drugs Act 2005 and the Crime and Disorder Act 1998.",
    "# Appendix 2 heading",
    "::: {.callout-note title=\"Box 1\"}",
    "<!-- a comment with 17 in it -->",
])
def test_scanner_allows_digits_in_allowed_places(text):
    assert prose_digits(text) == []


def test_scanner_skips_front_matter_and_code_but_keeps_line_numbers():
    text = "---\ntitle: Report 2024\n---\nFine.\n```\nx = 1\n```\nBad 7.\n"
    assert prose_digits(text) == [(8, "Bad 7.")]


# --- the manuscript --------------------------------------------------------------------------


def test_the_manuscript_has_sections():
    names = {p.name for p in (MANUSCRIPT / "sections").glob("*.qmd")}
    assert {"03-method.qmd", "04-results.qmd", "11-references.qmd"} <= names


def test_no_digits_in_the_abstract():
    """The abstract lives in report.qmd's front matter, which the scanner skips: scan it too."""
    import yaml

    front = (MANUSCRIPT / "report.qmd").read_text(encoding="utf-8").split("---\n")[1]
    abstract = yaml.safe_load(front)["abstract"]
    found = prose_digits(abstract)
    assert not found, "\n".join(f"abstract:{n}: {line}" for n, line in found)


@pytest.mark.parametrize("path", manuscript_files(), ids=lambda p: p.name)
def test_no_digits_in_manuscript_prose(path):
    found = prose_digits(path.read_text(encoding="utf-8"))
    assert not found, "\n".join(f"{path.name}:{n}: {line}" for n, line in found)


@pytest.fixture(scope="module")
def variables():
    results, config = shipped_results()
    cited = load_cited_facts(ROOT / "data" / "published")
    return build_variables(results, SCORECARD, cited, PROVENANCE, config)


def _resolves(tree: dict, key: str) -> bool:
    node = tree
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return isinstance(node, str) and node != ""


@pytest.mark.parametrize("path", manuscript_files(), ids=lambda p: p.name)
def test_every_variable_key_resolves(path, variables):
    keys = VAR.findall(path.read_text(encoding="utf-8"))
    unresolved = sorted({k for k in keys if not _resolves(variables, k)})
    assert not unresolved, f"{path.name}: no variable for {', '.join(unresolved)}"


def test_every_variable_is_a_string(variables):
    def leaves(node, prefix=""):
        for key, value in node.items():
            if isinstance(value, dict):
                yield from leaves(value, f"{prefix}{key}.")
            else:
                yield f"{prefix}{key}", value

    bad = [k for k, v in leaves(variables) if not isinstance(v, str) or not v]
    assert not bad, bad[:10]
