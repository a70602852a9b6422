"""Reading Parquet back: the frame pandas would give, with string cells shared per value."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import io


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": pd.array(["P1", "P1", "P2", None, "P2"] * 3, dtype="string"),
            "flag": pd.array([1, 0, None, 1, 0] * 3, dtype="Int8"),
            "group": pd.Categorical(["QCT", "comparison", "QCT", None, "QCT"] * 3),
            "ratio": np.array([0.5, np.nan, 1.0, 2.0, 0.25] * 3),
            "seen": np.array([True, False, True, True, False] * 3),
        }
    )


def test_read_parquet_gives_the_written_frame_column_batch_by_batch(tmp_path, monkeypatch):
    path = tmp_path / "cohort.parquet"
    io.write_parquet(_frame(), path)
    monkeypatch.setattr(io, "READ_BATCH_COLUMNS", 2)  # batches split the columns
    pd.testing.assert_frame_equal(io.read_parquet(path), _frame(), check_exact=True)
    subset = io.read_parquet(path, columns=["seen", "id"])
    pd.testing.assert_frame_equal(subset, _frame()[["seen", "id"]], check_exact=True)


def test_read_strings_are_one_object_per_distinct_value(tmp_path):
    path = tmp_path / "cohort.parquet"
    io.write_parquet(_frame(), path)
    ids = io.read_parquet(path)["id"].array
    assert ids.dtype == "string" and ids[3] is pd.NA
    assert len({id(cell) for cell in ids if cell is not pd.NA}) == 2  # "P1" and "P2"


def test_frame_of_columns_keeps_each_column_in_order_uncopied_without_a_warning(recwarn):
    columns = {f"c{i}": np.full(3, float(i)) for i in range(120)}  # past pandas' 100 blocks
    columns["flag"] = pd.array([1, None, 0], dtype="Int8")
    c7 = columns["c7"]
    frame = io.frame_of_columns(columns, 3)
    assert columns == {}
    assert np.shares_memory(frame["c7"].to_numpy(), c7)  # not copied
    assert list(frame.columns) == [f"c{i}" for i in range(120)] + ["flag"]
    assert frame["c7"].tolist() == [7.0, 7.0, 7.0] and frame["flag"].dtype == "Int8"
    assert frame["flag"].isna().tolist() == [False, True, False]
    assert not [w for w in recwarn if issubclass(w.category, pd.errors.PerformanceWarning)]
