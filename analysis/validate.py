"""Loading the three raw cohort files and refusing anything that breaks the codebook.

`load_raw` reads `participants.csv`, `interviews.csv` and `treatment.csv`, checks them in four
stages and returns them typed as the codebook says. Each stage stops the build with a
`CohortValidationError` whose message names the file, column, CSV line (header = line 1), the
participant and wave, the offending value and the rule in words:

1. the configured waves (unique ids, strictly increasing months, baseline at month 0);
2. each file as text: present, non-empty, UTF-8, comma-separated, a unique header with exactly
   the codebook's columns and no direct identifiers, one value per column on every line;
3. each column against a pandera schema built from `analysis.codebook` (type, range, allowed
   values, missing allowed, unique key, configured waves) after our own parsing, which
   rejects text and fractions where whole numbers belong;
4. rules across columns and files (stated in the codebook descriptions) and across the
   config (every configured wave has interviews, every participant a baseline interview).

Only an empty cell is missing: 'NA', 'NULL', 'nan' or '-9' are not missing codes (see the
codebook conventions). Cells are parsed by pyarrow's multithreaded CSV reader (about 2 s for a
million participants); whenever it refuses a cell or reads a value pandas' C parser would not,
the C parser decides, and only when that refuses a cell are the cells re-read as text to
locate the culprit. Every check is vectorised (no per-row Python).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as arrow
import pyarrow.compute as arrow_compute
import pyarrow.csv as arrow_csv

from analysis.codebook import (
    IDENTIFIER_PATTERNS,
    INTERVIEWS,
    PARTICIPANTS,
    RAW_FILES,
    TREATMENT,
    Column,
    RawFile,
)
from analysis.config import Waves

ID_PATTERN = r"^P\d+$"
# What Arrow's RE2 engine can decide alone: ASCII digits, end of text. Cells it rejects are
# judged by Python's re with ID_PATTERN (which also accepts other Unicode digits).
ASCII_ID_PATTERN = r"^P[0-9]+$"
# How many rows are listed per broken rule, and how many lines one error message holds; the
# count of the rest is given, so a message stays a short block however bad the file.
ROWS_PER_RULE = 3
MAX_REPORTED = 8
DTYPES = {
    "id": "string",
    "wave": "string",
    "category": "string",
    "binary": "Int64",
    "integer": "Int64",
    "number": "float64",
}
# Strings are checked in Arrow's storage (vectorised regex, isin, duplicates) and returned in
# pandas' default Python storage: both are the codebook dtype 'string'.
CHECKED_STRING = pd.StringDtype("pyarrow")


class CohortValidationError(ValueError):
    """The raw cohort breaks the data contract; the message says where and which rule."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = problems[:MAX_REPORTED]
        more = len(problems) - len(shown)
        text = "\n".join(shown)
        if more:
            text += f"\n({more} more problem{'s' if more > 1 else ''} not shown)"
        super().__init__(text)


@dataclass(frozen=True)
class RawData:
    """The three raw files, validated and typed per the codebook (RangeIndex = file row order)."""

    participants: pd.DataFrame
    interviews: pd.DataFrame
    treatment: pd.DataFrame


