"""The benchmark's JSON (analysis.bench) as the Markdown page the README links (docs/benchmark.md).

Every figure stands beside the floor or target it is held against and their ratio, and the
page says how loaded the machine was, so a figure measured on a busy machine is never read as
an idle one.
"""

from __future__ import annotations

from typing import Any

from analysis.bench import BUILD_FLOORS, NOOP_PAIRS, TARGET_PEAK_MB, TARGET_S_PER_MILLION

BUILD_NAMES = {
    "cold_build_s": "cold `snakemake all` (fresh copy, no outputs)",
    "noop_build_s": "no-op `snakemake all`",
    "prose_edit_build_s": "after a prose-only edit (only `render` should rerun)",
    "input_edit_build_s": "after a one-cell edit of interviews.csv",
}
FLOOR_NAMES = {
    "snakemake_startup_s": "`snakemake --version`",
    "floor_s": "one process: import the stack, render",
}


def _num(value: Any, digits: int = 2) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}"


def _ratio(value: Any) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def _builds(result: dict[str, Any]) -> list[str]:
    lines = [
        "## Builds",
        "",
        f"Median of {result['repeats']} run(s) in a fresh copy of the project; the no-op and"
        f" `snakemake --version` alternate, {NOOP_PAIRS} of each per copy.",
        "",
        "| build | seconds | floor | floor seconds | ratio |",
        "|---|---:|---|---:|---:|",
    ]
    for key, floor in BUILD_FLOORS.items():
        lines.append(
            f"| {BUILD_NAMES[key]} | {_num(result[key]['median_s'])} | "
            f"{FLOOR_NAMES[floor]} | {_num(result[floor]['median_s'])} | "
            f"{_ratio(result['ratios'][f'{key}_over_{floor}'])} |"
        )
    reran = ", ".join(result["prose_edit_reran"] or []) or "nothing"
    lines += ["", f"A prose edit reran: {reran}."]
    render = result.get("render_fallback", {})
    if "error" not in render:
        lines += [
            "",
            "The fallback render (pandoc + Typst) of the built manuscript, apart. Its three "
            "pandoc writers run side by side and the PDF is compiled beside the HTML writer, so "
            "each tool's row is the time it was running and the shares can add up to more than "
            "100%; Python is the time no tool ran:",
            "",
            "| render step | seconds | share |",
            "|---|---:|---:|",
        ]
        for key, name in (
            ("pandoc_s", "pandoc (read once; write HTML, Typst and DOCX)"),
            ("typst_s", "Typst compile (PDF)"),
            ("python_s", "Python (shortcodes, cross-references, JSON)"),
            ("total_s", "total"),
        ):
            lines.append(
                f"| {name} | {_num(render[key])} | "
                f"{_num(100 * render[key] / render['total_s'], 0)}% |"
            )
    return lines + [""]


def _jobs(jobs: dict[str, dict[str, Any]]) -> list[str]:
    lines = [
        "## Jobs of the cold build",
        "",
        "Read from the `benchmark:` file Snakemake writes for every job (`benchmarks/`); "
        "median over the cold builds. Snakemake samples memory while a job runs, so a job "
        "shorter than its first sample has none (n/a).",
        "",
        "| job | seconds | CPU seconds | peak MB |",
        "|---|---:|---:|---:|",
    ]
    for job, row in sorted(jobs.items(), key=lambda kv: -(kv[1]["seconds"] or 0)):
        lines.append(
            f"| `{job}` | {_num(row['seconds'])} | {_num(row['cpu_s'])} | "
            f"{_num(row['max_rss_mb'], 0)} |"
        )
    total = sum(row["seconds"] or 0 for row in jobs.values())
    lines += ["", f"The jobs' seconds add up to {total:,.2f} (they run two at a time)."]
    return lines + [""]


def measured_code(result: dict[str, Any]) -> str:
    """The commit a run measured (git_commit), with a warning when its tree was modified."""
    commit = result.get("commit")
    if not commit:
        return "an unrecorded commit"
    modified = " with uncommitted changes" if commit["modified"] == "yes" else ""
    return f"commit {commit['short']}{modified}"


