"""The scorecard writes regenerated values in the printed style and scores them exactly."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from analysis.published import STATISTICS_COLUMNS, load_published
from analysis.reproduce import (
    SCORECARD_COLUMNS,
    compare,
    explain_miss,
    format_like,
    p_satisfies,
    summary,
)

PUBLISHED = Path(__file__).resolve().parents[1] / "data" / "published"


@pytest.mark.parametrize(
    ("value", "printed", "expected"),
    [
        (22.94, "23", "23"),  # rounding to the printed 0 decimals
        (22.5, "23", "23"),  # halves away from zero, as SPSS
        (-22.5, "-23", "-23"),
        (2.675, "2.68", "2.68"),  # the decimal value, not the binary float below it
        (0.2868, ".287", ".287"),  # no leading zero when printed without
        (0.2868, "0.287", "0.287"),  # leading zero kept when printed with
        (0.96, "1.94", "0.96"),  # style unknown from the printed value: plain leading zero
        (1.2, ".287", "1.200"),
        (70.71, "71%", "71%"),  # percent on the 0-100 scale keeps its sign
        (68.57, "69%", "69%"),
        (-0.5712, "-.57", "-.57"),  # negative
        (0.5712, "-.57", ".57"),  # a sign flip shows
        (-0.5712, ".57", "-.57"),
        (-0.001, "-.26", ".00"),  # rounds to zero: no minus sign
        (-2.2, "-2.20", "-2.20"),  # trailing zero kept
        (1200.4, "£1200", "£1200"),
        (1597.5, "1597.5", "1597.5"),
        (0.1, "0.1", "0.1"),
        (3.14, "3.1", "3.1"),
        (151.0, "151", "151"),
    ],
)
def test_format_like(value, printed, expected):
    assert format_like(value, printed) == expected


@pytest.mark.parametrize(
    ("p", "printed", "expected"),
    [
        (0.0012, "p<0.01", True),
        (0.0100, "p<0.01", False),
        (0.0004, "p<0.001", True),
        (0.0012, "p<0.001", False),
        (0.049, "p<0.05", True),
        (0.21, "ns", True),
        (0.05, "ns", True),
        (0.049, "ns", False),
        (0.004, "**", True),
        (0.02, "**", False),
        (0.02, "*", True),
        # Table 1's stars are bands: a p below 0.01 would have been printed **
        (0.0001, "*", False),
        (0.01, "*", True),
        (0.05, "*", False),
        (0.01, "**", False),
        # an inline "p<0.05" stays a bound: it is true of p = 0.005
        (0.005, "p<0.05", True),
    ],
)
def test_p_satisfies(p, printed, expected):
    assert p_satisfies(p, printed) is expected


ROWS = [
    # id, published, kind, n, result_path
    ("off_mean", "23", "mean", "89", "offending.mean.QCT.t1.value"),
    ("off_rs", ".287", "r", "", "offending.rs.value"),
    ("off_pct", "71%", "percent", "", "offending.reduction.QCT.percent"),
    ("off_r", "-.57", "r", "", "offending.wilcoxon.r"),
    ("off_p_strict", "p<0.01", "p_threshold", "", "offending.chi2.p"),
    ("off_p_ns", "ns", "p_threshold", "", "offending.wilcoxon_ns.p"),
    ("off_no_path", "102", "mean", "154", ""),
    ("off_absent", "29", "mean", "", "offending.absent.value"),
]
RESULTS = {
    "offending.mean.QCT.t1.value": 22.94,
    "offending.mean.QCT.t1.n": 89,
    "offending.rs.value": 0.2868,
    "offending.reduction.QCT.percent": 70.71,
    "offending.wilcoxon.r": -0.5649,
    "offending.chi2.p": 0.012,
    "offending.wilcoxon_ns.p": 0.2134,
}


@pytest.fixture
def published(tmp_path):
    header = list(STATISTICS_COLUMNS)
    with open(tmp_path / "statistics.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        for id_, printed, kind, n, path in ROWS:
            decimals = "" if kind == "p_threshold" else str(len(printed.partition(".")[2]))
            writer.writerow(
                [
                    id_,
                    "offending",
                    f"quantity {id_}",
                    printed,
                    kind,
                    decimals,
                    n,
                    "t1",
                    "QCT",
                    "Results",
                    path,
                ]
            )
    return load_published(tmp_path)


def test_compare_scores_each_row_in_order(published):
    card = compare(published, RESULTS.get)
    assert list(card.columns) == SCORECARD_COLUMNS
    assert card[["id", "published", "regenerated", "match", "note"]].values.tolist() == [
        ["off_mean", "23", "23", "true", ""],
        ["off_rs", ".287", ".287", "true", ""],
        ["off_pct", "71%", "71%", "true", ""],
        ["off_r", "-.57", "-.56", "false", ""],
        ["off_p_strict", "p<0.01", "p=0.012", "false", ""],
        ["off_p_ns", "ns", "p=0.213", "true", ""],
        ["off_no_path", "102", "", "false", "not computed"],
        ["off_absent", "29", "", "false", "not computed"],
    ]
    assert card.loc[0, "quantity"] == "quantity off_mean"
    assert summary(card) == (4, 8)


def test_a_different_printed_n_is_a_miss(published):
    results = RESULTS | {"offending.mean.QCT.t1.n": 86}
    card = compare(published, results.get).set_index("id")
    assert card.loc["off_mean", "match"] == "false"
    assert card.loc["off_mean", "note"] == "printed n=89, regenerated n=86"


def test_a_printed_n_without_a_regenerated_one_is_a_miss(published):
    results = {k: v for k, v in RESULTS.items() if k != "offending.mean.QCT.t1.n"}
    card = compare(published, results.get).set_index("id")
    assert card.loc["off_mean", ["match", "note"]].tolist() == [
        "false",
        "printed n=89, regenerated n=none",
    ]


def test_nan_counts_as_not_computed(published):
    card = compare(published, (RESULTS | {"offending.rs.value": float("nan")}).get)
    assert card.set_index("id").loc["off_rs", ["match", "note"]].tolist() == [
        "false",
        "not computed",
    ]


def test_explain_miss_notes_only_misses(published):
    card = compare(published, RESULTS.get)
    explained = explain_miss(
        card,
        {
            "off_r": "GRIM: impossible",
            "off_mean": "never shown",
            "off_no_path": "printed n contradicts group n",
        },
    )
    notes = explained.set_index("id")["note"]
    assert notes["off_r"] == "GRIM: impossible"
    assert notes["off_mean"] == ""
    assert notes["off_no_path"] == "not computed; printed n contradicts group n"
    assert card.set_index("id").loc["off_r", "note"] == ""  # the input is not modified


def test_explain_miss_refuses_unknown_ids(published):
    card = compare(published, RESULTS.get)
    with pytest.raises(ValueError, match="not in the scorecard: no_such_id"):
        explain_miss(card, {"no_such_id": "x"})


def test_the_paper_with_no_results_is_all_not_computed():
    published = load_published(PUBLISHED)
    card = compare(published, lambda path: None)
    assert card["id"].tolist() == published["id"].tolist()
    assert summary(card) == (0, len(published))
    assert set(card["note"]) == {"not computed"}
