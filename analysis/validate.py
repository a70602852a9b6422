"""Loading the three raw cohort files and refusing anything that breaks the codebook.

`load_raw` reads `participants.csv`, `interviews.csv` and `treatment.csv`, checks them in four
stages and returns them typed as the codebook says. Each stage stops the build with a
`CohortValidationError` whose message names the file, column, CSV line (header = line 1), the
participant and wave, the offending value and the rule in words; a value that may identify a
person (any cell of the id column, an e-mail address, a long digit run) is never quoted:

1. the configured waves (unique ids, strictly increasing months, baseline at month 0) and the
   declared origin (`read_origin`);
2. each file as text: present, non-empty, UTF-8 (not UTF-16, compressed or a workbook),
   comma-separated, fields within the csv module's limit, a unique header with exactly the
   codebook's columns and no direct identifiers, one value per column on every line;
3. each column against a pandera schema built from `analysis.codebook` (type, range, sentinel
   codes, allowed values, canonical ids, missing allowed, unique key, configured waves) after
   our own parsing, which rejects text, fractions and numbers beyond int64 where whole numbers
   belong, and one spelling per participant;
4. the codebook's rules across columns, the links across files and the config (every
   configured wave has interviews, every participant a baseline interview), then each
   person's since-intake items across waves.

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
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as arrow
import pyarrow.compute as arrow_compute
import pyarrow.csv as arrow_csv
import yaml

from analysis.codebook import (
    DAYS_PER,
    ID_MAX_DIGITS,
    ID_PATTERN,
    IDENTIFIER_PATTERNS,
    INTERVIEWS,
    ORIGIN_FILE,
    ORIGINS,
    PARTICIPANTS,
    RAW_FILES,
    ROW_RULES,
    TREATMENT,
    Column,
    Origin,
    RawFile,
    Rule,
    days_elapsed,
)
from analysis.config import Waves
from analysis.memory import release_memory

# A cell that may be a personal identifier (an e-mail address, a long digit run such as a date
# or an NHS number) is never quoted in a message, whatever its column: messages reach logs.
IDENTIFYING_CELL = re.compile(rf"@|(?<![.0-9])[0-9]{{{ID_MAX_DIGITS + 1},}}")
# The longest cell quoted in a message; longer ones are cut (a message stays one line).
SHOWN_CHARACTERS = 40
# How many rows are listed per broken rule, and how many lines one error message holds; the
# count of the rest is given, so a message stays a short block however bad the file.
ROWS_PER_RULE = 3
MAX_REPORTED = 8
DTYPES = {
    "id": "string",
    "wave": "string",
    "category": "string",
    "binary": "Int8",
    "integer": "Int64",  # the widest; each column gets the narrowest its range allows
    "number": "float64",
}
# Nullable integers from the narrowest up, with their largest value. A million participants'
# files in Int64 take about 1 GB more than in the narrowest type their ranges allow.
INTEGER_DTYPES = (("Int8", 2**7 - 1), ("Int16", 2**15 - 1), ("Int32", 2**31 - 1))
# Strings are checked and returned in Arrow's storage (vectorised regex, isin, duplicates): the
# codebook dtype 'string'.
CHECKED_STRING = pd.StringDtype("pyarrow")


def raw_dtype(column: Column) -> str:
    """The validated dtype of a codebook column: integers in the narrowest nullable integer
    type that holds the column's whole range (no maximum: Int64), others as DTYPES says."""
    if column.kind != "integer":
        return DTYPES[column.kind]
    bound = max(
        abs(column.minimum or 0), column.maximum if column.maximum is not None else 2**63 - 1
    )
    return next((name for name, top in INTEGER_DTYPES if bound <= top), "Int64")


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
    # Each interview's and treatment record's participant as validation found it (file name ->
    # `people_rows`); missing ones are found when asked for.
    people: dict[str, np.ndarray] = field(default_factory=dict, compare=False, repr=False)

    def frame(self, spec: RawFile) -> pd.DataFrame:
        """The validated frame of one raw file."""
        return getattr(self, spec.name.removesuffix(".csv"))

    def people_rows(self, spec: RawFile) -> np.ndarray:
        """Each row's participant in `spec`'s file: the row of its id in `participants`, -1
        where the id is not there."""
        if spec.name not in self.people:
            self.people[spec.name] = positions_in(
                self.frame(spec)["id"], arrow_strings(self.participants["id"])
            )
        return self.people[spec.name]


