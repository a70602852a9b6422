"""Tests of the synthetic cohort: structure, file format, determinism, published statistics.

The published statistics are recomputed from the committed data/raw/*.csv with independent
SciPy / statsmodels calls (not with the calibration's own fast implementations).
"""

from __future__ import annotations

import copy
import functools
import operator
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

import synthesis.calibrate
from analysis import regression
from analysis import stats as analysis_stats
from analysis.clean import build_cohort
from analysis.codebook import INTERVIEWS, PARTICIPANTS, TREATMENT
from analysis.config import Waves, load_config
from analysis.published import load_documented_misses, load_published
from analysis.reproduce import compare, summary
from analysis.results import lookup_number
from analysis.validate import CohortValidationError, load_raw
from synthesis import stats as fast
from synthesis.calibrate import BUNDLES, LOSS_UNIT, _accept, _scored_if_kept, with_row_rules
from synthesis.cohort import from_frames, keep_cumulative, repair_interviews
from synthesis.construct import set_sum
from synthesis.correlates import design, feasible
from synthesis.printed import Printed
from synthesis.streams import Streams
from synthesis.structure import draft, skeleton
from synthesis.synthesize import (
    FRAME_FILES,
    frame_to_csv,
    resample_cohort,
    synthesize,
    write_validated,
)
from synthesis.targets import Check, Family, Roles, _standardised, build_targets, stepwise_fit
from tests.results_fixture import shipped_results

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"
CONFIG = load_config(ROOT / "config" / "config.yaml")
PRINTED = Printed.load(ROOT / "data" / "published")
SCORECARD_SHARE = 0.95  # the bar: printed statistics reproduced at printed precision


@pytest.fixture(scope="module")
def raw() -> dict[str, pd.DataFrame]:
    return {
        name: pd.read_csv(RAW / f"{name}.csv", dtype={"id": str, "wave": str})
        for name in ("participants", "interviews", "treatment")
    }


@pytest.fixture(scope="module")
def wide(raw) -> pd.DataFrame:
    """Interview measures per person with wave suffixes, joined to participants."""
    iv = raw["interviews"].pivot(index="id", columns="wave")
    iv.columns = [f"{col}_{wave}" for col, wave in iv.columns]
    return raw["participants"].set_index("id").join(iv)


def test_columns_follow_the_codebook(raw):
    assert list(raw["participants"].columns) == PARTICIPANTS.column_names
    assert list(raw["interviews"].columns) == INTERVIEWS.column_names
    assert list(raw["treatment"].columns) == TREATMENT.column_names


def test_group_sizes_and_interviews_per_wave(raw):
    people = raw["participants"]
    assert people["group"].value_counts().to_dict() == {"QCT": 89, "comparison": 68}
    assert sorted(people["site"].unique()) == list(range(1, 11))
    iv = raw["interviews"].merge(people[["id", "group"]], on="id")
    counts = iv.groupby(["wave", "group"]).size().unstack()
    assert iv["wave"].value_counts().sort_index().tolist() == [157, 106, 100, 95]
    assert counts.loc["t2"].tolist() == [64, 42]
    assert counts.loc["t4"].tolist() == [47, 48]
    followed = iv[iv["wave"] != "t1"].groupby("group")["id"].nunique()
    assert followed.tolist() == [75, 53]
    assert len(iv) == 458


def test_treatment_records_cover_the_first_follow_up(raw):
    records = raw["treatment"]
    assert (records["wave"] == "t2").sum() == 157
    assert "t1" not in set(records["wave"])
    in_treatment = records[(records["wave"] == "t2") & (records["in_treatment"] == 1)]
    assert len(in_treatment) == 85
    assert in_treatment["opioid_substitution"].sum() == 59


def test_cross_column_rules(raw):
    iv = raw["interviews"]
    crime = iv.dropna(subset=["crime_days_30", "crime_types_30"])
    assert ((crime["crime_days_30"] == 0) == (crime["crime_types_30"] == 0)).all()
    assert (iv["days_at_liberty_30"].fillna(30) >= iv["crime_days_30"].fillna(0)).all()
    assert (iv["any_drug_days_30"].fillna(30) >= iv["illicit_drug_days_30"].fillna(0)).all()
    for part in ("heroin_days_30", "crack_days_30"):
        assert (iv["illicit_drug_days_30"].fillna(30) >= iv[part].fillna(0)).all()
    assert (iv["homeless_setting"].notna() == (iv["homeless_30"] == 1)).all()
    baseline = iv[iv["wave"] == "t1"]
    for col in INTERVIEWS.columns:
        if col.follow_up_only:
            assert baseline[col.name].isna().all(), col.name
    records = raw["treatment"]
    assert (records["opioid_substitution"].isna() == (records["in_treatment"] == 0)).all()


def test_csv_text_is_canonical():
    text = (RAW / "interviews.csv").read_bytes()
    assert b"\r" not in text and text.endswith(b"\n")
    header, first = text.decode().split("\n")[:2]
    assert header.startswith("id,wave,crime_days_30,")
    assert ".0," not in first.split(",", 6)[5] + ","  # integer day counts carry no '.0'
    participants = (RAW / "participants.csv").read_text().splitlines()[1]
    assert participants.split(",")[-1].count(".") == 1  # weeks: one fixed decimal


