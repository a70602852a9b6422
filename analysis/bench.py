"""What the build costs: workflow timings against their floors, start-up, and the analyses at scale.

    uv run python -m analysis.bench --table docs/benchmark.md --readme README.md  # one run
    uv run python -m analysis.bench --json --quick     # sizes 157 and 2000, imports, no builds
    uv run python -m analysis.bench --json --skip-builds --sizes 1000000   # scale only

Prints one JSON object (and with --table writes it as Markdown, analysis.bench_table). Build
timings run Snakemake in a copy of the project without generated outputs
(tests/workflow_copy.py): a cold build, a no-op rebuild, a rebuild after a prose edit (which
rules reran: only `render` should) and after a one-cell data edit. Their floors are
Snakemake's own start-up and one Python process that imports the analysis stack and renders
the finished manuscript; the fallback render of the built manuscript is also timed apart
(pandoc, Typst, Python). `imports` is `python -X importtime` of each workflow job's module.
`scale` times validation, cleaning and every results domain (no render) on resampled cohorts,
each size in a fresh process that reports its own peak memory and CPU seconds, per stage and
overall. A failing step is recorded as {"error": ...} instead of stopping the benchmark.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from analysis.provenance import git_commit
from analysis.results import DOMAINS

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config" / "config.yaml"
FULL_SIZES = [157, 10_000, 100_000, 1_000_000]
QUICK_SIZES = [157, 2000]
BUILD = ["all", "--cores", "2"]
FLOOR_SCRIPT = (
    "import runpy, sys\n"
    "import matplotlib.pyplot, pandas, pandera.pandas, scipy.stats, statsmodels.api\n"
    "sys.argv = ['analysis.render', '--manuscript', 'manuscript', '--out', sys.argv[1]]\n"
    "runpy.run_module('analysis.render', run_name='__main__')\n"
)
# Each build timing and the floor it is held against: the no-op against Snakemake's bare
# start-up, every build that renders against one process importing the stack and rendering.
BUILD_FLOORS = {
    "noop_build_s": "snakemake_startup_s",
    "cold_build_s": "floor_s",
    "prose_edit_build_s": "floor_s",
    "input_edit_build_s": "floor_s",
}
# The targets for the analyses at a million participants x 4 waves (issue 18).
TARGET_S_PER_MILLION = 30.0
TARGET_PEAK_MB = 2048.0
RULE_LINE = re.compile(r"^(?:local)?rule (\w+):", re.MULTILINE)
ERROR_TAIL = 2000  # characters of a failing command's output kept in the JSON
# A domain still computing after this long is stopped and recorded as an error, so one
# analysis that does not scale cannot hold up the benchmark (the stepwise regression, ~100
# logistic fits, is the slowest: ~35 s at a million participants).
DOMAIN_TIMEOUT_S = 120
NOOP_PAIRS = 3  # alternating start-up and no-op runs per build sequence


class StageTimeout(Exception):
    """A stage ran past its time limit (raised from the SIGALRM handler)."""


def _time_limit(seconds: int) -> None:
    def expire(signum: int, frame: Any) -> None:
        raise StageTimeout(f"stopped after {seconds} s (time limit)")

    signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)


def run(args: list[str], cwd: Path) -> dict[str, Any]:
    """Run one command; its wall time, and its error (output tail) if it failed."""
    start = time.perf_counter()
    try:
        done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=3600)
    except (OSError, subprocess.TimeoutExpired) as err:
        return {"seconds": time.perf_counter() - start, "error": repr(err)}
    # `output` (both streams) is what Snakemake logs; `stdout` alone carries a child's JSON, which
    # a warning on stderr must not displace.
    result = {
        "seconds": time.perf_counter() - start,
        "output": done.stdout + done.stderr,
        "stdout": done.stdout,
    }
    if done.returncode != 0:
        result["error"] = f"exit {done.returncode}: {result['output'][-ERROR_TAIL:]}"
    return result


def snakemake(project: Path, *args: str) -> dict[str, Any]:
    return run([sys.executable, "-m", "snakemake", *args], project)


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median and individual wall times of repeated runs; errors are kept, not timed."""
    ok = [r["seconds"] for r in runs if "error" not in r]
    out: dict[str, Any] = {
        "median_s": statistics.median(ok) if ok else None,
        "runs_s": [round(s, 3) for s in ok],
    }
    errors = [r["error"] for r in runs if "error" in r]
    if errors:
        out["error"] = errors[0]
    return out


