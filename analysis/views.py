"""The processed cohort reshaped for the analyses: wave slices, person tables, group summaries.

The cohort (docs/processed_cohort.md) has one row per person and configured wave. Every
results domain needs the same few views of it (one wave, one column across waves, each group
and everyone), so they are defined once here. They rely on the grid layout of the cohort
(each person's rows consecutive, one per wave, in wave order): one wave is every n-th row and a
column reshapes to a person x wave table, with no sorting, grouping or matching of ids, so the
views cost the same per person at any cohort size (`python -m analysis.bench`).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from analysis import stats
from analysis.codebook import PARTICIPANTS
from analysis.config import Waves

# Group names come from the data contract, not from literals in the analyses.
GROUPS: tuple[str, ...] = next(c for c in PARTICIPANTS.columns if c.name == "group").categories
QCT, COMPARISON = GROUPS
ALL = "all"
MISSING_DATA_METHODS = ("locf", "complete_case")


def waves(config: dict[str, Any]) -> Waves:
    return Waves.from_config(config)


def comparisons(config: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """The wave pairs the analyses compare, keyed '<from>_<to>' by wave id (e.g. 't1_t2').

    Baseline -> every follow-up, and the first follow-up -> every later follow-up. Keys name
    both waves, so adding a wave adds pairs and leaves every existing pair as it was.
    """
    w = waves(config)
    pairs = [(w.baseline.id, f.id) for f in w.follow_ups]
    pairs += [(w.first_follow_up.id, f.id) for f in w.follow_ups[1:]]
    return {f"{a}_{b}": (a, b) for a, b in pairs}


def through(config: dict[str, Any]) -> dict[str, list[str]]:
    """Each follow-up wave id -> the follow-up wave ids up to and including it, in order.

    Quantities over "the follow-up period" are computed through each follow-up wave and keyed
    by it (docs/results_format.md), so a later wave never changes an earlier wave's value.
    """
    ids = [f.id for f in waves(config).follow_ups]
    return {wave: ids[: i + 1] for i, wave in enumerate(ids)}


def missing_data_method(config: dict[str, Any]) -> str:
    """The configured method for the first-follow-up comparisons the paper ran under LOCF
    (the key is required here: its default lives in config/config.schema.yaml only)."""
    method = config["missing_data"]
    if method not in MISSING_DATA_METHODS:
        raise ValueError(
            f"config missing_data must be one of {MISSING_DATA_METHODS}, got {method!r}"
        )
    return method


def follow_up_column(column: str, config: dict[str, Any]) -> str:
    """The column holding `column` under the configured missing-data method."""
    return f"{column}_locf" if missing_data_method(config) == "locf" else column


# Facts kept about objects still alive, by id(): (a weak reference to the object, the fact).
# grid() of each cohort:
_GRIDS: dict[int, tuple[weakref.ref, tuple[pd.Index, pd.Index]]] = {}
# The people of each person-level index made here: (the grid's id Index, their positions in
# it, ascending). Two indexes of one grid are matched by these positions, not by id (align).
_PEOPLE: dict[int, tuple[weakref.ref, tuple[pd.Index, np.ndarray]]] = {}


def _keep(store: dict[int, tuple[weakref.ref, Any]], obj: Any, fact: Any) -> None:
    key = id(obj)
    store[key] = (weakref.ref(obj, lambda _: store.pop(key, None)), fact)


def _kept(store: dict[int, tuple[weakref.ref, Any]], obj: Any) -> Any:
    found = store.get(id(obj))
    return found[1] if found is not None and found[0]() is obj else None


def grid(cohort: pd.DataFrame) -> tuple[pd.Index, pd.Index]:
    """The person ids and the wave ids, in order, of the cohort's person x wave grid.

    Checks the layout of docs/processed_cohort.md through `wave_index`: equal blocks of one row
    per wave, in wave order. Assumption: each block is one person's (clean.build_cohort builds
    it so; the ids are not compared row by row, which would cost as much as the views save).

    Computed once per cohort object and then reused, so that every person-level view of a
    cohort shares one id Index: aligning two of them is an identity check, where pandas
    compares two equal indexes id by id. Assumption: the analyses never change a cohort in
    place (they are pure functions of it).
    """
    found = _kept(_GRIDS, cohort)
    if found is None:
        found = _grid(cohort)
        _keep(_GRIDS, cohort, found)
        ids = found[0]
        _keep(_PEOPLE, ids, (ids, np.arange(len(ids))))
    return found


def _grid(cohort: pd.DataFrame) -> tuple[pd.Index, pd.Index]:
    wave_index = cohort["wave_index"].to_numpy()
    if not len(wave_index):
        raise ValueError("the cohort has no rows")
    n_waves = int(wave_index.max()) + 1
    if (
        len(wave_index) % n_waves
        or not (wave_index.reshape(-1, n_waves) == np.arange(n_waves)).all()
    ):
        raise ValueError(
            "the cohort is not a person x wave grid sorted by id and wave order "
            "(docs/processed_cohort.md)"
        )
    return (
        pd.Index(cohort["id"].array[::n_waves], name="id"),
        pd.Index(cohort["wave"].array[:n_waves]),
    )


def _people(ids: pd.Index, mask: np.ndarray) -> pd.Index:
    """The people of the grid's id Index `ids` where `mask` is true, their positions kept."""
    index = ids[mask]
    _keep(_PEOPLE, index, (ids, np.flatnonzero(mask)))
    return index


