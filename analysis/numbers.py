"""Every number and every result-dependent word of the manuscript, as one nested dict of strings.

`build_variables` turns the results JSON (docs/results_format.md), the reproduction scorecard,
the cited facts, the build provenance and the config into the tree written to
manuscript/_variables.yml, which the text reads through `{{< var dotted.key >}}`. Numbers are
formatted only by analysis.formatting. Words that interpret a result ("fell"/"rose",
"significant"/"not significant", which group is larger) are derived here from the same values
the text prints, so the prose cannot contradict its numbers when the data change.

Variable keys never contain wave ids: the baseline, first and last follow-up are the roles
`baseline`, `first` and `last` of the configured waves (analysis.config.Waves).

    python -m analysis.numbers --results-dir DIR --scorecard CSV --published DIR --raw-dir DIR \
        --config CFG --variables manuscript/_variables.yml --tables manuscript/_tables
"""

from __future__ import annotations

import argparse
import platform
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from analysis import provenance as prov
from analysis import tables
from analysis.anonymity import k_anonymity
from analysis.codebook import Origin
from analysis.config import Wave, Waves, load_config
from analysis.formatting import (
    ALPHA,
    P_THRESHOLDS,
    direction,
    fmt_count,
    fmt_mean,
    fmt_money,
    fmt_number,
    fmt_or_ci,
    fmt_p,
    fmt_percent,
    fmt_test,
    significance,
)
from analysis.io import atomic_write
from analysis.results import DOMAINS, load_results
from analysis.sensitivity.report import comparison_table, sensitivity_variables

SENSITIVITY = "sensitivity"  # results/sensitivity.json, from the sensitivity rules
GROUPS = {"qct": "QCT", "comparison": "comparison", "all": "all"}  # variable key -> results key
GROUP_NAMES = {"QCT": "the QCT group", "comparison": "the comparison group"}
NOT_TESTABLE = "not testable"
NOT_AVAILABLE = "not available"
MISSING_DATA_NAMES = {
    "locf": ("last observation carried forward (LOCF)", "LOCF",
             "a person not interviewed at a follow-up keeps the value of their latest earlier "
             "interview"),
    "complete_case": ("complete-case analysis", "complete cases",
                      "only people interviewed at both waves of a comparison enter it"),
}
ABSTINENCE_BEFORE = ("never_via_treatment_before", "voluntarily_before")
ABSTINENCE_DURING = ("via_treatment_since_intake", "via_treatment_since_intake_first_time")
NO_CHANGE_PHRASE = "showed no change"
NO_SIGNIFICANT_CHANGE_PHRASE = "showed no significant change"
SIGNIFICANT_FALL = "showed a significant fall"
CHANGE_VERBS = {"fall": "fell", "rise": "rose", "no change": "did not change"}
# The words that compare a first value with a second, keyed by formatting.direction(second, first).
COMPARE_WORDS = {
    "likely": {"rise": "more likely than", "fall": "less likely than",
               "no change": "as likely as"},
    "level": {"rise": "higher than", "fall": "lower than", "no change": "the same as"},
    "length": {"rise": "longer than", "fall": "shorter than", "no change": "as long as"},
}


# ---------------------------------------------------------------------------------- leaves


def share(leaf: Mapping[str, Any] | None) -> dict[str, str]:
    """A percentage leaf: text '54% (n = 85)', percent '54%', count '85', base n '157'."""
    if leaf is None or leaf.get("percent") is None:
        return {k: NOT_AVAILABLE for k in ("text", "percent", "count", "n")}
    return {"text": fmt_percent(leaf["percent"], leaf["count"]),
            "percent": fmt_percent(leaf["percent"]),
            "count": fmt_count(leaf["count"]), "n": fmt_count(leaf["n"])}


def mean(leaf: Mapping[str, Any], fmt: Callable[[float], str] = fmt_mean) -> dict[str, str]:
    """A mean (or median) leaf: value '22.9', n '89', text '22.9 (n = 89)'."""
    if leaf.get("value") is None:
        return {"value": NOT_AVAILABLE, "n": fmt_count(leaf.get("n", 0)), "text": NOT_AVAILABLE}
    value, n = fmt(leaf["value"]), fmt_count(leaf["n"])
    return {"value": value, "n": n, "text": f"{value} (n = {n})"}


def test(leaf: Mapping[str, Any] | None) -> dict[str, str]:
    """A test leaf: the whole phrase with exact p, the p alone, and significant/not significant."""
    if leaf is None or leaf.get("p") is None:
        return {"text": NOT_TESTABLE, "p": NOT_TESTABLE, "sig": NOT_TESTABLE}
    return {"text": fmt_test(leaf, "exact"), "p": fmt_p(leaf["p"]), "sig": significance(leaf["p"])}


