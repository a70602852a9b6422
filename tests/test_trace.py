"""analysis.trace and the trace extension: each number's origin and its hover target in HTML."""

from __future__ import annotations

import importlib
import io
import re
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml

from analysis import numbers, tables, trace
from analysis.config import Waves
from analysis.formatting import typeset
from analysis.io import write_json
from analysis.render import fallback, quarto
from analysis.render.errors import RenderError
from analysis.results import DOMAINS
from tests.render_text import docx_tables, pdf_text
from tests.results_fixture import CITED, PROVENANCE, ROOT, SCORECARD, shipped_results

EXTENSION = ROOT / "manuscript" / "_extensions" / "trace"
# The published statistics the hand-made scorecard's ids stand for (statistics.csv's column).
STATISTICS = pd.DataFrame(
    {
        "id": ["study_n_total", "prof_male_n", "off_days_qct_t1"],
        "result_path": [
            "study.participants.value",
            "profile.male.count",
            "offending.crime_days_30.mean.QCT.t1.value",
        ],
    }
)


# Two hand-made claims, as numbers.main passes them (trace.claims_by_path): one on a Wilcoxon
# test's z, one on a whole model; and the note for a number that neither addresses.
CLAIM_PREDICATES = pd.DataFrame(
    {
        "id": ["qct_crime_falls", "model_age_significant"],
        "location": ["Results, Offending", "Table 1"],
        "predicate": [
            "lt(offending.crime_days_30.wilcoxon.QCT.{t1_t2,t1_t4}.z, 0)",
            "same_significant(regression.final, regression.final)",
        ],
    }
)
CLAIMS_CARD = pd.DataFrame(
    {"id": ["qct_crime_falls", "model_age_significant"], "holds": ["true", "false"]}
)
UNCHECKED = "Nothing checks this number against the paper."
STATED = trace.Stated(trace.claims_by_path(CLAIM_PREDICATES, CLAIMS_CARD), UNCHECKED)


@pytest.fixture(scope="module")
def traced():
    results, config = shipped_results()
    sidecar = trace.trace(
        lambda r: numbers.build_variables(r, SCORECARD, CITED, PROVENANCE, config),
        results,
        SCORECARD,
        STATISTICS,
        STATED,
    )
    plain = numbers.build_variables(results, SCORECARD, CITED, PROVENANCE, config)
    return sidecar, plain, results, Waves.from_config(config)


def paths(entry):
    return [r["path"] for r in entry["results"]]


def test_tracing_changes_no_variable_and_covers_all(traced):
    sidecar, plain, _, _ = traced
    flat = dict(trace.leaves(plain))
    assert sorted(sidecar) == sorted(flat)
    assert {k: e["text"] for k, e in sidecar.items()} == flat


def test_a_sample_of_variables_carries_the_right_result_paths(traced):
    sidecar, _, _, waves = traced
    b, f = waves.baseline.id, waves.first_follow_up.id
    mean = "offending.crime_days_30.mean"
    assert paths(sidecar["study.n_total"]) == ["study.participants"]
    assert paths(sidecar["offending.days30.qct.first.value"]) == [f"{mean}.QCT.{f}"]
    assert paths(sidecar["offending.days30.comparison.baseline.text"]) == [f"{mean}.comparison.{b}"]
    # A phrase is built from both means and the test: exactly those three.
    assert paths(sidecar["offending.days30.qct.base_first.phrase"]) == [
        f"{mean}.QCT.{b}",
        f"{mean}.QCT.{f}",
        f"offending.crime_days_30.wilcoxon.QCT.{b}_{f}",
    ]
    assert paths(sidecar["drug_use.illicit_drug_days_30.qct.base_first.test"]) == [
        f"drug_use.illicit_drug_days_30.wilcoxon.QCT.{b}_{f}"
    ]
    assert paths(sidecar["regression.final.age.or_ci"]) == ["regression.final.coefficients.age"]


def test_each_source_has_its_n_function_and_published_match(traced):
    sidecar, _, results, waves = traced
    (source,) = sidecar["offending.days30.qct.baseline.value"]["results"]
    leaf = results["offending"]["crime_days_30"]["mean"]["QCT"][waves.baseline.id]
    assert source["n"] == leaf["n"]
    assert source["computed_by"] == "analysis.offending.compute"
    # The hand-made scorecard: 'off_days_qct_t1' printed 23, not regenerated.
    assert source["published"] == [
        {"id": "off_days_qct_t1", "printed": "23", "reproduced": "", "match": False}
    ]
    (test_source,) = sidecar["drug_use.illicit_drug_days_30.qct.base_first.test"]["results"]
    assert test_source["test"] == "wilcoxon" and "published" not in test_source
    assert sidecar["study.n_total"]["formatted_by"] == "analysis.formatting.fmt_count"
    assert sidecar["study.n_total"]["anchor"] == "n-study.n_total"