def _positions(waves_present: pd.Index, wave_ids: Iterable[str]) -> list[int]:
    """Grid positions of the wanted waves that the cohort has, in wave order."""
    wanted = set(wave_ids)
    return [i for i, wave in enumerate(waves_present) if wave in wanted]


def at_wave(cohort: pd.DataFrame, wave_id: str) -> pd.DataFrame:
    """The rows of one wave, indexed by person id (columns share the cohort's memory)."""
    ids, wave_ids = grid(cohort)
    if wave_id not in wave_ids:
        raise ValueError(f"the cohort has no rows for wave {wave_id!r}")
    rows = slice(wave_ids.get_loc(wave_id), None, len(wave_ids))
    # `values`: numpy's arrays for numpy columns, which a frame takes as they are; pandas'
    # wrapper of them (`array`) is first searched for missing values, at every column.
    return pd.DataFrame(
        {c: cohort[c].values[rows] for c in cohort.columns if c != "id"}, index=ids, copy=False
    )


def persons(cohort: pd.DataFrame, config: dict[str, Any]) -> pd.DataFrame:
    """One row per person: the baseline row, which carries the person-level attributes."""
    return at_wave(cohort, waves(config).baseline.id)


def wide(cohort: pd.DataFrame, column: str, config: dict[str, Any]) -> pd.DataFrame:
    """`column` as a person x wave table (columns = configured wave ids, in order)."""
    ids, wave_ids = grid(cohort)
    values = cohort[column].array
    table = pd.DataFrame(
        {w: values[i :: len(wave_ids)] for i, w in enumerate(wave_ids)}, index=ids, copy=False
    )
    return table.reindex(columns=pd.Index(waves(config).ids, name="wave"))


def latest(cohort: pd.DataFrame, column: str, wave_ids: Iterable[str]) -> pd.Series:
    """Each person's latest non-missing `column` among `wave_ids` (people with none omitted)."""
    ids, present = grid(cohort)
    n_waves = len(present)
    at = np.array(_positions(present, wave_ids), dtype=np.intp)
    observed = cohort[column].notna().to_numpy().reshape(-1, n_waves)[:, at]
    # Each person's latest observed position among `at` (-1: none).
    last = np.where(observed, np.arange(len(at)), -1).max(axis=1, initial=-1)
    has = last >= 0
    rows = np.flatnonzero(has) * n_waves + at[last[has]]
    return pd.Series(cohort[column].array.take(rows), index=_people(ids, has), name=column)


def interviewed_in(cohort: pd.DataFrame, wave_ids: Iterable[str]) -> pd.Index:
    """Ids of the people interviewed at least once among `wave_ids`."""
    ids, present = grid(cohort)
    seen = cohort["interviewed"].astype(bool).to_numpy().reshape(-1, len(present))
    return _people(ids, seen[:, _positions(present, wave_ids)].any(axis=1))


