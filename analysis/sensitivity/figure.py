"""Figure 4: the first-follow-up estimates under each missing-data method, forest-style.

Four panels (mean change in crime days, mean change in illicit-drug days, percentage
reductions, Table 1 odds ratios with the QCT group added); in each row the three methods sit
side by side with their 95% intervals. Drawn from results/sensitivity.json only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib import ticker

from analysis import views
from analysis.figures import plt, save_figure
from analysis.sensitivity.methods import MODELS, QCT_TERM
from analysis.sensitivity.results import METHODS

METHOD_LABELS = {"complete_case": "Complete case", "locf": "LOCF (as in the paper)",
                 "multiple_imputation": "Multiple imputation (PMM)"}
METHOD_STYLE = {"complete_case": ("#7f7f7f", "s"), "locf": ("#1f4e79", "o"),
                "multiple_imputation": ("#c55a11", "D")}
MEASURE_LABELS = {"crime_days_30": "crime days", "illicit_drug_days_30": "illicit-drug days"}
REDUCTION_PANEL = "Reduction in the mean (%)"
ODDS_PANEL = "Odds ratio of reporting no offence (Table 1 model + QCT group)"


def _label(measure: str) -> str:
    return MEASURE_LABELS.get(measure, measure)


def forest_table(results: dict[str, Any]) -> pd.DataFrame:
    """Tidy rows (panel, row, method, estimate, low, high) of every estimate the figure shows,
    in drawing order; low/high are None where a method has no interval."""
    change = results["change"]
    groups = [g for g in (*views.GROUPS, views.ALL) if g in next(iter(change.values()))]
    rows = []
    for measure, by_group in change.items():
        for group in groups:
            for method in METHODS:
                c = by_group[group][method]["mean_change"]
                rows.append((f"Mean change in {_label(measure)} (days)",
                             group, method, c["value"], c["ci_low"], c["ci_high"]))
    for measure, by_group in change.items():
        for group in groups:
            for method in METHODS:
                r = by_group[group][method]["reduction"]
                if r is not None:
                    rows.append((REDUCTION_PANEL, f"{_label(measure)}: {group}", method,
                                 r["value"], r["ci_low"], r["ci_high"]))
    model = results["regression"][MODELS[1]]
    # Table 1's terms, then the QCT group that the second model adds.
    terms = sorted(next(iter(model.values())), key=lambda term: (term == QCT_TERM, term))
    for term in terms:
        for method in METHODS:
            t = model[method][term]
            rows.append((ODDS_PANEL, term, method, t["odds_ratio"], t["ci_low"], t["ci_high"]))
    return pd.DataFrame(rows, columns=["panel", "row", "method", "estimate", "low", "high"])


def plot_forest(table: pd.DataFrame) -> plt.Figure:
    """One panel per `panel`, rows top to bottom in table order, methods offset within a row."""
    panels = list(dict.fromkeys(table["panel"]))
    fig, axes = plt.subplots((len(panels) + 1) // 2, 2, figsize=(10, 7), squeeze=False)
    offsets = {m: 0.25 * (1 - i) for i, m in enumerate(METHODS)}
    for ax, panel in zip(axes.flat, panels, strict=False):
        sub = table[table["panel"] == panel]
        labels = list(dict.fromkeys(sub["row"]))
        for method, rows in sub.groupby("method", sort=False):
            colour, marker = METHOD_STYLE[method]
            y = [len(labels) - 1 - labels.index(r) + offsets[method] for r in rows["row"]]
            low = (rows["estimate"] - rows["low"].astype(float)).clip(lower=0).fillna(0)
            high = (rows["high"].astype(float) - rows["estimate"]).clip(lower=0).fillna(0)
            ax.errorbar(rows["estimate"], y, xerr=[low, high], fmt=marker, color=colour,
                        markersize=4, capsize=2, linewidth=1, label=METHOD_LABELS[method])
        ax.axvline(1 if panel == ODDS_PANEL else 0, color="black", linewidth=0.6)
        if panel == ODDS_PANEL:
            ax.set_xscale("log")
            ax.xaxis.set_major_locator(ticker.LogLocator(base=2))
            ax.xaxis.set_major_formatter(ticker.FormatStrFormatter("%g"))
            ax.xaxis.set_minor_formatter(ticker.NullFormatter())
        ax.set_yticks(range(len(labels)), labels[::-1])
        ax.set_title(panel, fontsize=9)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    handles, names = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=len(METHODS), frameon=False)
    fig.suptitle("Baseline to first follow-up under each missing-data method (95% intervals)",
                 fontsize=10)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def draw(results: dict[str, Any], stem: Path) -> None:
    """Write `stem`.svg and `stem`.png (byte-stable, via analysis.figures.save_figure)."""
    save_figure(plot_forest(forest_table(results)), stem)
