"""The paper's qualitative claims, checked against the results: a small predicate language.

`data/published/claims.csv` states each finding of the paper ("no significant difference",
"significant reduction", "similar results") as a predicate over result paths
(docs/results_format.md). A predicate is one or more conditions joined by ` & `; each condition
is `name(argument, ...)`, an argument a dotted result path or a number. A path may hold brace
alternatives, `offending.crime_days_30.wilcoxon.{QCT,comparison}.t1_t4`, which expand the
condition into one per alternative (the same brace text twice in a condition takes the same
alternative in both places). The claim holds when every expanded condition holds.

Conditions (a "test" is a result object with an exact `p`; a "model" a logistic result):

- `sig(test)` / `ns(test)`: p < ALPHA / p >= ALPHA (the paper's one level of significance).
- `lt(a, b)` / `gt(a, b)`: a < b / a > b, numbers or paths to numbers; `gt(a, b, k)`: a > k*b.
- `between(a, low, high)`: low <= a < high.
- `overlap(a, b)`: the 95% intervals (ci_low, ci_high) of two estimates overlap.
- `same_significant(model, model)`: the same predictors reach p < ALPHA in both models.
- `same_direction(model, model)`: every shared predictor's odds ratio on the same side of 1.
- `selects(stepwise, model)`: the stepwise selection is exactly the model's predictors.

Evaluating a claim is pure (results in, verdict out); `score` turns claims.csv and the results
into the claims scorecard written beside the numbers' scorecard.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa

from analysis.formatting import ALPHA, fmt_count, fmt_p
from analysis.published import read_valid
from analysis.results import lookup

CLAIMS_FILE = "claims.csv"
CLAIMS_COLUMNS = ("id", "location", "words", "predicate", "reading", "conflict")
CLAIMS_SCORECARD_COLUMNS = ["id", "location", "words", "holds", "evidence"]

_CONDITION = re.compile(r"^(?P<name>[a-z_]+)\((?P<args>[^()]*)\)$")
_BRACES = re.compile(r"\{[^{}]*\}")
_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+$")


class ClaimError(ValueError):
    """A predicate that does not parse, or names an unknown condition."""


@dataclass(frozen=True)
class Check:
    """One expanded condition and whether it held, with the values it saw."""

    text: str
    holds: bool
    seen: str


class _Missing(Exception):
    """A path the results do not have (the claim is then not computed)."""


def _number(results: Mapping[str, Any], arg: str) -> float:
    if not _PATH.match(arg):
        return float(arg)
    value = lookup(results, arg)
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise _Missing(arg)
    return float(value)


def _object(results: Mapping[str, Any], arg: str) -> Mapping[str, Any]:
    value = lookup(results, arg)
    if not isinstance(value, Mapping):
        raise _Missing(arg)
    return value


def _p(results: Mapping[str, Any], arg: str) -> float:
    return _number(results, f"{arg}.p")


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def _sig(results, test):
    p = _p(results, test)
    return p < ALPHA, fmt_p(p)


def _ns(results, test):
    p = _p(results, test)
    return p >= ALPHA, fmt_p(p)


def _lt(results, a, b):
    x, y = _number(results, a), _number(results, b)
    return x < y, f"{_fmt(x)} vs {_fmt(y)}"


def _gt(results, a, b, factor="1"):
    x, y, k = _number(results, a), _number(results, b), float(factor)
    return x > k * y, f"{_fmt(x)} vs {_fmt(k * y)}"


def _between(results, a, low, high):
    x = _number(results, a)
    return float(low) <= x < float(high), _fmt(x)


def _interval(results, arg) -> tuple[float, float]:
    return _number(results, f"{arg}.ci_low"), _number(results, f"{arg}.ci_high")


def _overlap(results, a, b):
    (a_low, a_high), (b_low, b_high) = _interval(results, a), _interval(results, b)
    return (
        max(a_low, b_low) <= min(a_high, b_high),
        f"{_fmt(a_low)}-{_fmt(a_high)} vs {_fmt(b_low)}-{_fmt(b_high)}",
    )


def _coefficients(results, model) -> Mapping[str, Any]:
    return _object(results, f"{model}.coefficients")


def _significant(results, model) -> list[str]:
    return sorted(
        name
        for name in _coefficients(results, model)
        if _p(results, f"{model}.coefficients.{name}") < ALPHA
    )


def _same_significant(results, a, b):
    first, second = _significant(results, a), _significant(results, b)
    return first == second, f"{', '.join(first) or 'none'} vs {', '.join(second) or 'none'}"


def _same_direction(results, a, b):
    shared = [n for n in _coefficients(results, a) if n in _coefficients(results, b)]
    differ = [
        n
        for n in shared
        if (_number(results, f"{a}.coefficients.{n}.odds_ratio") > 1)
        != (_number(results, f"{b}.coefficients.{n}.odds_ratio") > 1)
    ]
    return not differ, f"opposite: {', '.join(differ)}" if differ else f"{len(shared)} agree"


def _selects(results, stepwise, model):
    selected = lookup(results, f"{stepwise}.selected")
    if not isinstance(selected, list):
        raise _Missing(f"{stepwise}.selected")
    wanted = sorted(_coefficients(results, model))
    return sorted(selected) == wanted, f"selected {', '.join(selected) or 'none'}"


CONDITIONS: dict[str, tuple[Callable[..., tuple[bool, str]], int, int]] = {
    # name: (function, least and most arguments)
    "sig": (_sig, 1, 1),
    "ns": (_ns, 1, 1),
    "lt": (_lt, 2, 2),
    "gt": (_gt, 2, 3),
    "between": (_between, 3, 3),
    "overlap": (_overlap, 2, 2),
    "same_significant": (_same_significant, 2, 2),
    "same_direction": (_same_direction, 2, 2),
    "selects": (_selects, 2, 2),
}


def expand(condition: str) -> list[str]:
    """The condition once per combination of its brace alternatives (same braces, same pick)."""
    groups = list(dict.fromkeys(_BRACES.findall(condition)))
    expanded = []
    for picks in itertools.product(*(g[1:-1].split(",") for g in groups)):
        text = condition
        for group, pick in zip(groups, picks, strict=True):
            text = text.replace(group, pick.strip())
        expanded.append(text)
    return expanded


def parse(predicate: str) -> list[tuple[str, list[str]]]:
    """The expanded conditions of a predicate as (name, arguments); ClaimError if malformed."""
    parsed = []
    for part in predicate.split("&"):
        for text in expand(part.strip()):
            m = _CONDITION.match(text)
            if m is None:
                raise ClaimError(f"{text!r} is not a condition name(argument, ...)")
            name, args = m["name"], [a.strip() for a in m["args"].split(",")]
            if name not in CONDITIONS:
                raise ClaimError(f"unknown condition {name!r}; known: {sorted(CONDITIONS)}")
            _, least, most = CONDITIONS[name]
            if not least <= len(args) <= most or not all(args):
                raise ClaimError(f"{text!r}: {name} takes {least} to {most} arguments")
            for arg in args:
                if not _PATH.match(arg):
                    try:
                        float(arg)
                    except ValueError:
                        raise ClaimError(
                            f"{text!r}: {arg!r} is neither a result path nor a number"
                        ) from None
            parsed.append((name, args))
    return parsed


def result_paths(predicate: str) -> set[str]:
    """The result paths a predicate reads (its arguments that are paths, braces expanded)."""
    return {arg for _, args in parse(predicate) for arg in args if _PATH.match(arg)}


def evaluate(predicate: str, results: Mapping[str, Any]) -> list[Check]:
    """Every expanded condition of a predicate checked against the results."""
    checks = []
    for name, args in parse(predicate):
        text = f"{name}({', '.join(args)})"
        try:
            holds, seen = CONDITIONS[name][0](results, *args)
        except _Missing as missing:
            holds, seen = False, f"not computed: {missing.args[0]}"
        checks.append(Check(text, bool(holds), seen))
    return checks


def verdict(checks: list[Check]) -> tuple[bool, str]:
    """Whether a claim holds, and the evidence: the failed conditions with their values."""
    failed = [c for c in checks if not c.holds]
    if not failed:
        return True, "the condition holds" if len(
            checks
        ) == 1 else f"all {len(checks)} conditions hold"
    shown = "; ".join(f"{c.text}: {c.seen}" for c in failed)
    if len(checks) == 1:
        return False, f"the condition fails: {shown}"
    verb = "fails" if len(failed) == 1 else "fail"
    return False, f"{len(failed)} of {len(checks)} conditions {verb}: {shown}"


def _predicate_ok(text: str) -> bool:
    try:
        parse(text)
    except ClaimError:
        return False
    return True


def load_claims(directory: str | Path) -> pd.DataFrame:
    """Load and validate claims.csv; a predicate that does not parse names its line."""
    nonempty = {c: pa.Column(str, pa.Check.str_length(min_value=1)) for c in CLAIMS_COLUMNS}
    schema = pa.DataFrameSchema(
        nonempty
        | {
            "conflict": pa.Column(str),
            "id": pa.Column(str, pa.Check.str_matches(r"^[a-z][a-z0-9_]*$"), unique=True),
            "predicate": pa.Column(
                str,
                pa.Check(
                    _predicate_ok,
                    element_wise=True,
                    error="predicate: not conditions name(path or number, ...) joined by ' & ' "
                    f"with known names ({', '.join(CONDITIONS)})",
                ),
            ),
        },
        strict=True,
        ordered=True,
    )
    return read_valid(Path(directory) / CLAIMS_FILE, schema).reset_index(drop=True)


def score(claims: pd.DataFrame, results: Mapping[str, Any]) -> pd.DataFrame:
    """The claims scorecard: each claim with whether it holds and the evidence.

    A claim that fails and that the paper's own printed numbers contradict (its `conflict`)
    carries that reason after the evidence.
    """
    rows = []
    for _, claim in claims.iterrows():
        holds, evidence = verdict(evaluate(claim["predicate"], results))
        if not holds and claim["conflict"]:
            evidence = f"{evidence}; {claim['conflict']}"
        rows.append(
            {
                "id": claim["id"],
                "location": claim["location"],
                "words": claim["words"],
                "holds": "true" if holds else "false",
                "evidence": evidence,
            }
        )
    return pd.DataFrame(rows, columns=CLAIMS_SCORECARD_COLUMNS)


def summary(scorecard: pd.DataFrame) -> tuple[int, int]:
    """(number of claims that hold, number of claims)."""
    return int((scorecard["holds"] == "true").sum()), len(scorecard)


def report_summary(scorecard: pd.DataFrame) -> pd.DataFrame:
    """Claims that hold / claims, by part of the paper (the location before its first comma),
    in the order the parts first appear, with a total row."""
    part = scorecard["location"].str.split(",").str[0]
    holds = scorecard["holds"].eq("true")
    rows = [
        [name, fmt_count(int(holds[part == name].sum())), fmt_count(int((part == name).sum()))]
        for name in dict.fromkeys(part)
    ]
    held, total = summary(scorecard)
    rows.append(["All claims", fmt_count(held), fmt_count(total)])
    return pd.DataFrame(rows, columns=["Part of the paper", "Hold", "Claims"])


def report_table(scorecard: pd.DataFrame) -> pd.DataFrame:
    """The claims that do not hold, as the report's appendix prints them: the summary counts
    every claim, and data/processed/claims.csv lists them all."""
    if not scorecard["holds"].isin(["true", "false"]).all():
        raise ValueError("claims scorecard: the holds column must hold only 'true' or 'false'")
    shown = scorecard.loc[scorecard["holds"] == "false", CLAIMS_SCORECARD_COLUMNS].copy()
    # A zero-width space after each underscore and dot of a result path lets long paths wrap
    # in the PDF; a decimal point ("0.001") is left alone. Ids stay as they are, so that a
    # reader copying one from the PDF gets the id (its column is as wide as its longest id,
    # tables.column_widths).
    shown["evidence"] = shown["evidence"].str.replace(r"([_.])(?=[^\W\d])", "\\1\u200b", regex=True)
    shown = shown.drop(columns="holds")
    shown.columns = ["Id", "Location", "The paper's words", "Evidence"]
    return shown