def ever(cohort: pd.DataFrame, column: str, wave_ids: Iterable[str]) -> pd.Series:
    """1 if `column` == 1 at any of `wave_ids`, else 0; for people interviewed at any of them.

    Assumption: a missing answer at an interview counts as 'not reported'.
    """
    ids, present = grid(cohort)
    at = _positions(present, wave_ids)
    seen = cohort["interviewed"].astype(bool).to_numpy().reshape(-1, len(present))[:, at]
    hit = (cohort[column].array == 1).to_numpy(dtype=bool, na_value=False)
    hit = hit.reshape(-1, len(present))[:, at]
    people = seen.any(axis=1)
    return pd.Series(hit[people].any(axis=1).astype(int), index=_people(ids, people), name=column)


def align(values: pd.Series, index: pd.Index) -> pd.Series:
    """`values` at the labels of `index`, NA where a label is absent, as `values.reindex(index)`.

    Two person-level indexes made here from one cohort are matched by their people's positions
    in its grid. Others keep the grid's order (ids sorted), so a subset of the people is matched
    by merging two sorted indexes; pandas' reindex hashes every id (about a second per million
    people, at every call). Assumption: ids are unique, as they are in every person-level view.
    """
    if values.index is index:
        return values
    rows = _rows_in(values.index, index)
    if rows is not None:
        return pd.Series(values.array.take(rows), index=index, name=values.name)
    if values.index.equals(index):
        return values
    _, rows, _ = values.index.join(index, how="right", return_indexers=True)
    if rows is None or (rows < 0).any():
        return values.reindex(index)  # labels absent: NA where pandas puts them
    return pd.Series(values.array.take(rows), index=index, name=values.name)


def _rows_in(source: pd.Index, target: pd.Index) -> np.ndarray | None:
    """The position in `source` of each label of `target`, when both are people of one grid
    (`_people`), from their grid positions (a merge of integers); None when either is not, or
    a label of `target` is not in `source`."""
    a, b = _kept(_PEOPLE, source), _kept(_PEOPLE, target)
    if a is None or b is None or a[0] is not b[0] or not len(a[1]):
        return None
    if len(a[1]) == len(a[0]):  # `source` is every person of the grid
        return b[1]
    rows = np.searchsorted(a[1], b[1])
    if not np.array_equal(a[1][np.minimum(rows, len(a[1]) - 1)], b[1]):
        return None
    return rows


def group_masks(group: pd.Series, index: pd.Index) -> dict[str, np.ndarray]:
    """For each group (in GROUPS order), which of the people in `index` are in it.

    Masks from the array, not the Series: a Series' to_numpy(na_value=...) passes a Series to
    numpy, whose attribute probes make pandas hash the whole id index (seconds at scale).
    """
    aligned = align(group, index)
    return {g: aligned.eq(g).array.to_numpy(dtype=bool, na_value=False) for g in GROUPS}


def group_subsets(group: pd.Series, index: pd.Index) -> dict[str, np.ndarray | None]:
    """All / QCT / comparison as subsets of the people in `index`: None (everyone) for all,
    else the group's mask (group_masks)."""
    return {ALL: None} | group_masks(group, index)


def group_values(person_values: pd.Series | pd.DataFrame, group: pd.Series) -> dict[str, Any]:
    """`person_values` split into all / QCT / comparison (aligned on person id).

    Assumption: person ids are unique (they are the cohort's persons), so selecting by a mask
    of the aligned group equals selecting by id.
    """
    return {
        name: person_values if mask is None else person_values[mask]
        for name, mask in group_subsets(group, person_values.index).items()
    }


def percents_by_group(flags: pd.Series, group: pd.Series) -> dict[str, Any]:
    """Percent of 1s in each group and overall, plus the group x flag chi-square, over the
    people whose flag is known (missing flags count nowhere).

    The chi-square is None when the flag takes a single value (the test is undefined).
    """
    values = stats.as_float(flags)
    split = {g: values[m] for g, m in group_masks(group, flags.index).items()}
    out = {ALL: stats.percent(values)} | {g: stats.percent(v) for g, v in split.items()}
    present = values[~np.isnan(values)]
    varies = len(present) and present.min() != present.max()
    # The group x flag table as stats.chi_square_2xk lays it out (rows: the groups in sorted
    # order, columns: 0 then 1; only those seen in a group), counted from the groups' values:
    # the generic table hashes a million groups and flags.
    table = np.array([[np.count_nonzero(split[g] == v) for v in (0, 1)] for g in sorted(split)])
    seen = table[table.any(axis=1)][:, table.any(axis=0)]
    out["chi2"] = stats.chi_square_table(seen) if varies else None
    return out


