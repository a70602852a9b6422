# The QCT evaluation build: cohort data -> validation and cleaning -> results -> figures,
# tables and numbers -> the rendered report. Read top to bottom; DESIGN.md explains why.
#
#   uv run snakemake all                                  # everything, on all cores
#   uv run snakemake data/processed/results/offending.json   # rerun one analysis
#   uv run snakemake all --config missing_data=complete_case raw_dir=/path/to/extract
#
# Every rule is a thin call of one `python -m analysis.<module>` command that reads only the
# files declared as its inputs. What a job depends on is computed, not listed by hand
# (rules/common.smk): its code is the import closure of the module it runs, its configuration
# the keys it reads, and the raw files count by content (sha256), not modification time.
# Each job writes its stderr to logs/ and its run time to benchmarks/.
#
# `snakemake --lint` asks for a conda environment or container per rule; that is the one lint
# left, on purpose: every job runs the interpreter of the uv-locked environment (uv.lock), which
# a conda specification would only duplicate.

import os
import sys

from snakemake.utils import min_version

from analysis.config import check_config
from analysis.provenance import git_commit
from analysis.render import choose_renderer
from analysis.results import DOMAINS  # the results domains: the package's one list

min_version("9.0")


include: "rules/common.smk"


configfile: "config/config.yaml"


# Checks the configuration and fills in every default (the schema holds them); an unchanged
# configuration is not checked again: the last one that passed is kept in Snakemake's working
# folder, which `.gitignore` leaves out (analysis.config.check_config).
SCHEMA = "config/config.schema.yaml"
check_config(
    config, os.path.join(workflow.basedir, SCHEMA), cache=".snakemake/qct/validated_config.json"
)

PROCESSED = "data/processed"
RESULTS = f"{PROCESSED}/results"
MANUSCRIPT = "manuscript"
FIGURES = f"{MANUSCRIPT}/figures"  # inside the Quarto project: Typst reads only files there
OUTPUT = f"{MANUSCRIPT}/_output"
# `auto` is Quarto when the quarto CLI is on PATH, else the fallback. Resolved here and passed
# to the rules that print or use it, so installing Quarto reruns numbers (the colophon) and
# render on the next build.
RENDERER = choose_renderer(config["render"]["renderer"])
RAW_FILES = ["participants.csv", "interviews.csv", "treatment.csv"]
FIGURE_NAMES = ["fig1_crime_days", "fig2_illicit_days", "fig3_status_by_wave"]
FIGURE_DOMAINS = ["study", "offending", "drug_use", "reintegration", "retention"]
# Everything built from the raw data: removed when the raw data are refused, so that no
# report of earlier data can be taken for the current one.
DERIVED = [PROCESSED, FIGURES, f"{MANUSCRIPT}/_variables.yml", f"{MANUSCRIPT}/_tables", OUTPUT]

# The raw files must all exist before anything runs; their sha256 keys the cohort job (and
# the provenance), so replacing a file by one with other content reruns them whatever its
# modification time.
try:
    RAW, RAW_SHA256 = raw_inputs(config["raw_dir"], RAW_FILES)
    RAW_REFUSED = None
except ValueError as refused:
    RAW, RAW_SHA256, RAW_REFUSED = {}, {}, str(refused)


# The optional ORIGIN file beside the raw files (analysis.codebook.ORIGIN_FILE); its sha256,
# or "absent", is a parameter of the provenance job, so adding, removing or editing it reruns
# the data statement.
ORIGIN_PATH = os.path.join(config["raw_dir"], "ORIGIN")
ORIGIN_SHA256 = sha256_file(ORIGIN_PATH) if os.path.isfile(ORIGIN_PATH) else "absent"

# The configuration keys each kind of job reads.
DOMAIN_KEYS = ["waves", "missing_data", "site_of_interest"]
CONFIG_KEYS = {
    "cohort": ["waves", "derived.frequent_use_days"],
    **{domain: DOMAIN_KEYS for domain in DOMAINS},
    "retention": DOMAIN_KEYS + ["derived.retained_days"],
    "regression": DOMAIN_KEYS + ["regression"],
    "figures": ["waves"],
    "reproduce": ["waves"],
    "numbers": DOMAIN_KEYS + ["regression", "derived", "synthesis", "render"],
}
# The sensitivity jobs read the whole block except the other scatter's job count.
SENSITIVITY_KEYS = DOMAIN_KEYS + ["regression"]
CONFIG_KEYS |= {
    "sensitivity_impute": SENSITIVITY_KEYS + sensitivity_keys(config, "bootstrap_shards"),
    "sensitivity_bootstrap": SENSITIVITY_KEYS + sensitivity_keys(config, "imputation_jobs"),
    "sensitivity_pool": SENSITIVITY_KEYS + ["sensitivity"],
}
# Jobs run `"$PY"`, the interpreter that runs Snakemake (the locked environment under `uv run`),
# never whatever `python` is first on PATH; quoted, since its path may hold spaces. Set in every
# job's shell, after Snakemake's strict mode; braces escaped for Snakemake's formatter.
shell.prefix(f"set -euo pipefail; PY={shell_escape(sys.executable)}; ")
# The sources the render reads: everything in the manuscript folder but what the build writes.
MANUSCRIPT_SOURCES = manuscript_sources(
    MANUSCRIPT,
    generated=[
        "_output",
        "_tables",
        "_variables.yml",
        "_trace.json",
        ".quarto",
        "_generated",
        "figures",
    ],
)


