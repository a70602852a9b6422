"""Where each manuscript variable comes from: the origin sidecar manuscript/_trace.json.

`trace` builds the variables of analysis.numbers a second time, from a copy of the
results in which every number, string and object knows its dotted results path
(docs/results_format.md), while every function of the `analysis` package is wrapped for the
duration: the text a function returns inherits the paths of the statistics it was given
(alone, or packed in a plain tuple, list or dict of values) and of the values it read or
compared directly (a helper returning a number or a flag passes its origins on to its
caller). Text already traced by an inner call (a formatted mean) keeps its own, narrower
origin, so a phrase built from two means and a test lists exactly those three results.
Nothing in analysis.numbers knows about tracing; a new variable is traced as it is.

Assumptions, named: a path is reported at the level of its statistic leaf (the object holding
`value`/`n` or a test's fields, docs/results_format.md); text derived from values read in a
function but not passed through a traced formatter (a verdict word counted over several
phrases) lists every result that function read or compared, a superset rather than a guess.
Text computed from no result (wave labels, configuration, provenance) has no paths.

The generated tables are traced by the same run (`table_origins`): the table builders get the
traced results and a copy of the scorecard whose printed value, rebuilt value and match carry
the statistic leaf statistics.csv's result path addresses, so each cell made by a traced
formatter (count_cell, fmt_p, ...) knows its results. Each marked cell gets the key
`table.<file stem>.<row label>.<column heading>` and a sidecar entry like a variable's.

Each source also lists the paper's claims whose predicates read it (data/published/claims.csv,
as scored by the build), and an entry whose results no printed value of statistics.csv and no
claim addresses carries a note saying so (`Stated`): nothing checks that number against the
paper, so on the synthetic cohort it may reflect the generator rather than the study. (The
scored printed values are not every number the paper prints: a count it gives only as an n,
or a mean it prints under another analysis, is not among them, so the note says what the build
checks, not what the paper is silent on.) A claim reads a source when it names the
statistic, a value inside it, or the model holding it (a claim about a model's significant
predictors rests on each of its coefficients).

The numbers step writes the sidecar next to the variables file; the render step's Lua filter
(manuscript/_extensions/trace/trace.lua) reads it by the same name.
"""

from __future__ import annotations

import functools
import inspect
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analysis.claims import result_paths
from analysis.results import DOMAINS, lookup
from analysis.tables import NO_TEST, numeric_column

# The origins noted by the functions being traced, innermost call last (one build at a time:
# tracing patches module attributes, so it is not for concurrent threads).
_frames: list[set[str]] = []
COMPARISONS = ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__")
TRACE_FILE = "_trace.json"  # next to _variables.yml; trace.lua names it too (TRACE_FILE)
ANCHOR_PREFIX = "n-"  # report.html#n-<variable key>; trace.lua reads each anchor from the sidecar


def _note(origin: frozenset[str]) -> None:
    if _frames:
        _frames[-1].update(origin)


def _traced_type(base: type) -> type:
    """A subclass of `base` whose values carry `origin` (a set of paths) and `by` (a function),
    and note their origin when compared (a comparison decides a word such as 'fell')."""

    def new(
        cls: type, value: Any = None, origin: frozenset[str] = frozenset(), by: str = ""
    ) -> Any:
        obj = base.__new__(cls) if value is None else base.__new__(cls, value)
        obj.origin, obj.by = origin, by
        return obj

    def comparison(name: str) -> Callable[[Any, Any], Any]:
        op = getattr(base, name)

        def method(self: Any, other: Any) -> Any:
            _note(self.origin)
            return op(self, other)

        return method

    namespace = {name: comparison(name) for name in COMPARISONS}
    return type(
        f"Traced{base.__name__.title()}",
        (base,),
        {**namespace, "__new__": new, "__hash__": base.__hash__},
    )


TracedFloat, TracedInt, TracedStr = (_traced_type(t) for t in (float, int, str))
SCALARS = {float: TracedFloat, int: TracedInt, str: TracedStr}


class TracedMap(dict):
    """A results object that knows its path and notes the origin of each scalar read from it."""

    path: str
    is_leaf: bool  # a statistic leaf: no objects or lists inside

    def __getitem__(self, key: Any) -> Any:
        value = dict.__getitem__(self, key)
        if hasattr(value, "origin"):
            _note(value.origin)
        return value

    def get(self, key: Any, default: Any = None) -> Any:
        return self[key] if key in self else default


class TracedList(list):
    """A results list (e.g. selected predictors); its items carry the list's path."""

    path: str