def reran(output: str) -> list[str]:
    """The rules Snakemake ran, from its job log ('rule x:' / 'localrule x:' lines).

    The target rule `all` (no command, reruns whenever anything does) is left out.
    """
    return sorted(set(RULE_LINE.findall(output)) - {"all"})


def edit_prose(project: Path) -> None:
    with open(project / "manuscript" / "report.qmd", "a", encoding="utf-8") as qmd:
        qmd.write("\n<!-- benchmark: a prose edit -->\n")


def edit_input(project: Path) -> None:
    """Change one cell of interviews.csv: the first data row's crime_days_180 by one day."""
    path = project / "data" / "raw" / "interviews.csv"
    header, first, rest = path.read_text(encoding="utf-8").split("\n", 2)
    cells = first.split(",")
    at = header.split(",").index("crime_days_180")
    cells[at] = str(int(cells[at]) + 1 if int(cells[at]) < 180 else int(cells[at]) - 1)
    path.write_text("\n".join([header, ",".join(cells), rest]), encoding="utf-8")


def _number(cell: str | None) -> float | None:
    try:
        return float(cell) if cell not in (None, "", "NA") else None
    except ValueError:
        return None


def job_benchmarks(project: Path) -> dict[str, dict[str, float | None]]:
    """Each job's wall seconds, CPU seconds and peak resident memory (MB), as Snakemake
    measured them: the `benchmark:` file every rule writes (benchmarks/<job>.tsv, one row).

    Snakemake samples memory while a job runs, so a job shorter than its first sample has no
    memory figure (0 or NA in the file: None here). Jobs run in Snakemake's own process
    (`localrules`, the config slices) are left out: their file measures nothing.
    """
    root = project / "benchmarks"
    jobs = {}
    for path in sorted(root.rglob("*.tsv")):
        with open(path, encoding="utf-8", newline="") as handle:
            record = next(csv.DictReader(handle, delimiter="\t"), {})
        job = path.relative_to(root).with_suffix("").as_posix()
        if job.startswith("config/"):
            continue
        rss = _number(record.get("max_rss"))
        jobs[job] = {
            "seconds": _number(record.get("s")),
            "cpu_s": _number(record.get("cpu_time")),
            "max_rss_mb": rss or None,
        }
    return jobs


def build_sequence(workdir: Path) -> dict[str, dict[str, Any]]:
    """One cold build, then no-op, prose-edit and input-edit rebuilds, in a fresh copy; the
    cold build's per-job figures come from its benchmark files."""
    from tests.workflow_copy import copy_project  # the one definition of "a fresh clone"

    project = copy_project(workdir / "project")
    out = {"cold": snakemake(project, *BUILD)}
    if "error" in out["cold"]:
        return out
    out["jobs"] = job_benchmarks(project)  # read before a rebuild rewrites the rerun jobs' files
    # The no-op and its floor (Snakemake's bare start-up) in alternation, in the same copy:
    # a busy moment or a cold cache then falls on both alike, not on one of them (measured
    # apart, the floor varied from 1.4 to 3.1 s between runs of the benchmark).
    out["noop"], out["startup"] = [], []
    for _ in range(NOOP_PAIRS):
        out["startup"].append(snakemake(project, "--version"))
        out["noop"].append(snakemake(project, *BUILD))
    split = run(
        [sys.executable, "-m", "analysis.bench", "--render-split", str(project / "manuscript")],
        ROOT,
    )
    out["render"] = (
        split
        if "error" in split
        else {"seconds": split["seconds"], **json.loads(split["stdout"].strip().splitlines()[-1])}
    )
    floor_out = workdir / "floor_output"
    out["floor"] = run([sys.executable, "-c", FLOOR_SCRIPT, str(floor_out)], project)
    # The render alone, with each renderer this machine has (Quarto only when on PATH).
    for renderer in ["fallback"] + (["quarto"] if shutil.which("quarto") else []):
        out[f"render_{renderer}"] = run(
            [
                sys.executable,
                "-m",
                "analysis.render",
                "--manuscript",
                "manuscript",
                "--out",
                str(workdir / f"render_{renderer}"),
                "--renderer",
                renderer,
            ],
            project,
        )
    edit_prose(project)
    out["prose_edit"] = snakemake(project, *BUILD)
    try:
        edit_input(project)
        out["input_edit"] = snakemake(project, *BUILD)
    except (OSError, ValueError) as err:
        out["input_edit"] = {"seconds": 0.0, "error": f"could not edit the input: {err!r}"}
    return out


