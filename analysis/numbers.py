"""Every number and every result-dependent word of the manuscript, as one nested dict of strings.

`build_variables` turns the results JSON (docs/results_format.md), the reproduction scorecard,
the cited facts, the build provenance and the config into the tree written to
manuscript/_variables.yml, which the text reads through `{{< var dotted.key >}}`. Numbers are
formatted only by analysis.formatting. Words that interpret a result ("fell"/"rose",
"significant"/"not significant", which group is larger) are derived here from the same values
the text prints, so the prose cannot contradict its numbers when the data change.

Variable keys never contain wave ids: the baseline, first and last follow-up are the roles
`baseline`, `first` and `last` of the configured waves (analysis.config.Waves).

    python -m analysis.numbers --results RESULTS.json... --scorecard CSV --claims CSV \
        --provenance JSON --published DIR --config CFG --variables manuscript/_variables.yml \
        --tables manuscript/_tables
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from analysis import claims, tables, trace
from analysis.config import Wave, Waves, load_config
from analysis.consistency import audit_markdown
from analysis.consistency import readings as consistency_readings
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
    typeset,
)
from analysis.io import atomic_write, read_json, write_json
from analysis.prose import (
    capitalise,
    change_predicate,
    join_words,
    number_word,
    significant_at,
    two_group_change,
    two_measures,
    two_periods,
    verdicts,
)
from analysis.results import DOMAINS, load_results
from analysis.sensitivity.report import comparison_table, sensitivity_variables
from analysis.views import missing_data_method

SENSITIVITY = "sensitivity"  # results/sensitivity.json, from the sensitivity rules
FULL_SCORECARD = "scorecard_full.md"  # a raw HTML block, not a pipe table
GROUPS = {"qct": "QCT", "comparison": "comparison", "all": "all"}  # variable key -> results key
GROUP_NAMES = {"QCT": "the QCT group", "comparison": "the comparison group"}
NOT_TESTABLE = "not testable"
NOT_AVAILABLE = "not available"
MISSING_DATA_NAMES = {
    "locf": (
        "last observation carried forward (LOCF)",
        "LOCF",
        "a person not interviewed at a follow-up keeps the value of their latest earlier interview",
    ),
    "complete_case": (
        "complete-case analysis",
        "complete-case analysis",
        "only people interviewed at both waves of a comparison enter it",
    ),
}
# What each method does to the people missed at the first follow-up, and why the Wilcoxon tests
# of the paired changes are the same under both (zero differences are dropped from the ranks).
MISSING_DATA_EFFECTS = {
    "locf": (
        "enter those comparisons with their intake values carried forward",
        "The Wilcoxon tests are those reported above: a carried-forward value adds a zero "
        "change, which the signed-rank test leaves out",
    ),
    "complete_case": (
        "are left out of those comparisons",
        "The means are those of the people interviewed at both waves, whose "
        "changes the Wilcoxon tests above rank",
    ),
}
ABSTINENCE_BEFORE = ("never_via_treatment_before", "voluntarily_before")
ABSTINENCE_DURING = ("via_treatment_since_intake", "via_treatment_since_intake_first_time")
NO_CHANGE_PHRASE = "showed no change"
NO_SIGNIFICANT_CHANGE_PHRASE = "showed no significant change"
SIGNIFICANT_FALL = "showed a significant fall"
CHANGE_VERBS = {"fall": "fell", "rise": "rose", "no change": "did not change"}
# The words that compare a first value with a second, keyed by formatting.direction(second, first).
COMPARE_WORDS = {
    "likely": {"rise": "more likely than", "fall": "less likely than", "no change": "as likely as"},
    "level": {"rise": "higher than", "fall": "lower than", "no change": "the same as"},
    "length": {"rise": "longer than", "fall": "shorter than", "no change": "as long as"},
}


# ---------------------------------------------------------------------------------- leaves


def share(leaf: Mapping[str, Any] | None) -> dict[str, str]:
    """A percentage leaf: text '54% (n = 85)', percent '54%', count '85', base n '157'."""
    if leaf is None or leaf.get("percent") is None:
        return {k: NOT_AVAILABLE for k in ("text", "percent", "count", "n")}
    return {
        "text": fmt_percent(leaf["percent"], leaf["count"]),
        "percent": fmt_percent(leaf["percent"]),
        "count": fmt_count(leaf["count"]),
        "n": fmt_count(leaf["n"]),
    }


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


def change(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    result: Mapping[str, Any] | None,
    decimals: int = 1,
) -> dict[str, str]:
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
    kind = word
    if word == "no change":
        phrase = NO_CHANGE_PHRASE
    elif tested["sig"] == "significant":
        phrase = f"showed a significant {word}"
    elif _z_agrees(result, word):
        phrase = f"showed a non-significant {word}"
    else:
        phrase, kind = NO_SIGNIFICANT_CHANGE_PHRASE, "no significant change"
    return {
        "before": mean(before, fmt),
        "after": mean(after, fmt),
        "verb": verb,
        "noun": word,
        "phrase": phrase,
        "kind": kind,
        "predicate": change_predicate(kind, tested["sig"]),
        **{f"test_{k}" if k != "text" else "test": v for k, v in tested.items()},
    }


def reduction(value: float | None) -> dict[str, str]:
    """A percent reduction: '71%' with the word 'reduction' (or the size of an 'increase') and
    the phrase 'a reduction of 71%' / 'an increase of 5%' / 'no change'."""
    if value is None:
        return {"percent": NOT_AVAILABLE, "word": "change", "phrase": "no measurable change"}
    word = {"rise": "reduction", "fall": "increase", "no change": "change"}[direction(0, value, 0)]
    percent = fmt_percent(abs(value))
    phrase = (
        "no change"
        if word == "change"
        else (f"{'an' if word == 'increase' else 'a'} {word} of {percent}")
    )
    return {"percent": percent, "word": word, "phrase": phrase}


def at_decimals(decimals: int) -> Callable[[float], str]:
    """A number formatter at a fixed number of decimals."""
    return lambda value: fmt_number(value, decimals)


def _roles(waves: Waves) -> dict[str, Wave]:
    return {
        "baseline": waves.baseline,
        "first": waves.first_follow_up,
        "last": waves.last_follow_up,
    }


def _pairs(waves: Waves) -> dict[str, str]:
    """Variable name -> results key of the wave pairs the analyses compare."""
    b, f, last = waves.baseline.id, waves.first_follow_up.id, waves.last_follow_up.id
    return {"base_first": f"{b}_{f}", "base_last": f"{b}_{last}", "first_last": f"{f}_{last}"}


def at(wave: Wave, waves: Waves) -> str:
    """'at intake' for the baseline, 'at the 6-month follow-up' for a follow-up."""
    return f"at {wave.label}" if wave.id == waves.baseline.id else f"at the {wave.label}"


def wave_list(
    per_wave: Mapping[str, Any],
    waves: Iterable[Wave],
    all_waves: Waves,
    fmt: Callable[[Mapping[str, Any]], str],
) -> str:
    """'62% (n = 98) at intake, 66% (n = 70) at the 6-month follow-up and ...'."""
    return join_words(
        [f"{fmt(per_wave[w.id])} {at(w, all_waves)}" for w in waves if w.id in per_wave]
    )


def by_group(leaf: Mapping[str, Any], fn: Callable[[Any], Any]) -> dict[str, Any]:
    return {key: fn(leaf[name]) for key, name in GROUPS.items() if name in leaf}


def odds_ratio_text(odds_ratio: float, ci_low: float, ci_high: float) -> str:
    """'odds ratio 0.28, 95% CI 0.12 to 0.64' (no brackets, so it can sit inside a bracket)."""
    fmt_or_ci(odds_ratio, ci_low, ci_high)  # checks that the interval holds the ratio
    return (
        f"odds ratio {fmt_number(odds_ratio, 2)}, {fmt_percent(100 * (1 - ALPHA))} CI "
        f"{fmt_number(ci_low, 2)} to {fmt_number(ci_high, 2)}"
    )


def contrast(words: str, tested: Mapping[str, str]) -> dict[str, str]:
    """A comparison that carries its verdict: 'significantly more likely than' beside the bare
    test, or 'more likely than' beside the test marked '...; not significant'."""
    same = words in {w["no change"] for w in COMPARE_WORDS.values()}
    if tested["sig"] == "significant" and not same:
        return {"contrast": f"significantly {words}", "tested": tested["text"]}
    marked = tested["sig"] == "not significant" and not same
    return {
        "contrast": words,
        "tested": f"{tested['text']}; not significant" if marked else tested["text"],
    }


def group_shares(leaf: Mapping[str, Any]) -> dict[str, Any]:
    """A percents_by_group leaf: each group's share, the chi-square, and QCT vs comparison."""
    tested = test(leaf.get("chi2"))
    words = compare(leaf["QCT"]["percent"], leaf["comparison"]["percent"], "likely", 0)
    return {
        **by_group(leaf, share),
        **tested,
        "qct_vs_comparison": words,
        **contrast(words, tested),
    }