def means_by_group(values: pd.Series, group: pd.Series) -> dict[str, Any]:
    """Mean (with n) in each group and overall, plus the Student t-test QCT minus comparison."""
    numbers = stats.as_float(values)
    masks = group_masks(group, values.index)
    out = {ALL: stats.central(numbers)} | {g: stats.central(numbers[m]) for g, m in masks.items()}
    out["t_test"] = stats.t_test(numbers[masks[QCT]], numbers[masks[COMPARISON]])
    return out


def _cells(cohort: pd.DataFrame, column: str, how: list[str]) -> dict[str, dict[str, Any]]:
    """The aggregations `how` of `column` in each group x wave cell and in each wave overall
    (group 'all'): {group: {wave: {aggregation: value}}}.

    The column as a person x wave table (from the grid), grouped by each person's group: one
    pandas aggregation per statistic covers every cell, with no grouping by labels (which
    costs most of the time at scale). Each cell aggregates its people in cohort order, the
    order of the cohort's rows, which fixes a mean's floating-point sum. People without a group
    count only towards 'all'; a group with nobody in it has no cells.
    """
    ids, wave_ids = grid(cohort)
    n_waves = len(wave_ids)
    group = pd.Categorical(cohort["group"].array[::n_waves])
    table = pd.DataFrame(stats.as_float(cohort[column]).reshape(-1, n_waves))
    people = np.bincount(group.codes[group.codes >= 0], minlength=len(group.categories))

    def cells(by: Any) -> dict[str, np.ndarray]:
        grouped = table.groupby(by, observed=False)
        return {stat: getattr(grouped, stat)().to_numpy() for stat in how}

    # Everyone as one category: a categorical key is grouped by its codes, not hashed.
    one = pd.Categorical.from_codes(np.zeros(len(ids), dtype=np.int8), categories=[ALL])
    by_group, everyone = cells(group), cells(one)
    out: dict[str, dict[str, Any]] = {
        str(name): {
            str(wave): {stat: by_group[stat][code, w] for stat in how}
            for w, wave in enumerate(wave_ids)
        }
        for code, name in enumerate(group.categories)
        if people[code]
    }
    out[ALL] = {
        str(wave): {stat: everyone[stat][0, w] for stat in how} for w, wave in enumerate(wave_ids)
    }
    return out


def wave_summary(cohort: pd.DataFrame, column: str, stat: str = "mean") -> dict[str, Any]:
    """{group: {wave: {"value", "n"}}} of `column`'s mean or median over the available values,
    'all' included."""
    if stat not in ("mean", "median"):
        raise ValueError(f"wave_summary: unknown statistic {stat!r}")
    return {
        name: {
            wave: {"value": float(row[stat]) if row["count"] else None, "n": int(row["count"])}
            for wave, row in cells.items()
        }
        for name, cells in _cells(cohort, column, [stat, "count"]).items()
    }


def wave_percents(cohort: pd.DataFrame, column: str) -> dict[str, Any]:
    """{group: {wave: {"count", "n", "percent"}}} of a 0/1 `column`, 'all' included."""
    return {
        name: {
            wave: {
                "count": int(row["sum"]),
                "n": int(row["count"]),
                "percent": 100.0 * int(row["sum"]) / int(row["count"]) if row["count"] else None,
            }
            for wave, row in cells.items()
        }
        for name, cells in _cells(cohort, column, ["sum", "count"]).items()
    }


def paired_changes(cohort: pd.DataFrame, column: str, config: dict[str, Any]) -> dict[str, Any]:
    """Wilcoxon signed-rank of `column` within each group for every configured wave pair."""
    table = wide(cohort, column, config)
    subsets = group_subsets(persons(cohort, config)["group"], table.index)
    values = {wave: stats.as_float(table[wave]) for wave in table.columns}
    out: dict[str, Any] = {name: {} for name in subsets}
    for key, (a, b) in comparisons(config).items():
        # One ranking of the pair's differences, shared by every group.
        tests = stats.wilcoxon_signed_rank_within(values[a], values[b], subsets)
        for name, test in tests.items():
            out[name][key] = test
    return out


