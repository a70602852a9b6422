# Sensitivity of the first-follow-up findings to missing data (issue 9): complete-case vs LOCF
# (the paper) vs multiple imputation, with bootstrap intervals. Scatter-gather: the imputations
# and the bootstrap replicates are split over independent single-core jobs, which Snakemake
# runs in parallel on every core (or submits to a cluster: --profile profiles/slurm); a pooling
# job gathers them. Each imputation and each replicate is seeded from the config seed and its
# own index, so the result is byte-identical however the jobs are split or scheduled.
#
#   uv run snakemake data/processed/results/sensitivity.json manuscript/figures/fig4_sensitivity.svg
#
# Included by the Snakefile; uses its PROCESSED, RESULTS, FIGURES, config_file and rule
# cohort. Settings: config key `sensitivity` (defaults in config/config.schema.yaml); the
# shards are temporary, removed once pooled. Imputation jobs are keyed on every sensitivity
# setting but the bootstrap's job count, bootstrap jobs on every one but the imputations'.

from analysis.sensitivity.settings import settings as sensitivity_settings

SENSITIVITY = sensitivity_settings(config)
SENSITIVITY.check_split()
SENSITIVITY_DIR = f"{PROCESSED}/sensitivity"


rule sensitivity_impute:
    input:
        cohort=rules.cohort.output,
        config=config_file("sensitivity_impute"),
        # the bootstrap's job count is not in this job's slice: its settings take the schema's
        schema=SCHEMA,
        code=code("analysis.sensitivity", "analysis.sensitivity.imputation"),
    output:
        temp(f"{SENSITIVITY_DIR}/imputations_{{job}}.json"),
    log:
        "logs/sensitivity/impute_{job}.log",
    benchmark:
        "benchmarks/sensitivity/impute_{job}.tsv"
    wildcard_constraints:
        job=r"\d+",
    threads: 1
    shell:
        '"$PY" -m analysis.sensitivity impute --cohort {input.cohort:q} --config {input.config:q}'
        " --job {wildcards.job} --out {output:q} 2> {log:q}"


rule sensitivity_bootstrap:
    input:
        cohort=rules.cohort.output,
        config=config_file("sensitivity_bootstrap"),
        # the imputations' job count is not in this job's slice: its settings take the schema's
        schema=SCHEMA,
        code=code("analysis.sensitivity", "analysis.sensitivity.bootstrap"),
    output:
        temp(f"{SENSITIVITY_DIR}/bootstrap_{{job}}.json"),
    log:
        "logs/sensitivity/bootstrap_{job}.log",
    benchmark:
        "benchmarks/sensitivity/bootstrap_{job}.tsv"
    wildcard_constraints:
        job=r"\d+",
    threads: 1
    shell:
        '"$PY" -m analysis.sensitivity bootstrap --cohort {input.cohort:q} --config {input.config:q}'
        " --shard {wildcards.job} --out {output:q} 2> {log:q}"


# A checkpoint, so that Snakemake plans again once the pool has run: changing only how the work
# is split (`imputation_jobs`, `bootstrap_shards`) reruns the shards and the pool, whose output
# is byte-identical by design, and Snakemake then skips the figure and the numbers, whose
# recorded input checksum still matches (small files: --max-checksum-file-size). The render still
# reruns (to identical bytes): Snakemake re-plans only a checkpoint's direct dependents. A dry run
# cannot know the pooled bytes in advance, so it lists all of them as planned.
checkpoint sensitivity_pool:
    input:
        cohort=rules.cohort.output,
        config=config_file("sensitivity_pool"),
        imputations=expand(
            f"{SENSITIVITY_DIR}/imputations_{{job}}.json",
            job=range(SENSITIVITY.imputation_jobs),
        ),
        bootstrap=expand(
            f"{SENSITIVITY_DIR}/bootstrap_{{job}}.json", job=range(SENSITIVITY.bootstrap_shards)
        ),
        code=code("analysis.sensitivity", "analysis.sensitivity.results"),
    output:
        f"{RESULTS}/sensitivity.json",
    log:
        "logs/sensitivity/pool.log",
    benchmark:
        "benchmarks/sensitivity/pool.tsv"
    shell:
        '"$PY" -m analysis.sensitivity pool --cohort {input.cohort:q} --config {input.config:q}'
        " --imputations {input.imputations:q} --bootstrap {input.bootstrap:q}"
        " --out {output:q} 2> {log:q}"


rule sensitivity_figure:
    input:
        results=rules.sensitivity_pool.output,
        code=code("analysis.sensitivity", "analysis.sensitivity.figure"),
    output:
        expand(f"{FIGURES}/fig4_sensitivity.{{ext}}", ext=["svg", "png"]),
    log:
        "logs/sensitivity/figure.log",
    benchmark:
        "benchmarks/sensitivity/figure.tsv"
    params:
        stem=lambda wildcards, output: os.path.splitext(output[0])[0],
    shell:
        '"$PY" -m analysis.sensitivity figure --results {input.results:q} --out-stem {params.stem:q}'
        " 2> {log:q}"