class _Table:
    """One raw file while it is being checked: display path, spec, bytes, parsed cells."""

    def __init__(self, path: str, spec: RawFile, data: bytes, parsed: pd.DataFrame | None):
        self.path = path
        self.spec = spec
        self.data = data  # the file's bytes: valid UTF-8, without a byte-order mark
        self.parsed = parsed  # pyarrow's parse (see `_parse_arrow`), None if it could not decide
        self.typed: pd.DataFrame | None = None

    @cached_property
    def records(self) -> tuple[np.ndarray, np.ndarray]:
        """Fields and first CSV line (header = line 1) of every record after the header.

        A pass of Python's csv module: made only for a file pyarrow refused, or when a message
        needs a line number. Blank lines (0 fields) are skipped by the parsers, as here.
        """
        reader = csv.reader(io.StringIO(self.data.decode("utf-8"), newline=""))
        next(reader)
        fields, lines = [], []
        start = reader.line_num + 1
        for record in reader:
            fields.append(len(record))
            lines.append(start)
            start = reader.line_num + 1
        return np.asarray(fields, dtype=np.int64), np.asarray(lines, dtype=np.int64)

    @cached_property
    def lines(self) -> np.ndarray:
        """CSV line number of each data row (header = line 1)."""
        fields, lines = self.records
        return lines[fields > 0]

    @cached_property
    def text(self) -> pd.DataFrame:
        """Every cell exactly as written (str); read only when a message needs to quote one."""
        cells = pd.read_csv(io.BytesIO(self.data), dtype=str, keep_default_na=False,
                            na_filter=False)
        return cells[self.spec.column_names]

    def where(self, row: int) -> str:
        return ", ".join(f"{k} {self.text.at[row, k]}" for k in self.spec.key)

    def at(self, columns: list[str] | tuple[str, ...], row: int | None, what: str) -> str:
        """Format one problem: file, column(s), line (id, wave): what went wrong (rule)."""
        line = None if row is None else f"line {self.lines[row]} ({self.where(row)})"
        return _message(self.path, columns, line, what)

    def value(self, column: str, row: int) -> str:
        return _show(self.text.at[row, column])

    def report(self, mask: pd.Series | np.ndarray, columns: list[str] | tuple[str, ...],
               describe: Callable[[int], str]) -> list[str]:
        """Problems for the first rows where `mask` holds, and a count of the rest."""
        rows = np.flatnonzero(np.asarray(mask, dtype=bool))
        found = [self.at(columns, int(r), describe(int(r))) for r in rows[:ROWS_PER_RULE]]
        if len(rows) > ROWS_PER_RULE:
            found.append(_message(self.path, columns, None,
                                  f"{len(rows) - ROWS_PER_RULE} more rows break the same rule"))
        return found


def _message(path: str, columns: list[str] | tuple[str, ...], line: str | None, what: str) -> str:
    names = ", ".join(f"'{c}'" for c in columns)
    parts = [f"column {names}" if len(columns) == 1 else f"columns {names}"] if columns else []
    if line:
        parts.append(line)
    return f"{path}: {', '.join(parts)}: {what}" if parts else f"{path}: {what}"


def _show(cell: Any) -> str:
    """A cell as it appears in the file: numbers bare, text quoted, empty named."""
    text = str(cell)
    if text.strip() == "":
        return "(empty)"
    try:
        float(text)
        return text.strip()
    except ValueError:
        return repr(text)


def _fmt(x: float) -> str:
    return f"{x:g}"


# --- stage 1: configuration --------------------------------------------------------------------


def check_waves(config: dict[str, Any]) -> Waves:
    """The configured waves, refused unless ids are unique, months rise and baseline is month 0."""
    problems = []
    try:
        waves = Waves.from_config(config)
    except (KeyError, TypeError, ValueError) as err:
        raise CohortValidationError(
            [f"config 'waves': cannot read the wave list ({err!r}); each entry needs id, months "
             "and label"]
        ) from err
    if not waves.all:
        raise CohortValidationError(["config 'waves': no waves configured (need at least one)"])
    seen: set[str] = set()
    for w in waves.all:
        if w.id in seen:
            problems.append(
                f"config 'waves': wave id '{w.id}' is configured twice (ids must be unique)"
            )
        seen.add(w.id)
    if waves.baseline.months != 0:
        problems.append(
            f"config 'waves': the baseline wave '{waves.baseline.id}' is at month "
            f"{waves.baseline.months} (the first wave is intake and must be at month 0)"
        )
    for before, after in zip(waves.all, waves.all[1:], strict=False):
        if after.months <= before.months:
            problems.append(
                f"config 'waves': wave '{after.id}' at month {after.months} does not come after "
                f"wave '{before.id}' at month {before.months} (months must be strictly increasing:"
                f" list the waves in time order in config/config.yaml and give '{after.id}' a"
                f" month after {before.months})"
            )
    if problems:
        raise CohortValidationError(problems)
    return waves


