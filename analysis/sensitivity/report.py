"""What the report says about the sensitivity analysis: formatted numbers, verdict words and
the comparison table, all generated from results/sensitivity.json.

The words that interpret a result ("holds under every method", "depends on the method") are
computed here with the numbers they describe, so the section cannot contradict its table.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis import views
from analysis.formatting import fmt_count, fmt_mean, fmt_or_ci, fmt_p, fmt_percent
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
    views.QCT: "QCT group",
    views.COMPARISON: "comparison group",
    views.ALL: "whole sample",
}
KIND_NAMES = {
    "fall": "significant fall",
    "no_significant_change": "no significant change",
    "reduction": "reduction in the mean",
}


def _join(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'; 'none' for an empty list."""
    if not items:
        return "none"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def conclusion_name(key: str, verdict: dict[str, Any], site: int | str) -> str:
    """A reader's name for a conclusion key such as `crime_days_30_QCT_fall`."""
    for measure, measure_name in MEASURE_NAMES.items():
        for group, group_name in GROUP_NAMES.items():
            stem = f"{measure}_{group}_"
            if key.startswith(stem):
                kind = key[len(stem):]
                what = KIND_NAMES.get(kind, kind)
                return f"{what} in {measure_name}, {group_name}"
    if key.startswith("table1_"):
        term = key[len("table1_"):]
        return f"Table 1 effect of {predictor_label(term, site, in_sentence=True)}"
    if key == "qct_not_significant":
        return "no significant QCT effect in the adjusted model"
    return verdict.get("statement", key)


def change_cell(cell: dict[str, Any]) -> str:
    """Mean change with its 95% CI and the Wilcoxon p, e.g. '-12.4 (-15.0 to -9.8); p < 0.001'."""
    change = cell["mean_change"]
    return (f"{fmt_mean(change['value'])} ({fmt_mean(change['ci_low'])} to "
            f"{fmt_mean(change['ci_high'])}); {fmt_p(cell['wilcoxon']['p'])}")


def comparison_table(sensitivity: dict[str, Any], site: int | str) -> pd.DataFrame:
    """One row per measure and group (mean change baseline -> first follow-up) and per Table 1
    term (odds ratio with CI), one column per missing-data method."""
    rows = []
    for measure, by_group in sensitivity["change"].items():
        for group, cells in by_group.items():
            rows.append({"Estimate": f"Change in {MEASURE_NAMES.get(measure, measure)}, "
                                     f"{GROUP_NAMES.get(group, group)}",
                         **{METHOD_COLUMNS[m]: change_cell(cells[m]) for m in METHODS}})
    table1 = sensitivity["regression"]["table1"]
    for term in table1[METHODS[0]]:
        rows.append({"Estimate": f"Odds ratio: {predictor_label(term, site, in_sentence=True)}",
                     **{METHOD_COLUMNS[m]: fmt_or_ci(table1[m][term]["odds_ratio"],
                                                     table1[m][term]["ci_low"],
                                                     table1[m][term]["ci_high"])
                        for m in METHODS}})
    return pd.DataFrame(rows, columns=["Estimate", *(METHOD_COLUMNS[m] for m in METHODS)])


def sensitivity_variables(sensitivity: dict[str, Any], site: int | str) -> dict[str, Any]:
    """The section's variables: settings, per-method headline numbers and the verdicts."""
    settings = sensitivity["settings"]
    verdicts = sensitivity["conclusions"]
    holding = [k for k, v in verdicts.items() if v["holds"]]
    failing = [k for k, v in verdicts.items() if not v["holds"]]
    qct_crime = sensitivity["change"]["crime_days_30"][views.QCT]
    return {
        "imputations": fmt_count(settings["imputations"]),
        "replicates": fmt_count(settings["bootstrap_replicates"]),
        "conclusions": {
            "total": fmt_count(len(verdicts)),
            "holding": fmt_count(len(holding)),
            "holding_share": fmt_percent(100 * len(holding) / len(verdicts)),
            "failing_list": _join([conclusion_name(k, verdicts[k], site) for k in failing]),
            "verdict": ("every conclusion holds under all three methods" if not failing else
                        "some conclusions depend on how missing follow-ups are handled"),
        },
        "qct_crime": {m: {"change": change_cell(qct_crime[m]),
                          "reduction": fmt_percent(qct_crime[m]["reduction"]["value"])}
                      for m in METHODS},
        "methods": {m: METHOD_NAMES[m] for m in METHODS},
    }
