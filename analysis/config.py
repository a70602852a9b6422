"""Loading the build configuration and answering questions about its waves.

Nothing in `analysis/` names a wave id literally: the baseline, the first and the last
follow-up come from here, so that adding a wave is one config entry.
"""

from __future__ import annotations

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
    from snakemake.utils import validate  # only here: jobs read their slices with load_config

    config = load_config(path)
    validate(config, str(SCHEMA), set_default=True)
    return config


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
