"""The benchmark runs end to end in quick mode (the CI smoke run) and its figures are sane:
positive finite numbers, ratios that are the quotients they claim, and a Markdown table with a
row per figure. Timings vary by machine, so no figure is compared with a time."""

from __future__ import annotations

import json
import math
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analysis.bench import (
    DOMAINS,
    QUICK_SIZES,
    TARGET_PEAK_MB,
    StageTimeout,
    _ratio,
    _time_limit,
    covered,
    job_benchmarks,
    job_modules,
    median_jobs,
    render_split,
    reran,
    summarise,
    targets,
)
from analysis.bench_table import README_END, README_START, markdown, readme_block

ROOT = Path(__file__).resolve().parents[1]
# The quick run is a module fixture: one xdist worker runs every test of the module, so the
# benchmark runs once.
pytestmark = pytest.mark.xdist_group("bench")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    table = tmp_path_factory.mktemp("bench") / "benchmark.md"
    done = subprocess.run(
        [sys.executable, "-m", "analysis.bench", "--json", "--quick", "--table", str(table)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout), table.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def quick(quick_run):
    return quick_run[0]


def positive(value) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value > 0


@pytest.mark.slow
def test_quick_mode_prints_the_scale_rows(quick):
    assert quick["repeats"] == 1
    assert [row["participants"] for row in quick["scale"]] == QUICK_SIZES
    for row in quick["scale"]:
        assert "error" not in row, row["error"]
        assert set(row) >= {
            "participants",
            "seconds",
            "peak_rss_mb",
            "per_participant_us",
            "stages",
            "errors",
        }
        assert row["seconds"] > 0 and row["peak_rss_mb"] > 0
        assert row["per_participant_us"] == pytest.approx(
            row["seconds"] / row["participants"] * 1e6, abs=0.01
        )
        assert list(row["stages"])[:3] == ["validate", "clean", "import domains"]
        assert set(row["stages"]) >= set(DOMAINS)
        # CPU seconds for every timed stage (the domains' imports are timed together, in wall
        # time only), summed per size.
        assert set(row["stage_cpu_s"]) == set(row["stages"]) - {"import domains"}
        assert row["cpu_seconds"] == pytest.approx(sum(row["stage_cpu_s"].values()), abs=0.01)
        assert row["per_participant_cpu_us"] == pytest.approx(
            row["cpu_seconds"] / row["participants"] * 1e6, abs=0.01
        )


@pytest.mark.slow
def test_quick_mode_figures_are_sane_and_ratios_are_their_quotients(quick):
    assert all(
        math.isfinite(quick[k]) and quick[k] >= 0
        for k in ("load_average_start", "load_average_end")
    )
    previous = None
    for row in quick["scale"]:
        assert positive(row["seconds"]) and positive(row["peak_rss_mb"])
        assert all(positive(s) or s == 0 for s in row["stages"].values())
        peaks = row["stage_peak_rss_mb"]
        assert set(peaks) <= set(row["stages"])
        assert all(positive(p) and p <= row["peak_rss_mb"] for p in peaks.values())
        ratios = row["ratios"]
        assert ratios["peak_over_target"] == round(row["peak_rss_mb"] / TARGET_PEAK_MB, 2)
        assert ratios["seconds_over_target"] is None  # the time target is set at a million
        assert ratios["per_participant_over_smaller"] == (
            None
            if previous is None
            else round(row["per_participant_us"] / previous["per_participant_us"], 2)
        )
        previous = row


@pytest.mark.slow
def test_quick_mode_times_the_imports_of_every_job_module(quick):
    assert list(quick["imports"]) == job_modules()
    for module, row in quick["imports"].items():
        assert "error" not in row, (module, row)
        assert positive(row["total_ms"])
        assert all(positive(ms) for ms in row["heaviest_ms"].values())
        assert sum(row["heaviest_ms"].values()) <= row["total_ms"] + 0.1 * len(row["heaviest_ms"])


def test_job_modules_are_read_from_the_workflow_with_the_domains_expanded():
    modules = job_modules()
    assert {"analysis.clean", "analysis.render", "analysis.numbers"} <= set(modules)
    assert {f"analysis.{d}" for d in DOMAINS} <= set(modules)
    assert not any("{" in m for m in modules)
    assert len(modules) == len(set(modules))


@pytest.mark.slow
def test_quick_mode_writes_the_table_row_by_row(quick_run):
    result, table = quick_run
    assert table == markdown(result)
    for row in result["scale"]:
        assert f"| {row['participants']:,} | {row['seconds']:,.1f} |" in table
    for module in result["imports"]:
        assert f"| `{module}` |" in table
    assert "## Builds" not in table  # quick mode runs no builds


def test_build_ratios_are_median_over_floor_and_the_table_shows_them():
    result = {
        "commit": {"commit": "0123456789abcdef", "short": "0123456789ab", "modified": "yes"},
        "repeats": 1,
        "cores": 2,
        "load_average_start": 0.5,
        "load_average_end": 0.7,
        "cold_build_s": {"median_s": 13.0},
        "noop_build_s": {"median_s": 1.1},
        "prose_edit_build_s": {"median_s": 6.6},
        "input_edit_build_s": {"median_s": 12.0},
        "floor_s": {"median_s": 6.5},
        "snakemake_startup_s": {"median_s": 1.0},
        "prose_edit_reran": ["render"],
        "imports": {},
        "scale": [],
        "render_fallback": {"total_s": 4.0, "pandoc_s": 1.0, "typst_s": 2.5, "python_s": 0.5},
        "jobs": {
            "cohort": {"seconds": 8.39, "cpu_s": 2.13, "max_rss_mb": 149.35},
            "render": {"seconds": 4.5, "cpu_s": 3.0, "max_rss_mb": None},
        },
    }
    result["ratios"] = {
        "cold_build_s_over_floor_s": _ratio(result["cold_build_s"], result["floor_s"]),
        "noop_build_s_over_snakemake_startup_s": _ratio(
            result["noop_build_s"], result["snakemake_startup_s"]
        ),
        "prose_edit_build_s_over_floor_s": None,
        "input_edit_build_s_over_floor_s": None,
    }
    assert result["ratios"]["cold_build_s_over_floor_s"] == 2.0
    assert result["ratios"]["noop_build_s_over_snakemake_startup_s"] == 1.1
    table = markdown(result)
    assert "| 13.00 | one process: import the stack, render | 6.50 | 2.00x |" in table
    assert "| Typst compile (PDF) | 2.50 | 62% |" in table
    assert "load average (1 min) 0.5 at the start, 0.7 at the end" in table
    assert "Code: commit 0123456789ab with uncommitted changes." in table
    assert "| `cohort` | 8.39 | 2.13 | 149 |\n| `render` | 4.50 | 3.00 | n/a |" in table
    assert "The jobs' seconds add up to 12.89" in table


def test_render_split_counts_each_tool_once_while_the_writers_overlap(monkeypatch):
    import typst

    from analysis.render import fallback

    # render_split wraps these two for its own process; restore them for the other tests.
    monkeypatch.setattr(fallback, "_pandoc", fallback._pandoc)
    monkeypatch.setattr(typst, "compile", typst.compile)
    split = render_split(ROOT / "tests" / "data" / "render_fixture")
    assert all(positive(split[k]) for k in ("total_s", "pandoc_s", "typst_s", "python_s"))
    # The tools overlap (the writers and the compile run side by side): the parts cover the
    # render at least once and no tool ran longer than the render left to it.
    assert split["pandoc_s"] + split["typst_s"] + split["python_s"] >= split["total_s"] - 0.002
    assert max(split["pandoc_s"], split["typst_s"]) + split["python_s"] <= split["total_s"] + 0.002
    assert set(split["pandoc_calls_s"]) == {
        "pandoc --from=markdown --to=json",
        "pandoc --from=json --to=html5",
        "pandoc --from=json --to=typst",
        "pandoc --from=json --to=docx",
    }
    calls = split["pandoc_calls_s"].values()
    assert max(calls) - 0.002 <= split["pandoc_s"] <= sum(calls) + 0.002


@pytest.mark.parametrize(
    ("spans", "length"),
    [
        ([], 0.0),
        ([(0.0, 2.0), (1.0, 3.0), (5.0, 6.0)], 4.0),  # an overlap, then a gap
        ([(0.0, 10.0), (2.0, 3.0)], 10.0),  # one inside another
        ([(4.0, 5.0), (0.0, 1.0), (0.0, 1.0)], 2.0),  # unsorted, a repeat
    ],
)
def test_covered_counts_overlapping_intervals_once(spans, length):
    assert covered(spans) == pytest.approx(length)


def test_summary_is_the_median_of_successful_runs_and_keeps_the_error():
    runs = [{"seconds": 3.0}, {"seconds": 1.0}, {"seconds": 2.0}, {"seconds": 9.0, "error": "x"}]
    assert summarise(runs) == {"median_s": 2.0, "runs_s": [3.0, 1.0, 2.0], "error": "x"}
    assert summarise([{"seconds": 1.0, "error": "boom"}]) == {
        "median_s": None,
        "runs_s": [],
        "error": "boom",
    }


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


BENCHMARK_HEADER = (
    "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
)


def test_job_figures_are_read_from_snakemakes_benchmark_files(tmp_path):
    files = {
        "cohort.tsv": "8.39\t0:00:08\t149.35\t1537.66\t74.53\t84.83\t0.67\t0.05\t23.78\t2.13\n",
        "results/study.tsv": "0.52\t0:00:00\t0\t0\t0\t0\t0.00\t0.01\t0.00\t0.31\n",
        "sensitivity/pool.tsv": "3.00\t0:00:03\tNA\tNA\tNA\tNA\tNA\tNA\tNA\tNA\n",
        "config/study.tsv": "0.11\t0:00:00\t0\t0\t0\t0\t0.00\t0.01\t0.00\t0.00\n",
    }
    for name, row in files.items():
        path = tmp_path / "benchmarks" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(BENCHMARK_HEADER + row, encoding="utf-8")
    jobs = job_benchmarks(tmp_path)
    # A local job (the config slices) runs inside Snakemake: its file measures nothing.
    assert jobs == {
        "cohort": {"seconds": 8.39, "cpu_s": 2.13, "max_rss_mb": 149.35},
        "results/study": {"seconds": 0.52, "cpu_s": 0.31, "max_rss_mb": None},
        "sensitivity/pool": {"seconds": 3.0, "cpu_s": None, "max_rss_mb": None},
    }
    again = {"cohort": {"seconds": 10.0, "cpu_s": 3.0, "max_rss_mb": None}}
    assert median_jobs([jobs, again, again])["cohort"] == {
        "seconds": 10.0,
        "cpu_s": 3.0,
        "max_rss_mb": 149.35,
    }
    assert median_jobs([jobs, again])["results/study"]["seconds"] == 0.52


def _scale_row(n, seconds_ratio, peak_ratio, per_participant_ratio, errors=None):
    return {
        "participants": n,
        "errors": errors or {},
        "ratios": {
            "seconds_over_target": seconds_ratio,
            "peak_over_target": peak_ratio,
            "per_participant_over_smaller": per_participant_ratio,
        },
    }


def test_the_scale_table_shows_each_size_cpu_seconds():
    row = {
        "participants": 250_000,
        "seconds": 30.0,
        "peak_rss_mb": 700.0,
        "per_participant_us": 120.0,
        "cpu_seconds": 21.4,
        "per_participant_cpu_us": 85.6,
        "stages": {"validate": 9.6, "clean": 3.8, "drug_use": 11.7},
        "ratios": {
            "seconds_over_target": None,
            "peak_over_target": 0.34,
            "per_participant_over_smaller": 0.95,
        },
    }
    result = {"cores": 2, "load_average_start": 5.0, "load_average_end": 5.5, "imports": {}}
    table = markdown({**result, "scale": [row]})
    assert (
        "| 250,000 | 30.0 | n/a | 700 | 0.34x | 120.0 | 0.95x | 21.4 | 85.6 | "
        "drug_use 11.7, validate 9.6, clean 3.8 |"
    ) in table


def test_targets_are_judged_by_their_ratios():
    result = {
        "ratios": {
            "cold_build_s_over_floor_s": 2.0,
            "noop_build_s_over_snakemake_startup_s": 1.25,
        },
        "scale": [
            _scale_row(100_000, None, 0.4, 0.9),
            _scale_row(1_000_000, 0.8, 1.1, 1.02),
        ],
    }
    verdicts = [(t["ratio"], t["limit"], t["met"]) for t in targets(result)]
    assert verdicts == [
        (2.0, 2.0, True),  # at the limit is within it
        (1.25, 1.2, False),
        (0.8, 1.0, True),
        (1.1, 1.0, False),
        (1.02, 1.0, False),  # the largest ratio to the next smaller size
    ]
    # A stage that failed or timed out at a million fails both of that size's targets.
    result["scale"][1]["errors"] = {"regression": "stopped after 120 s (time limit)"}
    assert [t["met"] for t in targets(result)][2:4] == [False, False]


def test_the_readme_block_is_replaced_between_its_markers():
    result = {
        "commit": {"commit": "0123456789abcdef", "short": "0123456789ab", "modified": "no"},
        "cores": 2,
        "load_average_start": 0.3,
        "load_average_end": 0.4,
        "targets": [
            {"target": "cold build at most 2x its floor", "ratio": 1.5, "limit": 2.0, "met": True}
        ],
    }
    readme = f"# Title\n\n{README_START}\nold table\n{README_END}\n\nafter\n"
    text = readme_block(readme, result)
    assert "old table" not in text and text.endswith(f"{README_END}\n\nafter\n")
    assert "| cold build at most 2x its floor | 1.50x | 2.00x | yes |" in text
    assert "load average (1 min) 0.3 at the start and 0.4 at the end" in text
    assert "Measured in one run of commit 0123456789ab on 2 cores" in text
    assert readme_block(text, result) == text  # rewriting with the same run changes nothing
    with pytest.raises(ValueError, match="no benchmark block"):
        readme_block("# Title\n", result)