class _Table:
    """One raw file while it is being checked: path, spec, parsed cells; bytes when needed."""

    def __init__(self, path: str, spec: RawFile, parsed: pd.DataFrame | None):
        self.path = path
        self.spec = spec
        self.parsed = parsed  # pyarrow's parse (see `_parse_arrow`), None if it could not decide
        self.typed: pd.DataFrame | None = None
        # Each row's participant, as the position of its id in participants.csv (-1: not
        # there); set for the files keyed by id and wave (`positions_in`).
        self.person: np.ndarray | None = None

    @cached_property
    def data(self) -> bytes:
        """The file's bytes (valid UTF-8, without a byte-order mark), read again only when a
        message or the slower parsers need them: at scale they are hundreds of MB."""
        return Path(self.path).read_bytes().removeprefix(codecs.BOM_UTF8)

    @cached_property
    def records(self) -> tuple[np.ndarray, np.ndarray]:
        """Fields and first CSV line (header = line 1) of every record after the header.

        A pass of Python's csv module: made only for a file pyarrow refused, or when a message
        needs a line number. Blank lines (0 fields) are skipped by the parsers, as here.
        """
        reader = csv.reader(io.StringIO(self.data.decode("utf-8"), newline=""))
        fields, lines = [], []
        try:
            next(reader)
            start = reader.line_num + 1
            for record in reader:
                fields.append(len(record))
                lines.append(start)
                start = reader.line_num + 1
        except csv.Error as err:
            raise CohortValidationError([_csv_error(self.path, reader.line_num, err)]) from None
        return np.asarray(fields, dtype=np.int64), np.asarray(lines, dtype=np.int64)

    @cached_property
    def lines(self) -> np.ndarray:
        """CSV line number of each data row (header = line 1)."""
        fields, lines = self.records
        return lines[fields > 0]

    @cached_property
    def text(self) -> pd.DataFrame:
        """Every cell exactly as written (str); read only when a message needs to quote one."""
        cells = pd.read_csv(
            io.BytesIO(self.data), dtype=str, keep_default_na=False, na_filter=False
        )
        return cells[self.spec.column_names]

    def where(self, row: int, hide_id: bool = False) -> str:
        """The row's key (id, wave); the id only when canonical and not the cell at fault, and
        no cell that may identify a person."""
        shown = []
        for k in self.spec.key:
            cell = self.text.at[row, k]
            if (k == "id" and (hide_id or not _canonical_id(cell))) or IDENTIFYING_CELL.search(
                cell
            ):
                continue
            shown.append(f"{k} {_cut(cell)}")
        return f" ({', '.join(shown)})" if shown else ""

    def at(self, columns: list[str] | tuple[str, ...], row: int | None, what: str) -> str:
        """Format one problem: file, column(s), line (id, wave): what went wrong (rule)."""
        where = None if row is None else f"line {self.lines[row]}{self.where(row, 'id' in columns)}"
        return _message(self.path, columns, where, what)

    def value(self, column: str, row: int) -> str:
        return _show(self.text.at[row, column])

    def report(
        self,
        mask: pd.Series | np.ndarray,
        columns: list[str] | tuple[str, ...],
        describe: Callable[[int], str],
    ) -> list[str]:
        """Problems for the first rows where `mask` holds, and a count of the rest."""
        rows = np.flatnonzero(np.asarray(mask, dtype=bool))
        found = [self.at(columns, int(r), describe(int(r))) for r in rows[:ROWS_PER_RULE]]
        if len(rows) > ROWS_PER_RULE:
            found.append(
                _message(
                    self.path,
                    columns,
                    None,
                    f"{len(rows) - ROWS_PER_RULE} more rows break the same rule",
                )
            )
        return found


def _message(path: str, columns: list[str] | tuple[str, ...], line: str | None, what: str) -> str:
    names = ", ".join(
        "(a name withheld: it may identify a person)"
        if IDENTIFYING_CELL.search(c)
        else repr(_cut(c))
        for c in columns
    )
    parts = [f"column {names}" if len(columns) == 1 else f"columns {names}"] if columns else []
    if line:
        parts.append(line)
    return f"{path}: {', '.join(parts)}: {what}" if parts else f"{path}: {what}"


def _cut(text: str) -> str:
    return text if len(text) <= SHOWN_CHARACTERS else text[:SHOWN_CHARACTERS] + "..."


def _show(cell: Any) -> str:
    """A cell as it appears in the file: numbers bare, text quoted, empty named, long text cut;
    a cell that may identify a person is withheld."""
    text = str(cell)
    if text.strip() == "":
        return "(empty)"
    if IDENTIFYING_CELL.search(text):
        return "(value withheld: it may identify a person)"
    try:
        float(text)
        return _cut(text.strip())
    except ValueError:
        return repr(_cut(text))


def _canonical_id(cell: Any) -> bool:
    return isinstance(cell, str) and re.fullmatch(ID_PATTERN, cell) is not None


def _csv_error(path: str, line: int, err: csv.Error) -> str:
    """A csv module refusal, located; its one likely cause is a field over the size limit."""
    if "field larger than field limit" in str(err):
        return (
            f"{path}: line {line}: a field is longer than {csv.field_size_limit()} characters "
            "(no codebook value is that long: is a quote left open, or is this not the "
            "cohort file?)"
        )
    return f"{path}: line {line}: cannot be read as CSV ({err})"


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
            [
                f"config 'waves': cannot read the wave list ({err!r}); each entry needs id, months "
                "and label"
            ]
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


# A file with nothing but an optional UTF-8 byte-order mark and white space (matched in place:
# no copy of a large file).
BLANK = re.compile(rb"(?:\xef\xbb\xbf)?\s*")
# Leading bytes of files that are not text at all, or text in another encoding, and what to do.
SIGNATURES = (
    (codecs.BOM_UTF32_LE, "UTF-32 encoded text", "re-save the file as UTF-8 CSV"),
    (codecs.BOM_UTF32_BE, "UTF-32 encoded text", "re-save the file as UTF-8 CSV"),
    (codecs.BOM_UTF16_LE, "UTF-16 encoded text", "re-save the file as UTF-8 CSV"),
    (codecs.BOM_UTF16_BE, "UTF-16 encoded text", "re-save the file as UTF-8 CSV"),
    (b"\x1f\x8b", "a gzip-compressed file", "decompress it (gunzip) and give the CSV inside"),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "an old-format Office file (.xls)",
        "export the sheet as 'CSV UTF-8' instead",
    ),
)


def _not_text(path: str, data: bytes) -> None:
    """Refuse a file that is compressed, a workbook, or text in another encoding than UTF-8."""
    found = next(((what, fix) for magic, what, fix in SIGNATURES if data.startswith(magic)), None)
    if found is None and data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            names = []
        found = (
            ("an Excel workbook (.xlsx)", "export the sheet as 'CSV UTF-8' instead")
            if any(n.startswith("xl/") for n in names)
            else ("a zip archive", "unzip it and give the CSV inside")
        )
    if found is None and b"\x00" in data[:65536]:
        found = (
            "not plain text (it holds NUL bytes: UTF-16 without a byte-order mark, or a "
            "binary file)",
            "re-save the file as UTF-8 CSV",
        )
    if found:
        what, fix = found
        raise CohortValidationError([f"{path}: the file is {what}, not a UTF-8 CSV file ({fix})"])


