"""The configuration check of the Snakefile (rules/common.smk `validate_config`): the schema
refuses a bad configuration and fills in defaults, and a configuration checked before under the
same schema is not checked again (its kept outcome is the same as a fresh check)."""

from __future__ import annotations

import copy
import runpy

import pytest
import yaml
from snakemake.exceptions import WorkflowError

from tests.workflow_copy import ROOT

COMMON = runpy.run_path(str(ROOT / "rules/common.smk"))
validate_config = COMMON["validate_config"]
SCHEMA = ROOT / "config" / "config.schema.yaml"
SHIPPED = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))


def must_not_check(*args, **kwargs):
    raise AssertionError("the configuration was checked again")


def test_a_configuration_checked_before_is_reused_as_checked(tmp_path, monkeypatch):
    cache = tmp_path / "validated.json"
    without_render = {key: value for key, value in SHIPPED.items() if key != "render"}
    checked = copy.deepcopy(without_render)
    validate_config(checked, SCHEMA, cache=cache)
    assert checked["render"] == {"renderer": "auto"}  # the schema's default, filled in
    again = copy.deepcopy(without_render)
    monkeypatch.setitem(validate_config.__globals__, "validate", must_not_check)
    validate_config(again, SCHEMA, cache=cache)
    assert again == checked
    assert list(again) == list(checked)  # in the same order, which the sensitivity keys follow


def test_a_bad_configuration_is_refused_after_a_good_one_was_kept(tmp_path):
    cache = tmp_path / "validated.json"
    validate_config(copy.deepcopy(SHIPPED), SCHEMA, cache=cache)
    kept = cache.read_text(encoding="utf-8")
    bad = copy.deepcopy(SHIPPED) | {"missing_data": "mean"}
    with pytest.raises(WorkflowError, match="Error validating config file") as refused:
        validate_config(bad, SCHEMA, cache=cache)
    assert "'mean' is not one of ['locf', 'complete_case']" in str(refused.value)
    assert cache.read_text(encoding="utf-8") == kept  # a refused configuration is never kept


def test_an_edited_schema_checks_the_configuration_again(tmp_path):
    cache = tmp_path / "validated.json"
    validate_config(copy.deepcopy(SHIPPED), SCHEMA, cache=cache)
    schema = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))
    schema["properties"]["missing_data"]["enum"] = ["complete_case"]
    stricter = tmp_path / "config.schema.yaml"
    stricter.write_text(yaml.safe_dump(schema), encoding="utf-8")
    with pytest.raises(WorkflowError, match="Error validating config file") as refused:
        validate_config(copy.deepcopy(SHIPPED) | {"missing_data": "locf"}, stricter, cache=cache)
    assert "'locf' is not one of ['complete_case']" in str(refused.value)