def targets_table(result: dict[str, Any]) -> list[str]:
    """Issue 18's targets: each with the ratio it is judged by, the limit and the verdict."""
    lines = [
        f"Measured in one run of {measured_code(result)} on {result['cores']} cores, "
        "load average (1 min) "
        f"{result['load_average_start']:.1f} at the start and "
        f"{result['load_average_end']:.1f} at the end.",
        "",
        "| target | ratio | limit | met |",
        "|---|---:|---:|---|",
    ]
    for row in result["targets"]:
        lines.append(
            f"| {row['target']} | {_ratio(row['ratio'])} | {row['limit']:.2f}x | "
            f"{'yes' if row['met'] else 'no'} |"
        )
    return lines + [""]


README_START = "<!-- benchmark targets: written by analysis.bench --readme; do not edit -->"
README_END = "<!-- end of benchmark targets -->"


def readme_block(readme: str, result: dict[str, Any]) -> str:
    """The README with the targets table between its two markers replaced by this run's."""
    start, end = readme.find(README_START), readme.find(README_END)
    if start < 0 or end < start:
        raise ValueError(f"the README has no benchmark block ({README_START!r} ... {README_END!r})")
    block = "\n".join([README_START, "", *targets_table(result)])
    return readme[:start] + block + readme[end:]


def _imports(imports: dict[str, Any]) -> list[str]:
    lines = [
        "## Start-up: imports per job",
        "",
        "`python -X importtime -c 'import <module>'` for the module each workflow job runs; "
        "a package's time is the sum of its modules' own times.",
        "",
        "| job module | import ms | heaviest packages (ms) |",
        "|---|---:|---|",
    ]
    for module, row in imports.items():
        if "error" in row:
            lines.append(f"| {module} | error | |")
            continue
        heavy = ", ".join(f"{name} {ms:,.0f}" for name, ms in row["heaviest_ms"].items())
        lines.append(f"| `{module}` | {_num(row['total_ms'], 0)} | {heavy} |")
    return lines + [""]


def _scale(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "## Scale: validation to results",
        "",
        "Validation, cleaning and every results domain (no render) on the shipped cohort "
        "resampled to each size (4 waves), each size in a fresh process. Targets: "
        f"{TARGET_S_PER_MILLION:g} s per million participants, {TARGET_PEAK_MB:,.0f} MB "
        "peak memory. CPU seconds are the stages' sum over every thread, which other work on "
        "the machine does not stretch. A resampled cohort repeats the shipped cohort's people, "
        "so the logistic models' complete cases collapse to a few hundred distinct rows, which "
        "the fits weight (analysis.stats.Rows): the regression's figure here is not what a "
        "cohort of distinct people costs, whose rows stay about as many as its people.",
        "",
        "| participants | seconds | vs time target | peak MB | vs memory target | "
        "µs per participant | vs next smaller size | CPU seconds | CPU µs per participant | "
        "slowest stages (s) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        if "error" in row:
            lines.append(f"| {row['participants']:,} | error | | | | | | | | |")
            continue
        ratios = row["ratios"]
        slow = sorted(row["stages"].items(), key=lambda kv: -kv[1])[:3]
        lines.append(
            f"| {row['participants']:,} | {_num(row['seconds'], 1)} | "
            f"{_ratio(ratios['seconds_over_target'])} | {_num(row['peak_rss_mb'], 0)} | "
            f"{_ratio(ratios['peak_over_target'])} | {_num(row['per_participant_us'], 1)} | "
            f"{_ratio(ratios['per_participant_over_smaller'])} | "
            f"{_num(row.get('cpu_seconds'), 1)} | {_num(row.get('per_participant_cpu_us'), 1)} | "
            f"{', '.join(f'{name} {s:.1f}' for name, s in slow)} |"
        )
    return lines + [""]


def markdown(result: dict[str, Any]) -> str:
    """The page: how it was measured, then builds, imports and scale (those that were run)."""
    lines = [
        "# Benchmark",
        "",
        "Generated by `uv run python -m analysis.bench --table docs/benchmark.md --readme "
        "README.md`; do not "
        "edit by hand.",
        "",
        f"Code: {measured_code(result)}. Machine: {result['cores']} cores; load average (1 min) "
        f"{result['load_average_start']:.1f} at the start, "
        f"{result['load_average_end']:.1f} at the end. Times on a loaded machine are "
        "longer than on an idle one.",
        "",
    ]
    if result.get("targets"):
        lines += ["## Targets (issue 18)", "", *targets_table(result)]
    if "cold_build_s" in result:
        lines += _builds(result)
        lines += _jobs(result.get("jobs", {}))
    lines += _imports(result["imports"])
    lines += _scale(result["scale"])
    return "\n".join(lines)
