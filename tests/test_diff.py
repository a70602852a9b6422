"""analysis.diff and analysis.snapshot: what changed between two builds, on hand-made builds."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

from analysis import diff, numbers, snapshot, trace
from analysis.formatting import ALPHA
from tests.results_fixture import (
    CITED,
    PROVENANCE,
    ROOT,
    SCORECARD,
    compute_results,
    shipped_results,
)

# ------------------------------------------------------------------------- reading the words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("showed a significant fall", True),
        ("consistent with", True),
        ("at intake and at the 6-month follow-up", True),
        ("22.9 (n = 89)", False),
        ("z = -6.46, p < 0.001, r = -0.57", False),
        ("OR 0.92 (95% CI 0.85 to 0.98)", False),
        ("54%", False),
    ],
)
def test_words_and_numbers_are_told_apart(text, expected):
    assert diff.is_words(text) is expected


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "showed a significant fall",
            "showed a non-significant fall",
            "significant → not significant",
        ),
        ("not significant", "significant", "not significant → significant"),
        ("fell", "rose", "fall → rise"),
        ("higher than", "lower than", "rise → fall"),
        (
            "showed a significant fall",
            "showed a non-significant rise",
            "significant → not significant; fall → rise",
        ),
        ("fell", "did not change", "fall → no change"),
        ("consistent with", "partly consistent with", "wording"),
    ],
)
def test_flips_are_named(old, new, expected):
    assert diff.describe_flip(old, new) == expected


def test_variables_compare_words_as_flips_and_numbers_as_numbers():
    old = {"a.sig": "significant", "a.mean": "22.9", "a.same": "x", "cfg.name": "LOCF", "gone": "1"}
    new = {
        "a.sig": "not significant",
        "a.mean": "23.4",
        "a.same": "x",
        "cfg.name": "complete cases",
        "added": "2",
    }
    changes = diff.compare_variables(old, new, interpretive={"a.sig", "a.mean"})
    assert changes == [
        diff.Change("a.mean", "22.9", "23.4", None),
        diff.Change("a.sig", "significant", "not significant", "significant → not significant"),
        diff.Change("added", None, "2", None),
        # Words not computed from results (configuration) never count as a flip.
        diff.Change("cfg.name", "LOCF", "complete cases", None),
        diff.Change("gone", "1", None, None),
    ]


def test_results_flips_cross_alpha_change_sign_or_cross_one():
    old = {
        "d": {
            "t": {"p": 0.01, "z": -2.5, "n": 10},
            "u": {"p": 0.01},
            "or": {"odds_ratio": 1.5, "p": 0.2},
            "s": {"statistic": 0.3, "p": 0.3},
        }
    }
    new = copy.deepcopy(old)
    new["d"]["t"].update(p=0.2, z=1.1)  # no longer significant, and the other way
    new["d"]["u"]["p"] = ALPHA / 2  # still significant: not a flip
    new["d"]["or"]["odds_ratio"] = 0.8
    assert diff.result_flips(old, new) == [
        diff.ResultFlip("d.or.odds_ratio", "above 1 → below 1", 1.5, 0.8),
        diff.ResultFlip("d.t", "significant → not significant", 0.01, 0.2),
        diff.ResultFlip("d.t.z", "negative → positive", -2.5, 1.1),
    ]
    assert diff.changed_results(old, new) == [
        ("d.or.odds_ratio", 1.5, 0.8),
        ("d.t.p", 0.01, 0.2),
        ("d.t.z", -2.5, 1.1),
        ("d.u.p", 0.01, ALPHA / 2),
    ]


# ------------------------------------------------------------------- builds on disk, the CLI


def write_build(
    root: Path, variables: dict, results: dict, traced: dict, config: dict | None = None
) -> Path:
    """A build root with the files analysis.snapshot keeps."""
    for domain, tree in results.items():
        path = root / snapshot.RESULTS / f"{domain}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(tree), encoding="utf-8")
    (root / snapshot.CONFIG).parent.mkdir(parents=True, exist_ok=True)
    (root / snapshot.CONFIG).write_text(
        json.dumps(config or {"missing_data": "locf"}), encoding="utf-8"
    )
    (root / snapshot.SCORECARD).write_text(
        "id,quantity,published,regenerated,match,note\n", encoding="utf-8"
    )
    (root / snapshot.VARIABLES).parent.mkdir(parents=True, exist_ok=True)
    (root / snapshot.VARIABLES).write_text(yaml.safe_dump(variables), encoding="utf-8")
    (root / snapshot.TRACE).write_text(json.dumps(traced), encoding="utf-8")
    return root


def entry(key: str, *paths: str) -> dict:
    return {
        "text": "",
        "anchor": f"n-{key}",
        "formatted_by": "f",
        "results": [{"path": p, "computed_by": "analysis.x.compute"} for p in paths],
    }


TRACE = {
    "off.qct.sig": entry("off.qct.sig", "off.w.QCT"),
    "off.qct.mean": entry("off.qct.mean", "off.m.QCT"),
    "cfg.method": entry("cfg.method"),
}


def hand_made_pair(tmp_path: Path) -> tuple[Path, Path]:
    old = write_build(
        tmp_path / "old build",
        {"off": {"qct": {"sig": "significant", "mean": "4.0"}}, "cfg": {"method": "LOCF"}},
        {"off": {"w": {"QCT": {"p": 0.01, "z": -2.0}}, "m": {"QCT": {"value": 4.0, "n": 64}}}},
        TRACE,
    )
    new = write_build(
        tmp_path / "new",
        {
            "off": {"qct": {"sig": "not significant", "mean": "5.5"}},
            "cfg": {"method": "complete cases"},
        },
        {"off": {"w": {"QCT": {"p": 0.3, "z": -1.0}}, "m": {"QCT": {"value": 5.5, "n": 50}}}},
        TRACE,
        config={"missing_data": "complete_case"},
    )
    return old, new


def test_the_page_puts_flips_first_then_numbers_by_section_then_results(tmp_path):
    old, new = hand_made_pair(tmp_path)
    md, html = tmp_path / "out" / "d.md", tmp_path / "out" / "d.html"
    assert (
        diff.main(
            [str(old), str(new), "--md", str(md), "--html", str(html), "--report", "../report.html"]
        )
        == 0
    )
    page = md.read_text(encoding="utf-8")
    assert page.splitlines()[0] == "# Build diff: old build → new"
    assert (
        "1 interpretive changes (1 flips), 2 changed numbers, 1 significance or sign "
        "flips in the results, 4 changed results."
    ) in page
    assert "| `missing_data` | locf | complete_case |" in page
    assert (
        "| [`off.qct.sig`](../report.html#n-off.qct.sig) | significant → not significant "
        "| significant | not significant | `off.w.QCT` |"
    ) in page
    assert "### cfg (1)" in page and "### off (1)" in page
    assert "| [`off.qct.mean`](../report.html#n-off.qct.mean) | 4.0 | 5.5 |" in page
    assert "| `off.w.QCT` | significant → not significant | 0.01 | 0.3 |" in page
    sections = [line for line in page.splitlines() if line.startswith("## ")]
    assert sections == [
        "## Configuration",
        "## Interpretive changes",
        "## Changed numbers by section",
        "## Results: significance and sign flips",
        "## All changed results",
    ]
    page_html = html.read_text(encoding="utf-8")
    assert "<title>Build diff: old build → new</title>" in page_html
    assert page_html.count("Build diff: old build → new") == 2  # the title and the heading


def test_the_same_build_has_no_changes(tmp_path, capsys):
    old, _ = hand_made_pair(tmp_path)
    assert diff.main([str(old), str(old)]) == 0
    out = capsys.readouterr().out
    assert "0 interpretive changes (0 flips), 0 changed numbers" in out
    assert "The configuration is the same." in out


def test_an_incomplete_build_is_refused_by_name(tmp_path, capsys):
    old, new = hand_made_pair(tmp_path)
    (new / snapshot.TRACE).unlink()
    assert diff.main([str(old), str(new)]) == 1
    err = capsys.readouterr().err
    assert "not a complete build" in err and str(new / snapshot.TRACE) in err


def test_a_snapshot_is_a_build_root_and_is_never_overwritten(tmp_path, capsys):
    old, _ = hand_made_pair(tmp_path)
    dest = tmp_path / "snapshots" / "locf"
    assert snapshot.main([str(dest), "--root", str(old)]) == 0
    saved = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file())
    assert saved == [
        "data/processed/config/numbers.json",
        "data/processed/reproduction.csv",
        "data/processed/results/off.json",
        "manuscript/_trace.json",
        "manuscript/_variables.yml",
    ]
    saved_build, original = diff.load_build(dest), diff.load_build(old)
    assert (saved_build.config, saved_build.results, saved_build.variables, saved_build.trace) == (
        original.config,
        original.results,
        original.variables,
        original.trace,
    )
    assert snapshot.main([str(dest), "--root", str(old)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert [p.name for p in dest.parent.iterdir()] == ["locf"]  # no scratch folder left


# ------------------------------------------------- LOCF against complete cases, on real results


def write_real_build(root: Path, results: dict, config: dict) -> diff.Build:
    """A build root from computed results: the variables and trace as the numbers step makes
    them (hand-made scorecard and provenance)."""

    def build(r):
        return numbers.build_variables(r, SCORECARD, CITED, PROVENANCE, config)

    statistics = SCORECARD[["id"]].assign(result_path="study.participants.value")
    write_build(
        root, build(results), results, trace.trace(build, results, SCORECARD, statistics), config
    )
    return diff.load_build(root)


@pytest.mark.slow
def test_locf_against_complete_cases_lists_every_changed_verdict(tmp_path):
    """The first-follow-up comparisons under each missing-data method: a test whose p is on
    different sides of ALPHA in the two result sets is a listed flip, in the results and in the
    words; one on the same side is not; every changed word computed from results is listed."""
    results, config = shipped_results()
    other = {**config, "missing_data": "complete_case"}
    old = write_real_build(tmp_path / "locf", results, config)
    new = write_real_build(
        tmp_path / "complete case", compute_results(ROOT / "data" / "raw", other), other
    )
    changes = {
        c.key: c
        for c in diff.compare_variables(
            old.variables, new.variables, diff.findings(old.trace, new.trace)
        )
    }
    flipped = {f.path: f.flip for f in diff.result_flips(old.results, new.results)}
    checked = 0
    for domain, measure in (("offending", "crime_days_30"), ("drug_use", "illicit_drug_days_30")):
        for key, group in numbers.GROUPS.items():
            path = f"{domain}.missing_data.{measure}.{group}.wilcoxon"
            p_old, p_new = (
                b.results[domain]["missing_data"][measure][group]["wilcoxon"]["p"]
                for b in (old, new)
            )
            crossed = (p_old < ALPHA) != (p_new < ALPHA)
            variable = changes.get(f"{domain}.missing_data.{key}.test_sig")
            assert (path in flipped) is crossed, path
            assert (variable is not None and "significant →" in variable.flip) is crossed, path
            checked += 1
    assert checked == 6
    method = changes["config.missing_data.name"]
    assert method.flip is None  # a setting, not a finding
    assert (method.old, method.new) == (
        numbers.MISSING_DATA_NAMES["locf"][0],
        numbers.MISSING_DATA_NAMES["complete_case"][0],
    )
    assert any(
        path.startswith("offending.missing_data.crime_days_30.")
        for path, _, _ in diff.changed_results(old.results, new.results)
    )
    for key, change in changes.items():
        if new.trace.get(key, {}).get("results") and change.new and diff.is_words(change.new):
            assert change.flip, key
