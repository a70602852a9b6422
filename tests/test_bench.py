"""The benchmark runs end to end in quick mode and prints one JSON object with its documented
keys (timings vary by machine, so only their presence and types are checked)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analysis.bench import (
    DOMAINS,
    QUICK_SIZES,
    StageTimeout,
    _time_limit,
    reran,
    summarise,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def quick():
    done = subprocess.run([sys.executable, "-m", "analysis.bench", "--json", "--quick"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout)


@pytest.mark.slow  # about a minute: the quick benchmark runs every stage at two sizes
def test_quick_mode_prints_the_scale_rows(quick):
    assert quick["repeats"] == 1
    assert [row["participants"] for row in quick["scale"]] == QUICK_SIZES
    for row in quick["scale"]:
        assert "error" not in row, row["error"]
        assert set(row) >= {"participants", "seconds", "peak_rss_mb", "per_participant_us",
                            "stages", "errors"}
        assert row["seconds"] > 0 and row["peak_rss_mb"] > 0
        assert row["per_participant_us"] == pytest.approx(
            row["seconds"] / row["participants"] * 1e6, abs=0.01)
        assert list(row["stages"])[:3] == ["validate", "clean", "import domains"]
        assert set(row["stages"]) >= set(DOMAINS)


def test_summary_is_the_median_of_successful_runs_and_keeps_the_error():
    runs = [{"seconds": 3.0}, {"seconds": 1.0}, {"seconds": 2.0}, {"seconds": 9.0, "error": "x"}]
    assert summarise(runs) == {"median_s": 2.0, "runs_s": [3.0, 1.0, 2.0], "error": "x"}
    assert summarise([{"seconds": 1.0, "error": "boom"}]) == {
        "median_s": None, "runs_s": [], "error": "boom"}


def test_rules_that_ran_are_read_from_the_snakemake_log():
    log = "Job stats:\nrule render:\n    input: x\nlocalrule all:\nrule render:\n"
    assert reran(log) == ["render"]


def test_a_stage_past_its_time_limit_is_stopped():
    _time_limit(1)
    try:
        with pytest.raises(StageTimeout, match="stopped after 1 s"):
            time.sleep(5)
    finally:
        signal.alarm(0)
