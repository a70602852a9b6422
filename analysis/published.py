"""The paper's printed numbers: loading, validating and reading their printed notation.

`data/published/statistics.csv` lists every cohort-derived number of the paper with the
exact text it was printed as; `cited_facts.csv` lists the numbers the paper takes from
elsewhere; `documented_misses.csv` gives, for printed numbers that no dataset can reproduce
(the paper contradicts itself), the reason. The reproduction scorecard reads all three, so a
malformed row stops the build with the file, line and column it breaks.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from analysis.config import Waves, load_config
from analysis.formatting import ALPHA

STATISTICS_FILE = "statistics.csv"
CITED_FACTS_FILE = "cited_facts.csv"
DOCUMENTED_MISSES_FILE = "documented_misses.csv"

DOMAIN_PREFIX = {
    "study": "study",
    "profile": "prof",
    "coercion": "coer",
    "retention": "ret",
    "offending": "off",
    "drug_use": "drug",
    "reintegration": "reint",
    "regression": "reg",
}
KINDS = (
    "count",
    "percent",
    "mean",
    "median",
    "statistic",
    "df",
    "p_threshold",
    "r",
    "odds_ratio",
    "ci_low",
    "ci_high",
    "r2",
)
GROUPS = ("QCT", "comparison", "all", "")
STATISTICS_COLUMNS = (
    "id",
    "domain",
    "quantity",
    "published",
    "kind",
    "decimals",
    "n",
    "waves",
    "group",
    "location",
    "result_path",
)
CITED_FACTS_COLUMNS = ("id", "fact", "value", "source", "location")
DOCUMENTED_MISSES_COLUMNS = ("id", "reason")

# The printed number styles found in the paper: an optional pound sign, an optional ASCII
# minus, digits with or without a leading zero before the point (".287", "0.22"), an optional %.
_NUMBER = re.compile(r"^(?P<prefix>£?)(?P<minus>-?)(?P<int>\d*)(?:\.(?P<frac>\d+))?(?P<suffix>%?)$")
_P_BELOW = re.compile(r"^p<(?P<bound>0?\.\d+)$")
# "ns" means p >= ALPHA, the paper's only significance level. Table 1's stars are mutually
# exclusive classes, so each is a band: `*` p in [0.01, 0.05) (a p below 0.01 would have been
# printed `**`), `**` p < 0.01. An inline "p<0.05" is a bound.
_P_WORDS = {"ns": (ALPHA, math.inf), "*": (0.01, ALPHA), "**": (0.0, 0.01)}
_SNAKE = r"^[a-z][a-z0-9_]*$"


class PublishedDataError(ValueError):
    """A published-numbers file breaks its contract; the message names file, line, column."""


@dataclass(frozen=True)
class PrintedNumber:
    """How a number was printed: its value and every element of its style."""

    value: float
    decimals: int
    prefix: str  # "£" or ""
    leading_zero: bool | None  # False for ".287"; None when the integer part is not zero
    suffix: str  # "%" or ""


def parse_printed(text: str) -> PrintedNumber:
    """Read a printed number such as `-.57`, `71%`, `£1200` or `0.384` into its style."""
    m = _NUMBER.match(text)
    if m is None or not (m["int"] or m["frac"]):
        raise ValueError(f"{text!r} is not a printed number (expected e.g. 132, -.57, 71%, £30)")
    frac = m["frac"] or ""
    magnitude = float(f"{m['int'] or '0'}.{frac or '0'}")
    leading_zero = None if m["int"] not in ("", "0") else m["int"] == "0"
    return PrintedNumber(
        value=-magnitude if m["minus"] else magnitude,
        decimals=len(frac),
        prefix=m["prefix"],
        leading_zero=leading_zero,
        suffix=m["suffix"],
    )


def p_band(text: str) -> tuple[float, float]:
    """Read a printed p threshold as the band [low, high) of p it states.

    `p<0.01` -> (0, 0.01); `ns` -> (0.05, inf); `*` -> (0.01, 0.05); `**` -> (0, 0.01).
    """
    if text in _P_WORDS:
        return _P_WORDS[text]
    m = _P_BELOW.match(text)
    if m is None:
        raise ValueError(f"{text!r} is not a printed p threshold (expected p<0.05, ns, * or **)")
    return 0.0, float(m["bound"])


def _parses(parser, text: str) -> bool:
    try:
        parser(text)
    except ValueError:
        return False
    return True


def _published_ok(row: pd.Series) -> bool:
    parser = p_band if row["kind"] == "p_threshold" else parse_printed
    return _parses(parser, row["published"])


def _decimals_ok(row: pd.Series) -> bool:
    if row["kind"] == "p_threshold":
        return row["decimals"] == ""
    if not _parses(parse_printed, row["published"]):
        return True  # reported by the `published` check
    return row["decimals"] == str(parse_printed(row["published"]).decimals)


def _prefix_ok(row: pd.Series) -> bool:
    prefix = DOMAIN_PREFIX.get(row["domain"])
    return prefix is None or row["id"].startswith(prefix + "_")


def _nonempty(column: str) -> pa.Column:
    return pa.Column(str, pa.Check.str_length(min_value=1), name=column)


def _row_check(func, message: str) -> pa.Check:
    return pa.Check(lambda df: df.apply(func, axis=1), element_wise=False, error=message)


def _statistics_schema(wave_ids: list[str]) -> pa.DataFrameSchema:
    configured = ", ".join(wave_ids)
    return pa.DataFrameSchema(
        {
            "id": pa.Column(str, pa.Check.str_matches(_SNAKE), unique=True),
            "domain": pa.Column(str, pa.Check.isin(list(DOMAIN_PREFIX))),
            "quantity": _nonempty("quantity"),
            "published": _nonempty("published"),
            "kind": pa.Column(str, pa.Check.isin(list(KINDS))),
            "decimals": pa.Column(str, pa.Check.str_matches(r"^\d*$")),
            "n": pa.Column(str, pa.Check.str_matches(r"^(\d+)?$")),
            "waves": pa.Column(
                str,
                pa.Check(
                    lambda v: v != "" and all(w in wave_ids for w in v.split(";")),
                    element_wise=True,
                    error=f"waves must be configured wave ids joined by ';' ({configured})",
                ),
            ),
            "group": pa.Column(str, pa.Check.isin(list(GROUPS))),
            "location": _nonempty("location"),
            "result_path": pa.Column(str, pa.Check.str_matches(r"^([A-Za-z0-9_]+(\.[\w-]+)*)?$")),
        },
        checks=[
            _row_check(
                _published_ok, "published: not a printed number (or p threshold) of the row's kind"
            ),
            _row_check(
                _decimals_ok,
                "decimals: must equal the digits after the point in "
                "published (empty for p_threshold)",
            ),
            _row_check(
                _prefix_ok,
                "id: must start with its domain's prefix "
                + ", ".join(f"{k}={v}_" for k, v in DOMAIN_PREFIX.items()),
            ),
        ],
        strict=True,
        ordered=True,
    )


# The column each row-level (multi-column) check is about, for the error message.
_ROW_CHECK_COLUMN = {"published:": "published", "decimals:": "decimals", "id:": "id"}
# Pandera's name for a check, where a plainer wording helps the reader of the error.
_CHECK_WORDING = {
    "field_uniqueness": "duplicate value (must be unique)",
    "column_in_dataframe": "missing column",
    "column_in_schema": "unexpected column",
    "column_ordered": "columns out of order",
}


def _failure_lines(cases: pd.DataFrame, frame: pd.DataFrame) -> list[str]:
    """One readable line per broken (row, check): 'line L, column C: rule (value V)'."""
    lines = []
    cases = cases.drop_duplicates(["index", "check"])
    for _, case in cases.sort_values("index", na_position="first").iterrows():
        check = _CHECK_WORDING.get(str(case["check"]), str(case["check"]))
        column = next((c for k, c in _ROW_CHECK_COLUMN.items() if check.startswith(k)), None)
        if pd.isna(case["index"]):  # a missing, extra or misplaced column
            lines.append(f"header: {check} ({case['failure_case']!r})")
            continue
        index = int(case["index"])
        value = frame.at[index, column] if column else case["failure_case"]
        lines.append(
            f"line {index + 2}, column {column or case['column']!r}: {check} (value {value!r})"
        )
    return lines


def read_valid(path: Path, schema: pa.DataFrameSchema) -> pd.DataFrame:
    """Read a CSV as text (empty cells stay '') and validate it, naming every broken cell."""
    if not path.is_file():
        raise PublishedDataError(f"{path}: file not found")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    try:
        return schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        # Line numbers assume one physical line per record (no newlines inside cells).
        details = "\n  ".join(_failure_lines(err.failure_cases, frame))
        raise PublishedDataError(f"{path}: invalid rows\n  {details}") from None


def load_published(directory: str | Path, wave_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Load and validate statistics.csv; `decimals` and `n` become nullable integers.

    Waves are checked against `wave_ids`, by default the waves of config/config.yaml.
    """
    ids = list(wave_ids) if wave_ids is not None else Waves.from_config(load_config()).ids
    frame = read_valid(Path(directory) / STATISTICS_FILE, _statistics_schema(ids))
    return frame.assign(
        decimals=pd.to_numeric(frame["decimals"].replace("", None)).astype("Int64"),
        n=pd.to_numeric(frame["n"].replace("", None)).astype("Int64"),
    ).reset_index(drop=True)


def load_cited_facts(directory: str | Path) -> pd.DataFrame:
    """Load and validate cited_facts.csv: the paper's numbers that do not come from the cohort."""
    schema = pa.DataFrameSchema(
        {"id": pa.Column(str, pa.Check.str_matches(_SNAKE), unique=True)}
        | {c: _nonempty(c) for c in CITED_FACTS_COLUMNS[1:]},
        strict=True,
        ordered=True,
    )
    return read_valid(Path(directory) / CITED_FACTS_FILE, schema).reset_index(drop=True)


def load_documented_misses(directory: str | Path, published: pd.DataFrame) -> dict[str, str]:
    """Load documented_misses.csv as {statistic id: reason}; every id must be in `published`."""
    schema = pa.DataFrameSchema(
        {
            "id": pa.Column(
                str,
                pa.Check(
                    lambda ids: ids.isin(set(published["id"])), error="id must be in statistics.csv"
                ),
                unique=True,
            ),
            "reason": _nonempty("reason"),
        },
        strict=True,
        ordered=True,
    )
    frame = read_valid(Path(directory) / DOCUMENTED_MISSES_FILE, schema)
    return dict(zip(frame["id"], frame["reason"], strict=True))
