"""The tiny hand-made cohort passes validation, typed as the codebook says; the codebook
schema and document are generated from analysis/codebook.py, not written twice."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.codebook import INTERVIEWS, PARTICIPANTS, RAW_FILES, TREATMENT
from analysis.codebook_doc import render_codebook
from analysis.validate import (
    CohortValidationError,
    RawData,
    build_schema,
    identifier_pattern,
    load_raw,
    raw_dtype,
)
from tests.helpers_cohort import (
    TINY,
    TINY_CONFIG,
    read_rows,
    set_cell,
    tiny_copy,
    write_rows,
)

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tiny():
    return load_raw(TINY, TINY_CONFIG)


def test_tiny_cohort_loads_with_codebook_shapes(tiny):
    assert tiny.participants.shape == (8, len(PARTICIPANTS.columns))
    assert tiny.interviews.shape == (21, len(INTERVIEWS.columns))
    assert tiny.treatment.shape == (13, len(TREATMENT.columns))
    assert list(tiny.interviews["wave"].value_counts().sort_index()) == [8, 5, 4, 4]


@pytest.mark.parametrize("spec", RAW_FILES, ids=lambda s: s.name)
def test_columns_are_typed_per_codebook(tiny, spec):
    frame = {
        "participants.csv": tiny.participants,
        "interviews.csv": tiny.interviews,
        "treatment.csv": tiny.treatment,
    }[spec.name]
    assert list(frame.columns) == spec.column_names
    assert {c.name: str(frame[c.name].dtype) for c in spec.columns} == {
        c.name: raw_dtype(c) for c in spec.columns
    }


def test_empty_cell_is_missing_and_values_convert(tiny):
    people = tiny.participants.set_index("id")
    assert people.loc["P2", "abstinent_via_treatment_before"] is pd.NA
    assert people.loc["P1", "weeks_to_intake_interview"] == 1.5
    assert people.loc["P8", "age"] == 45
    visits = tiny.interviews.set_index(["id", "wave"])
    assert visits.loc[("P5", "t3"), "crime_days_30"] is pd.NA
    assert visits.loc[("P2", "t2"), "homeless_setting"] == "hostel"
    assert visits["arrested_since_last"].notna().sum() == 12  # every follow-up but P5 t3


@pytest.mark.parametrize("written", ["7", " 7", "007", "+7", "7.0", "7e0"])
def test_whole_numbers_load_the_same_however_written(tmp_path, written):
    """Plain digits take Arrow's integer read, the rest the float read (analysis.validate
    ._parse_arrow); both give the value 7 in the column's codebook dtype."""
    raw = tiny_copy(tmp_path)
    set_cell(raw, "interviews.csv", 3, "crime_days_30", written)
    visits = load_raw(raw, TINY_CONFIG).interviews
    assert visits.at[1, "crime_days_30"] == 7
    assert str(visits["crime_days_30"].dtype) == raw_dtype(
        next(c for c in INTERVIEWS.columns if c.name == "crime_days_30")
    )


@pytest.mark.parametrize("written", ["300", "-200", "40000"])
def test_a_whole_number_beyond_its_columns_width_is_refused_by_its_range(tmp_path, written):
    """crime_days_30 is read as int8: a wider number sends the file to the float read, whose
    range check names it."""
    raw = tiny_copy(tmp_path)
    set_cell(raw, "interviews.csv", 3, "crime_days_30", written)
    with pytest.raises(CohortValidationError) as refused:
        load_raw(raw, TINY_CONFIG)
    assert len(refused.value.problems) == 1
    assert f"value {written} is " in str(refused.value) and "must lie in 0..30" in str(
        refused.value
    )