def build_timings(repeats: int) -> dict[str, Any]:
    """Median and runs of every build timing, the rules a prose edit reran, and the ratios."""
    sequences = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="qct-bench-") as tmp:
            sequences.append(build_sequence(Path(tmp)))
    names = {
        "cold": "cold_build_s",
        "prose_edit": "prose_edit_build_s",
        "input_edit": "input_edit_build_s",
        "floor": "floor_s",
        "render_fallback": "render_fallback_s",
        "render_quarto": "render_quarto_s",
    }
    out: dict[str, Any] = {
        key: summarise([s[step] for s in sequences if step in s]) for step, key in names.items()
    }
    for step, key in (("noop", "noop_build_s"), ("startup", "snakemake_startup_s")):
        out[key] = summarise([r for s in sequences for r in s.get(step, [])])
    prose = [s["prose_edit"] for s in sequences if "prose_edit" in s]
    out["prose_edit_reran"] = reran(prose[0]["output"]) if prose else None
    out["input_edit_reran"] = (
        reran(sequences[0]["input_edit"]["output"]) if "input_edit" in sequences[0] else None
    )
    renders = [s["render"] for s in sequences if "render" in s and "error" not in s["render"]]
    out["render_fallback"] = (
        {
            key: statistics.median(r[key] for r in renders)
            for key in ("total_s", "pandoc_s", "typst_s", "python_s")
        }
        if renders
        else {
            "error": next(
                (s["render"]["error"] for s in sequences if "render" in s),
                "not run: the cold build failed",
            )
        }
    )
    out["ratios"] = {
        f"{key}_over_{floor}": _ratio(out[key], out[floor]) for key, floor in BUILD_FLOORS.items()
    }
    out["jobs"] = median_jobs([s["jobs"] for s in sequences if "jobs" in s])
    return out


def median_jobs(runs: list[dict[str, dict[str, float | None]]]) -> dict[str, dict[str, Any]]:
    """Per job, the median of each figure over the cold builds that measured it."""
    names = sorted({job for run in runs for job in run})
    return {
        job: {
            key: (
                statistics.median(values)
                if (values := [r[job][key] for r in runs if r.get(job, {}).get(key) is not None])
                else None
            )
            for key in ("seconds", "cpu_s", "max_rss_mb")
        }
        for job in names
    }


def _ratio(a: dict[str, Any], b: dict[str, Any]) -> float | None:
    if a.get("median_s") is None or not b.get("median_s"):
        return None
    return round(a["median_s"] / b["median_s"], 2)


# --- start-up and render ------------------------------------------------------------------------

JOB_MODULE = re.compile(r"-m (analysis\.[\w.{}]+)")
IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)$", re.MULTILINE)
HEAVIEST = 4  # packages listed per job


def job_modules() -> list[str]:
    """The module every workflow job runs (`python -m analysis.<x>` in the Snakefile and rules/),
    the results-domain wildcard expanded."""
    text = "\n".join(
        path.read_text(encoding="utf-8")
        for path in [ROOT / "Snakefile", *sorted((ROOT / "rules").glob("*.smk"))]
    )
    found = dict.fromkeys(JOB_MODULE.findall(text))
    return [
        m
        for found_module in found
        for m in (
            [f"analysis.{d}" for d in DOMAINS]
            if "{wildcards.domain}" in found_module
            else [found_module]
        )
    ]


def import_time(module: str) -> dict[str, Any]:
    """`python -X importtime -c 'import <module>'`: total import time and the heaviest packages.

    A package's time is the sum of its modules' own ("self") times, so the packages partition
    the total.
    """
    spec = importlib.util.find_spec(module)
    if spec is not None and spec.submodule_search_locations:  # `-m package` runs its __main__
        module = f"{module}.__main__"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        return {"error": done.stderr[-ERROR_TAIL:]}
    by_package: dict[str, int] = {}
    for own_us, _, _, name in IMPORT_LINE.findall(done.stderr):
        package = name.split(".")[0]
        by_package[package] = by_package.get(package, 0) + int(own_us)
    heaviest = sorted(by_package.items(), key=lambda kv: -kv[1])[:HEAVIEST]
    return {
        "total_ms": round(sum(by_package.values()) / 1000, 1),
        "heaviest_ms": {name: round(us / 1000, 1) for name, us in heaviest},
    }