def _check_utf8(path: str, data: bytes) -> None:
    """Refuse bytes that are not UTF-8, naming the line and column of the first bad byte.
    ASCII (the usual cohort file) is UTF-8: checked without decoding hundreds of MB."""
    if data.isascii():
        return
    try:
        # A UTF-8 byte-order mark is allowed.
        data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line_start = data.rfind(b"\n", 0, err.start) + 1
        line = data.count(b"\n", 0, err.start) + 1
        field = data.count(b",", line_start, err.start)
        try:
            header = next(csv.reader([data[: data.find(b"\n")].decode("utf-8-sig", "replace")]))
        except csv.Error:
            header = []
        column = [header[field]] if line > 1 and field < len(header) else []
        byte = data[err.start : err.start + 1].hex()
        raise CohortValidationError(
            [
                _message(
                    path,
                    column,
                    f"line {line}",
                    f"byte 0x{byte} is not valid UTF-8 (files must be UTF-8 encoded; this looks "
                    "like Latin-1 or Windows-1252: re-save the file as UTF-8)",
                )
            ]
        ) from None


def _check_header(path: str, spec: RawFile, header: list[str]) -> None:
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        sep = "semicolons" if ";" in header[0] else "tabs"
        raise CohortValidationError(
            [
                f"{path}: line 1: the header is one column {header[0][:60]!r}... separated by {sep} "
                "(files must be comma-separated CSV)"
            ]
        )
    problems = []
    positions: dict[str, list[int]] = {}
    for i, name in enumerate(header, start=1):
        positions.setdefault(name, []).append(i)
    for name, at in positions.items():
        if len(at) > 1:
            problems.append(
                _message(
                    path,
                    [name],
                    "line 1",
                    f"the header names this column {len(at)} times (positions "
                    f"{', '.join(map(str, at))}); column names must be unique",
                )
            )
    for name in positions:
        pattern = identifier_pattern(name)
        if pattern:
            problems.append(
                _message(
                    path,
                    [name],
                    "line 1",
                    f"looks like a direct identifier (matches '{pattern}'); direct identifiers must be "
                    "removed before data enter the build (see data/raw/CODEBOOK.md)",
                )
            )
    if problems:
        raise CohortValidationError(problems)
    unknown = [n for n in positions if n not in spec.column_names]
    missing = [n for n in spec.column_names if n not in positions]
    hint = f"; unknown column(s) {', '.join(map(repr, unknown))}: renamed?" if unknown else ""
    problems = [
        _message(
            path,
            [n],
            "line 1",
            f"required column is missing from the header (the codebook "
            f"requires every column of {spec.name}{hint})",
        )
        for n in missing
    ] + [
        _message(
            path,
            [n],
            "line 1",
            f"unknown column (not in the codebook for {spec.name}; "
            "add it to analysis/codebook.py or remove it)",
        )
        for n in unknown
    ]
    if problems:
        raise CohortValidationError(problems)


def _read_table(path: Path, display: str, spec: RawFile) -> _Table:
    """Read one CSV as text cells, refusing file-level problems before any cell is judged."""
    if not path.is_file():
        raise CohortValidationError(
            [f"{display}: file is missing (expected {spec.grain}; see data/raw/CODEBOOK.md)"]
        )
    try:
        data = path.read_bytes()
    except OSError as err:
        raise CohortValidationError([f"{display}: cannot read the file ({err.strerror})"]) from None
    if BLANK.fullmatch(data):
        raise CohortValidationError(
            [
                f"{display}: file is empty ({len(data)} bytes"
                f"{', only a UTF-8 byte-order mark' if data.startswith(codecs.BOM_UTF8) else ''});"
                " expected a header line and data rows"
            ]
        )
    _not_text(display, data)
    _check_utf8(display, data)
    # The header record, read from a stream of the bytes (not a decoded copy of the file).
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    try:
        header = next(csv.reader(stream))
    except csv.Error as err:
        raise CohortValidationError([_csv_error(display, 1, err)]) from None
    del stream
    _check_header(display, spec, header)
    data = data.removeprefix(codecs.BOM_UTF8)
    parsed = _parse_arrow(data, spec)
    if parsed is not None:
        # Arrow refuses a row whose field count differs from the header's, so none is ragged.
        if parsed.empty:
            raise CohortValidationError(
                [f"{display}: the file has a header but no data rows (header-only file)"]
            )
        return _Table(display, spec, parsed)
    table = _Table(display, spec, None)
    table.data = data
    # Pandas would pad a short row with empty cells silently, so count each record's fields.
    fields, lines = table.records
    ragged = np.flatnonzero((fields != 0) & (fields != len(header)))
    if len(ragged):
        row = ragged[0]
        first = next(csv.reader([data.decode("utf-8").splitlines()[lines[row] - 1]]), [""])[0]
        where = f" (id {first})" if _canonical_id(first) else ""
        raise CohortValidationError(
            [
                f"{display}: line {lines[row]}{where}: has {fields[row]} "
                f"field(s), expected "
                f"{len(header)} (truncated or ragged row: every line needs one value per header "
                "column)"
            ]
        )
    if not (fields > 0).any():
        raise CohortValidationError(
            [f"{display}: the file has a header but no data rows (header-only file)"]
        )
    return table


