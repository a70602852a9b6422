"""Quarto and the fallback print the same report from the same build.

The shipped build (tests/conftest.py) renders with `renderer: auto`, that is Quarto when it is
on PATH (CI installs it). A copy of it is rebuilt with `renderer: fallback` (the renderer is
part of the effective configuration, so the copy's analyses rerun too, to the same results).
Every variable the manuscript uses and every table cell must then appear in both HTML files
and both PDFs, both DOCX files must hold every table, and the two reports must have the same
figures, table and figure captions and cross-references.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pypandoc
import pytest

from analysis.render import quarto, source
from analysis.render.shortcodes import SHORTCODE, load_variables, lookup_variable
from tests.render_text import contains, docx_tables, html_text, pdf_text, squeeze, tables
from tests.workflow_copy import snakemake

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(quarto.quarto_path() is None, reason="quarto CLI not on PATH"),
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext not on PATH"),
]
RENDERERS = ("quarto", "fallback")
OUTPUT = "manuscript/_output"
CAPTION = re.compile(r"\b(Figure|Table)\s(\d+):")
XREF = re.compile(r'<a href="#((?:fig|tbl)-[\w-]+)"[^>]*>(.*?)</a>', re.DOTALL)
LABEL_ID = re.compile(r'id="((?:fig|tbl)-[\w-]+)"')


@pytest.fixture(scope="module")
def builds(shipped_build, tmp_path_factory) -> dict[str, Path]:
    """The shipped build (rendered by Quarto) and a copy re-rendered by the fallback."""
    fallback = tmp_path_factory.mktemp("fallback") / "project"
    shutil.copytree(shipped_build, fallback, symlinks=True)
    snakemake(fallback, "all", "--cores", "2", "--config", "render={renderer: fallback}")
    return {"quarto": shipped_build, "fallback": fallback}


@pytest.fixture(scope="module")
def texts(builds) -> dict[str, dict[str, str]]:
    """The visible text of each renderer's HTML and PDF."""
    return {
        name: {
            "html": html_text((project / OUTPUT / "report.html").read_text("utf-8")),
            "pdf": pdf_text(project / OUTPUT / "report.pdf"),
        }
        for name, project in builds.items()
    }


def used_variables(folder: Path) -> dict[str, str]:
    """Every variable the manuscript in `folder` uses, with its value in that build."""
    variables = load_variables(folder / "_variables.yml")
    sources = [
        folder / "report.qmd",
        *sorted(folder.glob("sections/*.qmd")),
        *sorted(folder.glob("_tables/*.md")),
    ]
    keys = {
        m["arg"]
        for path in sources
        for m in SHORTCODE.finditer(path.read_text("utf-8"))
        if m["name"] == "var"
    }
    return {key: lookup_variable(variables, key, key) for key in sorted(keys)}


def test_each_build_used_and_prints_its_renderer(builds):
    for name, project in builds.items():
        variables = load_variables(project / "manuscript" / "_variables.yml")
        assert lookup_variable(variables, "provenance.renderer", "test") == name
        assert sorted(p.name for p in (project / OUTPUT).iterdir()) == [
            "report.docx",
            "report.html",
            "report.pdf",
        ]


def test_the_title_block_shows_the_build_date(builds, texts):
    """The date under the title is the build's date in both renderers' HTML and PDF, or none
    when the build has no commit date (a copy outside git: "unknown"); never "Invalid Date"
    (Quarto reads `date` before any filter runs, and a marked or non-ISO date printed that)."""
    for name, project in builds.items():
        variables = load_variables(project / "manuscript" / "_variables.yml")
        date = lookup_variable(variables, "report.date", "test")
        page = (project / OUTPUT / "report.html").read_text("utf-8")
        title_page = texts[name]["pdf"].split("Abstract")[0].splitlines()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
            assert f'<p class="date">{date}</p>' in page, name
            assert date in title_page, name
        else:
            assert date == "unknown" and 'class="date"' not in page, name
            assert "unknown" not in [line.strip() for line in title_page], name
        for fmt in ("html", "pdf"):
            assert "Invalid Date" not in texts[name][fmt], (name, fmt)


def test_every_variable_value_appears_in_both_reports(builds, texts):
    used = {name: used_variables(project / "manuscript") for name, project in builds.items()}
    assert len(used["quarto"]) > 100
    differing = {k for k in used["quarto"] if used["quarto"][k] != used["fallback"].get(k)}
    assert differing <= {"config.renderer", "provenance.renderer"}  # the same results otherwise
    for name in RENDERERS:
        for key, value in used[name].items():
            for fmt in ("html", "pdf"):
                assert contains(texts[name][fmt], value), f"{key} = {value!r}: not in {name} {fmt}"


def test_every_table_cell_appears_in_both_reports_and_docx(builds, texts):
    for name, project in builds.items():
        expanded = source.load(project / "manuscript").expanded.text
        expected = tables(json.loads(pypandoc.convert_text(expanded, "json", format="markdown")))
        assert len(expected) > 5
        cells = [cell for table in expected for cell in table if cell]
        for fmt in ("html", "pdf"):
            missing = [cell for cell in cells if not contains(texts[name][fmt], cell)]
            assert missing == [], f"{name} {fmt} lacks table cells: {missing[:5]}"
        # Quarto's DOCX also lays out figures and captions in tables: every table of the
        # manuscript must be among the DOCX tables, in order.
        docx = [
            [squeeze(c) for c in t]
            for t in docx_tables((project / OUTPUT / "report.docx").read_bytes())
        ]
        wanted = [[squeeze(c) for c in t] for t in expected]
        assert [t for t in docx if t in wanted] == wanted, f"{name} docx lacks tables"


def test_same_figures_tables_and_cross_references(builds, texts):
    pages = {
        name: (project / OUTPUT / "report.html").read_text("utf-8")
        for name, project in builds.items()
    }
    labels = {name: sorted(set(LABEL_ID.findall(page)) - {""}) for name, page in pages.items()}
    labels = {name: [x for x in found if "-caption-" not in x] for name, found in labels.items()}
    assert labels["quarto"] == labels["fallback"]
    assert any(x.startswith("fig-") for x in labels["quarto"])
    xrefs = {
        name: [(label, squeeze(html_text(text))) for label, text in XREF.findall(page)]
        for name, page in pages.items()
    }
    assert xrefs["quarto"] == xrefs["fallback"]
    assert len(xrefs["quarto"]) >= len(labels["quarto"]) // 2
    images = {name: page.count('src="data:image/') for name, page in pages.items()}
    assert images["quarto"] == images["fallback"] > 0
    captions = {
        (name, fmt): CAPTION.findall(text[fmt])
        for name, text in texts.items()
        for fmt in ("html", "pdf")
    }
    first = captions["fallback", "html"]
    assert first and all(found == first for found in captions.values()), captions