def compare(first: float | None, second: float | None, kind: str, decimals: int = 1) -> str:
    """'more likely than' / 'higher than' / 'longer than' (or their opposites) at `decimals`."""
    if first is None or second is None:
        return NOT_AVAILABLE
    return COMPARE_WORDS[kind][direction(second, first, decimals)]


def _z_agrees(result: Mapping[str, Any] | None, word: str) -> bool:
    """Whether a test's z (when it has one) points the same way as the means' direction word."""
    z = None if result is None else result.get("z")
    return z is None or (z < 0) == (word == "fall")


def change(before: Mapping[str, Any], after: Mapping[str, Any], result: Mapping[str, Any] | None,
           decimals: int = 1) -> dict[str, str]:
    """A within-group change: both means, the direction word, the test and one summary phrase.

    The direction is that of the means at the printed precision; the phrase adds the test's
    verdict: 'showed a significant fall', 'showed a non-significant rise', 'showed no change'.
    A non-significant change whose Wilcoxon z points the other way from the means (ranks and
    means can disagree) is 'showed no significant change', so the text never pairs "rise" with
    a negative z.
    """
    fmt = at_decimals(decimals)
    tested = test(result)
    if before.get("value") is None or after.get("value") is None:
        word = "no change"
    else:
        word = direction(before["value"], after["value"], decimals)
    verb = CHANGE_VERBS[word]
    if word == "no change":
        phrase = NO_CHANGE_PHRASE
    elif tested["sig"] == "significant":
        phrase = f"showed a significant {word}"
    elif _z_agrees(result, word):
        phrase = f"showed a non-significant {word}"
    else:
        phrase = NO_SIGNIFICANT_CHANGE_PHRASE
    return {"before": mean(before, fmt), "after": mean(after, fmt), "verb": verb, "noun": word,
            "phrase": phrase, **{f"test_{k}" if k != "text" else "test": v
                                 for k, v in tested.items()}}


def reduction(value: float | None) -> dict[str, str]:
    """A percent reduction: '71%' with the word 'reduction', or the size of an 'increase'."""
    if value is None:
        return {"percent": NOT_AVAILABLE, "word": "change"}
    word = {"rise": "reduction", "fall": "increase", "no change": "change"}[direction(0, value, 0)]
    return {"percent": fmt_percent(abs(value)), "word": word}


def at_decimals(decimals: int) -> Callable[[float], str]:
    """A number formatter at a fixed number of decimals."""
    return lambda value: fmt_number(value, decimals)


def _roles(waves: Waves) -> dict[str, Wave]:
    return {"baseline": waves.baseline, "first": waves.first_follow_up,
            "last": waves.last_follow_up}


def _pairs(waves: Waves) -> dict[str, str]:
    """Variable name -> results key of the wave pairs the analyses compare."""
    b, f, last = waves.baseline.id, waves.first_follow_up.id, waves.last_follow_up.id
    return {"base_first": f"{b}_{f}", "base_last": f"{b}_{last}", "first_last": f"{f}_{last}"}


def at(wave: Wave, waves: Waves) -> str:
    """'at intake' for the baseline, 'at the 6-month follow-up' for a follow-up."""
    return f"at {wave.label}" if wave.id == waves.baseline.id else f"at the {wave.label}"


def join_words(items: Sequence[str], empty: str = "none") -> str:
    """'a', 'a and b', 'a, b and c'; `empty` for no items."""
    if not items:
        return empty
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def wave_list(per_wave: Mapping[str, Any], waves: Iterable[Wave], all_waves: Waves,
              fmt: Callable[[Mapping[str, Any]], str]) -> str:
    """'62% (n = 98) at intake, 66% (n = 70) at the 6-month follow-up and ...'."""
    return join_words([f"{fmt(per_wave[w.id])} {at(w, all_waves)}" for w in waves
                       if w.id in per_wave])


def by_group(leaf: Mapping[str, Any], fn: Callable[[Any], Any]) -> dict[str, Any]:
    return {key: fn(leaf[name]) for key, name in GROUPS.items() if name in leaf}


def group_shares(leaf: Mapping[str, Any]) -> dict[str, Any]:
    """A percents_by_group leaf: each group's share, the chi-square, and QCT vs comparison."""
    return {**by_group(leaf, share), **test(leaf.get("chi2")),
            "qct_vs_comparison": compare(leaf["QCT"]["percent"], leaf["comparison"]["percent"],
                                         "likely", 0)}