def test_profile_statistics(wide):
    q = wide["group"] == "QCT"
    table = pd.crosstab(q, wide["sex"] == "male")
    assert stats.chi2_contingency(table, correction=False)[0] == pytest.approx(17.35, abs=0.005)
    crime = wide["crime_days_30_t1"]
    result = stats.ttest_ind(crime[q].dropna(), crime[~q].dropna())
    assert round(result.statistic, 2) == 6.73 and result.df == 149
    psych = pd.crosstab(q, wide["psych_medication_lifetime"])
    assert round(stats.chi2_contingency(psych, correction=False)[0], 2) == 10.56
    u = stats.mannwhitneyu(
        wide["drug_composite_t1"][q], wide["drug_composite_t1"][~q], use_continuity=False
    ).statistic
    assert min(u, 89 * 68 - u) == 1597.5


def test_within_person_change_qct_crime(wide):
    qct = wide[wide["group"] == "QCT"].dropna(subset=["crime_days_30_t1", "crime_days_30_t2"])
    res = stats.wilcoxon(
        qct["crime_days_30_t1"],
        qct["crime_days_30_t2"],
        zero_method="wilcox",
        correction=False,
        method="approx",
    )
    z = -abs(res.zstatistic)
    assert round(z, 2) == -6.46
    assert round(z / np.sqrt(2 * len(qct)), 2) == -0.57


def test_table1_logistic_regression(wide):
    """Outcome coded as Table 1's title: 1 = no offence in the 30 days before t2 (desisted)."""
    data = wide.dropna(subset=["crime_days_30_t2"])
    composite = wide["drug_composite_t1"]
    X = pd.DataFrame(
        {
            "drug": (data["drug_composite_t1"] - composite.mean()) / composite.std(ddof=1),
            "site": (data["site"] == CONFIG["site_of_interest"]).astype(float),
            "age": data["age"].astype(float),
            "action": (data["stage_of_change"] == "action").astype(float),
        }
    )
    desisted = (data["crime_days_30_t2"] == 0).astype(float)
    fit = sm.Logit(desisted, sm.add_constant(X)).fit(disp=0)
    assert len(data) == 105 and desisted.sum() == 72
    # Each odds ratio and bound at its printed precision equals the printed value, or the
    # miss has its reason in documented_misses.csv (a calibration limit the docs name).
    cells = np.exp(fit.conf_int()).set_axis(["ci_low", "ci_high"], axis=1)
    cells["or"] = np.exp(fit.params)
    names = {"drug": "drug_composite_z", "site": "site", "age": "age", "action": "stage_action"}
    documented = load_documented_misses(ROOT / "data" / "published", PRINTED.table.reset_index())
    differ = []
    for term, name in names.items():
        for part in ("or", "ci_low", "ci_high"):
            stat = f"reg_{name}_{part}"
            if round(cells.loc[term, part], PRINTED.decimals(stat)) != PRINTED.value(stat):
                differ.append(stat)
    assert sorted(set(differ) - set(documented)) == []
    assert len(differ) <= 4


def test_counts_pinned_by_construction(raw):
    """Offenders per wave, injectors and the yes-counts the paper prints come out exactly."""
    iv = raw["interviews"]
    crime = iv.dropna(subset=["crime_days_30"]).groupby("wave")["crime_days_30"]
    assert crime.apply(lambda x: (x > 0).sum())[["t1", "t2", "t4"]].tolist() == [112, 33, 28]
    assert crime.size()[["t1", "t2", "t3", "t4"]].tolist() == [151, 105, 100, 93]
    baseline = iv[iv["wave"] == "t1"]
    assert (baseline["injecting_days_30"] > 0).sum() == 105
    by_wave = iv.groupby("wave")
    assert by_wave["satisfied_living"].sum().tolist() == [98, 70, 76, 66]
    assert by_wave["free_time_with_users"].sum().tolist() == [41, 28, 22, 30]
    assert by_wave["homeless_30"].sum().tolist() == [37, 13, 14, 12]


def test_days_in_treatment_solved_exactly(raw):
    """Agency-record days: the printed group means, and the site-of-interest retention OR."""
    records = raw["treatment"].merge(raw["participants"][["id", "group", "site"]], on="id")
    first = records[records["wave"] == "t2"]
    means = first.groupby("group")["days_in_treatment"].agg(["mean", "count"]).round(0)
    assert means.to_numpy().tolist() == [[117, 87], [129, 68]]
    out = first[first["in_treatment"] == 0].groupby("group")["days_in_treatment"].mean()
    assert out.round(0).tolist() == [86, 107]
    last = records[records["wave"] == "t4"].groupby("group")["days_in_treatment"]
    assert last.mean().round(0).tolist() == [151, 188]
    known = first.dropna(subset=["days_in_treatment"])
    site = (known["site"] == CONFIG["site_of_interest"]).astype(float)
    retained = (known["days_in_treatment"] > CONFIG["derived"]["retained_days"]).astype(float)
    fit = sm.Logit(retained.to_numpy(), sm.add_constant(site.to_numpy())).fit(disp=0)
    low, high = np.exp(fit.conf_int()[1])
    assert [round(np.exp(fit.params[1]), 2), round(low, 2), round(high, 2)] == [0.28, 0.12, 0.64]