def test_each_source_lists_the_claims_resting_on_it_and_unchecked_numbers_say_so(traced):
    sidecar, _, _, waves = traced
    b, f = waves.baseline.id, waves.first_follow_up.id
    falls = {"id": "qct_crime_falls", "location": "Results, Offending", "holds": True}
    model = {"id": "model_age_significant", "location": "Table 1", "holds": False}
    # A claim on the test's z rests on the test; the printed intake mean is published.
    sources = {s["path"]: s for s in sidecar["offending.days30.qct.base_first.phrase"]["results"]}
    assert sources[f"offending.crime_days_30.wilcoxon.QCT.{b}_{f}"]["claims"] == [falls]
    assert "claims" not in sources[f"offending.crime_days_30.mean.QCT.{f}"]
    assert "unchecked" not in sidecar["offending.days30.qct.base_first.phrase"]
    # A claim on a model rests on each of its coefficients.
    (coefficient,) = sidecar["regression.final.age.or_ci"]["results"]
    assert coefficient["claims"] == [model]
    # A number from results that nothing printed or claimed addresses carries the note; one
    # from a published result, or from no result at all, does not.
    (test,) = sidecar["drug_use.illicit_drug_days_30.qct.base_first.test"]["results"]
    assert "claims" not in test and "published" not in test
    assert sidecar["drug_use.illicit_drug_days_30.qct.base_first.test"]["unchecked"] == UNCHECKED
    assert "unchecked" not in sidecar["study.n_total"]
    assert "unchecked" not in sidecar["waves.first.label"]


def test_claims_missing_from_the_scorecard_are_refused():
    with pytest.raises(ValueError, match="claims not in the claims scorecard: model_age"):
        trace.claims_by_path(CLAIM_PREDICATES, CLAIMS_CARD.iloc[:1])


def test_each_results_domain_is_computed_by_the_function_the_sidecar_names(traced):
    """The sidecar names `analysis.<domain>.compute` without importing the domain (the numbers
    step does not depend on its code); each named function exists."""
    sidecar = traced[0]
    named = {s["computed_by"] for entry in sidecar.values() for s in entry["results"]}
    assert "analysis.sensitivity" in named and len(named) > len(DOMAINS) // 2
    for name in named:
        module, _, function = name.rpartition(".") if name.endswith(".compute") else (name, "", "")
        imported = importlib.import_module(module)
        assert not function or callable(getattr(imported, function)), name


def test_verdicts_list_every_result_they_were_decided_on(traced):
    sidecar, _, _, waves = traced
    b, last = waves.baseline.id, waves.last_follow_up.id
    first = set(paths(sidecar["hypotheses.first"]))
    # The first hypothesis counts the QCT group's falls in crime and drug use to the last wave.
    assert {
        f"offending.crime_days_30.wilcoxon.QCT.{b}_{last}",
        f"drug_use.illicit_drug_days_30.wilcoxon.QCT.{b}_{last}",
    } <= first


def test_phrases_over_two_groups_or_two_periods_list_the_results_of_both(traced):
    """A phrase judging the same change in both groups (the abstract's drug use) rests on each
    group's two means and test; one judging two periods (intake to the first and to the last
    follow-up) on the three means and two tests. The results reach the phraser packed in plain
    tuples and dicts, which carry their values' paths; a tree of variables carries none."""
    sidecar, _, _, waves = traced
    b, f, last = waves.baseline.id, waves.first_follow_up.id, waves.last_follow_up.id
    drugs = "drug_use.illicit_drug_days_30"
    assert set(paths(sidecar[f"{drugs}.groups.base_first"])) == {
        f"{drugs}.{stat}.{group}.{at}"
        for group in ("QCT", "comparison")
        for stat, at in (("mean", b), ("mean", f), ("wilcoxon", f"{b}_{f}"))
    }
    assert set(paths(sidecar[f"{drugs}.qct.over_time"])) == {
        f"{drugs}.mean.QCT.{b}",
        f"{drugs}.mean.QCT.{f}",
        f"{drugs}.mean.QCT.{last}",
        f"{drugs}.wilcoxon.QCT.{b}_{f}",
        f"{drugs}.wilcoxon.QCT.{b}_{last}",
    }
    assert paths(sidecar["regression.stepwise.selected"]) == ["regression.stepwise.selected"]


