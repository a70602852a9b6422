"""The data's declared origin (ORIGIN beside the raw files) and the report's data statement.

A build from the synthetic cohort says so on its first page; a build from a directory without
an ORIGIN file (the study's records) never calls its data synthetic and states the disclosure
control that applies. The statement is checked in the manuscript text as the renderers see it
(every shortcode expanded), for both origins.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict

import pytest

from analysis import claims, consistency, numbers
from analysis import tables as analysis_tables
from analysis.codebook import ORIGIN_FILE, Origin
from analysis.config import load_config
from analysis.published import load_cited_facts, load_published
from analysis.render.shortcodes import expand
from analysis.validate import CohortValidationError, load_raw, read_origin
from tests.helpers_cohort import TINY, TINY_CONFIG, tiny_copy
from tests.results_fixture import PROVENANCE, ROOT, SCORECARD, shipped_results


def test_shipped_cohort_declares_itself_synthetic_with_the_configured_seed():
    seed = load_config()["synthesis"]["seed"]
    assert read_origin(ROOT / "data" / "raw") == Origin("synthetic", "synthesis", seed)


def test_a_directory_without_origin_holds_the_study_records():
    assert not (TINY / ORIGIN_FILE).exists()
    assert read_origin(TINY) == Origin("records")


@pytest.mark.parametrize(
    "origin", [Origin("synthetic", "synthesis", 7), Origin("records")], ids=["synthetic", "records"]
)
def test_origin_file_written_by_the_generator_reads_back(tmp_path, origin):
    (tmp_path / ORIGIN_FILE).write_text(origin.text(), encoding="utf-8")
    assert read_origin(tmp_path) == origin


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("origin: real\n", ["key 'origin' must be one of synthetic, records", "got 'real'"]),
        ("origin: synthetic\n", ["key 'generator' must name", "key 'seed' must be"]),
        ("origin: synthetic\ngenerator: g\nseed: yes\n", ["key 'seed' must be"]),
        ("origin: records\nsource: hospital\n", ["unknown key 'source'"]),
        ("origin: [synthetic\n", ["cannot read the declared origin (not valid YAML)"]),
        ("origin: synth\u00e9tic\n".encode("latin-1"), ["(not readable UTF-8 text)"]),
        ("", ["key 'origin' must be one of synthetic, records (got nothing)"]),
    ],
    ids=[
        "unknown origin",
        "synthetic without generator and seed",
        "boolean seed",
        "unknown key",
        "not YAML",
        "not UTF-8",
        "empty",
    ],
)
def test_a_malformed_origin_stops_validation(tmp_path, text, fragments):
    raw = tiny_copy(tmp_path)
    (raw / ORIGIN_FILE).write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(CohortValidationError) as caught:
        load_raw(raw, TINY_CONFIG)
    message = str(caught.value)
    assert message.startswith(str(raw / ORIGIN_FILE))
    for fragment in fragments:
        assert fragment in message, message


def manuscript_text(tmp_path, origin: Origin) -> str:
    """report.qmd with every include and variable expanded, from a build of the given origin."""
    results, config = shipped_results()
    provenance = {**PROVENANCE, "origin": asdict(origin)}
    cited = load_cited_facts(ROOT / "data" / "published")
    variables = numbers.build_variables(results, SCORECARD, cited, provenance, config)
    tables = numbers.build_tables(numbers.table_frames(results, SCORECARD, config), provenance)
    variables["consistency"] = consistency.readings(load_published(ROOT / "data" / "published"))
    tables["consistency_checks.md"] = "(audit)\n"
    claims_card = claims.score(claims.load_claims(ROOT / "data" / "published"), results)
    tables["claims_summary.md"] = "(claims summary)\n"
    tables["claims.md"] = analysis_tables.to_markdown(claims.report_table(claims_card))
    manuscript = tmp_path / "manuscript"
    shutil.copytree(
        ROOT / "manuscript",
        manuscript,
        ignore=shutil.ignore_patterns("_output", "_tables", "_variables.yml", "_extensions"),
    )
    numbers.write_outputs(variables, tables, manuscript / "_variables.yml", manuscript / "_tables")
    return expand(manuscript / "report.qmd", manuscript, variables).text


def parts(text: str) -> tuple[str, str, str]:
    """The front matter (title page), the first-page callout and the data note."""
    front = text.split("\n---\n", 1)[0]
    callout = text[text.index("::: {.callout-important") :]
    callout = callout[: callout.index("\n:::")]
    note = text[text.index("# Data note") :]
    return front, callout, note[: note.index("\n# ", 1)]


def test_report_from_the_study_records_never_says_synthetic_on_its_first_page(tmp_path):
    text = manuscript_text(tmp_path, Origin("records"))
    front, callout, note = parts(text)
    assert 'subtitle: "Built from the study\'s records"' in front
    assert "synthetic" not in front.lower() and "synthetic" not in callout.lower()
    assert "computed from the study's own records" in callout
    assert "Disclosure control: the records entered the build pseudonymised" in callout
    assert "No record describes a real person" not in note
    assert "ran on the study's own records: every record describes a real participant" in note
    assert "Finally, this edition is computed from the study's own records" in text


def test_report_from_the_synthetic_cohort_says_so_on_its_first_page(tmp_path):
    text = manuscript_text(tmp_path, Origin("synthetic", "g", 1))
    front, callout, note = parts(text)
    assert 'subtitle: "Rebuilt from a synthetic reconstruction of the cohort"' in front
    assert "come from a synthetic reconstruction of the cohort" in front
    assert "computed from a synthetic reconstruction of the cohort" in callout
    assert "Disclosure control" not in callout
    assert note.startswith("# Data note: the synthetic reconstruction")
    assert "No record describes a real person." in note
    assert "Finally, this edition of the report is computed from a synthetic" in text


def run_provenance(tmp_path, raw_dir, capsys) -> tuple[int, str, dict | None]:
    """The provenance CLI on the tiny cohort with `raw_dir`'s ORIGIN: (exit code, stderr,
    provenance written)."""
    from analysis import provenance
    from analysis.clean import build_cohort
    from analysis.io import read_json, write_parquet

    cohort = tmp_path / "cohort.parquet"
    write_parquet(build_cohort(load_raw(TINY, TINY_CONFIG), TINY_CONFIG), cohort)
    out = tmp_path / "provenance.json"
    code = provenance.main(
        [
            "--cohort",
            str(cohort),
            "--git",
            json.dumps(PROVENANCE["git"]),
            "--data",
            json.dumps(PROVENANCE["data"]),
            "--origin-file",
            str(raw_dir / ORIGIN_FILE),
            "--renderer",
            "fallback",
            "--out",
            str(out),
        ]
    )
    return code, capsys.readouterr().err, read_json(out) if out.exists() else None


def test_provenance_records_the_origin_beside_the_raw_files(tmp_path, capsys):
    code, _, written = run_provenance(tmp_path, tiny_copy(tmp_path), capsys)
    assert code == 0
    assert written["origin"] == asdict(Origin("records"))
    assert numbers.origin_vars(written["origin"])["subtitle"] == "Built from the study's records"


def test_provenance_refuses_a_malformed_origin_without_writing(tmp_path, capsys):
    raw = tiny_copy(tmp_path)
    (raw / ORIGIN_FILE).write_text("origin: real\n", encoding="utf-8")
    code, err, written = run_provenance(tmp_path, raw, capsys)
    assert code == 1 and written is None
    assert err == (
        f"error: {raw / ORIGIN_FILE}: key 'origin' must be one of synthetic, records (got 'real')\n"
    )