def _parse_arrow(data: bytes, spec: RawFile) -> pd.DataFrame | None:
    """The cells parsed by pyarrow (whole numbers, float or string), or None where pandas must
    decide.

    Whole-number columns are first read as integers (at a million participants about a second
    less than as float64), each in the width of its `raw_dtype` (`_int_type`), which gives the
    same values as the float read whenever Arrow accepts every cell, with two exceptions: Arrow
    reads '0x10' as 16 (so a file holding '0x' or '0X' anywhere is read as floats), and float64
    rounds a magnitude of 2**53 or more (`_convert` judges such a column of the int64 read as
    floats, `_from_int64`). Cells the integer read refuses ('+5', '1.0', '1e3', 'nan', text, a
    number beyond the column's width, hence beyond its range) send the file to the float read.

    The float read refuses ragged rows, quoted line breaks and text in number columns (the
    slower paths handle those). It accepts everything the C parser accepts in a number
    column, plus 'nan' and overflowing numbers such as '1e400' (checked on a list of edge
    cases), so a file with any non-finite number goes to the C parser, which refuses 'nan' and
    accepts 'inf'.
    """
    whole = any(c.kind in WHOLE_KINDS for c in spec.columns)
    parsed = _read_arrow(data, spec, as_int=True) if whole and not _holds_hex_prefix(data) else None
    if parsed is None:
        parsed = _read_arrow(data, spec, as_int=False)
        if parsed is None:
            return None
    for name in parsed.column_names:
        column = parsed[name]
        if (
            column.type == arrow.float64()
            and arrow_compute.any(arrow_compute.invert(arrow_compute.is_finite(column))).as_py()
        ):
            return None
    # self_destruct frees each Arrow column once converted (peak memory ~ one copy).
    # Narrow whole numbers become pandas' nullable integers, int64 ones stay in Arrow (no copy)
    # for `_convert`, which narrows them.
    return parsed.to_pandas(
        types_mapper={
            TEXT: CHECKED_STRING,
            **{arrow.from_numpy_dtype(t.numpy_dtype): t for t in NARROW_INTEGERS},
            arrow.int64(): pd.ArrowDtype(arrow.int64()),
        }.get,
        split_blocks=True,
        self_destruct=True,
    )


# Text is read as large_string, the storage of pandas' Arrow strings (CHECKED_STRING): read as
# string it is cast on conversion, which at a million participants cost 1-2 s.
TEXT = arrow.large_string()
WHOLE_KINDS = ("binary", "integer")
NARROW_INTEGERS = tuple(pd.api.types.pandas_dtype(name) for name, _ in INTEGER_DTYPES)


def _int_type(col: Column) -> arrow.DataType:
    """Arrow's integer type of a whole-number column: the width of its `raw_dtype`."""
    return arrow.from_numpy_dtype(pd.api.types.pandas_dtype(raw_dtype(col)).numpy_dtype)


def _read_arrow(data: bytes, spec: RawFile, as_int: bool) -> arrow.Table | None:
    """The file read by Arrow, whole-number columns as integers (`_int_type`) or float64, other
    numbers as float64, text as TEXT; only an empty cell is missing. None if Arrow refuses a
    cell or a row."""
    types = {
        c.name: (_int_type(c) if as_int and c.kind in WHOLE_KINDS else arrow.float64())
        if _numeric(c)
        else TEXT
        for c in spec.columns
    }
    options = arrow_csv.ConvertOptions(
        column_types=types, null_values=[""], strings_can_be_null=True
    )
    try:
        return arrow_csv.read_csv(io.BytesIO(data), convert_options=options).select(
            spec.column_names
        )
    except arrow.ArrowInvalid:
        return None


def _holds_hex_prefix(data: bytes, chunk: int = 1 << 22) -> bool:
    """Whether '0x' or '0X' occurs in the bytes. Most cohort files hold no 'x' at all (found
    by memchr); otherwise each 'x' or 'X' is looked up in numpy, a chunk of bytes at a time
    (bytes.find of '0x' crawls over the many '0's)."""
    if b"x" not in data and b"X" not in data:
        return False
    cells = np.frombuffer(data, dtype=np.uint8)
    for start in range(0, len(cells), chunk):
        part = cells[start : start + chunk + 1]
        x = np.flatnonzero((part[1:] | 0x20) == ord("x"))  # 'X' | 0x20 is 'x'
        if (part[x] == ord("0")).any():
            return True
    return False


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
        frame = pd.read_csv(
            io.BytesIO(table.data), dtype=dtypes, keep_default_na=False, na_values=[""]
        )
        return frame[table.spec.column_names]
    except ValueError:
        pass
    problems = []
    for col in filter(_numeric, table.spec.columns):
        cells = table.text[col.name]
        numbers = pd.to_numeric(cells.mask(cells == ""), errors="coerce")
        kind = "a whole number" if col.kind in ("binary", "integer") else "a number"
        bad = (cells != "") & numbers.isna()
        problems += table.report(
            bad,
            [col.name],
            lambda r, c=col, k=kind: (
                f"value {table.value(c.name, r)} is not a number ({c.name} must be {k}{_unit(c)})"
            ),
        )
    # Assumption: whatever the C parser refuses, to_numeric refuses too; if not, say so plainly.
    raise CohortValidationError(problems or [f"{table.path}: cannot parse the file as CSV"])


def _convert(table: _Table) -> pd.DataFrame:
    """Parsed cells to codebook types (`raw_dtype`), refusing fractions where whole numbers
    belong. A whole number beyond its column's type is kept in Int64 for the range check to
    refuse (the type holds the column's whole range)."""
    frame = _parse(table)
    index = frame.index
    problems = []
    columns = {}
    for col in table.spec.columns:
        values = frame.pop(col.name).array  # each parsed column freed once converted
        if isinstance(values.dtype, pd.ArrowDtype):  # the int64 read (`_parse_arrow`)
            values = _from_int64(col, values)
        if col.kind in WHOLE_KINDS and not isinstance(values, pd.arrays.IntegerArray):
            numbers = np.asarray(values, dtype=np.float64)
            missing = np.isnan(numbers)
            # A number is whole when truncating leaves it as it is (cheaper than `% 1 == 0`);
            # infinities are not whole numbers, so 'inf' is refused here.
            with np.errstate(invalid="ignore"):
                not_whole = ~missing & (np.isinf(numbers) | (np.trunc(numbers) != numbers))
            problems += table.report(
                not_whole,
                [col.name],
                lambda r, c=col: (
                    f"value {table.value(c.name, r)} is not a whole number ({c.name} counts whole "
                    f"{c.unit or 'units'})"
                ),
            )
            with np.errstate(invalid="ignore"):
                beyond = ~missing & ~not_whole & (np.abs(numbers) >= 2.0**63)
            problems += table.report(
                beyond,
                [col.name],
                lambda r, c=col: (
                    f"value {table.value(c.name, r)} is beyond the 64-bit whole numbers "
                    f"({c.name} must lie in {_range(c)})"
                ),
            )
            whole = np.where(missing | not_whole | beyond, 0, numbers)
            values = pd.arrays.IntegerArray(whole.astype(_whole_dtype(col, whole)), missing)
        columns[col.name] = values  # strings stay CHECKED_STRING, numbers float64
    if problems:
        raise CohortValidationError(problems)
    return pd.DataFrame(columns, index=index, copy=False)


