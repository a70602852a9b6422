"""Every domain's command line writes its JSON from a Parquet cohort and a config file."""

from __future__ import annotations

import importlib

import pytest
import yaml

from analysis.io import read_json, to_jsonable, write_parquet
from tests.cohort_fixture import small_cohort

DOMAINS = ["profile", "coercion", "retention", "offending", "drug_use", "reintegration", "study"]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    cohort, cfg = small_cohort()
    write_parquet(cohort, root / "cohort.parquet")
    (root / "config.yaml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return root


@pytest.mark.parametrize("name", DOMAINS)
def test_cli_writes_the_same_result_as_compute(inputs, name):
    module = importlib.import_module(f"analysis.{name}")
    out = inputs / "results" / f"{name}.json"
    module.main(
        [
            "--cohort",
            str(inputs / "cohort.parquet"),
            "--config",
            str(inputs / "config.yaml"),
            "--out",
            str(out),
        ]
    )
    cohort, cfg = small_cohort()
    assert read_json(out) == to_jsonable(module.compute(cohort, cfg))


def test_cli_requires_its_arguments(inputs):
    with pytest.raises(SystemExit):
        profile_main = importlib.import_module("analysis.profile").main
        profile_main(["--cohort", str(inputs / "cohort.parquet")])