def group_means(
    leaf: Mapping[str, Any],
    fmt: Callable[[float], str] = fmt_mean,
    test_key: str = "t_test",
    kind: str = "level",
    decimals: int = 1,
) -> dict[str, Any]:
    """A means_by_group leaf: each group's mean, the test, and QCT vs comparison."""
    tested = test(leaf.get(test_key))
    words = compare(leaf["QCT"]["value"], leaf["comparison"]["value"], kind, decimals)
    return {
        **by_group(leaf, lambda v: mean(v, fmt)),
        **tested,
        "qct_vs_comparison": words,
        **contrast(words, tested),
    }


def larger_group(values: Mapping[str, float | None], decimals: int = 0) -> str:
    """Which of the two groups has the larger value at `decimals` ('neither group' if tied)."""
    qct, comparison = values.get("QCT"), values.get("comparison")
    if qct is None or comparison is None:
        return NOT_AVAILABLE
    word = direction(comparison, qct, decimals)
    return {
        "rise": GROUP_NAMES["QCT"],
        "fall": GROUP_NAMES["comparison"],
        "no change": "neither group",
    }[word]


def correlation(leaf: Mapping[str, Any] | None) -> dict[str, str]:
    """A Spearman leaf with the sign of the association in words."""
    out = test(leaf)
    value = None if leaf is None else leaf.get("statistic")
    out["sign"] = (
        NOT_AVAILABLE
        if value is None
        else {"rise": "positive", "fall": "negative", "no change": "null"}[direction(0, value, 3)]
    )
    return out