def _from_int64(col: Column, values: pd.arrays.ArrowExtensionArray) -> Any:
    """Arrow's int64 read of a whole-number column in its `_whole_dtype`; as float64 (NaN:
    missing) when a magnitude reaches 2**53, for the float checks to judge as they judge the
    float read (float64 rounds such numbers; converting the int64 rounds them the same way)."""
    cells = arrow.array(values)
    missing = cells.is_null().to_numpy(zero_copy_only=False)
    whole = arrow_compute.fill_null(cells, 0).to_numpy()
    if whole.size and (whole.min() <= -(2**53) or whole.max() >= 2**53):
        return np.where(missing, np.nan, whole.astype(np.float64))
    return pd.arrays.IntegerArray(whole.astype(_whole_dtype(col, whole)), missing)


def _whole_dtype(col: Column, whole: np.ndarray) -> np.dtype:
    """The column's `raw_dtype`, or int64 when a value lies beyond it (for the range check)."""
    dtype = pd.api.types.pandas_dtype(raw_dtype(col)).numpy_dtype
    if whole.size and (whole.min() < np.iinfo(dtype).min or whole.max() > np.iinfo(dtype).max):
        return np.dtype(np.int64)
    return dtype


def _unit(col: Column) -> str:
    return f", in {col.unit}" if col.unit else ""


SENTINEL_CHECK = "sentinel_code"


def _checks(col: Column, wave_ids: list[str]) -> list[pa.Check]:
    if col.kind == "id":
        return [_present_cells(_is_participant_id, f"str_matches('{ID_PATTERN}')")]
    if col.kind == "wave":
        return [_present_cells(lambda cells: cells.isin(wave_ids), f"isin({wave_ids})")]
    if col.kind == "category":
        allowed = list(col.categories)
        return [_present_cells(lambda cells: cells.isin(allowed), f"isin({allowed})")]
    # Whole numbers are compared with each allowed or refused value rather than looked up by
    # pandas' isin, which hashes every cell (about a second at a million participants).
    if col.kind == "binary":
        return [_present_cells(lambda cells: _equals_any(cells, (0, 1)), "isin([0, 1])")]
    checks = (
        [_present_cells(lambda cells: ~_equals_any(cells, col.sentinels), SENTINEL_CHECK)]
        if col.sentinels
        else []
    )
    if col.minimum is None and col.maximum is None:
        return checks
    # One range check; a bound the codebook leaves open is an infinity, which every number meets.
    low = -np.inf if col.minimum is None else col.minimum
    high = np.inf if col.maximum is None else col.maximum
    in_range = _present_cells(
        lambda cells: (cells >= low) & (cells <= high), f"in_range({_range(col)})"
    )
    return [in_range, *checks]


def _present_cells(rule: Callable[[pd.Series], Any], error: str) -> pa.Check:
    """A pandera check of the present cells: `rule` judges every cell of the column, and a
    missing cell passes whatever it says (the column's nullable check judges those).

    Pandera's own way, `ignore_na`, hands each check a copy of the present cells and their
    labels, about 0.6 s per million participants' files."""

    def check(cells: pd.Series) -> pd.Series:
        verdict = rule(cells)
        verdict = verdict.array if isinstance(verdict, pd.Series) else verdict
        passed = (
            verdict.to_numpy(dtype=bool, na_value=True)
            if isinstance(verdict, pd.api.extensions.ExtensionArray)
            else np.asarray(verdict, dtype=bool)
        )
        return pd.Series(passed | cells.isna().to_numpy(), index=cells.index)

    return pa.Check(check, error=error, ignore_na=False)


def _equals_any(cells: pd.Series, values: tuple[int, ...]) -> pd.Series:
    """Whether each cell equals one of a few whole numbers (NA where the cell is missing)."""
    found = cells == values[0]
    for value in values[1:]:
        found |= cells == value
    return found


def _is_participant_id(ids: pd.Series) -> pd.Series:
    """Whether each cell matches ID_PATTERN (an ASCII pattern, so Arrow's RE2 decides alone)."""
    cells = arrow_strings(ids)
    ok = arrow_compute.match_substring_regex(cells, ID_PATTERN)
    return pd.Series(
        arrow_compute.fill_null(ok, False).to_numpy(zero_copy_only=False), index=ids.index
    )


def build_schema(spec: RawFile, wave_ids: list[str]) -> pa.DataFrameSchema:
    """The pandera schema of one raw file, built from its codebook columns and the config waves."""
    return pa.DataFrameSchema(
        {
            c.name: pa.Column(
                CHECKED_STRING if DTYPES[c.kind] == "string" else raw_dtype(c),
                checks=_checks(c, wave_ids),
                nullable=c.nullable,
            )
            for c in spec.columns
        },
        unique=list(spec.key),
        strict=True,
        name=spec.name,
    )


def _explain(col: Column, check: str, cell: str, wave_ids: list[str]) -> str:
    """A pandera failure on one cell (as written in the file), in words."""
    value = _show(cell)
    if check == "not_nullable":
        return f"value is missing ({col.name} may not be empty)"
    if col.kind == "id":
        return _bad_id(cell)
    if check == SENTINEL_CHECK:
        return (
            f"value {value} is a sentinel code, not a measurement ({col.name} refuses the "
            f"codes {', '.join(map(str, col.sentinels))}: leave a missing value empty; see "
            "the codebook conventions)"
        )
    if col.kind == "wave":
        return (
            f"value {value} is not a configured wave (configured: {', '.join(wave_ids)}; "
            "add the wave to config 'waves' or correct the value)"
        )
    if col.kind == "category":
        return f"value {value} is not an allowed value (allowed: {', '.join(col.categories)})"
    if col.kind == "binary":
        return f"value {value} is not 0 or 1 ({col.name} is binary: 0 = no, 1 = yes)"
    number = float(cell)
    side = (
        f"below the minimum {_fmt(col.minimum)}"
        if col.minimum is not None and number < col.minimum
        else f"above the maximum {_fmt(col.maximum)}"
    )
    return f"value {value} is {side} ({col.name} must lie in {_range(col)})"


