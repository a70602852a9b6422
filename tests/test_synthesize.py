"""Tests of the synthetic cohort: structure, file format, determinism, published statistics.

The published statistics are recomputed from the committed data/raw/*.csv with independent
SciPy / statsmodels calls (not with the calibration's own fast implementations).
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from analysis.codebook import INTERVIEWS, PARTICIPANTS, TREATMENT
from analysis.config import Waves, load_config
from analysis.synthesis import stats as fast
from analysis.synthesis.structure import draft, skeleton
from analysis.synthesize import frame_to_csv, resample_cohort, synthesize, write_raw

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"
CONFIG = load_config(ROOT / "config" / "config.yaml")


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
    u = stats.mannwhitneyu(wide["drug_composite_t1"][q], wide["drug_composite_t1"][~q],
                           use_continuity=False).statistic
    assert min(u, 89 * 68 - u) == 1597.5


def test_within_person_change_qct_crime(wide):
    qct = wide[wide["group"] == "QCT"].dropna(subset=["crime_days_30_t1", "crime_days_30_t2"])
    res = stats.wilcoxon(qct["crime_days_30_t1"], qct["crime_days_30_t2"],
                         zero_method="wilcox", correction=False, method="approx")
    z = -abs(res.zstatistic)
    assert round(z, 2) == -6.46
    assert round(z / np.sqrt(2 * len(qct)), 2) == -0.57


def test_table1_logistic_regression(wide):
    data = wide.dropna(subset=["crime_days_30_t2"])
    composite = wide["drug_composite_t1"]
    X = pd.DataFrame({
        "drug": (data["drug_composite_t1"] - composite.mean()) / composite.std(ddof=1),
        "site": (data["site"] == CONFIG["site_of_interest"]).astype(float),
        "age": data["age"].astype(float),
        "action": (data["stage_of_change"] == "action").astype(float),
    })
    fit = sm.Logit((data["crime_days_30_t2"] > 0).astype(float), sm.add_constant(X)).fit(disp=0)
    odds = np.exp(fit.params)
    assert len(data) == 105
    assert round(odds["drug"], 2) == 1.94
    assert round(odds["action"], 2) == 0.31


def test_offending_during_follow_up(raw, wide):
    iv = raw["interviews"]
    follow = iv[iv["wave"] != "t1"].merge(raw["participants"][["id", "group"]], on="id")
    crime = follow.assign(any=follow["crime_days_30"] > 0).groupby(["group", "id"])["any"].any()
    cells = crime.groupby("group").agg(["sum", "size"])
    assert cells.loc["QCT"].tolist() == [62, 75] and cells.loc["comparison"].tolist() == [30, 53]
    table = [[62, 13], [30, 23]]
    assert round(stats.chi2_contingency(table, correction=False)[0], 2) == 10.44
    last = raw["treatment"][raw["treatment"]["wave"] == "t4"].dropna(
        subset=["imprisoned_since_intake"]).merge(raw["participants"][["id", "group"]], on="id")
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


def test_extra_wave_gets_interviews_and_records():
    config = copy.deepcopy(CONFIG)
    config["waves"].append({"id": "t5", "months": 24, "label": "24-month follow-up"})
    waves = Waves.from_config(config)
    rng = np.random.default_rng(1)
    cohort = draft(rng, skeleton(rng, [w.months for w in waves.all], waves.ids))
    assert cohort.interviewed.sum(0).tolist() == [157, 106, 100, 100, 95]
    assert cohort.has_record[:, 4].sum() == 141


def test_single_wave_config_is_refused():
    config = copy.deepcopy(CONFIG)
    config["waves"] = config["waves"][:1]
    with pytest.raises(ValueError, match="follow-up"):
        synthesize(config)


def test_frame_to_csv_refuses_missing_columns(raw):
    with pytest.raises(ValueError, match="missing columns"):
        frame_to_csv(raw["participants"].drop(columns=["age"]), PARTICIPANTS)


@pytest.mark.slow
def test_committed_files_equal_a_fresh_synthesis(tmp_path):
    write_raw(synthesize(CONFIG), tmp_path)
    for name in ("participants.csv", "interviews.csv", "treatment.csv"):
        assert (tmp_path / name).read_bytes() == (RAW / name).read_bytes(), name
