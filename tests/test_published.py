"""The published-numbers files load, validate, and reject malformed rows with a clear message."""

from __future__ import annotations

import csv
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from analysis.published import (
    DOMAIN_PREFIX,
    KINDS,
    PublishedDataError,
    load_cited_facts,
    load_documented_misses,
    load_published,
    p_band,
    parse_printed,
)

PUBLISHED = Path(__file__).resolve().parents[1] / "data" / "published"


@pytest.fixture(scope="module")
def published():
    return load_published(PUBLISHED)


def test_statistics_load_and_cover_the_paper(published):
    assert len(published) >= 150
    assert published["id"].is_unique
    assert set(published["kind"]) <= set(KINDS)
    assert set(published["domain"]) == set(DOMAIN_PREFIX)


def test_a_row_reads_as_printed(published):
    row = published.set_index("id").loc["off_crime180_mean_qct_t1"]
    assert (row["published"], row["kind"], row["decimals"], row["n"]) == ("132", "mean", 0, 89)
    assert (row["waves"], row["group"]) == ("t1", "QCT")
    r = published.set_index("id").loc["off_wilcoxon_qct_t1_t2_r"]
    assert (r["published"], r["decimals"]) == ("-.57", 2)
    p = published.set_index("id").loc["off_wilcoxon_qct_t1_t2_p"]
    assert p["published"] == "p<0.001"
    assert pd.isna(p["decimals"])


def test_percent_and_count_printed_together_are_two_rows(published):
    by_id = published.set_index("id")["published"]
    pair = (by_id["ret_in_treatment_all_t2_pct"], by_id["ret_in_treatment_all_t2_n"])
    assert pair == ("54%", "85")


def test_cited_facts_and_documented_misses_load(published):
    cited = load_cited_facts(PUBLISHED)
    assert cited.set_index("id").loc["qct_europe_n", "value"] == "845"
    assert not set(cited["id"]) & set(published["id"])
    misses = load_documented_misses(PUBLISHED, published)
    assert "reint_homeless_all_t1_pct" in misses


@pytest.mark.parametrize(
    ("text", "value", "decimals", "leading_zero", "prefix", "suffix"),
    [
        (".287", 0.287, 3, False, "", ""),
        ("-.57", -0.57, 2, False, "", ""),
        ("0.22", 0.22, 2, True, "", ""),
        ("132", 132.0, 0, None, "", ""),
        ("71%", 71.0, 0, None, "", "%"),
        ("£1200", 1200.0, 0, None, "£", ""),
        ("-2.20", -2.2, 2, None, "", ""),
    ],
)
def test_parse_printed(text, value, decimals, leading_zero, prefix, suffix):
    got = parse_printed(text)
    assert (got.value, got.decimals, got.leading_zero, got.prefix, got.suffix) == (
        value,
        decimals,
        leading_zero,
        prefix,
        suffix,
    )


@pytest.mark.parametrize("text", ["", "1,200", "p<0.05", "12.", "ten", "$5"])
def test_parse_printed_refuses_non_numbers(text):
    with pytest.raises(ValueError, match="not a printed number"):
        parse_printed(text)


def test_p_band():
    assert p_band("p<0.001") == (0.0, 0.001)
    assert p_band("ns") == (0.05, math.inf)
    assert p_band("*") == (0.01, 0.05)
    assert p_band("**") == (0.0, 0.01)
    with pytest.raises(ValueError, match="not a printed p threshold"):
        p_band("p=0.03")


def _corrupt(tmp_path: Path, edits: dict[int, dict[str, str]]) -> Path:
    """A copy of statistics.csv with `edits` {0-based record: {column: value}} applied."""
    with open(PUBLISHED / "statistics.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for index, change in edits.items():
        rows[index].update(change)
    with open(tmp_path / "statistics.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return tmp_path


def test_duplicate_id_is_refused(tmp_path):
    with open(PUBLISHED / "statistics.csv", encoding="utf-8") as fh:
        first_id = list(csv.DictReader(fh))[0]["id"]
    directory = _corrupt(tmp_path, {1: {"id": first_id}})
    with pytest.raises(PublishedDataError) as err:
        load_published(directory)
    message = str(err.value)
    assert "statistics.csv" in message
    assert f"line 2, column 'id': duplicate value (must be unique) (value '{first_id}')" in message
    assert f"line 3, column 'id': duplicate value (must be unique) (value '{first_id}')" in message


def test_unknown_kind_is_refused(tmp_path):
    directory = _corrupt(tmp_path, {4: {"kind": "average"}})
    expected = r"line 6, column 'kind': isin\(.*\(value 'average'\)"
    with pytest.raises(PublishedDataError, match=expected):
        load_published(directory)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"decimals": "2"}, r"line 2, column 'decimals': decimals: must equal"),
        ({"waves": "t1;t9"}, r"line 2, column 'waves': waves must be configured .*'t1;t9'"),
        ({"published": "157.0.1"}, r"line 2, column 'published': published: not a printed number"),
        ({"domain": "drug_use"}, r"line 2, column 'id': id: must start with its domain's prefix"),
        ({"group": "DTTO"}, r"line 2, column 'group': isin"),
    ],
)
def test_other_broken_cells_are_named(tmp_path, change, expected):
    with pytest.raises(PublishedDataError, match=expected):
        load_published(_corrupt(tmp_path, {0: change}))


def test_waves_follow_the_configuration(tmp_path):
    shutil.copy(PUBLISHED / "statistics.csv", tmp_path / "statistics.csv")
    with pytest.raises(PublishedDataError, match="waves must be configured wave ids"):
        load_published(tmp_path, wave_ids=["t1", "t2", "t3"])


def test_missing_file_is_named(tmp_path):
    with pytest.raises(PublishedDataError, match="statistics.csv: file not found"):
        load_published(tmp_path)


def test_documented_miss_for_an_unknown_id_is_refused(tmp_path, published):
    (tmp_path / "documented_misses.csv").write_text("id,reason\nno_such_id,because\n")
    with pytest.raises(PublishedDataError, match="line 2, column 'id': id must be in statistics"):
        load_documented_misses(tmp_path, published)