@pytest.mark.parametrize(
    ("file", "column"),
    [
        ("participants.csv", "age"),
        ("participants.csv", "weeks_to_intake_interview"),
        ("participants.csv", "never_married"),
        ("participants.csv", "sex"),
        ("interviews.csv", "wave"),
        ("treatment.csv", "id"),
    ],
)
def test_a_missing_required_cell_breaks_only_the_rule_that_it_be_given(tmp_path, file, column):
    """The value checks pass a missing cell: the column's nullable check alone refuses it."""
    raw = tiny_copy(tmp_path)
    set_cell(raw, file, 2, column, "")
    with pytest.raises(CohortValidationError) as refused:
        load_raw(raw, TINY_CONFIG)
    assert len(refused.value.problems) == 1, refused.value.problems
    assert "may not be empty" in refused.value.problems[0]


@pytest.mark.parametrize("spec", [INTERVIEWS, TREATMENT], ids=lambda s: s.name)
def test_people_rows_locate_each_row_in_participants(tiny, spec):
    """Validation hands cleaning each row's participant; a RawData made by hand finds the same
    rows when asked, and both agree with pandas' lookup of the ids."""
    frame = tiny.frame(spec)
    expected = pd.Index(tiny.participants["id"]).get_indexer(frame["id"])
    assert list(tiny.people_rows(spec)) == list(expected)
    by_hand = RawData(tiny.participants, tiny.interviews, tiny.treatment)
    assert list(by_hand.people_rows(spec)) == list(expected)


def test_schema_is_built_from_the_codebook():
    for spec in RAW_FILES:
        schema = build_schema(spec, ["t1", "t2"])
        assert list(schema.columns) == spec.column_names
        assert schema.unique == list(spec.key)
        assert {n: c.nullable for n, c in schema.columns.items()} == {
            c.name: c.nullable for c in spec.columns
        }


def test_no_codebook_column_looks_like_an_identifier():
    assert [c for f in RAW_FILES for c in f.column_names if identifier_pattern(c)] == []


@pytest.mark.parametrize(
    ("name", "pattern"),
    [
        ("DOB", "dob"),
        ("Full Name", "name"),
        ("PostCode", "postcode"),
        ("e-mail", "email"),
        ("Email", "email"),
        ("site", None),
    ],
)
def test_identifier_names_are_matched_after_normalising(name, pattern):
    assert identifier_pattern(name) == pattern


def test_column_order_crlf_and_trailing_blank_lines_do_not_matter(tmp_path, tiny):
    raw = tiny_copy(tmp_path)
    rows = read_rows(raw / "participants.csv")
    write_rows(raw / "participants.csv", [r[::-1] for r in rows])
    text = (raw / "interviews.csv").read_text(encoding="utf-8")
    (raw / "interviews.csv").write_bytes((text.replace("\n", "\r\n") + "\r\n\r\n").encode())
    again = load_raw(raw, TINY_CONFIG)
    pd.testing.assert_frame_equal(again.participants, tiny.participants)
    pd.testing.assert_frame_equal(again.interviews, tiny.interviews)


def test_committed_codebook_matches_the_render():
    committed = (REPO / "data" / "raw" / "CODEBOOK.md").read_text(encoding="utf-8")
    assert committed == render_codebook(), "regenerate: python -m analysis.codebook_doc --out ..."


def test_codebook_lists_every_column_and_the_conventions():
    text = render_codebook()
    for spec in RAW_FILES:
        assert f"## `{spec.name}`" in text
        for col in spec.columns:
            assert f"| `{col.name}` |" in text
    assert "Missing values are empty cells" in text
    assert "| `crime_days_30` | whole number | days | 0 to 30 | yes |" in text
    assert (
        "| `arrested_since_last` | integer 0/1 | 0 = no, 1 = yes | 0, 1 | yes; must be empty"
        in text
    )


@pytest.mark.skipif(
    not (REPO / "data" / "raw" / "participants.csv").exists(),
    reason="the shipped cohort is not generated yet",
)
def test_shipped_cohort_validates():
    from analysis.config import load_config

    raw = load_raw(REPO / "data" / "raw", load_config())
    assert len(raw.participants) == 157