def test_weeks_abstinent_solved_exactly(raw):
    """Each person's latest answer: group means 15 and 23 weeks, Student t -2.27 on 120 df."""
    iv = raw["interviews"].merge(raw["participants"][["id", "group"]], on="id")
    latest = iv.dropna(subset=["weeks_abstinent_since_intake"]).groupby("id").last()
    weeks = latest.groupby("group")["weeks_abstinent_since_intake"]
    assert weeks.mean().round(0).tolist() == [15, 23]
    assert weeks.size().tolist() == [69, 53]
    result = stats.ttest_ind(*(w for _, w in weeks))
    assert round(result.statistic, 2) == -2.27


def test_check_band_and_losses():
    """A target is hit inside half a unit of its last printed digit; losses in band units."""
    check = Check(0.287, 3)
    assert check.miss(0.2874) == 0 and check.miss(0.2864) > 0
    assert check.loss(0.287) == 0 and check.loss(0.2875) == pytest.approx(1.0)
    assert check.loss(0.291) == pytest.approx(6 * 8 - 9)  # Huber beyond 3 band units
    assert check.penalty(0.2874, step=4) == 0
    assert check.penalty(0.288, step=4) == pytest.approx(4 + 4)
    floor = Check(0.05, kind="ge", scale=0.01)
    assert floor.miss(0.2) == 0 and floor.loss(0.03) == pytest.approx(4.0)
    assert check.loss(float("nan")) == 1e4


def test_a_move_is_decided_as_on_every_family_while_scoring_fewer():
    """Hand-made families of one statistic each (a loss of (x / 0.5)^2 band units, missed
    unless x is 0): the decision and new scores equal those of scoring every touched family
    (refused when a gate that met its check misses it, else by the Metropolis rule); families
    are scored in order, and a move the scored ones already refuse leaves the rest unscored.
    With the uniform drawn on demand, the met gate is scored first and a move it refuses
    draws none."""
    scored: list[str] = []

    def family(name, x, order=0, gate=False):
        def compute(_):
            scored.append(name)
            return {"x": x}

        return Family(name, (), compute, {"x": Check(0.0)}, gate=gate, order=order)

    def units(x):  # the family's cost in LOSS_UNITs at statistic x
        return round((x / 0.5) ** 2 / LOSS_UNIT)

    rng = np.random.default_rng(7)
    skipped = 0
    for case in range(400):
        xs = rng.integers(0, 4, 4) * 0.5
        fams = [family("stepwise", xs[0], 2), family("fit", xs[1], 1)]
        fams += [family("gate", xs[2], 1, gate=True), family("cheap", xs[3])]
        cost = rng.integers(0, 4, 4) * units(0.5)
        missed = rng.integers(0, 2, 4)
        uniform, temp = float(rng.random()), 2.0
        drawn: list[float] = []

        def draw(u=uniform, drawn=drawn):
            drawn.append(u)
            return u

        on_demand = case % 2 == 1
        scored.clear()
        new = _scored_if_kept(
            fams, [0, 1, 2, 3], None, None, cost, missed, draw if on_demand else uniform, temp
        )
        gated = not missed[2] and xs[2] != 0
        delta = sum(units(x) for x in xs) - int(cost.sum())
        assert (new is not None) == (not gated and _accept(delta, uniform, temp))
        assert new is None or new == {k: (units(x), int(x != 0)) for k, x in enumerate(xs)}
        order = ["cheap", "fit", "gate", "stepwise"]  # by order, then by place in the list
        if on_demand and not missed[2]:
            order = ["gate", "cheap", "fit", "stepwise"]
            assert drawn == ([] if gated else [uniform])
        assert scored == order[: len(scored)]
        skipped += len(scored) < 4
    assert skipped > 100  # the refused moves that left some families unscored


def test_the_row_rules_keep_the_targets_the_search_met(raw, monkeypatch):
    """A row the search left against the rules (illicit-drug days above any-drug days, no drug
    counted) is repaired, which raises its number of drugs from 0 to 1 and moves a target the
    search met (the QCT group's total number of drugs at intake); the descent after the rules
    meets it again with every row within the rules, and leaves a target the search missed
    alone. The rules alone leave the first target missed."""
    waves = Waves.from_config(CONFIG)
    searched = from_frames(raw, tuple(waves.ids), np.array([w.months for w in waves.all], float))
    v = searched.v
    i = int(np.flatnonzero(searched.qct)[0])
    assert v["iv.illicit_drug_days_30"][i, 0] > 0
    v["iv.any_drug_days_30"][i, 0] = v["iv.n_drugs_30"][i, 0] = 0
    total = float(np.nansum(v["iv.n_drugs_30"][searched.qct, 0]))

    def qct_total(c):
        return {"x": float(np.nansum(c.v["iv.n_drugs_30"][c.qct, 0]))}

    met = Family("qct_drugs", ("iv.n_drugs_30@0",), qct_total, {"x": Check(total)})
    never = Family(  # missed by the search, on a participant item no descent moves
        "never", ("p.age",), lambda c: {"x": float(np.nanmean(c.v["p.age"]))}, {"x": Check(-1.0)}
    )
    monkeypatch.setattr(synthesis.calibrate, "build_targets", lambda *_, **__: [met, never])
    plain = searched.copy()
    repair_interviews(plain)
    keep_cumulative(plain)
    assert qct_total(plain)["x"] == total + 1  # the rules alone move the met target

    out = with_row_rules(searched, CONFIG, np.random.default_rng(0), PRINTED)
    assert qct_total(out)["x"] == total
    assert out.v["iv.any_drug_days_30"][i, 0] >= out.v["iv.illicit_drug_days_30"][i, 0]
    assert out.v["iv.n_drugs_30"][i, 0] >= 1
    again = out.copy()
    repair_interviews(again)
    keep_cumulative(again)
    assert all(np.array_equal(again.v[k], out.v[k], equal_nan=True) for k in out.v)
    # Moves of the number of drugs swap the drug-use values of two people together (BUNDLES);
    # every other cell stays as the rules left it.
    moved = {f"iv.{col}" for col in next(b for b in BUNDLES if "n_drugs_30" in b)}
    assert any(not np.array_equal(out.v[k], plain.v[k], equal_nan=True) for k in moved)
    for k in set(out.v) - moved:
        assert np.array_equal(out.v[k], plain.v[k], equal_nan=True), k


