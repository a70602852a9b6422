# Sensitivity of the first-follow-up findings to missing data (issue 9): complete-case vs LOCF
# (the paper) vs multiple imputation, with bootstrap intervals. Scatter-gather: the imputations
# and the bootstrap replicates are split over independent single-core jobs, which Snakemake
# runs in parallel on every core (or submits to a cluster: --profile profiles/slurm); a pooling
# job gathers them. Each imputation and each replicate is seeded from the config seed and its
# own index, so the result is byte-identical however the jobs are split or scheduled.
#
#   uv run snakemake data/processed/results/sensitivity.json manuscript/figures/fig4_sensitivity.svg
#
# Included by the Snakefile; uses its PROCESSED, RESULTS, FIGURES, STATS and rules cohort
# and effective_config. Settings: config key `sensitivity` (analysis/sensitivity/settings.py
# holds the defaults, read here too so the plan and the jobs agree).

from analysis.sensitivity.settings import settings as sensitivity_settings

SENSITIVITY = sensitivity_settings(config)
SENSITIVITY_DIR = f"{PROCESSED}/sensitivity"


def sensitivity_code(*modules):
    """The analysis modules a sensitivity job runs: the shared statistics and views, the
    package's common modules and the named ones (so an edit reruns exactly what it affects)."""
    common = ["__init__", "__main__", "settings", "methods", *modules]
    return (STATS + ["analysis/codebook.py", "analysis/views.py", "analysis/regression.py"]
            + [f"analysis/sensitivity/{m}.py" for m in dict.fromkeys(common)])


SENSITIVITY_POOL_CODE = sensitivity_code("bootstrap", "pooling", "conclusions", "results")
SENSITIVITY_CMD = "{PYTHON} -m analysis.sensitivity"


rule sensitivity_impute:
    wildcard_constraints:
        job=r"\d+",
    input:
        cohort=rules.cohort.output,
        config=rules.effective_config.output,
        code=sensitivity_code("imputation"),
    output:
        f"{SENSITIVITY_DIR}/imputations_{{job}}.json",
    threads: 1
    shell:
        SENSITIVITY_CMD + " impute --cohort {input.cohort} --config {input.config}"
        " --job {wildcards.job} --out {output}"


rule sensitivity_bootstrap:
    wildcard_constraints:
        job=r"\d+",
    input:
        cohort=rules.cohort.output,
        config=rules.effective_config.output,
        code=sensitivity_code("bootstrap"),
    output:
        f"{SENSITIVITY_DIR}/bootstrap_{{job}}.json",
    threads: 1
    shell:
        SENSITIVITY_CMD + " bootstrap --cohort {input.cohort} --config {input.config}"
        " --shard {wildcards.job} --out {output}"


rule sensitivity_pool:
    input:
        cohort=rules.cohort.output,
        config=rules.effective_config.output,
        imputations=expand(f"{SENSITIVITY_DIR}/imputations_{{job}}.json",
                           job=range(SENSITIVITY.imputation_jobs)),
        bootstrap=expand(f"{SENSITIVITY_DIR}/bootstrap_{{job}}.json",
                         job=range(SENSITIVITY.bootstrap_shards)),
        code=SENSITIVITY_POOL_CODE,
    output:
        f"{RESULTS}/sensitivity.json",
    shell:
        SENSITIVITY_CMD + " pool --cohort {input.cohort} --config {input.config}"
        " --imputations {input.imputations} --bootstrap {input.bootstrap} --out {output}"


rule sensitivity_figure:
    input:
        results=rules.sensitivity_pool.output,
        code=SENSITIVITY_POOL_CODE + ["analysis/figures.py", "analysis/sensitivity/figure.py"],
    output:
        expand(f"{FIGURES}/fig4_sensitivity.{{ext}}", ext=["svg", "png"]),
    params:
        stem=f"{FIGURES}/fig4_sensitivity",
    shell:
        SENSITIVITY_CMD + " figure --results {input.results} --out-stem {params.stem}"