def group_means(leaf: Mapping[str, Any], fmt: Callable[[float], str] = fmt_mean,
                test_key: str = "t_test", kind: str = "level",
                decimals: int = 1) -> dict[str, Any]:
    """A means_by_group leaf: each group's mean, the test, and QCT vs comparison."""
    return {**by_group(leaf, lambda v: mean(v, fmt)), **test(leaf.get(test_key)),
            "qct_vs_comparison": compare(leaf["QCT"]["value"], leaf["comparison"]["value"],
                                         kind, decimals)}


def larger_group(values: Mapping[str, float | None], decimals: int = 0) -> str:
    """Which of the two groups has the larger value at `decimals` ('neither group' if tied)."""
    qct, comparison = values.get("QCT"), values.get("comparison")
    if qct is None or comparison is None:
        return NOT_AVAILABLE
    word = direction(comparison, qct, decimals)
    return {"rise": GROUP_NAMES["QCT"], "fall": GROUP_NAMES["comparison"],
            "no change": "neither group"}[word]


def correlation(leaf: Mapping[str, Any] | None) -> dict[str, str]:
    """A Spearman leaf with the sign of the association in words."""
    out = test(leaf)
    value = None if leaf is None else leaf.get("statistic")
    out["sign"] = NOT_AVAILABLE if value is None else {
        "rise": "positive", "fall": "negative", "no change": "null"}[direction(0, value, 3)]
    return out


def waves_over(summary: Mapping[str, Any], waves: Waves,
               fn: Callable[[Mapping[str, Any]], Any]) -> dict[str, Any]:
    """{group: {role: fn(leaf)}} for the baseline, first and last follow-up of a wave summary."""
    return {key: {role: fn(summary[name][w.id]) for role, w in _roles(waves).items()
                  if w.id in summary[name]}
            for key, name in GROUPS.items() if name in summary}


def changes(block: Mapping[str, Any], waves: Waves, decimals: int = 1) -> dict[str, Any]:
    """Means by role and the within-group changes of a {"mean", "wilcoxon"} results block."""
    out = waves_over(block["mean"], waves, lambda leaf: mean(leaf, at_decimals(decimals)))
    roles = _roles(waves)
    for key, name in GROUPS.items():
        for pair, result_key in _pairs(waves).items():
            a, b = pair.split("_")
            before = block["mean"][name].get(roles["baseline" if a == "base" else a].id, {})
            after = block["mean"][name].get(roles[b].id, {})
            result = block["wilcoxon"][name].get(result_key)
            out[key][pair] = change(before, after, result, decimals)
    return out


def missing_data_change(block: Mapping[str, Any], waves: Waves) -> dict[str, Any]:
    """The baseline -> first follow-up change under the configured missing-data method."""
    b, f = waves.baseline.id, waves.first_follow_up.id
    return {key: {**change(block[name][b], block[name][f], block[name]["wilcoxon"]),
                  "reduction": reduction(block[name]["reduction"]["value"])}
            for key, name in GROUPS.items()}


# --------------------------------------------------------------------------------- domains


def waves_vars(waves: Waves) -> dict[str, Any]:
    """Wave labels and phrases, so the text never names a wave itself."""
    roles = {role: {"label": w.label, "at": at(w, waves), "months": fmt_count(w.months)}
             for role, w in _roles(waves).items()}
    return {**roles, "count": fmt_count(len(waves.all)),
            "follow_up_count": fmt_count(len(waves.follow_ups)),
            "follow_up_list": join_words([f"the {w.label}" for w in waves.follow_ups])}


def config_vars(config: Mapping[str, Any]) -> dict[str, Any]:
    """The analysis choices in force, in words and numbers."""
    method = config.get("missing_data", "locf")
    name, short, description = MISSING_DATA_NAMES[method]
    spec = config["regression"]
    return {
        "missing_data": {"name": name, "short": short, "description": description,
                         "other": MISSING_DATA_NAMES[next(m for m in MISSING_DATA_NAMES
                                                          if m != method)][0]},
        "site_of_interest": fmt_count(config["site_of_interest"]),
        "frequent_use_days": fmt_count(config["derived"]["frequent_use_days"]),
        "retained_days": fmt_count(config["derived"]["retained_days"]),
        "entry_p": fmt_number(spec["entry_p"], 2), "removal_p": fmt_number(spec["removal_p"], 2),
        "alpha": fmt_number(ALPHA, 2),
        "p_strict": fmt_number(P_THRESHOLDS[1], 2),  # the '**' level of p_stars
        # The logistic models' Wald intervals are at 1 - ALPHA (analysis.stats.logistic).
        "ci_level": fmt_percent(100 * (1 - ALPHA)),
        "seed": fmt_number(config["synthesis"]["seed"], 0),
        "renderer": str(config["render"]["renderer"]),
    }


