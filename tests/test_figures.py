"""analysis.figures and the sensitivity figure: what a reader sees on them (labels, stars,
notes, tick labels), checked on the drawn matplotlib objects from small hand-made inputs."""

from __future__ import annotations

import pandas as pd

from analysis import figures
from analysis.sensitivity import figure as forest

TABLE = pd.DataFrame(
    {
        "wave": ["t1", "t1", "t2", "t2"],
        "label": ["intake", "intake", "6-month follow-up", "6-month follow-up"],
        "group": ["QCT", "comparison"] * 2,
        "mean": [22.94, 9.3, 4.2, 4.4],
        "n_group": [89, 62, 64, 41],
        "n_wave": [151, 151, 105, 105],
    }
)
T_TEST = {"test": "t", "statistic": 6.73, "df": 149, "p": 1e-9}


def _texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts] + [t.get_text() for t in fig.texts]


def test_figure_one_stars_the_intake_means_and_gives_the_test_in_a_note():
    fig = figures.plot_group_bars(TABLE, "Mean days", intake_test=T_TEST)
    texts = _texts(fig)
    assert texts[:2] == ["23*", "4"] and texts[2:4] == ["9*", "4"]
    assert texts[-1] == "* t\u00a0=\u00a06.73, d.f.\u00a0=\u00a0149, p\u00a0<\u00a00.001"
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels == ["Intake\n(n = 151)", "6-month follow-up\n(n = 105)"]


def test_no_star_when_the_intake_difference_is_not_significant():
    fig = figures.plot_group_bars(TABLE, "Mean days", intake_test={**T_TEST, "p": 0.3})
    assert not any("*" in t for t in _texts(fig))


def test_the_sensitivity_figure_names_rows_in_words_and_ticks_plainly():
    cell = {
        "mean_change": {"value": -5.0, "ci_low": -7.0, "ci_high": -3.0},
        "reduction": {"value": 40.0, "ci_low": 20.0, "ci_high": 60.0},
    }
    term = {"odds_ratio": 0.3, "ci_low": 0.1, "ci_high": 0.9}
    methods = ("complete_case", "locf", "multiple_imputation")
    results = {
        "change": {"crime_days_30": {"QCT": {m: cell for m in methods}}},
        "regression": {
            model: {m: {"drug_composite_z": term, "qct": term} for m in methods}
            for model in forest.MODELS
        },
    }
    table = forest.forest_table(results)
    assert set(table["row"]) == {
        "QCT group",
        "Days of crime, QCT group",
        "Composite drug use score at intake (standardised)",
        "Court-ordered (QCT) group",
    }
    fig = forest.plot_forest(table)
    fig.canvas.draw()
    odds = fig.axes[2]
    ticks = [t.get_text() for t in odds.get_xticklabels()]
    assert ticks and all(t in {f"{v:g}" for v in forest.ODDS_TICKS} for t in ticks)