def test_text_from_no_result_has_no_paths(traced):
    sidecar, _, _, _ = traced
    for key in (
        "config.missing_data.name",
        "waves.first.label",
        "cited.dtto_orders_since_2001",
        "provenance.commit",
        "scorecard.matched",
    ):
        assert sidecar[key]["results"] == [], key


def test_tracing_restores_the_package():
    before = numbers.mean
    with trace.tracing():
        assert numbers.mean is not before
    assert numbers.mean is before


# ------------------------------------------------------------------ the HTML (fallback renderer)

SAMPLE = (
    "study.n_total",
    "offending.days30.qct.first.value",
    "offending.days30.qct.base_first.phrase",
    "regression.final.age.or_ci",
    "hypotheses.first",
    "drug_use.illicit_drug_days_30.qct.base_first.test",
)


def manuscript(tmp_path: Path, sidecar, plain, body: str) -> Path:
    """A one-page manuscript with the trace extension listed as its filter (as in the shipped
    _quarto.yml), the variables and their sidecar."""
    folder = tmp_path / "manuscript dir"  # a space in the path, as a reviewer's might have
    shutil.copytree(EXTENSION, folder / "_extensions" / "trace")
    (folder / "_quarto.yml").write_text(
        "project:\n  type: default\nfilters:\n  - trace\nformat:\n  html: default\n"
        "  typst: default\n  docx: default\n",
        encoding="utf-8",
    )
    (folder / "_variables.yml").write_text(yaml.safe_dump(plain), encoding="utf-8")
    write_json(sidecar, folder / trace.TRACE_FILE)
    (folder / "report.qmd").write_text(f"---\ntitle: Test\n---\n\n{body}\n", encoding="utf-8")
    return folder


@pytest.mark.slow
def test_each_sampled_number_is_a_focusable_linkable_hover_target(tmp_path, traced):
    sidecar, plain, _, _ = traced
    body = "\n\n".join(f"Value {{{{< var {key} >}}}} here." for key in SAMPLE)
    body += "\n\nAgain {{< var study.n_total >}}."
    built = fallback.build(manuscript(tmp_path, sidecar, plain, body))
    html = built.html.decode("utf-8")
    for key in SAMPLE:
        span = re.search(
            rf'<span id="n-{re.escape(key)}"([^>]*)>(.*?)<span id="([^"]+)"'
            rf"([^>]*)>(.*?)</span></span>",
            html,
            re.S,
        )
        assert span, key
        attrs, text, box_id, box_attrs, box = span.groups()
        assert 'tabindex="0"' in attrs and f'aria-describedby="{box_id}"' in attrs
        assert 'role="tooltip"' in box_attrs
        assert " ".join(text.split()) == sidecar[key]["text"].replace("&", "&amp;").replace(
            "<", "&lt;"
        )
        for path in paths(sidecar[key]):
            assert f"<code>{path}</code>" in box, (key, path)
        assert f'href="#n-{key}"' in box
    # A number no printed value or claim addresses is marked, and its box says why.
    unchecked = sidecar["drug_use.illicit_drug_days_30.qct.base_first.test"]
    assert re.search(
        r'<span id="n-drug_use\.illicit_drug_days_30\.qct\.base_first\.test" '
        r'class="qct-var qct-unchecked"',
        html,
    )
    assert f"<span>{unchecked['unchecked']}</span>" in html
    assert "Stated in the paper: claim <code>model_age_significant</code> (Table 1), does " in html
    assert 'id="n-study.n_total" class="qct-var"' in html
    assert 'id="n-study.n_total-2"' in html  # a second use gets its own anchor
    assert 'class="qct-trace-toggle" aria-pressed="true"' in html
    # The PDF's source carries the numbers and nothing of their origins.
    assert "qct" not in built.typst and "n-study" not in built.typst
    assert sidecar["offending.days30.qct.base_first.phrase"]["text"] in built.typst