# --- stage 2: the file as text -----------------------------------------------------------------


def _normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def identifier_pattern(name: str) -> str | None:
    """The identifier pattern a column name matches (None for codebook columns or no match)."""
    known = {c for f in RAW_FILES for c in f.column_names}
    if name in known:
        return None
    norm = _normalise(name)
    # Substring match on the normalised name, so 'DateOfBirth', 'Post Code' and 'full_name' count.
    return next((p for p in IDENTIFIER_PATTERNS if p in norm or p in norm.replace("_", "")), None)


def _decode(path: str, data: bytes) -> str:
    try:
        # A UTF-8 byte-order mark is allowed and dropped.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line_start = data.rfind(b"\n", 0, err.start) + 1
        line = data.count(b"\n", 0, err.start) + 1
        field = data.count(b",", line_start, err.start)
        header = next(csv.reader([data[: data.find(b"\n")].decode("utf-8-sig", "replace")]))
        column = [header[field]] if line > 1 and field < len(header) else []
        byte = data[err.start : err.start + 1].hex()
        raise CohortValidationError(
            [_message(path, column, f"line {line}",
                      f"byte 0x{byte} is not valid UTF-8 (files must be UTF-8 encoded; this looks "
                      "like Latin-1 or Windows-1252: re-save the file as UTF-8)")]
        ) from None


def _check_header(path: str, spec: RawFile, header: list[str]) -> None:
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        sep = "semicolons" if ";" in header[0] else "tabs"
        raise CohortValidationError(
            [f"{path}: line 1: the header is one column {header[0][:60]!r}... separated by {sep} "
             "(files must be comma-separated CSV)"]
        )
    problems = []
    positions: dict[str, list[int]] = {}
    for i, name in enumerate(header, start=1):
        positions.setdefault(name, []).append(i)
    for name, at in positions.items():
        if len(at) > 1:
            problems.append(_message(path, [name], "line 1",
                                     f"the header names this column {len(at)} times (positions "
                                     f"{', '.join(map(str, at))}); column names must be unique"))
    for name in positions:
        pattern = identifier_pattern(name)
        if pattern:
            problems.append(_message(
                path, [name], "line 1",
                f"looks like a direct identifier (matches '{pattern}'); direct identifiers must be "
                "removed before data enter the build (see data/raw/CODEBOOK.md)"))
    if problems:
        raise CohortValidationError(problems)
    unknown = [n for n in positions if n not in spec.column_names]
    missing = [n for n in spec.column_names if n not in positions]
    hint = f"; unknown column(s) {', '.join(map(repr, unknown))}: renamed?" if unknown else ""
    problems = [
        _message(path, [n], "line 1", f"required column is missing from the header (the codebook "
                 f"requires every column of {spec.name}{hint})") for n in missing
    ] + [
        _message(path, [n], "line 1", f"unknown column (not in the codebook for {spec.name}; "
                 "add it to analysis/codebook.py or remove it)") for n in unknown
    ]
    if problems:
        raise CohortValidationError(problems)


def _read_table(path: Path, display: str, spec: RawFile) -> _Table:
    """Read one CSV as text cells, refusing file-level problems before any cell is judged."""
    if not path.is_file():
        raise CohortValidationError(
            [f"{display}: file is missing (expected {spec.grain}; see data/raw/CODEBOOK.md)"]
        )
    data = path.read_bytes()
    if not data.strip():
        raise CohortValidationError(
            [f"{display}: file is empty ({len(data)} bytes); expected a header line and data rows"]
        )
    text = _decode(display, data)
    header = next(csv.reader(io.StringIO(text, newline="")))
    _check_header(display, spec, header)
    data = data.removeprefix(codecs.BOM_UTF8)
    parsed = _parse_arrow(data, spec)
    if parsed is not None:
        # Arrow refuses a row whose field count differs from the header's, so none is ragged.
        if parsed.empty:
            raise CohortValidationError(
                [f"{display}: the file has a header but no data rows (header-only file)"]
            )
        return _Table(display, spec, data, parsed)
    table = _Table(display, spec, data, None)
    # Pandas would pad a short row with empty cells silently, so count each record's fields.
    fields, lines = table.records
    ragged = np.flatnonzero((fields != 0) & (fields != len(header)))
    if len(ragged):
        row = ragged[0]
        first = next(csv.reader([text.splitlines()[lines[row] - 1]]), [""])[0]
        raise CohortValidationError([
            f"{display}: line {lines[row]} (id {first or '(empty)'}): has {fields[row]} "
            f"field(s), expected "
            f"{len(header)} (truncated or ragged row: every line needs one value per header "
            "column)"
        ])
    if not (fields > 0).any():
        raise CohortValidationError(
            [f"{display}: the file has a header but no data rows (header-only file)"]
        )
    return table