def _bad_id(cell: str) -> str:
    """Why an id is not canonical, without quoting it (an id column may hold an identifier)."""
    run = max((len(m) for m in re.findall(r"[0-9]+", cell)), default=0)
    if run > ID_MAX_DIGITS:
        return (
            f"the id embeds a run of {run} digits: a possible personal identifier (a date or "
            f"an NHS number); ids are 'P' and at most {ID_MAX_DIGITS} digits, assigned by "
            "the study (value not shown)"
        )
    return (
        f"the id is not in the canonical form 'P' and 1 to {ID_MAX_DIGITS} digits "
        "(value not shown: the id column may hold an identifier)"
    )


def _range(col: Column) -> str:
    lo = _fmt(col.minimum) if col.minimum is not None else "-inf"
    hi = _fmt(col.maximum) if col.maximum is not None else "inf"
    return f"{lo}..{hi}{_unit(col)}"


def _check_schema(table: _Table, wave_ids: list[str]) -> None:
    """Validate against the pandera schema; translate its failure cases into located messages."""
    schema = build_schema(table.spec, wave_ids)
    if _key_unique(table, wave_ids):
        # Pandera's own check hashes every key (about 2 s at a million participants); it runs
        # only where the cheap one cannot tell, so it alone writes the messages.
        schema.unique = None
    try:
        # In place: no copy of the frame (the schema coerces nothing).
        schema.validate(table.typed, lazy=True, inplace=True)
        return
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    # Every case is about a cell or a row: types were set by `_convert`, so no frame-level cases,
    # and a column wider than its type (`_convert`) holds a value its range check refuses.
    cases = cases[cases["index"].notna() & ~cases["check"].astype(str).str.startswith("dtype(")]
    problems = []
    unique = cases["check"].str.contains("uniqueness")
    for (name, check), group in cases[~unique].groupby(["column", "check"], sort=False):
        col = next(c for c in table.spec.columns if c.name == name)
        mask = np.isin(np.arange(len(table.text)), group["index"].astype(int))
        problems += table.report(
            mask,
            [name],
            lambda r, c=col, k=check: _explain(c, k, table.text.at[r, c.name], wave_ids),
        )
    if unique.any():
        key = list(table.spec.key)
        dup = table.typed.duplicated(key, keep=False)
        first = dup & ~table.typed.duplicated(key, keep="first")
        dups = table.typed[dup]
        lines = (
            pd.Series(table.lines[dup.to_numpy()], index=dups.index)
            .groupby([dups[k] for k in key])
            .agg(list)
        )

        def describe(r: int) -> str:
            where = tuple(table.typed.loc[r, key])
            on = ", ".join(map(str, lines.loc[where if len(key) > 1 else where[0]]))
            return (
                f"the same {' and '.join(key)} appears on lines {on} (the key "
                f"({', '.join(key)}) must be unique: {table.spec.grain})"
            )

        problems += table.report(first, key, describe)
    raise CohortValidationError(problems)


def _key_unique(table: _Table, wave_ids: list[str]) -> bool:
    """True when the file's key is certainly unique, found without hashing its strings: ids
    alone by sorting them and comparing neighbours; (id, wave) from each row's participant
    (`_Table.person`) and wave position. False when a key repeats or this cannot tell (an id
    not in participants, a wave not configured)."""
    key = tuple(table.spec.key)
    if key == ("id",):
        ids = arrow_strings(table.typed["id"])
        ordered = ids.take(arrow_compute.sort_indices(ids))
        repeats = arrow_compute.equal(ordered[1:], ordered[:-1])
        return ids.null_count == 0 and not arrow_compute.any(repeats).as_py()
    if key != ("id", "wave") or table.person is None or (table.person < 0).any():
        return False
    wave = _wave_positions(table, wave_ids)
    if (wave < 0).any():
        return False
    return not (np.bincount(table.person.astype(np.int64) * len(wave_ids) + wave) > 1).any()


def arrow_strings(values: pd.Series) -> arrow.Array:
    """A string column (Arrow storage, CHECKED_STRING) as one Arrow string array."""
    return arrow.array(values.array, type=arrow.string())


def _wave_positions(table: _Table, wave_ids: list[str]) -> np.ndarray:
    """Each row's wave as its position among the configured waves (-1: not configured)."""
    return positions_in(table.typed["wave"], arrow.array(wave_ids, type=arrow.string()))


def positions_in(values: pd.Series, of: arrow.Array) -> np.ndarray:
    """Each string's position in `of` (int32; -1 where absent or missing), hashed in Arrow: at
    a million participants pandas' Index.get_indexer took seconds per column.

    Each interview's and treatment record's participant (ids into participants' ids) is found
    once: it serves the key check, the links, the order by person and cleaning (RawData)."""
    found = arrow_compute.index_in(arrow_strings(values), value_set=of)
    return arrow_compute.fill_null(found, -1).to_numpy(zero_copy_only=False)


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


# What breaks each kind of codebook rule (analysis.codebook.Rule), row by row; a rule is judged
# only where the cells it needs are present (an empty cell fails only given_exactly_when_1).
BROKEN: dict[str, Callable[[pd.DataFrame, str, str], pd.Series]] = {
    "at_least": lambda f, a, b: (f[a] < f[b]).fillna(False),
    "zero_together": lambda f, a, b: _both(f, a, b) & ((f[a] == 0) != (f[b] == 0)),
    "given_exactly_when_1": lambda f, a, b: f[a].notna() != (f[b] == 1).fillna(False),
    "empty_when_0": lambda f, a, b: f[a].notna() & (f[b] == 0).fillna(False),
}


