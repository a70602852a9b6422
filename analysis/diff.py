"""What changed between two builds: the printed numbers and words, and the results behind them.

    python -m analysis.diff OLD NEW [--md PATH] [--html PATH] [--report HREF]

OLD and NEW are build roots: a working tree after `snakemake all`, or a snapshot saved by
analysis.snapshot (same layout). The page (Markdown, and HTML through pandoc) lists

1. the configuration settings that differ (e.g. the missing-data method);
2. every interpretive change first: a word computed from the results (a verdict, a direction,
   a list of significant waves) whose text changed, with significance flips ("significant ->
   not significant") and direction flips ("fall -> rise") named;
3. every changed number, by section of the variables (offending, drug_use, ...), old and new;
4. the results themselves: tests whose p crossed the significance level or whose statistic
   changed sign (printed or not), then every changed number in results/*.json.

With `--report HREF` each variable links to its number in the new report (`HREF#n-<key>`,
the anchors of analysis.trace). Which variables are findings comes from the trace: a
variable with no results paths (configuration, provenance, cited facts) never counts as a flip.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pypandoc
import yaml

from analysis import snapshot
from analysis.formatting import ALPHA
from analysis.io import atomic_write, read_json
from analysis.results import load_results
from analysis.tables import to_markdown
from analysis.trace import leaves

NEGATIONS = ("not significant", "non-significant", "no significant", "insignificant")
# Direction words of the generated text (analysis.numbers): changes, comparisons, signs.
FALL = {"fall", "fell", "lower", "less", "shorter", "negative", "lowered", "reduction"}
RISE = {"rise", "rose", "higher", "more", "longer", "positive", "raised", "increase"}
NO_CHANGE = (
    "no change",
    "did not change",
    "the same as",
    "as likely as",
    "as long as",
    "neither group",
    "null",
)
SIGNED_FIELDS = ("z", "statistic", "r", "mean_change")  # a sign change is a direction flip
ARROW = "→"


@dataclass(frozen=True)
class Build:
    """The files of one build that a diff compares."""

    root: Path
    config: dict[str, Any]
    results: dict[str, Any]
    variables: dict[str, str]  # dotted key -> printed text
    trace: dict[str, Any]


@dataclass(frozen=True)
class Change:
    """One variable whose text differs (None: absent from that build)."""

    key: str
    old: str | None
    new: str | None
    flip: str | None  # for an interpretive change: what flipped, or "wording"

    @property
    def section(self) -> str:
        return self.key.split(".")[0]


@dataclass(frozen=True)
class ResultFlip:
    """A test in the results whose significance or sign changed."""

    path: str
    flip: str
    old: float
    new: float


def flatten(tree: Mapping[str, Any]) -> dict[str, Any]:
    """{dotted key: value} of the non-mapping leaves of a nested mapping."""
    return dict(leaves(tree))


def load_build(root: Path) -> Build:
    """Read a build root (or snapshot); a missing file is an error naming it."""
    snapshot.build_files(root)
    variables = yaml.safe_load((root / snapshot.VARIABLES).read_text(encoding="utf-8")) or {}
    return Build(
        root=root,
        config=read_json(root / snapshot.CONFIG),
        results=load_results(root / snapshot.RESULTS),
        variables={k: str(v) for k, v in flatten(variables).items()},
        trace=read_json(root / snapshot.TRACE),
    )


def is_words(text: str) -> bool:
    """Whether a printed text is words (a verdict, a direction, a list of waves) rather than a
    formatted number, whose labels are at most two letters ('22.9 (n = 89)', 'z = -6.46,
    p < 0.001', 'OR 0.92 (95% CI 0.85 to 0.98)')."""
    return any(len(word) > 2 for word in re.findall(r"[^\W\d_]+", text))


def significance_of(text: str) -> str | None:
    """'significant', 'not significant', or None when the text says neither."""
    lower = text.lower()
    if any(n in lower for n in NEGATIONS):
        return "not significant"
    return "significant" if "significant" in lower else None


def direction_of(text: str) -> str | None:
    """'fall', 'rise', 'no change', or None when the text names no single direction."""
    lower = text.lower()
    if any(phrase in lower for phrase in NO_CHANGE):
        return "no change"
    words = set(re.findall(r"[a-z]+", lower))
    fall, rise = bool(words & FALL), bool(words & RISE)
    if fall != rise:
        return "fall" if fall else "rise"
    return None


def describe_flip(old: str, new: str) -> str:
    """What an interpretive change flipped: 'significant → not significant', 'fall → rise'
    (both when both did), or 'wording'."""
    flips = []
    for reading in (significance_of, direction_of):
        a, b = reading(old), reading(new)
        if a and b and a != b:
            flips.append(f"{a} {ARROW} {b}")
    return "; ".join(flips) or "wording"


def findings(*traces: Mapping[str, Any]) -> set[str]:
    """Variables computed from results in any of the traces (the ones that can flip)."""
    return {key for trace in traces for key, entry in trace.items() if entry.get("results")}


def compare_variables(
    old: Mapping[str, str], new: Mapping[str, str], interpretive: set[str]
) -> list[Change]:
    """Every variable whose text differs; words among `interpretive` get their flip."""
    changes = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        words = (
            a is not None and b is not None and key in interpretive and (is_words(a) or is_words(b))
        )
        changes.append(Change(key, a, b, describe_flip(a, b) if words else None))
    return changes


def _sign(value: float) -> str:
    return "positive" if value > 0 else "negative" if value < 0 else "zero"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return None if math.isnan(value) else float(value)


def result_flips(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[ResultFlip]:
    """Tests whose p crossed the significance level (formatting.ALPHA), statistics whose sign
    changed, and odds ratios that crossed 1, between two results trees."""
    a, b = flatten(old), flatten(new)
    flips = []
    for path in sorted(set(a) & set(b)):
        x, y = _number(a[path]), _number(b[path])
        if x is None or y is None:
            continue
        leaf, field = path.rsplit(".", 1) if "." in path else ("", path)
        if field == "p" and (x < ALPHA) != (y < ALPHA):
            words = {True: "significant", False: "not significant"}
            flips.append(ResultFlip(leaf, f"{words[x < ALPHA]} {ARROW} {words[y < ALPHA]}", x, y))
        elif field in SIGNED_FIELDS and _sign(x) != _sign(y):
            flips.append(ResultFlip(path, f"{_sign(x)} {ARROW} {_sign(y)}", x, y))
        elif field == "odds_ratio" and _sign(x - 1) != _sign(y - 1):
            words = {"positive": "above 1", "negative": "below 1", "zero": "1"}
            flips.append(
                ResultFlip(path, f"{words[_sign(x - 1)]} {ARROW} {words[_sign(y - 1)]}", x, y)
            )
    return flips


def changed_results(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    """(path, old, new) of every results leaf that differs or exists in one build only."""
    a, b = flatten(old), flatten(new)
    return [
        (path, a.get(path), b.get(path))
        for path in sorted(set(a) | set(b))
        if a.get(path) != b.get(path)
    ]


# ------------------------------------------------------------------------------------ page


def _show(value: Any) -> str:
    if value is None:
        return "(absent)"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _table(rows: list[dict[str, str]]) -> str:
    return to_markdown(pd.DataFrame(rows))


def _code(text: str) -> str:
    return f"`{text}`"


def _variable(key: str, report: str | None, trace: Mapping[str, Any]) -> str:
    if report and key in trace:
        return f"[{_code(key)}]({report}#{trace[key]['anchor']})"
    return _code(key)


def _sources(key: str, *traces: Mapping[str, Any]) -> str:
    paths = sorted({r["path"] for t in traces for r in t.get(key, {}).get("results", [])})
    return ", ".join(_code(p) for p in paths) if paths else "-"


def _flip_order(change: Change) -> tuple[int, str]:
    return (change.flip == "wording", change.key)


def to_markdown_page(
    old: Build, new: Build, old_name: str, new_name: str, report: str | None = None
) -> str:
    """The diff page in Markdown."""
    changes = compare_variables(old.variables, new.variables, findings(old.trace, new.trace))
    interpretive = sorted((c for c in changes if c.flip), key=_flip_order)
    numbers = [c for c in changes if not c.flip and c.old is not None and c.new is not None]
    added_removed = [c for c in changes if c.old is None or c.new is None]
    flips = result_flips(old.results, new.results)
    results = changed_results(old.results, new.results)
    settings = changed_results(old.config, new.config)

    def var(key: str) -> str:
        return _variable(key, report, new.trace)

    out = [
        f"# Build diff: {old_name} {ARROW} {new_name}",
        "",
        f"{len(interpretive)} interpretive changes "
        f"({sum(c.flip != 'wording' for c in interpretive)} flips), "
        f"{len(numbers)} changed numbers, {len(flips)} significance or sign flips in the "
        f"results, {len(results)} changed results.",
        "",
    ]
    out += ["## Configuration", ""]
    out += [
        _table([{"setting": _code(k), "old": _show(a), "new": _show(b)} for k, a, b in settings])
        if settings
        else "The configuration is the same.",
        "",
    ]
    out += [
        "## Interpretive changes",
        "",
        "Words computed from the results whose text changed; flips first.",
        "",
    ]
    out += [
        _table(
            [
                {
                    "variable": var(c.key),
                    "change": c.flip or "",
                    "old": c.old or "",
                    "new": c.new or "",
                    "from results": _sources(c.key, old.trace, new.trace),
                }
                for c in interpretive
            ]
        )
        if interpretive
        else "None.",
        "",
    ]
    out += ["## Changed numbers by section", ""]
    if not numbers:
        out += ["None.", ""]
    for section in sorted({c.section for c in numbers}):
        rows = [c for c in numbers if c.section == section]
        out += [
            f"### {section} ({len(rows)})",
            "",
            _table(
                [{"variable": var(c.key), "old": c.old or "", "new": c.new or ""} for c in rows]
            ),
            "",
        ]
    if added_removed:
        out += [
            "## Variables added or removed",
            "",
            _table(
                [
                    {"variable": var(c.key), "old": _show(c.old), "new": _show(c.new)}
                    for c in added_removed
                ]
            ),
            "",
        ]
    out += [
        "## Results: significance and sign flips",
        "",
        f"Tests whose p crossed {ALPHA} and statistics whose sign changed, in "
        "data/processed/results (printed in the report or not).",
        "",
    ]
    out += [
        _table(
            [
                {"result": _code(f.path), "flip": f.flip, "old": _show(f.old), "new": _show(f.new)}
                for f in flips
            ]
        )
        if flips
        else "None.",
        "",
    ]
    out += ["## All changed results", ""]
    if results:
        counts = pd.Series([p.split(".")[0] for p, _, _ in results]).value_counts().sort_index()
        out += [
            _table([{"domain": d, "changed": str(n)} for d, n in counts.items()]),
            "",
            "<details><summary>Every changed result</summary>",
            "",
            _table([{"result": _code(p), "old": _show(a), "new": _show(b)} for p, a, b in results]),
            "",
            "</details>",
            "",
        ]
    else:
        out += ["None.", ""]
    return "\n".join(out)


def to_html_page(markdown: str, title: str) -> str:
    """The Markdown page as one standalone HTML file (pandoc)."""
    return pypandoc.convert_text(
        markdown,
        "html5",
        format="markdown",
        extra_args=[
            "--standalone",
            f"--metadata=pagetitle:{title}",  # the page's own first heading is its title
            "--metadata=lang:en-GB",
            "--variable=maxwidth:90em",
        ],
    )


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    """Compare two builds (working trees or snapshots); write the diff page."""
    parser = argparse.ArgumentParser(prog="python -m analysis.diff", description=main.__doc__)
    parser.add_argument("old", type=Path, help="the earlier build root or snapshot")
    parser.add_argument("new", type=Path, help="the later build root or snapshot")
    parser.add_argument("--md", type=Path, help="write the Markdown page here")
    parser.add_argument("--html", type=Path, help="write the HTML page here")
    parser.add_argument("--report", help="link variables to this report (e.g. ../report.html)")
    args = parser.parse_args(argv)
    try:
        old, new = load_build(args.old), load_build(args.new)
    except FileNotFoundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    names = (args.old.resolve().name, args.new.resolve().name)
    markdown = to_markdown_page(old, new, *names, report=args.report)
    if args.md:
        _write(args.md, markdown)
    if args.html:
        _write(args.html, to_html_page(markdown, f"Build diff: {names[0]} {ARROW} {names[1]}"))
    if not (args.md or args.html):
        sys.stdout.write(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
