"""Loading the build configuration and answering questions about its waves.

Nothing in `analysis/` names a wave id literally: the baseline, the first and the last
follow-up come from here, so that adding a wave is one config entry.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "config.yaml"
# The JSON Schema of the configuration: types, descriptions, required keys and the defaults of
# the rendering and sensitivity knobs.
SCHEMA = DEFAULT_CONFIG.with_name("config.schema.yaml")


@dataclass(frozen=True)
class Wave:
    """One interview wave: its id, months since intake and a human label."""

    id: str
    months: int
    label: str


@dataclass(frozen=True)
class Waves:
    """The configured waves, in time order."""

    all: tuple[Wave, ...]

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Waves:
        return cls(
            tuple(Wave(str(w["id"]), int(w["months"]), str(w["label"])) for w in config["waves"])
        )

    @property
    def ids(self) -> list[str]:
        return [w.id for w in self.all]

    @property
    def baseline(self) -> Wave:
        return self.all[0]

    @property
    def follow_ups(self) -> tuple[Wave, ...]:
        return self.all[1:]

    @property
    def first_follow_up(self) -> Wave:
        return self.all[1]

    @property
    def last_follow_up(self) -> Wave:
        return self.all[-1]

    def by_id(self, wave_id: str) -> Wave:
        for w in self.all:
            if w.id == wave_id:
                return w
        raise KeyError(f"wave {wave_id!r} is not configured (configured: {', '.join(self.ids)})")


def load_config(path: str | Path = DEFAULT_CONFIG) -> dict[str, Any]:
    """Read a config YAML (or JSON) file into a plain dict, as it is: validation and defaults
    are the Snakefile's job, and a job's config slice holds only the keys the job may read."""
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def effective_config(path: str | Path = DEFAULT_CONFIG) -> dict[str, Any]:
    """A config file as the Snakefile sees it, for code run outside Snakemake (tests, tools):
    checked against the schema with Snakemake's own validator, every default filled in."""
    config = load_config(path)
    check_config(config)
    return config


def check_config(
    config: dict[str, Any], schema: str | Path = SCHEMA, cache: str | Path | None = None
) -> None:
    """Check `config` against the JSON schema and fill in every default, in place, with
    Snakemake's own validator (snakemake.utils.validate: a bad configuration is refused with
    its message).

    With a `cache` file (the Snakefile's), the outcome of the last check that passed is kept
    there with its key (`_validation_key`) and reused while the key matches: every no-op build
    would otherwise check the same thing again, and importing jsonschema and reading the YAML
    schema cost about 0.15 s of a no-op build's 2.5 s of CPU. Only a configuration that passed
    is kept, so a bad one is always checked.
    """
    from snakemake.utils import validate  # only here: jobs read their slices with load_config

    if cache is None:
        validate(config, str(schema), set_default=True)
        return
    key = _validation_key(config, schema)
    try:
        kept = json.loads(Path(cache).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        kept = {}
    if kept.get("key") == key:
        config.clear()
        config.update(kept["config"])
        return
    validate(config, str(schema), set_default=True)
    text = json.dumps({"key": key, "config": config}, ensure_ascii=False, default=repr)
    if json.loads(text)["config"] != config:
        return  # a value JSON does not keep as it is: check this configuration every time
    Path(cache).parent.mkdir(parents=True, exist_ok=True)
    partial = Path(cache).with_name(f".{Path(cache).name}.{os.getpid()}.tmp")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, cache)  # whole or not at all, whoever reads it at the same time


def _validation_key(config: dict[str, Any], schema: str | Path) -> str:
    """What the outcome of checking `config` against `schema` depends on: the configuration,
    the schema's text and the versions of Snakemake and of jsonschema (its dist-info folder,
    found without importing it)."""
    import snakemake

    site = Path(importlib.util.find_spec("jsonschema").origin).parent.parent
    digest = hashlib.sha256()
    for part in (
        json.dumps(config, sort_keys=True, default=repr),
        Path(schema).read_text(encoding="utf-8"),
        snakemake.__version__,
        *sorted(p.name for p in site.glob("jsonschema-*.dist-info")),
    ):
        digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()


def schema_defaults(schema_path: str | Path = SCHEMA) -> dict[str, Any]:
    """The default of every configuration key that has one, from the schema (the one place
    they live). The study's own settings (waves, models, ...) have none: config.yaml sets
    them and the schema requires them."""
    with open(schema_path, encoding="utf-8") as fh:
        schema = yaml.safe_load(fh)

    def defaults(node: dict[str, Any]) -> dict[str, Any]:
        found = {}
        for key, prop in node.get("properties", {}).items():
            if "properties" in prop:
                if inner := defaults(prop):
                    found[key] = inner
            elif "default" in prop:
                found[key] = prop["default"]
        return found

    return defaults(schema)