def study_vars(study: Mapping[str, Any], profile: Mapping[str, Any], waves: Waves) -> dict:
    """Sample size, groups, sites, interviews and response rates."""
    interviews = study["interviews"]
    weeks = profile["weeks_to_intake_interview"]
    last = waves.last_follow_up.id  # the report describes the study through its latest wave
    return {
        "n_total": fmt_count(study["participants"]["value"]),
        "qct": share(profile["group_size"]["QCT"]),
        "comparison": share(profile["group_size"]["comparison"]),
        "n_sites": fmt_count(profile["n_sites"]["value"]),
        "interviews": {role: share(interviews[w.id]) for role, w in _roles(waves).items()},
        "response_list": wave_list(interviews, waves.follow_ups, waves,
                                   lambda leaf: fmt_percent(leaf["percent"], leaf["count"])),
        "reinterviewed": share(study["reinterviewed"][last]),
        "total_interviews": fmt_count(study["total_interviews"][last]["value"]),
        "missed_first": share(study["missed_first_follow_up"]),
        "weeks_to_interview": mean(weeks["mean"]),
        "within_two_weeks": share(weeks["within_two_weeks"]),
    }


def profile_vars(profile: Mapping[str, Any]) -> dict[str, Any]:
    """Every intake characteristic of the intake table, and which ones differ by group."""
    out: dict[str, Any] = {}
    differing, alike = [], []
    for block, key, _, noun in tables.INTAKE_ROWS:
        leaf = profile[block][key]
        if block == "proportions":
            out[key] = group_shares(leaf)
        else:
            out[key] = group_means(leaf, tables.MEAN_FORMAT.get(key, fmt_mean),
                                   tables.MEAN_TEST.get(key, "t_test"),
                                   decimals=tables.MEAN_DECIMALS.get(key, 1))
        (differing if out[key]["sig"] == "significant" else alike).append(noun)
    out["differences"] = {"significant": join_words(differing, "none of the characteristics"),
                          "not_significant": join_words(alike, "none of the characteristics"),
                          "count": fmt_count(len(differing)),
                          "total": fmt_count(len(tables.INTAKE_ROWS))}
    out["drug_composite"]["t_test"] = test(profile["means"]["drug_composite"]["t_test"])
    out["intake_modality"] = {k: share(v) for k, v in profile["intake_modality"].items()}
    return out


def coercion_vars(coercion: Mapping[str, Any]) -> dict[str, Any]:
    """Perceived pressure and stage of change by group."""
    stages = coercion["stage_of_change"]
    return {
        "no_pressure": group_shares(coercion["no_pressure"]),
        "pressure": group_shares(coercion["perceived_pressure"]),
        "stage": {**{key: {s: share(v) for s, v in stages[name].items()}
                     for key, name in GROUPS.items()}, **test(stages["chi2"])},
    }


def retention_vars(retention: Mapping[str, Any], waves: Waves) -> dict[str, Any]:
    """Retention in treatment, treatment careers and the site effect on staying beyond N days."""
    days = retention["days_in_treatment"]
    beyond = retention["retained_beyond"]
    last = waves.last_follow_up.id
    site = beyond["site_of_interest"]
    return {
        "in_treatment": group_shares(retention["in_treatment"]),
        "opioid_substitution": share(retention["opioid_substitution"]),
        "episode_status": {k: share(v) for k, v in retention["episode_status"].items()},
        "days_first": group_means(days[waves.first_follow_up.id], fmt_mean, kind="length"),
        "days_last": group_means(days[last], fmt_mean, kind="length"),
        "days_not_in_treatment": group_means(retention["days_in_treatment_not_in_treatment"],
                                             fmt_mean, kind="length"),
        "continued_treatment": share(retention["continued_treatment"].get(last)),
        "residential": group_shares(retention["residential"][last]),
        "retained_beyond": {
            "threshold": fmt_count(beyond["threshold_days"]["value"]),
            **{k: v for k, v in group_shares(beyond["retained"]).items()},
            "site_or": fmt_or_ci(site["odds_ratio"], site["ci_low"], site["ci_high"]),
            "site_p": fmt_p(site["p"]), "site_sig": significance(site["p"]),
            "site_likely": compare(site["odds_ratio"], 1.0, "likely", 2),
        },
    }


