"""The `sensitivity` config block (defaults: config/config.schema.yaml) and the random seeds.

Every imputation and every bootstrap replicate has its own seed, derived from the config seed
and its index only. Jobs are just batches of indices, so the results are identical however
many jobs there are and in whatever order or place they run. Kept free of heavy imports: the
Snakefile reads it to plan the jobs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from analysis.config import schema_defaults

# Independent random streams: child 0 of the config seed feeds the imputations, child 1 the
# bootstrap replicates; item i of a stream gets that child's child i.
STREAMS = {"imputation": 0, "bootstrap": 1}
# Settings that only decide how the work is split into jobs (never the results).
SCHEDULING = ("imputation_jobs", "bootstrap_shards")
STREAM_JOBS = {"imputation_jobs": "imputation", "bootstrap_shards": "bootstrap"}


@dataclass(frozen=True)
class Settings:
    """How the sensitivity analyses run (config key `sensitivity`)."""

    imputations: int  # m, the number of imputed data sets
    burn_in: int  # chained-equation cycles per imputation (one independent chain each)
    k_pmm: int  # donors per missing value in predictive mean matching
    bootstrap_replicates: int  # B
    seed: int
    alpha: float  # significance level, and 1 - the confidence level of every interval
    measures: tuple[str, ...]
    # Jobs (scatter): how the imputations and replicates are split, never the results.
    imputation_jobs: int
    bootstrap_shards: int

    def __post_init__(self) -> None:
        if self.imputations < 2:
            raise ValueError(
                "sensitivity.imputations must be at least 2 (Rubin's rules need "
                f"a between-imputation variance), got {self.imputations}"
            )
        if self.burn_in < 1 or self.k_pmm < 1:
            raise ValueError("sensitivity.burn_in and sensitivity.k_pmm must be at least 1")
        if not 0 < self.alpha < 1:
            raise ValueError(f"sensitivity.alpha must be in (0, 1), got {self.alpha}")
        if not self.measures:
            raise ValueError("sensitivity.measures must name at least one measure")

    def check_split(self, *streams: str) -> None:
        """Refuse a job count outside 1..the items it splits (checked by the workflow for both
        streams, and by each job for its own: a job is not keyed on the other's count)."""
        for name, total in (
            ("imputation_jobs", self.imputations),
            ("bootstrap_shards", self.bootstrap_replicates),
        ):
            if streams and STREAM_JOBS[name] not in streams:
                continue
            if not 1 <= getattr(self, name) <= total:
                raise ValueError(
                    f"sensitivity.{name} must be between 1 and {total}, got {getattr(self, name)}"
                )

    def job_items(self, stream: str, job: int) -> range:
        """The imputation or replicate indices of job `job` of `stream`: contiguous, as even as
        possible, the larger jobs first."""
        total, jobs = (
            (self.imputations, self.imputation_jobs)
            if stream == "imputation"
            else (self.bootstrap_replicates, self.bootstrap_shards)
        )
        self.check_split(stream)
        if not 0 <= job < jobs:
            raise ValueError(f"{stream} job {job} is outside 0..{jobs - 1}")
        base, extra = divmod(total, jobs)
        start = job * base + min(job, extra)
        return range(start, start + base + (job < extra))

    def result_settings(self) -> dict[str, Any]:
        """The settings that decide the results (all but the job split), for stale-file checks."""
        return {
            k: list(v) if isinstance(v, tuple) else v
            for k, v in asdict(self).items()
            if k not in SCHEDULING
        }


def settings(config: dict[str, Any]) -> Settings:
    """The sensitivity settings of a build config (the schema's default for a missing key)."""
    block = dict(config.get("sensitivity") or {})
    if set(block) < {f.name for f in fields(Settings)}:  # the schema is read only when needed
        block = {**schema_defaults()["sensitivity"], **block}
    unknown = sorted(set(block) - {f.name for f in fields(Settings)})
    if unknown:
        raise ValueError(f"config sensitivity: unknown keys {unknown}")
    if "measures" in block:
        block["measures"] = tuple(block["measures"])
    return Settings(**block)


def item_seed(seed: int, stream: str, index: int) -> np.random.SeedSequence:
    """The seed of item `index` of `stream`: the same as
    SeedSequence(seed).spawn(...)[STREAMS[stream]].spawn(...)[index], built directly so that a
    job needs no knowledge of the others."""
    return np.random.SeedSequence(seed, spawn_key=(STREAMS[stream], index))
