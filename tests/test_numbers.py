"""analysis.numbers: exact variable strings, words that follow the data, and the CLI's output."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
import yaml

from analysis import claims, numbers
from analysis.config import Waves, effective_config
from tests.results_fixture import CITED, PROVENANCE, ROOT, SCORECARD, shipped_results

WILCOXON = {
    "test": "wilcoxon",
    "z": -6.4649,
    "p": 1.0e-10,
    "r": -0.5714,
    "n_pairs": 64,
    "n_nonzero": 60,
}


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
    assert (change["verb"], change["noun"], change["phrase"]) == (
        "fell",
        "fall",
        "showed a significant fall",
    )
    assert change["test"] == "z = -6.46, p < 0.001, r = -0.57"
    assert change["test_sig"] == "significant"


def test_offending_above_intake_flips_the_words_to_a_rise():
    change = with_qct_crime_days(22.94, 30.0)["base_first"]
    assert (change["verb"], change["noun"], change["phrase"]) == (
        "rose",
        "rise",
        "showed a significant rise",
    )
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
    results["retention"]["residential"][last]["all"] = {
        "count": 24,
        "n": 141,
        "percent": 100 * 24 / 141,
    }
    results["drug_use"]["abstinence"]["via_treatment_since_intake"][last] = {
        "count": 106,
        "n": 122,
        "percent": 100 * 106 / 122,
    }
    out = build(results, config)
    assert out["offending"]["during"]["continued_crime"]["qct"]["text"] == "83% (n = 62)"
    assert out["study"]["total_interviews"] == "458"
    assert out["retention"]["residential"]["all"]["text"] == "17% (n = 24)"
    assert out["drug_use"]["abstinence"]["via_treatment_since_intake"]["text"] == "87% (n = 106)"


def test_group_shares_and_comparison_words():
    leaf = {
        "QCT": {"count": 79, "n": 89, "percent": 100 * 79 / 89},
        "comparison": {"count": 41, "n": 68, "percent": 100 * 41 / 68},
        "all": {"count": 120, "n": 157, "percent": 100 * 120 / 157},
        "chi2": {"test": "chi2", "statistic": 17.3456, "df": 1, "p": 3.1e-5, "n": 157},
    }
    out = numbers.group_shares(leaf)
    assert out["qct"] == {"text": "89% (n = 79)", "percent": "89%", "count": "79", "n": "89"}
    assert out["text"] == "χ² = 17.35, d.f. = 1, p < 0.001"
    assert (out["sig"], out["qct_vs_comparison"]) == ("significant", "more likely than")
    leaf["QCT"]["percent"], leaf["chi2"] = 20.0, None
    out = numbers.group_shares(leaf)
    assert (out["qct_vs_comparison"], out["sig"], out["text"]) == (
        "less likely than",
        "not testable",
        "not testable",
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (70.7, {"percent": "71%", "word": "reduction", "phrase": "a reduction of 71%"}),
        (-14.6, {"percent": "15%", "word": "increase", "phrase": "an increase of 15%"}),
        (0.2, {"percent": "0%", "word": "change", "phrase": "no change"}),
    ],
)
def test_reduction(value, expected):
    assert numbers.reduction(value) == expected


def test_waves_come_from_config_not_from_the_paper():
    waves = Waves.from_config(
        {
            "waves": [
                {"id": "t1", "months": 0, "label": "intake"},
                {"id": "t2", "months": 6, "label": "6-month follow-up"},
                {"id": "t3", "months": 12, "label": "12-month follow-up"},
            ]
        }
    )
    out = numbers.waves_vars(waves)
    assert out["last"] == {
        "label": "12-month follow-up",
        "at": "at the 12-month follow-up",
        "months": "12",
    }
    assert out["baseline"]["at"] == "at intake"
    assert out["follow_up_list"] == "the 6-month follow-up and the 12-month follow-up"
    assert out["count"] == "3"


def test_configured_missing_data_method_is_named():
    results, config = shipped_results()
    assert build(results, config)["config"]["missing_data"]["short"] == "LOCF"
    config["missing_data"] = "complete_case"
    named = build(results, config)["config"]["missing_data"]
    assert (named["name"], named["other"]) == (
        "complete-case analysis",
        "last observation carried forward (LOCF)",
    )


def test_stepwise_agreement_with_the_reported_model():
    results, config = shipped_results()
    results["regression"]["stepwise"]["selected"] = list(config["regression"]["final"])
    step = build(results, config)["regression"]["stepwise"]
    assert (step["agrees"], step["qct"]) == ("the same predictors as", "did not enter")
    assert step["qct_meaning"].endswith("legal status made no significant difference to offending")
    results["regression"]["stepwise"]["selected"] = ["qct"]
    step = build(results, config)["regression"]["stepwise"]
    assert (step["agrees"], step["qct"], step["selected"]) == (
        "different predictors from",
        "entered",
        "being in the court-ordered (QCT) group",
    )
    assert step["qct_meaning"].startswith("legal status still predicted offending")


def test_hypothesis_verdicts_follow_the_generated_words():
    fall, rise = "showed a significant fall", "showed a significant rise"
    base = {
        "offending": {
            "days30": {
                "qct": {"base_last": {"phrase": fall}},
                "comparison": {"base_last": {"phrase": rise}},
            }
        },
        "drug_use": {
            "illicit_drug_days_30": {
                "qct": {"base_last": {"phrase": fall}},
                "comparison": {"base_last": {"phrase": fall}},
            }
        },
        "retention": {
            "in_treatment": {"qct_vs_comparison": "less likely than", "sig": "significant"}
        },
        "regression": {"stepwise": {"qct": "did not enter"}},
    }
    assert numbers.hypotheses_vars(base) == {
        "first": "consistent with",
        "second": "partly consistent with",
        "third": "not consistent with",
        "fourth": "not consistent with",
    }


def test_scorecard_cited_and_provenance():
    results, config = shipped_results()
    out = build(results, config)
    assert out["scorecard"] == {
        "matched": "2",
        "total": "3",
        "percent": "67%",
        "missed": "1",
        "not_computed": "1",
        "missed_computed": "0",
        "breakdown": "The one statistic that was not reproduced has no regenerated value yet.",
    }
    assert out["cited"] == {"dtto_orders_since_2001": "40,000"}
    assert out["report"]["date"] == "2024-05-01"
    assert out["provenance"]["packages"]["pypandoc_binary"] == "1.15"
    assert out["provenance"]["anonymity"]["quasi_identifiers"] == (
        "sex, age band, ethnicity and site"
    )


def test_missing_results_are_refused_by_name():
    results, config = shipped_results()
    del results["retention"]
    with pytest.raises(ValueError, match="retention"):
        build(results, config)


def test_unnumbered_marks_headings_outside_code():
    text = "## A\ntext # not a heading\n```\n# code\n```\n### B {#x}\n"
    assert numbers.unnumbered(text) == (
        "## A {.unnumbered}\ntext # not a heading\n```\n# code\n```\n### B {#x}\n"
    )


def test_cli_writes_sorted_string_yaml_and_tables_deterministically(tmp_path):
    from analysis.io import write_json

    results, config = shipped_results()
    for domain, result in results.items():
        write_json(result, tmp_path / "results" / f"{domain}.json")
    write_json(PROVENANCE, tmp_path / "provenance.json")
    SCORECARD.to_csv(tmp_path / "reproduction.csv", index=False)
    claimed = claims.load_claims(ROOT / "data" / "published")
    claims.score(claimed, results).to_csv(tmp_path / "claims.csv", index=False)
    write_json(effective_config(), tmp_path / "config.json")  # as the workflow's config slice
    args = [
        "--results",
        *map(str, sorted((tmp_path / "results").glob("*.json"))),
        "--scorecard",
        str(tmp_path / "reproduction.csv"),
        "--claims",
        str(tmp_path / "claims.csv"),
        "--published",
        str(ROOT / "data" / "published"),
        "--provenance",
        str(tmp_path / "provenance.json"),
        "--config",
        str(tmp_path / "config.json"),
    ]
    outputs = []
    for run in ("a", "b"):
        out = tmp_path / run
        assert (
            numbers.main(
                [
                    *args,
                    "--variables",
                    str(out / "_variables.yml"),
                    "--tables",
                    str(out / "_tables"),
                ]
            )
            == 0
        )
        outputs.append({p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*.*"))})
    assert outputs[0] == outputs[1]
    names = {p.name for p in outputs[0]}
    assert {
        "_variables.yml",
        "intake.md",
        "retention.md",
        "table1_regression.md",
        "scorecard_misses.md",
        "scorecard_full.md",
        "consistency_checks.md",
        "claims.md",
        "claims_summary.md",
    } <= names
    tree = yaml.safe_load(outputs[0][next(p for p in outputs[0] if p.name == "_variables.yml")])
    assert tree["study"]["n_total"] == "157"  # a string, never a YAML number


def test_cli_stops_on_missing_results(tmp_path, capsys):
    (tmp_path / "results").mkdir()
    pd.DataFrame(columns=SCORECARD.columns).to_csv(tmp_path / "s.csv", index=False)
    (tmp_path / "results" / "profile.json").write_text("{}")
    code = numbers.main(
        [
            "--results",
            str(tmp_path / "results" / "profile.json"),
            "--scorecard",
            str(tmp_path / "s.csv"),
            "--claims",
            str(tmp_path / "c.csv"),
            "--published",
            "x",
            "--provenance",
            "x",
            "--config",
            str(ROOT / "config" / "config.yaml"),
            "--variables",
            str(tmp_path / "v.yml"),
            "--tables",
            str(tmp_path / "t"),
        ]
    )
    assert code == 1
    assert "no results for study" in capsys.readouterr().err
    assert not (tmp_path / "v.yml").exists()


# ------------------------------------------------- composed sentences, per variant (fixtures)


def _chi2(p: float) -> dict:
    return {"test": "chi2", "statistic": 0.15, "df": 1, "n": 157, "p": p}


def _share(count: int, n: int) -> dict:
    return {"count": count, "n": n, "percent": 100 * count / n}


def test_within_group_changes_are_summed_up_for_both_groups():
    results, config = shipped_results()
    w = Waves.from_config(config)
    block = results["offending"]["crime_days_30"]
    pair = f"{w.baseline.id}_{w.first_follow_up.id}"
    for group, (first, p) in {"QCT": (8.0, 1e-6), "comparison": (7.0, 0.30)}.items():
        block["mean"][group][w.baseline.id] = {"value": 20.0, "n": 80}
        block["mean"][group][w.first_follow_up.id] = {"value": first, "n": 60}
        block["wilcoxon"][group][pair] = {**WILCOXON, "p": p}
    days30 = build(results, config)["offending"]["days30"]
    assert days30["groups"]["base_first"] == (
        "fell in both groups, but only the QCT group's fall was significant"
    )
    block["wilcoxon"]["comparison"][pair]["p"] = 0.001
    assert build(results, config)["offending"]["days30"]["groups"]["base_first"] == (
        "fell significantly in both groups"
    )


def test_a_non_significant_difference_is_marked_not_significant_beside_its_test():
    """53% against 56%, p = 0.70: 'less likely than' with the test marked, never 'thus'."""
    results, config = shipped_results()
    results["retention"]["in_treatment"] = {
        "QCT": _share(47, 89),
        "comparison": _share(38, 68),
        "all": _share(85, 157),
        "chi2": _chi2(0.7018),
    }
    out = build(results, config)["retention"]["in_treatment"]
    assert (out["contrast"], out["tested"]) == (
        "less likely than",
        "χ² = 0.15, d.f. = 1, p = 0.702; not significant",
    )
    results["retention"]["in_treatment"]["chi2"] = _chi2(0.0004)
    out = build(results, config)["retention"]["in_treatment"]
    assert (out["contrast"], out["tested"]) == (
        "significantly less likely than",
        "χ² = 0.15, d.f. = 1, p < 0.001",
    )


def test_an_odds_ratio_reads_as_an_odds_ratio_not_a_difference():
    results, config = shipped_results()
    results["retention"]["retained_beyond"]["site_of_interest"] = {
        "odds_ratio": 0.28,
        "ci_low": 0.12,
        "ci_high": 0.64,
        "p": 0.0025,
    }
    beyond = build(results, config)["retention"]["retained_beyond"]
    assert (beyond["site_contrast"], beyond["site_tested"]) == (
        "significantly less likely than",
        "odds ratio 0.28, 95% CI 0.12 to 0.64, p = 0.003",
    )


def test_criminal_justice_outcomes_are_summed_up_in_one_sentence():
    results, config = shipped_results()
    last = Waves.from_config(config).last_follow_up.id
    during = results["offending"]["during_follow_up"]
    for key in ("continued_crime", "arrested", "imprisoned"):
        during[key][last]["chi2"] = _chi2(0.001)
    assert build(results, config)["offending"]["during"]["verdict"] == (
        "All three differences were significant"
    )
    during["imprisoned"][last]["chi2"] = _chi2(0.40)
    assert build(results, config)["offending"]["during"]["verdict"] == (
        "The differences in offending and arrest were significant; that in imprisonment was not"
    )


@pytest.mark.parametrize(
    ("method", "effect", "regression_start"),
    [
        (
            "locf",
            "enter those comparisons with their intake values carried forward",
            "Fitted under LOCF to the ",
        ),
        (
            "complete_case",
            "are left out of those comparisons",
            "The missing-data method in force, complete-case analysis, fits this same model",
        ),
    ],
)
def test_missing_data_sentences_follow_the_method(method, effect, regression_start):
    results, config = shipped_results()
    config["missing_data"] = method
    v = build(results, config)
    assert v["config"]["missing_data"]["effect"] == effect
    assert v["regression"]["missing_data"]["sentence"].startswith(regression_start)
    text = yaml.safe_dump(v, allow_unicode=True)
    assert (
        "all participants" not in text
        and "participants" not in v["regression"]["missing_data"]["sentence"]
    )


def test_a_fifth_wave_changes_the_sentences_that_count_waves():
    """A made-up fifth wave (a copy of the last wave's results): the sentences count five
    waves and compare intake with the new last wave."""
    results, config = shipped_results()
    w = Waves.from_config(config)
    last = w.last_follow_up.id

    def extend(node):
        if isinstance(node, dict):
            for key in list(node):
                extend(node[key])
                if key == last or key.endswith(f"_{last}"):
                    node[key.replace(last, "t5")] = copy.deepcopy(node[key])
        return node

    extend(results)
    config["waves"] = [*config["waves"], {"id": "t5", "months": 24, "label": "24-month follow-up"}]
    living = results["reintegration"]["satisfied_living"]
    for i, wave in enumerate(Waves.from_config(config).all):
        higher = "QCT" if wave.id == "t5" else "comparison"
        for group in ("QCT", "comparison"):
            living["percent"][group][wave.id] = _share(60 if group == higher else 40, 100)
        living["chi2"][wave.id] = _chi2(0.01 if i == 0 else 0.5)
    block = results["offending"]["crime_days_30"]
    for group in ("QCT", "comparison"):
        block["mean"][group][w.baseline.id] = {"value": 10.0, "n": 80}
        block["mean"][group]["t5"] = {"value": 30.0, "n": 40}
        block["wilcoxon"][group][f"{w.baseline.id}_t5"] = {**WILCOXON, "z": 2.5, "p": 0.01}
    v = build(results, config)
    assert v["waves"]["follow_up_list"] == (
        "the 6-month follow-up, the 12-month follow-up, the "
        "18-month follow-up and the 24-month follow-up"
    )
    assert v["reintegration"]["satisfied"]["sentence"] == (
        "The comparison group reported higher satisfaction than the QCT group at four of the "
        "five waves; the difference was significant only at intake"
    )
    assert v["offending"]["days30"]["groups"]["base_last"] == "rose significantly in both groups"


def test_means_print_at_the_papers_precision():
    results, config = shipped_results()
    w = Waves.from_config(config)
    published = pd.DataFrame(
        {
            "result_path": [
                "profile.means.age.QCT.value",
                f"offending.crime_days_30.mean.QCT.{w.baseline.id}.value",
                "profile.means.drug_composite.all.value",
            ],
            "decimals": ["0", "0", "2"],
        }
    )
    precision = numbers.printed_precision(published, w)
    assert precision == {
        "profile.means.age": 0,
        "offending.crime_days_30.mean": 0,
        "profile.means.drug_composite": 2,
    }
    results["profile"]["means"]["age"]["QCT"]["value"] = 30.48
    v = numbers.build_variables(results, SCORECARD, CITED, PROVENANCE, config, precision)
    assert v["profile"]["age"]["qct"]["value"] == "30"
    assert build(results, config)["profile"]["age"]["qct"]["value"] == "30.5"


def test_the_regression_names_its_significant_predictors_in_a_sentence():
    assert numbers.significant_predictors([]) == "no predictor reached significance"
    assert numbers.significant_predictors(["age"]) == "one predictor reached significance: age"
    assert numbers.significant_predictors(["age", "sex", "site"]) == (
        "three predictors reached significance: age, sex and site"
    )


def test_typeset_outputs_use_the_minus_sign_and_keep_relations_together(tmp_path):
    numbers.write_outputs(
        {"a": {"t": "t = -2.20, p < 0.001"}, "provenance": {"d": "2024-05-01"}},
        {"x.md": "| a |\n| --: |\n| -1.5 (n = 68); p &lt; 0.001 |\n"},
        tmp_path / "v.yml",
        tmp_path / "tables",
    )
    written = yaml.safe_load((tmp_path / "v.yml").read_text(encoding="utf-8"))
    assert written["a"]["t"] == "t\u00a0=\u00a0\u22122.20, p\u00a0<\u00a00.001"
    assert written["provenance"]["d"] == "2024-05-01"
    assert (tmp_path / "tables" / "x.md").read_text(encoding="utf-8") == (
        "| a |\n| --: |\n| \u22121.5 (n\u00a0=\u00a068); p\u00a0&lt;\u00a00.001 |\n"
    )


@pytest.mark.parametrize(
    ("missed", "not_computed", "expected"),
    [
        (0, 0, "Every printed statistic was reproduced."),
        (
            1,
            0,
            "The one statistic that was not reproduced was computed but differs from the "
            "printed value.",
        ),
        (18, 0, "All 18 that were not reproduced were computed but differ from the printed value."),
        (
            3,
            1,
            "Of the three that were not, one has no regenerated value yet and two were computed "
            "but differ.",
        ),
    ],
)
def test_the_scorecard_breakdown_reads_as_a_sentence(missed, not_computed, expected):
    n = 20
    card = pd.DataFrame(
        {
            "id": [f"study_{i}" for i in range(n)],
            "quantity": "q",
            "published": "1",
            "regenerated": "1",
            "match": ["false"] * missed + ["true"] * (n - missed),
            "note": ["not computed"] * not_computed + [""] * (n - not_computed),
        }
    )
    assert numbers.scorecard_vars(card)["breakdown"] == expected


def test_the_missing_data_paragraph_compares_the_same_people_under_complete_cases():
    """Under complete-case analysis the intake and follow-up means of the missing-data paragraph
    are those of the same people (the reduction is a within-person change); under LOCF they
    keep every available value, as the paper's n show (tiny cohort)."""
    from analysis import offending
    from analysis.clean import build_cohort
    from analysis.validate import load_raw
    from tests.helpers_cohort import TINY, TINY_CONFIG

    n = {}
    for method in ("locf", "complete_case"):
        config = {**effective_config(), **TINY_CONFIG, "missing_data": method}
        cohort = build_cohort(load_raw(TINY, config), config)
        w = Waves.from_config(config)
        block = offending.compute(cohort, config)["missing_data"]["crime_days_30"]
        n[method] = {
            g: (block[g][w.baseline.id]["n"], block[g][w.first_follow_up.id]["n"])
            for g in ("QCT", "comparison", "all")
        }
    assert all(before == after for before, after in n["complete_case"].values())
    assert all(after >= before for before, after in n["locf"].values())
    assert n["complete_case"]["all"][0] < n["locf"]["all"][0]
