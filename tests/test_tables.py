"""analysis.tables: exact Markdown for tiny inputs, and clear errors for bad ones."""

from __future__ import annotations

import re
import urllib.parse

import pandas as pd
import pytest

from analysis import tables
from analysis.config import Waves
from tests.results_fixture import SCORECARD, shipped_results

WAVES = Waves.from_config(
    {
        "waves": [
            {"id": "t1", "months": 0, "label": "intake"},
            {"id": "t2", "months": 6, "label": "6-month follow-up"},
        ]
    }
)


def share(count, n):
    return {"count": count, "n": n, "percent": 100.0 * count / n}


def chi2(statistic, p):
    return {"test": "chi2", "statistic": statistic, "df": 1, "p": p, "n": 20}


def means(qct, comparison, everyone, p=0.5):
    return {
        "QCT": {"value": qct, "n": 10},
        "comparison": {"value": comparison, "n": 10},
        "all": {"value": everyone, "n": 20},
        "t_test": {"test": "t", "statistic": 1.234, "df": 18.0, "p": p, "n": 20},
    }


def aligned(markdown: str) -> str:
    """A pipe table with each rule's dashes as two: its alignment without its widths."""
    head, rule, *rows = markdown.split("\n")
    return "\n".join([head, re.sub("-+", "--", rule), *rows])


def test_rule_dashes_follow_each_columns_widest_text_up_to_a_cap():
    frame = pd.DataFrame(
        {
            "Predictor": ["Entered treatment at site 2", "a few words " * 5],
            "Odds ratio": ["0.26**", "1.00"],
            "p": ["0.008", "0.5"],
            "Id": ["an_identifier_of_thirty_five_chars_", "b"],
        }
    )
    rule = tables.to_markdown(frame).splitlines()[1]
    # The widest cell (60 characters) is capped at 30; an unbreakable word counts a quarter
    # wider: "0.26**" (6) as 8, "0.008" (5) as 7, an id (35) as 44, not capped; each plus an
    # inset of 3.
    assert (tables.WIDEST_RULE, tables.CELL_INSET, tables.UNBROKEN) == (30, 3, 1.25)
    assert rule == f"| :{'-' * 33} | {'-' * 11}: | {'-' * 10}: | :{'-' * 47} |"
    # A zero-width space breaks a word: a long path (62 letters) wraps there, so its column is
    # sized as text (capped at 30), not as one unbroken word (78).
    path = pd.DataFrame({"Evidence": ["\u200b".join(["a" * 20] * 3) + "."]})
    assert tables.column_widths(path) == [3 + 30]


def test_to_markdown_aligns_and_escapes_pipes():
    frame = pd.DataFrame({"Name": ["a|b", "c"], "Value": ["1", "2"]})
    assert aligned(tables.to_markdown(frame)) == (
        "| Name | Value |\n| :-- | --: |\n| a\\|b | 1 |\n| c | 2 |\n"
    )


def test_to_markdown_refuses_unformatted_numbers():
    with pytest.raises(ValueError, match="formatted strings"):
        tables.to_markdown(pd.DataFrame({"x": [1.5]}))


def test_regression_table_in_the_configured_order_with_stars():
    model = {
        "coefficients": {
            "age": {"odds_ratio": 0.92, "ci_low": 0.85, "ci_high": 0.98, "p": 0.02},
            "site_of_interest": {"odds_ratio": 0.26, "ci_low": 0.1, "ci_high": 0.7, "p": 0.008},
        }
    }
    out = aligned(
        tables.to_markdown(tables.regression_table(model, ["site_of_interest", "age"], 2))
    )
    assert out == (
        "| Predictor | Odds ratio | 95% CI | p |\n"
        "| :-- | --: | --: | --: |\n"
        "| Entered treatment at site 2 | 0.26** | 0.10 to 0.70 | 0.008 |\n"
        "| Age (per year) | 0.92* | 0.85 to 0.98 | 0.020 |\n"
    )
    model["fit"] = {"n": 105, "nagelkerke_r2": 0.3836}
    out = tables.to_markdown(tables.regression_table(model, ["age"], 2))
    assert out.endswith(
        "| People in the model (n) | 105 |  |  |\n| Nagelkerke R² | 0.384 |  |  |\n"
    )


def test_by_wave_table_of_means():
    block = {
        "QCT": {"t1": {"value": 22.94, "n": 89}, "t2": {"value": 8.25, "n": 64}},
        "comparison": {"t1": {"value": 9.3, "n": 62}},
        "all": {"t1": {"value": 17.32, "n": 151}, "t2": {"value": None, "n": 0}},
    }
    out = aligned(tables.to_markdown(tables.by_wave_table(block, WAVES, tables.mean_n_cell)))
    assert out == (
        "| Wave | QCT | Comparison | All |\n"
        "| :-- | --: | --: | --: |\n"
        "| Intake | 22.9 (89) | 9.3 (62) | 17.3 (151) |\n"
        "| 6-month follow-up | 8.3 (64) | - | - |\n"
    )