def traced_results(node: Any, path: str = "") -> Any:
    """A copy of a results tree whose scalars carry their statistic leaf's path."""
    if isinstance(node, dict):
        is_leaf = not any(isinstance(v, dict | list) for v in node.values())
        out = TracedMap()
        for key, value in node.items():
            child = f"{path}.{key}" if path else str(key)
            out[key] = (
                _traced_scalar(value, path) if is_leaf and path else traced_results(value, child)
            )
        out.path, out.is_leaf = path, is_leaf
        return out
    if isinstance(node, list):
        items = TracedList(
            _traced_scalar(v, path) if not isinstance(v, dict | list) else traced_results(v, path)
            for v in node
        )
        items.path = path
        return items
    return _traced_scalar(node, path)


def _traced_scalar(value: Any, path: str) -> Any:
    kind = SCALARS.get(type(value))  # bool and None cannot be subclassed: they stay plain
    return value if kind is None else kind(value, frozenset({path}))


def _origin_of(arg: Any) -> frozenset[str]:
    """The paths an argument carries: a statistic leaf's own, a traced scalar's, or those of
    the values in a plain dict, list or tuple of values the caller assembled (e.g. each
    group's direction word and verdict, handed over together). A results object above the
    leaf level, or a container of mappings (a tree of variables), carries none: what the
    function reads from it is noted as it reads."""
    if isinstance(arg, TracedMap):
        return frozenset({arg.path}) if arg.is_leaf else frozenset()
    items = [*arg.keys(), *arg.values()] if isinstance(arg, dict) else arg
    if isinstance(items, list | tuple) and not isinstance(arg, TracedList):
        if any(isinstance(item, Mapping) for item in items):
            return frozenset()
        return frozenset().union(*map(_origin_of, items))
    return getattr(arg, "origin", frozenset())


def _tag(out: Any, origin: frozenset[str], by: str) -> Any:
    """`out` with every string in it that has no origin yet traced to `origin`; `by` is the
    innermost function that made the string."""
    if isinstance(out, TracedMap | TracedList) or getattr(out, "origin", None):
        return out
    if isinstance(out, str):
        return TracedStr(out, origin, getattr(out, "by", "") or by)
    if isinstance(out, dict):
        return {k: _tag(v, origin, by) for k, v in out.items()}
    if isinstance(out, list | tuple):
        return type(out)(_tag(v, origin, by) for v in out)
    return out


def _traced_function(fn: Callable[..., Any]) -> Callable[..., Any]:
    module = sys.modules.get(fn.__module__)
    by = f"{_spec_name(module) if module else fn.__module__}.{fn.__qualname__}"

    @functools.wraps(fn)
    def traced(*args: Any, **kwargs: Any) -> Any:
        frame: set[str] = set()
        for arg in (*args, *kwargs.values()):
            frame.update(_origin_of(arg))
        _frames.append(frame)
        try:
            out = fn(*args, **kwargs)
        finally:
            _frames.pop()
        if not isinstance(out, str | Mapping | list | tuple):
            _note(frozenset(frame))  # a number or flag the caller turns into words
        return _tag(out, frozenset(frame), by)

    return traced


def _spec_name(module: Any) -> str:
    spec = getattr(module, "__spec__", None)
    return getattr(spec, "name", None) or module.__name__


def _in_package(name: str) -> bool:
    return name == "analysis" or name.startswith("analysis.")


@contextmanager
def tracing() -> Iterator[None]:
    """Wrap every function of the loaded `analysis` modules (restored on exit)."""
    saved: list[tuple[Any, str, Any]] = []
    modules = [
        m
        for m in list(sys.modules.values())
        if _in_package(_spec_name(m)) and _spec_name(m) != __name__
    ]
    names = {m.__name__ for m in modules}  # "__main__" too, under `python -m analysis.numbers`
    try:
        for module in modules:
            for name, obj in list(vars(module).items()):
                if inspect.isfunction(obj) and obj.__module__ in names:
                    saved.append((module, name, obj))
                    setattr(module, name, _traced_function(obj))
        yield
    finally:
        for module, name, obj in reversed(saved):
            setattr(module, name, obj)


def leaves(tree: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted key, value) of every non-mapping leaf of a nested mapping."""
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from leaves(value, f"{dotted}.")
        else:
            yield dotted, value


def origins(
    build: Callable[[Any], Mapping[str, Any]], results: Mapping[str, Any]
) -> dict[str, tuple[str, frozenset[str], str]]:
    """{variable key: (text, result paths, function)} of `build(results)` run under tracing."""
    with tracing():
        variables = build(traced_results(dict(results)))
    return {
        key: (str(value), getattr(value, "origin", frozenset()), getattr(value, "by", ""))
        for key, value in leaves(variables)
    }


def _computed_by(domain: str) -> str:
    """The function that writes a results domain's results: `analysis.<domain>.compute` for the
    domains of analysis.results.DOMAINS (their convention, checked in tests/test_trace.py),
    else the package that writes them (`analysis.sensitivity`). Named, not imported: importing
    every domain's module would make the numbers step read code its rule does not declare."""
    return f"analysis.{domain}.compute" if domain in DOMAINS else f"analysis.{domain}"