def test_targets_still_missed_get_moves_that_keep_each_change_within_a_person(raw, monkeypatch):
    """After the rules, a target the search missed (here: the mean number of problem
    relationships at the last follow-up, 0.05 lower) is met by moving people's answers up or
    down at every wave together: each person's changes between waves, and so every paired
    test, stay as they were, and no other item moves."""
    waves = Waves.from_config(CONFIG)
    searched = from_frames(raw, tuple(waves.ids), np.array([w.months for w in waves.all], float))
    repair_interviews(searched)
    keep_cumulative(searched)
    last = len(waves.ids) - 1

    def last_mean(c):
        return {"x": float(np.nanmean(c.v["iv.relationship_problems"][:, last]))}

    goal = last_mean(searched)["x"] - 0.05
    lower = Family(
        "lower",
        ("iv.relationship_problems@0", f"iv.relationship_problems@{last}"),
        last_mean,
        {"x": Check(goal, kind="le")},
    )
    monkeypatch.setattr(synthesis.calibrate, "build_targets", lambda *_, **__: [lower])
    out = with_row_rules(searched, CONFIG, np.random.default_rng(0), PRINTED)
    assert last_mean(out)["x"] <= goal
    before, after = searched.v["iv.relationship_problems"], out.v["iv.relationship_problems"]
    assert not np.array_equal(before, after, equal_nan=True)
    assert np.array_equal(np.diff(before, axis=1), np.diff(after, axis=1), equal_nan=True)
    assert np.nanmin(after) >= 0
    for k in set(out.v) - {"iv.relationship_problems"}:
        assert np.array_equal(out.v[k], searched.v[k], equal_nan=True), k


def test_offending_during_follow_up(raw, wide):
    iv = raw["interviews"]
    follow = iv[iv["wave"] != "t1"].merge(raw["participants"][["id", "group"]], on="id")
    crime = follow.assign(any=follow["crime_days_30"] > 0).groupby(["group", "id"])["any"].any()
    cells = crime.groupby("group").agg(["sum", "size"])
    assert cells.loc["QCT"].tolist() == [62, 75] and cells.loc["comparison"].tolist() == [30, 53]
    table = [[62, 13], [30, 23]]
    assert round(stats.chi2_contingency(table, correction=False)[0], 2) == 10.44
    last = (
        raw["treatment"][raw["treatment"]["wave"] == "t4"]
        .dropna(subset=["imprisoned_since_intake"])
        .merge(raw["participants"][["id", "group"]], on="id")
    )
    prison = pd.crosstab(last["group"], last["imprisoned_since_intake"])
    assert prison.loc["QCT", 1] == 50 and prison.loc["comparison", 1] == 12
    assert round(stats.chi2_contingency(prison, correction=False)[0], 2) == 21.69


def test_fast_statistics_equal_scipy():
    """The calibration's numpy statistics equal the library ones on tied integer data."""
    rng = np.random.default_rng(0)
    for _ in range(50):
        a, b = rng.integers(0, 8, 40).astype(float), rng.integers(0, 8, 40).astype(float)
        ref = stats.wilcoxon(a, b, zero_method="wilcox", correction=False, method="approx")
        assert abs(fast.wilcoxon_zr(a, b)[0]) == pytest.approx(abs(ref.zstatistic))
        assert fast.spearman(a, b) == pytest.approx(stats.spearmanr(a, b)[0])
        assert fast.student_t(a, b) == pytest.approx(stats.ttest_ind(a, b).statistic)
        u = stats.mannwhitneyu(a, b, use_continuity=False).statistic
        assert fast.mann_whitney_u(a, b) == pytest.approx(min(u, 1600 - u))
    y = (rng.random(60) < 0.4).astype(float)
    x = rng.normal(size=(60, 2))
    ref = sm.Logit(y, sm.add_constant(x)).fit(disp=0)
    mine = fast.logit(y, x)
    assert mine["params"] == pytest.approx(ref.params, rel=1e-6)
    assert mine["bse"] == pytest.approx(ref.bse, rel=1e-6)
    assert mine["llnull"] == pytest.approx(ref.llnull)