def test_retention_table():
    retention = {
        "in_treatment": {
            "QCT": share(5, 10),
            "comparison": share(6, 10),
            "all": share(11, 20),
            "chi2": chi2(0.2, 0.65),
        },
        "retained_beyond": {
            "threshold_days": {"value": 90},
            "retained": {
                "QCT": share(8, 10),
                "comparison": share(9, 10),
                "all": share(17, 20),
                "chi2": None,
            },
        },
        "residential": {
            "t2": {
                "QCT": share(1, 10),
                "comparison": share(2, 10),
                "all": share(3, 20),
                "chi2": chi2(0.39, 0.53),
            }
        },
        "days_in_treatment": {"t2": means(117.0, 129.0, 123.0)},
        "days_in_treatment_not_in_treatment": means(86.0, 107.0, 96.5, p=0.0004),
    }
    out = aligned(tables.to_markdown(tables.retention_table(retention, WAVES)))
    assert out == (
        "| Measure | QCT | Comparison | All | Test | p |\n"
        "| :-- | --: | --: | --: | :-- | --: |\n"
        "| In treatment at the 6-month follow-up | 5 (50%) | 6 (60%) | 11 (55%) "
        "| χ² = 0.20, d.f. = 1 | 0.650 |\n"
        "| Retained beyond 90 days | 8 (80%) | 9 (90%) | 17 (85%) | - | - |\n"
        "| Residential treatment by the 6-month follow-up | 1 (10%) | 2 (20%) | 3 (15%) "
        "| χ² = 0.39, d.f. = 1 | 0.530 |\n"
        "| Days in treatment by the 6-month follow-up, mean | 117.0 (10) | 129.0 (10) "
        "| 123.0 (20) | t = 1.23, d.f. = 18 | 0.500 |\n"
        "| Days in treatment, those no longer in treatment at the 6-month follow-up, mean "
        "| 86.0 (10) | 107.0 (10) | 96.5 (20) | t = 1.23, d.f. = 18 | &lt; 0.001 |\n"
    )


def test_stat_cells_dispatch_and_refuse_unknown_tests():
    assert tables.stat_cells({"test": "mann_whitney", "statistic": 1597.5, "p": 0.0004}) == (
        "U = 1597.5",
        "< 0.001",
    )
    assert tables.stat_cells({"test": "wilcoxon", "z": -6.461, "p": 0.03}) == ("z = -6.46", "0.030")
    assert tables.stat_cells(None) == ("-", "-")
    with pytest.raises(ValueError, match="anova"):
        tables.stat_cells({"test": "anova", "p": 0.5})


def test_intake_table_has_a_row_per_characteristic_and_group_sizes():
    results, _ = shipped_results()
    frame = tables.intake_table(results["profile"])
    assert len(frame) == len(tables.INTAKE_ROWS)
    assert list(frame.columns) == [
        "Characteristic at intake",
        "QCT (n = 89)",
        "Comparison (n = 68)",
        "All (n = 157)",
        "Test",
        "p",
    ]
    male = frame.iloc[0]
    assert male["Characteristic at intake"] == "Male"
    assert male["Test"].startswith("χ² = ")


def test_scorecard_tables():
    card = SCORECARD.assign(regenerated=["157", "p=2.6e-07", ""])
    assert aligned(tables.to_markdown(tables.scorecard_table(card))) == (
        "| Id | Quantity | Published | Regenerated | Match | Note |\n"
        "| :-- | :-- | --: | :-- | :-- | :-- |\n"
        "| study_n_total | people in the sample | 157 | 157 | yes |  |\n"
        "| prof_male_n | men | 120 | p &lt; 0.001 | yes |  |\n"
        "| off_days_qct_t1 | QCT mean crime days at intake | 23 |  | no | not computed |\n"
    )
    assert tables.scorecard_misses(card).values.tolist() == [
        ["off_days_qct_t1: QCT mean crime days at intake", "23", "", "not computed"]
    ]
    assert aligned(tables.to_markdown(tables.scorecard_summary(SCORECARD))) == (
        "| Domain | Reproduced | Printed | Share |\n"
        "| :-- | --: | --: | --: |\n"
        "| study | 1 | 1 | 100% |\n"
        "| profile | 1 | 1 | 100% |\n"
        "| offending | 0 | 1 | 0% |\n"
    )


def test_scorecard_refuses_unknown_match_values_and_prefixes():
    with pytest.raises(ValueError, match="match"):
        tables.scorecard_table(SCORECARD.assign(match="maybe"))
    with pytest.raises(ValueError, match="xyz_1"):
        tables.scorecard_summary(SCORECARD.assign(id=["xyz_1", "study_n", "off_x"]))


def test_the_full_scorecard_is_an_html_block_with_a_csv_download():
    card = SCORECARD.assign(note=["", "a -1.5 <b>", "not computed"])
    block = tables.scorecard_html(tables.scorecard_table(card))
    assert block.startswith("```{=html}\n<details") and block.endswith("</details>\n```\n")
    # An id may wrap after an underscore, but copies (text without the <wbr> tags) verbatim.
    cell = '<td data-label="Id">study_<wbr>n_<wbr>total</td>'
    assert cell in block and cell.replace("<wbr>", "") == '<td data-label="Id">study_n_total</td>'
    assert '<td data-label="Note">a \u22121.5 &lt;b&gt;</td>' in block  # typeset, then escaped
    csv = urllib.parse.unquote(block.split('href="data:text/csv;charset=utf-8,')[1].split('"')[0])
    assert csv.splitlines()[0] == "Id,Quantity,Published,Regenerated,Match,Note"
    assert csv.splitlines()[2] == "prof_male_n,men,120,120,yes,a -1.5 <b>"


def test_text_that_starts_with_a_digit_stays_left_aligned():
    frame = pd.DataFrame(
        {
            "Id": ["a", "b"],
            "Value": ["1.94 (1.23 to 3.08)", "28 (31%)"],
            "Evidence": ["1 of 3 conditions fail", "2 of 2 conditions hold"],
        }
    )
    rule = aligned(tables.to_markdown(frame)).splitlines()[1]
    assert rule == "| :-- | --: | :-- |"
