"""Every kind of bad raw input stops validation with one clear, located message.

Each case corrupts a copy of the tiny cohort (or its config) in one way and checks that
`load_raw` raises CohortValidationError naming the file, the column, the CSV line (where one
exists), the participant and the rule broken. The last test runs the cleaning CLI on bad input.
"""

from __future__ import annotations

import codecs
import copy
import gzip
import io
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from analysis.validate import MAX_REPORTED, ROWS_PER_RULE, CohortValidationError, load_raw
from tests.helpers_cohort import (
    TINY_CONFIG,
    add_column,
    append_copy,
    delete_line,
    drop_column,
    read_rows,
    rename_column,
    set_cell,
    tiny_copy,
    write_rows,
)

P, IV, T = "participants.csv", "interviews.csv", "treatment.csv"
Edit = Callable[[Path, dict], None]


def cell(file: str, line: int, column: str, value: str) -> Edit:
    return lambda raw, cfg: set_cell(raw, file, line, column, value)


def truncate_last_line(raw: Path, cfg: dict) -> None:
    text = (raw / IV).read_text(encoding="utf-8")
    (raw / IV).write_text(text[: text.rstrip("\n").rfind(",", 0, -30)], encoding="utf-8")


def latin1(raw: Path, cfg: dict) -> None:
    set_cell(raw, P, 6, "ethnicity", "whité")
    text = (raw / P).read_text(encoding="utf-8")
    (raw / P).write_bytes(text.encode("latin-1"))


def delimiter(sep: str) -> Edit:
    return lambda raw, cfg: write_rows(raw / P, read_rows(raw / P), delimiter=sep)


def header_only(raw: Path, cfg: dict) -> None:
    write_rows(raw / IV, read_rows(raw / IV)[:1])


def ragged(raw: Path, cfg: dict) -> None:
    rows = read_rows(raw / P)
    rows[4].append("extra")
    write_rows(raw / P, rows)


def waves(edit: Callable[[list[dict]], None]) -> Edit:
    return lambda raw, cfg: edit(cfg["waves"])


def rewrite(file: str, transform: Callable[[bytes], bytes]) -> Edit:
    return lambda raw, cfg: (raw / file).write_bytes(transform((raw / file).read_bytes()))


def zipped(*names: str) -> Callable[[bytes], bytes]:
    """The file inside a zip archive holding `names` (an .xlsx is such an archive, with xl/...)."""

    def pack(data: bytes) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name in names:
                archive.writestr(name, data)
        return buffer.getvalue()

    return pack


def utf16(bom: bool) -> Callable[[bytes], bytes]:
    return lambda data: data.decode("utf-8").encode("utf-16" if bom else "utf-16-le")


# Larger than the csv module's field limit (131072 characters).
HUGE = "x" * 200_000