def import_times() -> dict[str, dict[str, Any]]:
    return {module: import_time(module) for module in job_modules()}


def render_split(manuscript: Path) -> dict[str, Any]:
    """One fallback render of a built manuscript, its pandoc and Typst time apart (run in a child).

    The fallback's pandoc runner and `typst.compile` are wrapped with timers. The pandoc writers
    and the Typst compile run side by side, so each tool's figure is the wall time during which
    it ran (overlapping calls counted once), and Python (shortcodes, cross-references, JSON)
    is the time no tool ran.
    """
    import typst

    from analysis.render import fallback

    spans: dict[str, list[tuple[float, float]]] = {}

    def timer(key: Callable[..., str], call: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                spans.setdefault(key(*args), []).append((start, time.perf_counter()))

        return timed

    fallback._pandoc = timer(
        lambda args, *_: (
            "pandoc " + " ".join(a for a in args if a.startswith(("--from=", "--to=")))
        ),
        fallback._pandoc,
    )
    typst.compile = timer(lambda *_: "typst compile", typst.compile)
    start = time.perf_counter()
    fallback.build(manuscript)
    total = time.perf_counter() - start
    pandoc = [span for name, s in spans.items() if name.startswith("pandoc") for span in s]
    tools = covered([span for s in spans.values() for span in s])
    return {
        "total_s": round(total, 3),
        "pandoc_s": round(covered(pandoc), 3),
        "typst_s": round(covered(spans.get("typst compile", [])), 3),
        "python_s": round(total - tools, 3),
        "pandoc_calls_s": {
            k: round(sum(b - a for a, b in s), 3)
            for k, s in spans.items()
            if k.startswith("pandoc")
        },
    }


def covered(spans: list[tuple[float, float]]) -> float:
    """The length of the union of time intervals (overlaps counted once)."""
    length, reach = 0.0, float("-inf")
    for a, b in sorted(spans):
        if b > reach:
            length += b - max(a, reach)
            reach = b
    return length


# --- the analyses at scale -----------------------------------------------------------------------


def write_cohort(n: int, out_dir: Path) -> str:
    """The shipped cohort resampled to n people (stratified by group), as raw CSVs; returns the
    resampler used."""
    from analysis.config import load_config
    from analysis.validate import load_raw
    from synthesis.synthesize import resample_cohort, write_raw

    config = load_config(CONFIG)
    raw = load_raw(ROOT / "data" / "raw", config)
    frames = {
        "participants": raw.participants,
        "interviews": raw.interviews,
        "treatment": raw.treatment,
    }
    if n != len(raw.participants):
        frames = resample_cohort(frames, n, int(config["synthesis"]["seed"]))
    write_raw(frames, out_dir)
    return "synthesis.synthesize.resample_cohort"


def reset_peak_rss() -> None:
    """Start a new peak-memory window for this process (Linux: /proc/self/clear_refs '5')."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def stage_peak_rss_mb() -> float | None:
    """Peak resident memory since the last `reset_peak_rss` (VmHWM), in MB; None off Linux."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return round(int(found.group(1)) / 1024, 1) if found else None


def stages(raw_dir: Path, domain_timeout: int = DOMAIN_TIMEOUT_S) -> dict[str, Any]:
    """Validation, cleaning and every domain's compute on one raw cohort (run in a child)."""
    import importlib

    from analysis.clean import build_cohort
    from analysis.config import load_config
    from analysis.memory import release_memory
    from analysis.validate import load_raw

    config = load_config(CONFIG)
    out: dict[str, Any] = {"stages": {}, "errors": {}}
    out["stage_peak_rss_mb"] = {}
    # CPU seconds of the process (every thread) per stage: unlike wall time, not stretched by
    # other work on a shared machine.
    out["stage_cpu_s"] = {}
    # The peak of every window, imports included. Not the process's ru_maxrss: that keeps the
    # peak of the parent it was forked from (the benchmark, which has just resampled the
    # cohort), where the window (VmHWM) starts with the new program.
    peaks = [stage_peak_rss_mb()]

    def timed(name: str, step: Callable[[], Any], limit: int = 0) -> Any:
        start, cpu = time.perf_counter(), time.process_time()
        reset_peak_rss()
        try:
            _time_limit(limit)  # 0: no limit
            return step()
        except StageTimeout as err:
            out["errors"][name] = str(err)
        except Exception:  # noqa: BLE001 - a domain failing at scale is a finding, not a crash
            out["errors"][name] = traceback.format_exc(limit=3)[-ERROR_TAIL:]
        finally:
            signal.alarm(0)
            out["stages"][name] = round(time.perf_counter() - start, 3)
            out["stage_cpu_s"][name] = round(time.process_time() - cpu, 3)
            peak = stage_peak_rss_mb()
            if peak is not None:
                out["stage_peak_rss_mb"][name] = peak
                peaks.append(peak)
        return None

    raw = timed("validate", lambda: load_raw(raw_dir, config))
    cohort = timed("clean", lambda: build_cohort(raw, config)) if raw is not None else None
    if cohort is not None:
        # The workflow's results jobs are new processes, which never hold what cleaning freed;
        # here it is given back before they run (analysis.memory).
        del raw
        release_memory()
        start = time.perf_counter()
        modules = {}
        for domain in DOMAINS:  # imported first, so a domain's time is its computation
            modules[domain] = timed(
                f"import {domain}", lambda d=domain: importlib.import_module(f"analysis.{d}")
            )
            del out["stages"][f"import {domain}"]
            del out["stage_cpu_s"][f"import {domain}"]
            out["stage_peak_rss_mb"].pop(f"import {domain}", None)
        out["stages"]["import domains"] = round(time.perf_counter() - start, 3)
        for domain, module in modules.items():
            if module is not None:
                timed(domain, lambda m=module: m.compute(cohort, config), domain_timeout)
    out["peak_rss_mb"] = max((p for p in peaks if p is not None), default=None)  # None off Linux
    return out


def scale(sizes: list[int], domain_timeout: int = DOMAIN_TIMEOUT_S) -> list[dict[str, Any]]:
    """Wall time and peak memory of the analysis stages per cohort size, each in a new process."""
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="qct-scale-") as tmp:
            try:
                resampler = write_cohort(n, Path(tmp))
            except Exception as err:  # noqa: BLE001 - recorded, the other sizes still run
                rows.append({"participants": n, "error": f"cohort not built: {err!r}"})
                continue
            child = run(
                [
                    sys.executable,
                    "-m",
                    "analysis.bench",
                    "--stages",
                    tmp,
                    "--domain-timeout",
                    str(domain_timeout),
                ],
                ROOT,
            )
        row: dict[str, Any] = {
            "participants": n,
            "seconds": round(child["seconds"], 3),
            "resampler": resampler,
        }
        if "error" in child:
            row["error"] = child["error"]
        else:
            row.update(json.loads(child["stdout"].strip().splitlines()[-1]))
        row["per_participant_us"] = round(row["seconds"] / n * 1e6, 2)
        if (
            "stage_cpu_s" in row
        ):  # the stages' CPU seconds: the cost a busy machine does not stretch
            row["cpu_seconds"] = round(sum(row["stage_cpu_s"].values()), 3)
            row["per_participant_cpu_us"] = round(row["cpu_seconds"] / n * 1e6, 2)
        row["ratios"] = scale_ratios(row, rows[-1] if rows else None)
        rows.append(row)
    return rows


