"""Reading the results files and addressing one number in them by a dotted path.

A path is `<domain>.<key>.<key>...`, e.g. `offending.crime_days_30.mean.QCT.t1.value`
(see docs/results_format.md). The scorecard and the manuscript variables both address
results this way, so a number has one name everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from analysis.io import read_json

# The results domains: one module `analysis/<domain>.py` and one file `<domain>.json` each.
DOMAINS = (
    "study",
    "profile",
    "coercion",
    "retention",
    "offending",
    "drug_use",
    "reintegration",
    "regression",
)


def load_results(source: str | Path | Iterable[str | Path]) -> dict[str, Any]:
    """`<domain>.json` results files keyed by domain: the given files, or all of a folder."""
    if isinstance(source, str | Path):
        paths = sorted(Path(source).glob("*.json"))
    else:
        paths = sorted(Path(p) for p in source)
    return {path.stem: read_json(path) for path in paths}


def lookup(results: dict[str, Any], path: str) -> Any:
    """The value at a dotted path, or None when any step of the path is absent."""
    node: Any = results
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def lookup_number(results: dict[str, Any], path: str) -> float | None:
    """The number at a dotted path (booleans and non-numbers count as absent)."""
    value = lookup(results, path)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