def offending_vars(offending: Mapping[str, Any], waves: Waves) -> dict[str, Any]:
    """Offending by group and wave, its changes, criminal-justice outcomes and correlates."""
    days180 = offending["crime_days_180"]
    base_last = _pairs(waves)["base_last"]
    cut = {name: days180["reduction"][name][base_last]["value"] for name in ("QCT", "comparison")}
    last = waves.last_follow_up.id
    during = offending["during_follow_up"]
    return {
        "days180": {**waves_over(days180["mean"], waves, lambda leaf: mean(leaf, at_decimals(0))),
                    "reduction": {key: reduction(days180["reduction"][name][base_last]["value"])
                                  for key, name in GROUPS.items()},
                    "larger_reduction": larger_group(cut)},
        "days30": {**changes(offending["crime_days_30"], waves),
                   "baseline_test": test(offending["crime_days_30"]["baseline_t_test"])},
        "any_crime": waves_over(offending["any_crime_30"], waves, share),
        "no_crime_first": share(offending["no_crime_first_follow_up"]),
        "missing_data": missing_data_change(offending["missing_data"]["crime_days_30"], waves),
        "during": {k: group_shares(v[last]) for k, v in during.items()},
        "correlates": {k: correlation(v) for k, v in offending["desistance_correlates"].items()},
    }


def drug_use_vars(drug_use: Mapping[str, Any], waves: Waves) -> dict[str, Any]:
    """Drug use by group and wave, changes, spending, correlates and abstinence."""
    measures = [k for k, v in drug_use.items() if isinstance(v, dict) and "wilcoxon" in v
                and "mean" in v]
    spend = drug_use["drug_spend_30"]
    pairs = _pairs(waves)
    abstinence = drug_use["abstinence"]
    last = waves.last_follow_up.id
    weeks = abstinence["weeks_since_intake"][last]
    return {
        **{m: changes(drug_use[m], waves, 2 if m == "drug_composite" else 1) for m in measures},
        "spend": {**waves_over(spend["median"], waves, lambda leaf: mean(leaf, fmt_money)),
                  "base_first": test(spend["wilcoxon"]["all"][pairs["base_first"]])},
        "missing_data": missing_data_change(drug_use["missing_data"]["illicit_drug_days_30"],
                                            waves),
        "correlates": {k: correlation(v) for k, v in drug_use["improvement_correlates"].items()},
        "abstinence": {
            **{k: share(abstinence[k]) for k in ABSTINENCE_BEFORE},
            # During follow-up the results run through each wave; the report gives the latest.
            **{k: share(abstinence[k][last]) for k in ABSTINENCE_DURING},
            "weeks": {**group_means(weeks, kind="length"),
                      "longer": larger_group({g: weeks[g]["value"] for g in GROUP_NAMES}, 1)},
        },
    }


def reintegration_vars(reint: Mapping[str, Any], waves: Waves) -> dict[str, Any]:
    """Housing, social networks, relationships and work over the waves."""
    def per_wave_shares(block: Mapping[str, Any]) -> dict[str, Any]:
        return {**waves_over(block, waves, share),
                "list": wave_list(block["all"], waves.all, waves, lambda leaf: share(leaf)["text"])}

    def significant_waves(chi2: Mapping[str, Any]) -> str:
        hits = [at(w, waves) for w in waves.all
                if chi2.get(w.id) and test(chi2[w.id])["sig"] == "significant"]
        return join_words(hits, "at none of the waves")

    satisfied = reint["satisfied_living"]["percent"]
    both = [w.id for w in waves.all if w.id in satisfied["QCT"] and w.id in satisfied["comparison"]]
    comparison_higher = sum(
        direction(satisfied["QCT"][w]["percent"], satisfied["comparison"][w]["percent"], 0)
        == "rise" for w in both)
    homeless = reint["homeless_30"]
    free = reint["free_time_with_users"]["percent"]["all"]
    return {
        "homeless": {**per_wave_shares(homeless["percent"]),
                     "baseline_test": test(homeless["chi2"][waves.baseline.id]),
                     "significant_waves": significant_waves(homeless["chi2"])},
        "homeless_setting": {k: share(v) for k, v in reint["homeless_setting"].items()},
        "missing_data_homeless": group_shares(reint["missing_data"]["homeless_30"]),
        "satisfied": {**per_wave_shares(satisfied),
                      "significant_waves": significant_waves(reint["satisfied_living"]["chi2"]),
                      "comparison_higher_waves": fmt_count(comparison_higher)},
        "free_time": {**per_wave_shares(reint["free_time_with_users"]["percent"]),
                      "base_last": CHANGE_VERBS[direction(free[waves.baseline.id]["percent"],
                                                          free[waves.last_follow_up.id]["percent"],
                                                          0)]},
        "relationships": changes(reint["relationship_problems"], waves),
        "no_work_before": share(reint["no_work_or_study_before"]),
        "no_work_follow_up": share(reint["no_work_or_study_follow_up"][waves.last_follow_up.id]),
    }


