"""The cohort's skeleton and a plausible first draft of every value.

The skeleton is pinned by construction to the paper's counts: 89 QCT / 68 comparison, ten
sites, who was interviewed at which wave, and every printed 2x2 cell (sex, psychiatric
medication, suicidality, previous treatment, perceived pressure, homelessness, stage of change).
The draft values are plausible for the population; `calibrate` then moves them onto the paper's
printed statistics.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from analysis.codebook import INTERVIEWS, TREATMENT
from synthesis.cohort import (
    DAYS_PER_MONTH,
    Cohort,
    code,
    column,
    pattern_column,
    repair_interview,
    wave_role,
)
from synthesis.construct import construct
from synthesis.printed import Printed
from synthesis.streams import Streams


def group_sizes(printed: Printed) -> tuple[int, int]:
    """(QCT, comparison) people: the printed sample and its QCT group."""
    qct = printed.count("study_n_qct")
    return qct, printed.count("study_n_total") - qct


# Follow-up response patterns (interviewed at first, middle, last follow-up) and how many people
# of each group follow each pattern. Solved by hand from the printed counts: first follow-up QCT
# 64 / comparison 42, middle 100 in all (split 50/50: assumption), last QCT 47 / comparison 48,
# at least one follow-up QCT 75 / comparison 53, middle or last 114 (97 of 114, 85%).
PATTERNS = {
    True: {
        (1, 1, 1): 34,
        (1, 1, 0): 10,
        (1, 0, 1): 8,
        (1, 0, 0): 12,
        (0, 1, 0): 6,
        (0, 0, 1): 5,
        (0, 0, 0): 14,
    },
    False: {(1, 1, 1): 36, (1, 1, 0): 3, (1, 0, 1): 1, (1, 0, 0): 2, (0, 1, 1): 11, (0, 0, 0): 15},
}
# People per site; site 2 (the site of interest) is the largest service (assumption, implied
# by the width of the printed site-2 confidence intervals).
SITE_SIZES = (13, 30, 16, 15, 14, 17, 14, 12, 14, 12)

# 2x2 cells (QCT yes, comparison yes) solved from printed chi-squares, not printed themselves:
# sex 79 / 41 of the 120 men (chi2 17.35), suicidal thoughts and attempts the integer solutions
# of the printed 7.89 and 5.14 with the comparison group higher.
SOLVED_BY_GROUP = {
    "sex": (79, 41),
    "suicidal_thoughts_lifetime": (25, 34),
    "suicide_attempted_lifetime": (15, 22),
}
# QCT share of the printed stage counts: no split of the 30 precontemplators gives the printed
# 0.54, 19/11 (chi2 0.67) is the nearest with QCT higher; 18 of the 33 contemplators (assumption).
STAGE_QCT = {"precontemplation": 19, "contemplation": 18}  # action: the rest
# Counts of the categories the paper does not print (assumptions; they complete the totals).
ETHNICITY_OTHERS = {"black": 17, "asian": 5, "mixed": 7, "other": 3}
MODALITY_OTHERS = {"substitute_prescribing": 17, "residential": 5, "other": 9}
HOMELESS_SETTING_OTHERS = {"hostel": 6, "other": 3}


def pinned_by_group(printed: Printed) -> dict[str, tuple[int, int]]:
    """Participant items with (QCT, comparison) yes-counts: printed or solved (SOLVED_BY_GROUP)."""
    n_qct, _ = group_sizes(printed)
    return SOLVED_BY_GROUP | {
        "psych_medication_lifetime": (
            printed.count("prof_psychmed_qct_n"),
            printed.count("prof_psychmed_comparison_n"),
        ),
        "previous_treatment": (
            printed.count("prof_prev_treatment_qct_n"),
            printed.count("prof_prev_treatment_comparison_n"),
        ),
        "perceived_pressure": (
            n_qct - printed.count("coer_no_pressure_qct_n"),
            printed.count("coer_pressure_comparison_n"),
        ),
    }


def pinned_total(printed: Printed) -> dict[str, int]:
    """Participant items with a printed total and no printed group split (split at random)."""
    n = sum(group_sizes(printed))
    return {
        "never_married": printed.count("prof_never_married_n"),
        "left_school_before_16": printed.count("prof_left_school_before16_n"),
        "mostly_unemployed_3y": printed.count("prof_unemployed_3y_n"),
        "ongoing_medical_problem": printed.count("prof_medical_problem_n"),
        "depression_anxiety_30d": printed.count("prof_depression_anxiety_n"),
        "worked_or_studied_3y": n - printed.count("reint_no_work_study_3y_n"),
    }


def stage_counts(printed: Printed) -> dict[str, tuple[int, int]]:
    """(QCT, comparison) people in the two earlier stages of change (action: the rest)."""
    return {stage: (k, printed.count(f"coer_{stage}_n") - k) for stage, k in STAGE_QCT.items()}


# Agency records missing (QCT, comparison) at the first, middle and last follow-up; the last
# leaves 141 records (83 QCT, 58 comparison), matching the printed residential n (about 141).
RECORDS_MISSING = {0: (0, 0), 1: (3, 4), 2: (6, 10)}


def _exact(rng: np.random.Generator, pool: np.ndarray, k: int, n: int) -> np.ndarray:
    """0/1 float array of length n with exactly k ones, drawn at random among `pool` indices."""
    out = np.zeros(n)
    out[rng.choice(pool, size=k, replace=False)] = 1
    return out


def _by_group(rng, qct: np.ndarray, counts: tuple[int, int]) -> np.ndarray:
    a = _exact(rng, np.flatnonzero(qct), counts[0], len(qct))
    return a + _exact(rng, np.flatnonzero(~qct), counts[1], len(qct))


def _categories(rng, pool: np.ndarray, counts: list[int], n: int) -> np.ndarray:
    """Codes 0..k-1 with exactly counts[c] of code c, shuffled over `pool`; NaN elsewhere."""
    out = np.full(n, np.nan)
    out[rng.permutation(pool)] = np.repeat(np.arange(len(counts)), counts)
    return out


def skeleton(streams: Streams, months: list[int], waves: list[str], printed: Printed) -> Cohort:
    """Groups, sites, pinned participant counts and the interview/record availability grid.

    Each column draws from its own stream (`streams(name)`)."""
    n_qct, n_comparison = group_sizes(printed)
    n = n_qct + n_comparison
    n_waves = len(waves)
    qct = streams("p.group").permutation(np.r_[np.ones(n_qct, bool), np.zeros(n_comparison, bool)])
    v: dict[str, np.ndarray] = {"p.group": np.where(qct, 0.0, 1.0)}
    sites = np.repeat(np.arange(1, 11), SITE_SIZES)
    v["p.site"] = streams("p.site").permutation(sites).astype(float)
    interviewed = np.zeros((n, n_waves), bool)
    interviewed[:, 0] = True
    for is_qct in (True, False):
        people = streams("interviewed").permutation(np.flatnonzero(qct == is_qct))
        rows = np.repeat(np.array(list(PATTERNS[is_qct])), list(PATTERNS[is_qct].values()), 0)
        for j in range(1, n_waves):
            interviewed[people, j] = rows[:, pattern_column(j, n_waves)] == 1
    for name, counts in pinned_by_group(printed).items():
        v[f"p.{name}"] = _by_group(streams(f"p.{name}"), qct, counts)
    v["p.sex"] = 1 - v["p.sex"]  # codebook order: male = 0, female = 1
    for name, k in pinned_total(printed).items():
        v[f"p.{name}"] = _exact(streams(f"p.{name}"), np.arange(n), k, n)
    ethnicity = {"white": printed.count("prof_white_n")} | ETHNICITY_OTHERS
    modality = {
        "day_care": printed.count("prof_modality_day_care_n"),
        "day_care_and_substitute_prescribing": printed.count("prof_modality_day_care_script_n"),
    } | MODALITY_OTHERS
    v["p.ethnicity"] = _categories(
        streams("p.ethnicity"), np.arange(n), list(ethnicity.values()), n
    )
    v["p.intake_modality"] = _categories(
        streams("p.intake_modality"), np.arange(n), list(modality.values()), n
    )
    stage = np.full(n, 2.0)
    stages = stage_counts(printed)
    for g, pool in ((0, np.flatnonzero(qct)), (1, np.flatnonzero(~qct))):
        counts = [stages["precontemplation"][g], stages["contemplation"][g]]
        chosen = streams("p.stage_of_change").permutation(pool)[: sum(counts)]
        stage[chosen] = np.repeat([0.0, 1.0], counts)
    v["p.stage_of_change"] = stage
    has_record = np.zeros((n, n_waves), bool)
    # Agency records: everyone at the first follow-up; at later waves a few records are
    # unavailable, mostly for people not interviewed then (assumption: 150, then 141 of 157).
    for j in range(1, n_waves):
        has_record[:, j] = True
        for g, group in enumerate((qct, ~qct)):
            missing = RECORDS_MISSING[pattern_column(j, n_waves)][g]
            weight = np.where(interviewed[:, j], 1.0, 6.0) * group
            gone = streams("has_record").choice(
                n, size=missing, replace=False, p=weight / weight.sum()
            )
            has_record[gone, j] = False
    cohort = Cohort(tuple(waves), np.asarray(months, float), v, interviewed, has_record)
    return cohort


def _int(x, lo, hi) -> np.ndarray:
    return np.clip(np.round(x), lo, hi)


def draft(streams: Streams, c: Cohort, config: dict[str, Any], printed: Printed) -> Cohort:
    """Fill every remaining column with plausible values, honouring the codebook rules, then
    pin the printed counts and means exactly (`construct`)."""
    n, n_waves = c.interviewed.shape
    qct = c.qct
    v = c.v
    sev = streams("severity").normal(size=n) + 0.6 * qct  # latent problem severity: QCT worse
    v["p.age"] = _int(streams("p.age").normal(np.where(qct, 30, 32), 6.5), 18, 60)
    attempted = v["p.suicide_attempted_lifetime"] == 1
    v["p.suicide_attempts_lifetime"] = np.where(
        attempted, 1 + streams("p.suicide_attempts_lifetime").poisson(1.2, n), 0.0
    )
    # Printed: never abstinent via treatment 64 (51%, so 125 answering: assumption);
    # voluntarily 61 (40%, so about 153 answering: assumption).
    never = printed.count("drug_never_abstinent_via_treatment_n")
    answering = ANSWERING_ABSTINENCE
    order = streams("p.abstinent_via_treatment_before").permutation(n)
    v["p.abstinent_via_treatment_before"] = np.full(n, np.nan)
    v["p.abstinent_via_treatment_before"][order[: answering[0]]] = np.r_[
        np.zeros(never), np.ones(answering[0] - never)
    ]
    voluntary = printed.count("drug_abstinent_voluntarily_before_n")
    order = streams("p.abstinent_voluntarily_before").permutation(n)
    v["p.abstinent_voluntarily_before"] = np.full(n, np.nan)
    v["p.abstinent_voluntarily_before"][order[: answering[1]]] = np.r_[
        np.ones(voluntary), np.zeros(answering[1] - voluntary)
    ]
    rng = streams("p.weeks_to_intake_interview")
    weeks = np.where(rng.random(n) < 0.6, rng.uniform(0.3, 2.0, n), rng.gamma(2.0, 1.4, n) + 2.1)
    v["p.weeks_to_intake_interview"] = np.clip(np.round(weeks, 1), 0.1, 20.0)

    shape = (n, n_waves)
    for col in INTERVIEWS.columns[2:]:
        v[f"iv.{col.name}"] = np.full(shape, np.nan)
    for col in TREATMENT.columns[2:]:
        v[f"tr.{col.name}"] = np.full(shape, np.nan)
    hs = column(INTERVIEWS.columns, "homeless_setting")
    homeless0 = _by_group(
        streams("iv.homeless_30"),
        qct,
        tuple(printed.count(f"reint_homeless_{g}_{c.waves[0]}_n") for g in ("qct", "comparison")),
    )
    setting = {k: printed.count(f"reint_homeless_{k}_{c.waves[0]}_n") for k in ("friends", "rough")}
    setting0 = _categories(
        streams("iv.homeless_setting"),
        np.flatnonzero(homeless0 == 1),
        [(setting | HOMELESS_SETTING_OTHERS)[x] for x in hs.categories],
        n,
    )
    for j in range(n_waves):
        values = _wave_values(streams, c, j, sev, homeless0, printed)
        on = c.interviewed[:, j]
        for name, x in values.items():
            v[f"iv.{name}"][on, j] = np.asarray(x, float)[on]
        v["iv.homeless_setting"][:, j] = np.where(
            v["iv.homeless_30"][:, j] == 1,
            setting0 if j == 0 else streams("iv.homeless_setting").integers(0, 4, n),
            np.nan,
        )
        for i in np.flatnonzero(on):
            repair_interview(c, i, j)
    _draft_treatment(streams, c, sev, printed)
    punch_missing(streams("item_nonresponse"), c)
    construct(streams, c, config, printed)
    return c


ANSWERING_ABSTINENCE = (125, 153)  # answering: via treatment before, voluntarily before
# Episode statuses at the first follow-up: codebook category -> statistics.csv id stem.
EPISODE_IDS = {
    "same_service": "same_service",
    "left_by_choice": "left_by_choice",
    "completed": "completed",
    "other": "other",
    "excluded_or_revoked": "excluded",
}


# Draft parameters by wave role (baseline, first, middle, last follow-up) and group (QCT,
# comparison), chosen near the printed means so the calibration has little left to do:
# P(any crime), mean crime days of offenders, extra 180-day crime days, mean illicit days,
# P(prescribed daily opioid), median drug spend of users (GBP).
WAVE_PARAMS = {
    0: {
        "crime_p": (0.88, 0.5),
        "crime_days": (27, 19),
        "crime_extra": (0, 0),
        "illicit": (28, 21),
        "prescribed": (0.3, 0.4),
        "spend": (1500, 900),
    },
    1: {
        "crime_p": (0.32, 0.3),
        "crime_days": (12, 12),
        "crime_extra": (31, 20),
        "illicit": (14, 18),
        "prescribed": (0.6, 0.6),
        "spend": (60, 60),
    },
    2: {
        "crime_p": (0.36, 0.3),
        "crime_days": (17, 20),
        "crime_extra": (30, 20),
        "illicit": (15, 17),
        "prescribed": (0.6, 0.6),
        "spend": (80, 80),
    },
    3: {
        "crime_p": (0.36, 0.22),
        "crime_days": (14, 9),
        "crime_extra": (33, 17),
        "illicit": (15, 17),
        "prescribed": (0.55, 0.55),
        "spend": (80, 80),
    },
}


def _wave_values(
    streams: Streams, c: Cohort, j: int, sev: np.ndarray, homeless0: np.ndarray, printed: Printed
) -> dict:
    """Draft interview values of wave j for everyone (kept only where interviewed); each
    column draws from its own stream."""
    n = c.n
    q = c.qct
    follow = j > 0
    par = {k: np.where(q, *x) for k, x in WAVE_PARAMS[wave_role(j, len(c.waves))].items()}

    def rng(col: str) -> np.random.Generator:
        return streams(f"iv.{col}")

    r = rng("crime_days_30")
    crime = np.where(
        r.random(n) < par["crime_p"],
        _int(par["crime_days"] + 8 * r.normal(size=n) + 2 * sev, 1, 30),
        0,
    )
    r = rng("crime_days_180")
    crime180 = np.where(crime > 0, _int(crime * r.uniform(4.5, 6.5, n), 1, 180), 0)
    if follow:
        # the 180 days hold the 30: offending in the last 30 days comes with some before them
        extra = np.where(crime > 0, 0.5, 1) * r.exponential(par["crime_extra"])
        crime180 = _int(crime + extra, 0, 180)
    r = rng("illicit_drug_days_30")
    illicit = _int(
        np.where(r.random(n) < par["illicit"] / 30 * 1.05, 30 - r.poisson(2, n), r.poisson(3, n)),
        0,
        30,
    )
    heroin = np.where(rng("heroin_days_30").random(n) < 0.85, illicit, 0)
    r = rng("crack_days_30")
    crack = np.where(
        r.random(n) < np.where(q, 0.7, 0.45) * (0.6 if follow else 1),
        _int(illicit - r.poisson(6, n), 0, 30),
        0,
    )
    prescribed = np.where(rng("any_drug_days_30").random(n) < par["prescribed"], 30.0, 0.0)
    anyd = np.maximum(illicit, prescribed)
    r = rng("injecting_days_30")
    inject = np.where(
        r.random(n) < (np.where(q, 0.74, 0.58) if not follow else 0.35),
        np.minimum(_int(np.where(q, 20, 14) + 8 * r.normal(size=n), 1, 30), anyd),
        0,
    )
    ndrugs = np.where(
        anyd > 0, _int(np.where(q, 4, 3) + rng("n_drugs_30").poisson(1, n) - 2 * follow, 1, 15), 0
    )
    spend = np.where(
        illicit > 0, np.round(par["spend"] * np.exp(rng("drug_spend_30").normal(0, 0.6, n)), -1), 0
    )
    composite_means = np.where(
        q, *(printed.value(f"prof_drug_composite_mean_{g}") for g in ("qct", "comparison"))
    )
    composite = np.round(
        composite_means - 0.08 * follow + 0.04 * sev + rng("drug_composite").normal(0, 0.03, n), 3
    )
    r = rng("days_at_liberty_30")
    values = {
        "crime_days_30": crime,
        "crime_days_180": crime180,
        "crime_types_30": np.where(
            crime > 0, _int(1 + rng("crime_types_30").poisson(1.5, n), 1, 16), 0
        ),
        "days_at_liberty_30": np.where(
            r.random(n) < 0.05 * follow, _int(r.uniform(0, 29, n), 0, 30), 30
        ),
        "illicit_drug_days_30": illicit,
        "any_drug_days_30": anyd,
        "heroin_days_30": heroin,
        "crack_days_30": crack,
        "injecting_days_30": inject,
        "n_drugs_30": ndrugs,
        "drug_spend_30": spend,
        "drug_composite": np.clip(composite, 0, 1),
        "homeless_30": homeless0 if not follow else (rng("homeless_30").random(n) < 0.13) * 1.0,
        "satisfied_living": (
            rng("satisfied_living").random(n) < np.where(q, 0.58, 0.68) + 0.08 * follow
        )
        * 1.0,
        "free_time_with_users": (rng("free_time_with_users").random(n) < 0.27) * 1.0,
        "relationship_problems": _int(
            rng("relationship_problems").poisson(1.6 if not follow else 0.7, n), 0, 6
        ),
        "in_treatment": np.ones(n) if not follow else (rng("in_treatment").random(n) < 0.85) * 1.0,
    }
    if follow:
        weeks = np.where(
            q, *(printed.value(f"drug_weeks_abstinent_mean_{g}") for g in ("qct", "comparison"))
        )
        weeks_mean = weeks * (c.months[j] / c.months[-1]) ** 0.3
        abstinent = printed.value("drug_abstinent_via_treatment_followup_pct") / 100
        values |= {
            "arrested_since_last": (rng("arrested_since_last").random(n) < np.where(q, 0.45, 0.2))
            * 1.0,
            "worked_or_studied_since_last": (rng("worked_or_studied_since_last").random(n) < 0.1)
            * 1.0,
            "abstinent_via_treatment_since_intake": (
                rng("abstinent_via_treatment_since_intake").random(n) < abstinent
            )
            * 1.0,
            "weeks_abstinent_since_intake": np.round(
                rng("weeks_abstinent_since_intake").exponential(weeks_mean), 1
            ),
        }
    return values


def _draft_treatment(streams: Streams, c: Cohort, sev: np.ndarray, printed: Printed) -> None:
    """Agency records, with the first follow-up's printed counts pinned by construction.

    Cumulative days never decrease and never exceed the time elapsed; residential and prison
    flags, once set, stay set (assumption: 'since intake' is cumulative).
    """
    n, n_waves = c.interviewed.shape
    v, qct = c.v, c.qct
    status = column(TREATMENT.columns, "episode_status")
    first = c.waves[1]
    episodes = {k: printed.count(f"ret_status_{stem}_{first}_n") for k, stem in EPISODE_IDS.items()}
    in_first = (
        _by_group(
            streams("tr.in_treatment"),
            qct,
            tuple(printed.count(f"ret_in_treatment_{g}_{first}_n") for g in ("qct", "comparison")),
        )
        == 1
    )
    episode = np.full(n, np.nan)
    rng = streams("tr.episode_status")
    inside = rng.permutation(np.flatnonzero(in_first))
    outside = np.flatnonzero(~in_first)
    same = code(status, "same_service")
    episode[inside[: episodes["same_service"]]] = same
    rest = np.r_[inside[episodes["same_service"] :], outside]
    others = [k for k in episodes if k != "same_service"]
    episode[rng.permutation(rest)] = np.repeat(
        [code(status, k) for k in others], [episodes[k] for k in others]
    )
    opioid = np.where(in_first, 0.0, np.nan)
    n_opioid = printed.count(f"ret_opioid_substitution_{first}_n")
    opioid[
        streams("tr.opioid_substitution").choice(np.flatnonzero(in_first), n_opioid, replace=False)
    ] = 1
    elapsed_first = np.floor(c.months[1] * DAYS_PER_MONTH)
    r_days, r_in = streams("tr.days_in_treatment"), streams("tr.in_treatment")
    r_prison = streams("tr.imprisoned_since_intake")
    r_resid = streams("tr.residential_since_intake")
    r_opioid = streams("tr.opioid_substitution")
    days = np.where(
        in_first,
        _int(r_days.normal(150, 30, n), 60, elapsed_first),
        _int(r_days.normal(95, 40, n), 0, elapsed_first),
    )
    prison = (r_prison.random(n) < np.where(qct, 0.25, 0.08)).astype(float)
    resid = (r_resid.random(n) < 0.07).astype(float)
    in_t = in_first.astype(float)
    for j in range(1, n_waves):
        if j > 1:
            elapsed = np.floor(c.months[j] * DAYS_PER_MONTH)
            stay = r_in.random(n) < np.where(in_t == 1, 0.75, 0.2)
            in_t = stay * 1.0
            days = np.minimum(
                days + np.where(in_t == 1, r_days.integers(10, 60, n), r_days.integers(0, 15, n)),
                elapsed,
            )
            episode = np.where(
                (episode == same) & (rng.random(n) < 0.7),
                same,
                np.where(episode == same, rng.integers(1, 5, n), episode),
            )
            in_t = np.where(episode == same, 1.0, in_t)
            opioid = np.where(in_t == 1, (r_opioid.random(n) < 0.65) * 1.0, np.nan)
            prison = np.maximum(prison, (r_prison.random(n) < np.where(qct, 0.22, 0.05)) * 1.0)
            resid = np.maximum(resid, (r_resid.random(n) < 0.05) * 1.0)
        here = c.has_record[:, j]
        values = {
            "in_treatment": in_t,
            "opioid_substitution": opioid,
            "episode_status": episode,
            "days_in_treatment": days,
            "residential_since_intake": resid,
            "imprisoned_since_intake": prison,
        }
        for name, x in values.items():
            v[f"tr.{name}"][here, j] = np.asarray(x, float)[here]


def _pick(rng, mask: np.ndarray, k: int) -> np.ndarray:
    pool = np.flatnonzero(mask)
    return rng.choice(pool, size=min(k, len(pool)), replace=False)


def punch_missing(rng: np.random.Generator, c: Cohort) -> None:
    """Item non-response, placed so the printed available-case n's and pair counts come out.

    Solved from the printed n's and r values (r = z / sqrt(2 pairs)): e.g. 6 comparison people
    lack baseline crime days, 2 of them interviewed at the first and last follow-ups (LOCF n 64,
    44 baseline-last pairs); 6 QCT lack illicit days at the first follow-up (58 pairs, r -.49).
    """
    v, q, on = c.v, c.qct, c.interviewed
    n_waves = on.shape[1]
    F, L = 1, n_waves - 1
    B = 0

    def blank(cols: str, who: np.ndarray, j: int) -> None:
        for col in cols.split():
            v[f"iv.{col}"][who, j] = np.nan

    crime = "crime_days_30 crime_types_30 days_at_liberty_30"
    seen_fl = ~q & on[:, F] & on[:, L]
    unseen = ~q & ~on[:, 1:].any(1)
    no_base = np.r_[_pick(rng, seen_fl, 2), _pick(rng, unseen, 4)]
    blank(crime, no_base, B)
    blank("crime_days_180", no_base[:3], B)
    spared = np.ones(c.n, bool)
    spared[no_base] = False
    blank(crime, _pick(rng, ~q & on[:, F] & spared, 1), F)
    gone_last = _pick(rng, ~q & on[:, L] & spared, 2)
    blank(crime, gone_last, L)
    blank("crime_days_180", gone_last[:1], L)
    blank("illicit_drug_days_30", _pick(rng, q & on[:, F], 6), F)
    blank("illicit_drug_days_30", _pick(rng, q & on[:, L], 5), L)
    blank("crack_days_30", _pick(rng, ~q, 3), B)
    blank("drug_spend_30", _pick(rng, ~on[:, F], 1), B)
    blank("drug_spend_30", _pick(rng, on[:, F], 2), F)
    blank("relationship_problems", _pick(rng, ~on[:, L], 1), B)
    blank("relationship_problems", _pick(rng, on[:, L], 1), L)
    blank("satisfied_living", _pick(rng, on[:, L], 1), L)
    for j, k in ((B, 5), (F, 2), (2, 4), (L, 4)):
        if j < n_waves:
            blank("free_time_with_users", _pick(rng, on[:, j], k), j)
    silent = _pick(rng, q & on[:, 1:].any(1), 6)
    for j in range(1, n_waves):
        blank("abstinent_via_treatment_since_intake weeks_abstinent_since_intake", silent, j)
    in_first = v["tr.in_treatment"][:, F] == 1
    v["tr.days_in_treatment"][_pick(rng, q & in_first, 2), F] = np.nan
    for group in (q, ~q):
        v["tr.imprisoned_since_intake"][_pick(rng, group & c.has_record[:, L], 1), L] = np.nan
