"""analysis.numbers: exact variable strings, words that follow the data, and the CLI's output."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from analysis import claims, numbers
from analysis.config import Waves
from tests.results_fixture import CITED, PROVENANCE, ROOT, SCORECARD, shipped_results

WILCOXON = {"test": "wilcoxon", "z": -6.4649, "p": 1.0e-10, "r": -0.5714, "n_pairs": 64,
            "n_nonzero": 60}


def build(results, config):
    return numbers.build_variables(results, SCORECARD, CITED, PROVENANCE, config)


def with_qct_crime_days(intake: float, first: float, p: float = WILCOXON["p"]):
    """Shipped results with the QCT group's mean crime days at intake and first follow-up set."""
    results, config = shipped_results()
    w = Waves.from_config(config)
    block = results["offending"]["crime_days_30"]
    block["mean"]["QCT"][w.baseline.id] = {"value": intake, "n": 89}
    block["mean"]["QCT"][w.first_follow_up.id] = {"value": first, "n": 64}
    block["wilcoxon"]["QCT"][f"{w.baseline.id}_{w.first_follow_up.id}"] = {**WILCOXON, "p": p}
    return build(results, config)["offending"]["days30"]["qct"]


def test_a_fall_is_written_with_its_numbers_and_test():
    qct = with_qct_crime_days(22.94, 8.25)
    assert qct["baseline"] == {"value": "22.9", "n": "89", "text": "22.9 (n = 89)"}
    assert qct["first"]["text"] == "8.3 (n = 64)"
    change = qct["base_first"]
    assert (change["verb"], change["noun"], change["phrase"]) == ("fell", "fall",
                                                                 "showed a significant fall")
    assert change["test"] == "z = -6.46, p < 0.001, r = -0.57"
    assert change["test_sig"] == "significant"


def test_offending_above_intake_flips_the_words_to_a_rise():
    change = with_qct_crime_days(22.94, 30.0)["base_first"]
    assert (change["verb"], change["noun"], change["phrase"]) == ("rose", "rise",
                                                                 "showed a significant rise")
    change = with_qct_crime_days(22.94, 30.0, p=0.2)["base_first"]
    # The fixture keeps the original negative z: ranks and means disagree, so no direction.
    assert change["phrase"] == "showed no significant change"
    assert change["test_p"] == "p = 0.200"
    change = with_qct_crime_days(22.94, 20.0, p=0.2)["base_first"]
    assert change["phrase"] == "showed a non-significant fall"


def test_no_change_at_the_printed_precision():
    change = with_qct_crime_days(22.94, 22.86)["base_first"]
    assert (change["verb"], change["phrase"]) == ("did not change", "showed no change")


def test_follow_up_period_results_are_reported_through_the_last_configured_wave():
    results, config = shipped_results()
    w = Waves.from_config(config)
    first, last = w.first_follow_up.id, w.last_follow_up.id
    crime = results["offending"]["during_follow_up"]["continued_crime"]
    crime[first]["QCT"] = {"count": 1, "n": 2, "percent": 50.0}
    crime[last]["QCT"] = {"count": 62, "n": 75, "percent": 100 * 62 / 75}
    results["study"]["total_interviews"][last] = {"value": 458}
    results["retention"]["residential"][last]["all"] = {"count": 24, "n": 141,
                                                         "percent": 100 * 24 / 141}
    results["drug_use"]["abstinence"]["via_treatment_since_intake"][last] = {
        "count": 106, "n": 122, "percent": 100 * 106 / 122}
    out = build(results, config)
    assert out["offending"]["during"]["continued_crime"]["qct"]["text"] == "83% (n = 62)"
    assert out["study"]["total_interviews"] == "458"
    assert out["retention"]["residential"]["all"]["text"] == "17% (n = 24)"
    assert out["drug_use"]["abstinence"]["via_treatment_since_intake"]["text"] == "87% (n = 106)"


def test_group_shares_and_comparison_words():
    leaf = {"QCT": {"count": 79, "n": 89, "percent": 100 * 79 / 89},
            "comparison": {"count": 41, "n": 68, "percent": 100 * 41 / 68},
            "all": {"count": 120, "n": 157, "percent": 100 * 120 / 157},
            "chi2": {"test": "chi2", "statistic": 17.3456, "df": 1, "p": 3.1e-5, "n": 157}}
    out = numbers.group_shares(leaf)
    assert out["qct"] == {"text": "89% (n = 79)", "percent": "89%", "count": "79", "n": "89"}
    assert out["text"] == "χ² = 17.35, d.f. = 1, p < 0.001"
    assert (out["sig"], out["qct_vs_comparison"]) == ("significant", "more likely than")
    leaf["QCT"]["percent"], leaf["chi2"] = 20.0, None
    out = numbers.group_shares(leaf)
    assert (out["qct_vs_comparison"], out["sig"], out["text"]) == (
        "less likely than", "not testable", "not testable")


@pytest.mark.parametrize(("value", "expected"), [
    (70.7, {"percent": "71%", "word": "reduction"}),
    (-14.6, {"percent": "15%", "word": "increase"}),
    (0.2, {"percent": "0%", "word": "change"}),
])
def test_reduction(value, expected):
    assert numbers.reduction(value) == expected