# (case id, corruption, fragments the message must contain)
CASES: list[tuple[str, Edit, list[str]]] = [
    (
        "missing column",
        lambda r, c: drop_column(r, IV, "heroin_days_30"),
        [IV, "'heroin_days_30'", "line 1", "required column is missing"],
    ),
    (
        "renamed column",
        lambda r, c: rename_column(r, IV, "crime_days_30", "crime_days"),
        [IV, "'crime_days_30'", "line 1", "missing", "'crime_days'", "renamed?"],
    ),
    (
        "unknown extra column",
        lambda r, c: add_column(r, P, "favourite_colour", "blue"),
        [P, "'favourite_colour'", "line 1", "unknown column"],
    ),
    (
        "duplicated header",
        lambda r, c: rename_column(r, IV, "heroin_days_30", "crack_days_30"),
        [IV, "'crack_days_30'", "line 1", "2 times", "must be unique"],
    ),
    (
        "identifier name",
        lambda r, c: add_column(r, P, "name", "Jo Bloggs"),
        [P, "'name'", "line 1", "direct identifier", "must be removed before data enter the build"],
    ),
    (
        "identifier date of birth",
        lambda r, c: add_column(r, P, "date_of_birth", "1970-01-01"),
        [P, "'date_of_birth'", "direct identifier", "removed before data enter the build"],
    ),
    (
        "identifier postcode",
        lambda r, c: add_column(r, IV, "Post Code", "AB1 2CD"),
        [IV, "'Post Code'", "direct identifier", "removed before data enter the build"],
    ),
    (
        "text in numeric column",
        cell(IV, 7, "crime_days_30", "ten"),
        [IV, "'crime_days_30'", "line 7", "id P2, wave t2", "'ten'", "is not a number"],
    ),
    (
        "NA is not a missing code",
        cell(IV, 7, "crime_days_180", "NA"),
        [IV, "'crime_days_180'", "line 7", "'NA'", "is not a number"],
    ),
    (
        "float in integer column",
        cell(IV, 3, "heroin_days_30", "2.5"),
        [IV, "'heroin_days_30'", "line 3", "id P1, wave t2", "2.5", "not a whole number"],
    ),
    (
        "out-of-range age",
        cell(P, 4, "age", "99"),
        [P, "'age'", "line 4", "id P3", "value 99 is above the maximum 75", "16..75"],
    ),
    (
        "negative value",
        cell(T, 5, "days_in_treatment", "-5"),
        [T, "'days_in_treatment'", "line 5", "id P2, wave t2", "-5 is below the minimum 0"],
    ),
    (
        "days above the 30-day window",
        cell(IV, 17, "crime_days_30", "45"),
        [
            IV,
            "'crime_days_30'",
            "line 17",
            "id P6, wave t2",
            "value 45 is above the maximum 30",
            "must lie in 0..30, in days",
        ],
    ),
    (
        "binary not 0/1",
        cell(P, 9, "never_married", "2"),
        [P, "'never_married'", "line 9", "id P8", "not 0 or 1"],
    ),
    (
        "required value missing",
        cell(P, 2, "sex", ""),
        [P, "'sex'", "line 2", "id P1", "missing", "may not be empty"],
    ),
    (
        "malformed id",
        cell(P, 3, "id", "X2"),
        [P, "'id'", "line 3", "not in the canonical form 'P' and 1 to 7 digits"],
    ),
    (
        "duplicated person",
        lambda r, c: append_copy(r, P, 2),
        [P, "'id'", "line 2:", "appears on lines 2, 10", "must be unique"],
    ),
    (
        "duplicated person-wave",
        lambda r, c: append_copy(r, IV, 3),
        [IV, "'id', 'wave'", "line 3 (wave t2)", "appears on lines 3, 23", "must be unique"],
    ),
    # Keys are first checked through each row's participant and wave position, and by pandera
    # only where that cannot tell: an unknown id or an unconfigured wave.
    (
        "duplicated treatment record",
        lambda r, c: append_copy(r, T, 5),
        [T, "'id', 'wave'", "line 5 (wave t2)", "appears on lines 5, 15", "must be unique"],
    ),
    (
        "duplicated person-wave of an unknown participant",
        lambda r, c: [append_copy(r, IV, 3, id="P99") for _ in range(2)],
        [IV, "'id', 'wave'", "line 23 (wave t2)", "appears on lines 23, 24", "must be unique"],
    ),
    (
        "duplicated person-wave at an unconfigured wave",
        lambda r, c: [append_copy(r, IV, 3, wave="t9") for _ in range(2)],
        [IV, "'wave'", "line 23", "'t9' is not a configured wave", "appears on lines 23, 24"],
    ),
    (
        "interview for unknown person",
        lambda r, c: append_copy(r, IV, 2, id="P99"),
        [IV, "'id'", "line 23 (wave t1)", "the participant is not in", P],
    ),
    (
        "treatment for unknown person",
        lambda r, c: append_copy(r, T, 2, id="P42"),
        [T, "'id'", "line 15", "known participant"],
    ),
    (
        "unconfigured wave",
        cell(IV, 5, "wave", "t5"),
        [IV, "'wave'", "line 5", "id P1, wave t5", "'t5' is not a configured wave"],
    ),
    (
        "unknown group",
        cell(P, 3, "group", "DTTO"),
        [P, "'group'", "line 3", "id P2", "'DTTO' is not an allowed value", "QCT, comparison"],
    ),
    (
        "unknown site",
        cell(P, 3, "site", "11"),
        [P, "'site'", "line 3", "value 11 is above the maximum 10"],
    ),
    (
        "unknown category",
        cell(T, 7, "episode_status", "absconded"),
        [T, "'episode_status'", "line 7", "id P3, wave t2", "'absconded'", "not an allowed value"],
    ),
    ("missing file", lambda r, c: (r / T).unlink(), [T, "file is missing"]),
    ("empty file", lambda r, c: (r / T).write_bytes(b""), [T, "file is empty (0 bytes)"]),
    ("header-only file", header_only, [IV, "header but no data rows"]),
    (
        "truncated last row",
        truncate_last_line,
        [IV, "line 22", "id P8", "expected 24", "truncated or ragged row"],
    ),
    ("ragged row", ragged, [P, "line 5", "id P4", "has 24 field(s), expected 23"]),
    (
        "latin-1 encoding",
        latin1,
        [P, "'ethnicity'", "line 6", "0xe9 is not valid UTF-8", "re-save the file as UTF-8"],
    ),
    ("semicolon delimiter", delimiter(";"), [P, "line 1", "semicolons", "comma-separated"]),
    ("tab delimiter", delimiter("\t"), [P, "line 1", "tabs", "comma-separated"]),
    (
        "missing baseline interview",
        lambda r, c: delete_line(r, IV, 12),
        [P, "'id'", "line 6:", "no interview at the baseline wave t1", IV],
    ),
    (
        "follow-up-only item at baseline",
        cell(IV, 2, "arrested_since_last", "1"),
        [
            IV,
            "'arrested_since_last'",
            "line 2",
            "id P1, wave t1",
            "follow-up-only",
            "empty at the baseline wave t1",
        ],
    ),
    (
        "treatment record at baseline",
        lambda r, c: append_copy(r, T, 2, wave="t1"),
        [T, "'wave'", "line 15", "id P1, wave t1", "follow-up waves only"],
    ),
    (
        "crime types without crime days",
        cell(IV, 4, "crime_types_30", "2"),
        [
            IV,
            "'crime_types_30', 'crime_days_30'",
            "line 4",
            "crime_types_30 = 2, crime_days_30 = 0",
            "must be 0 exactly when crime_days_30 is 0",
        ],
    ),
    (
        "crime days above days at liberty",
        cell(IV, 8, "days_at_liberty_30", "5"),
        [
            IV,
            "line 8",
            "id P2, wave t4",
            "days_at_liberty_30 = 5, crime_days_30 = 8",
            "days_at_liberty_30 must be at least crime_days_30",
        ],
    ),
    (
        "heroin days above illicit days",
        cell(IV, 3, "heroin_days_30", "12"),
        [
            IV,
            "'illicit_drug_days_30', 'heroin_days_30'",
            "line 3",
            "illicit_drug_days_30 must be at least heroin_days_30",
        ],
    ),
    (
        "crack days above illicit days",
        cell(IV, 16, "crack_days_30", "25"),
        [IV, "line 16", "illicit_drug_days_30 must be at least crack_days_30"],
    ),
    (
        "illicit days above any-drug days",
        cell(IV, 2, "any_drug_days_30", "20"),
        [IV, "line 2", "any_drug_days_30 must be at least illicit_drug_days_30"],
    ),
    (
        "homeless setting without homelessness",
        cell(IV, 3, "homeless_setting", "rough"),
        [
            IV,
            "'homeless_setting', 'homeless_30'",
            "line 3",
            "homeless_setting must be given exactly when homeless_30 is 1",
        ],
    ),
    (
        "homelessness without setting",
        cell(IV, 4, "homeless_30", "1"),
        [IV, "line 4", "homeless_setting = (empty), homeless_30 = 1"],
    ),
    (
        "suicide attempts without attempting",
        cell(P, 3, "suicide_attempts_lifetime", "2"),
        [
            P,
            "'suicide_attempts_lifetime', 'suicide_attempted_lifetime'",
            "line 3",
            "must be 0 exactly when suicide_attempted_lifetime is 0",
        ],
    ),
    (
        "substitution while not in treatment",
        cell(T, 6, "opioid_substitution", "1"),
        [T, "line 6", "id P2, wave t3", "opioid_substitution must be empty when in_treatment is 0"],
    ),
    (
        "configured wave without interviews",
        waves(lambda w: w.append({"id": "t5", "months": 24, "label": "24 months"})),
        [IV, "'wave'", "configured wave 't5' has no interviews", "remove the config entry"],
    ),
    (
        "non-increasing months",
        waves(lambda w: w[2].update(months=6)),
        ["config 'waves'", "'t3' at month 6", "strictly increasing"],
    ),
    (
        "duplicate wave ids",
        waves(lambda w: w[3].update(id="t2")),
        ["config 'waves'", "'t2' is configured twice", "must be unique"],
    ),
    (
        "baseline not at month 0",
        waves(lambda w: w[0].update(months=1)),
        ["config 'waves'", "'t1' is at month 1", "must be at month 0"],
    ),
    # Sentinel codes inside a column's range (issue 17, defect 4).
    (
        "spend sentinel 99",
        cell(IV, 3, "drug_spend_30", "99"),
        [
            IV,
            "'drug_spend_30'",
            "line 3",
            "id P1, wave t2",
            "value 99 is a sentinel code",
            "refuses the codes 99, 999, 9999",
        ],
    ),
    ("spend sentinel 999", cell(IV, 3, "drug_spend_30", "999"), ["value 999 is a sentinel code"]),
    (
        "spend sentinel 9999",
        cell(IV, 3, "drug_spend_30", "9999"),
        ["value 9999 is a sentinel code"],
    ),
    (
        "treatment days sentinel 88",
        cell(T, 5, "days_in_treatment", "88"),
        [
            T,
            "'days_in_treatment'",
            "line 5",
            "id P2, wave t2",
            "value 88 is a sentinel code",
            "refuses the codes 88, 98, 99, 999",
        ],
    ),
    (
        "treatment days sentinel 98",
        cell(T, 5, "days_in_treatment", "98"),
        ["value 98 is a sentinel code"],
    ),
    (
        "treatment days sentinel 99",
        cell(T, 5, "days_in_treatment", "99"),
        ["value 99 is a sentinel code"],
    ),
    (
        "treatment days sentinel 999",
        cell(T, 5, "days_in_treatment", "999"),
        ["value 999 is a sentinel code"],
    ),
    (
        "crime 180 sentinel 98",
        cell(IV, 7, "crime_days_180", "98"),
        [IV, "'crime_days_180'", "line 7", "id P2, wave t2", "value 98 is a sentinel code"],
    ),
    ("crime 180 sentinel 99", cell(IV, 7, "crime_days_180", "99"), ["value 99 is a sentinel code"]),
    # Impossible combinations within a row and across a person's waves (defect 5).
    (
        "crime days in 180 below those in 30",
        cell(IV, 20, "crime_days_180", "3"),
        [
            IV,
            "'crime_days_180', 'crime_days_30'",
            "line 20",
            "id P8, wave t1",
            "crime_days_180 = 3, crime_days_30 = 25",
            "the last 180 days include the last 30",
        ],
    ),
    (
        "injecting days above any-drug days",
        cell(IV, 4, "injecting_days_30", "25"),
        [
            IV,
            "line 4",
            "any_drug_days_30 = 20, injecting_days_30 = 25",
            "a day injecting is a day using",
        ],
    ),
    (
        "days in treatment falling",
        cell(T, 3, "days_in_treatment", "170"),
        [
            T,
            "'days_in_treatment'",
            "line 3",
            "id P1, wave t3",
            "value 170 after 180 at wave t2 (line 2)",
            "never falls",
        ],
    ),
    (
        "days in treatment above days elapsed",
        cell(T, 7, "days_in_treatment", "200"),
        [
            T,
            "line 7",
            "id P3, wave t2",
            "value 200 exceeds the 184 days elapsed since intake by month 6",
            "at most one day per day elapsed",
        ],
    ),
    (
        "days in treatment growing faster than time",
        cell(T, 3, "days_in_treatment", "370"),
        [
            T,
            "line 3",
            "id P1, wave t3",
            "value 370 grows by 190 from 180 at wave t2 (line 2), "
            "but only 184 days passed between the two",
        ],
    ),
    (
        "weeks abstinent above weeks elapsed",
        cell(IV, 11, "weeks_abstinent_since_intake", "60"),
        [
            IV,
            "'weeks_abstinent_since_intake'",
            "line 11",
            "id P4, wave t3",
            "value 60 exceeds the 52.43 weeks elapsed since intake by month 12",
        ],
    ),
    (
        "weeks abstinent falling",
        cell(IV, 4, "weeks_abstinent_since_intake", "3"),
        [IV, "line 4", "id P1, wave t3", "value 3 after 4 at wave t2 (line 3)", "never falls"],
    ),
    (
        "since-intake flag reverting",
        cell(IV, 4, "abstinent_via_treatment_since_intake", "0"),
        [
            IV,
            "'abstinent_via_treatment_since_intake'",
            "line 4",
            "id P1, wave t3",
            "value 0 after 1 at wave t2 (line 3)",
            "once 1 it never returns to 0",
        ],
    ),
    (
        "imprisonment flag reverting",
        cell(T, 6, "imprisoned_since_intake", "0"),
        [
            T,
            "'imprisoned_since_intake'",
            "line 6",
            "id P2, wave t3",
            "value 0 after 1 at wave t2",
            "once 1 it never returns to 0",
        ],
    ),
    # File-level failures: one located message each, no traceback (defect 7).
    (
        "blank lines only",
        lambda r, c: (r / T).write_bytes(b"\n \r\n\n"),
        [T, "file is empty (5 bytes); expected a header line"],
    ),
    (
        "byte-order mark only",
        lambda r, c: (r / T).write_bytes(codecs.BOM_UTF8),
        [T, "file is empty (3 bytes, only a UTF-8 byte-order mark)"],
    ),
    (
        "UTF-16 with byte-order mark",
        rewrite(P, utf16(bom=True)),
        [P, "the file is UTF-16 encoded text, not a UTF-8 CSV file", "re-save the file as UTF-8"],
    ),
    (
        "UTF-16 without byte-order mark",
        rewrite(P, utf16(bom=False)),
        [P, "NUL bytes: UTF-16 without a byte-order mark"],
    ),
    (
        "gzip renamed to csv",
        rewrite(IV, gzip.compress),
        [IV, "the file is a gzip-compressed file, not a UTF-8 CSV file", "gunzip"],
    ),
    (
        "zip renamed to csv",
        rewrite(IV, zipped("interviews.csv")),
        [IV, "the file is a zip archive", "unzip it"],
    ),
    (
        "xlsx renamed to csv",
        rewrite(T, zipped("[Content_Types].xml", "xl/workbook.xml")),
        [T, "the file is an Excel workbook (.xlsx)", "export the sheet as 'CSV UTF-8'"],
    ),
    (
        "field over the csv limit",
        cell(IV, 3, "homeless_setting", HUGE),
        [IV, "line 3: a field is longer than 131072 characters"],
    ),
    (
        "number field over the csv limit",
        cell(IV, 3, "crime_days_30", "1" * 200_000),
        [IV, "line 3: a field is longer than 131072 characters"],
    ),
    (
        "header over the csv limit",
        lambda r, c: rename_column(r, P, "site", HUGE),
        [P, "line 1: a field is longer than 131072 characters"],
    ),
    (
        "integer beyond int64",
        cell(IV, 3, "crime_days_30", "123456789012345678901"),
        [
            IV,
            "'crime_days_30'",
            "line 3",
            "id P1, wave t2",
            "beyond the 64-bit whole numbers",
            "must lie in 0..30",
        ],
    ),
    # Whole-number columns are first read as int64 (analysis.validate._parse_arrow), which
    # must not change what is refused or how: Arrow's int64 reader takes '0x10' as 16, and
    # int64's largest value is a whole number that float64 rounds up to 2**63.
    (
        "hexadecimal in integer column",
        cell(IV, 3, "crime_days_30", "0x10"),
        [IV, "'crime_days_30'", "line 3", "id P1, wave t2", "'0x10'", "is not a number"],
    ),
    (
        "upper-case hexadecimal in binary column",
        cell(IV, 3, "in_treatment", "0X1"),
        [IV, "'in_treatment'", "line 3", "'0X1'", "is not a number"],
    ),
    (
        "largest int64 read as float64",
        cell(IV, 3, "crime_days_30", "9223372036854775807"),
        [IV, "'crime_days_30'", "line 3", "beyond the 64-bit whole numbers", "must lie in 0..30"],
    ),
    # Ids: one canonical form, no long digit runs (defect 9).
    (
        "same id in two spellings",
        lambda r, c: append_copy(r, P, 4, id="P03"),
        [P, "'id'", "line 4:", "spelled 2 ways, on lines 4, 10", "leading zeros"],
    ),
    (
        "id embedding an NHS-like number",
        cell(P, 3, "id", "P9434765919"),
        [P, "'id'", "line 3:", "embeds a run of 10 digits", "possible personal identifier"],
    ),
    (
        "id embedding a date",
        cell(P, 3, "id", "P19700131"),
        [P, "'id'", "line 3:", "embeds a run of 8 digits"],
    ),
    (
        "id with non-ASCII digits",
        cell(P, 3, "id", "P\u0662"),
        [P, "'id'", "line 3:", "not in the canonical form"],
    ),
]


