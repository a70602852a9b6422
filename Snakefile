# The QCT evaluation build: cohort data -> validation and cleaning -> results -> figures,
# tables and numbers -> the rendered report. Read top to bottom; DESIGN.md explains why.
#
#   uv run snakemake all                                  # everything, on all cores
#   uv run snakemake data/processed/results/offending.json   # rerun one analysis
#   uv run snakemake all --config missing_data=complete_case raw_dir=/path/to/extract
#
# Every rule is a thin call of one `python -m analysis.<module>` command. Snakemake does not
# follow Python imports, so each rule lists the analysis modules it runs among its inputs:
# editing a module reruns exactly the rules that use it.

import json
import shlex
import sys
from glob import glob
from pathlib import Path

from snakemake.utils import min_version, validate

from analysis.results import DOMAINS  # the results domains: the package's one list

min_version("9.0")


configfile: "config/config.yaml"


validate(config, "config/config.schema.yaml")

# Jobs run with the interpreter that runs Snakemake (the locked environment under `uv run`),
# never whatever `python` happens to be first on PATH.
PYTHON = shlex.quote(sys.executable)
PROCESSED = "data/processed"
RESULTS = f"{PROCESSED}/results"
FIGURES = "figures"
MANUSCRIPT = "manuscript"
OUTPUT = f"{MANUSCRIPT}/_output"
RAW_FILES = ["participants.csv", "interviews.csv", "treatment.csv"]
FIGURE_NAMES = ["fig1_crime_days", "fig2_illicit_days", "fig3_status_by_wave"]
# The modules every analysis imports (shared plumbing and statistics).
COMMON = ["analysis/__init__.py", "analysis/config.py", "analysis/io.py"]
STATS = COMMON + ["analysis/stats.py", "analysis/views.py", "analysis/codebook.py",
                  "analysis/domain_cli.py"]


def raw(name):
    return str(Path(config["raw_dir"]) / name)


wildcard_constraints:
    domain="|".join(DOMAINS),


rule all:
    input:
        f"{OUTPUT}/report.html",
        f"{OUTPUT}/report.pdf",
        f"{PROCESSED}/reproduction.csv",


# Regenerate the synthetic reconstruction of the cohort in data/raw/ (not part of `all`:
# the committed files are the build's input; a test checks they equal a fresh synthesis).
rule synthesize:
    shell:
        "{PYTHON} -m analysis.synthesize --config config/config.yaml --out-dir data/raw"


# The effective configuration (config.yaml plus any --config overrides), as one JSON file
# that the analysis commands read. Rewritten only when the configuration changes.
rule effective_config:
    output:
        f"{PROCESSED}/config.json",
    params:
        config=json.dumps(config, sort_keys=True),
    run:
        from analysis.io import write_json

        write_json(json.loads(params.config), output[0])


rule cohort:
    input:
        data=[raw(name) for name in RAW_FILES],
        config=rules.effective_config.output,
        code=COMMON + ["analysis/codebook.py", "analysis/validate.py", "analysis/clean.py"],
    output:
        f"{PROCESSED}/cohort.parquet",
    params:
        raw_dir=config["raw_dir"],
    shell:
        "{PYTHON} -m analysis.clean --raw-dir {params.raw_dir} --config {input.config} --out {output}"


rule results:
    input:
        cohort=rules.cohort.output,
        config=rules.effective_config.output,
        code=STATS + ["analysis/{domain}.py"],
    output:
        f"{RESULTS}/{{domain}}.json",
    shell:
        "{PYTHON} -m analysis.{wildcards.domain} --cohort {input.cohort} --config {input.config} --out {output}"


rule figures:
    input:
        results=expand(f"{RESULTS}/{{domain}}.json", domain=["study", "offending", "drug_use", "reintegration", "retention"]),
        config=rules.effective_config.output,
        code=COMMON + ["analysis/figures.py"],
    output:
        expand(f"{FIGURES}/{{name}}.{{ext}}", name=FIGURE_NAMES, ext=["svg", "png"]),
    shell:
        "{PYTHON} -m analysis.figures --results-dir {RESULTS} --config {input.config} --out-dir {FIGURES}"


rule reproduce:
    input:
        published="data/published/statistics.csv",
        results=expand(f"{RESULTS}/{{domain}}.json", domain=DOMAINS),
        code=COMMON + ["analysis/published.py", "analysis/reproduce.py", "analysis/formatting.py"],
    output:
        f"{PROCESSED}/reproduction.csv",
    shell:
        "{PYTHON} -m analysis.reproduce --published data/published --results-dir {RESULTS} --out {output}"


include: "rules/sensitivity.smk"


# Every number the text uses, formatted once, plus the generated tables and the provenance.
rule numbers:
    input:
        results=expand(f"{RESULTS}/{{domain}}.json", domain=DOMAINS),
        sensitivity=rules.sensitivity_pool.output,
        scorecard=rules.reproduce.output,
        cited="data/published/cited_facts.csv",
        consistency="docs/consistency.md",
        data=[raw(name) for name in RAW_FILES],
        origin=[p for p in [raw("ORIGIN")] if Path(p).exists()],  # optional: absent = records
        config=rules.effective_config.output,
        code=COMMON + ["analysis/formatting.py", "analysis/numbers.py", "analysis/tables.py", "analysis/provenance.py"],
    output:
        variables=f"{MANUSCRIPT}/_variables.yml",
        tables=directory(f"{MANUSCRIPT}/_tables"),
    params:
        raw_dir=config["raw_dir"],
    shell:
        "{PYTHON} -m analysis.numbers --results-dir {RESULTS} --scorecard {input.scorecard}"
        " --published data/published --consistency {input.consistency} --raw-dir {params.raw_dir}"
        " --config {input.config}"
        " --variables {output.variables} --tables {output.tables}"


rule render:
    input:
        qmd=f"{MANUSCRIPT}/report.qmd",
        sections=sorted(glob(f"{MANUSCRIPT}/sections/*.qmd")),
        project=f"{MANUSCRIPT}/_quarto.yml",
        bib=f"{MANUSCRIPT}/references.bib",
        variables=rules.numbers.output.variables,
        tables=rules.numbers.output.tables,
        figures=rules.figures.output,
        sensitivity_figure=rules.sensitivity_figure.output,
        code=COMMON + sorted(glob("analysis/render/*.*")) + ["analysis/formatting.py"],
    output:
        html=f"{OUTPUT}/report.html",
        pdf=f"{OUTPUT}/report.pdf",
    params:
        renderer=config["render"]["renderer"],
    shell:
        "{PYTHON} -m analysis.render --manuscript {MANUSCRIPT} --out {OUTPUT} --renderer {params.renderer}"