def _leaf_of(results: Mapping[str, Any], path: str) -> str:
    """The statistic leaf a published statistic's result path addresses (its value's object)."""
    parent = path.rsplit(".", 1)[0]
    return parent if isinstance(lookup(results, parent), Mapping) else path


def published_by_leaf(
    scorecard: pd.DataFrame, published: pd.DataFrame, results: Mapping[str, Any]
) -> dict[str, list]:
    """The scorecard rows (printed value, rebuilt value, match) grouped by the statistic leaf
    their result path (data/published/statistics.csv) addresses."""
    rows = scorecard.merge(published[["id", "result_path"]], on="id", how="inner")
    out: dict[str, list[dict[str, Any]]] = {}
    for row in rows.to_dict("records"):
        leaf = _leaf_of(results, str(row["result_path"]))
        out.setdefault(leaf, []).append(
            {
                "id": row["id"],
                "printed": row["published"],
                "reproduced": row["regenerated"],
                "match": row["match"] == "true",
            }
        )
    return out


def unresolved(tree: Mapping[str, Any], prefix: str, by: str) -> dict[str, Any]:
    """Sidecar entries for variables computed from no result (read from the paper's printed
    values, say): their text and anchor, the function that wrote them, no result paths."""
    return {
        f"{prefix}{key}": {
            "text": str(value),
            "anchor": f"{ANCHOR_PREFIX}{prefix}{key}",
            "formatted_by": by,
            "results": [],
        }
        for key, value in leaves(tree)
    }


@dataclass(frozen=True)
class Stated:
    """The paper's claims as (result path a predicate reads, claim) pairs (`claims_by_path`),
    and the note for a number whose results no printed value or claim addresses ("": none)."""

    claims: Sequence[tuple[str, Mapping[str, Any]]] = ()
    unchecked: str = ""
    # The claims on each result path found so far: thousands of sources share a few hundred
    # paths, and each search scans every claim's paths.
    _on: dict[str, list] = field(default_factory=dict, init=False, repr=False, compare=False)

    def claims_on(self, path: str) -> list:
        """The claims whose predicates read `path`, a value inside it or the model holding it,
        by id."""
        if path not in self._on:
            found = {
                claim["id"]: claim
                for read, claim in self.claims
                if read == path or read.startswith(f"{path}.") or path.startswith(f"{read}.")
            }
            self._on[path] = [found[key] for key in sorted(found)]
        return self._on[path]


def claims_by_path(predicates: pd.DataFrame, card: pd.DataFrame) -> list[tuple[str, dict]]:
    """(result path, claim) for each path each claim's predicate reads (`predicates`:
    data/published/claims.csv), the claim as this build scored it (`card`: id, location and
    whether it holds)."""
    holds = dict(zip(card["id"], card["holds"], strict=True))
    unscored = sorted(set(predicates["id"]) - set(holds))
    if unscored:
        raise ValueError(f"trace: claims not in the claims scorecard: {', '.join(unscored)}")
    return [
        (path, {"id": row["id"], "location": row["location"], "holds": holds[row["id"]] == "true"})
        for row in predicates.to_dict("records")
        for path in sorted(result_paths(row["predicate"]))
    ]


def _entry(
    key: str,
    text: str,
    paths: frozenset[str],
    by: str,
    results: Mapping[str, Any],
    published: Mapping[str, list],
    stated: Stated,
) -> dict[str, Any]:
    """A sidecar entry: the text, anchor and formatter of `key`, and each result it came from
    with its n, its test and any published value and claim addressing it; the unchecked note
    when it came from results none of which is addressed."""
    sources = []
    for path in sorted(paths):
        leaf = lookup(results, path)
        n = leaf.get("n", leaf.get("n_pairs")) if isinstance(leaf, Mapping) else None
        test = leaf.get("test") if isinstance(leaf, Mapping) else None
        claims = stated.claims_on(path)
        sources.append(
            {
                "path": path,
                "computed_by": _computed_by(path.split(".")[0]),
                **({"n": n} if isinstance(n, int) else {}),
                **({"test": test} if test else {}),
                **({"published": published[path]} if path in published else {}),
                **({"claims": claims} if claims else {}),
            }
        )
    unchecked = bool(sources) and not any("published" in s or "claims" in s for s in sources)
    return {
        "text": text,
        "anchor": f"{ANCHOR_PREFIX}{key}",
        "formatted_by": by,
        "results": sources,
        **({"unchecked": stated.unchecked} if unchecked and stated.unchecked else {}),
    }


