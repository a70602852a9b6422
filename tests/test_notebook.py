"""The reviewer's notebook (notebooks/reviewer.ipynb) runs top to bottom and is stored clean.

The notebook reads a build's data/processed (or the directory in QCT_PROCESSED_DIR). So that
the test never depends on a developer's possibly stale outputs, it builds exactly what the
notebook reads (cohort, effective config, offending results) from the shipped data with the
commands the Snakefile runs, into a temporary directory.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from analysis import clean, offending
from analysis.config import Waves, load_config
from analysis.io import read_json, read_parquet, write_json
from analysis.numbers import MISSING_DATA_NAMES
from tests.workflow_copy import ROOT

NOTEBOOK = ROOT / "notebooks" / "reviewer.ipynb"
CELL_TIMEOUT = 120  # seconds; the offending analysis takes about one
# Appended to a copy of the notebook: the objects the reader sees, printed for the test.
# JSON, not CSV: CSV would round the last digit of some floats.
PROBE = (
    "import json\nprint(json.dumps(rerun, sort_keys=True))\n"
    "print(json.dumps({'index': side_by_side.index.tolist(), "
    "'columns': side_by_side.columns.tolist(), 'data': side_by_side.to_numpy().tolist()}))"
)
# The column headings: the short names of the shipped choice (locf) and of the other one.
REPORT = f"report ({MISSING_DATA_NAMES['locf'][1]})"
RERUN = f"rerun ({MISSING_DATA_NAMES['complete_case'][1]})"


def execute(processed: Path, cwd: Path, probe: bool = False) -> nbformat.NotebookNode:
    """Run the notebook in `cwd` against `processed`; return it executed."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    if probe:
        notebook.cells.append(nbformat.v4.new_code_cell(PROBE))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("QCT_PROCESSED_DIR", str(processed))
        client = NotebookClient(
            notebook,
            timeout=CELL_TIMEOUT,
            kernel_name="python3",
            resources={"metadata": {"path": str(cwd)}},
        )
        return client.execute()


def build(config: dict, out: Path, cohort: Path | None = None) -> None:
    """Write `config` as the offending job's config slice in `out`, then the cohort (unless
    given) and offending.

    Through the commands' own `main` (what `python -m analysis.<module>` runs), in-process.
    """
    settings = ["--config", str(out / "config" / "offending.json")]
    write_json(config, out / "config" / "offending.json")
    if cohort is None:
        cohort = out / "cohort.parquet"
        assert (
            clean.main(["--raw-dir", str(ROOT / "data/raw"), "--out", str(cohort), *settings]) == 0
        )
    offending.main(
        ["--cohort", str(cohort), "--out", str(out / "results" / "offending.json"), *settings]
    )


@pytest.fixture(scope="module")
def processed(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("processed")
    build(load_config(), out)
    return out


@pytest.fixture(scope="module")
def probed(processed) -> tuple[dict, pd.DataFrame]:
    """The notebook's `rerun` result and its side-by-side table, after a full run."""
    # Jupyter starts a notebook's kernel in the notebook's folder, not the repository root.
    outputs = execute(processed, NOTEBOOK.parent, probe=True).cells[-1].outputs
    text = "".join(o["text"] for o in outputs if o["output_type"] == "stream")
    rerun, table = map(json.loads, text.splitlines())
    index = pd.MultiIndex.from_tuples(map(tuple, table["index"]))
    return rerun, pd.DataFrame(table["data"], index=index, columns=table["columns"])


def test_notebook_is_stored_without_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)


def test_rerun_is_the_build_under_complete_case(processed, probed, tmp_path):
    """The notebook's rerun equals what the build writes when configured complete_case."""
    build(
        {**load_config(), "missing_data": "complete_case"},
        tmp_path,
        cohort=processed / "cohort.parquet",
    )
    expected = read_json(tmp_path / "results" / "offending.json")["missing_data"]
    rerun, _ = probed
    assert expected["method"] == "complete_case"
    assert rerun == expected


def test_table_sets_report_beside_rerun(processed, probed):
    _, table = probed
    reported = read_json(processed / "results" / "offending.json")["missing_data"]
    waves = Waves.from_config(load_config())
    base, first = waves.baseline, waves.first_follow_up
    cohort = read_parquet(processed / "cohort.parquet")
    interviewed = cohort.loc[cohort["wave"] == first.id, "crime_days_30"].notna().sum()
    assert list(table.columns) == [REPORT, RERUN]
    assert reported["method"] == "locf"
    for group in ("all", "QCT", "comparison"):
        block = reported["crime_days_30"][group]
        assert (
            table.loc[(group, f"mean days of crime, {base.label}"), REPORT]
            == block[base.id]["value"]
        )
        assert (
            table.loc[(group, f"mean days of crime, {first.label}"), REPORT]
            == block[first.id]["value"]
        )
        assert table.loc[(group, "Wilcoxon z"), REPORT] == block["wilcoxon"]["z"]
    # LOCF keeps everyone with an intake value; complete cases keep the complete pairs, the
    # people with a value at both waves, at intake and at the first follow-up alike.
    assert (
        table.loc[("all", f"n, {base.label}"), REPORT]
        == reported["crime_days_30"]["all"][base.id]["n"]
    )
    wide = cohort.pivot(index="id", columns="wave", values="crime_days_30")
    pairs = wide[[base.id, first.id]].notna().all(axis=1).sum()
    assert table.loc[("all", f"n, {base.label}"), RERUN] == pairs
    assert table.loc[("all", f"n, {first.label}"), RERUN] == pairs
    assert table.loc[("all", f"n, {first.label}"), REPORT] > interviewed


def test_missing_build_outputs_say_run_snakemake_first(tmp_path):
    with pytest.raises(CellExecutionError) as err:
        execute(tmp_path, ROOT)
    message = str(err.value)
    assert "FileNotFoundError" in message
    assert f"missing build output: {tmp_path / 'cohort.parquet'}" in message
    assert f"Run `uv run snakemake all` in {ROOT} first" in message
