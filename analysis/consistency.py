"""Appendix B's arithmetic: the paper's printed numbers checked against each other.

Every check reads only data/published/statistics.csv (through analysis.published) and treats
a printed value as the interval of values that round to it (26% is 25.5% up to 26.5%). The
reasoning about what a failed check means is the prose of Appendix B
(manuscript/sections/09-appendix-consistency.qmd); this module computes every number that
prose cites (`readings`, the variables under `consistency.`) and the tables of checks:

- percentages against their counts: the bases that reproduce each printed percentage;
- means of whole numbers (GRIM): whether some whole-number total gives each printed mean;
- chi-squares recomputed from the printed 2x2 cells (Pearson, no continuity correction);
- effect sizes r = z / sqrt(N): the numbers of pairs that fit a printed z and r;
- odds-ratio intervals: geometric midpoint and the Wald p the interval implies;
- printed p thresholds against the p of the printed statistic and its df.

    python -m analysis.consistency --published data/published --out consistency_checks.md
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from analysis.distributions import chi2_sf, normal_ppf, normal_sf, t_sf
from analysis.formatting import fmt_count, fmt_number, round_half_away
from analysis.io import atomic_write
from analysis.prose import number_word
from analysis.published import load_published, parse_printed
from analysis.reproduce import p_satisfies
from analysis.stats import chi_square_table

# The 2x2 tables behind the printed chi-squares: (label, QCT count id, QCT base, comparison
# count id, comparison base, statistic id). A base is a statistics.csv id when the paper prints
# it ("QCT", "comparison": the printed group size, the comparison group being the sample less
# the QCT group); an integer is a reading of the paper's text, explained in Appendix B
# (75 and 53 are the QCT and comparison people re-interviewed, 82 and 57 those with a
# treatment record).
CHI2_TABLES = (
    (
        "psychiatric medication",
        "prof_psychmed_qct_n",
        "QCT",
        "prof_psychmed_comparison_n",
        "comparison",
        "prof_psychmed_chi2_stat",
    ),
    (
        "homeless at intake",
        "reint_homeless_qct_t1_n",
        "QCT",
        "reint_homeless_comparison_t1_n",
        "comparison",
        "reint_homeless_chi2_stat",
    ),
    (
        "continued offending",
        "off_continued_crime_qct_n",
        75,
        "off_continued_crime_comparison_n",
        53,
        "off_continued_crime_chi2_stat",
    ),
    (
        "arrested",
        "off_arrested_qct_n",
        75,
        "off_arrested_comparison_n",
        53,
        "off_arrested_chi2_stat",
    ),
    (
        "imprisoned",
        "off_imprisoned_qct_n",
        82,
        "off_imprisoned_comparison_n",
        57,
        "off_imprisoned_chi2_stat",
    ),
)
# Printed counts that must add up: (what, ids added, ids subtracted, id of the printed total).
SUMS = (
    (
        "interviews at all waves",
        (
            "study_n_total",
            "study_interviewed_t2_n",
            "study_interviewed_t3_n",
            "study_interviewed_t4_n",
        ),
        (),
        "study_n_interviews_total",
    ),
    (
        "not interviewed at the first follow-up",
        ("study_n_total",),
        ("study_interviewed_t2_n",),
        "study_missing_t2_n",
    ),
    (
        "status at the first follow-up, the five categories",
        (
            "ret_status_same_service_t2_n",
            "ret_status_left_by_choice_t2_n",
            "ret_status_completed_t2_n",
            "ret_status_other_t2_n",
            "ret_status_excluded_t2_n",
        ),
        (),
        "study_n_total",
    ),
)
# Which distribution a statistic id's p comes from, by the test named in the id.
TESTS = {"_chi2_": "chi2", "_stage_earlier_": "chi2", "_t_": "t", "_wilcoxon": "z"}
Z_975 = normal_ppf(0.975)


def printed(table: pd.DataFrame) -> dict[str, str]:
    """statistics.csv as {id: printed text}."""
    return dict(zip(table["id"], table["published"], strict=True))


def labels(table: pd.DataFrame) -> dict[str, str]:
    """statistics.csv as {id: what the number is}, without the trailing kind ('...: Wilcoxon z',
    '(percent)'): the tables name a check by its quantity, which wraps, not by its id."""

    def short(text: str) -> str:
        text = text.rsplit(": ", 1)[0] if ": " in text else text
        return re.sub(r"\s*\(percent[^)]*\)$", "", text)

    return {i: short(q) for i, q in zip(table["id"], table["quantity"], strict=True)}


def group_sizes(values: Mapping[str, str]) -> dict[str, int]:
    """The printed sample and QCT group sizes, and the comparison group as the rest."""
    total, qct = int(values["study_n_total"]), int(values["study_n_qct"])
    return {"QCT": qct, "comparison": total - qct, "all": total}


def bounds(text: str) -> tuple[float, float]:
    """The interval of values that round to a printed number: '26%' -> (25.5, 26.5)."""
    number = parse_printed(text)
    half = 0.5 * 10.0**-number.decimals
    return number.value - half, number.value + half


def _ranges(values: Iterable[int]) -> str:
    """'87–88, 90' for [87, 88, 90]; 'none' for no values."""
    values = sorted(values)
    if not values:
        return "none"
    runs, start = [], values[0]
    for previous, current in zip(values, [*values[1:], None], strict=True):
        if current != previous + 1:
            runs.append(
                fmt_count(start)
                if start == previous
                else f"{fmt_count(start)}–{fmt_count(previous)}"
            )
            start = current
    return ", ".join(runs)


def fitting_bases(count: int, percent_text: str, largest: int) -> list[int]:
    """Bases from `count` to `largest` whose percentage rounds (half away) to `percent_text`."""
    target = parse_printed(percent_text)
    return [
        base
        for base in range(max(count, 1), largest + 1)
        if round_half_away(100 * count / base, target.decimals)
        == round_half_away(target.value, target.decimals)
    ]


def percent_table(table: pd.DataFrame) -> pd.DataFrame:
    """Each percentage printed with its count: the bases that fit, against the size of the
    group it describes (no base above the whole sample is considered)."""
    values, names = printed(table), labels(table)
    sizes = group_sizes(values)
    total = sizes["all"]
    rows = []
    for row in table.itertuples(index=False):
        count_id = row.id.removesuffix("_pct") + "_n"
        if row.kind != "percent" or count_id not in values:
            continue
        count = int(values[count_id])
        bases = fitting_bases(count, row.published, total)
        size = sizes.get(row.group, total)
        verdict = (
            "fits the group size"
            if size in bases
            else "needs a smaller base"
            if bases and max(bases) < size
            else "no base fits"
        )
        rows.append(
            [
                names[row.id],
                f"{values[count_id]} ({row.published})",
                row.group or "all",
                fmt_count(size),
                _ranges(bases),
                verdict,
            ]
        )
    return pd.DataFrame(
        rows, columns=["Statistic", "Printed", "Group", "Group size", "Bases that fit", "Verdict"]
    )


def pearson_2x2(a: int, n1: int, b: int, n2: int) -> float:
    """Pearson chi-square without continuity correction of a/n1 against b/n2."""
    observed = [[a, n1 - a], [b, n2 - b]]
    return chi_square_table(observed)["statistic"]


def chi2_table(table: pd.DataFrame) -> pd.DataFrame:
    """Each chi-square of CHI2_TABLES recomputed from its printed cells."""
    values = printed(table)
    sizes = group_sizes(values)
    rows = []
    for label, a_id, n1, b_id, n2, stat_id in CHI2_TABLES:
        n1, n2 = (sizes[n] if isinstance(n, str) else n for n in (n1, n2))
        a, b = int(values[a_id]), int(values[b_id])
        statistic = pearson_2x2(a, n1, b, n2)
        low, high = bounds(values[stat_id])
        rows.append(
            [
                label,
                f"{a}/{n1} against {b}/{n2}",
                fmt_number(statistic, 3),
                values[stat_id],
                "yes" if low <= statistic < high else "no",
            ]
        )
    return pd.DataFrame(rows, columns=["Test", "Cells", "Recomputed", "Printed", "Agrees"])


def weighted_means_table(table: pd.DataFrame) -> pd.DataFrame:
    """Each whole-sample mean printed beside its two group means: the group means weighted by
    their n (the printed n, or the group size where none is printed), the range the groups'
    rounding intervals allow, and whether the group n add up to the printed whole-sample n."""
    values, names = printed(table), labels(table)
    sizes = group_sizes(values)
    ns = {i: (None if pd.isna(n) else int(n)) for i, n in zip(table["id"], table["n"], strict=True)}
    rows = []
    for row in table.itertuples(index=False):
        parts = [row.id.replace("_all", f"_{g}", 1) for g in ("qct", "comparison")]
        if row.kind != "mean" or "_all" not in row.id or not all(p in values for p in parts):
            continue
        weights = [ns[p] or sizes[g] for p, g in zip(parts, ("QCT", "comparison"), strict=True)]
        means = [parse_printed(values[p]).value for p in parts]
        total = sum(weights)
        weighted = sum(m * w for m, w in zip(means, weights, strict=True)) / total
        low = sum(bounds(values[p])[0] * w for p, w in zip(parts, weights, strict=True)) / total
        high = sum(bounds(values[p])[1] * w for p, w in zip(parts, weights, strict=True)) / total
        printed_low, printed_high = bounds(row.published)
        n_all = ns[row.id]
        rows.append(
            [
                names[row.id],
                f"{row.published} (n = {n_all or total})",
                f"{values[parts[0]]} × {weights[0]} + {values[parts[1]]} × {weights[1]}",
                fmt_number(weighted, 2),
                f"{fmt_number(low, 2)} to {fmt_number(high, 2)}",
                "yes" if low < printed_high and high > printed_low else "no",
                "yes" if n_all in (None, total) else f"no ({total})",
            ]
        )
    return pd.DataFrame(
        rows, columns=["Mean", "Printed", "Groups", "Weighted", "Range", "Agrees", "n adds up"]
    )


def reductions_table(table: pd.DataFrame) -> pd.DataFrame:
    """Each printed percentage reduction against 100 x (1 - after / before) of the printed means
    it describes (same id stem, group and waves)."""
    values, names = printed(table), labels(table)
    rows = []
    for row in table.itertuples(index=False):
        if "_reduction_" not in row.id:
            continue
        prefix, group = row.id.split("_reduction_")
        first, last = str(row.waves).split(";")
        means = {i for i in values if i.startswith(f"{prefix}_") and f"_mean_{group}_" in i}
        before = next((i for i in means if i.endswith(f"_{first}")), None)
        after = next((i for i in means if i.endswith(f"_{last}")), None)
        if before is None or after is None:
            continue
        cut = 100 * (1 - parse_printed(values[after]).value / parse_printed(values[before]).value)
        low, high = bounds(row.published)
        rows.append(
            [
                names[row.id],
                f"{values[before]} to {values[after]}",
                fmt_number(cut, 1),
                row.published,
                "yes" if low <= cut < high else "no",
            ]
        )
    return pd.DataFrame(rows, columns=["Reduction", "Means", "Recomputed (%)", "Printed", "Agrees"])


def sums_table(table: pd.DataFrame) -> pd.DataFrame:
    """Each sum of SUMS from its printed counts against the printed total."""
    values = printed(table)
    rows = []
    for what, added, subtracted, total_id in SUMS:
        result = sum(int(values[i]) for i in added) - sum(int(values[i]) for i in subtracted)
        terms = " + ".join(values[i] for i in added) + "".join(
            f" − {values[i]}" for i in subtracted
        )
        rows.append(
            [
                what,
                terms,
                fmt_count(result),
                values[total_id],
                "yes" if result == int(values[total_id]) else "no",
            ]
        )
    return pd.DataFrame(rows, columns=["Sum", "Counts", "Result", "Printed", "Agrees"])


def implied_p(kind: str, statistic: float, df: float | None) -> float:
    """Two-sided p of a chi-square (df), t (df) or z statistic."""
    if kind == "chi2":
        return float(chi2_sf(statistic, df))
    if kind == "t":
        return float(2 * t_sf(abs(statistic), df))
    return float(2 * normal_sf(abs(statistic)))


def p_table(table: pd.DataFrame) -> pd.DataFrame:
    """Each printed statistic with a printed p threshold: the p its value (and df) implies."""
    values, names = printed(table), labels(table)
    rows = []
    for stat_id in [i for i in values if i.endswith(("_stat", "_z"))]:
        stem = stat_id.rsplit("_", 1)[0]
        p_id = f"{stem}_p"
        kind = next((k for marker, k in TESTS.items() if marker in stat_id), None)
        if p_id not in values or kind is None:
            continue
        df_text = values.get(f"{stem}_df")
        df = float(df_text) if df_text else (1.0 if kind == "chi2" else None)
        if kind == "t" and df is None:
            continue
        p = implied_p(kind, parse_printed(values[stat_id]).value, df)
        rows.append(
            [
                names[stat_id],
                values[stat_id],
                "" if df is None else fmt_count(df),
                fmt_p4(p),
                values[p_id],
                "yes" if p_satisfies(p, values[p_id]) else "no",
            ]
        )
    return pd.DataFrame(
        rows, columns=["Test", "Statistic", "d.f.", "Implied p", "Printed", "Holds"]
    )


def fmt_p4(p: float) -> str:
    """An implied p at four decimals, '< 0.0001' below that."""
    return "< 0.0001" if p < 1e-4 else fmt_number(p, 4)


def pairs_table(table: pd.DataFrame, largest: int = 200) -> pd.DataFrame:
    """Each printed Wilcoxon z with its r: the numbers of pairs (N = 2 x pairs) for which some
    z and r inside their rounding intervals satisfy r = z / sqrt(N)."""
    values, names = printed(table), labels(table)
    rows = []
    for z_id in [i for i in values if i.endswith("_z")]:
        r_id = z_id.removesuffix("_z") + "_r"
        if r_id not in values:
            continue
        fit = pairs_fitting(values[z_id], values[r_id], largest)
        rows.append([names[z_id], values[z_id], values[r_id], fit])
    return pd.DataFrame(rows, columns=["Comparison", "z", "r", "Pairs that fit"])


def odds_ratio_table(table: pd.DataFrame) -> pd.DataFrame:
    """Each printed odds ratio with its interval: the interval's geometric midpoint, the Wald z
    and p it implies, and the printed significance mark."""
    values, names = printed(table), labels(table)
    rows = []
    for row in table.itertuples(index=False):
        if row.kind != "odds_ratio":
            continue
        stem = row.id.rsplit("_", 1)[0]
        low, high = (parse_printed(values[f"{stem}_{end}"]).value for end in ("ci_low", "ci_high"))
        midpoint = math.sqrt(low * high)
        z = math.log(midpoint) / ((math.log(high) - math.log(low)) / (2 * Z_975))
        p = float(2 * normal_sf(abs(z)))
        mark = values.get(f"{stem}_p", "")
        rows.append(
            [
                names[row.id],
                values[row.id],
                f"{values[f'{stem}_ci_low']} to {values[f'{stem}_ci_high']}",
                fmt_number(midpoint, 3),
                fmt_number(z, 2),
                fmt_p4(p),
                mark,
                "yes" if mark and p_satisfies(p, mark) else "no" if mark else "no mark printed",
            ]
        )
    return pd.DataFrame(
        rows,
        columns=[
            "Odds ratio",
            "Printed",
            "Interval",
            "Midpoint",
            "Wald z",
            "Implied p",
            "Printed p",
            "Holds",
        ],
    )


def grim_possible(mean_text: str, n: int) -> bool:
    """GRIM: whether some integer total divided by `n` rounds (half away) to the printed mean."""
    target = parse_printed(mean_text)
    low, high = bounds(mean_text)
    return any(
        round_half_away(total / n, target.decimals)
        == round_half_away(target.value, target.decimals)
        for total in range(math.floor(low * n), math.ceil(high * n) + 1)
    )


def grim_table(table: pd.DataFrame) -> pd.DataFrame:
    """Each printed mean with a printed n (answers in whole days or people): whether a total
    of whole numbers can give it."""
    names = labels(table)
    rows = [
        [
            names[row.id],
            row.published,
            fmt_count(int(row.n)),
            "yes" if grim_possible(row.published, int(row.n)) else "no",
        ]
        for row in table.itertuples(index=False)
        if row.kind == "mean" and not pd.isna(row.n)
    ]
    return pd.DataFrame(rows, columns=["Mean", "Printed", "n", "Possible"])


# How far below each group's size the homelessness search of readings() looks for the bases
# of the printed chi-square (people who may not have answered the item).
BASE_SLACK = 4


def _pct(count: int, base: int, decimals: int = 2) -> str:
    """100 x count / base at `decimals` places, with the sign: '23.57%'."""
    return f"{fmt_number(100 * count / base, decimals)}%"


def _same_p(chi2: float, printed_text: str) -> bool:
    low, high = bounds(printed_text)
    return low <= chi2 < high


def _intake_mean(values: Mapping[str, str], ns: Mapping[str, int | None]) -> dict[str, str]:
    """Finding: the whole-sample intake mean of crime days printed with an n its groups do not
    make, and the other printed numbers that point to the n the groups do make."""
    stem = "off_locf_crime30_mean"
    qct, comparison, whole = (f"{stem}_{g}_t1" for g in ("qct", "comparison", "all"))
    n_qct, n_comparison = ns[qct], ns[comparison]
    n_sum = n_qct + n_comparison
    means = [parse_printed(values[i]).value for i in (qct, comparison)]
    weighted = (means[0] * n_qct + means[1] * n_comparison) / n_sum
    low = (bounds(values[qct])[0] * n_qct + bounds(values[comparison])[0] * n_comparison) / n_sum
    high = (bounds(values[qct])[1] * n_qct + bounds(values[comparison])[1] * n_comparison) / n_sum
    z, r = (parse_printed(values[f"off_locf_wilcoxon_all_{e}"]).value for e in ("z", "r"))
    six = "off_crime180_mean"
    return {
        "printed": values[whole],
        "n_printed": fmt_count(ns[whole]),
        "qct_mean": values[qct],
        "qct_n": fmt_count(n_qct),
        "comparison_mean": values[comparison],
        "comparison_n": fmt_count(n_comparison),
        "n_sum": fmt_count(n_sum),
        "weighted": fmt_number(weighted, 2),
        "range": f"{fmt_number(low, 2)} to {fmt_number(high, 2)}",
        "figure_n": values["off_fig1_n_t1"],
        "t_df": values["prof_crime_days_t_df"],
        "z": values["off_locf_wilcoxon_all_z"],
        "r": values["off_locf_wilcoxon_all_r"],
        "pairs": pairs_fitting(
            values["off_locf_wilcoxon_all_z"], values["off_locf_wilcoxon_all_r"]
        ),
        "pairs_point": fmt_number((z / r) ** 2 / 2, 0),
        "r_at_sum": fmt_number(abs(z) / math.sqrt(2 * n_sum), 3, leading_zero=False),
        "six_month_n": fmt_count(ns[f"{six}_all_t1"]),
        "six_month_qct_n": fmt_count(ns[f"{six}_qct_t1"]),
        "six_month_comparison_n": fmt_count(ns[f"{six}_comparison_t1"]),
    }


def _homeless(values: Mapping[str, str], sizes: Mapping[str, int]) -> dict[str, str]:
    """Finding: the whole-sample homelessness percentage no pair of group bases can give."""
    stem = "reint_homeless"
    count = int(values[f"{stem}_all_t1_n"])
    printed_pct = values[f"{stem}_all_t1_pct"]
    qct_bases = fitting_bases(
        int(values[f"{stem}_qct_t1_n"]), values[f"{stem}_qct_t1_pct"], sizes["QCT"]
    )
    comparison_bases = fitting_bases(
        int(values[f"{stem}_comparison_t1_n"]),
        values[f"{stem}_comparison_t1_pct"],
        sizes["comparison"],
    )
    totals = sorted({q + c for q in qct_bases for c in comparison_bases})
    fits = [t for t in totals if t in fitting_bases(count, printed_pct, sizes["all"])]
    return {
        "count": fmt_count(count),
        "printed": printed_pct,
        "total": fmt_count(sizes["all"]),
        "exact": _pct(count, sizes["all"]),
        "rounded": _pct(count, sizes["all"], 0),
        "bases": _ranges(fitting_bases(count, printed_pct, sizes["all"])),
        "qct_count": values[f"{stem}_qct_t1_n"],
        "qct_printed": values[f"{stem}_qct_t1_pct"],
        "qct_bases": _ranges(qct_bases),
        "comparison_count": values[f"{stem}_comparison_t1_n"],
        "comparison_printed": values[f"{stem}_comparison_t1_pct"],
        "comparison_bases": _ranges(comparison_bases),
        "base_sums": _ranges(totals),
        "pct_range": f"{_pct(count, totals[-1], 1)} to {_pct(count, totals[0], 1)}",
        "verdict": "some pair of bases gives all three"
        if fits
        else "no pair of bases gives all three",
    }


def _qct_base(values: Mapping[str, str], sizes: Mapping[str, int]) -> dict[str, str]:
    """Finding: a QCT count printed with a percentage of a smaller base than the one its
    chi-square needs."""
    count, printed_pct = int(values["prof_psychmed_qct_n"]), values["prof_psychmed_qct_pct"]
    other = int(values["prof_psychmed_comparison_n"])
    size, other_size = sizes["QCT"], sizes["comparison"]
    chi2_bases = [
        base
        for base in range(size - BASE_SLACK, size + 1)
        if _same_p(pearson_2x2(count, base, other, other_size), values["prof_psychmed_chi2_stat"])
    ]
    return {
        "count": fmt_count(count),
        "size": fmt_count(size),
        "exact": _pct(count, size),
        "rounded": _pct(count, size, 0),
        "printed": printed_pct,
        "bases": _ranges(fitting_bases(count, printed_pct, sizes["all"])),
        "other": fmt_count(other),
        "other_size": fmt_count(other_size),
        "chi2": fmt_number(pearson_2x2(count, size, other, other_size), 3),
        "chi2_printed": values["prof_psychmed_chi2_stat"],
        "searched": f"{fmt_count(size - BASE_SLACK)} to {fmt_count(size)}",
        "chi2_bases": _ranges(chi2_bases),
    }


def _homeless_chi2(values: Mapping[str, str], sizes: Mapping[str, int]) -> dict[str, str]:
    """Finding: the homelessness chi-square that no split of the count and no bases near the
    group sizes reproduce."""
    total = int(values["reint_homeless_all_t1_n"])
    a, b = int(values["reint_homeless_qct_t1_n"]), int(values["reint_homeless_comparison_t1_n"])
    printed_stat = values["reint_homeless_chi2_stat"]
    hits = [
        (q, n1, n2)
        for q in range(total + 1)
        for n1 in range(sizes["QCT"] - BASE_SLACK, sizes["QCT"] + 1)
        for n2 in range(sizes["comparison"] - BASE_SLACK, sizes["comparison"] + 1)
        if q <= n1 and total - q <= n2 and _same_p(pearson_2x2(q, n1, total - q, n2), printed_stat)
    ]
    statistic = pearson_2x2(a, sizes["QCT"], b, sizes["comparison"])
    return {
        "printed": printed_stat,
        "cells": f"{a}/{fmt_count(sizes['QCT'])} against {b}/{fmt_count(sizes['comparison'])}",
        "recomputed": fmt_number(statistic, 3),
        "rounded": fmt_number(statistic, 2),
        "qct_searched": f"{fmt_count(sizes['QCT'] - BASE_SLACK)} to {fmt_count(sizes['QCT'])}",
        "comparison_searched": (
            f"{fmt_count(sizes['comparison'] - BASE_SLACK)} to {fmt_count(sizes['comparison'])}"
        ),
        "verdict": (f"{len(hits)} of them reproduce it" if hits else "none of them reproduces it"),
        "p": fmt_number(implied_p("chi2", statistic, 1), 4),
        "p_printed": values["reint_homeless_chi2_p"],
    }


def _left_by_choice(values: Mapping[str, str], sizes: Mapping[str, int]) -> dict[str, str]:
    """Finding: one of five statuses that add up to the sample printed with a percentage of a
    smaller base."""
    _, added, _, _ = SUMS[2]
    counts = [int(values[i]) for i in added]
    count, printed_pct = (
        int(values["ret_status_left_by_choice_t2_n"]),
        values["ret_status_left_by_choice_t2_pct"],
    )
    fitting_others = sum(
        sizes["all"]
        in fitting_bases(int(values[i]), values[i.removesuffix("_n") + "_pct"], sizes["all"])
        for i in added
        if i != "ret_status_left_by_choice_t2_n" and i.removesuffix("_n") + "_pct" in values
    )
    return {
        "counts": " + ".join(fmt_count(c) for c in counts),
        "sum": fmt_count(sum(counts)),
        "count": fmt_count(count),
        "exact": _pct(count, sizes["all"]),
        "rounded": _pct(count, sizes["all"], 0),
        "printed": printed_pct,
        "bases": _ranges(fitting_bases(count, printed_pct, sizes["all"])),
        "others_fitting": number_word(fitting_others),
    }


def _stage(values: Mapping[str, str]) -> dict[str, str]:
    """Finding: a test printed as a t with one d.f., read as a 2x2 chi-square."""
    df = int(values["prof_stage_earlier_df"])
    statistic = parse_printed(values["prof_stage_earlier_stat"]).value
    return {
        "statistic": values["prof_stage_earlier_stat"],
        "df": values["prof_stage_earlier_df"],
        "t_people": number_word(df + 2),
        "p": fmt_number(implied_p("chi2", statistic, df), 2),
        "p_printed": values["prof_stage_earlier_p"],
    }


def _table1(values: Mapping[str, str]) -> dict[str, str]:
    """Finding: what the regression models; the age odds ratio against its interval."""
    low_bounds, high_bounds = bounds(values["reg_age_ci_low"]), bounds(values["reg_age_ci_high"])
    midpoint = math.sqrt(
        parse_printed(values["reg_age_ci_low"]).value
        * parse_printed(values["reg_age_ci_high"]).value
    )
    decimals = parse_printed(values["reg_age_or"]).decimals
    return {
        **{
            f"{term}_or": values[f"reg_{term}_or"]
            for term in ("drug_composite_z", "site", "age", "stage_action")
        },
        "site_rs": values["off_desist_rs_site"],
        "no_offence_n": values["off_no_offence_t2_n"],
        "age_ci": f"{values['reg_age_ci_low']} to {values['reg_age_ci_high']}",
        "age_midpoint": fmt_number(midpoint, 3),
        "age_midpoint_rounded": fmt_number(midpoint, decimals),
        "age_midpoint_max": fmt_number(math.sqrt(low_bounds[1] * high_bounds[1]), 3),
    }


def _figure1(values: Mapping[str, str]) -> dict[str, str]:
    """Finding: the order of Figure 1's bar labels, read from the means they round."""
    label = "off_fig1_crime30_mean_{}_{}"
    out = {
        f"{g}_{w}": values[label.format(g, w)]
        for g in ("qct", "comparison")
        for w in ("t1", "t2", "t3", "t4")
    }
    out.update(
        qct_locf=values["off_locf_crime30_mean_qct_t1"],
        comparison_locf=values["off_locf_crime30_mean_comparison_t1"],
        qct_six_month=values["off_crime180_mean_qct_t4"],
        comparison_six_month=values["off_crime180_mean_comparison_t4"],
    )
    return out