@pytest.mark.slow
def test_a_variable_missing_from_the_sidecar_stops_the_render(tmp_path, traced):
    sidecar, plain, _, _ = traced
    incomplete = {k: v for k, v in sidecar.items() if k != "study.n_total"}
    folder = manuscript(tmp_path, incomplete, plain, "N = {{< var study.n_total >}}.")
    with pytest.raises(RenderError, match="study.n_total"):
        fallback.build(folder)


@pytest.mark.slow
@pytest.mark.skipif(quarto.quarto_path() is None, reason="the Quarto CLI is not installed")
def test_quarto_marks_the_same_numbers(tmp_path, traced):
    sidecar, plain, _, _ = traced
    body = "\n\n".join(f"Value {{{{< var {key} >}}}} here." for key in SAMPLE)
    body += "\n\n| Value |\n|---|\n| {{< var study.n_total >}} |\n\n: A table {#tbl-x}"
    folder = manuscript(tmp_path, sidecar, plain, body)
    quarto_ids = re.findall(r'<span id="(n-[^"]+)"', quarto.build(folder)["html"].decode("utf-8"))
    fallback_ids = re.findall(r'<span id="(n-[^"]+)"', fallback.build(folder).html.decode("utf-8"))
    assert quarto_ids == fallback_ids == [f"n-{key}" for key in SAMPLE] + ["n-study.n_total-2"]


# ------------------------------------------------------------------------ table cells


@pytest.fixture(scope="module")
def traced_tables():
    results, config = shipped_results()

    def build(r, card):
        return numbers.table_frames(r, card, config)

    frames = build(results, SCORECARD)
    marks, cells = trace.table_origins(frames, build, results, SCORECARD, STATISTICS)
    return marks, cells, frames, results, Waves.from_config(config)


def test_a_sample_of_table_cells_carries_the_right_result_paths(traced_tables):
    marks, cells, frames, results, waves = traced_tables
    first = waves.first_follow_up.id
    # Hand-picked cells: (table, row, column) -> the statistic leaf the cell prints.
    expected = {
        ("intake.md", 0, 1): "profile.proportions.male.QCT",
        ("intake.md", 0, 4): "profile.proportions.male.chi2",
        ("intake.md", 1, 3): "profile.means.age.all",
        ("crime_days_by_wave.md", 1, 2): f"offending.crime_days_30.mean.comparison.{first}",
        ("retention.md", 0, 5): "retention.in_treatment.chi2",
    }
    for (name, row, col), path in expected.items():
        entry = cells[marks[name][(row, col)]]
        assert paths(entry) == [path], (name, row, col)
        assert entry["text"] == frames[name].iat[row, col]
    male = cells[marks["intake.md"][(0, 1)]]
    assert male["results"][0]["n"] == results["profile"]["proportions"]["male"]["QCT"]["n"]
    assert male["results"][0]["computed_by"] == "analysis.profile.compute"
    assert male["formatted_by"] == "analysis.tables.count_cell"
    assert male["anchor"] == "n-table.intake.male.qct" == f"n-{marks['intake.md'][(0, 1)]}"
    # Table 1's age row: odds ratio, CI and p all from the age coefficient.
    table1 = frames["table1_regression.md"]
    (age,) = [r for r in range(len(table1)) if table1.iat[r, 0] == "Age (per year)"]
    for col in (1, 2, 3):
        key = marks["table1_regression.md"][(age, col)]
        assert paths(cells[key]) == ["regression.final.coefficients.age"], key


def test_scorecard_cells_carry_their_statistic_and_whether_it_matched(traced_tables):
    marks, cells, frames, _, _ = traced_tables
    # The hand-made scorecard's one miss, off_days_qct_t1: printed 23, nothing regenerated.
    printed = cells[marks["scorecard_misses.md"][(0, 1)]]
    (source,) = printed["results"]
    assert printed["text"] == "23" and source["path"] == "offending.crime_days_30.mean.QCT.t1"
    assert source["published"] == [
        {"id": "off_days_qct_t1", "printed": "23", "reproduced": "", "match": False}
    ]
    assert (0, 2) not in marks["scorecard_misses.md"]  # an empty cell
    assert (0, 3) not in marks["scorecard_misses.md"]  # the reason: text, not a number
    # The summary counts come from the scorecard, not from a result.
    summary = marks["scorecard_summary.md"]
    assert summary and all(cells[k]["results"] == [] for k in summary.values())


