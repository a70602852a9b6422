"""The processed cohort from the tiny raw cohort: grid, joins, derived and LOCF values,
checked by hand against tests/data/tiny (docs/processed_cohort.md is the contract)."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
import yaml

from analysis.clean import DERIVED, LOCF_MEASURES, build_cohort, compact_dtype, main
from analysis.codebook import INTERVIEWS, PARTICIPANTS, TREATMENT, Column
from analysis.io import read_parquet
from analysis.validate import RawData, load_raw
from tests.helpers_cohort import TINY, TINY_CONFIG, delete_line, read_rows, tiny_copy


@pytest.fixture(scope="module")
def raw():
    return load_raw(TINY, TINY_CONFIG)


@pytest.fixture(scope="module")
def cohort(raw):
    return build_cohort(raw, TINY_CONFIG).set_index(["id", "wave"], drop=False)


def test_grid_is_every_person_at_every_configured_wave(cohort):
    assert len(cohort) == 8 * 4
    assert list(cohort["id"].unique()) == [f"P{i}" for i in range(1, 9)]
    assert list(cohort.loc["P3", "wave"]) == ["t1", "t2", "t3", "t4"]
    assert list(cohort.loc["P3", "wave_index"]) == [0, 1, 2, 3]
    assert list(cohort.loc["P3", "months"]) == [0, 6, 12, 18]
    assert cohort["interviewed"].sum() == 21
    assert list(cohort.groupby(level="wave")["interviewed"].sum()) == [8, 5, 4, 4]
    assert list(cohort.loc["P2", "interviewed"]) == [True, True, False, True]


def test_column_order_and_types(cohort):
    measures = [c.name for c in INTERVIEWS.columns][2:]
    records = [f"rec_{c.name}" for c in TREATMENT.columns][2:]
    assert list(cohort.columns) == (
        ["id", "wave", "wave_index", "months", "interviewed"]
        + PARTICIPANTS.column_names[1:]
        + measures
        + records
        + DERIVED
        + [f"{c}_locf" for c in LOCF_MEASURES]
    )
    assert LOCF_MEASURES == [m for m in measures if m != "homeless_setting"]
    dtypes = cohort.dtypes.astype(str)
    assert dtypes[["wave_index", "months"]].tolist() == ["int64", "int64"]
    assert dtypes["interviewed"] == "bool"
    # Compact dtypes (analysis.clean.compact_dtype): the narrowest nullable integer of the range.
    assert dtypes[["age", "crime_days_30", "rec_in_treatment", "any_crime_30"]].eq("Int8").all()
    assert dtypes[["crime_days_180", "rec_days_in_treatment"]].eq("Int16").all()
    assert (
        dtypes[["drug_composite", "crime_liberty_ratio", "drug_composite_locf"]].eq("float64").all()
    )
    assert dtypes[["group", "homeless_setting", "rec_episode_status"]].eq("category").all()
    assert list(cohort["group"].cat.categories) == ["QCT", "comparison"]
    assert dtypes[["id", "wave"]].eq("string").all()
    assert dtypes["crime_days_30_locf"] == "Int8"


def test_compact_dtype_fits_the_codebook_range():
    def col(kind, minimum=None, maximum=None, categories=()):
        return Column("x", kind, "test", minimum=minimum, maximum=maximum, categories=categories)

    assert compact_dtype(col("binary")) == "Int8"
    assert compact_dtype(col("integer", 0, 127)) == "Int8"
    assert compact_dtype(col("integer", 0, 128)) == "Int16"
    assert compact_dtype(col("integer", -200, 30)) == "Int16"
    assert compact_dtype(col("integer", 0, 2**31)) == "Int64"
    assert compact_dtype(col("integer", 0)) == "Int64"  # no maximum: the widest
    assert compact_dtype(col("category", categories=("a", "b"))) == pd.CategoricalDtype(["a", "b"])
    assert compact_dtype(col("number", 0, 1)) is None


def test_participant_columns_repeat_and_measures_are_na_when_not_interviewed(cohort):
    assert list(cohort.loc["P8", "age"]) == [45] * 4
    assert list(cohort.loc["P8", "group"]) == ["comparison"] * 4
    assert cohort.loc[("P3", "t2"), "crime_days_30"] is pd.NA
    assert cohort.loc[("P3", "t2"), "drug_composite"] != cohort.loc[("P3", "t2"), "drug_composite"]


def test_agency_records_join_by_wave_and_are_na_at_baseline(cohort):
    assert (
        cohort.loc[cohort["wave"] == "t1", [c for c in cohort if c.startswith("rec_")]]
        .isna()
        .all()
        .all()
    )
    # P2 was not interviewed at t3 but the agency record exists.
    assert cohort.loc[("P2", "t3"), "rec_in_treatment"] == 0
    assert cohort.loc[("P2", "t3"), "rec_episode_status"] == "left_by_choice"
    assert cohort.loc[("P7", "t2"), "rec_in_treatment"] is pd.NA
    assert cohort.loc[("P6", "t2"), "rec_days_in_treatment"] is pd.NA
    assert cohort["rec_in_treatment"].notna().sum() == 13


def test_locf_carries_the_latest_earlier_value(cohort):
    assert list(cohort.loc["P3", "crime_days_30_locf"]) == [10, 10, 10, 10]
    assert list(cohort.loc["P4", "crime_days_30_locf"]) == [15, 15, 0, 0]
    # P5 skipped the crime items at t3 though interviewed: t2's 2 is carried.
    assert list(cohort.loc["P5", "crime_days_30_locf"]) == [0, 2, 2, 0]
    assert list(cohort.loc["P2", "relationship_problems_locf"]) == [3, 2, 2, 2]
    assert cohort.loc["P2", "drug_composite_locf"].tolist() == [0.7, 0.45, 0.45, 0.4]
    # Follow-up-only items have nothing to carry at the baseline.
    assert cohort.loc["P3", "arrested_since_last_locf"].isna().all()
    assert cohort.loc["P5", "arrested_since_last_locf"].tolist()[1:] == [0, 0, 0]
    # Missing at the first observation stays missing until a value appears.
    assert cohort.loc["P7", "illicit_drug_days_30_locf"].isna().tolist() == [True] * 3 + [False]


def test_derived_columns(cohort):
    assert list(cohort.loc["P5", "any_crime_30"].fillna(-1)) == [0, 1, -1, 0]
    ratio = cohort["crime_liberty_ratio"]
    assert ratio[("P2", "t2")] == pytest.approx(12 / 25)
    assert np.isnan(ratio[("P4", "t3")])  # no days at liberty
    assert np.isnan(ratio[("P3", "t2")])  # not interviewed
    # illicit drug days per day at liberty: P2 at t2 used on 20 of 25 days at liberty
    assert cohort["illicit_liberty_ratio"][("P2", "t2")] == pytest.approx(20 / 25)
    assert np.isnan(cohort["illicit_liberty_ratio"][("P4", "t3")])
    assert list(cohort.loc["P5", "crack_user"]) == [1, 0, 0, 0]
    assert list(cohort.loc["P1", "poly_user"]) == [1, 1, 0, 0]
    assert cohort.loc[("P7", "t1"), "poly_user"] == 0
    # heroin and crack on >= 15 days: P6 at t2 used each on 16, P1 at t2 on 10 and 4.
    assert cohort.loc[("P6", "t2"), "frequent_heroin_crack"] == 1
    assert cohort.loc[("P1", "t2"), "frequent_heroin_crack"] == 0
    assert cohort["frequent_heroin_crack"].sum() == 8


def test_frequent_use_threshold_comes_from_config(raw):
    config = copy.deepcopy(TINY_CONFIG)
    config["derived"]["frequent_use_days"] = 17
    cohort = build_cohort(raw, config).set_index(["id", "wave"])
    assert cohort.loc[("P6", "t2"), "frequent_heroin_crack"] == 0
    assert cohort["frequent_heroin_crack"].sum() == 5


def test_row_order_of_the_raw_files_does_not_matter(raw):
    shuffled = RawData(
        *(
            f.sample(frac=1, random_state=3).reset_index(drop=True)
            for f in (raw.participants, raw.interviews, raw.treatment)
        )
    )
    pd.testing.assert_frame_equal(
        build_cohort(shuffled, TINY_CONFIG), build_cohort(raw, TINY_CONFIG)
    )


def test_the_cohort_is_the_same_whatever_storage_the_raw_strings_have(raw):
    """Validation hands strings over in Arrow storage; Python storage, the other form of the
    codebook dtype 'string', gives the same cohort."""
    python = RawData(
        *(
            f.astype({c: pd.StringDtype("python") for c in f.columns if f[c].dtype == "string"})
            for f in (raw.participants, raw.interviews, raw.treatment)
        )
    )
    assert python.participants["id"].dtype.storage == "python"
    pd.testing.assert_frame_equal(build_cohort(python, TINY_CONFIG), build_cohort(raw, TINY_CONFIG))


def test_people_are_in_the_order_of_their_ids_as_text(raw):
    """Sorted by id as text (docs/processed_cohort.md), so P10 comes before P2: renamed ids of
    one, two and three digits, in a shuffled file."""
    renamed = {"P1": "P10", "P2": "P2", "P3": "P100", "P4": "P9"}
    kept = raw.participants["id"].isin(list(renamed))
    frames = [
        f[f["id"].isin(list(renamed))].assign(id=lambda x: x["id"].map(renamed).astype("string"))
        for f in (raw.participants, raw.interviews, raw.treatment)
    ]
    frames[0] = frames[0].iloc[::-1].reset_index(drop=True)
    assert kept.sum() == 4
    cohort = build_cohort(RawData(*(f.reset_index(drop=True) for f in frames)), TINY_CONFIG)
    assert list(cohort["id"].unique()) == ["P10", "P100", "P2", "P9"]
    by_id = cohort.set_index(["id", "wave"])
    original = build_cohort(raw, TINY_CONFIG).set_index(["id", "wave"])
    for old, new in renamed.items():
        assert list(by_id.loc[new, "crime_days_30"]) == list(original.loc[old, "crime_days_30"])


def test_three_configured_waves_give_a_three_wave_grid(tmp_path):
    raw_dir = tiny_copy(tmp_path)
    for file in ("interviews.csv", "treatment.csv"):
        lines = [i for i, r in enumerate(read_rows(raw_dir / file), 1) if r[1] == "t4"]
        for line in reversed(lines):
            delete_line(raw_dir, file, line)
    config = copy.deepcopy(TINY_CONFIG)
    config["waves"] = config["waves"][:3]
    cohort = build_cohort(load_raw(raw_dir, config), config)
    assert len(cohort) == 8 * 3
    assert list(cohort.loc[cohort["id"] == "P2", "crime_days_30_locf"]) == [30, 12, 12]


def test_cli_writes_the_cohort(tmp_path, raw):
    config_path = tmp_path / "config.yaml"
    config_path.write_text(yaml.safe_dump(TINY_CONFIG), encoding="utf-8")
    out = tmp_path / "processed" / "cohort.parquet"
    assert main(["--raw-dir", str(TINY), "--config", str(config_path), "--out", str(out)]) == 0
    pd.testing.assert_frame_equal(read_parquet(out), build_cohort(raw, TINY_CONFIG))
    first = out.read_bytes()
    main(["--raw-dir", str(TINY), "--config", str(config_path), "--out", str(out)])
    assert out.read_bytes() == first
