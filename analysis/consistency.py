"""Appendix B's arithmetic: the paper's printed numbers checked against each other.

Every check reads only data/published/statistics.csv (through analysis.published) and treats
a printed value as the interval of values that round to it (26% is 25.5% up to 26.5%). The
reasoning about what a failed check means lives in docs/consistency.md; this module computes
the tables that reasoning cites:

- percentages against their counts: the bases that reproduce each printed percentage;
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
from scipy import stats

from analysis.formatting import fmt_count, fmt_number, round_half_away
from analysis.io import atomic_write
from analysis.published import load_published, parse_printed
from analysis.reproduce import p_satisfies

# The 2x2 tables behind the printed chi-squares: (label, QCT count id, QCT base, comparison
# count id, comparison base, statistic id). A base is a statistics.csv id when the paper prints
# it ("QCT", "comparison": the printed group size, the comparison group being the sample less
# the QCT group); an integer is a reading of the paper's text, explained in docs/consistency.md
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
Z_975 = stats.norm.ppf(0.975)


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
    return float(stats.chi2_contingency(observed, correction=False)[0])


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
        return float(stats.chi2.sf(statistic, df))
    if kind == "t":
        return float(2 * stats.t.sf(abs(statistic), df))
    return float(2 * stats.norm.sf(abs(statistic)))


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
        (z_low, z_high), (r_low, r_high) = bounds(values[z_id]), bounds(values[r_id])
        # |r| = |z| / sqrt(N) is monotone in z and N, so the intervals overlap when the extreme
        # values of |z| / sqrt(N) straddle the interval of |r|.
        z_abs = sorted((abs(z_low), abs(z_high)))
        r_abs = sorted((abs(r_low), abs(r_high)))
        fit = [
            k
            for k in range(2, largest + 1)
            if z_abs[0] / math.sqrt(2 * k) <= r_abs[1] and z_abs[1] / math.sqrt(2 * k) >= r_abs[0]
        ]
        rows.append([names[z_id], values[z_id], values[r_id], _ranges(fit)])
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
        p = float(2 * stats.norm.sf(abs(z)))
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


def audit_markdown(published_dir: str | Path) -> str:
    """Every table of the audit as Markdown, each under its own heading, computed from
    statistics.csv."""
    from analysis.tables import to_markdown

    table = load_published(published_dir)
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
    text = audit_markdown(args.published)
    atomic_write(args.out, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