def waves_over(
    summary: Mapping[str, Any], waves: Waves, fn: Callable[[Mapping[str, Any]], Any]
) -> dict[str, Any]:
    """{group: {role: fn(leaf)}} for the baseline, first and last follow-up of a wave summary."""
    return {
        key: {
            role: fn(summary[name][w.id])
            for role, w in _roles(waves).items()
            if w.id in summary[name]
        }
        for key, name in GROUPS.items()
        if name in summary
    }


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
    first, last = roles["first"].label, roles["last"].label
    for key in GROUPS:
        if key in out and "base_first" in out[key]:
            out[key]["over_time"] = two_periods(
                [
                    (
                        out[key][pair]["predicate"],
                        f"between intake and the {label}",
                        out[key][pair]["test"],
                    )
                    for pair, label in (("base_first", first), ("base_last", last))
                ]
            )
    out["groups"] = {
        pair: two_group_change(
            {
                GROUP_NAMES[name]: (out[key][pair]["kind"], out[key][pair]["test_sig"])
                for key, name in GROUPS.items()
                if name in GROUP_NAMES
            }
        )
        for pair in _pairs(waves)
    }
    return out


def missing_data_change(block: Mapping[str, Any], waves: Waves) -> dict[str, Any]:
    """The baseline -> first follow-up change under the configured missing-data method."""
    b, f = waves.baseline.id, waves.first_follow_up.id
    return {
        key: {
            **change(block[name][b], block[name][f], block[name]["wilcoxon"]),
            "reduction": reduction(block[name]["reduction"]["value"]),
        }
        for key, name in GROUPS.items()
    }


def printed_precision(published: pd.DataFrame, waves: Waves) -> dict[str, int]:
    """Decimals the paper prints each mean at, keyed by its results path without group, wave
    and leaf ('profile.means.age' -> 0), from data/published/statistics.csv.

    The text prints a quantity at the paper's precision so that a reader comparing the two
    never rounds twice (a mean of 30.48 printed as 30.5 against the paper's 30).
    """
    skip = {*GROUPS.values(), *(w.id for w in waves.all), "value"}
    out: dict[str, int] = {}
    for path, decimals in zip(published["result_path"], published["decimals"], strict=True):
        if str(path).endswith(".value"):
            key = ".".join(part for part in str(path).split(".") if part not in skip)
            out[key] = max(out.get(key, 0), int(decimals))
    return out


# --------------------------------------------------------------------------------- domains


def waves_vars(waves: Waves) -> dict[str, Any]:
    """Wave labels and phrases, so the text never names a wave itself."""
    roles = {
        role: {"label": w.label, "at": at(w, waves), "months": fmt_count(w.months)}
        for role, w in _roles(waves).items()
    }
    return {
        **roles,
        "count": fmt_count(len(waves.all)),
        "follow_up_count": fmt_count(len(waves.follow_ups)),
        "follow_up_count_words": number_word(len(waves.follow_ups)),
        "follow_up_list": join_words([f"the {w.label}" for w in waves.follow_ups]),
    }


def config_vars(config: Mapping[str, Any]) -> dict[str, Any]:
    """The analysis choices in force, in words and numbers."""
    method = missing_data_method(config)
    name, short, description = MISSING_DATA_NAMES[method]
    spec = config["regression"]
    effect, test_note = MISSING_DATA_EFFECTS[method]
    return {
        "missing_data": {
            "name": name,
            "short": short,
            "description": description,
            "Name": capitalise(name),
            "effect": effect,
            "test_note": test_note,
            "other": MISSING_DATA_NAMES[next(m for m in MISSING_DATA_NAMES if m != method)][0],
        },
        "site_of_interest": fmt_count(config["site_of_interest"]),
        "frequent_use_days": fmt_count(config["derived"]["frequent_use_days"]),
        "retained_days": fmt_count(config["derived"]["retained_days"]),
        "entry_p": fmt_number(spec["entry_p"], 2),
        "removal_p": fmt_number(spec["removal_p"], 2),
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
        "response_list": wave_list(
            interviews,
            waves.follow_ups,
            waves,
            lambda leaf: fmt_percent(leaf["percent"], leaf["count"]),
        ),
        "reinterviewed": share(study["reinterviewed"][last]),
        "total_interviews": fmt_count(study["total_interviews"][last]["value"]),
        "missed_first": share(study["missed_first_follow_up"]),
        "weeks_to_interview": mean(weeks["mean"]),
        "within_two_weeks": share(weeks["within_two_weeks"]),
    }


def profile_vars(
    profile: Mapping[str, Any], precision: Mapping[str, int] | None = None
) -> dict[str, Any]:
    """Every intake characteristic of the intake table, and which ones differ by group."""
    out: dict[str, Any] = {}
    differing, alike = [], []
    for block, key, _, noun in tables.INTAKE_ROWS:
        leaf = profile[block][key]
        if block == "proportions":
            out[key] = group_shares(leaf)
        else:
            decimals = tables.mean_decimals(key, precision)
            out[key] = group_means(
                leaf,
                tables.mean_format(key, precision),
                tables.MEAN_TEST.get(key, "t_test"),
                decimals=decimals,
            )
        (differing if out[key]["sig"] == "significant" else alike).append(noun)
    total = len(tables.INTAKE_ROWS)
    if differing:
        sentence = (
            f"The groups differed significantly on {number_word(len(differing))} of the "
            f"{number_word(total)} characteristics compared: {join_words(differing)}"
        )
    else:
        sentence = (
            f"The groups did not differ significantly on any of the {number_word(total)} "
            "characteristics compared"
        )
    out["differences"] = {
        "significant": join_words(differing, "none of the characteristics"),
        "not_significant": join_words(alike, "none of the characteristics"),
        "count": fmt_count(len(differing)),
        "total": fmt_count(total),
        "sentence": sentence,
    }
    out["drug_composite"]["t_test"] = test(profile["means"]["drug_composite"]["t_test"])
    out["intake_modality"] = {k: share(v) for k, v in profile["intake_modality"].items()}
    return out