def regression_vars(regression: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
    """Table 1's model, the stepwise selection and the missing-data variant, with their verdicts."""
    final_names = list(config["regression"]["final"])
    site = config["site_of_interest"]

    def label(name: str) -> str:
        return tables.predictor_label(name, site, in_sentence=True)

    def model_vars(model: Mapping[str, Any]) -> dict[str, Any]:
        coefs = model["coefficients"]
        significant = [n for n in coefs if coefs[n]["p"] < ALPHA]
        return {
            "n": fmt_count(model["fit"]["n"]),
            "r2": fmt_number(model["fit"]["nagelkerke_r2"], 3),
            "significant": join_words([label(n) for n in final_names if n in significant],
                                      "none of the predictors"),
            **{n: {"or_ci": fmt_or_ci(c["odds_ratio"], c["ci_low"], c["ci_high"]),
                   "p": fmt_p(c["p"]), "sig": significance(c["p"]), "label": label(n),
                   "odds": {"rise": "raised", "fall": "lowered", "no change": "did not change"}[
                       direction(1.0, c["odds_ratio"], 2)]}
               for n, c in coefs.items()},
        }, set(significant)

    final, final_sig = model_vars(regression["final"])
    variant, variant_sig = model_vars(regression["missing_data"]["final"])
    selected = list(regression["stepwise"]["selected"])
    return {
        "no_offence": share(regression["outcome"]["no_offence"]),
        "final": final,
        "missing_data": {**variant, "agrees": "the same" if variant_sig == final_sig
                         else "a different"},
        "stepwise": {
            "n": fmt_count(regression["stepwise"]["n"]),
            "selected": join_words([label(n) for n in selected], "no predictor"),
            "agrees": "the same predictors as" if set(selected) == set(final_names)
            else "different predictors from",
            "qct": "entered" if "qct" in selected else "did not enter",
        },
    }


def _verdict(hits: int, total: int) -> str:
    """How far `hits` of `total` findings bear a hypothesis out, in words."""
    if hits == total:
        return "consistent with"
    return "partly consistent with" if hits else "not consistent with"


def hypotheses_vars(v: Mapping[str, Any]) -> dict[str, str]:
    """The verdict on each hypothesis, read from the already generated words of `v`.

    Within-group hypotheses (first: QCT, second: comparison) count significant falls in days of
    crime and of illicit drug use from baseline to the last follow-up. The third asks whether
    the QCT group was significantly more often in treatment at the first follow-up; the fourth
    whether legal status entered the stepwise model of offending.
    """
    def falls(group: str) -> int:
        return sum(block[group]["base_last"]["phrase"] == SIGNIFICANT_FALL
                   for block in (v["offending"]["days30"], v["drug_use"]["illicit_drug_days_30"]))

    retention = v["retention"]["in_treatment"]
    better = (retention["qct_vs_comparison"] == COMPARE_WORDS["likely"]["rise"]
              and retention["sig"] == "significant")
    return {"first": _verdict(falls("qct"), 2), "second": _verdict(falls("comparison"), 2),
            "third": _verdict(int(better), 1),
            "fourth": _verdict(int(v["regression"]["stepwise"]["qct"] == "entered"), 1)}


def cited_vars(cited: pd.DataFrame) -> dict[str, str]:
    """Facts the cohort does not produce, as printed in their sources (cited_facts.csv)."""
    return {str(row["id"]): str(row["value"]) for _, row in cited.iterrows()}


def scorecard_vars(scorecard: pd.DataFrame) -> dict[str, str]:
    """'X of Y published statistics reproduced', and how the misses break down."""
    matched = scorecard["match"].eq("true")
    missed = scorecard.loc[~matched]
    not_computed = missed["note"].str.contains("not computed", regex=False)
    return {"matched": fmt_count(int(matched.sum())), "total": fmt_count(len(scorecard)),
            "percent": fmt_percent(100.0 * matched.mean()) if len(scorecard) else NOT_AVAILABLE,
            "missed": fmt_count(len(missed)), "not_computed": fmt_count(int(not_computed.sum())),
            "missed_computed": fmt_count(int((~not_computed).sum()))}


def provenance_vars(provenance: Mapping[str, Any]) -> dict[str, Any]:
    """Commit, build date, renderer, Python, packages and data checksums for the colophon."""
    git = provenance["git"]
    anonymity = provenance["anonymity"]
    return {
        "commit": git["commit"], "short": git["short"], "date": git["date"],
        "modified": git["modified"], "python": provenance["python"],
        "renderer": provenance["renderer"],
        "packages": {k.replace("-", "_"): v for k, v in provenance["packages"].items()},
        "data": {k.replace(".", "_"): v for k, v in provenance["data"].items()},
        "anonymity": {
            "k": fmt_count(anonymity["k"]), "n_classes": fmt_count(anonymity["n_classes"]),
            "small_class_size": fmt_count(anonymity["small_class_size"]),
            "in_small_classes": fmt_count(anonymity["n_people_in_small_classes"]),
            "age_band_years": fmt_count(anonymity["age_band_years"]),
            "quasi_identifiers": join_words([q.replace("_", " ")
                                             for q in anonymity["quasi_identifiers"]]),
        },
    }


# The report's data statement, by the data's declared origin (analysis.codebook.Origin): a build
# from the study's records never calls its data synthetic; one from the synthetic cohort always
# does, on its first page.
DATA_STATEMENTS = {
    "synthetic": {
        "subtitle": "Rebuilt from a synthetic reconstruction of the cohort",
        "abstract": "The numbers in this edition come from a synthetic reconstruction of the "
        "cohort calibrated to the published statistics (the same build produces the report "
        "from the original records when they are available).",
        "callout": "The numbers in this report are computed from a synthetic reconstruction of "
        "the cohort, not from the study's own records: the individual-level data of the "
        "evaluation are not public, so the shipped data were generated to match the published "
        "statistics. Run on the original extract (same schema), the same build produces the "
        "report of the real data.",
        "note_title": "Data note: the synthetic reconstruction",
        "records": "No record describes a real person.",
        "limitation": "Finally, this edition of the report is computed from a synthetic "
        "reconstruction of the cohort (see the data note), so its numbers show what the "
        "published statistics imply rather than the original records; the reproduction "
        "scorecard in the appendix shows how closely they agree.",
    },
    "records": {
        "subtitle": "Built from the study's records",
        "abstract": "The numbers in this edition come from the study's own records, "
        "pseudonymised before they entered the build.",
        "callout": "The numbers in this report are computed from the study's own records (their "
        "directory has no ORIGIN file declaring generated data). Disclosure control: the records "
        "entered the build pseudonymised; the build refuses direct identifiers and ids that "
        "could embed personal information, and quotes no identifying value in its messages; the "
        "report publishes aggregate statistics only, and the data note states how many people "
        "share each combination of characteristics. The records themselves are not released.",
        "note_title": "Data note: the study's records and the synthetic reconstruction",
        "records": "This build, however, ran on the study's own records: every record "
        "describes a real participant, pseudonymised, and only aggregate statistics leave "
        "the build.",
        "limitation": "Finally, this edition is computed from the study's own records (see the "
        "data note); the reproduction scorecard in the appendix shows how closely they "
        "reproduce the published statistics.",
    },
}


def origin_vars(origin: Origin) -> dict[str, str]:
    """The report's data statement (subtitle, abstract and callout sentences, data note)."""
    return dict(DATA_STATEMENTS[origin.origin])


def build_variables(results: Mapping[str, Any], scorecard: pd.DataFrame, cited: pd.DataFrame,
                    provenance: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
    """The nested variables tree of manuscript/_variables.yml (every leaf a string)."""
    missing = [d for d in (*DOMAINS, SENSITIVITY) if d not in results]
    if missing:
        raise ValueError(f"build_variables: results for {', '.join(missing)} are missing")
    waves = Waves.from_config(dict(config))
    variables = {
        "report": {"date": provenance["git"]["date"]},
        "waves": waves_vars(waves),
        "config": config_vars(config),
        "study": study_vars(results["study"], results["profile"], waves),
        "profile": profile_vars(results["profile"]),
        "coercion": coercion_vars(results["coercion"]),
        "retention": retention_vars(results["retention"], waves),
        "offending": offending_vars(results["offending"], waves),
        "drug_use": drug_use_vars(results["drug_use"], waves),
        "reintegration": reintegration_vars(results["reintegration"], waves),
        "regression": regression_vars(results["regression"], config),
        "sensitivity": sensitivity_variables(results[SENSITIVITY], config["site_of_interest"]),
        "cited": cited_vars(cited),
        "scorecard": scorecard_vars(scorecard),
        "provenance": provenance_vars(provenance),
        "origin": origin_vars(provenance["origin"]),
    }
    variables["hypotheses"] = hypotheses_vars(variables)
    return variables


def build_tables(results: Mapping[str, Any], scorecard: pd.DataFrame,
                 provenance: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, str]:
    """Every generated table as Markdown, keyed by its file name in manuscript/_tables/."""
    waves = Waves.from_config(dict(config))
    off, drug = results["offending"], results["drug_use"]
    frames = {
        "intake.md": tables.intake_table(results["profile"]),
        "retention.md": tables.retention_table(results["retention"], waves),
        "table1_regression.md": tables.regression_table(
            results["regression"]["final"], config["regression"]["final"],
            config["site_of_interest"]),
        "crime_days_by_wave.md": tables.by_wave_table(off["crime_days_30"]["mean"], waves,
                                                      tables.mean_n_cell),
        "illicit_days_by_wave.md": tables.by_wave_table(drug["illicit_drug_days_30"]["mean"], waves,
                                                        tables.mean_n_cell),
        "sensitivity.md": comparison_table(results[SENSITIVITY], config["site_of_interest"]),
        "scorecard.md": tables.scorecard_table(scorecard),
        "scorecard_summary.md": tables.scorecard_summary(scorecard),
        "provenance.md": tables.provenance_table(provenance),
    }
    return {name: tables.to_markdown(frame) for name, frame in frames.items()}


# -------------------------------------------------------------------------------------- CLI


def collect_provenance(raw_dir: Path, config: Mapping[str, Any], repo: Path) -> dict[str, Any]:
    """Commit, data checksums, versions, the renderer that `auto` resolves to, k-anonymity."""
    from analysis.render import choose_renderer  # the renderer's own rule for "auto"
    from analysis.validate import load_raw, read_origin

    raw_files = sorted(raw_dir.glob("*.csv"))
    participants = load_raw(raw_dir, dict(config)).participants
    return {"git": prov.git_commit(repo), "data": prov.data_checksums(raw_files),
            "packages": prov.package_versions(), "python": platform.python_version(),
            "renderer": choose_renderer(config["render"]["renderer"]),
            "anonymity": k_anonymity(participants), "origin": read_origin(raw_dir)}


def unnumbered(markdown: str) -> str:
    """`markdown` with every ATX heading marked {.unnumbered} (for text included in an appendix).

    Headings inside fenced code blocks are left alone.
    """
    out, fenced = [], False
    for line in markdown.split("\n"):
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and re.match(r"#{1,6} \S", line) and not line.rstrip().endswith("}"):
            line = f"{line.rstrip()} {{.unnumbered}}"
        out.append(line)
    return "\n".join(out)


def write_outputs(variables: Mapping[str, Any], table_texts: Mapping[str, str],
                  variables_path: Path, tables_dir: Path) -> None:
    """Write the variables YAML (sorted keys) and every table file, each atomically."""
    text = yaml.safe_dump(dict(variables), sort_keys=True, allow_unicode=True, width=10_000,
                          default_flow_style=False)
    atomic_write(variables_path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    for name, body in sorted(table_texts.items()):
        atomic_write(tables_dir / name, lambda tmp, b=body: tmp.write_text(b, encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    """Read results, scorecard, cited facts and provenance; write the variables and tables."""
    from analysis.published import load_cited_facts

    parser = argparse.ArgumentParser(prog="python -m analysis.numbers",
                                     description=main.__doc__)
    parser.add_argument("--results-dir", required=True, type=Path)
    parser.add_argument("--scorecard", required=True, type=Path)
    parser.add_argument("--published", required=True, type=Path)
    parser.add_argument("--raw-dir", required=True, type=Path)
    parser.add_argument("--config", required=True, type=Path)
    parser.add_argument("--variables", required=True, type=Path)
    parser.add_argument("--tables", required=True, type=Path)
    parser.add_argument("--consistency", type=Path, default=Path("docs/consistency.md"),
                        help="the consistency audit, copied into the tables folder for appendix B")
    args = parser.parse_args(argv)
    config = load_config(args.config)
    expected = (*DOMAINS, SENSITIVITY)
    missing = [d for d in expected if not (args.results_dir / f"{d}.json").is_file()]
    if missing:
        print(f"error: no results for {', '.join(missing)} in {args.results_dir}", file=sys.stderr)
        return 1
    results = load_results(args.results_dir)
    scorecard = pd.read_csv(args.scorecard, dtype=str, keep_default_na=False)
    from analysis.validate import CohortValidationError

    try:
        provenance = collect_provenance(args.raw_dir, config, Path.cwd())
    except CohortValidationError as err:  # e.g. a malformed ORIGIN beside the raw files
        print(f"error: {err}", file=sys.stderr)
        return 1
    variables = build_variables(results, scorecard, load_cited_facts(args.published), provenance,
                                config)
    table_texts = build_tables(results, scorecard, provenance, config)
    table_texts["consistency.md"] = unnumbered(args.consistency.read_text(encoding="utf-8"))
    write_outputs(variables, table_texts, args.variables, args.tables)
    return 0


if __name__ == "__main__":
    sys.exit(main())