def _parse_arrow(data: bytes, spec: RawFile) -> pd.DataFrame | None:
    """The cells parsed by pyarrow (float or string), or None where pandas must decide.

    Arrow refuses ragged rows, quoted line breaks and text in number columns (the slower
    paths handle those). It accepts everything the C parser accepts in a number column, plus
    'nan' and overflowing numbers such as '1e400' (checked on a list of edge cases), so a file
    with any non-finite number goes to the C parser, which refuses 'nan' and accepts 'inf'.
    """
    numeric = [c.name for c in spec.columns if _numeric(c)]
    types = {c.name: arrow.float64() if c.name in numeric else arrow.string()
             for c in spec.columns}
    options = arrow_csv.ConvertOptions(column_types=types, null_values=[""],
                                       strings_can_be_null=True)
    try:
        parsed = arrow_csv.read_csv(io.BytesIO(data), convert_options=options)
    except arrow.ArrowInvalid:
        return None
    parsed = parsed.select(spec.column_names)
    for name in numeric:
        if arrow_compute.any(arrow_compute.invert(arrow_compute.is_finite(parsed[name]))).as_py():
            return None
    # self_destruct frees each Arrow column once converted (peak memory ~ one copy).
    return parsed.to_pandas(types_mapper={arrow.string(): CHECKED_STRING}.get,
                            split_blocks=True, self_destruct=True)


# --- stage 3: columns --------------------------------------------------------------------------


def _numeric(col: Column) -> bool:
    return DTYPES[col.kind] != "string"


def _parse(table: _Table) -> pd.DataFrame:
    """Cells to float (numeric kinds) or string; only an empty cell is missing."""
    if table.parsed is not None:
        parsed, table.parsed = table.parsed, None  # let the typed frame be the only copy
        return parsed
    dtypes = {c.name: "float64" if _numeric(c) else CHECKED_STRING for c in table.spec.columns}
    try:
        # pandas' C parser refuses 'NA', 'nan' and other text in a float column.
        frame = pd.read_csv(io.BytesIO(table.data), dtype=dtypes, keep_default_na=False,
                            na_values=[""])
        return frame[table.spec.column_names]
    except ValueError:
        pass
    problems = []
    for col in filter(_numeric, table.spec.columns):
        cells = table.text[col.name]
        numbers = pd.to_numeric(cells.mask(cells == ""), errors="coerce")
        kind = "a whole number" if col.kind in ("binary", "integer") else "a number"
        bad = (cells != "") & numbers.isna()
        problems += table.report(bad, [col.name], lambda r, c=col, k=kind: (
            f"value {table.value(c.name, r)} is not a number ({c.name} must be {k}{_unit(c)})"))
    # Assumption: whatever the C parser refuses, to_numeric refuses too; if not, say so plainly.
    raise CohortValidationError(problems or [f"{table.path}: cannot parse the file as CSV"])


