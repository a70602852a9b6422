"""Every published statistic has a result path, the path resolves to a number in results computed
from data/raw, and the number stays put when a later wave is added (docs/results_format.md:
paths name waves by id, and quantities over the follow-up period run through a named wave)."""

from __future__ import annotations

import copy
import math

import pandas as pd
import pytest

from analysis.config import Waves
from analysis.published import load_published
from analysis.results import lookup_number
from tests.results_fixture import ROOT, compute_results, shipped_results

PUBLISHED = ROOT / "data" / "published"
NEW_WAVE = {"id": "t5", "months": 24, "label": "24-month follow-up"}


@pytest.fixture(scope="module")
def published() -> pd.DataFrame:
    return load_published(PUBLISHED)


@pytest.fixture(scope="module")
def shipped() -> tuple[dict, dict]:
    return shipped_results()


def _values(results: dict, published: pd.DataFrame) -> dict[str, float | None]:
    return {row.id: lookup_number(results, row.result_path) for row in published.itertuples()}


def _with_copied_last_wave(source, target, config: dict) -> dict:
    """A raw directory in `target` whose new last wave repeats the old last wave's rows exactly;
    returns the config with that wave appended."""
    last = Waves.from_config(config).last_follow_up.id
    target.mkdir()
    for path in sorted(source.glob("*.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        if "wave" in frame.columns:
            copied = frame.loc[frame["wave"] == last].assign(wave=NEW_WAVE["id"])
            frame = pd.concat([frame, copied], ignore_index=True)
        frame.to_csv(target / path.name, index=False, lineterminator="\n")
    extended = copy.deepcopy(config)
    extended["waves"].append(dict(NEW_WAVE))
    return extended


def test_every_statistic_has_a_path_to_a_number(published, shipped):
    results, _ = shipped
    assert published.loc[published["result_path"] == "", "id"].tolist() == []
    values = _values(results, published)
    unresolved = [i for i, v in values.items() if v is None or math.isnan(v)]
    assert unresolved == []


def test_p_thresholds_point_at_exact_p_values(published):
    thresholds = published.loc[published["kind"] == "p_threshold", "result_path"]
    assert thresholds.str.endswith(".p").all()


def test_a_copy_of_the_last_wave_as_a_new_wave_leaves_every_value_unchanged(
    published, shipped, tmp_path
):
    results, config = shipped
    raw = tmp_path / "raw"
    extended = _with_copied_last_wave(ROOT / "data" / "raw", raw, config)
    longer = compute_results(raw, extended)
    # The new wave is really there, so the comparison below is not vacuous.
    assert (
        longer["study"]["interviews"][NEW_WAVE["id"]]
        == results["study"]["interviews"][Waves.from_config(config).last_follow_up.id]
    )
    before, after = _values(results, published), _values(longer, published)
    changed = {i: (before[i], after[i]) for i in before if before[i] != after[i]}
    assert changed == {}