def coercion_vars(coercion: Mapping[str, Any]) -> dict[str, Any]:
    """Perceived pressure and stage of change by group."""
    stages = coercion["stage_of_change"]
    return {
        "no_pressure": group_shares(coercion["no_pressure"]),
        "pressure": group_shares(coercion["perceived_pressure"]),
        "stage": {
            **{key: {s: share(v) for s, v in stages[name].items()} for key, name in GROUPS.items()},
            **test(stages["chi2"]),
            "differs": (
                "differed significantly"
                if test(stages["chi2"])["sig"] == "significant"
                else "did not differ significantly"
            ),
        },
    }


def retention_vars(
    retention: Mapping[str, Any], waves: Waves, precision: Mapping[str, int] | None = None
) -> dict[str, Any]:
    """Retention in treatment, treatment careers and the site effect on staying beyond N days."""
    days = retention["days_in_treatment"]
    beyond = retention["retained_beyond"]
    last = waves.last_follow_up.id
    site = beyond["site_of_interest"]
    site_likely = compare(site["odds_ratio"], 1.0, "likely", 2)
    site_or = fmt_or_ci(site["odds_ratio"], site["ci_low"], site["ci_high"])
    site_test = {
        "sig": significance(site["p"]),
        "text": f"{odds_ratio_text(site['odds_ratio'], site['ci_low'], site['ci_high'])}"
        f", {fmt_p(site['p'])}",
    }
    decimals = (precision or {}).get("retention.days_in_treatment", 1)
    fmt = at_decimals(decimals)
    days_first = group_means(days[waves.first_follow_up.id], fmt, kind="length", decimals=decimals)
    days_last = group_means(days[last], fmt, kind="length", decimals=decimals)
    periods = [
        ("over the first follow-up period", days_first["sig"]),
        ("over the whole study", days_last["sig"]),
    ]
    return {
        "in_treatment": group_shares(retention["in_treatment"]),
        "opioid_substitution": share(retention["opioid_substitution"]),
        "episode_status": {k: share(v) for k, v in retention["episode_status"].items()},
        "days_first": days_first,
        "days_last": days_last,
        "days_verdict": days_verdict(periods),
        "days_not_in_treatment": group_means(
            retention["days_in_treatment_not_in_treatment"],
            at_decimals((precision or {}).get("retention.days_in_treatment_not_in_treatment", 1)),
            kind="length",
            decimals=(precision or {}).get("retention.days_in_treatment_not_in_treatment", 1),
        ),
        "continued_treatment": share(retention["continued_treatment"].get(last)),
        "residential": group_shares(retention["residential"][last]),
        "retained_beyond": {
            "threshold": fmt_count(beyond["threshold_days"]["value"]),
            **{k: v for k, v in group_shares(beyond["retained"]).items()},
            "site_or": site_or,
            "site_p": fmt_p(site["p"]),
            "site_sig": significance(site["p"]),
            "site_likely": site_likely,
            **{f"site_{k}": v for k, v in contrast(site_likely, site_test).items()},
        },
    }


def days_verdict(periods: Sequence[tuple[str, str]]) -> str:
    """Whether the groups' mean days in treatment differed, over each period, in one clause."""
    hits = [name for name, sig in periods if sig == "significant"]
    misses = [name for name, sig in periods if sig != "significant"]
    if not hits:
        return f"did not differ significantly either {' or '.join(misses)}"
    if not misses:
        return f"differed significantly {' and '.join(hits)}"
    return f"differed significantly {join_words(hits)} but not {join_words(misses)}"


# The criminal-justice outcomes during follow-up and the desistance correlates the text sums up
# in one sentence each: results key -> the name the sentence gives it.
DURING_NAMES = {"continued_crime": "offending", "arrested": "arrest", "imprisoned": "imprisonment"}
DESISTANCE_NAMES = {
    "improved_drug_use": "reduced illicit drug use",
    "in_treatment": "still being in treatment",
    "abstinent_voluntarily_before": "earlier voluntary abstinence",
}


def offending_vars(
    offending: Mapping[str, Any], waves: Waves, precision: Mapping[str, int] | None = None
) -> dict[str, Any]:
    """Offending by group and wave, its changes, criminal-justice outcomes and correlates."""
    days180 = offending["crime_days_180"]
    base_last = _pairs(waves)["base_last"]
    cut = {name: days180["reduction"][name][base_last]["value"] for name in ("QCT", "comparison")}
    last = waves.last_follow_up.id
    during = offending["during_follow_up"]
    return {
        "days180": {
            **waves_over(days180["mean"], waves, lambda leaf: mean(leaf, at_decimals(0))),
            "reduction": {
                key: reduction(days180["reduction"][name][base_last]["value"])
                for key, name in GROUPS.items()
            },
            "larger_reduction": larger_group(cut),
        },
        "days30": {
            **changes(
                offending["crime_days_30"],
                waves,
                (precision or {}).get("offending.crime_days_30.mean", 1),
            ),
            "baseline_test": test(offending["crime_days_30"]["baseline_t_test"]),
        },
        "any_crime": waves_over(offending["any_crime_30"], waves, share),
        "no_crime_first": share(offending["no_crime_first_follow_up"]),
        "missing_data": missing_data_change(offending["missing_data"]["crime_days_30"], waves),
        "during": {
            **{k: group_shares(v[last]) for k, v in during.items()},
            "verdict": verdicts(
                [
                    (name, significance_of(during[k][last].get("chi2")))
                    for k, name in DURING_NAMES.items()
                ],
                "difference",
                "in",
            ),
        },
        "correlates": {
            **{k: correlation(v) for k, v in offending["desistance_correlates"].items()},
            "verdict": verdicts(
                [
                    (name, significance_of(offending["desistance_correlates"][k]))
                    for k, name in DESISTANCE_NAMES.items()
                ],
                "association",
                "with",
            ),
        },
    }