def _convert(table: _Table) -> pd.DataFrame:
    """Parsed cells to codebook types, refusing fractions where whole numbers belong."""
    frame = _parse(table)
    problems = []
    columns = {}
    for col in table.spec.columns:
        values = frame[col.name].array
        if col.kind in ("binary", "integer"):
            numbers = values.to_numpy()
            missing = np.isnan(numbers)
            # Non-finite values fail `% 1 == 0` too, so 'inf' is refused here.
            with np.errstate(invalid="ignore"):
                not_whole = ~missing & (np.mod(numbers, 1) != 0)
            problems += table.report(not_whole, [col.name], lambda r, c=col: (
                f"value {table.value(c.name, r)} is not a whole number ({c.name} counts whole "
                f"{c.unit or 'units'})"))
            # Beyond int64, pandas' own cast decides (it refuses), as before this shortcut.
            fits = (np.abs(numbers[~missing]) < 2.0**63).all()
            values = (pd.arrays.IntegerArray(np.where(missing, 0, numbers).astype(np.int64),
                                             missing) if fits else values.astype("Int64"))
        columns[col.name] = values  # strings stay CHECKED_STRING, numbers float64
    if problems:
        raise CohortValidationError(problems)
    return pd.DataFrame(columns, index=frame.index, copy=False)


def _unit(col: Column) -> str:
    return f", in {col.unit}" if col.unit else ""


def _checks(col: Column, wave_ids: list[str]) -> list[pa.Check]:
    if col.kind == "id":
        return [pa.Check(_is_participant_id, error=f"str_matches('{ID_PATTERN}')")]
    if col.kind == "wave":
        return [pa.Check.isin(wave_ids)]
    if col.kind == "category":
        return [pa.Check.isin(list(col.categories))]
    if col.kind == "binary":
        return [pa.Check.isin([0, 1])]
    if col.minimum is not None and col.maximum is not None:
        return [pa.Check.in_range(col.minimum, col.maximum)]
    if col.minimum is not None:
        return [pa.Check.ge(col.minimum)]
    if col.maximum is not None:
        return [pa.Check.le(col.maximum)]
    return []


def _is_participant_id(ids: pd.Series) -> pd.Series:
    """Whether each cell matches ID_PATTERN (Python's re semantics) at Arrow's speed."""
    cells = arrow.array(ids.array, type=arrow.string())
    ok = arrow_compute.fill_null(arrow_compute.match_substring_regex(cells, ASCII_ID_PATTERN),
                                 False).to_numpy(zero_copy_only=False)
    for row in np.flatnonzero(~ok & ids.notna().to_numpy()):
        ok[row] = re.match(ID_PATTERN, ids.iat[row]) is not None
    return pd.Series(ok, index=ids.index)


def build_schema(spec: RawFile, wave_ids: list[str]) -> pa.DataFrameSchema:
    """The pandera schema of one raw file, built from its codebook columns and the config waves."""
    return pa.DataFrameSchema(
        {
            c.name: pa.Column(CHECKED_STRING if DTYPES[c.kind] == "string" else DTYPES[c.kind],
                              checks=_checks(c, wave_ids), nullable=c.nullable)
            for c in spec.columns
        },
        unique=list(spec.key),
        strict=True,
        name=spec.name,
    )


def _explain(col: Column, check: str, value: str, wave_ids: list[str]) -> str:
    """A pandera failure on one cell, in words."""
    if check == "not_nullable":
        return f"value is missing ({col.name} may not be empty)"
    if col.kind == "id":
        return f"value {value} is not a valid participant id (ids are 'P' followed by digits)"
    if col.kind == "wave":
        return (f"value {value} is not a configured wave (configured: {', '.join(wave_ids)}; "
                "add the wave to config 'waves' or correct the value)")
    if col.kind == "category":
        return f"value {value} is not an allowed value (allowed: {', '.join(col.categories)})"
    if col.kind == "binary":
        return f"value {value} is not 0 or 1 ({col.name} is binary: 0 = no, 1 = yes)"
    number = float(value)
    side = (f"below the minimum {_fmt(col.minimum)}" if col.minimum is not None
            and number < col.minimum else f"above the maximum {_fmt(col.maximum)}")
    lo = _fmt(col.minimum) if col.minimum is not None else "-inf"
    hi = _fmt(col.maximum) if col.maximum is not None else "inf"
    return f"value {value} is {side} ({col.name} must lie in {lo}..{hi}{_unit(col)})"