def changes(cohort: pd.DataFrame, column: str, config: dict[str, Any]) -> dict[str, Any]:
    """Means of `column` by group and wave, their percent reductions and Wilcoxon changes."""
    means = wave_summary(cohort, column)
    return {
        "mean": means,
        "reduction": reductions(means, config),
        "wilcoxon": paired_changes(cohort, column, config),
    }


def flag(condition: pd.Series, *inputs: pd.Series) -> pd.Series:
    """A boolean condition as a nullable 0/1 column.

    Missing where the condition is missing or, without Kleene shortcuts, where any of `inputs`
    is (the convention of analysis.clean's derived flags).
    """
    out = condition.astype("boolean").astype("Int64")
    for values in inputs:
        out = out.where(values.notna(), pd.NA)
    return out


def at_site_of_interest(people: pd.DataFrame, config: dict[str, Any]) -> pd.Series:
    """1 for people who entered treatment at the configured site of interest ('site 2')."""
    return flag(people["site"] == int(config["site_of_interest"]))


def reductions(summary: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """Percent reduction of a wave_summary's values for every group and configured wave pair."""
    out: dict[str, Any] = {}
    for name, cells in summary.items():
        for key, (a, b) in comparisons(config).items():
            before, after = cells.get(a, {}).get("value"), cells.get(b, {}).get("value")
            value = stats.percent_reduction(before, after) if before and after is not None else None
            out.setdefault(name, {})[key] = {
                "value": value,
                "n_before": cells.get(a, {}).get("n"),
                "n_after": cells.get(b, {}).get("n"),
            }
    return out


def first_follow_up_change(cohort: pd.DataFrame, column: str, config: dict[str, Any]) -> dict:
    """Baseline -> first follow-up change of `column` under the configured missing-data method.

    Per group: the baseline mean, the first-follow-up mean (of `<column>_locf` under LOCF,
    of `column` itself under complete_case), the percent reduction and the Wilcoxon test of
    the pairs. Under LOCF the means use every available value at each wave, as the paper's n
    show; under complete_case they are the means of the complete pairs, so that the reduction
    compares the same people at both waves (the means of everyone at intake against the
    interviewed at follow-up would not be a within-person change).
    """
    w = waves(config)
    base, first = w.baseline.id, w.first_follow_up.id
    pairs = pd.DataFrame(
        {
            base: wide(cohort, column, config)[base],
            first: wide(cohort, follow_up_column(column, config), config)[first],
        }
    )
    if missing_data_method(config) == "complete_case":
        pairs = pairs.dropna()
    subsets = group_subsets(persons(cohort, config)["group"], pairs.index)
    values = {wave: stats.as_float(pairs[wave]) for wave in (base, first)}
    tests = stats.wilcoxon_signed_rank_within(values[base], values[first], subsets)
    out = {}
    for name, mask in subsets.items():
        before, after = (
            stats.central(v if mask is None else v[mask]) for v in (values[base], values[first])
        )
        out[name] = {
            base: before,
            first: after,
            "reduction": {"value": stats.percent_reduction(before["value"], after["value"])},
            "wilcoxon": tests[name],
        }
    return out


def offended(cohort: pd.DataFrame, config: dict[str, Any], locf: bool = False) -> pd.Series:
    """Any offending in the 30 days before the first follow-up (1 = offended), per person.

    With locf=True, from the last observation carried forward (everyone with a baseline value).
    """
    column = "crime_days_30_locf" if locf else "crime_days_30"
    days = at_wave(cohort, waves(config).first_follow_up.id)[column]
    return flag(days > 0)


def improved_drug_use(cohort: pd.DataFrame, config: dict[str, Any]) -> pd.Series:
    """1 if illicit drug days fell from baseline to the first follow-up or are zero there.

    Missing unless both values are known (the n of the paper's drug-use correlates).
    """
    table = wide(cohort, "illicit_drug_days_30", config)
    w = waves(config)
    before, after = table[w.baseline.id], table[w.first_follow_up.id]
    return flag((after < before) | (after == 0), before, after)
