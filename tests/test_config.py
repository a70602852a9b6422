"""The configuration: the study's settings are required and set in config.yaml alone, the
knobs' defaults come from the schema alone, code run outside Snakemake sees the config as the
Snakefile does, and the Snakefile's check (`check_config` with a cache) refuses a bad
configuration and is not repeated for one checked before under the same schema (its kept
outcome is the same as a fresh check)."""

from __future__ import annotations

import copy

import pytest
import yaml
from snakemake.exceptions import WorkflowError

from analysis.config import (
    DEFAULT_CONFIG,
    SCHEMA,
    check_config,
    effective_config,
    load_config,
    schema_defaults,
)


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


# --- the Snakefile's check, kept for an unchanged configuration ---------------------------------

SHIPPED = load_config(DEFAULT_CONFIG)  # sets no `render`: the schema's default fills it in


def must_not_check(*args, **kwargs):
    raise AssertionError("the configuration was checked again")


def test_a_configuration_checked_before_is_reused_as_checked(tmp_path, monkeypatch):
    cache = tmp_path / "validated.json"
    checked = copy.deepcopy(SHIPPED)
    check_config(checked, SCHEMA, cache=cache)
    assert checked["render"] == {"renderer": "auto"}  # the schema's default, filled in
    again = copy.deepcopy(SHIPPED)
    monkeypatch.setattr("snakemake.utils.validate", must_not_check)
    check_config(again, SCHEMA, cache=cache)
    assert again == checked
    assert list(again) == list(checked)  # in the same order, which the sensitivity keys follow


def test_a_bad_configuration_is_refused_after_a_good_one_was_kept(tmp_path):
    cache = tmp_path / "validated.json"
    check_config(copy.deepcopy(SHIPPED), SCHEMA, cache=cache)
    kept = cache.read_text(encoding="utf-8")
    bad = copy.deepcopy(SHIPPED) | {"missing_data": "mean"}
    with pytest.raises(WorkflowError, match="Error validating config file") as refused:
        check_config(bad, SCHEMA, cache=cache)
    assert "'mean' is not one of ['locf', 'complete_case']" in str(refused.value)
    assert cache.read_text(encoding="utf-8") == kept  # a refused configuration is never kept


def test_an_edited_schema_checks_the_configuration_again(tmp_path):
    cache = tmp_path / "validated.json"
    check_config(copy.deepcopy(SHIPPED), SCHEMA, cache=cache)
    schema = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))
    schema["properties"]["missing_data"]["enum"] = ["complete_case"]
    stricter = tmp_path / "config.schema.yaml"
    stricter.write_text(yaml.safe_dump(schema), encoding="utf-8")
    with pytest.raises(WorkflowError, match="Error validating config file") as refused:
        check_config(copy.deepcopy(SHIPPED) | {"missing_data": "locf"}, stricter, cache=cache)
    assert "'locf' is not one of ['complete_case']" in str(refused.value)