# Writing a config slice is a few lines of Python in this process: never a cluster job.
localrules:
    config_slice,


wildcard_constraints:
    domain="|".join(DOMAINS),
    consumer="|".join(sorted(CONFIG_KEYS)),


onerror:
    # A refused raw extract: the cohort job failed and Snakemake removed its output. Nothing
    # built from the earlier data may look current, so remove that too and say what went.
    if not os.path.exists(f"{PROCESSED}/cohort.parquet"):
        gone = remove_outputs(DERIVED)
        if gone:
            print(stale_message(gone), file=sys.stderr)


rule all:
    input:
        f"{OUTPUT}/report.html",
        f"{OUTPUT}/report.pdf",
        f"{OUTPUT}/report.docx",
        f"{PROCESSED}/reproduction.csv",
        f"{PROCESSED}/claims.csv",


# Regenerate the synthetic reconstruction of the cohort in data/raw/ (not part of `all`:
# the committed files are the build's input; a test checks they equal a fresh synthesis).
rule synthesize:
    log:
        "logs/synthesize.log",
    shell:
        '"$PY" -m synthesis --config config/config.yaml --out-dir data/raw 2> {log:q}'


# The slice of the configuration one kind of job reads (JSON). Rewritten only when that
# slice changes, so a change elsewhere in the configuration does not rerun the job.
rule config_slice:
    output:
        config_file("{consumer}"),
    log:
        "logs/config/{consumer}.log",
    benchmark:
        "benchmarks/config/{consumer}.tsv"
    params:
        config=lambda wildcards: consumer_config(config, CONFIG_KEYS[wildcards.consumer]),
    # A shell command, not a `run:` block: Snakemake runs those in a fresh Snakemake process,
    # which costs seconds and cannot pass a raw_dir with quotes on its command line.
    shell:
        "printf '%s' {params.config:q} > {output:q} 2> {log:q}"


rule cohort:
    input:
        data=raw_files_or_refusal(RAW, RAW_REFUSED, DERIVED),
        config=config_file("cohort"),
        code=code("analysis.clean"),
        # Validation checks the declared origin too (a malformed ORIGIN stops the build).
        origin=[ORIGIN_PATH] if ORIGIN_SHA256 != "absent" else [],
    output:
        f"{PROCESSED}/cohort.parquet",
    log:
        "logs/cohort.log",
    benchmark:
        "benchmarks/cohort.tsv"
    params:
        raw_dir=lambda wildcards, input: os.path.dirname(input.data[0]),
        sha256=RAW_SHA256,
        origin_sha256=ORIGIN_SHA256,
    shell:
        '"$PY" -m analysis.clean --raw-dir {params.raw_dir:q} --config {input.config:q}'
        " --out {output:q} 2> {log:q}"


# The report's provenance: the commit and whether the tree was modified (read when the
# workflow starts, so a commit or an edit reruns this job and the colophon is the build's
# own), the raw files' sha256 (the ones that key the cohort job), the renderer that will run
# and the k-anonymity of the cohort.
rule provenance:
    input:
        cohort=rules.cohort.output,
        code=code("analysis.provenance"),
        # The declared origin the colophon and data statement report (read by this job).
        origin=[ORIGIN_PATH] if ORIGIN_SHA256 != "absent" else [],
    output:
        f"{PROCESSED}/provenance.json",
    log:
        "logs/provenance.log",
    benchmark:
        "benchmarks/provenance.tsv"
    params:
        git=json_arg(git_commit(workflow.basedir)),
        data=json_arg(RAW_SHA256),
        renderer=RENDERER,
        # The data's declared origin (absent: the study's records), keyed by content too.
        origin=lambda wildcards, input: input.origin[0] if input.origin else ORIGIN_PATH,
        origin_sha256=ORIGIN_SHA256,
    shell:
        '"$PY" -m analysis.provenance --cohort {input.cohort:q} --git {params.git:q}'
        " --data {params.data:q} --origin-file {params.origin:q}"
        " --renderer {params.renderer:q} --out {output:q} 2> {log:q}"


