# Comparing two builds (issue 16): save the current build as a named snapshot, change something
# (the missing-data method, a new wave, the real extract), rebuild, and list what changed.
#
#   uv run snakemake data/snapshots/locf                          # save the current build
#   uv run snakemake all --config missing_data=complete_case      # rebuild under another choice
#   uv run snakemake manuscript/_output/diff/locf.html           # the diff against the snapshot
#
# A snapshot is never rebuilt from later outputs (its inputs are `ancient`); the diff of a
# snapshot that was never saved stops with a message rather than saving one silently.
# Included by the Snakefile; uses its OUTPUT, config_file and code (rules/common.smk) and rules
# reproduce and numbers. analysis/snapshot.py lists the files a snapshot keeps.

SNAPSHOTS = "data/snapshots"
DIFFS = f"{OUTPUT}/diff"
# The current build, as analysis.snapshot reads it. Plain strings: `ancient` below flags the
# strings it is given, and must not flag the other rules' own inputs and outputs.
CURRENT_BUILD = [
    str(path)
    for path in [
        config_file("numbers"),  # the configuration the report was built with
        *rules.reproduce.output,
        *rules.numbers.input.results,
        *rules.numbers.input.sensitivity,
        rules.numbers.output.variables,
        rules.numbers.output.trace,
    ]
]
DIFF_CODE = code("analysis.diff", "analysis.snapshot")
SNAPSHOT_NAME = r"[\w.-]+"


rule snapshot:
    input:
        build=ancient(CURRENT_BUILD),
        code=ancient(DIFF_CODE),
    output:
        directory(f"{SNAPSHOTS}/{{name}}"),
    log:
        "logs/snapshot/{name}.log",
    wildcard_constraints:
        name=SNAPSHOT_NAME,
    shell:
        '"$PY" -m analysis.snapshot {output:q} 2> {log:q}'


rule diff:
    input:
        old=lambda wildcards: saved_snapshot(SNAPSHOTS, wildcards.name),
        new=CURRENT_BUILD,
        code=DIFF_CODE,
    output:
        md=f"{DIFFS}/{{name}}.md",
        html=f"{DIFFS}/{{name}}.html",
    log:
        "logs/diff/{name}.log",
    wildcard_constraints:
        name=SNAPSHOT_NAME,
    shell:
        '"$PY" -m analysis.diff {input.old:q} . --md {output.md:q} --html {output.html:q}'
        " --report ../report.html 2> {log:q}"