def scale_ratios(row: dict[str, Any], smaller: dict[str, Any] | None) -> dict[str, Any]:
    """A scale row against the targets (time only from a million participants up, where the
    target is set) and its cost per participant against the next smaller size's."""
    n = row["participants"]
    peak = row.get("peak_rss_mb")
    before = smaller.get("per_participant_us") if smaller and "error" not in smaller else None
    return {
        "seconds_over_target": round(row["seconds"] / (TARGET_S_PER_MILLION * n / 1e6), 2)
        if n >= 1_000_000 and "error" not in row
        else None,
        "peak_over_target": round(peak / TARGET_PEAK_MB, 2) if peak else None,
        "per_participant_over_smaller": round(row["per_participant_us"] / before, 2)
        if before and "error" not in row
        else None,
    }


# Issue 18's targets on the build (a ratio to the floor it is held against, at most this).
BUILD_TARGETS = {
    "cold_build_s_over_floor_s": ("cold build at most 2x its floor", 2.0),
    "noop_build_s_over_snakemake_startup_s": ("no-op build at most 1.2x Snakemake's start-up", 1.2),
}


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Each of issue 18's targets this run measured: the ratio it is judged by, its limit and
    whether it is met (a ratio that could not be measured is not met)."""

    def judged(name: str, ratio: float | None, limit: float, ok: bool = True) -> dict[str, Any]:
        return {
            "target": name,
            "ratio": ratio,
            "limit": limit,
            "met": ok and ratio is not None and ratio <= limit,
        }

    out = [
        judged(name, result["ratios"].get(key), limit)
        for key, (name, limit) in BUILD_TARGETS.items()
        if "ratios" in result
    ]
    for row in result["scale"]:
        if row["participants"] < 1_000_000:
            continue
        size = f"{row['participants']:,} participants x 4 waves through every analysis"
        complete = "error" not in row and not row.get("errors")  # no stage failed or timed out
        ratios = row.get("ratios", {})
        out.append(
            judged(
                f"{size} in at most {TARGET_S_PER_MILLION * row['participants'] / 1e6:g} s",
                ratios.get("seconds_over_target"),
                1.0,
                complete,
            )
        )
        out.append(
            judged(
                f"{size} in at most {TARGET_PEAK_MB:,.0f} MB peak memory",
                ratios.get("peak_over_target"),
                1.0,
                complete,
            )
        )
    rising = [
        r["ratios"]["per_participant_over_smaller"]
        for r in result["scale"]
        if r.get("ratios", {}).get("per_participant_over_smaller") is not None
    ]
    if rising:
        out.append(
            judged(
                "cost per participant not rising with size (largest ratio to the next smaller)",
                max(rising),
                1.0,
            )
        )
    return out


def benchmark(
    sizes: list[int], repeats: int, builds: bool, domain_timeout: int = DOMAIN_TIMEOUT_S
) -> dict[str, Any]:
    out: dict[str, Any] = {
        # The code measured: a table is only as current as the commit it names.
        "commit": git_commit(ROOT),
        "repeats": repeats,
        "cores": os.cpu_count(),
        "domain_timeout_s": domain_timeout,
        "load_average_start": round(os.getloadavg()[0], 2),
    }
    if builds:
        out.update(build_timings(repeats))
    out["imports"] = import_times()
    out["scale"] = scale(sizes, domain_timeout)
    out["load_average_end"] = round(os.getloadavg()[0], 2)
    out["targets"] = targets(out)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object (the default)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sizes", default=",".join(map(str, FULL_SIZES)))
    parser.add_argument(
        "--quick",
        action="store_true",
        help="sizes 157 and 2000, one repeat, no workflow builds (for tests)",
    )
    parser.add_argument(
        "--skip-builds", action="store_true", help="only the scale measurements (no Snakemake runs)"
    )
    parser.add_argument(
        "--domain-timeout",
        type=int,
        default=DOMAIN_TIMEOUT_S,
        help="seconds a results domain may take at one size before it is stopped",
    )
    parser.add_argument(
        "--table", type=Path, help="also write the figures as a Markdown table (docs/benchmark.md)"
    )
    parser.add_argument(
        "--readme",
        type=Path,
        help="also write the targets table between the benchmark markers of this README",
    )
    parser.add_argument("--stages", type=Path, help=argparse.SUPPRESS)  # the child processes
    parser.add_argument("--render-split", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.stages:
        print(json.dumps(stages(args.stages, args.domain_timeout)))
        return
    if args.render_split:
        print(json.dumps(render_split(args.render_split)))
        return
    if args.quick:
        result = benchmark(QUICK_SIZES, 1, builds=False, domain_timeout=args.domain_timeout)
    else:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
        result = benchmark(
            sizes,
            max(1, args.repeats),
            builds=not args.skip_builds,
            domain_timeout=args.domain_timeout,
        )
    if args.table:
        from analysis.bench_table import markdown
        from analysis.io import atomic_write

        atomic_write(args.table, lambda tmp: tmp.write_text(markdown(result), encoding="utf-8"))
    if args.readme:
        from analysis.bench_table import readme_block
        from analysis.io import atomic_write

        text = readme_block(args.readme.read_text(encoding="utf-8"), result)
        atomic_write(args.readme, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