def test_waves_come_from_config_not_from_the_paper():
    waves = Waves.from_config({"waves": [
        {"id": "t1", "months": 0, "label": "intake"},
        {"id": "t2", "months": 6, "label": "6-month follow-up"},
        {"id": "t3", "months": 12, "label": "12-month follow-up"}]})
    out = numbers.waves_vars(waves)
    assert out["last"] == {"label": "12-month follow-up", "at": "at the 12-month follow-up",
                           "months": "12"}
    assert out["baseline"]["at"] == "at intake"
    assert out["follow_up_list"] == "the 6-month follow-up and the 12-month follow-up"
    assert out["count"] == "3"


def test_configured_missing_data_method_is_named():
    results, config = shipped_results()
    assert build(results, config)["config"]["missing_data"]["short"] == "LOCF"
    config["missing_data"] = "complete_case"
    named = build(results, config)["config"]["missing_data"]
    assert (named["name"], named["other"]) == ("complete-case analysis",
                                               "last observation carried forward (LOCF)")


def test_stepwise_agreement_with_the_reported_model():
    results, config = shipped_results()
    results["regression"]["stepwise"]["selected"] = list(config["regression"]["final"])
    step = build(results, config)["regression"]["stepwise"]
    assert (step["agrees"], step["qct"]) == ("the same predictors as", "did not enter")
    results["regression"]["stepwise"]["selected"] = ["qct"]
    step = build(results, config)["regression"]["stepwise"]
    assert (step["agrees"], step["qct"], step["selected"]) == (
        "different predictors from", "entered", "court-ordered (QCT) group")


def test_hypothesis_verdicts_follow_the_generated_words():
    fall, rise = "showed a significant fall", "showed a significant rise"
    base = {"offending": {"days30": {"qct": {"base_last": {"phrase": fall}},
                                     "comparison": {"base_last": {"phrase": rise}}}},
            "drug_use": {"illicit_drug_days_30": {"qct": {"base_last": {"phrase": fall}},
                                                  "comparison": {"base_last": {"phrase": fall}}}},
            "retention": {"in_treatment": {"qct_vs_comparison": "less likely than",
                                           "sig": "significant"}},
            "regression": {"stepwise": {"qct": "did not enter"}}}
    assert numbers.hypotheses_vars(base) == {
        "first": "consistent with", "second": "partly consistent with",
        "third": "not consistent with", "fourth": "not consistent with"}


def test_scorecard_cited_and_provenance():
    results, config = shipped_results()
    out = build(results, config)
    assert out["scorecard"] == {"matched": "2", "total": "3", "percent": "67%", "missed": "1",
                                "not_computed": "1", "missed_computed": "0"}
    assert out["cited"] == {"dtto_orders_since_2001": "40,000"}
    assert out["report"]["date"] == "2024-05-01"
    assert out["provenance"]["packages"]["pypandoc_binary"] == "1.15"
    assert out["provenance"]["anonymity"]["quasi_identifiers"] == (
        "sex, age band, ethnicity and site")


def test_missing_results_are_refused_by_name():
    results, config = shipped_results()
    del results["retention"]
    with pytest.raises(ValueError, match="retention"):
        build(results, config)


def test_unnumbered_marks_headings_outside_code():
    text = "## A\ntext # not a heading\n```\n# code\n```\n### B {#x}\n"
    assert numbers.unnumbered(text) == (
        "## A {.unnumbered}\ntext # not a heading\n```\n# code\n```\n### B {#x}\n")


def test_cli_writes_sorted_string_yaml_and_tables_deterministically(tmp_path):
    from analysis.io import write_json

    results, config = shipped_results()
    for domain, result in results.items():
        write_json(result, tmp_path / "results" / f"{domain}.json")
    SCORECARD.to_csv(tmp_path / "reproduction.csv", index=False)
    claimed = claims.load_claims(ROOT / "data" / "published")
    claims.score(claimed, results).to_csv(tmp_path / "claims.csv", index=False)
    args = ["--results-dir", str(tmp_path / "results"), "--scorecard",
            str(tmp_path / "reproduction.csv"), "--claims", str(tmp_path / "claims.csv"),
            "--published", str(ROOT / "data" / "published"),
            "--raw-dir", str(ROOT / "data" / "raw"),
            "--config", str(ROOT / "config" / "config.yaml"),
            "--consistency", str(ROOT / "docs" / "consistency.md")]
    outputs = []
    for run in ("a", "b"):
        out = tmp_path / run
        assert numbers.main([*args, "--variables", str(out / "_variables.yml"),
                             "--tables", str(out / "_tables")]) == 0
        outputs.append({p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*.*"))})
    assert outputs[0] == outputs[1]
    names = {p.name for p in outputs[0]}
    assert {"_variables.yml", "intake.md", "retention.md", "table1_regression.md",
            "scorecard.md", "consistency.md", "claims.md", "claims_summary.md"} <= names
    tree = yaml.safe_load(outputs[0][next(p for p in outputs[0] if p.name == "_variables.yml")])
    assert tree["study"]["n_total"] == "157"  # a string, never a YAML number


def test_cli_stops_on_missing_results(tmp_path, capsys):
    (tmp_path / "results").mkdir()
    pd.DataFrame(columns=SCORECARD.columns).to_csv(tmp_path / "s.csv", index=False)
    code = numbers.main(["--results-dir", str(tmp_path / "results"), "--scorecard",
                         str(tmp_path / "s.csv"), "--claims", str(tmp_path / "c.csv"),
                         "--published", "x", "--raw-dir", "x",
                         "--config", str(ROOT / "config" / "config.yaml"),
                         "--variables", str(tmp_path / "v.yml"), "--tables", str(tmp_path / "t")])
    assert code == 1
    assert "no results for study" in capsys.readouterr().err
    assert not (tmp_path / "v.yml").exists()