def trace(
    build: Callable[[Any], Mapping[str, Any]],
    results: Mapping[str, Any],
    scorecard: pd.DataFrame,
    statistics: pd.DataFrame,
    stated: Stated = Stated(),
) -> dict[str, Any]:
    """The sidecar: for each variable its text, anchor, formatter and results with n and any
    published value and claim addressing them (`scorecard`: reproduction.csv; `statistics`:
    the published statistics with their result paths; `stated`: the claims and unchecked note)."""
    published = published_by_leaf(scorecard, statistics, results)
    return {
        key: _entry(key, text, paths, by, results, published, stated)
        for key, (text, paths, by) in origins(build, results).items()
    }


# ------------------------------------------------------------------------ table cells

TABLE_PREFIX = "table."  # a cell's key: table.<file stem>.<row>.<column>
SCORECARD_TRACED = ("published", "regenerated", "match")  # the scorecard's per-statistic cells
SCORECARD_BY = "analysis.reproduce"  # writes reproduction.csv, printed and rebuilt values
_SLUG = re.compile(r"[^a-z0-9_]+")
_NOTE = re.compile(r"\s*\([^)]*\)")  # "(n = 157)" in a column heading: data, not a name


def traced_scorecard(
    scorecard: pd.DataFrame, statistics: pd.DataFrame, results: Mapping[str, Any]
) -> pd.DataFrame:
    """A copy of reproduction.csv whose printed value, rebuilt value and match of each statistic
    carry the statistic leaf its result path (statistics.csv) addresses."""
    paths = dict(zip(statistics["id"], statistics["result_path"], strict=True))
    out = scorecard.copy()
    for column in SCORECARD_TRACED:
        out[column] = [
            TracedStr(
                value,
                frozenset({_leaf_of(results, paths[id_])} if paths.get(id_) else ()),
                SCORECARD_BY,
            )
            for id_, value in zip(scorecard["id"], scorecard[column], strict=True)
        ]
    return out


def _slug(text: str) -> str:
    return _SLUG.sub("-", _NOTE.sub("", text).lower()).strip("-")[:48].strip("-") or "x"


def _cell_keys(name: str, frame: pd.DataFrame) -> dict[tuple[int, int], str]:
    """A key for every cell: table, row (its first cell's words), column (its heading's words,
    without a parenthesised count), each made unique by a -2, -3... in order."""
    table = _slug(name.removesuffix(".md"))
    keys: dict[tuple[int, int], str] = {}
    used: dict[str, int] = {}
    columns = [_slug(str(c)) for c in frame.columns]
    for row, label in enumerate(frame.iloc[:, 0]):
        for col, column in enumerate(columns):
            key = f"{TABLE_PREFIX}{table}.{_slug(str(label))}.{column}"
            used[key] = used.get(key, 0) + 1
            keys[(row, col)] = key if used[key] == 1 else f"{key}-{used[key]}"
    return keys


def _shown(cell: Any, origin: frozenset[str], numeric: bool) -> bool:
    """A cell is marked when it holds a generated value: one a traced function returned (a
    number, a test, a match), or any cell of a numeric column (a count of the scorecard's
    rows); labels, text copied from a file (a reason), dashes and empty cells are not."""
    return str(cell) not in ("", NO_TEST) and (numeric or bool(origin))


def table_origins(
    plain: Mapping[str, pd.DataFrame],
    build: Callable[[Any, pd.DataFrame], Mapping[str, pd.DataFrame]],
    results: Mapping[str, Any],
    scorecard: pd.DataFrame,
    statistics: pd.DataFrame,
    stated: Stated = Stated(),
) -> tuple[dict[str, dict[tuple[int, int], str]], dict[str, Any]]:
    """The marked cells of the tables `plain` (= `build(results, scorecard)`, built once by the
    caller), as {table file: {(row, column): key}}, and their sidecar entries: `build` reruns
    on traced results, the same traced run as the variables', with the scorecard's
    per-statistic cells traced to their result paths. Row labels (the first column) are never
    marked."""
    with tracing():
        traced = build(
            traced_results(dict(results)), traced_scorecard(scorecard, statistics, results)
        )
    published = published_by_leaf(scorecard, statistics, results)
    marks: dict[str, dict[tuple[int, int], str]] = {}
    entries: dict[str, Any] = {}
    for name, frame in plain.items():
        shadow = traced[name]
        if shadow.map(str).values.tolist() != frame.map(str).values.tolist():
            raise RuntimeError(f"trace: table {name} differs when built from traced results")
        keys, marks[name] = _cell_keys(name, frame), {}
        numeric = [numeric_column(frame.iloc[:, c].map(str)) for c in range(frame.shape[1])]
        for (row, col), key in keys.items():
            cell = shadow.iat[row, col]
            origin = getattr(cell, "origin", frozenset())
            if col == 0 or not _shown(cell, origin, numeric[col]):
                continue
            marks[name][(row, col)] = key
            entries[key] = _entry(
                key, str(cell), origin, getattr(cell, "by", ""), results, published, stated
            )
    return marks, entries