def test_logit_from_a_warm_start_equals_the_fit_from_zero():
    """A start near the maximum (the search's previous fit) and a start far from it (where
    Newton's method diverges, so the fit restarts from zero) give statsmodels' fit."""
    rng = np.random.default_rng(1)
    y = (rng.random(80) < 0.5).astype(float)
    x = np.column_stack([rng.normal(size=80), rng.integers(18, 50, 80), rng.random(80) < 0.4])
    ref = sm.Logit(y, sm.add_constant(x)).fit(disp=0)
    for start in (ref.params + 0.05, np.array([50.0, -20.0, 3.0, 40.0])):
        warm = fast.logit(y, x, start=start)
        assert warm["params"] == pytest.approx(ref.params, rel=1e-8)
        assert warm["bse"] == pytest.approx(ref.bse, rel=1e-8)
        assert warm["llf"] == pytest.approx(ref.llf, rel=1e-12)


def test_inverse_diagonal_and_solve_from_the_cholesky_factor():
    """On a hand-made 3 x 3 information matrix, the plain-Python Cholesky helpers solve the
    system and give the diagonal of its inverse, as numpy's dense inverse does."""
    a = [[4.0, 2.0, 0.4], [2.0, 5.0, 1.0], [0.4, 1.0, 3.0]]
    low = fast._cholesky(a)
    assert fast._inverse_diagonal(low) == pytest.approx(np.diag(np.linalg.inv(a)), rel=1e-12)
    assert fast._cholesky_solve(low, [1.0, 2.0, 3.0]) == pytest.approx(
        np.linalg.solve(a, [1.0, 2.0, 3.0]), rel=1e-12
    )


def test_information_sums_in_fixed_orders_to_the_last_bit():
    """The logistic information and score are sums whose order fixes their last bits (and so
    the search's path): each information entry is numpy's pairwise sum down one contiguous
    column of weighted products, plus the ridge on the diagonal; each score entry adds the
    rows one by one. Recomputed here exactly, entry by entry, on 157 rows."""
    rng = np.random.default_rng(3)
    X = np.column_stack([np.ones(157), rng.normal(size=157), rng.integers(18, 60, 157)])
    y = (rng.random(157) < 0.5).astype(float)
    beta = np.array([0.3, -0.4, 0.01])
    p, lower, score = fast._Design(X).information(y, beta)
    w = p * (1 - p)
    for i in range(3):
        assert len(lower[i]) == i + 1
        for j in range(i + 1):
            column = np.ascontiguousarray(X[:, i] * X[:, j] * w)
            assert lower[i][j] == float(np.add.reduce(column)) + (fast.RIDGE if i == j else 0)
        assert score[i] == functools.reduce(operator.add, (X[:, i] * (y - p)).tolist())


def test_standardised_composite_keeps_unknowns_and_uses_the_sample_deviation():
    """Table 1's composite score is centred on the mean of the known values and divided by
    their sample (n - 1) standard deviation; unknown values stay unknown. By hand: mean 2,
    deviation 1."""
    z = _standardised(np.array([1.0, np.nan, 3.0, 2.0]).tobytes())
    assert z.tolist()[::2] == [-1.0, 1.0] and z[3] == 0.0 and np.isnan(z[1])
    assert not z.flags.writeable


def test_logit_score_statistics_equal_statsmodels_score_test():
    """The search's score test of adding each outsider alone to a fitted logit (the stepwise
    selection's entry statistic) equals statsmodels' score_test, one column at a time."""
    rng = np.random.default_rng(2)
    y = (rng.random(90) < 0.55).astype(float)
    x = np.column_stack([rng.normal(size=90), rng.integers(18, 50, 90)])
    outsiders = np.column_stack([rng.random(90) < 0.4, y + rng.normal(size=90)])
    mine = fast.logit(y, x, outsiders=outsiders.astype(float))["score"]
    ref = sm.Logit(y, sm.add_constant(x)).fit(disp=0)
    for j in range(2):
        theirs = ref.score_test(exog_extra=outsiders[:, [j]].astype(float))[0]
        assert mine[j] == pytest.approx(float(np.squeeze(theirs)), rel=1e-7)


def test_repair_pass_raises_any_drug_days_to_illicit_days_on_every_row(raw):
    """Construction pins illicit-drug days by sums without raising any-drug days; the pass
    after the search repairs every interview row, not only those the search moved."""
    waves = Waves.from_config(CONFIG)
    cohort = from_frames(raw, tuple(waves.ids), np.array([w.months for w in waves.all], float))
    anyd, illicit = cohort.v["iv.any_drug_days_30"], cohort.v["iv.illicit_drug_days_30"]
    rows = np.argwhere((illicit >= 2) & (anyd == illicit))[:3]  # no other rule in play
    for i, j in rows:
        anyd[i, j] = illicit[i, j] - 2
    before = {k: x.copy() for k, x in cohort.v.items()}
    repair_interviews(cohort)
    for i, j in rows:
        assert anyd[i, j] == illicit[i, j]
    known = ~np.isnan(anyd) & ~np.isnan(illicit)
    assert (anyd[known] >= illicit[known]).all()
    changed = {k for k, x in cohort.v.items() if not np.array_equal(x, before[k], equal_nan=True)}
    assert changed == {"iv.any_drug_days_30"}


