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

from analysis import consistency
from analysis.numbers import build_variables
from analysis.published import load_cited_facts, load_published
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
    # The original paper's own tables and figures are names: "the original Table 1".
    re.compile(r"\b(?:original|paper's)\s+(?:Table|Figure)\s+\d+\b"),
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


@pytest.mark.parametrize(
    "text",
    [
        "Crime fell by 57% at follow-up.",
        "A mean of {{< var a.b >}} days, against 9.3 before.",
        "The six-month (6) follow-up.",
        "Around 40,000 orders were made.",
        "<!-- fine --> but 3 is not.",
        "Written in 2005 without a statute name.",
        "As Table 4 shows.",
    ],
)
def test_scanner_flags_digits_in_prose(text):
    assert prose_digits(text) == [(1, text)]


@pytest.mark.parametrize(
    "text",
    [
        "Crime {{< var offending.days30.qct.base_first.phrase >}} ({{< var x.test >}}).",
        "As in earlier work [@godfrey2002; @nta2005, p. 22] and @gossop2006 found.",
        "See @fig-crime, @tbl-regression and [-@tbl-intake].",
        "Run `uv run snakemake all --config raw_dir=/data/x1`.",
        "![Mean days.](../figures/fig1_crime_days.png){#fig-crime}",
        ": Caption of a table {#tbl-t1}",
        "The Drugs Act 2005 and the Crime and Disorder Act 1998.",
        "The model of the original Table 1, as in the paper's Figure 1.",
        "# Appendix 2 heading",
        '::: {.callout-note title="Box 1"}',
        "<!-- a comment with 17 in it -->",
    ],
)
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
    variables = build_variables(results, SCORECARD, cited, PROVENANCE, config)
    # analysis.numbers adds Appendix B's readings of the printed values beside the results'.
    variables["consistency"] = consistency.readings(load_published(ROOT / "data" / "published"))
    return variables


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


# --- sentences composed from several verdicts (analysis.prose) ------------------------------

from analysis import prose  # noqa: E402

SIG, NS = "significant", "not significant"
QCT, COMPARISON = "the QCT group", "the comparison group"


@pytest.mark.parametrize(
    ("qct", "comparison", "expected"),
    [
        (("fall", SIG), ("fall", SIG), "fell significantly in both groups"),
        (
            ("fall", SIG),
            ("fall", NS),
            "fell in both groups, but only the QCT group's fall was significant",
        ),
        (
            ("rise", NS),
            ("rise", SIG),
            "rose in both groups, but only the comparison group's rise was significant",
        ),
        (("fall", NS), ("fall", NS), "fell in both groups, though in neither significantly"),
        (("no change", NS), ("no change", NS), "did not change in either group"),
        (
            ("fall", SIG),
            ("no significant change", NS),
            "fell significantly in the QCT group and did not change significantly in the comparison "
            "group",
        ),
        (
            ("rise", NS),
            ("fall", SIG),
            "rose, though not significantly, in the QCT group and fell significantly in the "
            "comparison group",
        ),
    ],
)
def test_two_groups_changes_are_summed_up(qct, comparison, expected):
    assert prose.two_group_change({QCT: qct, COMPARISON: comparison}) == expected


@pytest.mark.parametrize(
    ("sigs", "expected"),
    [
        ((SIG, SIG, SIG), "All three differences were significant"),
        ((NS, NS, NS), "None of the three differences was significant"),
        (
            (SIG, SIG, NS),
            "The differences in offending and arrest were significant; that in imprisonment was not",
        ),
        (
            (NS, SIG, NS),
            "The difference in arrest was significant; those in offending and imprisonment were not",
        ),
    ],
)
def test_verdicts_aggregate_instead_of_listing(sigs, expected):
    items = list(zip(("offending", "arrest", "imprisonment"), sigs, strict=True))
    assert prose.verdicts(items, "difference", "in") == expected


def test_two_verdicts_read_both_and_neither():
    assert (
        prose.verdicts([("a", SIG), ("b", SIG)], "association", "with")
        == "Both associations were significant"
    )
    assert (
        prose.verdicts([("a", NS), ("b", NS)], "association", "with")
        == "Neither association was significant"
    )


def test_significance_across_waves_and_small_numbers_in_words():
    assert prose.significant_at([], 5) == "was not significant at any wave"
    assert prose.significant_at(["at intake"], 5) == "was significant only at intake"
    assert prose.significant_at(["a", "b"], 2) == "was significant at every wave"
    assert [prose.number_word(n) for n in (0, 4, 10, 11, 1200)] == [
        "no",
        "four",
        "ten",
        "11",
        "1,200",
    ]
    assert prose.join_words(["a, x", "b"], sep="; ") == "a, x and b"
    assert prose.join_words(["a, x", "b", "c"], sep="; ") == "a, x; b and c"


TEMPLATE_PHRASES = (
    "respectively",
    "by an amount that was",
    "a difference that was {{< var retention.retained_beyond",
    "the following:",
    "and thus",
    "were: {{<",
)


@pytest.mark.parametrize("path", manuscript_files(), ids=lambda p: p.name)
def test_no_template_phrasing_in_the_manuscript(path):
    """Verdict words are never strung in a list ("significant, significant and significant,
    respectively"); a sentence that sums up several results is composed in analysis.prose."""
    text = " ".join(path.read_text(encoding="utf-8").split())
    assert not [p for p in TEMPLATE_PHRASES if p in text]


def test_one_groups_change_over_two_periods():
    first, last = "between intake and A", "between intake and B"
    assert prose.two_periods(
        [("fell significantly", first, "t1"), ("fell significantly", last, "t2")]
    ) == ("fell significantly both between intake and A (t1) and between intake and B (t2)")
    assert prose.two_periods(
        [("fell, though not significantly", first, "t1"), ("fell significantly", last, "t2")]
    ) == (
        "fell, though not significantly, between intake and A (t1) and fell significantly "
        "between intake and B (t2)"
    )


def test_one_groups_change_in_two_measures():
    names = ("days of crime", "days of drug use")
    assert prose.two_measures(names, ("fell significantly", "fell significantly")) == (
        "its days of crime and its days of drug use both fell significantly"
    )
    assert prose.two_measures(names, ("did not change significantly",) * 2) == (
        "neither its days of crime nor its days of drug use changed significantly"
    )
    assert prose.two_measures(names, ("rose, though not significantly", "did not change")) == (
        "its days of crime rose, though not significantly, and its days of drug use did not change"
    )
