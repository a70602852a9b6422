"""The report's figures, drawn from the results JSON (never from raw data directly).

Figure 1 and Figure 2 reproduce the paper's bar charts of mean days (crime; illicit drug use
excluding cannabis and prescribed methadone) in the last 30 days by group and wave, with each
wave's n on the axis; as in the paper's Figure 1, a star marks intake means that differ
significantly between the groups and a note gives the test. Figure 3 is new: the share
homeless, in treatment and offending at each wave, by group. Outputs are SVG (for HTML) and
PNG (for PDF), with fixed metadata and SVG hash salt so that reruns are byte-identical.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from analysis.config import Waves, load_config  # noqa: E402
from analysis.formatting import fmt_count, fmt_number, fmt_test, significance, typeset  # noqa: E402
from analysis.io import atomic_write  # noqa: E402
from analysis.results import load_results  # noqa: E402

GROUPS = ("QCT", "comparison")
GROUP_LABELS = {"QCT": "QCT (court-ordered)", "comparison": "Comparison ('voluntary')"}
GROUP_COLOURS = {"QCT": "#1f4e79", "comparison": "#a9c4e0"}
PNG_DPI = 200

plt.rcParams.update(
    {
        "svg.hashsalt": "qct-evaluation",  # stable element ids in SVG
        "svg.fonttype": "none",  # text stays text in SVG (smaller, searchable)
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)


def group_wave_means(block: dict, waves: Waves) -> pd.DataFrame:
    """Tidy table (wave, label, group, mean, n_group, n_wave) from a results block of the form
    {group: {wave_id: {"value": mean, "n": n}}} with groups QCT, comparison and all."""
    rows = []
    for wave in waves.all:
        n_wave = block.get("all", {}).get(wave.id, {}).get("n")
        for group in GROUPS:
            stat = block.get(group, {}).get(wave.id, {})
            rows.append(
                {
                    "wave": wave.id,
                    "label": wave.label,
                    "group": group,
                    "mean": stat.get("value"),
                    "n_group": stat.get("n"),
                    "n_wave": n_wave,
                }
            )
    return pd.DataFrame(rows)


def plot_group_bars(
    table: pd.DataFrame, ylabel: str, ymax: float = 30, intake_test: Mapping[str, Any] | None = None
) -> plt.Figure:
    """Grouped bars of the mean by wave (x, labelled with the wave and its n) and group.

    With `intake_test` (the between-group test at the first wave) significant, the first
    wave's means carry a star and the test is printed beneath, as in the paper's Figure 1.
    """
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    wave_ids = list(dict.fromkeys(table["wave"]))
    starred = (
        intake_test is not None
        and intake_test.get("p") is not None
        and significance(intake_test["p"]) == "significant"
    )
    width = 0.38
    for offset, group in zip((-width / 2, width / 2), GROUPS, strict=True):
        sub = table[table["group"] == group].set_index("wave").reindex(wave_ids)
        xs = [i + offset for i in range(len(wave_ids))]
        bars = ax.bar(
            xs, sub["mean"].fillna(0), width, label=GROUP_LABELS[group], color=GROUP_COLOURS[group]
        )
        for i, (bar, mean) in enumerate(zip(bars, sub["mean"], strict=True)):
            if pd.notna(mean):
                ax.annotate(
                    f"{fmt_number(mean, 0)}{'*' if starred and i == 0 else ''}",
                    (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center",
                    va="bottom",
                    fontsize=8,
                    xytext=(0, 2),
                    textcoords="offset points",
                )
    first = table.drop_duplicates("wave").set_index("wave").reindex(wave_ids)
    ax.set_xticks(range(len(wave_ids)))
    ax.set_xticklabels(
        [
            f"{label[:1].upper()}{label[1:]}\n(n = {fmt_count(n)})"
            for label, n in zip(first["label"], first["n_wave"], strict=True)
        ]
    )
    ax.set_ylim(0, ymax)
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, loc="upper right")
    if starred:
        fig.text(0.01, 0.01, typeset(f"* {fmt_test(intake_test)}"), fontsize=8)
        fig.tight_layout(rect=(0, 0.05, 1, 1))
    else:
        fig.tight_layout()
    return fig


def status_shares(results: dict, waves: Waves) -> pd.DataFrame:
    """Tidy table (measure, wave, group, percent, n) of the shares shown in Figure 3."""
    blocks = {
        "Homeless (last 30 days)": results["reintegration"]["homeless_30"]["percent"],
        "Offending (last 30 days)": results["offending"]["any_crime_30"],
        "In treatment": results["retention"]["in_treatment_by_wave"],
    }
    rows = []
    for measure, block in blocks.items():
        for wave in waves.all:
            for group in GROUPS:
                stat = block.get(group, {}).get(wave.id)
                if stat:
                    rows.append(
                        {
                            "measure": measure,
                            "wave": wave.id,
                            "group": group,
                            "percent": stat.get("percent"),
                            "n": stat.get("n"),
                        }
                    )
    return pd.DataFrame(rows)


def plot_status_lines(table: pd.DataFrame, waves: Waves) -> plt.Figure:
    """One panel per measure: percent by wave (placed at its months since intake), a line per
    group."""
    wave_ids = waves.ids
    months = {w.id: w.months for w in waves.all}
    measures = list(dict.fromkeys(table["measure"]))
    fig, axes = plt.subplots(1, len(measures), figsize=(7.2, 2.8), sharey=True)
    for ax, measure in zip(axes, measures, strict=True):
        sub = table[table["measure"] == measure]
        for group in GROUPS:
            g = sub[sub["group"] == group].set_index("wave").reindex(wave_ids)
            ax.plot(
                [months[w] for w in wave_ids],
                g["percent"],
                marker="o",
                color=GROUP_COLOURS[group],
                label=GROUP_LABELS[group],
            )
        ax.set_title(measure, fontsize=9)
        ax.set_ylim(0, 100)
        ax.set_xticks([months[w] for w in wave_ids])
        ax.set_xlabel("Months since intake")
        ax.grid(axis="y", color="#dddddd", linewidth=0.5)
    axes[0].set_ylabel("Per cent of those with data")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, frameon=False)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def save_figure(fig: plt.Figure, stem: Path) -> None:
    """Write `stem`.svg and `stem`.png with no dates or software strings (byte-stable)."""
    atomic_write(
        stem.with_suffix(".svg"),
        lambda tmp: fig.savefig(tmp, format="svg", metadata={"Date": None, "Creator": None}),
    )
    atomic_write(
        stem.with_suffix(".png"),
        lambda tmp: fig.savefig(tmp, format="png", dpi=PNG_DPI, metadata={"Software": None}),
    )
    plt.close(fig)


def build_figures(results: dict, config: dict, out_dir: Path) -> list[Path]:
    """Draw every figure of the report into `out_dir`; return the stems written."""
    waves = Waves.from_config(config)
    figures = {
        "fig1_crime_days": plot_group_bars(
            group_wave_means(results["offending"]["crime_days_30"]["mean"], waves),
            "Mean days of crime, last 30 days",
            intake_test=results["offending"]["crime_days_30"]["baseline_t_test"],
        ),
        "fig2_illicit_days": plot_group_bars(
            group_wave_means(results["drug_use"]["illicit_drug_days_30"]["mean"], waves),
            "Mean days of illicit drug use, last 30 days",
        ),
        "fig3_status_by_wave": plot_status_lines(status_shares(results, waves), waves),
    }
    stems = []
    for name, fig in figures.items():
        stem = out_dir / name
        save_figure(fig, stem)
        stems.append(stem)
    return stems


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", required=True, nargs="+", help="the results files it plots")
    parser.add_argument("--config", required=True)
    parser.add_argument("--out-dir", required=True, type=Path)
    args = parser.parse_args(argv)
    build_figures(load_results(args.results), load_config(args.config), args.out_dir)


if __name__ == "__main__":
    main()