def test_resample_sizes_and_determinism(raw):
    big = resample_cohort(raw, 10_000, seed=7)
    again = resample_cohort(raw, 10_000, seed=7)
    assert len(big["participants"]) == 10_000
    assert big["participants"]["id"].is_unique
    assert set(big["interviews"]["id"]) <= set(big["participants"]["id"])
    assert (big["participants"]["group"] == "QCT").sum() == round(10_000 * 89 / 157)
    for name in big:
        pd.testing.assert_frame_equal(big[name], again[name])
    other = resample_cohort(raw, 10_000, seed=8)
    assert not big["participants"]["age"].equals(other["participants"]["age"])


def test_resample_rejects_empty_cohort(raw):
    with pytest.raises(ValueError, match="positive"):
        resample_cohort(raw, 0, seed=1)


@pytest.fixture(scope="module")
def extra_wave_draft():
    """A draft (before calibration) of the cohort with a fifth wave at 24 months (a minute of CPU,
    shared by the tests below)."""
    config = copy.deepcopy(CONFIG)
    config["waves"].append({"id": "t5", "months": 24, "label": "24-month follow-up"})
    waves = Waves.from_config(config)
    streams = Streams(1)
    cohort = draft(
        streams,
        skeleton(streams, [w.months for w in waves.all], waves.ids, PRINTED),
        config,
        PRINTED,
    )
    return streams, cohort


@pytest.mark.slow
@pytest.mark.xdist_group("extra_wave_draft")
def test_extra_wave_gets_interviews_and_records(extra_wave_draft):
    _, cohort = extra_wave_draft
    assert cohort.interviewed.sum(0).tolist() == [157, 106, 100, 100, 95]
    assert cohort.has_record[:, 4].sum() == 141


@pytest.mark.slow
@pytest.mark.xdist_group("extra_wave_draft")
def test_construct_pins_sums_and_refuses_unreachable_ones(extra_wave_draft):
    """Drafts carry the MEANS group sums exactly; an impossible sum is a clear error."""
    streams, cohort = extra_wave_draft
    crime = cohort.v["iv.crime_days_30"][:, 0]
    assert np.nansum(crime[cohort.qct]) == 2038  # 22.9 x 89
    assert np.nansum(crime[~cohort.qct]) == 577  # 9.3 x 62
    assert int((crime > 0).sum()) == 112
    qct = np.flatnonzero(cohort.qct)
    with pytest.raises(RuntimeError, match="cannot reach"):
        set_sum(streams("test"), cohort, "crime_days_30", 0, qct, 31 * 89, keep_zero=True)


def test_construction_pins_offenders_during_follow_up_with_the_least_bump():
    """The printed 62 of 75 QCT clients and 30 of 53 comparison clients offending at some
    follow-up hold after construction; with 22 of 64 and 16 of 47 QCT clients offending at the
    first and last follow-ups, the middle one needs at least 62 - 22 - 16 = 24 of its 50."""
    waves = Waves.from_config(CONFIG)
    streams = Streams(5)
    cohort = draft(
        streams,
        skeleton(streams, [w.months for w in waves.all], waves.ids, PRINTED),
        CONFIG,
        PRINTED,
    )
    offended = np.nan_to_num(cohort.v["iv.crime_days_30"][:, 1:]) > 0
    followed = cohort.interviewed[:, 1:].any(1)
    qct = cohort.qct
    assert (
        int(offended[qct & followed].any(1).sum())
        == PRINTED.count("off_continued_crime_qct_n")
        == 62
    )
    assert (
        int(offended[~qct & followed].any(1).sum())
        == PRINTED.count("off_continued_crime_comparison_n")
        == 30
    )
    assert offended[qct].sum(0).tolist() == [22, 24, 16]
    assert cohort.interviewed[qct, 1:].sum(0).tolist() == [64, 50, 47]


def test_feasible_cell_counts_of_a_printed_rs():
    """Site of interest vs desistance (-.298, n 105, 72 desisted): 30 site people of whom 14
    desisted gives (14 x 105 - 30 x 72) / sqrt(30 x 75 x 72 x 33) = -.2984."""
    pairs = feasible(105, 72, -0.298).tolist()
    assert [30, 14] in pairs
    assert all(k > 30 for k, _ in pairs if [k, _] != [30, 14])


def test_design_places_ones_and_refuses_the_impossible():
    rng = np.random.default_rng(0)
    other = np.r_[np.ones(50), np.zeros(50)]
    free = np.full(100, np.nan)
    x = design(np.ones(100, bool), other, free, [(other, 0.2)], None, rng)
    assert round(stats.spearmanr(x, other)[0], 3) == 0.2
    forced = np.r_[np.zeros(50), free[:50]]  # X = 0 wherever other = 1: rs cannot be +.2
    with pytest.raises(RuntimeError, match="no cell counts"):
        design(np.ones(100, bool), other, forced, [(other, 0.2)], None, rng)


def test_design_spreads_ones_over_strata_in_proportion():
    # 60 people, the other variable 1 for the first 30; strata of 40 and 20 people, each half
    # in either cell of the other variable. Every one placed in a cell of 30 people, 20 and 10
    # of them from the two strata, goes 2:1 over the strata (to within one).
    rng = np.random.default_rng(0)
    other = np.r_[np.ones(30), np.zeros(30)]
    strata = np.r_[np.zeros(20), np.ones(10), np.zeros(20), np.ones(10)]
    x = design(np.ones(60, bool), other, np.full(60, np.nan), [(other, 0.204)], 24, rng, strata)
    assert round(stats.spearmanr(x, other)[0], 3) == 0.204  # 17 of the 24 where other = 1
    assert x.sum() == 24
    for cell in (other == 1, other == 0):
        ones = int(x[cell].sum())
        assert abs(x[cell & (strata == 0)].sum() - 2 * ones / 3) < 1


