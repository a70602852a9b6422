"""Adding a follow-up wave is new data rows plus one config entry (DESIGN.md, "Waves are
configuration"), and a reviewer's analysis choice is one `--config` override.

Fast tests: the made-up fifth wave passes the strict validator on the shipped and the tiny
cohorts, and the three mistakes a user can make when adding a wave stop the load with a
message that says what to fix. Slow tests build the project twice from fresh copies (as
shipped, and with the fifth wave) and once more under the other missing-data choice.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import yaml

from analysis.codebook import INTERVIEWS, TREATMENT, RawFile
from analysis.config import Waves, load_config
from analysis.numbers import MISSING_DATA_NAMES
from analysis.validate import CohortValidationError, load_raw
from tests.helpers_cohort import TINY, TINY_CONFIG
from tests.render_text import contains, html_text
from tests.workflow_copy import ROOT, copy_project, snakemake

NEW_WAVE = {"id": "t5", "months": 24, "label": "24-month follow-up"}
# Half of the people interviewed at the last configured wave are interviewed again.
EVERY_NTH = 2
# Six months more of treatment for those still in treatment (cumulative days since intake).
DAYS_PER_WAVE = 182


# --------------------------------------------------------------------------- the new wave's rows


def _read(path: Path, spec: RawFile) -> pd.DataFrame:
    """A raw file with the codebook's whole-number columns as nullable integers."""
    frame = pd.read_csv(path, dtype={"id": str, "wave": str}, keep_default_na=False, na_values=[""])
    whole = [c.name for c in spec.columns if c.kind in ("binary", "integer")]
    return frame.astype({name: "Int64" for name in whole})


