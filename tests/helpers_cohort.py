"""The hand-made tiny raw cohort (tests/data/tiny) and small edits that corrupt a copy of it.

Line numbers are CSV lines as the validator reports them (header = line 1). Edits work on
parsed rows, so each corruption changes exactly what it says and nothing else.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

TINY = Path(__file__).resolve().parent / "data" / "tiny"


def tiny_copy(tmp_path: Path) -> Path:
    """A fresh copy of the tiny cohort in `tmp_path/raw`; returns that directory."""
    raw = tmp_path / "raw"
    shutil.copytree(TINY, raw)
    return raw


def read_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def write_rows(path: Path, rows: list[list[str]], delimiter: str = ",") -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=delimiter, lineterminator="\n").writerows(rows)


def set_cell(raw: Path, file: str, line: int, column: str, value: str) -> None:
    """Set the cell of `column` on CSV line `line` (header = 1) of `file`."""
    rows = read_rows(raw / file)
    rows[line - 1][rows[0].index(column)] = value
    write_rows(raw / file, rows)


def drop_column(raw: Path, file: str, column: str) -> None:
    rows = read_rows(raw / file)
    at = rows[0].index(column)
    write_rows(raw / file, [r[:at] + r[at + 1 :] for r in rows])


def rename_column(raw: Path, file: str, old: str, new: str) -> None:
    rows = read_rows(raw / file)
    rows[0][rows[0].index(old)] = new
    write_rows(raw / file, rows)


def add_column(raw: Path, file: str, name: str, value: str) -> None:
    rows = read_rows(raw / file)
    write_rows(raw / file, [rows[0] + [name]] + [r + [value] for r in rows[1:]])


def append_copy(raw: Path, file: str, line: int, **changes: str) -> int:
    """Append a copy of CSV line `line` with some cells changed; returns the new line number."""
    rows = read_rows(raw / file)
    new = list(rows[line - 1])
    for column, value in changes.items():
        new[rows[0].index(column)] = value
    write_rows(raw / file, rows + [new])
    return len(rows) + 1


def delete_line(raw: Path, file: str, line: int) -> None:
    rows = read_rows(raw / file)
    write_rows(raw / file, rows[: line - 1] + rows[line:])


# The config the tiny cohort is made for: the paper's four waves and the default threshold.
TINY_CONFIG = {
    "waves": [
        {"id": "t1", "months": 0, "label": "intake"},
        {"id": "t2", "months": 6, "label": "6-month follow-up"},
        {"id": "t3", "months": 12, "label": "12-month follow-up"},
        {"id": "t4", "months": 18, "label": "18-month follow-up"},
    ],
    "derived": {"frequent_use_days": 15, "retained_days": 90},
}
