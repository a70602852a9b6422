"""What the report says about the sensitivity analysis: formatted numbers, verdict words and
the comparison table, all generated from results/sensitivity.json.

The words that interpret a result ("holds under every method", "fails under every method",
"depends on the method") are computed here with the numbers they describe, so the section
cannot contradict its table.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis import views
from analysis.formatting import fmt_count, fmt_mean, fmt_or_ci, fmt_p, fmt_percent
from analysis.prose import capitalise, join_words, number_word
from analysis.sensitivity.results import METHODS
from analysis.tables import predictor_label

METHOD_NAMES = {
    "complete_case": "complete-case analysis",
    "locf": "last observation carried forward",
    "multiple_imputation": "multiple imputation",
}
METHOD_COLUMNS = {"complete_case": "Complete case", "locf": "LOCF", "multiple_imputation": "MI"}
MEASURE_NAMES = {
    "crime_days_30": "days of crime",
    "illicit_drug_days_30": "days of illicit drug use",
}
GROUP_NAMES = {
    views.QCT: "the QCT group",
    views.COMPARISON: "the comparison group",
    views.ALL: "the whole sample",
}
KIND_NAMES = {
    "fall": "the significant fall in {measure} in {group}",
    "no_significant_change": "the absence of a significant change in {measure} in {group}",
    "reduction": "the reduction in mean {measure} in {group}",
}
# The three verdicts a conclusion can get across the methods that can judge it.
HOLDS, FAILS, DEPENDS = (
    "holds under every method",
    "fails under every method",
    "depends on the method",
)


def conclusion_name(key: str, verdict: dict[str, Any], site: int | str) -> str:
    """A reader's name for a conclusion key such as `crime_days_30_QCT_fall` (no commas, so
    that names can be listed with them)."""
    for measure, measure_name in MEASURE_NAMES.items():
        for group, group_name in GROUP_NAMES.items():
            stem = f"{measure}_{group}_"
            if key.startswith(stem):
                kind = key[len(stem) :]
                return KIND_NAMES.get(kind, kind).format(measure=measure_name, group=group_name)
    if key.startswith("table1_"):
        term = key[len("table1_") :]
        return (
            f"the effect of {predictor_label(term, site, in_sentence=True)} in the model of "
            "the original Table 1"
        )
    if key == "qct_not_significant":
        return "the absence of a significant QCT effect once other factors are controlled"
    return verdict.get("statement", key)


def verdict_of(verdict: dict[str, Any]) -> str:
    """HOLDS when every method that can judge the conclusion reaches it, FAILS when none does,
    else DEPENDS."""
    judged = [v for v in verdict["holds_by_method"].values() if v is not None]
    if judged and all(judged):
        return HOLDS
    return FAILS if not any(judged) else DEPENDS


def verdict_sentence(names: dict[str, list[str]]) -> str:
    """'Of the 14 conclusions checked, 10 held under every method, 2 failed under every method
    (a; b) and 2 depended on the method (c; d)', counting only the verdicts that occur."""
    total = sum(len(v) for v in names.values())
    words = {
        HOLDS: "held under every method",
        FAILS: "failed under every method",
        DEPENDS: "depended on the method",
    }
    if len(names[HOLDS]) == total:
        lead = {1: "The one conclusion", 2: "Both conclusions"}.get(
            total, f"All {number_word(total)} conclusions"
        )
        return f"{lead} checked held under every method"
    parts = [
        f"{number_word(len(names[k]))} {words[k]}"
        + ("" if k == HOLDS else f" ({join_words(names[k], sep='; ')})")
        for k in (HOLDS, FAILS, DEPENDS)
        if names[k]
    ]
    return f"Of the {number_word(total)} conclusions checked, {join_words(parts, sep=', ')}"


def change_cell(cell: dict[str, Any]) -> str:
    """Mean change with its 95% CI and the Wilcoxon p, e.g. '-12.4 (-15.0 to -9.8); p < 0.001'."""
    change = cell["mean_change"]
    return (
        f"{fmt_mean(change['value'])} ({fmt_mean(change['ci_low'])} to "
        f"{fmt_mean(change['ci_high'])}); {fmt_p(cell['wilcoxon']['p'])}"
    )


def mean_change_text(change: dict[str, Any], alpha: float) -> str:
    """'-14.6 days (95% CI -17.7 to -11.6)': a mean change with its 1 - alpha interval."""
    return (
        f"{fmt_mean(change['value'])} days ({fmt_percent(100 * (1 - alpha))} CI "
        f"{fmt_mean(change['ci_low'])} to {fmt_mean(change['ci_high'])})"
    )


def comparison_table(sensitivity: dict[str, Any], site: int | str) -> pd.DataFrame:
    """One row per measure and group (mean change baseline -> first follow-up) and per Table 1
    term (odds ratio with CI), one column per missing-data method."""
    rows = []
    for measure, by_group in sensitivity["change"].items():
        for group, cells in by_group.items():
            group_name = GROUP_NAMES.get(group, group).removeprefix("the ")
            rows.append(
                {
                    "Estimate": f"Change in {MEASURE_NAMES.get(measure, measure)}, {group_name}",
                    **{METHOD_COLUMNS[m]: change_cell(cells[m]) for m in METHODS},
                }
            )
    table1 = sensitivity["regression"]["table1"]
    for term in table1[METHODS[0]]:
        rows.append(
            {
                "Estimate": f"Odds ratio: {predictor_label(term, site)}",
                **{
                    METHOD_COLUMNS[m]: fmt_or_ci(
                        table1[m][term]["odds_ratio"],
                        table1[m][term]["ci_low"],
                        table1[m][term]["ci_high"],
                    )
                    for m in METHODS
                },
            }
        )
    return pd.DataFrame(rows, columns=["Estimate", *(METHOD_COLUMNS[m] for m in METHODS)])


def sensitivity_variables(sensitivity: dict[str, Any], site: int | str) -> dict[str, Any]:
    """The section's variables: settings, per-method headline numbers and the verdicts."""
    settings = sensitivity["settings"]
    verdicts = sensitivity["conclusions"]
    names: dict[str, list[str]] = {HOLDS: [], FAILS: [], DEPENDS: []}
    for key, verdict in verdicts.items():
        names[verdict_of(verdict)].append(conclusion_name(key, verdict, site))
    qct_crime = sensitivity["change"]["crime_days_30"][views.QCT]
    return {
        "imputations": fmt_count(settings["imputations"]),
        "replicates": fmt_count(settings["bootstrap_replicates"]),
        "conclusions": {
            "total": fmt_count(len(verdicts)),
            "holding": fmt_count(len(names[HOLDS])),
            "holding_share": fmt_percent(100 * len(names[HOLDS]) / len(verdicts)),
            "sentence": verdict_sentence(names),
        },
        "qct_crime": {
            m: {
                "change": change_cell(qct_crime[m]),
                "mean_change": mean_change_text(qct_crime[m]["mean_change"], settings["alpha"]),
                "reduction": fmt_percent(qct_crime[m]["reduction"]["value"]),
            }
            for m in METHODS
        },
        "methods": {m: METHOD_NAMES[m] for m in METHODS},
        "Methods": {m: capitalise(METHOD_NAMES[m]) for m in METHODS},
    }