def new_wave_rows(
    interviews: pd.DataFrame, treatment: pd.DataFrame, last: str, new: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows of wave `new`: interviews of every other person interviewed at wave `last`, and
    the agency records of everyone with a record at `last` (records exist for people not
    interviewed too: the codebook's grain of treatment.csv).

    Days of crime and drug use halve (rounded down), which keeps every codebook rule: zero
    crime types exactly with zero crime days, crime days within days at liberty, illicit days
    at least heroin and crack days and any-drug days at least illicit days (halving rounded
    down preserves an order). Cumulative treatment days grow for those still in treatment;
    every other item (since-intake flags included) keeps its value, so none decreases.
    """
    seen = interviews.loc[interviews["wave"] == last].sort_values("id")
    iv = seen.iloc[::EVERY_NTH].copy()
    iv["wave"] = new
    halved = [
        "crime_days_30",
        "crime_days_180",
        "illicit_drug_days_30",
        "any_drug_days_30",
        "heroin_days_30",
        "crack_days_30",
        "injecting_days_30",
    ]
    iv[halved] = iv[halved] // 2
    iv["crime_types_30"] = iv["crime_types_30"].mask(iv["crime_days_30"].eq(0).fillna(False), 0)
    iv["drug_spend_30"] = (iv["drug_spend_30"] / 2).round()
    tr = treatment.loc[treatment["wave"] == last].copy()
    tr["wave"] = new
    still = tr["in_treatment"].eq(1).fillna(False)
    tr.loc[still, "days_in_treatment"] = tr.loc[still, "days_in_treatment"] + DAYS_PER_WAVE
    return iv, tr


def add_wave_rows(raw_dir: Path, config: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Append the new wave's rows to interviews.csv and treatment.csv; return them."""
    last = Waves.from_config(config).last_follow_up.id
    files = {spec: raw_dir / spec.name for spec in (INTERVIEWS, TREATMENT)}
    iv, tr = new_wave_rows(
        *(_read(path, spec) for spec, path in files.items()), last, NEW_WAVE["id"]
    )
    for (spec, path), rows in zip(files.items(), (iv, tr), strict=True):
        text = path.read_text(encoding="utf-8")
        body = rows[spec.column_names].to_csv(header=False, index=False, lineterminator="\n")
        path.write_text(text + ("" if text.endswith("\n") else "\n") + body, encoding="utf-8")
    return iv, tr


def with_new_wave(config: dict) -> dict:
    return {**config, "waves": [*config["waves"], NEW_WAVE]}


def add_wave_entry(config_path: Path) -> None:
    """Add the wave to config.yaml as a user would: one line after the last wave's entry."""
    lines = config_path.read_text(encoding="utf-8").splitlines(keepends=True)
    last = Waves.from_config(yaml.safe_load("".join(lines))).last_follow_up.id
    at = next(i for i, line in enumerate(lines) if re.match(rf"\s*- \{{id: {last},", line))
    entry = ", ".join(f"{k}: {v}" for k, v in NEW_WAVE.items())
    lines.insert(at + 1, f"  - {{{entry}}}\n")
    config_path.write_text("".join(lines), encoding="utf-8")


# --------------------------------------------------------------------------- fast: validation


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    shutil.copytree(TINY, raw)
    return raw


@pytest.mark.parametrize("source", ["shipped", "tiny"])
def test_new_wave_rows_pass_validation(source, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(ROOT / "data/raw" if source == "shipped" else TINY, raw)
    config = load_config() if source == "shipped" else TINY_CONFIG
    iv, tr = add_wave_rows(raw, config)
    data = load_raw(raw, with_new_wave(config))
    assert (data.interviews["wave"] == "t5").sum() == len(iv) > 0
    assert (data.treatment["wave"] == "t5").sum() == len(tr)


def test_config_entry_is_one_line_after_the_last_wave(tmp_path):
    path = tmp_path / "config.yaml"
    shutil.copy(ROOT / "config/config.yaml", path)
    before = path.read_text(encoding="utf-8")
    add_wave_entry(path)
    assert load_config(path) == with_new_wave(load_config())
    assert len(path.read_text(encoding="utf-8").splitlines()) == len(before.splitlines()) + 1


def _error(raw: Path, config: dict) -> str:
    with pytest.raises(CohortValidationError) as err:
        load_raw(raw, config)
    return str(err.value)


def test_rows_of_an_unconfigured_wave_say_add_it_to_the_config(tiny):
    add_wave_rows(tiny, TINY_CONFIG)
    message = _error(tiny, TINY_CONFIG)
    assert f"{tiny / 'interviews.csv'}: column 'wave', line " in message
    assert (
        "value 't5' is not a configured wave (configured: t1, t2, t3, t4; add the wave to "
        "config 'waves' or correct the value)" in message
    )


def test_a_configured_wave_without_interviews_says_add_them_or_remove_it(tiny):
    message = _error(tiny, with_new_wave(TINY_CONFIG))
    assert message == (
        f"{tiny / 'interviews.csv'}: column 'wave': configured wave 't5' has no interviews "
        "(every wave in config 'waves' needs at least one interview: add interviews for it or "
        "remove the config entry)"
    )


def test_a_wave_out_of_time_order_names_both_waves_the_rule_and_the_fix(tiny):
    add_wave_rows(tiny, TINY_CONFIG)
    config = with_new_wave(TINY_CONFIG)
    config["waves"][-1] = {**NEW_WAVE, "months": 18}
    assert _error(tiny, config) == (
        "config 'waves': wave 't5' at month 18 does not come after wave 't4' at month 18 "
        "(months must be strictly increasing: list the waves in time order in "
        "config/config.yaml and give 't5' a month after 18)"
    )


# --------------------------------------------------------------------------- slow: the builds


@dataclass(frozen=True)
class Builds:
    plain: Path
    extended: Path
    new_interviews: pd.DataFrame
    plain_reproduction: bytes  # kept before the plain copy is rebuilt under complete_case


@pytest.fixture(scope="module")
def builds(shipped_build, tmp_path_factory) -> Builds:
    """The project as shipped (the session's shared build) and with the fifth wave added."""
    extended = copy_project(tmp_path_factory.mktemp("extended") / "project")
    new_interviews, _ = add_wave_rows(
        extended / "data/raw", load_config(extended / "config/config.yaml")
    )
    add_wave_entry(extended / "config/config.yaml")
    snakemake(extended, "all", "--cores", "2")
    reproduction = (shipped_build / "data/processed/reproduction.csv").read_bytes()
    return Builds(shipped_build, extended, new_interviews, reproduction)


def _results(project: Path, domain: str) -> dict:
    return json.loads((project / f"data/processed/results/{domain}.json").read_text())


def _html(project: Path) -> str:
    """The report's HTML with whitespace runs collapsed (pandoc wraps long lines)."""
    return " ".join((project / "manuscript/_output/report.html").read_text("utf-8").split())


@pytest.mark.slow
def test_results_have_the_new_wave(builds):
    offending = _results(builds.extended, "offending")["crime_days_30"]
    new = builds.new_interviews.set_index("id")["crime_days_30"].dropna()
    assert offending["mean"]["all"]["t5"]["n"] == len(new)
    assert offending["mean"]["all"]["t5"]["value"] == pytest.approx(new.astype(float).mean())
    baseline = _read(builds.extended / "data/raw/interviews.csv", INTERVIEWS)
    baseline = baseline.loc[baseline["wave"] == "t1"].set_index("id")["crime_days_30"]
    pairs = pd.concat([baseline, new], axis=1, join="inner").dropna()
    test = offending["wilcoxon"]["all"]["t1_t5"]
    assert test["n_pairs"] == len(pairs)
    assert test["n_nonzero"] == int((pairs.iloc[:, 0] != pairs.iloc[:, 1]).sum())
    assert "t5" not in _results(builds.plain, "offending")["crime_days_30"]["mean"]["all"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["fig1_crime_days", "fig2_illicit_days", "fig3_status_by_wave"])
def test_figures_show_the_new_wave(builds, name):
    def text(project: Path) -> str:
        return (project / f"manuscript/figures/{name}.svg").read_text(encoding="utf-8")

    # Figures 1 and 2 label the waves by their labels, Figure 3 by their months (SVG text).
    shown = (
        f">{NEW_WAVE['months']}<"
        if name == "fig3_status_by_wave"
        else f">{NEW_WAVE['label'][:1].upper()}{NEW_WAVE['label'][1:]}<"
    )
    assert shown in text(builds.extended)
    assert shown not in text(builds.plain)


@pytest.mark.slow
def test_per_wave_tables_gain_the_new_wave(builds):
    """Every generated table that lists all follow-up labels lists the new one too."""
    labels = [w["label"] for w in load_config(builds.plain / "config/config.yaml")["waves"][1:]]
    tables = sorted((builds.plain / "manuscript/_tables").glob("*.md"))
    per_wave = [
        t.name
        for t in tables
        if all(label.lower() in t.read_text("utf-8").lower() for label in labels)
    ]
    assert {"crime_days_by_wave.md", "illicit_days_by_wave.md"} <= set(per_wave)
    for name in per_wave:
        extended = (builds.extended / "manuscript/_tables" / name).read_text("utf-8")
        assert NEW_WAVE["label"].lower() in extended.lower(), name
    by_wave = (builds.extended / "manuscript/_tables/crime_days_by_wave.md").read_text("utf-8")
    assert re.search(rf"^\|\s*{NEW_WAVE['label'].capitalize()}\s*\|", by_wave, re.M)


@pytest.mark.slow
def test_report_names_the_new_wave(builds):
    assert NEW_WAVE["label"] in _html(builds.extended)
    assert NEW_WAVE["label"] not in _html(builds.plain)


@pytest.mark.slow
def test_scorecard_is_unchanged_by_the_new_wave(builds):
    """The paper's statistics are addressed by wave ids, so a later wave cannot move them."""
    extended = (builds.extended / "data/processed/reproduction.csv").read_bytes()
    assert extended == builds.plain_reproduction


@pytest.fixture(scope="module")
def complete_case(builds, tmp_path_factory) -> Path:
    """A copy of the shipped build rebuilt with the other missing-data choice, from the command
    line (a copy: the shared build stays as shipped for the other tests)."""
    project = tmp_path_factory.mktemp("complete_case") / "project"
    shutil.copytree(builds.plain, project, symlinks=True)
    snakemake(project, "all", "--cores", "2", "--config", "missing_data=complete_case")
    return project


@pytest.mark.slow
def test_complete_case_choice_reaches_results_and_report(builds, complete_case):
    assert _results(builds.extended, "offending")["missing_data"]["method"] == "locf"
    assert _results(complete_case, "offending")["missing_data"]["method"] == "complete_case"
    text = html_text(_html(complete_case))
    # config.missing_data.name and .description (analysis.numbers), as the Method states them.
    name, _, description = MISSING_DATA_NAMES["complete_case"]
    assert contains(text, f"{name}: {description}")
    assert not contains(text, MISSING_DATA_NAMES["locf"][2])
