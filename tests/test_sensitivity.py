"""Sensitivity to missing data (analysis.sensitivity): Rubin's rules and D2 by hand, PMM
imputation determinism, order- and split-independent pooling, bootstrap shards, the verdicts."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.imputation.mice import MICEData

from analysis.io import read_json, to_jsonable, write_json, write_parquet
from analysis.sensitivity import (
    bootstrap,
    conclusions,
    figure,
    imputation,
    methods,
    pooling,
    results,
)
from analysis.sensitivity.__main__ import main
from analysis.sensitivity.settings import Settings, item_seed, settings
from tests.cohort_fixture import random_cohort

FAST = {
    "imputations": 3,
    "burn_in": 2,
    "bootstrap_replicates": 30,
    "seed": 11,
    "imputation_jobs": 2,
    "bootstrap_shards": 2,
}


@pytest.fixture(scope="module")
def cohort_config():
    """200 people, 3 waves, about 30% missed at the first follow-up; a fast sensitivity block."""
    cohort, cfg = random_cohort()
    cfg["sensitivity"] = dict(FAST)
    return cohort, cfg


def with_sensitivity(cfg, **overrides):
    return {**cfg, "sensitivity": {**cfg["sensitivity"], **overrides}}


def canonical(obj) -> str:
    return json.dumps(to_jsonable(obj), sort_keys=True)


# --- Rubin's rules and the D2 rule, against hand computations ---------------------------------


def test_rubin_matches_hand_computation():
    # q = 1, 2, 3 with u = 0.5 each: W = 0.5, B = 1, T = 0.5 + (4/3) 1 = 11/6,
    # lambda = (4/3) / (11/6) = 8/11, classic df = (m - 1) / lambda^2 = 121/32;
    # Barnard-Rubin with df_com = 10: df_obs = (11/13) 10 (3/11) = 30/13,
    # df = (121/32)(30/13) / (121/32 + 30/13) = 3630/2533.
    out = pooling.rubin([1.0, 2.0, 3.0], [0.5, 0.5, 0.5], alpha=0.05, df_complete=10)
    assert out["value"] == 2.0
    assert out["within"] == 0.5 and out["between"] == 1.0
    assert out["total"] == pytest.approx(11 / 6)
    assert out["lambda"] == pytest.approx(8 / 11)
    assert out["riv"] == pytest.approx(8 / 3)
    assert out["df_classic"] == pytest.approx(121 / 32)
    assert out["df"] == pytest.approx(3630 / 2533)
    half = sps.t.ppf(0.975, 3630 / 2533) * math.sqrt(11 / 6)
    assert out["ci_low"] == pytest.approx(2 - half) and out["ci_high"] == pytest.approx(2 + half)
    assert out["p"] == pytest.approx(2 * sps.t.sf(2 / math.sqrt(11 / 6), 3630 / 2533))


def test_rubin_without_between_variance_uses_the_complete_data_df():
    out = pooling.rubin([4.0, 4.0], [1.0, 1.0], alpha=0.05, df_complete=9)
    assert out["between"] == 0.0 and out["total"] == 1.0
    assert out["df"] == pytest.approx(10 / 12 * 9)  # (df+1)/(df+3) df
    assert math.isinf(pooling.rubin([4.0, 4.0], [1.0, 1.0], alpha=0.05)["df"])


@pytest.mark.parametrize(
    "estimates, variances",
    [([1.0], [1.0]), ([1.0, 2.0], [1.0]), ([1.0, np.nan], [1.0, 1.0]), ([1.0, 2.0], [1.0, -1.0])],
)
def test_rubin_rejects_bad_input(estimates, variances):
    with pytest.raises(ValueError, match="Rubin"):
        pooling.rubin(estimates, variances, alpha=0.05)


def test_d2_matches_hand_computation():
    # d = 4, 9 (z = 2, 3): r = (3/2) var(2, 3) = 0.75; D2 = (6.5 - 3 * 0.75) / 1.75 = 17/7;
    # df2 = 1^(-3/2) (2 - 1) (1 + 1/0.75)^2 = 49/9.
    out = pooling.pool_chi2([4.0, 9.0], df=1)
    assert out["riv"] == pytest.approx(0.75)
    assert out["statistic"] == pytest.approx(17 / 7)
    assert out["df2"] == pytest.approx(49 / 9)
    assert out["p"] == pytest.approx(sps.f.sf(17 / 7, 1, 49 / 9))


def test_d2_with_identical_statistics_is_the_chi_square_test():
    out = pooling.pool_chi2([4.0, 4.0, 4.0], df=1)
    assert out["statistic"] == 4.0 and math.isinf(out["df2"])
    assert out["p"] == pytest.approx(sps.chi2.sf(4.0, 1))


def test_percentile_interval_counts_undefined_replicates():
    out = pooling.percentile_interval([*range(101), np.nan], alpha=0.1)
    assert (out["ci_low"], out["ci_high"]) == (5.0, 95.0)
    assert (out["replicates"], out["valid"]) == (102, 101)


# --- one data set's estimates ------------------------------------------------------------------


def test_mean_change_by_hand():
    # differences -6, 0, -9: mean -5, sd sqrt(21), se sqrt(7), df 2; the NaN pair is dropped
    out = methods.mean_change(np.array([10.0, 20, 30, np.nan]), np.array([4.0, 20, 21, 5]), 0.05)
    assert (out["value"], out["n"], out["df"]) == (-5.0, 3, 2)
    assert out["se"] == pytest.approx(math.sqrt(7))
    assert out["ci_high"] == pytest.approx(-5 + sps.t.ppf(0.975, 2) * math.sqrt(7))


def test_reduction_by_hand():
    # means 20 -> 10 over the complete pairs: 50%; after = R * before exactly, so se = 0
    out = methods.reduction(np.array([10.0, 20, 30, 7]), np.array([5.0, 10, 15, np.nan]))
    assert (out["value"], out["se"], out["n"]) == (50.0, 0.0, 3)
    assert methods.reduction(np.zeros(3), np.ones(3))["value"] is None
    with pytest.raises(ValueError, match="two complete pairs"):
        methods.reduction(np.array([1.0, np.nan]), np.array([1.0, 2.0]))


def test_method_cohort_carries_forward_and_rejects_unknown(cohort_config):
    cohort, _ = cohort_config
    locf = methods.method_cohort(cohort, "locf")
    assert locf["crime_days_30"].equals(cohort["crime_days_30_locf"])
    assert methods.method_cohort(cohort, "complete_case") is cohort
    with pytest.raises(ValueError, match="unknown missing-data method"):
        methods.method_cohort(cohort, "mean")


# --- imputation --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def frame(cohort_config):
    cohort, cfg = cohort_config
    return imputation.imputation_frame(cohort, cfg, settings(cfg).measures)


def test_pmm_imputation_is_deterministic_per_seed(frame):
    first = imputation.impute(frame, item_seed(1, "imputation", 0), burn_in=2, k_pmm=5)
    again = imputation.impute(frame, item_seed(1, "imputation", 0), burn_in=2, k_pmm=5)
    other = imputation.impute(frame, item_seed(1, "imputation", 1), burn_in=2, k_pmm=5)
    assert first.equals(again)
    assert not first.equals(other)
    assert not first.isna().any().any()
    observed = frame.notna()
    assert first[observed].equals(frame[observed])  # observed values are never changed
    # PMM only ever imputes values someone was observed with
    column = "crime_days_30__w1"
    assert set(first[column]) <= set(frame[column].dropna())


def test_fast_mice_equals_statsmodels_micedata_draw_for_draw(frame):
    small = frame.iloc[:60]
    ours = imputation.impute(small, item_seed(5, "imputation", 2), burn_in=2, k_pmm=3)
    library = MICEData(
        small.reset_index(drop=True),
        k_pmm=3,
        rng=np.random.default_rng(item_seed(5, "imputation", 2)),
    )
    library.update_all(2)
    assert np.array_equal(ours.to_numpy(), library.data.to_numpy())


def test_completed_cohort_fills_every_wave(cohort_config, frame):
    cohort, cfg = cohort_config
    imputed = imputation.impute(frame, item_seed(1, "imputation", 0), burn_in=1, k_pmm=5)
    completed = imputation.completed_cohort(cohort, cfg, imputed, ("crime_days_30",))
    assert completed["crime_days_30"].notna().all()
    seen = cohort["crime_days_30"].notna()
    assert (completed.loc[seen, "crime_days_30"] == cohort.loc[seen, "crime_days_30"]).all()


def test_item_seeds_are_the_spawned_children():
    parent = np.random.SeedSequence(42)
    child = parent.spawn(2)[1].spawn(4)[3]
    assert (
        item_seed(42, "bootstrap", 3).generate_state(4).tolist() == child.generate_state(4).tolist()
    )


# --- settings ----------------------------------------------------------------------------------


def test_job_items_partition_every_index_once():
    s = settings(
        {
            "sensitivity": {
                "imputations": 7,
                "imputation_jobs": 3,
                "bootstrap_replicates": 10,
                "bootstrap_shards": 4,
            }
        }
    )
    assert [list(s.job_items("imputation", j)) for j in range(3)] == [[0, 1, 2], [3, 4], [5, 6]]
    assert [len(s.job_items("bootstrap", j)) for j in range(4)] == [3, 3, 2, 2]
    with pytest.raises(ValueError, match="outside"):
        s.job_items("bootstrap", 4)


@pytest.mark.parametrize(
    "block, message",
    [({"imputations": 1}, "at least 2"), ({"alpha": 1.5}, "alpha"), ({"bogus": 1}, "unknown keys")],
)
def test_settings_reject_bad_config(block, message):
    with pytest.raises(ValueError, match=message):
        settings({"sensitivity": block})


def test_a_job_count_above_the_items_it_splits_is_refused():
    # Checked by the workflow (both counts) and by each job (its own stream's count only).
    split = settings({"sensitivity": {"imputations": 10, "imputation_jobs": 30}})
    with pytest.raises(ValueError, match="imputation_jobs must be between 1 and 10"):
        split.check_split()
    split.check_split("bootstrap")
    with pytest.raises(ValueError, match="imputation_jobs"):
        split.job_items("imputation", 0)


def test_settings_default_to_the_schema_when_block_missing():
    from analysis.config import schema_defaults

    defaults = schema_defaults()["sensitivity"]
    assert settings({}) == Settings(**{**defaults, "measures": tuple(defaults["measures"])})


# --- scatter-gather ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def jobs(cohort_config):
    cohort, cfg = cohort_config
    return (
        [imputation.imputation_job(cohort, cfg, j) for j in range(2)],
        [bootstrap.bootstrap_shard(cohort, cfg, k) for k in range(2)],
    )


def test_pooled_result_is_independent_of_input_order(cohort_config, jobs):
    cohort, cfg = cohort_config
    imputed, shards = jobs
    forward = results.sensitivity_results(cohort, cfg, imputed, shards)
    backward = results.sensitivity_results(cohort, cfg, imputed[::-1], shards[::-1])
    assert canonical(forward) == canonical(backward)


def test_results_do_not_depend_on_the_job_split(cohort_config, jobs):
    cohort, cfg = cohort_config
    split = with_sensitivity(cfg, imputation_jobs=3, bootstrap_shards=3)
    imputed = [imputation.imputation_job(cohort, split, j) for j in range(3)]
    shards = [bootstrap.bootstrap_shard(cohort, split, k) for k in range(3)]
    assert canonical(results.sensitivity_results(cohort, split, imputed, shards)) == canonical(
        results.sensitivity_results(cohort, cfg, *jobs)
    )


def test_bootstrap_shard_is_deterministic(cohort_config):
    cohort, cfg = cohort_config
    first = bootstrap.bootstrap_shard(cohort, cfg, 1)
    assert canonical(first) == canonical(bootstrap.bootstrap_shard(cohort, cfg, 1))
    assert (first["first"], first["count"]) == (15, 15)
    reductions = first["reductions"]["locf"]["crime_days_30"]
    assert set(reductions) == {"QCT", "comparison", "all"}
    assert all(len(values) == 15 for values in reductions.values())


def test_identity_resample_reproduces_the_observed_reduction(cohort_config):
    cohort, cfg = cohort_config
    pairs = methods.first_follow_up_pairs(cohort, cfg, "crime_days_30")
    sizes = pairs["group"].value_counts()
    identity = {g: np.arange(sizes[g])[None, :] for g in ("QCT", "comparison")}
    replicate = bootstrap.replicate_reductions(pairs, identity)
    observed = methods.change_estimates(pairs, 0.05)
    for group in ("QCT", "comparison", "all"):
        assert replicate[group][0] == pytest.approx(observed[group]["reduction"]["value"])


def test_pooling_refuses_missing_duplicate_or_stale_jobs(cohort_config, jobs):
    cohort, cfg = cohort_config
    imputed, shards = jobs
    with pytest.raises(ValueError, match="missing \\[2\\]"):
        results.sensitivity_results(cohort, cfg, imputed[:1], shards)
    with pytest.raises(ValueError, match="more than one job"):
        results.sensitivity_results(cohort, cfg, [imputed[0], *imputed], shards)
    with pytest.raises(ValueError, match="other settings"):
        results.sensitivity_results(cohort, with_sensitivity(cfg, seed=12), imputed, shards)
    with pytest.raises(ValueError, match="bootstrap replicates must be"):
        results.sensitivity_results(cohort, cfg, imputed, shards[1:])


def test_pooled_result_layout(cohort_config, jobs):
    cohort, cfg = cohort_config
    out = results.sensitivity_results(cohort, cfg, *jobs)
    cell = out["change"]["crime_days_30"]["QCT"]
    assert set(cell) == set(results.METHODS)
    assert cell["multiple_imputation"]["mean_change"]["m"] == 3
    assert cell["locf"]["reduction"]["replicates"] == 30
    # every person with a baseline value has a pair under LOCF and after imputation
    assert cell["locf"]["n"] == cell["multiple_imputation"]["n"] > cell["complete_case"]["n"]
    terms = out["regression"]["table1_with_qct"]["multiple_imputation"]
    assert set(terms) == {"drug_composite_z", "age", "qct"}
    assert terms["age"]["odds_ratio"] == pytest.approx(math.exp(terms["age"]["b"]))
    assert all(isinstance(c["holds"], bool) for c in out["conclusions"].values())


# --- the verdicts ------------------------------------------------------------------------------


def _cell(z, p, ci_low):
    return {
        "wilcoxon": {"z": z, "p": p},
        "reduction": None if ci_low is None else {"value": 10.0, "ci_low": ci_low, "ci_high": 20.0},
    }


def test_change_verdicts():
    change = {
        "crime_days_30": {
            "QCT": {
                "complete_case": _cell(-3.0, 0.001, 2.0),
                "locf": _cell(-2.5, 0.01, 1.0),
                "multiple_imputation": _cell(-1.0, 0.2, None),
            },
            "comparison": {
                "complete_case": _cell(-1.0, 0.3, -1.0),
                "locf": _cell(-1.2, 0.2, 0.5),
                "multiple_imputation": _cell(2.5, 0.01, 0.5),
            },
        }
    }
    out = conclusions.change_conclusions(change, alpha=0.05)
    fall = out["crime_days_30_QCT_fall"]
    assert fall["holds_by_method"] == {
        "complete_case": True,
        "locf": True,
        "multiple_imputation": False,
    }
    assert fall["holds"] is False
    # the paper found no significant change for the comparison group; a significant rise is
    # not a significant fall, so that conclusion holds under every method
    assert out["crime_days_30_comparison_no_significant_change"]["holds"] is True
    reduction = out["crime_days_30_QCT_reduction"]
    assert reduction["holds_by_method"]["multiple_imputation"] is None
    assert reduction["holds"] is True  # judged by the methods that have an interval
    assert out["crime_days_30_comparison_reduction"]["holds_by_method"]["complete_case"] is False


def test_regression_verdicts():
    def term(b, p):
        return {"b": b, "p": p, "odds_ratio": math.exp(b), "ci_low": 0.0, "ci_high": 0.0}

    regression = {
        "table1": {
            "complete_case": {"age": term(-0.1, 0.01)},
            "locf": {"age": term(-0.1, 0.04)},
            "multiple_imputation": {"age": term(0.1, 0.01)},
        },  # significant, wrong way
        "table1_with_qct": {
            "complete_case": {"age": term(-0.1, 0.01), "qct": term(0.3, 0.5)},
            "locf": {"age": term(-0.1, 0.01), "qct": term(0.3, 0.05)},
            "multiple_imputation": {"age": term(-0.1, 0.01), "qct": term(0.3, 0.049)},
        },
    }
    out = conclusions.regression_conclusions(regression, alpha=0.05)
    assert out["table1_age"]["holds_by_method"] == {
        "complete_case": True,
        "locf": True,
        "multiple_imputation": False,
    }
    assert out["qct_not_significant"]["holds_by_method"] == {
        "complete_case": True,
        "locf": True,
        "multiple_imputation": False,
    }
    assert out["qct_not_significant"]["holds"] is False


# --- command line ------------------------------------------------------------------------------


def test_command_line_scatter_pool_and_figure(cohort_config, tmp_path):
    cohort, cfg = cohort_config
    write_parquet(cohort, tmp_path / "cohort.parquet")
    write_json(cfg, tmp_path / "config.json")
    common = [
        "--cohort",
        str(tmp_path / "cohort.parquet"),
        "--config",
        str(tmp_path / "config.json"),
    ]

    def path(name: str) -> str:
        return str(tmp_path / name)

    for job in range(2):
        main(["impute", *common, "--job", str(job), "--out", path(f"imputations_{job}.json")])
        main(["bootstrap", *common, "--shard", str(job), "--out", path(f"bootstrap_{job}.json")])
    out = tmp_path / "sensitivity.json"
    main(
        [
            "pool",
            *common,
            "--out",
            str(out),
            "--imputations",
            path("imputations_1.json"),
            path("imputations_0.json"),
            "--bootstrap",
            path("bootstrap_1.json"),
            path("bootstrap_0.json"),
        ]
    )
    pooled = read_json(out)
    assert set(pooled["conclusions"]) >= {"qct_not_significant", "crime_days_30_QCT_fall"}
    main(["figure", "--results", str(out), "--out-stem", str(tmp_path / "fig4")])
    svg = (tmp_path / "fig4.svg").read_text(encoding="utf-8")
    assert "Multiple imputation" in svg and "<dc:date>" not in svg
    assert (tmp_path / "fig4.png").read_bytes().startswith(b"\x89PNG")
    table = figure.forest_table(pooled)
    assert set(table["method"]) == set(results.METHODS)
    assert table["estimate"].notna().all()
