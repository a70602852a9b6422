"""The renderers: each renders the fixture manuscript to HTML, PDF and DOCX, deterministically,
and bad manuscripts fail with a message naming what to fix and leave no output. The fallback
tests always run; the Quarto ones need the quarto CLI on PATH (CI installs it)."""

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from analysis.render import RenderError, choose_renderer, fallback, quarto, render, source
from analysis.render.shortcodes import expand, lookup_variable
from tests.render_text import docx_tables

FIXTURE = Path(__file__).parent / "data" / "render_fixture"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The fixture rendered once with the fallback: (renderer used, output dir)."""
    out = tmp_path_factory.mktemp("out")
    return render(FIXTURE, out, renderer="fallback"), out


@pytest.fixture
def manuscript(tmp_path):
    """A writable copy of the fixture, for breaking it."""
    return Path(shutil.copytree(FIXTURE, tmp_path / "manuscript"))


def _html(out: Path) -> str:
    return (out / "report.html").read_text(encoding="utf-8")


def test_fallback_writes_all_outputs(rendered):
    used, out = rendered
    assert used == "fallback"
    assert sorted(p.name for p in out.iterdir()) == ["report.docx", "report.html", "report.pdf"]
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF-")
    assert (out / "report.docx").read_bytes().startswith(b"PK")  # a zip, as DOCX files are


def test_html_has_numbers_crossrefs_citation_table_image_toc(rendered):
    html = _html(rendered[1])
    assert "a fall from 22.9 to 8.3 days" in html  # variables, formatted values verbatim
    assert '<a href="#fig-crime">Figure 1</a>' in html
    assert '<a href="#tbl-model">Table 1</a>' in html
    assert '<a href="#fig-vector">Figure 2</a>' in html
    assert "<figcaption>Figure 1: Mean days of crime by wave</figcaption>" in html
    assert re.search(r"<caption>Table 1: Regression of offending at the first\s+follow-up", html)
    assert "(McSweeney\nand Hough 2005)" in html  # citeproc resolved [@mcsweeney2005]
    assert 'id="ref-mcsweeney2005"' in html
    assert '<td style="text-align: right;">0.92 (0.85 to 0.98)</td>' in html  # the include
    assert html.count('src="data:image/png;base64,') == 2
    assert '<nav id="TOC" role="doc-toc">' in html and ">Contents</h2>" in html
    assert '<span class="header-section-number">1.1</span> Details' in html
    assert "<strong>About the data</strong>" in html  # callout title
    assert "max-width: 42em" in html  # the project's stylesheet (`css:`), embedded
    assert '<math display="inline"' in html  # MathML, no script needed
    assert "{{<" not in html and "@fig-" not in html and "@tbl-" not in html


def test_outputs_hold_no_absolute_paths(rendered):
    html = _html(rendered[1])
    pdf = (rendered[1] / "report.pdf").read_bytes()
    for path in {str(FIXTURE.resolve()), str(REPO)}:
        assert path not in html
        assert path.encode() not in pdf


def test_typst_source_and_pdf_text():
    built = fallback.build(FIXTURE)
    assert "a fall from 22.9 to 8.3 days" in built.typst
    assert "#link(<fig-crime>)[Figure 1]" in built.typst
    assert "Figure 1: Mean days of crime by wave" in built.typst
    assert 'image("/figures/crime.png")' in built.typst  # root-relative for Typst
    assert "#set document(date: none)" in built.typst
    assert 'pagenumbering: "1"' in built.typst
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not on PATH: PDF text not checked")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=built.pdf, capture_output=True, check=True
    ).stdout.decode()
    for expected in (
        "22.9",
        "Figure 1: Mean days of crime by wave",
        "Table 1: Regression",
        "McSweeney and Hough 2005",
        "Contents",
        "About the data",
    ):
        assert expected in text


def test_two_renders_are_byte_identical(rendered, tmp_path):
    render(FIXTURE, tmp_path, renderer="fallback")
    for name in ("report.html", "report.pdf", "report.docx"):
        assert (tmp_path / name).read_bytes() == (rendered[1] / name).read_bytes()
    assert b"CreationDate" not in (tmp_path / "report.pdf").read_bytes()


def test_outputs_carry_the_document_date_not_the_clock(rendered):
    """SOURCE_DATE_EPOCH is midnight UTC of the front matter's date (2007-05-01 in the fixture:
    13,634 days after 1970-01-01); pandoc stamps the DOCX zip entries with it."""
    assert source.load(FIXTURE).source_date_epoch() == 13634 * 86400
    with zipfile.ZipFile(rendered[1] / "report.docx") as docx:
        assert {info.date_time for info in docx.infolist()} == {(2007, 5, 1, 0, 0, 0)}


def test_docx_holds_tables_figures_and_references(rendered):
    docx = (rendered[1] / "report.docx").read_bytes()
    tables = docx_tables(docx)
    assert len(tables) == 1
    assert "0.92 (0.85 to 0.98)" in tables[0] and "Drug use score" in tables[0]
    with zipfile.ZipFile(rendered[1] / "report.docx") as zipped:
        assert len([n for n in zipped.namelist() if n.startswith("word/media/")]) >= 1
        body = zipped.read("word/document.xml").decode()
    for expected in (
        "Figure 1: Mean days of crime by wave",
        "Table 1: Regression",
        "McSweeney and Hough 2005",
        "Drugs and Alcohol",
        "a fall from 22.9",
    ):
        assert expected in re.sub(r"<[^>]+>", "", body)


def test_images_outside_the_manuscript_folder_are_refused(manuscript):
    """Quarto reads files only inside the project; the fallback refuses the same images."""
    shutil.move(manuscript / "figures", manuscript.parent / "figures")
    qmd = manuscript / "report.qmd"
    qmd.write_text(qmd.read_text().replace("](figures/", "](../figures/"))
    with pytest.raises(
        RenderError,
        match=r"image '\.\./figures/crime\.png' is outside the "
        "manuscript folder",
    ):
        fallback.build(manuscript)


def _break(manuscript: Path, old: str, new: str) -> None:
    qmd = manuscript / "report.qmd"
    text = qmd.read_text(encoding="utf-8")
    assert old in text
    qmd.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "{{< var offending.qct.mean_t2 >}}",
            "{{< var offending.qct.mean_t9 >}}",
            r"report\.qmd:\d+: unknown variable 'offending\.qct\.mean_t9' "
            r"\(not in _variables\.yml\) "
            r"\(did you mean: offending\.qct\.mean_t2, offending\.qct\.mean_t1",
        ),
        (
            "{{< include _tables/table1.md >}}",
            "{{< include _tables/missing.md >}}",
            r"report\.qmd:\d+: included file '_tables/missing\.md' does not exist",
        ),
        (
            "(@fig-crime;",
            "(@fig-nothere;",
            r"report\.qmd:\d+: unknown cross-reference '@fig-nothere' \(no figure or table has the "
            r"label '#fig-nothere'\)",
        ),
        ("[@mcsweeney2005]", "[@nobody1999]", r"(?s)pandoc failed.*citation nobody1999 not found"),
        ("{{< var offending.qct.change >}}", "{{< meta title >}}", r"unsupported shortcode 'meta'"),
        (
            "[@mcsweeney2005]",
            "[@fig-crime; @mcsweeney2005]",
            r"'@fig-crime @mcsweeney2005' mixes cross-references and citations",
        ),
    ],
)
def test_bad_manuscript_fails_clearly_and_writes_nothing(manuscript, tmp_path, old, new, message):
    _fails_and_writes_nothing(manuscript, tmp_path, "fallback", (old, new), message)


def _fails_and_writes_nothing(manuscript, tmp_path, renderer, change, message):
    """Break the manuscript with `change` (old, new): rendering fails with `message`, and
    writes nothing into the output folder."""
    _break(manuscript, *change)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(RenderError, match=message):
        render(manuscript, out, renderer=renderer)
    assert list(out.iterdir()) == []


def test_error_names_the_included_file_and_its_line(manuscript):
    table = manuscript / "_tables" / "table1.md"
    table.write_text(table.read_text().replace("offending.qct.mean_t1", "offending.nope"))
    with pytest.raises(
        RenderError,
        match=r"_tables/table1\.md:3: unknown variable "
        r"'offending\.nope'",
    ):
        fallback.build(manuscript)


def test_missing_image_fails(manuscript):
    (manuscript / "figures" / "crime.png").unlink()
    with pytest.raises(RenderError, match="crime.png"):
        fallback.build(manuscript)


def test_duplicate_label_fails(manuscript):
    _break(manuscript, "{#fig-vector}", "{#fig-crime}")
    with pytest.raises(RenderError, match="duplicate label '#fig-crime'"):
        fallback.build(manuscript)


def test_variable_lookup_rules():
    variables = {"a": {"b": "1.0", "n": 157, "f": 0.3, "empty": None}}
    assert lookup_variable(variables, "a.b", "x.qmd:1") == "1.0"
    assert lookup_variable(variables, "a.n", "x.qmd:1") == "157"
    with pytest.raises(RenderError, match="x.qmd:1: variable 'a' is a group"):
        lookup_variable(variables, "a", "x.qmd:1")
    with pytest.raises(RenderError, match="'a.f' is a bare number"):
        lookup_variable(variables, "a.f", "x.qmd:1")
    with pytest.raises(RenderError, match="'a.empty' has no value"):
        lookup_variable(variables, "a.empty", "x.qmd:1")
    with pytest.raises(RenderError, match="_variables.yml does not exist"):
        lookup_variable(None, "a.b", "x.qmd:1")


def test_include_cycle_is_an_error(tmp_path):
    (tmp_path / "a.qmd").write_text("{{< include b.qmd >}}\n")
    (tmp_path / "b.qmd").write_text("text\n{{< include a.qmd >}}\n")
    with pytest.raises(RenderError, match="b.qmd:2: include cycle through 'a.qmd'"):
        expand(tmp_path / "a.qmd", tmp_path, {})


def test_source_map_points_into_included_files(tmp_path):
    (tmp_path / "a.qmd").write_text("one\n{{< include sub/b.md >}}\nthree\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("two {{< var x >}}\n")
    expanded = expand(tmp_path / "a.qmd", tmp_path, {"x": "X"})
    assert expanded.text == "one\ntwo X\n\nthree\n"
    assert expanded.origin_of("two X") == "sub/b.md:1"
    assert expanded.origin_of("three") == "a.qmd:3"


def test_renderer_choice(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert choose_renderer("auto") == "fallback"
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/quarto")
    assert choose_renderer("auto") == "quarto"
    with pytest.raises(RenderError, match="unknown renderer 'latex'"):
        choose_renderer("latex")


def test_quarto_requested_without_quarto(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RenderError, match="quarto CLI is not on PATH"):
        render(FIXTURE, tmp_path, renderer="quarto")


def test_cli_reports_renderer_and_errors(manuscript, tmp_path):
    command = [
        sys.executable,
        "-m",
        "analysis.render",
        "--manuscript",
        str(manuscript),
        "--out",
        str(tmp_path / "out"),
        "--renderer",
        "fallback",
    ]
    ok = subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout == "renderer: fallback\n"
    _break(manuscript, "{{< var offending.qct.mean_t1 >}} to", "{{< var nope >}} to")
    failed = subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False)
    assert failed.returncode == 1
    assert "render failed: report.qmd:" in failed.stderr
    assert "unknown variable 'nope'" in failed.stderr


def test_render_does_not_depend_on_where_the_manuscript_lives(rendered, manuscript, tmp_path):
    render(manuscript, tmp_path / "elsewhere", renderer="fallback")
    for name in ("report.html", "report.pdf"):
        assert (tmp_path / "elsewhere" / name).read_bytes() == (rendered[1] / name).read_bytes()


def test_less_than_in_a_value_is_an_entity(tmp_path):
    """A "<" from a variable reaches pandoc as "&lt;" (a bare one is read as a possible HTML
    tag, which is slow), and prints as "<"."""
    (tmp_path / "a.qmd").write_text("Significant ({{< var p >}}).\n")
    assert expand(tmp_path / "a.qmd", tmp_path, {"p": "p < 0.001"}).text == (
        "Significant (p &lt; 0.001).\n"
    )


def test_front_matter_variables_stay_plain_except_the_abstract(tmp_path):
    """With the trace extension shipped, variables are marked in the body and the abstract
    only: Quarto reads `date` before any filter runs (a marked date printed "Invalid Date"),
    so it and other fields stay plain, and SOURCE_DATE_EPOCH comes from the date (2007-05-01:
    13,634 days after 1970-01-01). An included file's "---" opens no front matter. Headings
    (copied into the table of contents) and inline code (printed literally) stay plain too."""
    (tmp_path / "_extensions" / "trace").mkdir(parents=True)
    (tmp_path / "_extensions" / "trace" / "trace.lua").write_text("")
    (tmp_path / "report.qmd").write_text(
        '---\ntitle: "N = {{< var n >}}"\ndate: "{{< var d >}}"\nabstract: |\n'
        "  Of {{< var n >}} people.\nauthor: A\n...\n\nBody {{< var n >}}.\n\n"
        "{{< include part.md >}}\n\n# Part {{< var n >}}\n\nCommit `{{< var n >}}`, ``{{< var n >}}``.\n"
    )
    (tmp_path / "part.md").write_text("---\ndate: {{< var d >}}\n---\n")
    (tmp_path / "_variables.yml").write_text('n: "12"\nd: "2007-05-01"\n')
    ms = source.load(tmp_path)
    assert ms.expanded.text == (
        '---\ntitle: "N = 12"\ndate: "2007-05-01"\nabstract: |\n'
        "  Of [12]{.qct-var key=n} people.\nauthor: A\n...\n\nBody [12]{.qct-var key=n}.\n\n"
        "---\ndate: [2007-05-01]{.qct-var key=d}\n---\n\n\n# Part 12\n\nCommit `12`, ``12``.\n"
    )
    assert ms.front["date"] == "2007-05-01"
    assert ms.source_date_epoch() == 13634 * 86400


def test_a_date_that_is_no_date_is_left_out(tmp_path):
    """Outside a git checkout the build date reads "unknown" (Quarto would print "Invalid
    Date"): the date line goes, the source map stays aligned, and SOURCE_DATE_EPOCH is
    1980-01-01 (3,652 days after 1970-01-01)."""
    (tmp_path / "report.qmd").write_text(
        '---\ntitle: T\ndate: "{{< var d >}}"\nauthor: A\n---\n\nBody.\n'
    )
    (tmp_path / "_variables.yml").write_text("d: unknown\n")
    ms = source.load(tmp_path)
    assert ms.expanded.text == "---\ntitle: T\nauthor: A\n---\n\nBody.\n"
    assert ms.expanded.origin_of("Body.") == "report.qmd:7"
    assert "date" not in ms.front and ms.source_date_epoch() == 3652 * 86400


# A Lua filter that marks every number-like word, as a reviewer tool would.
MARK_NUMBERS = """
function Str(el)
  if el.text:match("^%d+%.%d+$") then
    return pandoc.Span(el, {class = "marked"})
  end
end
"""


@pytest.mark.parametrize("listed", ["mark.lua", "marker"])
def test_filters_listed_in_the_project_run_in_the_fallback(manuscript, listed):
    """`filters:` in _quarto.yml, a .lua file or an extension under _extensions/, runs in the
    fallback as in Quarto."""
    (manuscript / "mark.lua").write_text(MARK_NUMBERS)
    extension = manuscript / "_extensions" / "marker"
    extension.mkdir(parents=True)
    (extension / "_extension.yml").write_text(
        "title: Marker\ncontributes:\n  filters:\n    - mark.lua\n"
    )
    (extension / "mark.lua").write_text(MARK_NUMBERS)
    project = manuscript / "_quarto.yml"
    project.write_text(project.read_text() + f"filters:\n  - {listed}\n")
    html = fallback.build(manuscript).html.decode()
    assert '<span class="marked">22.9</span>' in html


def test_unknown_filter_extension_fails(manuscript):
    project = manuscript / "_quarto.yml"
    project.write_text(project.read_text() + "filters:\n  - nowhere\n")
    with pytest.raises(RenderError, match="filters: no extension 'nowhere' under _extensions/"):
        fallback.build(manuscript)


def test_quarto_warnings_are_located_and_kit_noise_ignored():
    log = (
        "\x1b[33mWARNING (/q/refs.lua:128) Unable to resolve crossref @fig-x\n"
        "\x1b[39m[WARNING] Citeproc: citation smith2001 not found\n"
        "\x1b[33mWARNING (/q/refs.lua:128) Unable to resolve crossref @fig-x\n"
        "\x1b[33mWARN: typst-gather analyze failed; staging all packages as fallback\n"
        "[typst]: Compiling report.typ to report.pdf...DONE\n"
    )
    where = {"@fig-x": "sections/a.qmd:3", "@smith2001": "report.qmd:9"}.get
    assert quarto.warnings_in(log, where) == [
        "sections/a.qmd:3: WARNING (/q/refs.lua:128) Unable to resolve crossref @fig-x",
        "report.qmd:9: [WARNING] Citeproc: citation smith2001 not found",
    ]


needs_quarto = pytest.mark.skipif(quarto.quarto_path() is None, reason="quarto CLI not on PATH")


@pytest.fixture(scope="module")
def quarto_rendered(tmp_path_factory):
    """The fixture rendered with Quarto, from a copy (so the test sees what Quarto writes)."""
    manuscript = Path(shutil.copytree(FIXTURE, tmp_path_factory.mktemp("q") / "manuscript"))
    out = tmp_path_factory.mktemp("quarto-out")
    return render(manuscript, out, renderer="quarto"), out, manuscript


@pytest.mark.slow
@needs_quarto
def test_quarto_renders_all_outputs_and_writes_nothing_else(quarto_rendered):
    used, out, manuscript = quarto_rendered
    assert used == "quarto"
    assert sorted(p.name for p in out.iterdir()) == ["report.docx", "report.html", "report.pdf"]
    written = sorted(str(p.relative_to(manuscript)) for p in manuscript.rglob("*"))
    assert written == sorted(str(p.relative_to(FIXTURE)) for p in FIXTURE.rglob("*"))
    html = _html(out)
    assert "a fall from 22.9 to 8.3 days" in html and "2007-05-01" in html
    assert re.search(r'<a href="#fig-crime" class="quarto-xref">Figure\s1</a>', html)  # nbsp
    assert re.search(r"Table\s1: Regression of offending at the first\s+follow-up", html)
    assert "(McSweeney and Hough 2005)" in html
    assert "max-width: 42em" in html and "bootstrap" not in html.lower()
    # Quarto's DOCX lays the callout out as a table too; the fixture's table is among them.
    docx = docx_tables((out / "report.docx").read_bytes())
    assert ["Age", "0.92 (0.85 to 0.98)", "short"] in [t[-3:] for t in docx]


@pytest.mark.slow
@needs_quarto
def test_quarto_rerender_is_byte_identical(quarto_rendered, tmp_path):
    _, out, manuscript = quarto_rendered
    render(manuscript, tmp_path, renderer="quarto")
    for name in ("report.html", "report.pdf", "report.docx"):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name
    assert b"CreationDate" not in (tmp_path / "report.pdf").read_bytes()


@pytest.mark.slow
@needs_quarto
@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "{{< var offending.qct.mean_t2 >}}",
            "{{< var offending.qct.mean_t9 >}}",
            r"report\.qmd:\d+: unknown variable 'offending\.qct\.mean_t9'",
        ),
        (
            "(@fig-crime;",
            "(@fig-nothere;",
            r"report\.qmd:15: WARNING .*Unable to resolve crossref @fig-nothere",
        ),
        (
            "[@mcsweeney2005]",
            "[@nobody1999]",
            r"report\.qmd:16: \[WARNING\] Citeproc: citation nobody1999 not found",
        ),
    ],
)
def test_quarto_is_as_strict_as_the_fallback(manuscript, tmp_path, old, new, message):
    _fails_and_writes_nothing(manuscript, tmp_path, "quarto", (old, new), message)


@pytest.mark.slow
@needs_quarto
def test_filters_listed_in_the_project_run_in_quarto(manuscript, tmp_path):
    (manuscript / "mark.lua").write_text(MARK_NUMBERS)
    project = manuscript / "_quarto.yml"
    project.write_text(project.read_text() + "filters:\n  - mark.lua\n")
    render(manuscript, tmp_path, renderer="quarto")
    assert '<span class="marked">22.9</span>' in _html(tmp_path)


def test_variables_are_marked_except_in_the_date_field_and_inline_code(tmp_path):
    """Quarto reads the date field as a date; a marked span there renders 'Invalid Date'."""
    (tmp_path / "_extensions" / "trace").mkdir(parents=True)
    (tmp_path / "_extensions" / "trace" / "trace.lua").write_text("-- stub\n")
    doc = tmp_path / "report.qmd"
    doc.write_text(
        '---\ndate: "{{< var report.date >}}"\n---\nSeen {{< var n >}} times, `{{< var n >}}`.\n'
    )
    text = expand(doc, tmp_path, {"report": {"date": "2026-11-27"}, "n": "157"}).text
    assert 'date: "2026-11-27"' in text
    # Marked in prose; inside inline code a span would print as its source, so left bare.
    assert "Seen [157]{.qct-var key=n} times, `157`." in text


def test_a_variable_whose_key_a_mark_cannot_hold_is_refused_where_it_is_used(tmp_path):
    """A key the span's unquoted attribute cannot hold would lose its trace silently; the
    expansion names the line instead, as analysis.marks refuses such a key in a table."""
    (tmp_path / "_extensions" / "trace").mkdir(parents=True)
    (tmp_path / "_extensions" / "trace" / "trace.lua").write_text("-- stub\n")
    doc = tmp_path / "report.qmd"
    doc.write_text("Intro.\n\nSeen {{< var n+1 >}} times.\n")
    with pytest.raises(
        RenderError, match=r"report\.qmd:3: variable trace key 'n\+1' is not one word"
    ):
        expand(doc, tmp_path, {"n+1": "157"})
    # Without the extension nothing is marked, so the same key renders plainly.
    (tmp_path / "_extensions" / "trace" / "trace.lua").unlink()
    assert "Seen 157 times." in expand(doc, tmp_path, {"n+1": "157"}).text