@pytest.mark.parametrize(
    ("corrupt", "fragments"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_is_refused_with_a_located_message(tmp_path, corrupt, fragments):
    raw = tiny_copy(tmp_path)
    config = copy.deepcopy(TINY_CONFIG)
    corrupt(raw, config)
    with pytest.raises(CohortValidationError) as caught:
        load_raw(raw, config)
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in:\n{message}"
    # Short and readable: at most the first few problems and a count, no frame dumps.
    assert len(message.splitlines()) <= MAX_REPORTED + 1
    assert "DataFrame" not in message and "dtype" not in message


# Cells that would identify a person (and the part that must not appear): never echoed,
# whatever the column or the stage that refuses them.
IDENTIFYING = [
    ("e-mail as id", P, 3, "id", "jo.bloggs@example.org", "bloggs"),
    ("e-mail in a category", P, 3, "ethnicity", "jo.bloggs@example.org", "bloggs"),
    ("NHS-like id", P, 3, "id", "P9434765919", "9434765919"),
    ("date in an id", P, 3, "id", "P19700131", "19700131"),
    ("NHS number in a count", IV, 3, "crime_days_30", "9434765919", "9434765919"),
    ("id spelled two ways", P, 3, "id", "P0001", "P0001"),
    ("e-mail as wave", IV, 3, "wave", "jo.bloggs@example.org", "bloggs"),
]


@pytest.mark.parametrize(
    ("file", "line", "column", "value", "secret"),
    [c[1:] for c in IDENTIFYING],
    ids=[c[0] for c in IDENTIFYING],
)
def test_identifying_values_are_never_echoed(tmp_path, file, line, column, value, secret):
    raw = tiny_copy(tmp_path)
    set_cell(raw, file, line, column, value)
    with pytest.raises(CohortValidationError) as caught:
        load_raw(raw, TINY_CONFIG)
    message = str(caught.value)
    assert f"'{column}'" in message and f"{line}" in message
    assert secret not in message, message


def test_identifying_header_is_never_echoed(tmp_path):
    raw = tiny_copy(tmp_path)
    add_column(raw, P, "jo.bloggs@example.org", "1")
    with pytest.raises(CohortValidationError) as caught:
        load_raw(raw, TINY_CONFIG)
    assert str(caught.value).endswith(
        "participants.csv: column (a name withheld: it may identify "
        "a person), line 1: unknown column (not in the codebook for "
        "participants.csv; add it to analysis/codebook.py or remove "
        "it)"
    )


def test_many_bad_rows_are_summarised(tmp_path):
    raw = tiny_copy(tmp_path)
    for line in range(2, 22):
        set_cell(raw, IV, line, "n_drugs_30", "99")
    with pytest.raises(CohortValidationError) as caught:
        load_raw(raw, TINY_CONFIG)
    lines = str(caught.value).splitlines()
    assert len(lines) == ROWS_PER_RULE + 1
    assert lines[0].endswith(
        "line 2 (id P1, wave t1): value 99 is above the maximum 15 "
        "(n_drugs_30 must lie in 0..15, in substances)"
    )
    assert lines[-1].endswith("17 more rows break the same rule")


def test_canonical_ids_of_any_width_are_accepted(tmp_path):
    raw = tiny_copy(tmp_path)
    for file in (P, IV, T):
        rows = read_rows(raw / file)
        write_rows(raw / file, [rows[0]] + [[f"P{int(r[0][1:]):07d}", *r[1:]] for r in rows[1:]])
    assert list(load_raw(raw, TINY_CONFIG).participants["id"])[:2] == ["P0000001", "P0000002"]


def test_byte_order_mark_is_accepted(tmp_path):
    raw = tiny_copy(tmp_path)
    (raw / P).write_bytes(b"\xef\xbb\xbf" + (raw / P).read_bytes())
    assert list(load_raw(raw, TINY_CONFIG).participants["id"])[:2] == ["P1", "P2"]


def run_clean(tmp_path: Path) -> tuple[subprocess.CompletedProcess, Path]:
    """The cleaning CLI on tmp_path/raw, as the workflow runs it; (its result, its output)."""
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(TINY_CONFIG), encoding="utf-8")
    out = tmp_path / "out" / "cohort.parquet"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "analysis.clean",
            "--raw-dir",
            "raw",
            "--config",
            "config.yaml",
            "--out",
            str(out),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(Path(__file__).resolve().parents[1]), "PATH": "/usr/bin:/bin"},
    )
    return done, out