def pairs_fitting(z_text: str, r_text: str, largest: int = 200) -> str:
    """The numbers of pairs (N = 2 x pairs) for which some z and r inside their rounding
    intervals satisfy r = z / sqrt(N), as ranges."""
    (z_low, z_high), (r_low, r_high) = bounds(z_text), bounds(r_text)
    # |r| = |z| / sqrt(N) is monotone in z and N, so the intervals overlap when the extreme
    # values of |z| / sqrt(N) straddle the interval of |r|.
    z_abs = sorted((abs(z_low), abs(z_high)))
    r_abs = sorted((abs(r_low), abs(r_high)))
    return _ranges(
        k
        for k in range(2, largest + 1)
        if z_abs[0] / math.sqrt(2 * k) <= r_abs[1] and z_abs[1] / math.sqrt(2 * k) >= r_abs[0]
    )


def _count_phrase(count: int, zero: str, some: str, every: int | None = None) -> str:
    """`zero` for no items, "all N ..." when `count` is `every`, else `some` with the count."""
    if count == 0:
        return zero
    if count == every:
        return some.format(f"all {fmt_count(count)}").replace(f" of the {fmt_count(every)}", "")
    return some.format(number_word(count))


def readings(table: pd.DataFrame) -> dict[str, dict[str, str]]:
    """The numbers Appendix B's reasoning cites, each computed from the printed values of
    statistics.csv: one group of variables per finding, and the summaries of the percentage and
    GRIM tables."""
    values = printed(table)
    sizes = group_sizes(values)
    ns = {i: (None if pd.isna(n) else int(n)) for i, n in zip(table["id"], table["n"], strict=True)}
    verdicts = percent_table(table)["Verdict"].value_counts()
    grim = grim_table(table)
    # GRIM can only fail when n is below 10 to the power of the mean's decimals.
    at_risk = [
        r.id
        for r in table.itertuples(index=False)
        if r.kind == "mean" and not pd.isna(r.n) and r.n < 10 ** parse_printed(r.published).decimals
    ]
    return {
        "intake_mean": _intake_mean(values, ns),
        "homeless": _homeless(values, sizes),
        "qct_base": _qct_base(values, sizes),
        "homeless_chi2": _homeless_chi2(values, sizes),
        "left_by_choice": _left_by_choice(values, sizes),
        "stage": _stage(values),
        "table1": _table1(values),
        "figure1": _figure1(values),
        "percent": {
            "fit": number_word(int(verdicts.get("fits the group size", 0))),
            "smaller": number_word(int(verdicts.get("needs a smaller base", 0))),
            "none": _count_phrase(
                int(verdicts.get("no base fits", 0)),
                "every one of them fits some base",
                "{} of them fit no base at all",
            ),
        },
        "grim": {
            "result": _count_phrase(
                int((grim["Possible"] == "yes").sum()),
                "none of the printed means with an n passes",
                f"{{}} of the {fmt_count(len(grim))} printed means with an n pass",
                every=len(grim),
            ),
            "at_risk": _count_phrase(
                len(at_risk),
                "none of them has an n small enough to fail",
                "{} of them have an n small enough to fail",
            ),
        },
    }