def significance_of(result: Mapping[str, Any] | None) -> str:
    """'significant', 'not significant' or 'not testable' for a test leaf."""
    return test(result)["sig"]


def drug_use_vars(
    drug_use: Mapping[str, Any], waves: Waves, precision: Mapping[str, int] | None = None
) -> dict[str, Any]:
    """Drug use by group and wave, changes, spending, correlates and abstinence."""
    measures = [
        k for k, v in drug_use.items() if isinstance(v, dict) and "wilcoxon" in v and "mean" in v
    ]
    spend = drug_use["drug_spend_30"]
    pairs = _pairs(waves)
    abstinence = drug_use["abstinence"]
    last = waves.last_follow_up.id
    weeks = abstinence["weeks_since_intake"][last]
    weeks_decimals = (precision or {}).get("drug_use.abstinence.weeks_since_intake", 1)
    return {
        **{
            m: changes(
                drug_use[m],
                waves,
                (precision or {}).get(f"drug_use.{m}.mean", 2 if m == "drug_composite" else 1),
            )
            for m in measures
        },
        "spend": {
            **waves_over(spend["median"], waves, lambda leaf: mean(leaf, fmt_money)),
            "base_first": test(spend["wilcoxon"]["all"][pairs["base_first"]]),
        },
        "missing_data": missing_data_change(
            drug_use["missing_data"]["illicit_drug_days_30"], waves
        ),
        "correlates": {k: correlation(v) for k, v in drug_use["improvement_correlates"].items()},
        "abstinence": {
            **{k: share(abstinence[k]) for k in ABSTINENCE_BEFORE},
            # During follow-up the results run through each wave; the report gives the latest.
            **{k: share(abstinence[k][last]) for k in ABSTINENCE_DURING},
            "weeks": {
                **group_means(
                    weeks, at_decimals(weeks_decimals), kind="length", decimals=weeks_decimals
                ),
                "longer": larger_group({g: weeks[g]["value"] for g in GROUP_NAMES}, weeks_decimals),
            },
        },
    }


def reintegration_vars(
    reint: Mapping[str, Any], waves: Waves, precision: Mapping[str, int] | None = None
) -> dict[str, Any]:
    """Housing, social networks, relationships and work over the waves."""

    def per_wave_shares(block: Mapping[str, Any]) -> dict[str, Any]:
        return {
            **waves_over(block, waves, share),
            "list": wave_list(block["all"], waves.all, waves, lambda leaf: share(leaf)["text"]),
        }

    def significant_waves(chi2: Mapping[str, Any]) -> str:
        tested = [w for w in waves.all if chi2.get(w.id) and chi2[w.id].get("p") is not None]
        hits = [at(w, waves) for w in tested if test(chi2[w.id])["sig"] == "significant"]
        return significant_at(hits, len(tested))

    satisfied = reint["satisfied_living"]["percent"]
    both = [w.id for w in waves.all if w.id in satisfied["QCT"] and w.id in satisfied["comparison"]]
    comparison_higher = sum(
        direction(satisfied["QCT"][w]["percent"], satisfied["comparison"][w]["percent"], 0)
        == "rise"
        for w in both
    )
    if comparison_higher == len(both):
        higher = "at every wave"
    elif comparison_higher:
        higher = f"at {number_word(comparison_higher)} of the {number_word(len(both))} waves"
    else:
        higher = None
    satisfied_sig = significant_waves(reint["satisfied_living"]["chi2"])
    satisfied_sentence = (
        f"The comparison group reported higher satisfaction than the QCT group {higher}; the "
        f"difference {satisfied_sig}"
        if higher
        else "The comparison group never reported higher satisfaction than the QCT group; the "
        f"difference between the groups {satisfied_sig}"
    )
    homeless = reint["homeless_30"]
    free = reint["free_time_with_users"]["percent"]["all"]
    return {
        "homeless": {
            **per_wave_shares(homeless["percent"]),
            "baseline_test": test(homeless["chi2"][waves.baseline.id]),
            "significant_waves": significant_waves(homeless["chi2"]),
        },
        "homeless_setting": {k: share(v) for k, v in reint["homeless_setting"].items()},
        "missing_data_homeless": group_shares(reint["missing_data"]["homeless_30"]),
        "satisfied": {
            **per_wave_shares(satisfied),
            "significant_waves": satisfied_sig,
            "comparison_higher_waves": fmt_count(comparison_higher),
            "sentence": satisfied_sentence,
        },
        "free_time": {
            **per_wave_shares(reint["free_time_with_users"]["percent"]),
            "base_last": CHANGE_VERBS[
                direction(
                    free[waves.baseline.id]["percent"], free[waves.last_follow_up.id]["percent"], 0
                )
            ],
        },
        "relationships": changes(
            reint["relationship_problems"],
            waves,
            (precision or {}).get("reintegration.relationship_problems.mean", 1),
        ),
        "no_work_before": share(reint["no_work_or_study_before"]),
        "no_work_follow_up": share(reint["no_work_or_study_follow_up"][waves.last_follow_up.id]),
    }