def _codebook_rule(rule: Rule) -> RowRule:
    return RowRule(
        rule.file, (rule.a, rule.b), lambda f: BROKEN[rule.kind](f, rule.a, rule.b), rule.text
    )


def row_rules(waves: Waves) -> list[RowRule]:
    """Every within-row rule: the codebook's rules across columns, and the wave rules."""
    baseline = waves.baseline.id
    rules = [_codebook_rule(rule) for rule in ROW_RULES]
    rules.append(
        RowRule(
            TREATMENT,
            ("wave",),
            lambda f: f["wave"] == baseline,
            f"treatment records are for follow-up waves only, not the baseline {baseline}",
        )
    )
    rules += [
        RowRule(
            spec,
            (c.name,),
            lambda f, c=c: (f["wave"] == baseline) & f[c.name].notna(),
            f"{c.name} is a follow-up-only item and must be empty at the baseline wave {baseline}",
        )
        for spec in RAW_FILES
        for c in spec.columns
        if c.follow_up_only
    ]
    return rules


def _check_rows(table: _Table, rules: list[RowRule]) -> None:
    problems = []
    for rule in rules:
        if rule.file is table.spec:
            problems += table.report(
                rule.broken(table.typed),
                rule.columns,
                lambda r, u=rule: (
                    ", ".join(f"{c} = {table.value(c, r)}" for c in u.columns) + f" ({u.rule})"
                ),
            )
    if problems:
        raise CohortValidationError(problems)


def _id_numbers(table: _Table) -> np.ndarray:
    """The number in each (canonical) id: P003 and P0003 both give 3."""
    ids = arrow_strings(table.typed["id"])
    number = arrow_compute.cast(arrow_compute.utf8_slice_codeunits(ids, 1), arrow.int64())
    return number.to_numpy(zero_copy_only=False)


def _check_id_spellings(table: _Table) -> None:
    """Refuse one person's number written in two spellings (P003 and P0003) in participants.

    The other files must use the participants' spellings (`_check_links`), so this check there
    suffices. Two spellings of a number differ in length and one has a leading zero: without
    both, it is skipped.
    """
    ids = arrow_strings(table.typed["id"])
    lengths = arrow_compute.min_max(arrow_compute.utf8_length(ids)).as_py()
    if (
        lengths["min"] == lengths["max"]
        or not arrow_compute.any(arrow_compute.starts_with(ids, "P0")).as_py()
    ):
        return
    number = pd.Series(_id_numbers(table))
    twice = number.duplicated(keep=False).to_numpy()
    if not twice.any():
        return
    first = twice & ~number.duplicated(keep="first").to_numpy()
    lines = pd.Series(table.lines[twice]).groupby(number[twice].to_numpy()).agg(list)

    def describe(r: int) -> str:
        on = lines.loc[number[r]]
        return (
            f"the same participant number is spelled {len(on)} ways, on lines "
            f"{', '.join(map(str, on))} (ids differing only in leading zeros are one person:"
            " write each id one way; values not shown)"
        )

    raise CohortValidationError(table.report(first, ["id"], describe))


def _person_order(person: np.ndarray, wave: np.ndarray, n_waves: int) -> np.ndarray:
    """Rows sorted by person and wave position (valid once the key and the links are checked:
    each row's (person, wave) is unique and every person known), placed by counting: the key
    indexes a slot per person and wave, so no sort is needed."""
    slots = np.full((person.max(initial=-1) + 1) * n_waves, -1)
    slots[person.astype(np.int64) * n_waves + wave] = np.arange(len(person))
    return slots[slots >= 0]


def _check_over_waves(table: _Table, waves: Waves) -> None:
    """Each person's since-intake items across waves: never falling, and accruing no faster
    than time passes (at most the time elapsed since intake, and between two waves)."""
    cumulative = [c for c in table.spec.columns if c.cumulative]
    if not cumulative or "wave" not in table.spec.key:
        return
    wave = _wave_positions(table, waves.ids)  # every wave is configured (checked by the schema)
    person = table.person
    order = _person_order(person, wave, len(waves.ids))
    month = np.array([w.months for w in waves.all], dtype=np.float64)[wave]
    problems = [p for col in cumulative for p in _over_waves(table, col, order, person, month)]
    if problems:
        raise CohortValidationError(problems)


def _over_waves(
    table: _Table, col: Column, order: np.ndarray, person: np.ndarray, month: np.ndarray
) -> list[str]:
    """The problems of one cumulative column (see `_check_over_waves`)."""
    values = table.typed[col.name].to_numpy(dtype=np.float64, na_value=np.nan)
    # Each row's previous observation of the same person: rows with a value, in person-wave
    # order, so a wave without a value (not interviewed, missing) is skipped.
    rows = order[~np.isnan(values[order])]
    follows = person[rows[1:]] == person[rows[:-1]]
    previous = np.full(len(values), -1)
    previous[rows[1:][follows]] = rows[:-1][follows]
    has_previous = previous >= 0
    before = np.where(has_previous, values[previous], 0.0)  # intake: nothing accrued yet

    def earlier(r: int) -> str:
        return (
            f"{_fmt(before[r])} at wave {table.text.at[previous[r], 'wave']} "
            f"(line {table.lines[previous[r]]})"
        )

    falls = has_previous & (values < before)
    rule = (
        f"{col.name} is a since-intake flag: once 1 it never returns to 0"
        if col.kind == "binary"
        else f"{col.name} counts since intake and never falls from one wave to a later one"
    )
    problems = table.report(
        falls, [col.name], lambda r: f"value {_fmt(values[r])} after {earlier(r)} ({rule})"
    )
    if not col.accrues_in:
        return problems
    unit = col.accrues_in
    elapsed = days_elapsed(month - np.where(has_previous, month[previous], 0.0)) / DAYS_PER[unit]
    rule = f"{col.name} accrues at most one {unit[:-1]} per {unit[:-1]} elapsed"
    with np.errstate(invalid="ignore"):
        fast = ~falls & (values - before > elapsed)
    problems += table.report(
        fast & ~has_previous,
        [col.name],
        lambda r: (
            f"value {_fmt(values[r])} exceeds the {_fmt(round(elapsed[r], 2))} {unit} elapsed "
            f"since intake by month {_fmt(month[r])} ({rule})"
        ),
    )
    problems += table.report(
        fast & has_previous,
        [col.name],
        lambda r: (
            f"value {_fmt(values[r])} grows by {_fmt(values[r] - before[r])} from {earlier(r)}, "
            f"but only {_fmt(round(elapsed[r], 2))} {unit} passed between the two ({rule})"
        ),
    )
    return problems