SECTIONS: Mapping[str, tuple[str, object]] = {
    "Percentages against their counts": (
        "Each percentage printed with its count, and the bases (up to the whole sample) whose "
        "percentage rounds to the printed one.",
        percent_table,
    ),
    "Whole-sample means against their group means": (
        "Each whole-sample mean printed beside its two group means, against the group means "
        "weighted by their n.",
        weighted_means_table,
    ),
    "Printed reductions against their means": (
        "Each printed percentage reduction against 100 x (1 - after / before) of the printed "
        "means.",
        reductions_table,
    ),
    "Means of whole numbers (GRIM)": (
        "Each printed mean with its n: whether some whole-number total divided by n rounds to it.",
        grim_table,
    ),
    "Counts that must add up": (
        "Printed counts against the printed totals they make up.",
        sums_table,
    ),
    "Chi-squares recomputed from the printed cells": (
        "Pearson chi-square without continuity correction of the 2x2 table the text prints.",
        chi2_table,
    ),
    "Effect sizes r = z / sqrt(N)": (
        "N counts both observations of each pair; the numbers of pairs for which the printed "
        "z and r can both hold.",
        pairs_table,
    ),
    "Odds-ratio intervals": (
        "The geometric midpoint of each printed 95% interval and the Wald p its width implies.",
        odds_ratio_table,
    ),
    "Printed p thresholds against the printed statistics": (
        "The two-sided p of each printed statistic at its printed d.f. (chi-square with one "
        "d.f. where none is printed).",
        p_table,
    ),
}


def audit_markdown(table: pd.DataFrame) -> str:
    """Every table of the audit as Markdown, each under its own heading, computed from the
    published statistics (`load_published`)."""
    from analysis.tables import to_markdown

    parts = []
    for title, (lead, build) in SECTIONS.items():
        parts.append(f"### {title}\n\n{lead}\n\n{to_markdown(build(table))}")
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    """Write the audit's tables as Markdown."""
    parser = argparse.ArgumentParser(prog="python -m analysis.consistency", description=__doc__)
    parser.add_argument("--published", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    text = audit_markdown(load_published(args.published))
    atomic_write(args.out, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
