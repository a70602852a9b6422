"""The configuration: the study's settings are required, the knobs' defaults come from the
schema alone, and code run outside Snakemake sees the config as the Snakefile does."""

from __future__ import annotations

import pytest
import yaml
from snakemake.exceptions import WorkflowError

from analysis.config import DEFAULT_CONFIG, effective_config, load_config, schema_defaults


def write(tmp_path, config):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def test_study_settings_have_no_default_and_knobs_are_not_repeated_in_the_config():
    shipped = load_config(DEFAULT_CONFIG)
    defaults = schema_defaults()
    assert set(defaults) == {"render", "sensitivity"}
    assert not set(defaults) & set(shipped)  # each value in one place


def test_knobs_left_out_are_filled_with_the_schema_defaults(tmp_path):
    config = load_config(DEFAULT_CONFIG)
    config["sensitivity"] = {"imputations": 50}
    effective = effective_config(write(tmp_path, config))
    # Snakemake's validator fills in what analysis.config.schema_defaults reads from the schema
    assert effective["render"] == schema_defaults()["render"] == {"renderer": "auto"}
    assert effective["sensitivity"] == {**schema_defaults()["sensitivity"], "imputations": 50}
    assert effective["regression"] == config["regression"]


@pytest.mark.parametrize(
    ("drop", "missing"),
    [(("regression", "final"), "'final' is a required property"), (("waves",), "'waves'")],
)
def test_a_config_without_a_study_setting_is_refused_by_name(tmp_path, drop, missing):
    config = load_config(DEFAULT_CONFIG)
    block = config
    for key in drop[:-1]:
        block = block[key]
    del block[drop[-1]]
    with pytest.raises(WorkflowError, match=missing):
        effective_config(write(tmp_path, config))