def significant_predictors(names: Sequence[str]) -> str:
    """'four predictors reached significance: a, b, c and d' / 'no predictor reached ...'."""
    if not names:
        return "no predictor reached significance"
    if len(names) == 1:
        return f"one predictor reached significance: {names[0]}"
    return f"{number_word(len(names))} predictors reached significance: {join_words(names)}"


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
            "significant": join_words(
                [label(n) for n in final_names if n in significant], "none of the predictors"
            ),
            "significance": significant_predictors(
                [label(n) for n in final_names if n in significant]
            ),
            "Significance": capitalise(
                significant_predictors([label(n) for n in final_names if n in significant])
            ),
            **{
                n: {
                    "or_ci": fmt_or_ci(c["odds_ratio"], c["ci_low"], c["ci_high"]),
                    "or_text": odds_ratio_text(c["odds_ratio"], c["ci_low"], c["ci_high"]),
                    "p": fmt_p(c["p"]),
                    "sig": significance(c["p"]),
                    "label": label(n),
                    "odds": {"rise": "raised", "fall": "lowered", "no change": "did not change"}[
                        direction(1.0, c["odds_ratio"], 2)
                    ],
                }
                for n, c in coefs.items()
            },
        }, set(significant)

    final, final_sig = model_vars(regression["final"])
    variant, variant_sig = model_vars(regression["missing_data"]["final"])
    selected = list(regression["stepwise"]["selected"])
    method = missing_data_method(config)
    agrees = "the same" if variant_sig == final_sig else "a different"
    # Under complete-case analysis the variant is the model of the table itself (the people
    # interviewed at the first follow-up), so there is no second fit to report.
    variant_sentence = (
        (
            "The missing-data method in force, complete-case analysis, fits this same model, so "
            "there is no second fit to compare."
        )
        if method == "complete_case"
        else (
            f"Fitted under {MISSING_DATA_NAMES[method][1]} to the {variant['n']} people with intake "
            f"data, the same model gave {agrees} set of significant predictors "
            f"({variant['significant']}; Nagelkerke's R² = {variant['r2']})."
        )
    )
    return {
        "no_offence": share(regression["outcome"]["no_offence"]),
        "final": final,
        "missing_data": {**variant, "agrees": agrees, "sentence": variant_sentence},
        "stepwise": {
            "n": fmt_count(regression["stepwise"]["n"]),
            "selected": join_words([label(n) for n in selected], "no predictor"),
            "count": number_word(len(selected)),
            "agrees": "the same predictors as"
            if set(selected) == set(final_names)
            else "different predictors from",
            "qct": "entered" if "qct" in selected else "did not enter",
            # What the selection says about legal status, in a clause for the Conclusions.
            "qct_meaning": (
                "legal status still predicted offending once severity and other factors were "
                "taken into account"
                if "qct" in selected
                else "once severity and other factors were taken into account, legal status "
                "made no significant difference to offending"
            ),
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
        return sum(
            block[group]["base_last"]["phrase"] == SIGNIFICANT_FALL
            for block in (v["offending"]["days30"], v["drug_use"]["illicit_drug_days_30"])
        )

    retention = v["retention"]["in_treatment"]
    better = (
        retention["qct_vs_comparison"] == COMPARE_WORDS["likely"]["rise"]
        and retention["sig"] == "significant"
    )
    return {
        "first": _verdict(falls("qct"), 2),
        "second": _verdict(falls("comparison"), 2),
        "third": _verdict(int(better), 1),
        "fourth": _verdict(int(v["regression"]["stepwise"]["qct"] == "entered"), 1),
    }


def cited_vars(cited: pd.DataFrame) -> dict[str, str]:
    """Facts the cohort does not produce, as printed in their sources (cited_facts.csv)."""
    return {str(row["id"]): str(row["value"]) for _, row in cited.iterrows()}


def scorecard_vars(scorecard: pd.DataFrame) -> dict[str, str]:
    """'X of Y published statistics reproduced', and how the misses break down."""
    matched = scorecard["match"].eq("true")
    missed = scorecard.loc[~matched]
    not_computed = missed["note"].str.contains("not computed", regex=False)
    n_missed, n_not_computed = len(missed), int(not_computed.sum())
    n_differ = n_missed - n_not_computed
    if not n_missed:
        breakdown = "Every printed statistic was reproduced."
    elif n_missed == 1:
        breakdown = "The one statistic that was not reproduced " + (
            "has no regenerated value yet."
            if n_not_computed
            else "was computed but differs from the printed value."
        )
    elif not n_not_computed or not n_differ:
        breakdown = f"All {number_word(n_missed)} that were not reproduced " + (
            "have no regenerated value yet."
            if n_not_computed
            else "were computed but differ from the printed value."
        )
    else:
        breakdown = (
            f"Of the {number_word(n_missed)} that were not, "
            f"{number_word(n_not_computed)} "
            f"{'has' if n_not_computed == 1 else 'have'} no regenerated value yet and "
            f"{number_word(n_differ)} {'was' if n_differ == 1 else 'were'} computed but "
            f"{'differs' if n_differ == 1 else 'differ'}."
        )
    return {
        "matched": fmt_count(int(matched.sum())),
        "total": fmt_count(len(scorecard)),
        "breakdown": breakdown,
        "percent": fmt_percent(100.0 * matched.mean()) if len(scorecard) else NOT_AVAILABLE,
        "missed": fmt_count(len(missed)),
        "not_computed": fmt_count(int(not_computed.sum())),
        "missed_computed": fmt_count(int((~not_computed).sum())),
    }


def provenance_vars(provenance: Mapping[str, Any]) -> dict[str, Any]:
    """Commit, build date, renderer, Python, packages and data checksums for the colophon."""
    git = provenance["git"]
    anonymity = provenance["anonymity"]
    return {
        "commit": git["commit"],
        "short": git["short"],
        "date": git["date"],
        "modified": git["modified"],
        "python": provenance["python"],
        "renderer": provenance["renderer"],
        "packages": {k.replace("-", "_"): v for k, v in provenance["packages"].items()},
        "data": {k.replace(".", "_"): v for k, v in provenance["data"].items()},
        "anonymity": {
            "k": fmt_count(anonymity["k"]),
            "n_classes": fmt_count(anonymity["n_classes"]),
            "k_members": f"{fmt_count(anonymity['k'])} member{'' if anonymity['k'] == 1 else 's'}",
            "small_class_size": fmt_count(anonymity["small_class_size"]),
            "in_small_classes": fmt_count(anonymity["n_people_in_small_classes"]),
            "age_band_years": fmt_count(anonymity["age_band_years"]),
            "quasi_identifiers": join_words(
                [q.replace("_", " ") for q in anonymity["quasi_identifiers"]]
            ),
        },
    }


# The report's data statement, by the data's declared origin (provenance "origin", as
# analysis.codebook.Origin declares it): a build
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
        "unchecked": "No printed value or claim of the paper that this build scores addresses "
        "the results behind this number, so nothing checks it against the paper: on the "
        "synthetic cohort it may reflect the generator's choices rather than the study.",
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
        "unchecked": "No printed value or claim of the paper that this build scores addresses "
        "the results behind this number.",
    },
}