def _check_links(tables: dict[str, _Table], waves: Waves) -> None:
    """Ids known in participants; every participant interviewed at baseline; no empty wave."""
    people = tables[PARTICIPANTS.name]
    interviews = tables[INTERVIEWS.name]
    problems = []
    for table in (interviews, tables[TREATMENT.name]):
        problems += table.report(
            table.person < 0,
            ["id"],
            lambda r, t=table: (
                f"the participant is not in {people.path} (every id must be a known participant, "
                "spelled as there; value not shown)"
            ),
        )
    baseline = waves.baseline.id
    seen = np.zeros(len(people.typed), dtype=bool)
    at_baseline = (interviews.typed["wave"] == baseline).to_numpy(dtype=bool, na_value=False)
    seen[interviews.person[at_baseline & (interviews.person >= 0)]] = True
    problems += people.report(
        ~seen,
        ["id"],
        lambda r: (
            f"participant has no interview at the baseline wave {baseline} in {interviews.path} "
            "(every participant needs a baseline interview)"
        ),
    )
    present = set(interviews.typed["wave"].unique())
    problems += [
        _message(
            interviews.path,
            ["wave"],
            None,
            (
                f"configured wave '{w}' has no interviews (every wave in config 'waves' needs at least "
                "one interview: add interviews for it or remove the config entry)"
            ),
        )
        for w in waves.ids
        if w not in present
    ]
    if problems:
        raise CohortValidationError(problems)


def read_origin(raw_dir: str | Path) -> Origin:
    """The declared origin of the files in `raw_dir` (analysis.codebook.ORIGIN_FILE).

    No ORIGIN file means the study's records; a malformed one stops the build, since a report
    must never misstate where its data come from.
    """
    path = Path(raw_dir) / ORIGIN_FILE
    if not path.exists():
        return Origin("records")
    try:
        declared = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        reason = "not valid YAML" if isinstance(err, yaml.YAMLError) else "not readable UTF-8 text"
        raise CohortValidationError(
            [
                f"{path}: cannot read the declared origin ({reason}); the file must be UTF-8 YAML "
                "such as 'origin: synthetic' (see data/raw/CODEBOOK.md)"
            ]
        ) from None
    if not isinstance(declared, dict):
        declared = {}
    problems = [
        f"{path}: unknown key {k!r} (allowed: origin, generator, seed)"
        for k in declared
        if k not in ("origin", "generator", "seed")
    ]
    origin, generator, seed = (declared.get(k) for k in ("origin", "generator", "seed"))
    if origin not in ORIGINS:
        problems.append(
            f"{path}: key 'origin' must be one of {', '.join(ORIGINS)} "
            f"(got {_show(origin) if origin is not None else 'nothing'})"
        )
    if origin == "synthetic" and not (isinstance(generator, str) and generator):
        problems.append(f"{path}: key 'generator' must name the module that wrote the files")
    if origin == "synthetic" and not (isinstance(seed, int) and not isinstance(seed, bool)):
        problems.append(f"{path}: key 'seed' must be the generator's whole-number seed")
    if problems:
        raise CohortValidationError(problems)
    return Origin(origin, generator or "", seed)


def load_raw(raw_dir: str | Path, config: dict[str, Any]) -> RawData:
    """Read and validate the three raw files in `raw_dir`; raise CohortValidationError if bad."""
    waves = check_waves(config)
    read_origin(raw_dir)
    # Arrow allocates from the C library's allocator in this process, not from its default
    # (mimalloc), which keeps the pages of the freed parses and checks even after
    # `release_unused`: at a million participants about 600 MB more memory held after
    # validation, and 500 MB more peak while cleaning (analysis.bench). pandas' Arrow-backed
    # strings allocate from the default pool, so the default is what must change.
    arrow.set_memory_pool(arrow.system_memory_pool())
    rules = row_rules(waves)
    tables = {}
    for spec in RAW_FILES:
        path = Path(raw_dir) / spec.name
        table = _read_table(path, str(path), spec)
        table.typed = _convert(table)
        if spec is not PARTICIPANTS:  # validated first: its ids are canonical and unique
            table.person = positions_in(
                table.typed["id"], arrow_strings(tables[PARTICIPANTS.name].typed["id"])
            )
        _check_schema(table, waves.ids)
        if spec is PARTICIPANTS:
            _check_id_spellings(table)
        _check_rows(table, rules)
        tables[spec.name] = table
    _check_links(tables, waves)
    for table in tables.values():
        _check_over_waves(table, waves)
    # String columns stay in Arrow storage (the codebook dtype 'string' either way): a million
    # participants' ids, waves and categories converted to Python objects cost 3.5 s here, and
    # cleaning reads them faster in Arrow (analysis.clean).
    raw = RawData(
        *(tables[spec.name].typed for spec in RAW_FILES),
        people={name: table.person for name, table in tables.items() if table.person is not None},
    )
    del tables
    # The Arrow parses and checked frames are freed by now; give their pages back rather than
    # hold them for the rest of the process (at a million participants, a few hundred MB of
    # peak memory while cleaning).
    arrow.default_memory_pool().release_unused()
    release_memory()
    return raw