def _check_schema(table: _Table, wave_ids: list[str]) -> None:
    """Validate against the pandera schema; translate its failure cases into located messages."""
    try:
        build_schema(table.spec, wave_ids).validate(table.typed, lazy=True)
        return
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    # Every case is about a cell or a row: types were set by `_convert`, so no frame-level cases.
    cases = cases[cases["index"].notna()]
    problems = []
    unique = cases["check"].str.contains("uniqueness")
    for (name, check), group in cases[~unique].groupby(["column", "check"], sort=False):
        col = next(c for c in table.spec.columns if c.name == name)
        mask = np.isin(np.arange(len(table.text)), group["index"].astype(int))
        problems += table.report(mask, [name], lambda r, c=col, k=check: _explain(
            c, k, table.value(c.name, r), wave_ids))
    if unique.any():
        key = list(table.spec.key)
        dup = table.typed.duplicated(key, keep=False)
        first = dup & ~table.typed.duplicated(key, keep="first")
        dups = table.typed[dup]
        lines = pd.Series(table.lines[dup.to_numpy()], index=dups.index).groupby(
            [dups[k] for k in key]).agg(list)

        def describe(r: int) -> str:
            where = tuple(table.typed.loc[r, key])
            on = ", ".join(map(str, lines.loc[where if len(key) > 1 else where[0]]))
            return (f"the same {' and '.join(key)} appears on lines {on} (the key "
                    f"({', '.join(key)}) must be unique: {table.spec.grain})")

        problems += table.report(first, key, describe)
    raise CohortValidationError(problems)


# --- stage 4: rules across columns, files and the config ---------------------------------------


@dataclass(frozen=True)
class RowRule:
    """A rule on each row of one file: `broken(frame)` is True where the row breaks it."""

    file: RawFile
    columns: tuple[str, ...]
    broken: Callable[[pd.DataFrame], pd.Series]
    rule: str


def _both(f: pd.DataFrame, a: str, b: str) -> pd.Series:
    return f[a].notna() & f[b].notna()


def _at_least(file: RawFile, big: str, small: str) -> RowRule:
    return RowRule(file, (big, small), lambda f: (f[big] < f[small]).fillna(False),
                   f"{big} must be at least {small}")


def _zero_together(file: RawFile, a: str, b: str) -> RowRule:
    return RowRule(file, (a, b), lambda f: _both(f, a, b) & ((f[a] == 0) != (f[b] == 0)),
                   f"{a} must be 0 exactly when {b} is 0")


def row_rules(waves: Waves) -> list[RowRule]:
    """Every within-row rule: the cross-column rules the codebook states, and the wave rules."""
    baseline = waves.baseline.id
    # Assumption: a cross-column rule is judged only where all its cells are present.
    rules = [
        _zero_together(INTERVIEWS, "crime_types_30", "crime_days_30"),
        RowRule(INTERVIEWS, ("crime_days_30", "days_at_liberty_30"),
                lambda f: (f["crime_days_30"] > f["days_at_liberty_30"]).fillna(False),
                "crime_days_30 cannot exceed days_at_liberty_30: crime days are days at liberty"),
        _at_least(INTERVIEWS, "illicit_drug_days_30", "heroin_days_30"),
        _at_least(INTERVIEWS, "illicit_drug_days_30", "crack_days_30"),
        _at_least(INTERVIEWS, "any_drug_days_30", "illicit_drug_days_30"),
        RowRule(INTERVIEWS, ("homeless_setting", "homeless_30"),
                lambda f: f["homeless_setting"].notna() != (f["homeless_30"] == 1).fillna(False),
                "homeless_setting must be given exactly when homeless_30 is 1"),
        _zero_together(PARTICIPANTS, "suicide_attempts_lifetime", "suicide_attempted_lifetime"),
        RowRule(TREATMENT, ("opioid_substitution", "in_treatment"),
                lambda f: f["opioid_substitution"].notna() & (f["in_treatment"] == 0),
                "opioid_substitution must be empty when in_treatment is 0"),
        RowRule(TREATMENT, ("wave",), lambda f: f["wave"] == baseline,
                f"treatment records are for follow-up waves only, not the baseline {baseline}"),
    ]
    rules += [
        RowRule(spec, (c.name,), lambda f, c=c: (f["wave"] == baseline) & f[c.name].notna(),
                f"{c.name} is a follow-up-only item and must be empty at the baseline wave "
                f"{baseline}")
        for spec in RAW_FILES for c in spec.columns if c.follow_up_only
    ]
    return rules