def test_design_spreads_ones_over_weighted_strata_up_to_their_size():
    # As above, with stratum 1 weighted: at weight 2 both strata weigh 20 in each cell of 30
    # (the 15 ones where other = 1 go 7 or 8 to each); at weight 10 stratum 1 would take 15 x
    # 100 / 120 = 12.5 of the 15 but holds 10, so it gives all 10 and stratum 0 the other 5.
    other = np.r_[np.ones(30), np.zeros(30)]
    strata = np.r_[np.zeros(20), np.ones(10), np.zeros(20), np.ones(10)]
    free, cell = np.full(60, np.nan), other == 1
    for weight, expected in ((2.0, (7, 8)), (10.0, (10,))):
        x = design(
            np.ones(60, bool),
            other,
            free,
            [(other, 0.204)],
            24,
            np.random.default_rng(0),
            strata,
            {1.0: weight},
        )
        assert round(stats.spearmanr(x, other)[0], 3) == 0.204
        assert x[cell].sum() == 15
        assert x[cell & (strata == 1)].sum() in expected


def test_single_wave_config_is_refused():
    config = copy.deepcopy(CONFIG)
    config["waves"] = config["waves"][:1]
    with pytest.raises(ValueError, match="follow-up"):
        synthesize(config)


def test_frame_to_csv_refuses_missing_columns(raw):
    with pytest.raises(ValueError, match="missing columns"):
        frame_to_csv(raw["participants"].drop(columns=["age"]), PARTICIPANTS)


# OpenBLAS kernels other than the one it picks for today's x86-64 CPUs (Haswell / Zen and
# later): Prescott (SSE3) and Sandybridge (AVX) run on any of them and sum in other orders.
KERNEL_VARIANTS = (
    {"OPENBLAS_CORETYPE": "Prescott", "OPENBLAS_NUM_THREADS": "1"},
    {"OPENBLAS_CORETYPE": "Sandybridge", "OPENBLAS_NUM_THREADS": "2"},
)
BLAS_PROBE = """
import hashlib, numpy as np
a = np.random.default_rng(0).normal(size=(200, 200))
print(hashlib.sha256((a @ a[0]).tobytes() + np.linalg.inv(a).tobytes()).hexdigest())
"""


def _env(variant: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENBLAS_")}
    return env | variant


@pytest.mark.slow
def test_synthesis_is_identical_under_other_blas_kernels_and_threads(tmp_path):
    """The kernels do change BLAS results here (the probe), yet a fresh synthesis writes the
    committed files byte for byte under each (runs in parallel, one process per variant).

    The committed files were written under the CPU's own kernel (`uv run snakemake synthesize`),
    so this is also the test that they equal a fresh synthesis: a third run under the default
    kernel would cost a full calibration and add no kernel the comparison lacks."""
    probes = {
        subprocess.run(
            [sys.executable, "-c", BLAS_PROBE],
            env=_env(v),
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        for v in ({},) + KERNEL_VARIANTS
    }
    assert len(probes) > 1, "these kernels give identical BLAS results here: test not informative"
    runs = []
    for k, variant in enumerate(KERNEL_VARIANTS):
        out = tmp_path / f"variant {k}"  # a path with a space
        out.mkdir()
        runs.append(
            (
                out,
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "synthesis",
                        "--config",
                        str(ROOT / "config" / "config.yaml"),
                        "--out-dir",
                        str(out),
                    ],
                    cwd=ROOT,
                    env=_env(variant),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                ),
            )
        )
    for (out, proc), variant in zip(runs, KERNEL_VARIANTS, strict=True):
        log = proc.communicate()[0]
        assert proc.returncode == 0, log
        for name in ("participants.csv", "interviews.csv", "treatment.csv", "ORIGIN"):
            assert (out / name).read_bytes() == (RAW / name).read_bytes(), (variant, name)


def test_calibration_computes_each_target_as_the_results_domains_do(raw):
    """Every printed number the search fits, and every statistic of a claim it fits (a p of
    Table 1's models, a Wilcoxon z of a claimed fall), is computed there (fast numpy forms) with
    the value the results domain gives at its result path, on the committed files."""
    results, _ = shipped_results()
    waves = Waves.from_config(CONFIG)
    cohort = from_frames(raw, tuple(waves.ids), np.array([w.months for w in waves.all], float))
    compared, claimed, differ = set(), set(), []
    for fam in build_targets(cohort, CONFIG, PRINTED):
        values = fam.compute(cohort)
        for check, stat in fam.ids.items():
            row = PRINTED.table.loc[stat]
            if row["kind"] == "p_threshold":
                continue
            expected = lookup_number(results, row["result_path"])
            if values[check] != pytest.approx(expected, rel=1e-7, abs=1e-12):
                differ.append((stat, values[check], expected))
            compared.add(stat)
        for check, path in fam.paths.items():
            expected = lookup_number(results, path)
            # p-values: statsmodels' fit stops at its own tolerance, so agree to 1e-5 relative
            if values[check] != pytest.approx(expected, rel=1e-5, abs=1e-12):
                differ.append((path, values[check], expected))
            claimed.add(path)
    assert not differ
    assert len(compared) > 100  # most printed numbers the search fits
    assert {
        "regression.qct_adjusted.no_offence.coefficients.qct.p",
        "regression.qct_adjusted.no_offence_locf.coefficients.qct.p",
        "regression.final.coefficients.site_of_interest.p",
        "drug_use.illicit_liberty_ratio.wilcoxon.comparison.t1_t4.z",
    } <= claimed