rule results:
    input:
        cohort=rules.cohort.output,
        config=config_file("{domain}"),
        code=lambda wildcards: code(f"analysis.{wildcards.domain}"),
    output:
        f"{RESULTS}/{{domain}}.json",
    log:
        "logs/results/{domain}.log",
    benchmark:
        "benchmarks/results/{domain}.tsv"
    shell:
        '"$PY" -m analysis.{wildcards.domain} --cohort {input.cohort:q} --config {input.config:q}'
        " --out {output:q} 2> {log:q}"


rule figures:
    input:
        results=expand(f"{RESULTS}/{{domain}}.json", domain=FIGURE_DOMAINS),
        config=config_file("figures"),
        code=code("analysis.figures"),
    output:
        expand(f"{FIGURES}/{{name}}.{{ext}}", name=FIGURE_NAMES, ext=["svg", "png"]),
    log:
        "logs/figures.log",
    benchmark:
        "benchmarks/figures.tsv"
    params:
        out_dir=lambda wildcards, output: os.path.dirname(output[0]),
    shell:
        '"$PY" -m analysis.figures --results {input.results:q} --config {input.config:q}'
        " --out-dir {params.out_dir:q} 2> {log:q}"


rule reproduce:
    input:
        # The command reads these three files of the folder it is given.
        published=[
            "data/published/statistics.csv",
            "data/published/documented_misses.csv",
            "data/published/claims.csv",
        ],
        # the statistics' waves are checked against the build's waves
        config=config_file("reproduce"),
        results=expand(f"{RESULTS}/{{domain}}.json", domain=DOMAINS),
        code=code("analysis.reproduce"),
    output:
        scorecard=f"{PROCESSED}/reproduction.csv",
        claims=f"{PROCESSED}/claims.csv",
    log:
        "logs/reproduce.log",
    benchmark:
        "benchmarks/reproduce.tsv"
    params:
        published=lambda wildcards, input: os.path.dirname(input.published[0]),
    shell:
        '"$PY" -m analysis.reproduce --published {params.published:q} --results {input.results:q}'
        " --config {input.config:q} --out {output.scorecard:q} --claims-out {output.claims:q} 2> {log:q}"


include: "rules/sensitivity.smk"


# Every number the text uses, formatted once, plus the generated tables and the provenance.
rule numbers:
    input:
        results=expand(f"{RESULTS}/{{domain}}.json", domain=DOMAINS),
        sensitivity=rules.sensitivity_pool.output,
        scorecard=rules.reproduce.output.scorecard,
        claims=rules.reproduce.output.claims,
        provenance=rules.provenance.output,
        # The command reads this file of the folder it is given.
        cited="data/published/cited_facts.csv",
        published="data/published/statistics.csv",  # read by the trace of each number
        claims_published="data/published/claims.csv",  # the claims resting on each number
        config=config_file("numbers"),
        code=code("analysis.numbers"),
    output:
        variables=f"{MANUSCRIPT}/_variables.yml",
        trace=f"{MANUSCRIPT}/_trace.json",  # each variable's origin, next to the variables
        tables=directory(f"{MANUSCRIPT}/_tables"),
    log:
        "logs/numbers.log",
    benchmark:
        "benchmarks/numbers.tsv"
    params:
        published=lambda wildcards, input: os.path.dirname(input.cited),
    shell:
        '"$PY" -m analysis.numbers --results {input.results:q} {input.sensitivity:q}'
        " --scorecard {input.scorecard:q} --claims {input.claims:q}"
        " --provenance {input.provenance:q}"
        " --published {params.published:q}"
        " --config {input.config:q} --variables {output.variables:q}"
        " --tables {output.tables:q} 2> {log:q}"


include: "rules/diff.smk"


rule render:
    input:
        sources=MANUSCRIPT_SOURCES,
        variables=rules.numbers.output.variables,
        tables=rules.numbers.output.tables,
        trace=rules.numbers.output.trace,
        figures=rules.figures.output,
        sensitivity_figure=rules.sensitivity_figure.output,
        code=code("analysis.render"),
    output:
        html=f"{OUTPUT}/report.html",
        pdf=f"{OUTPUT}/report.pdf",
        docx=f"{OUTPUT}/report.docx",
    log:
        "logs/render.log",
    benchmark:
        "benchmarks/render.tsv"
    params:
        manuscript=lambda wildcards, input: os.path.dirname(input.variables),
        out=lambda wildcards, output: os.path.dirname(output.html),
        renderer=RENDERER,
    shell:
        '"$PY" -m analysis.render --manuscript {params.manuscript:q} --out {params.out:q}'
        " --renderer {params.renderer:q} 2> {log:q}"