def origin_vars(origin: Mapping[str, Any]) -> dict[str, str]:
    """The report's data statement (subtitle, abstract and callout sentences, data note)."""
    return dict(DATA_STATEMENTS[origin["origin"]])


def build_variables(
    results: Mapping[str, Any],
    scorecard: pd.DataFrame,
    cited: pd.DataFrame,
    provenance: Mapping[str, Any],
    config: Mapping[str, Any],
    precision: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """The nested variables tree of manuscript/_variables.yml (every leaf a string).

    `precision` (printed_precision) sets the decimals of the means the paper prints; without
    it every mean has one decimal.
    """
    missing = [d for d in (*DOMAINS, SENSITIVITY) if d not in results]
    if missing:
        raise ValueError(f"build_variables: results for {', '.join(missing)} are missing")
    waves = Waves.from_config(dict(config))
    variables = {
        "report": {"date": provenance["git"]["date"]},
        "waves": waves_vars(waves),
        "config": config_vars(config),
        "study": study_vars(results["study"], results["profile"], waves),
        "profile": profile_vars(results["profile"], precision),
        "coercion": coercion_vars(results["coercion"]),
        "retention": retention_vars(results["retention"], waves, precision),
        "offending": offending_vars(results["offending"], waves, precision),
        "drug_use": drug_use_vars(results["drug_use"], waves, precision),
        "reintegration": reintegration_vars(results["reintegration"], waves, precision),
        "regression": regression_vars(results["regression"], config),
        "sensitivity": sensitivity_variables(results[SENSITIVITY], config["site_of_interest"]),
        "cited": cited_vars(cited),
        "scorecard": scorecard_vars(scorecard),
        "provenance": provenance_vars(provenance),
        "origin": origin_vars(provenance["origin"]),
    }
    variables["hypotheses"] = hypotheses_vars(variables)
    # Each group's change to the last follow-up in crime and in illicit drug use, in one clause.
    variables["within"] = {
        key: two_measures(
            ("days of crime", "days of illicit drug use"),
            tuple(
                block[key]["base_last"]["predicate"]
                for block in (
                    variables["offending"]["days30"],
                    variables["drug_use"]["illicit_drug_days_30"],
                )
            ),
        )
        for key in ("qct", "comparison")
    }
    return variables


def table_frames(
    results: Mapping[str, Any],
    scorecard: pd.DataFrame,
    config: Mapping[str, Any],
    precision: Mapping[str, int] | None = None,
    claims_card: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """The generated tables of results and scorecards, keyed by their file name in
    manuscript/_tables/ (the claims' summary when the claims' scorecard is given)."""
    waves = Waves.from_config(dict(config))
    off, drug = results["offending"], results["drug_use"]
    precision = precision or {}

    def by_wave(block: Mapping[str, Any], key: str) -> pd.DataFrame:
        decimals = precision.get(key, 1)
        return tables.by_wave_table(block, waves, lambda leaf: tables.mean_n_cell(leaf, decimals))

    frames = {
        "intake.md": tables.intake_table(results["profile"], precision),
        "retention.md": tables.retention_table(results["retention"], waves, precision),
        "table1_regression.md": tables.regression_table(
            results["regression"]["final"],
            config["regression"]["final"],
            config["site_of_interest"],
        ),
        "crime_days_by_wave.md": by_wave(
            off["crime_days_30"]["mean"], "offending.crime_days_30.mean"
        ),
        "illicit_days_by_wave.md": by_wave(
            drug["illicit_drug_days_30"]["mean"], "drug_use.illicit_drug_days_30.mean"
        ),
        "sensitivity.md": comparison_table(results[SENSITIVITY], config["site_of_interest"]),
        "scorecard_misses.md": tables.scorecard_misses(scorecard),
        "scorecard_summary.md": tables.scorecard_summary(scorecard),
        "scorecard_full.md": tables.scorecard_table(scorecard),
    }
    if claims_card is not None:
        frames["claims_summary.md"] = claims.report_summary(claims_card)
    return frames


def build_tables(
    frames: Mapping[str, pd.DataFrame],
    provenance: Mapping[str, Any],
    marks: Mapping[str, Mapping[tuple[int, int], str]] | None = None,
) -> dict[str, str]:
    """Every generated table (`frames`, from table_frames, plus the provenance) as Markdown,
    keyed by its file name in manuscript/_tables/; the cells `marks` names
    (trace.table_origins) marked as traceable numbers."""
    frames = {**frames, "provenance.md": tables.provenance_table(provenance)}
    marks = marks or {}
    return {
        name: (tables.scorecard_html if name == FULL_SCORECARD else tables.to_markdown)(
            frame, marks.get(name)
        )
        for name, frame in frames.items()
    }


# -------------------------------------------------------------------------------------- CLI


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


# Verbatim outputs: identifiers and checksums, never typeset.
VERBATIM_VARIABLES = ("provenance", "report")
VERBATIM_TABLES = ("provenance.md", FULL_SCORECARD)  # the latter typesets its own cells


def typeset_tree(node: Any) -> Any:
    """Every string leaf of a variables tree through formatting.typeset."""
    if isinstance(node, Mapping):
        return {k: typeset_tree(v) for k, v in node.items()}
    return typeset(node) if isinstance(node, str) else node


def write_outputs(
    variables: Mapping[str, Any],
    table_texts: Mapping[str, str],
    variables_path: Path,
    tables_dir: Path,
) -> None:
    """Write the variables YAML (sorted keys) and every table file, each atomically, typeset
    for the reader (formatting.typeset) except the verbatim ones."""
    shown = {k: v if k in VERBATIM_VARIABLES else typeset_tree(v) for k, v in variables.items()}
    table_texts = {
        name: body if name in VERBATIM_TABLES else typeset(body)
        for name, body in table_texts.items()
    }
    text = yaml.safe_dump(
        shown, sort_keys=True, allow_unicode=True, width=10_000, default_flow_style=False
    )
    atomic_write(variables_path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    for name, body in sorted(table_texts.items()):
        atomic_write(tables_dir / name, lambda tmp, b=body: tmp.write_text(b, encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    """Read results, scorecard, cited facts and provenance; write the variables and tables."""
    from analysis.published import load_cited_facts, load_published

    parser = argparse.ArgumentParser(prog="python -m analysis.numbers", description=main.__doc__)
    parser.add_argument(
        "--results",
        required=True,
        nargs="+",
        type=Path,
        help="the results files (<domain>.json), each domain's and sensitivity's",
    )
    parser.add_argument("--scorecard", required=True, type=Path)
    parser.add_argument("--claims", required=True, type=Path, help="the claims' scorecard")
    parser.add_argument(
        "--published",
        required=True,
        type=Path,
        help="folder of cited_facts.csv and statistics.csv (the files read)",
    )
    parser.add_argument(
        "--provenance",
        required=True,
        type=Path,
        help="the build's provenance (python -m analysis.provenance)",
    )
    parser.add_argument("--config", required=True, type=Path)
    parser.add_argument("--variables", required=True, type=Path)
    parser.add_argument("--tables", required=True, type=Path)
    args = parser.parse_args(argv)
    config = load_config(args.config)
    expected = (*DOMAINS, SENSITIVITY)
    results = load_results(args.results)
    missing = [d for d in expected if d not in results]
    if missing:
        print(f"error: no results for {', '.join(missing)} among --results", file=sys.stderr)
        return 1
    scorecard = pd.read_csv(args.scorecard, dtype=str, keep_default_na=False)
    provenance = read_json(args.provenance)
    cited = load_cited_facts(args.published)
    waves = Waves.from_config(dict(config))
    published = load_published(args.published, [w.id for w in waves.all])
    precision = printed_precision(published, waves)
    variables = build_variables(results, scorecard, cited, provenance, config, precision)
    # Appendix B's numbers come from the paper's printed values alone, not from the results.
    variables["consistency"] = consistency_readings(published)
    claims_card = pd.read_csv(args.claims, dtype=str, keep_default_na=False)
    # The origin boxes name the claims resting on each result, and mark a number that no
    # scored printed value or claim addresses, in the words of the data's origin.
    stated = trace.Stated(
        trace.claims_by_path(claims.load_claims(args.published), claims_card),
        variables["origin"]["unchecked"],
    )
    origins = trace.trace(
        lambda traced: build_variables(traced, scorecard, cited, provenance, config, precision),
        results,
        scorecard,
        published,
        stated,
    )
    origins.update(
        trace.unresolved(variables["consistency"], "consistency.", "analysis.consistency.readings")
    )
    frames = table_frames(results, scorecard, config, precision, claims_card)
    # Each generated table cell's origin, from the same traced run as the variables'.
    marks, cells = trace.table_origins(
        frames,
        lambda traced, card: table_frames(traced, card, config, precision, claims_card),
        results,
        scorecard,
        published,
        stated,
    )
    origins.update(cells)
    table_texts = build_tables(frames, provenance, marks)
    table_texts["consistency_checks.md"] = unnumbered(audit_markdown(published))
    table_texts["claims.md"] = tables.to_markdown(claims.report_table(claims_card))
    write_outputs(variables, table_texts, args.variables, args.tables)
    write_json(origins, args.variables.with_name(trace.TRACE_FILE))
    return 0


if __name__ == "__main__":
    sys.exit(main())
