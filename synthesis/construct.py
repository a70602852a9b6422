"""Printed counts and means pinned exactly by construction, before the calibration search.

The search (`calibrate`) only moves values in ways that keep what is set here: zero / positive
status (POSITIVE), baseline frequent use (FREQUENT), yes-counts (YES_COUNTS) and group sums
(MEANS; values then move only by transfers and swaps). Statistics that depend on nothing else
are solved outright: weeks abstinent (group means and t), days in treatment (group means, the
site-of-interest retention table) and suicide attempts (t), so the search never touches them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from analysis.codebook import TREATMENT
from synthesis import correlates
from synthesis.cohort import (
    DAYS_PER_MONTH,
    GRID,
    WEEKS_PER_MONTH,
    Cohort,
    bounded,
    column,
    not_sentinel,
    printed_wave,
    repair_interviews,
    wave_role,
)
from synthesis.printed import Printed
from synthesis.stats import student_t
from synthesis.streams import Streams

# Printed counts pinned by construction once item non-response is placed; the calibration's
# moves never change them. People with a positive value, by wave role and group (QCT,
# comparison): any crime at baseline 74% of 151 = 112, at the first follow-up 33 of 105 (72
# with none), at the last 30% of 93 = 28; injectors at baseline 105 (t-test df 103). The group
# splits are assumptions near the printed group means.
# The middle follow-up, where the paper prints no share, holds the fewest offenders that the
# printed count offending during follow-up allows (OFFENDED_IDS: 62 of the QCT group's 75): 62 -
# 22 - 16 = 24 of 50 QCT (48%), when nobody offends at both the first and the last follow-up;
# the comparison group's 15 of 50 (30%) stays near its neighbours (assumption). The QCT share
# rises from 34% to 48% and falls back to 34%, which is the least bump the printed numbers allow.
POSITIVE = {
    ("crime_days_30", 0): (80, 32),
    ("crime_days_30", 1): (22, 11),
    ("crime_days_30", 2): (24, 15),
    ("crime_days_30", 3): (16, 12),
    ("injecting_days_30", 0): (63, 42),
}
# People offending at any follow-up interview, by group (statistics.csv ids): pinned with the
# middle follow-up's offenders (`pin_offended_during_follow_up`).
OFFENDED_IDS = ("off_continued_crime_qct_n", "off_continued_crime_comparison_n")
# Frequent heroin AND crack users at baseline (both on >= derived.frequent_use_days days), by
# group: 48 of 89 vs 13 of 65 with crack days known is the only split giving chi2 18.08.
FREQUENT = (48, 13)
# Binary items whose yes-count over both groups is printed per wave (statistics.csv id stem,
# roles where printed); baseline homelessness is pinned by group in `draft`.
YES_COUNT_IDS = {
    "satisfied_living": ("reint_satisfied_living", (0, 1, 2, 3)),
    "free_time_with_users": ("reint_free_time_with_users", (0, 1, 2, 3)),
    "homeless_30": ("reint_homeless_all", (1, 2, 3)),
}


def yes_counts(printed: Printed, waves: tuple[str, ...]) -> dict[str, dict[int, int]]:
    """Printed yes-counts by column and wave role."""
    return {
        col: {r: printed.count(f"{stem}_{printed_wave(waves, r)}_n") for r in roles}
        for col, (stem, roles) in YES_COUNT_IDS.items()
    }


def pin_frequent(rng: np.random.Generator, c: Cohort, days: float) -> None:
    """Make exactly FREQUENT people per group frequent heroin and crack users at baseline."""
    heroin, crack = c.v["iv.heroin_days_30"][:, 0], c.v["iv.crack_days_30"][:, 0]
    illicit = c.v["iv.illicit_drug_days_30"][:, 0]
    known = ~np.isnan(heroin) & ~np.isnan(crack)
    for k, group in zip(FREQUENT, (c.qct, ~c.qct), strict=True):
        freq = group & known & (heroin >= days) & (crack >= days)
        surplus = int(freq.sum()) - k
        if surplus > 0:
            crack[rng.choice(np.flatnonzero(freq), surplus, replace=False)] = rng.integers(0, days)
        elif surplus < 0:
            pool = np.flatnonzero(group & known & ~freq & (illicit >= days))
            pick = rng.choice(pool, -surplus, replace=False)
            heroin[pick] = np.maximum(heroin[pick], days)
            crack[pick] = rng.integers(days, illicit[pick] + 1)


def pin_counts(rng: np.random.Generator, c: Cohort, printed: Printed) -> None:
    """Set the POSITIVE and printed yes-counts exactly, then apply the row rules."""
    v, n_waves = c.v, len(c.waves)
    counts_by_col = yes_counts(printed, c.waves)
    for j in range(n_waves):
        role = wave_role(j, n_waves)
        for (col, r), counts in POSITIVE.items():
            if r != role:
                continue
            x = v[f"iv.{col}"][:, j]
            room = v["iv.any_drug_days_30"][:, j] if col == "injecting_days_30" else 30
            for k, group in zip(counts, (c.qct, ~c.qct), strict=True):
                known = group & ~np.isnan(x)
                pos, zero = np.flatnonzero(known & (x > 0)), np.flatnonzero(known & (x == 0))
                if len(pos) > k:
                    x[rng.choice(pos, len(pos) - k, replace=False)] = 0
                elif len(pos) < k:
                    zero = zero[np.broadcast_to(room, x.shape)[zero] > 0]
                    pick = rng.choice(zero, k - len(pos), replace=False)
                    x[pick] = np.minimum(
                        rng.integers(5, 31, len(pick)), np.broadcast_to(room, x.shape)[pick]
                    )
        for col, by_role in counts_by_col.items():
            if role not in by_role:
                continue
            x = v[f"iv.{col}"][:, j]
            known = np.flatnonzero(~np.isnan(x))
            x[known] = 0
            x[rng.choice(known, by_role[role], replace=False)] = 1
            if col == "homeless_30":
                v["iv.homeless_setting"][:, j] = np.where(x == 1, rng.integers(0, 4, c.n), np.nan)
    pin_offended_during_follow_up(rng, c, printed)
    repair_interviews(c)


def _pick(rng: np.random.Generator, pool: np.ndarray, k: int, what: str) -> np.ndarray:
    if not 0 <= k <= len(pool):
        raise ValueError(f"offending during follow-up: {what} needs {k} people, has {len(pool)}")
    return rng.choice(pool, k, replace=False)


def pin_offended_during_follow_up(rng: np.random.Generator, c: Cohort, printed: Printed) -> None:
    """Choose who offends at the later follow-ups (each wave's count as pinned) so that the
    printed number of each group offends at some follow-up (OFFENDED_IDS).

    The last follow-up, then each middle one, takes its offenders first from people not yet
    offending at an earlier-placed follow-up, as many as are still missing, and the rest of its
    pinned count from people who are; the offenders' values are shuffled onto the chosen people.
    Assumption: offending during follow-up turns over between waves rather than staying with a
    persistent few; the printed counts (62 of 75 QCT) leave no room for that.
    """
    x = c.v["iv.crime_days_30"]
    first, last = 1, len(c.waves) - 1
    for stat_id, group in zip(OFFENDED_IDS, (c.qct, ~c.qct), strict=True):
        target = printed.count(stat_id)
        ever = group & (np.nan_to_num(x[:, first]) > 0)
        order = (last, *range(first + 1, last))
        for k, j in enumerate(order):
            known = group & ~np.isnan(x[:, j])
            holders = np.flatnonzero(known & (x[:, j] > 0))
            fresh = known & ~ever
            new = min(len(holders), int(fresh.sum()), target - int(ever.sum()))
            # new offenders first among people the waves still to place do not see, which
            # leaves those waves the most people to add
            later = c.interviewed[:, list(order[k + 1 :])].any(1)
            unseen = np.flatnonzero(fresh & ~later)
            pick = _pick(rng, unseen, min(new, len(unseen)), f"{c.waves[j]}, new offenders")
            pick = np.concatenate(
                [
                    pick,
                    _pick(
                        rng,
                        np.flatnonzero(fresh & later),
                        new - len(pick),
                        f"{c.waves[j]}, new offenders",
                    ),
                ]
            )
            again = _pick(
                rng,
                np.flatnonzero(known & ever),
                len(holders) - new,
                f"{c.waves[j]}, offending again",
            )
            values = rng.permutation(x[holders, j])
            x[holders, j] = 0
            x[np.concatenate([pick, again]), j] = values
            ever[pick] = True
        if int(ever.sum()) != target:
            raise ValueError(
                f"offending during follow-up: {int(ever.sum())} of the group, not "
                f"the printed {target} ({stat_id}); raise the middle wave's POSITIVE"
            )


# Group means (QCT, comparison) pinned as exact group sums, by column and wave role: the
# printed means (statistics.csv id stems, completed by group and wave id), or, where None, free.
# 180-day crime at the last follow-up is not the printed 38 / 19 but 38.3 / 19.0, chosen inside
# the printed bands so that the printed reductions (71%, 69%) round as printed too.
MEAN_IDS = {
    ("crime_days_180", 0): ("off_crime180_mean_qct_{w}", "off_crime180_mean_comparison_{w}"),
    ("crime_days_180", 1): ("off_crime180_mean_qct_{w}", None),
    ("crime_days_30", 0): ("off_locf_crime30_mean_qct_{w}", "off_locf_crime30_mean_comparison_{w}"),
    ("crime_days_30", 1): ("off_fig1_crime30_mean_qct_{w}", "off_fig1_crime30_mean_comparison_{w}"),
    ("crime_days_30", 2): ("off_fig1_crime30_mean_qct_{w}", "off_fig1_crime30_mean_comparison_{w}"),
    ("crime_days_30", 3): ("off_fig1_crime30_mean_qct_{w}", "off_fig1_crime30_mean_comparison_{w}"),
    ("illicit_drug_days_30", 0): (
        "drug_locf_illicit_mean_qct_{w}",
        "drug_locf_illicit_mean_comparison_{w}",
    ),
    ("drug_composite", 0): ("prof_drug_composite_mean_qct", "prof_drug_composite_mean_comparison"),
}
CHOSEN_MEANS = {("crime_days_180", 3): (38.3, 19.0)}


# A mean printed as a whole number is pinned at a seeded point within this share of its
# rounding band, not at the whole number itself: exact whole-number means (117.0, 15.0) would
# give the calibration away; the printed value still rounds as printed.
OFF_ROUND = 0.6


def unrounded(printed: Printed, stat_id: str, rng: np.random.Generator) -> float:
    """The printed mean, moved off a whole number within its band when printed as one."""
    value = printed.value(stat_id)
    if printed.decimals(stat_id) > 0:
        return value
    return round(value + OFF_ROUND * 0.5 * rng.uniform(-1, 1), 2)


def pinned_means(
    printed: Printed, waves: tuple[str, ...], rng: np.random.Generator
) -> dict[tuple[str, int], tuple[float | None, ...]]:
    """Group means to pin, by (column, wave role): MEAN_IDS looked up (see `unrounded`), and
    CHOSEN_MEANS."""
    out: dict[tuple[str, int], tuple[float | None, ...]] = dict(CHOSEN_MEANS)
    for (col, role), ids in MEAN_IDS.items():
        w = printed_wave(waves, role)
        out[(col, role)] = tuple(
            None if i is None else unrounded(printed, i.format(w=w), rng) for i in ids
        )
    return out


def set_sum(
    rng: np.random.Generator,
    c: Cohort,
    col: str,
    j: int,
    people: np.ndarray,
    total: float,
    keep_zero: bool,
    keep_improved: bool = False,
) -> None:
    """Nudge the known values of `col` at wave j among `people` until they sum to `total`.

    Each nudge stays within the row rules (`bounded`) and, with keep_improved, keeps whether
    first-follow-up illicit use is below baseline or none; raises if the total is unreachable.
    """
    grid = GRID.get(col, 1)
    x = c.v[f"iv.{col}"]
    pool = people[~np.isnan(x[people, j])]
    units = int(round((total - x[pool, j].sum()) / grid))
    for _ in range(200_000):
        if units == 0:
            return
        i = int(rng.choice(pool))
        step = int(np.sign(units) * min(abs(units), rng.integers(1, 6)))
        new = round(x[i, j] + step * grid, 3)
        if keep_improved:
            before = x[i, 0]
            if ((x[i, j] < before) | (x[i, j] == 0)) != ((new < before) | (new == 0)):
                continue
        if bounded(c, col, i, j, new, keep_zero=keep_zero) == new:
            x[i, j] = new
            units -= step
    raise RuntimeError(f"cannot reach a sum of {total} for {col} at wave {j}")


def pin_means(
    rng: np.random.Generator,
    c: Cohort,
    zero_pinned: set[tuple[str, int]],
    means_by_cell: dict[tuple[str, int], tuple[float | None, ...]],
) -> None:
    """Set every pinned group sum exactly (sum = mean x known n, on the column's grid)."""
    n_waves = len(c.waves)
    for j in range(n_waves):
        for (col, role), means in means_by_cell.items():
            if wave_role(j, n_waves) != role:
                continue
            grid = GRID.get(col, 1)
            for mean, group in zip(means, (c.qct, ~c.qct), strict=True):
                if mean is None:
                    continue
                people = np.flatnonzero(group & ~np.isnan(c.v[f"iv.{col}"][:, j]))
                total = round(round(mean * len(people) / grid) * grid, 3)
                set_sum(rng, c, col, j, people, total, (col, j) in zero_pinned)


def pin_locf_illicit(rng: np.random.Generator, c: Cohort, printed: Printed) -> None:
    """Set first-follow-up illicit sums per group for the printed LOCF means there.

    With the baseline answers carried forward for those not answering, the sums of the answers
    given at the first follow-up are set so that the group LOCF means (QCT and comparison)
    come out exactly (the overall mean and the fall then follow).

    Heroin and crack days there are first drawn below the illicit days (assumption: part of the
    illicit use), so that illicit days have room to fall.
    """
    x = c.v["iv.illicit_drug_days_30"]
    for part in ("iv.heroin_days_30", "iv.crack_days_30"):
        c.v[part][:, 1] = np.floor(np.fmin(c.v[part][:, 1], x[:, 1] * rng.random(c.n)))
    first = printed_wave(c.waves, 1)
    means = (printed.value(f"drug_locf_illicit_mean_{g}_{first}") for g in ("qct", "comparison"))
    for mean, group in zip(means, (c.qct, ~c.qct), strict=True):
        answered = group & ~np.isnan(x[:, 1])
        carried = np.nansum(x[group & ~answered, 0])
        total = round(mean * int((group & ~np.isnan(x[:, 0])).sum()) - carried)
        set_sum(
            rng,
            c,
            "illicit_drug_days_30",
            1,
            np.flatnonzero(answered),
            total,
            keep_zero=False,
            keep_improved=True,
        )


def lean_composite(rng: np.random.Generator, c: Cohort, desisted: np.ndarray) -> None:
    """Reorder baseline composite scores within each group so that desisters tend to hold the
    higher ones (Table 1: OR 1.94 per sd for desisting); group multisets, hence means and the
    Mann-Whitney U, are unchanged. A starting point for the search, not an exact fit."""
    x = c.v["iv.drug_composite"][:, 0]
    for group in (c.qct, ~c.qct):
        people = np.flatnonzero(group & ~np.isnan(x))
        lean = np.nan_to_num(desisted[people], nan=0.5) + rng.normal(0, 1.2, len(people))
        x[people[np.argsort(lean, kind="stable")]] = np.sort(x[people])


def zero_pinned_cells(n_waves: int) -> set[tuple[str, int]]:
    """(column, wave) cells whose zero / positive status POSITIVE pins."""
    return {
        (col, j)
        for (col, role) in POSITIVE
        for j in range(n_waves)
        if wave_role(j, n_waves) == role
    }


def mean_pinned_cells(n_waves: int) -> set[tuple[str, int]]:
    """(column, wave) cells whose group sums `pinned_means` and `pin_locf_illicit` pin."""
    return {
        (col, j)
        for (col, role) in MEAN_IDS | CHOSEN_MEANS
        for j in range(n_waves)
        if wave_role(j, n_waves) == role
    } | {("illicit_drug_days_30", 1)}


def fit_mean_sd(x: np.ndarray, hi: np.ndarray, mean: float, sd: float) -> np.ndarray:
    """`x` moved affinely to mean and sd, clipped to [0, hi], repeated until it settles."""
    for _ in range(200):
        x = np.clip(mean + (x - x.mean()) * (sd / x.std(ddof=1)), 0, hi)
    return np.clip(x + (mean - x.mean()), 0, hi)


def construct_weeks(c: Cohort, printed: Printed, rng: np.random.Generator) -> None:
    """Latest weeks abstinent with the printed group means (see `unrounded`) and Student t
    (which fixes the pooled sd); earlier answers never exceed it."""
    weeks_means = tuple(
        unrounded(printed, f"drug_weeks_abstinent_mean_{g}", rng) for g in ("qct", "comparison")
    )
    weeks_t = printed.value("drug_weeks_abstinent_t_stat")
    col = c.v["iv.weeks_abstinent_since_intake"]
    n_waves = len(c.waves)
    latest = np.full(c.n, -1)
    for j in range(1, n_waves):
        latest = np.where(~np.isnan(col[:, j]), j, latest)
    has = latest > 0
    caps = np.floor(c.months[np.maximum(latest, 0)] * WEEKS_PER_MONTH * 10) / 10
    groups = [has & c.qct, has & ~c.qct]
    n_q, n_c = (int(g.sum()) for g in groups)
    sd = (weeks_means[0] - weeks_means[1]) / (weeks_t * np.sqrt(1 / n_q + 1 / n_c))
    value = np.full(c.n, np.nan)
    for mean, g in zip(weeks_means, groups, strict=True):
        drafted = col[np.flatnonzero(g), latest[g]]
        value[g] = np.round(fit_mean_sd(drafted, caps[g], mean, sd), 1)
    for j in range(1, n_waves):
        cap_j = np.floor(c.months[j] * WEEKS_PER_MONTH * 10) / 10
        known = ~np.isnan(col[:, j])
        col[known, j] = np.minimum(value[known], cap_j)


# Days in treatment from the agency records: the printed group means at the first follow-up,
# among everyone and among people out of treatment there, and at the last follow-up; and the
# retention table of the site of interest: the only splits giving the printed OR .28 (CI
# .12-.64) are 12 of 30 retained beyond the threshold there vs 88 of 125 elsewhere (13 of 29
# vs 94 of 126 when a site-of-interest record lacks its days).
RETAINED_TABLE = {30: (12, 88), 29: (13, 94)}


def days_means(
    printed: Printed, waves: tuple[str, ...], rng: np.random.Generator
) -> dict[str, tuple[float, float]]:
    """Printed mean days in treatment (QCT, comparison; see `unrounded`): 'all' and 'out' at
    the first follow-up, 'last' at the last."""

    def pair(stem: str) -> tuple[float, float]:
        return tuple(unrounded(printed, stem.format(g=g), rng) for g in ("qct", "comparison"))

    first, last = printed_wave(waves, 1), printed_wave(waves, 3)
    return {
        "all": pair(f"ret_days_mean_{{g}}_{first}"),
        "out": pair(f"ret_days_mean_{{g}}_{first}_left"),
        "last": pair(f"ret_days_mean_{{g}}_{last}"),
    }


def _cell_sum(
    rng, days: np.ndarray, who: np.ndarray, lo: np.ndarray, hi: np.ndarray, total: float
) -> None:
    """Whole-day nudges of days[who] within [lo, hi] until they sum to `total`."""
    units = int(round(total - days[who].sum()))
    for _ in range(200_000):
        if units == 0:
            return
        i = int(rng.choice(who))
        step = int(np.sign(units))
        if lo[i] <= days[i] + step <= hi[i]:
            days[i] += step
            units -= step
    raise RuntimeError("days in treatment: cell total unreachable")


def construct_days(
    rng: np.random.Generator, c: Cohort, config: dict[str, Any], printed: Printed
) -> None:
    """Cumulative days in treatment at every follow-up record (see `days_means`)."""
    means = days_means(printed, c.waves, rng)
    v, n_waves = c.v, len(c.waves)
    threshold = float(config["derived"]["retained_days"])
    site = v["p.site"] == int(config["site_of_interest"])
    first = v["tr.days_in_treatment"][:, 1]
    known = ~np.isnan(first)
    in_t = v["tr.in_treatment"][:, 1] == 1
    here, there = RETAINED_TABLE[int((known & site).sum())]
    retained = np.zeros(c.n, bool)
    for pool, k in ((known & site, here), (known & ~site, there)):
        idx = np.flatnonzero(pool)
        weight = np.where(in_t[idx], 4.0, 1.0)  # assumption: those still in treatment mostly
        retained[rng.choice(idx, k, replace=False, p=weight / weight.sum())] = True
    elapsed = np.floor(c.months * DAYS_PER_MONTH)
    lo = np.where(retained, threshold + 1, 0)
    hi = np.where(retained, elapsed[1], threshold)
    days = np.where(known, np.round(lo + rng.random(c.n) * (hi - lo)), np.nan)
    for g, group in enumerate((c.qct, ~c.qct)):
        out = np.flatnonzero(group & known & ~in_t)
        inside = np.flatnonzero(group & known & in_t)
        out_total = means["out"][g] * len(out)
        _cell_sum(rng, days, out, lo, hi, round(out_total))
        _cell_sum(
            rng,
            days,
            inside,
            lo,
            hi,
            round(means["all"][g] * (len(out) + len(inside))) - round(out_total),
        )
    # Later waves: days added since the first follow-up, heavy-tailed (most people leave, a
    # few stay long; assumption), scaled to exact group sums at the last follow-up.
    last = n_waves - 1
    base = np.nan_to_num(days)
    final = base.copy()
    room = np.full(c.n, elapsed[last] - elapsed[1])  # days accrue no faster than time passes
    for mean, group in zip(means["last"], (c.qct, ~c.qct), strict=True):
        if last == 1:
            break
        # Most people add a few days after the first follow-up; some stay to the end. This
        # wide spread keeps the printed group difference non-significant (assumption).
        rec = rng.permutation(np.flatnonzero(group & c.has_record[:, last]))
        add = np.zeros(c.n)
        add[rec] = np.minimum(np.round(rng.uniform(0, 20, len(rec))), room[rec])
        target = round(mean * len(rec) - base[rec].sum())
        budget = target - add[rec].sum()
        for i in rec:
            gain = min(room[i] - add[i], max(budget, 0))
            add[i] += gain
            budget -= gain
        _cell_sum(rng, add, rec, np.zeros(c.n), room, target)
        final[rec] = base[rec] + add[rec]
    sentinels = column(TREATMENT.columns, "days_in_treatment").sentinels
    for j in range(1, n_waves):
        share = (c.months[j] - c.months[1]) / (c.months[last] - c.months[1]) if j > 1 else 0
        at_j = np.minimum(np.round(base + share * (final - base)), elapsed[j])
        # a count equal to a survey code is moved to the next lower non-code (a monotone map,
        # so the days still never fall)
        at_j = np.array([not_sentinel(x, sentinels) for x in at_j])
        at_j = np.where(known | (j > 1), at_j, np.nan)
        v["tr.days_in_treatment"][:, j] = np.where(c.has_record[:, j], at_j, np.nan)


def construct_suicide_attempts(rng: np.random.Generator, c: Cohort, printed: Printed) -> None:
    """Attempt counts of the attempters (pinned by group in `structure`), redrawn until the
    group Student t rounds as printed; the number of attempts enters no other statistic."""
    stat = "prof_suicide_attempts_t_stat"
    printed_t, decimals = printed.value(stat), printed.decimals(stat)
    attempted = np.flatnonzero(c.v["p.suicide_attempted_lifetime"] == 1)
    x = c.v["p.suicide_attempts_lifetime"]
    for _ in range(100_000):
        x[attempted] = 1 + rng.poisson(rng.uniform(0.2, 3.0, 2)[c.qct[attempted] * 1])
        if round(student_t(x[c.qct], x[~c.qct]), decimals) == printed_t:
            return
    raise RuntimeError("no draw of suicide attempts gives the printed t")


def construct(streams: Streams, c: Cohort, config: dict[str, Any], printed: Printed) -> None:
    """Everything this module pins, in order (counts first, then sums on top of them); each
    step draws from its own stream."""
    pin_frequent(streams("construct.frequent"), c, float(config["derived"]["frequent_use_days"]))
    pin_counts(streams("construct.counts"), c, printed)
    rng = streams("construct.correlates")
    block = correlates.solve(correlates.variables(c, config), rng, printed)
    correlates.realize(c, block, config, rng)
    means = pinned_means(printed, c.waves, streams("construct.mean_offsets"))
    pin_means(streams("construct.means"), c, zero_pinned_cells(len(c.waves)), means)
    correlates.realize_improved(c, block, rng)
    pin_locf_illicit(streams("construct.locf_illicit"), c, printed)
    lean_composite(streams("construct.composite"), c, block["D"])
    construct_weeks(c, printed, streams("construct.mean_offsets"))
    construct_days(streams("construct.days_in_treatment"), c, config, printed)
    construct_suicide_attempts(streams("construct.suicide_attempts"), c, printed)