def test_table_marks_skip_labels_and_dashes_and_keys_are_unique(traced_tables):
    marks, cells, frames, _, _ = traced_tables
    keys = [k for table in marks.values() for k in table.values()]
    assert len(keys) == len(set(keys)) == len(cells)
    for name, table in marks.items():
        frame = frames[name]
        assert all(col > 0 and frame.iat[row, col] not in ("", "-") for row, col in table)
        assert all(trace.ANCHOR_PREFIX + k == cells[k]["anchor"] for k in table.values())
    # Every numeric cell of the results tables is marked.
    for name in ("intake.md", "retention.md", "crime_days_by_wave.md", "sensitivity.md"):
        frame = frames[name]
        filled = {
            (r, c)
            for r in range(frame.shape[0])
            for c in range(1, frame.shape[1])
            if frame.iat[r, c] not in ("", "-")
        }
        assert filled == set(marks[name]), name


def table_manuscript(tmp_path: Path, traced, traced_tables, name: str) -> Path:
    """A manuscript of one marked table (`name`, numbered) and the marked full scorecard, as the
    numbers step writes them, with every variable's and cell's origin in the sidecar."""
    sidecar, plain, _, _ = traced
    marks, cells, frames, _, _ = traced_tables
    body = "{{< include t.md >}}\n\n: T {#tbl-t}\n\n{{< include s.md >}}"
    folder = manuscript(tmp_path, {**sidecar, **cells}, plain, body)
    table = tables.to_markdown(frames[name], marks[name])
    (folder / "t.md").write_text(typeset(table), encoding="utf-8")
    full = tables.scorecard_html(frames["scorecard_full.md"], marks["scorecard_full.md"])
    (folder / "s.md").write_text(full, encoding="utf-8")
    return folder


@pytest.mark.slow
def test_table_cells_are_hover_targets_in_the_fallback_html_and_absent_from_pdf_and_docx(
    tmp_path, traced, traced_tables
):
    marks, cells, frames, _, _ = traced_tables
    built = fallback.build(table_manuscript(tmp_path, traced, traced_tables, "intake.md"))
    html = built.html.decode("utf-8")
    # Every marked cell, in the pipe table and in the full scorecard's raw HTML.
    for key in (*marks["intake.md"].values(), *marks["scorecard_full.md"].values()):
        span = re.search(
            rf'<span id="n-{re.escape(key)}"[^>]*tabindex="0"[^>]*>(.*?)</span></span>', html, re.S
        )
        assert span, key
        for path in paths(cells[key]):
            assert f"<code>{path}</code>" in span.group(1), key
    marked = len(marks["intake.md"]) + len(marks["scorecard_full.md"])
    assert html.count('class="qct-var"') == marked
    # The scorecard's miss: its match cell says where the statistic is and that it was missed.
    miss = html[html.index('id="n-table.scorecard_full.off_days_qct_t1.match"') :]
    assert "<code>offending.crime_days_30.mean.QCT.t1</code>" in miss[: miss.index("</td>")]
    assert "not reproduced" in miss[: miss.index("</td>")]
    assert "qct" not in built.typst and "table.intake" not in built.typst
    with zipfile.ZipFile(io.BytesIO(built.docx)) as docx:
        assert b"qct" not in docx.read("word/document.xml")
    header = frames["intake.md"].shape[1]
    male = docx_tables(built.docx)[0][header + 1 : header + 4]
    assert male == [frames["intake.md"].iat[0, c] for c in range(1, 4)]


@pytest.mark.slow
@pytest.mark.skipif(quarto.quarto_path() is None, reason="the Quarto CLI is not installed")
def test_quarto_marks_the_same_table_cells(tmp_path, traced, traced_tables):
    marks, _, frames, _, _ = traced_tables
    folder = table_manuscript(tmp_path, traced, traced_tables, "table1_regression.md")
    built = quarto.build(folder)
    ids = re.findall(r'<span id="(n-[^"]+)"', built["html"].decode("utf-8"))
    expected = [*marks["table1_regression.md"].values(), *marks["scorecard_full.md"].values()]
    assert ids == [f"n-{key}" for key in expected]
    assert re.findall(r'<span id="(n-[^"]+)"', fallback.build(folder).html.decode("utf-8")) == ids
    (tmp_path / "q.pdf").write_bytes(built["pdf"])
    printed = pdf_text(tmp_path / "q.pdf")
    assert "qct" not in printed and frames["table1_regression.md"].iat[0, 2] in printed
