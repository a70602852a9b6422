"""The claims predicate language on hand-made results, and the shipped claims.csv."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from analysis import claims
from analysis.claims import ClaimError, evaluate, expand, parse, verdict
from analysis.published import PublishedDataError
from tests.results_fixture import ROOT

PUBLISHED = ROOT / "data" / "published"


def _model(**coefficients: tuple[float, float]) -> dict:
    """A logistic result: name -> (odds ratio, p)."""
    return {"coefficients": {n: {"odds_ratio": o, "p": p} for n, (o, p) in coefficients.items()}}


RESULTS = {
    "off": {
        "wilcoxon": {
            "QCT": {"t1_t2": {"z": -6.46, "p": 1e-10}, "t2_t4": {"z": -0.5, "p": 0.6}},
            "comparison": {"t1_t2": {"z": -1.64, "p": 0.05}, "t2_t4": {"z": 0.3, "p": 0.7}},
        },
        "reduction": {"QCT": {"value": 64.0}, "comparison": {"value": 31.0}},
        "share": {"value": 80.4},
        "missing": {"value": float("nan")},
    },
    "reg": {
        "final": _model(drug=(1.94, 0.004), site=(0.26, 0.007), age=(0.92, 0.02)),
        "locf": _model(drug=(1.7, 0.006), site=(0.51, 0.15), age=(0.93, 0.001)),
        "flipped": _model(drug=(0.8, 0.3), site=(0.4, 0.01), age=(0.95, 0.02)),
        "stepwise": {"selected": ["age", "site", "drug"]},
        "ci_a": {"ci_low": 1.23, "ci_high": 3.1},
        "ci_b": {"ci_low": 3.1, "ci_high": 4.0},
        "ci_c": {"ci_low": 3.2, "ci_high": 4.0},
    },
}


def _holds(predicate: str) -> bool:
    return verdict(evaluate(predicate, RESULTS))[0]


def test_braces_expand_and_the_same_braces_take_the_same_pick():
    assert expand("ns(a.{QCT,comparison}.t2_t4)") == ["ns(a.QCT.t2_t4)", "ns(a.comparison.t2_t4)"]
    assert expand("gt(a.{x,y}.v, b.{x,y}.v)") == ["gt(a.x.v, b.x.v)", "gt(a.y.v, b.y.v)"]
    assert len(expand("sig(a.{x,y}.{t1_t2,t1_t3,t1_t4})")) == 6
    assert expand("sig(a.b)") == ["sig(a.b)"]


def test_parse_splits_on_and_and_expands():
    assert parse("sig(a.b) & lt(a.c, 0) & ns(d.{e,f})") == [
        ("sig", ["a.b"]),
        ("lt", ["a.c", "0"]),
        ("ns", ["d.e"]),
        ("ns", ["d.f"]),
    ]


@pytest.mark.parametrize(
    ("predicate", "message"),
    [
        ("significant(a.b)", "unknown condition 'significant'"),
        ("sig(a.b, a.c)", "sig takes 1 to 1 arguments"),
        ("gt(a.b)", "gt takes 2 to 3 arguments"),
        ("lt(a.b, zero)", "'zero' is neither a result path nor a number"),
        ("sig a.b", "is not a condition"),
        ("sig(a.b) &", "is not a condition"),
    ],
)
def test_malformed_predicates_are_refused(predicate, message):
    with pytest.raises(ClaimError, match=message):
        parse(predicate)


def test_significance_is_p_below_alpha_and_ns_its_complement():
    assert _holds("sig(off.wilcoxon.QCT.t1_t2)")
    # p = 0.05 exactly is not significant (the paper's "z = -1.64, ns")
    assert not _holds("sig(off.wilcoxon.comparison.t1_t2)")
    assert _holds("ns(off.wilcoxon.comparison.t1_t2)")
    assert _holds("ns(off.wilcoxon.{QCT,comparison}.t2_t4)")


def test_comparisons_with_numbers_paths_and_a_factor():
    assert _holds("lt(off.wilcoxon.QCT.t1_t2.z, 0)")
    assert not _holds("lt(off.wilcoxon.comparison.t2_t4.z, 0)")
    # 64 > 2 * 31: "more than double"; 64 > 3 * 31 is not
    assert _holds("gt(off.reduction.QCT.value, off.reduction.comparison.value, 2)")
    assert not _holds("gt(off.reduction.QCT.value, off.reduction.comparison.value, 3)")
    assert _holds("between(off.share.value, 77.5, 82.5)")
    assert not _holds("between(off.share.value, 75, 80.4)")  # the upper bound is open


def test_interval_overlap_includes_touching_intervals():
    assert _holds("overlap(reg.ci_a, reg.ci_b)")
    assert not _holds("overlap(reg.ci_a, reg.ci_c)")


def test_model_comparisons():
    # site is significant in final (p .007) but not in locf (p .15); age is in both
    holds, evidence = verdict(evaluate("same_significant(reg.final, reg.locf)", RESULTS))
    assert not holds
    assert evidence.endswith("age, drug, site vs age, drug")
    assert _holds("same_direction(reg.final, reg.locf)")
    checks = evaluate("same_direction(reg.final, reg.flipped)", RESULTS)
    assert (checks[0].holds, checks[0].seen) == (False, "opposite: drug")
    assert _holds("selects(reg.stepwise, reg.final)")
    assert not _holds("selects(reg.stepwise, reg.locf.coefficients)")


def test_a_missing_or_nan_value_fails_as_not_computed():
    checks = evaluate("sig(off.nothing) & lt(off.missing.value, 1)", RESULTS)
    assert [(c.holds, c.seen) for c in checks] == [
        (False, "not computed: off.nothing.p"),
        (False, "not computed: off.missing.value"),
    ]


def test_verdict_lists_only_the_failed_conditions():
    checks = evaluate("lt(off.wilcoxon.{QCT,comparison}.t2_t4.z, 0)", RESULTS)
    assert verdict(checks) == (
        False,
        "1 of 2 conditions fails: lt(off.wilcoxon.comparison.t2_t4.z, 0): 0.3 vs 0",
    )
    assert verdict(checks[:1]) == (True, "the condition holds")


def test_score_adds_the_papers_conflict_to_a_failed_claim_only():
    frame = pd.DataFrame(
        {
            "id": ["holds", "fails"],
            "location": ["Abstract", "Results > Offending outcomes, para 3"],
            "words": ["w1", "w2"],
            "predicate": ["lt(off.share.value, 90)", "gt(off.share.value, 90)"],
            "reading": ["r", "r"],
            "conflict": ["never shown", "the paper's counts contradict it"],
        }
    )
    card = claims.score(frame, RESULTS)
    assert list(card.columns) == claims.CLAIMS_SCORECARD_COLUMNS
    assert card["holds"].tolist() == ["true", "false"]
    assert card.loc[0, "evidence"] == "the condition holds"
    assert card.loc[1, "evidence"] == (
        "the condition fails: gt(off.share.value, 90): 80.4 vs 90; the paper's counts contradict it"
    )
    assert claims.summary(card) == (1, 2)
    assert claims.report_summary(card).values.tolist() == [
        ["Abstract", "1", "1"],
        ["Results > Offending outcomes", "0", "1"],
        ["All claims", "1", "2"],
    ]
    # The report lists the claims that fail, without zero-width spaces lost in the comparison.
    shown = claims.report_table(card)
    assert list(shown.columns) == ["Id", "Location", "The paper's words", "Evidence"]
    assert shown["Id"].str.replace("\u200b", "").tolist() == [card.loc[1, "id"]]


def test_the_shipped_claims_load_and_cover_the_four_hypotheses():
    shipped = claims.load_claims(PUBLISHED)
    assert shipped["id"].is_unique
    for number in range(1, 5):
        assert shipped["id"].str.startswith(f"hyp{number}_").sum() == 1
    # every path a predicate names starts with a results domain
    from analysis.results import DOMAINS

    for predicate in shipped["predicate"]:
        for _, args in parse(predicate):
            for arg in args:
                if not arg.replace(".", "").replace("-", "").isdigit():
                    assert arg.split(".")[0] in DOMAINS, arg


def test_a_broken_predicate_names_its_line(tmp_path):
    rows = list(csv.reader(open(PUBLISHED / "claims.csv", encoding="utf-8")))
    rows[3][rows[0].index("predicate")] = "sig(offending.x) & oops"
    with open(tmp_path / "claims.csv", "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    with pytest.raises(PublishedDataError, match=r"line 4, column 'predicate'"):
        claims.load_claims(tmp_path)


def test_result_paths_are_the_path_arguments_with_braces_expanded():
    predicate = "lt(off.{QCT,comparison}.t2_t4.z, 0.5) & gt(a.b, c.d, 2) & selects(r.step, r.final)"
    assert claims.result_paths(predicate) == {
        "off.QCT.t2_t4.z",
        "off.comparison.t2_t4.z",
        "a.b",
        "c.d",
        "r.step",
        "r.final",
    }


def test_a_decimal_number_is_a_number_not_a_path():
    # "0.5" looks like a dotted path; a path starts with a letter
    assert _holds("lt(off.wilcoxon.QCT.t2_t4.p, 0.7)")
    assert not _holds("lt(off.wilcoxon.QCT.t2_t4.p, 0.5)")


def test_the_report_table_lets_names_wrap_but_not_decimals():
    card = pd.DataFrame(
        {
            "id": ["reg_qct_ns"],
            "location": ["Results"],
            "words": ["w"],
            "holds": ["false"],
            "evidence": ["the condition fails: ns(regression.qct): p < 0.001"],
        }
    )
    shown = claims.report_table(card)
    assert shown.loc[0, "Id"] == "reg_qct_ns"  # copied from the PDF, an id is the id
    assert shown.loc[0, "Evidence"] == "the condition fails: ns(regression.\u200bqct): p < 0.001"