def _check_rows(table: _Table, rules: list[RowRule]) -> None:
    problems = []
    for rule in rules:
        if rule.file is table.spec:
            problems += table.report(rule.broken(table.typed), rule.columns, lambda r, u=rule: (
                ", ".join(f"{c} = {table.value(c, r)}" for c in u.columns) + f" ({u.rule})"))
    if problems:
        raise CohortValidationError(problems)


def _isin(values: pd.Series, allowed: pd.Series) -> np.ndarray:
    """values.isin(allowed) for string columns, in Arrow (pandas converts `allowed` to a list)."""
    value_set = arrow.chunked_array(arrow.array(allowed.array, type=arrow.string()))
    found = arrow_compute.is_in(arrow.array(values.array, type=arrow.string()),
                                value_set=value_set.combine_chunks())
    return arrow_compute.fill_null(found, False).to_numpy(zero_copy_only=False)


def _check_links(tables: dict[str, _Table], waves: Waves) -> None:
    """Ids known in participants; every participant interviewed at baseline; no empty wave."""
    people = tables[PARTICIPANTS.name]
    interviews = tables[INTERVIEWS.name]
    problems = []
    for table in (interviews, tables[TREATMENT.name]):
        unknown = ~_isin(table.typed["id"], people.typed["id"])
        problems += table.report(unknown, ["id"], lambda r, t=table: (
            f"participant {t.value('id', r)} is not in {people.path} (every id must be a known "
            "participant)"))
    baseline = waves.baseline.id
    seen = interviews.typed.loc[interviews.typed["wave"] == baseline, "id"]
    problems += people.report(~_isin(people.typed["id"], seen), ["id"], lambda r: (
        f"participant has no interview at the baseline wave {baseline} in {interviews.path} "
        "(every participant needs a baseline interview)"))
    present = set(interviews.typed["wave"].unique())
    problems += [
        _message(interviews.path, ["wave"], None, (
            f"configured wave '{w}' has no interviews (every wave in config 'waves' needs at least "
            "one interview: add interviews for it or remove the config entry)"))
        for w in waves.ids if w not in present
    ]
    if problems:
        raise CohortValidationError(problems)


def load_raw(raw_dir: str | Path, config: dict[str, Any]) -> RawData:
    """Read and validate the three raw files in `raw_dir`; raise CohortValidationError if bad."""
    waves = check_waves(config)
    rules = row_rules(waves)
    tables = {}
    for spec in RAW_FILES:
        path = Path(raw_dir) / spec.name
        table = _read_table(path, str(path), spec)
        table.typed = _convert(table)
        _check_schema(table, waves.ids)
        _check_rows(table, rules)
        tables[spec.name] = table
    _check_links(tables, waves)
    return RawData(*(_python_strings(tables[spec.name].typed) for spec in RAW_FILES))


def _python_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """String columns in pandas' default (Python) storage, the codebook dtype 'string'.

    Arrow converts them making one Python object per distinct string, not one per cell (at a
    million participants that saves gigabytes: ids repeat per wave, categories everywhere).
    """
    def python(values: pd.api.extensions.ExtensionArray) -> pd.api.extensions.ExtensionArray:
        if values.dtype != "string":
            return values
        cells = arrow.chunked_array(arrow.array(values, type=arrow.string())).to_pandas()
        return pd.arrays.StringArray(cells.to_numpy())  # None -> pd.NA

    return pd.DataFrame({name: python(frame[name].array) for name in frame.columns},
                        index=frame.index, copy=False)
