"""Inputs of analysis.numbers for the tests: real results from the shipped cohort, and small
hand-made scorecard, cited facts and provenance.

The results are computed once per test session from data/raw with the analysis modules
themselves, so a renamed or removed results key fails the manuscript tests at once.
"""

from __future__ import annotations

import copy
import functools
import importlib
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.clean import build_cohort
from analysis.codebook import Origin
from analysis.config import effective_config
from analysis.io import to_jsonable
from analysis.numbers import DOMAINS, SENSITIVITY
from analysis.validate import load_raw

ROOT = Path(__file__).resolve().parent.parent

SCORECARD = pd.DataFrame(
    {
        "id": ["study_n_total", "prof_male_n", "off_days_qct_t1"],
        "quantity": ["people in the sample", "men", "QCT mean crime days at intake"],
        "published": ["157", "120", "23"],
        "regenerated": ["157", "120", ""],
        "match": ["true", "true", "false"],
        "note": ["", "", "not computed"],
    }
)
CITED = pd.DataFrame(
    {
        "id": ["dtto_orders_since_2001"],
        "fact": ["orders"],
        "value": ["40,000"],
        "source": ["National Probation Service 2006: 15"],
        "location": ["Intro"],
    }
)
PROVENANCE: dict[str, Any] = {
    "git": {"commit": "a" * 40, "short": "a" * 12, "date": "2024-05-01", "modified": "no"},
    "data": {"participants.csv": "b" * 64},
    "packages": {"pandas": "2.3.0", "pypandoc-binary": "1.15"},
    "python": "3.11.9",
    "renderer": "fallback",
    "anonymity": {
        "quasi_identifiers": ["sex", "age_band", "ethnicity", "site"],
        "age_band_years": 10,
        "k": 1,
        "n_classes": 80,
        "small_class_size": 5,
        "n_people_in_small_classes": 120,
    },
    # As the provenance job writes it (a JSON object).
    "origin": asdict(Origin("synthetic", "synthesis", 1)),
}


# Few imputations and replicates: the sensitivity results' layout, not their precision, matters
# to the manuscript tests.
FAST_SENSITIVITY = {
    "imputations": 2,
    "burn_in": 2,
    "bootstrap_replicates": 20,
    "imputation_jobs": 1,
    "bootstrap_shards": 1,
}


def sensitivity_results(cohort: pd.DataFrame, config: dict[str, Any]) -> dict[str, Any]:
    """The pooled sensitivity analysis with one imputation job and one bootstrap shard."""
    from analysis.sensitivity import bootstrap, imputation, results

    fast = {**config, "sensitivity": {**config.get("sensitivity", {}), **FAST_SENSITIVITY}}
    return results.sensitivity_results(
        cohort,
        fast,
        [imputation.imputation_job(cohort, fast, 0)],
        [bootstrap.bootstrap_shard(cohort, fast, 0)],
    )


def compute_results(raw_dir: Path, config: dict[str, Any]) -> dict[str, Any]:
    """Every domain's results from a raw directory, as the workflow computes and writes them
    (the sensitivity analysis with few imputations and replicates)."""
    cohort = build_cohort(load_raw(raw_dir, config), config)
    computed = {
        d: importlib.import_module(f"analysis.{d}").compute(cohort, config) for d in DOMAINS
    }
    computed[SENSITIVITY] = sensitivity_results(cohort, config)
    # Through to_jsonable, as write_json does: NaN becomes None, numpy scalars plain numbers.
    return {name: to_jsonable(result) for name, result in computed.items()}


@functools.cache
def _shipped() -> tuple[dict[str, Any], dict[str, Any]]:
    config = effective_config()
    return compute_results(ROOT / "data" / "raw", config), config


def shipped_results() -> tuple[dict[str, Any], dict[str, Any]]:
    """(results of every domain, config), a fresh deep copy each call so tests may edit them."""
    return copy.deepcopy(_shipped())