def test_stepwise_target_computes_the_selections_entry_tests(raw):
    """The search's check on the stepwise selection follows its entries along Table 1's terms
    on the selection's sample: at each step, the p of the term that enters and the smallest p
    of the other candidates equal the analysis's score tests against the model of the terms
    entered before (analysis.stats.score_tests, as forward_stepwise enters); with every term
    in, each other candidate's p and each term's Wald p equal the analysis's, on the
    committed files."""
    waves = Waves.from_config(CONFIG)
    cohort = from_frames(raw, tuple(waves.ids), np.array([w.months for w in waves.all], float))
    mine = stepwise_fit(cohort, Roles(cohort, CONFIG), CONFIG, {})
    spec = CONFIG["regression"]
    candidates, final = list(spec["candidates"]), list(spec["final"])
    outsiders = [name for name in candidates if name not in final]
    design = regression.design_matrix(
        build_cohort(load_raw(RAW, CONFIG), CONFIG), CONFIG, candidates
    )
    rows = analysis_stats.Rows(design, regression.OUTCOME, candidates)
    selected: list[str] = []
    for step in range(len(final) + 1):
        waiting = [name for name in final if name not in selected] + outsiders
        fit = analysis_stats._fit(rows, selected)
        tests = analysis_stats.score_tests(
            rows, fit, rows.design(selected), rows.design(waiting)[:, 1:]
        )
        p = {name: test[1] for name, test in zip(waiting, tests, strict=True)}
        if step == len(final):
            break
        best = min((name for name in final if name not in selected), key=p.get)
        assert mine[f"enter_{step}"] == pytest.approx(p[best], rel=1e-6)
        lead = np.log10(min(p[name] for name in outsiders) / p[best])
        assert mine[f"lead_{step}"] == pytest.approx(lead, rel=1e-5, abs=1e-6)
        selected.append(best)
    for name in outsiders:
        assert mine[f"out_{name}"] == pytest.approx(p[name], rel=1e-6)
    sample = design.dropna(subset=[regression.OUTCOME, *candidates])
    model = analysis_stats.logistic(sample, regression.OUTCOME, final)
    for name in final:
        assert mine[f"in_{name}"] == pytest.approx(model["coefficients"][name]["p"], rel=1e-5)
    assert len(mine) == 2 * len(final) + len(final) + len(outsiders)


def test_scorecard_of_committed_data_reaches_95_percent():
    # The real scorecard of the committed data, computed in-process by the results fixture.
    results, _ = shipped_results()
    published = load_published(ROOT / "data" / "published")
    card = compare(published, lambda path: lookup_number(results, path))
    matched, total = summary(card)
    missed = card.loc[card["match"] == "false", ["id", "published", "regenerated"]]
    assert total == 320
    assert matched >= SCORECARD_SHARE * total, missed.to_string()


def test_every_miss_of_the_committed_data_has_a_documented_reason():
    """Each printed number the committed data misses has its reason in documented_misses.csv,
    and no reason given as a calibration limit names a number the data now reproduces."""
    results, _ = shipped_results()
    published = load_published(ROOT / "data" / "published")
    card = compare(published, lambda path: lookup_number(results, path))
    reasons = load_documented_misses(ROOT / "data" / "published", published)
    missed = set(card.loc[card["match"] == "false", "id"])
    assert sorted(missed - set(reasons)) == []
    limits = {key for key, reason in reasons.items() if "calibration limit" in reason}
    assert sorted(limits - missed) == []


def test_a_synthesized_cohort_the_build_would_refuse_is_not_written(tmp_path):
    """The files are validated as the build validates them before they replace anything: a row
    with fewer days of any drug than of illicit drugs (a fault construction can leave, see
    docs/synthesis.md) is refused by name, and the files already there stay as they were."""
    frames = {key: pd.read_csv(RAW / raw.name) for key, raw in FRAME_FILES.items()}
    out = tmp_path / "raw"
    written = write_validated(frames, out, 1, CONFIG)
    assert sorted(p.name for p in written) == sorted(p.name for p in out.iterdir())
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    interviews = frames["interviews"]
    row = interviews.index[interviews["illicit_drug_days_30"].gt(0)][0]
    interviews.loc[row, "any_drug_days_30"] = interviews.loc[row, "illicit_drug_days_30"] - 1
    with pytest.raises(
        CohortValidationError,
        match=r"interviews\.csv: columns 'any_drug_days_30', 'illicit_drug_days_30', line \d+ .*"
        r"must be at least illicit_drug_days_30",
    ):
        write_validated(frames, out, 2, CONFIG)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["raw"]  # no staging folder left behind
