"""The renderer: the fallback renders the fixture manuscript to HTML and PDF, deterministically,
and bad manuscripts fail with a message naming what to fix and leave no output."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.render import RenderError, choose_renderer, fallback, render
from analysis.render.shortcodes import expand, lookup_variable

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


def test_fallback_writes_both_outputs(rendered):
    used, out = rendered
    assert used == "fallback"
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.pdf"]
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF-")


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
    assert "<td style=\"text-align: right;\">0.92 (0.85 to 0.98)</td>" in html  # the include
    assert 'src="data:image/png;base64,' in html and 'src="data:image/svg+xml;base64,' in html
    assert '<nav id="TOC" role="doc-toc">' in html and ">Contents</h2>" in html
    assert '<span class="header-section-number">1.1</span> Details' in html
    assert "<strong>About the data</strong>" in html  # callout title
    assert "max-width: 42em" in html  # the phone-readable stylesheet, embedded
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
    text = subprocess.run(["pdftotext", "-", "-"], input=built.pdf, capture_output=True,
                          check=True).stdout.decode()
    for expected in ("22.9", "Figure 1: Mean days of crime by wave", "Table 1: Regression",
                     "McSweeney and Hough 2005", "Contents", "About the data"):
        assert expected in text


def test_two_renders_are_byte_identical(rendered, tmp_path):
    render(FIXTURE, tmp_path, renderer="fallback")
    for name in ("report.html", "report.pdf"):
        assert (tmp_path / name).read_bytes() == (rendered[1] / name).read_bytes()
    assert b"CreationDate" not in (tmp_path / "report.pdf").read_bytes()


def test_images_outside_the_manuscript_folder(manuscript):
    """Figures live in the repository's figures/, next to (not inside) the manuscript."""
    shutil.move(manuscript / "figures", manuscript.parent / "figures")
    qmd = manuscript / "report.qmd"
    qmd.write_text(qmd.read_text().replace("](figures/", "](../figures/"))
    built = fallback.build(manuscript)
    assert 'image("/figures/crime.png")' in built.typst
    assert built.pdf.startswith(b"%PDF-")


def _break(manuscript: Path, old: str, new: str) -> None:
    qmd = manuscript / "report.qmd"
    text = qmd.read_text(encoding="utf-8")
    assert old in text
    qmd.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("{{< var offending.qct.mean_t2 >}}", "{{< var offending.qct.mean_t9 >}}",
         r"report\.qmd:\d+: unknown variable 'offending\.qct\.mean_t9' \(not in _variables\.yml\)"
         r" \(did you mean: offending\.qct\.mean_t2, offending\.qct\.mean_t1"),
        ("{{< include _tables/table1.md >}}", "{{< include _tables/missing.md >}}",
         r"report\.qmd:\d+: included file '_tables/missing\.md' does not exist"),
        ("(@fig-crime;", "(@fig-nothere;",
         r"report\.qmd:\d+: unknown cross-reference '@fig-nothere' \(no figure or table has the "
         r"label '#fig-nothere'\)"),
        ("[@mcsweeney2005]", "[@nobody1999]", r"(?s)pandoc failed.*citation nobody1999 not found"),
        ("{{< var offending.qct.change >}}", "{{< meta title >}}",
         r"unsupported shortcode 'meta'"),
        ("[@mcsweeney2005]", "[@fig-crime; @mcsweeney2005]",
         r"'@fig-crime @mcsweeney2005' mixes cross-references and citations"),
    ],
)
def test_bad_manuscript_fails_clearly_and_writes_nothing(manuscript, tmp_path, old, new, message):
    _break(manuscript, old, new)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(RenderError, match=message):
        render(manuscript, out, renderer="fallback")
    assert list(out.iterdir()) == []


def test_error_names_the_included_file_and_its_line(manuscript):
    table = manuscript / "_tables" / "table1.md"
    table.write_text(table.read_text().replace("offending.qct.mean_t1", "offending.nope"))
    with pytest.raises(RenderError, match=r"_tables/table1\.md:3: unknown variable "
                                          r"'offending\.nope'"):
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
    command = [sys.executable, "-m", "analysis.render", "--manuscript", str(manuscript),
               "--out", str(tmp_path / "out"), "--renderer", "fallback"]
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


FAKE_QUARTO = """#!/bin/sh
# Stands in for the Quarto CLI: records its arguments, writes the two outputs.
echo "$@" > "$PWD/quarto-args.txt"
while [ "$#" -gt 0 ]; do
  if [ "$1" = "--output-dir" ]; then out="$2"; fi
  shift
done
printf '<html>quarto</html>' > "$out/report.html"
printf '%%PDF-quarto' > "$out/report.pdf"
"""


def test_auto_uses_quarto_when_on_path(manuscript, tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "quarto").write_text(FAKE_QUARTO)
    (bin_dir / "quarto").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{Path(shutil.which('sh')).parent}")
    assert render(manuscript, tmp_path / "out", renderer="auto") == "quarto"
    assert (tmp_path / "out" / "report.html").read_text() == "<html>quarto</html>"
    assert (tmp_path / "out" / "report.pdf").read_bytes() == b"%PDF-quarto"
    args = (manuscript / "quarto-args.txt").read_text().split()
    assert args[:4] == ["render", "report.qmd", "--to", "html,typst"]
