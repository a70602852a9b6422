"""Figure 4: the first-follow-up estimates under each missing-data method, forest-style.

Four panels (mean change in crime days, mean change in illicit-drug days, percentage
reductions, Table 1 odds ratios with the QCT group added); in each row the three methods sit
side by side with their 95% intervals. Drawn from results/sensitivity.json only.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib import ticker

from analysis import views
from analysis.figures import plt, save_figure
from analysis.prose import capitalise
from analysis.sensitivity.methods import MODELS, QCT_TERM
from analysis.sensitivity.results import METHODS
from analysis.tables import predictor_label

METHOD_LABELS = {
    "complete_case": "Complete case",
    "locf": "LOCF (as in the paper)",
    "multiple_imputation": "Multiple imputation (PMM)",
}
METHOD_STYLE = {
    "complete_case": ("#7f7f7f", "s"),
    "locf": ("#1f4e79", "o"),
    "multiple_imputation": ("#c55a11", "D"),
}
MEASURE_LABELS = {
    "crime_days_30": "days of crime",
    "illicit_drug_days_30": "days of illicit drug use",
}
GROUP_LABELS = {
    views.QCT: "QCT group",
    views.COMPARISON: "comparison group",
    views.ALL: "whole sample",
}
REDUCTION_PANEL = "Reduction in the mean (%)"
ODDS_PANEL = "Odds ratio of reporting no offence (model of the original Table 1 plus the QCT group)"
# Odds-ratio ticks: plain numbers a reader can place, kept to those inside the drawn range.
ODDS_TICKS = (0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30)
LABEL_WIDTH = 24  # characters per line of a row label
TITLE_WIDTH = 26  # characters per line of a panel title
# sensitivity.json does not carry the configured site, so the figure names it by its role; the
# caption gives its number.
SITE = "of interest"


def _label(measure: str) -> str:
    return MEASURE_LABELS.get(measure, measure)


def _wrap(text: str, width: int = LABEL_WIDTH) -> str:
    return "\n".join(textwrap.wrap(text, width))


def forest_table(results: dict[str, Any], site: int | str = SITE) -> pd.DataFrame:
    """Tidy rows (panel, row, method, estimate, low, high) of every estimate the figure shows,
    in drawing order; low/high are None where a method has no interval."""
    change = results["change"]
    groups = [g for g in (*views.GROUPS, views.ALL) if g in next(iter(change.values()))]
    rows = []
    for measure, by_group in change.items():
        for group in groups:
            for method in METHODS:
                c = by_group[group][method]["mean_change"]
                rows.append(
                    (
                        f"Mean change in {_label(measure)}",
                        capitalise(GROUP_LABELS.get(group, group)),
                        method,
                        c["value"],
                        c["ci_low"],
                        c["ci_high"],
                    )
                )
    for measure, by_group in change.items():
        for group in groups:
            for method in METHODS:
                r = by_group[group][method]["reduction"]
                if r is not None:
                    rows.append(
                        (
                            REDUCTION_PANEL,
                            f"{capitalise(_label(measure))}, {GROUP_LABELS.get(group, group)}",
                            method,
                            r["value"],
                            r["ci_low"],
                            r["ci_high"],
                        )
                    )
    model = results["regression"][MODELS[1]]
    # Table 1's terms, then the QCT group that the second model adds.
    terms = sorted(next(iter(model.values())), key=lambda term: (term == QCT_TERM, term))
    for term in terms:
        for method in METHODS:
            t = model[method][term]
            rows.append(
                (
                    ODDS_PANEL,
                    predictor_label(term, site),
                    method,
                    t["odds_ratio"],
                    t["ci_low"],
                    t["ci_high"],
                )
            )
    return pd.DataFrame(rows, columns=["panel", "row", "method", "estimate", "low", "high"])


def plot_forest(table: pd.DataFrame) -> plt.Figure:
    """One panel per `panel`, rows top to bottom in table order, methods offset within a row."""
    panels = list(dict.fromkeys(table["panel"]))
    # Drawn at the printed size (a text-width figure), so its 9-point text prints at 9 points.
    fig, axes = plt.subplots((len(panels) + 1) // 2, 2, figsize=(7.0, 8.2), squeeze=False)
    offsets = {m: 0.25 * (1 - i) for i, m in enumerate(METHODS)}
    for ax, panel in zip(axes.flat, panels, strict=False):
        sub = table[table["panel"] == panel]
        labels = list(dict.fromkeys(sub["row"]))
        for method, rows in sub.groupby("method", sort=False):
            colour, marker = METHOD_STYLE[method]
            y = [len(labels) - 1 - labels.index(r) + offsets[method] for r in rows["row"]]
            low = (rows["estimate"] - rows["low"].astype(float)).clip(lower=0).fillna(0)
            high = (rows["high"].astype(float) - rows["estimate"]).clip(lower=0).fillna(0)
            # Arrays, not Series: matplotlib calls float() on one-value Series (deprecated).
            ax.errorbar(
                rows["estimate"].to_numpy(float),
                y,
                xerr=[low.to_numpy(float), high.to_numpy(float)],
                fmt=marker,
                color=colour,
                markersize=4,
                capsize=2,
                linewidth=1,
                label=METHOD_LABELS[method],
            )
        ax.axvline(1 if panel == ODDS_PANEL else 0, color="black", linewidth=0.6)
        if panel == ODDS_PANEL:
            ax.set_xscale("log")
            low, high = ax.get_xlim()
            ax.xaxis.set_major_locator(
                ticker.FixedLocator([t for t in ODDS_TICKS if low <= t <= high])
            )
            ax.xaxis.set_major_formatter(ticker.FormatStrFormatter("%g"))
            ax.xaxis.set_minor_locator(ticker.NullLocator())
        ax.set_yticks(range(len(labels)), [_wrap(label) for label in labels[::-1]], fontsize=8)
        ax.tick_params(axis="x", labelsize=8)
        ax.set_title(_wrap(panel, TITLE_WIDTH), fontsize=9)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    handles, names = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=len(METHODS), frameon=False)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def draw(results: dict[str, Any], stem: Path) -> None:
    """Write `stem`.svg and `stem`.png (byte-stable, via analysis.figures.save_figure)."""
    save_figure(plot_forest(forest_table(results)), stem)