# File-level failures that once ended in a traceback (StopIteration, _csv.Error, TypeError).
@pytest.mark.parametrize(
    ("corrupt", "first_line"),
    [
        (
            lambda raw: (raw / T).write_bytes(codecs.BOM_UTF8),
            "error: raw/treatment.csv: file is empty (3 bytes, only a UTF-8 byte-order mark); expected "
            "a header line and data rows",
        ),
        (
            lambda raw: set_cell(raw, IV, 3, "homeless_setting", HUGE),
            "error: raw/interviews.csv: line 3: a field is longer than 131072 characters (no codebook "
            "value is that long: is a quote left open, or is this not the cohort file?)",
        ),
        (
            lambda raw: set_cell(raw, IV, 3, "crime_days_30", "-99999999999999999999"),
            "error: raw/interviews.csv: column 'crime_days_30', line 3 (id P1, wave t2): value (value "
            "withheld: it may identify a person) is beyond the 64-bit whole numbers (crime_days_30 must "
            "lie in 0..30, in days)",
        ),
    ],
    ids=["bom only", "oversized field", "beyond int64"],
)
def test_clean_cli_gives_one_message_and_no_traceback(tmp_path, corrupt, first_line):
    corrupt(tiny_copy(tmp_path))
    done, out = run_clean(tmp_path)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [first_line]
    assert not out.exists()


def test_clean_cli_refuses_bad_input_without_writing(tmp_path):
    set_cell(tiny_copy(tmp_path), IV, 17, "crime_days_30", "45")
    done, out = run_clean(tmp_path)
    assert done.returncode == 1
    assert done.stderr.startswith(
        "error: raw/interviews.csv: column 'crime_days_30', line 17 (id P6, wave t2): value 45 is "
        "above the maximum 30 (crime_days_30 must lie in 0..30, in days)"
    )
    assert not out.exists() and not out.parent.exists()
