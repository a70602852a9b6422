"""The report's generated tables: results JSON -> tidy DataFrame -> Markdown pipe table.

Each `*_table` function is pure (results in, DataFrame out, every cell already a formatted
string from analysis.formatting); `to_markdown` turns any of them into a pipe table. Captions
and labels are not part of the file: the manuscript writes them after the include, in the
form Quarto documents (`: Caption {#tbl-x}`), so both renderers number the table.
"""

from __future__ import annotations

import html
import math
import re
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from analysis.config import Waves
from analysis.formatting import (
    fmt_chi2,
    fmt_count,
    fmt_mean,
    fmt_money,
    fmt_number,
    fmt_p,
    fmt_percent,
    fmt_t,
    fmt_u,
    fmt_z,
    p_stars,
    typeset,
)
from analysis.marks import html_span, span

GROUP_COLUMNS = (("QCT", "QCT"), ("comparison", "Comparison"), ("all", "All"))
NO_TEST = "-"  # a cell for a test that is undefined (e.g. a characteristic nobody had)

# The intake characteristics of the profile table: (results block, key, table label, noun used
# in running text). Block "proportions" holds 0/1 characteristics, "means" numeric ones.
INTAKE_ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("proportions", "male", "Male", "sex"),
    ("means", "age", "Age in years, mean", "age"),
    ("proportions", "white", "Describes self as white", "ethnicity"),
    ("proportions", "never_married", "Never married", "marital status"),
    ("proportions", "left_school_before_16", "Left school before age 16", "school leaving age"),
    ("proportions", "mostly_unemployed_3y", "Mostly unemployed, last three years", "unemployment"),
    ("proportions", "worked_or_studied_3y", "Worked or studied, last three years", "work or study"),
    (
        "proportions",
        "ongoing_medical_problem",
        "Ongoing medical problem",
        "ongoing medical problems",
    ),
    (
        "proportions",
        "depression_anxiety_30d",
        "Serious depression or anxiety, last 30 days",
        "recent depression or anxiety",
    ),
    (
        "proportions",
        "psych_medication_lifetime",
        "Ever prescribed medication for psychological problems",
        "psychiatric medication",
    ),
    (
        "proportions",
        "suicidal_thoughts_lifetime",
        "Ever had serious thoughts of suicide",
        "suicidal thoughts",
    ),
    ("proportions", "suicide_attempted_lifetime", "Ever attempted suicide", "suicide attempts"),
    (
        "means",
        "suicide_attempts_lifetime",
        "Lifetime suicide attempts, mean",
        "number of suicide attempts",
    ),
    (
        "proportions",
        "previous_treatment",
        "Treated for drug or alcohol dependence before",
        "previous treatment",
    ),
    ("proportions", "homeless_30", "Homeless, last 30 days", "homelessness"),
    ("means", "n_drugs_30", "Different drugs used, last 30 days, mean", "range of drugs used"),
    (
        "proportions",
        "frequent_heroin_crack",
        "Frequent use of both heroin and crack",
        "frequent heroin and crack use",
    ),
    (
        "means",
        "injecting_days_30_injectors",
        "Days injecting, last 30 days, mean (injectors)",
        "injecting frequency",
    ),
    ("means", "drug_spend_30", "Spending on drugs, last 30 days, mean", "spending on drugs"),
    ("means", "crime_days_30", "Days of crime, last 30 days, mean", "days of crime"),
    ("means", "drug_composite", "Composite drug use score, mean", "composite drug use score"),
    (
        "proportions",
        "stage_precontemplation",
        "Pre-contemplation stage of change",
        "stage of change",
    ),
)
# Decimals of the intake means the paper does not print: small means (composite score in 0-1,
# suicide attempts) at two, money (whole pounds) at none, others at one. Where the paper prints
# a mean, its precision (numbers.printed_precision) wins. Text and table use the same precision.
MEAN_DECIMALS = {"drug_composite": 2, "suicide_attempts_lifetime": 2, "drug_spend_30": 0}
MONEY = {"drug_spend_30"}


def mean_decimals(key: str, precision: Mapping[str, int] | None = None) -> int:
    """Decimals of the intake mean `key`: the paper's where it prints one, else MEAN_DECIMALS."""
    return (precision or {}).get(f"profile.means.{key}", MEAN_DECIMALS.get(key, 1))


def mean_format(key: str, precision: Mapping[str, int] | None = None) -> Callable[[float], str]:
    """The formatter of the intake mean `key` (pounds for money)."""
    decimals = mean_decimals(key, precision)
    if key in MONEY:
        return lambda value: fmt_money(value, decimals)
    return lambda value: fmt_number(value, decimals)


# The paper compared the composite score with Mann-Whitney U, the other means with t.
MEAN_TEST = {"drug_composite": "mann_whitney"}

# Scorecard id prefixes (data/published/README.md) and the results domain each names, in order.
ID_PREFIXES = {
    "study": "study",
    "prof": "profile",
    "coer": "coercion",
    "ret": "retention",
    "off": "offending",
    "drug": "drug_use",
    "reint": "reintegration",
    "reg": "regression",
}

# Row labels of Table 1 (regression); `{site}` is the configured site of interest.
PREDICTOR_LABELS = {
    "qct": "Court-ordered (QCT) group",
    "drug_composite_z": "Composite drug use score at intake (standardised)",
    "in_treatment_followup": "In treatment at first follow-up",
    "age": "Age (per year)",
    "male": "Male",
    "stage_contemplation": "Contemplation stage of change at intake",
    "stage_action": "Action stage of change at intake",
    "homeless_followup": "Homeless at first follow-up",
    "free_time_with_users_both": "Free time mostly with drug users, intake and follow-up",
    "site_of_interest": "Entered treatment at site {site}",
}


# The same predictors as running text names them.
PREDICTOR_WORDS = {
    "qct": "being in the court-ordered (QCT) group",
    "drug_composite_z": "the composite drug use score at intake",
    "in_treatment_followup": "being in treatment at the first follow-up",
    "age": "age",
    "male": "being male",
    "stage_contemplation": "being in the contemplation stage of change at intake",
    "stage_action": "being in the action stage of change at intake",
    "homeless_followup": "being homeless at the first follow-up",
    "free_time_with_users_both": "spending free time mostly with drug users at intake and "
    "follow-up",
    "site_of_interest": "entering treatment at site {site}",
}


def predictor_label(name: str, site: int | str, *, in_sentence: bool = False) -> str:
    """A regression predictor's table label ('Age (per year)'), or its name in running text
    ('age') with `in_sentence`."""
    return (PREDICTOR_WORDS if in_sentence else PREDICTOR_LABELS).get(name, name).format(site=site)


NUMERIC_CELL = re.compile(r"^[-−–+£<>=.\d]")  # cells that start like a number or a test


_WORD = re.compile(r"[^\W\d_]{4,}")


def numeric_column(values: pd.Series) -> bool:
    """A column is numeric (right-aligned) when most of its non-empty cells start like a number
    and hold no word of four letters or more ("1 of 3 conditions fail" is text)."""
    filled = [v for v in values if v and v != NO_TEST]
    numeric = sum(bool(NUMERIC_CELL.match(v)) and not _WORD.search(v) for v in filled)
    return bool(filled) and numeric > len(filled) / 2


# Pandoc sizes a pipe table's columns by the dashes of its rule line once a row is wider than
# the page's text (Quarto: 72 characters, which two marked numbers fill; the fallback reads
# with a very wide --columns and sizes columns to their text). The dashes follow each column's
# widest cell, text capped so that a long label or reason does not squeeze the numbers, but
# never below its longest word (an id or a path does not wrap), plus room for the cell's
# inset, so that "79 (89%)" or "< 0.001" stays on one line.
WIDEST_RULE = 30
CELL_INSET = 3
# A word that cannot wrap needs room for its widest letters ("_", "m", bold headings): a
# quarter more than its letters count.
UNBROKEN = 1.25
# Words break at spaces and at the zero-width spaces that let long paths wrap.
_BREAKS = re.compile(r"[\s\u200b]+")


def column_widths(frame: pd.DataFrame) -> list[int]:
    """Dashes of each column's rule: its widest cell (at most WIDEST_RULE) or its longest word
    (times UNBROKEN), whichever is wider, plus CELL_INSET."""
    widths = []
    for i, heading in enumerate(frame.columns):
        cells = list(frame.iloc[:, i])
        word = max(len(w) for text in [str(heading), *cells] for w in _BREAKS.split(text))
        widest = min(WIDEST_RULE, max([len(text) for text in cells] + [0]))
        widths.append(CELL_INSET + max(1, math.ceil(word * UNBROKEN), widest))
    return widths


def to_markdown(frame: pd.DataFrame, marks: Mapping[tuple[int, int], str] | None = None) -> str:
    """A pipe table of string cells: the first column and text columns left-aligned, numeric
    columns right-aligned. `marks` ({(row, column): key}, analysis.trace.table_origins) marks
    those cells as traceable numbers."""
    marks = marks or {}

    def cell(value: Any, at: tuple[int, int] | None = None) -> str:
        if not isinstance(value, str):
            raise ValueError(f"table cells must be formatted strings, got {value!r}")
        text = value.replace("\n", " ")
        if at in marks:
            text = span(marks[at], text)
        # "<" as an entity: pandoc reads a bare "<" as a possible HTML tag (slow, see
        # analysis/render/shortcodes.py ESCAPES).
        return text.replace("|", "\\|").replace("<", "&lt;")

    header = [cell(str(c)) for c in frame.columns]
    rows = [
        [cell(v, (r, c)) for c, v in enumerate(row)]
        for r, row in enumerate(frame.itertuples(index=False))
    ]
    rule = [
        f":{'-' * width}" if i == 0 or not numeric_column(frame.iloc[:, i]) else f"{'-' * width}:"
        for i, width in enumerate(column_widths(frame))
    ]
    return "".join(f"| {' | '.join(line)} |\n" for line in [header, rule, *rows])


def stat_cells(result: Mapping[str, Any] | None) -> tuple[str, str]:
    """A test leaf as (statistic with its df, p without the 'p'), or dashes when undefined."""
    if result is None or result.get("p") is None:
        return NO_TEST, NO_TEST
    kind = result.get("test")
    statistic: dict[str, Callable[[], str]] = {
        "chi2": lambda: fmt_chi2(result["statistic"], result["df"]),
        "t": lambda: fmt_t(result["statistic"], result["df"]),
        "mann_whitney": lambda: fmt_u(result["statistic"]),
        "wilcoxon": lambda: fmt_z(result["z"]),
    }
    if kind not in statistic:
        raise ValueError(f"no table layout for test {kind!r}")
    return statistic[kind](), fmt_p(result["p"], prefix=False)


def count_cell(leaf: Mapping[str, Any]) -> str:
    """A count with its percentage: '79 (89%)'."""
    return f"{fmt_count(leaf['count'])} ({fmt_percent(leaf['percent'])})"


def mean_cell(leaf: Mapping[str, Any], fmt: Callable[[float], str] = fmt_mean) -> str:
    """A mean, or a dash when nobody had a value."""
    return NO_TEST if leaf.get("value") is None else fmt(leaf["value"])


def intake_table(
    profile: Mapping[str, Any], precision: Mapping[str, int] | None = None
) -> pd.DataFrame:
    """Intake characteristics by group with the between-group test (profile.json)."""
    sizes = profile["group_size"]
    n = {
        "QCT": sizes["QCT"]["count"],
        "comparison": sizes["comparison"]["count"],
        "all": sizes["QCT"]["n"],
    }
    headers = [f"{label} (n = {fmt_count(n[g])})" for g, label in GROUP_COLUMNS]
    rows = []
    for block, key, label, _ in INTAKE_ROWS:
        leaf = profile[block][key]
        if block == "proportions":
            cells = [count_cell(leaf[g]) for g, _ in GROUP_COLUMNS]
            test = leaf["chi2"]
        else:
            fmt = mean_format(key, precision)
            cells = [mean_cell(leaf[g], fmt) for g, _ in GROUP_COLUMNS]
            test = leaf[MEAN_TEST.get(key, "t_test")]
        rows.append([label, *cells, *stat_cells(test)])
    return pd.DataFrame(rows, columns=["Characteristic at intake", *headers, "Test", "p"])


def retention_table(
    retention: Mapping[str, Any], waves: Waves, precision: Mapping[str, int] | None = None
) -> pd.DataFrame:
    """Retention by group from the agency records (retention.json), with the group tests; mean
    days at the paper's precision (numbers.printed_precision)."""
    first = waves.first_follow_up.label
    threshold = fmt_count(retention["retained_beyond"]["threshold_days"]["value"])
    share_rows = [
        (f"In treatment at the {first}", retention["in_treatment"]),
        (f"Retained beyond {threshold} days", retention["retained_beyond"]["retained"]),
        (
            f"Residential treatment by the {waves.last_follow_up.label}",
            retention["residential"][waves.last_follow_up.id],
        ),
    ]
    decimals = (precision or {}).get("retention.days_in_treatment", 1)
    mean_rows = [
        (f"Days in treatment by the {w.label}, mean", retention["days_in_treatment"][w.id])
        for w in waves.follow_ups
    ]
    mean_rows.append(
        (
            f"Days in treatment, those no longer in treatment at the {first}, mean",
            retention["days_in_treatment_not_in_treatment"],
        )
    )
    rows = [
        [label, *(count_cell(leaf[g]) for g, _ in GROUP_COLUMNS), *stat_cells(leaf["chi2"])]
        for label, leaf in share_rows
    ]
    rows += [
        [
            label,
            *(mean_n_cell(leaf[g], decimals) for g, _ in GROUP_COLUMNS),
            *stat_cells(leaf["t_test"]),
        ]
        for label, leaf in mean_rows
    ]
    columns = ["Measure", *(label for _, label in GROUP_COLUMNS), "Test", "p"]
    return pd.DataFrame(rows, columns=columns)


def regression_table(
    model: Mapping[str, Any], order: Sequence[str], site: int | str
) -> pd.DataFrame:
    """The paper's Table 1: odds ratios (stars as in the paper), 95% CIs and p, predictors in
    `order`, then the model's n and Nagelkerke R² (three decimals, as the paper prints it)."""
    rows = [
        [predictor_label(name, site), *odds_ratio_cells(model["coefficients"][name])]
        for name in order
    ]
    fit = model.get("fit")
    if fit is not None:
        rows.append(["People in the model (n)", fmt_count(fit["n"]), "", ""])
        rows.append(["Nagelkerke R²", fmt_number(fit["nagelkerke_r2"], 3), "", ""])
    return pd.DataFrame(rows, columns=["Predictor", "Odds ratio", "95% CI", "p"])


def odds_ratio_cells(coef: Mapping[str, Any]) -> tuple[str, str, str]:
    """A model term as (odds ratio with the paper's stars, 95% CI, p without the 'p')."""
    return (
        f"{fmt_number(coef['odds_ratio'], 2)}{p_stars(coef['p'])}",
        f"{fmt_number(coef['ci_low'], 2)} to {fmt_number(coef['ci_high'], 2)}",
        fmt_p(coef["p"], prefix=False),
    )


def by_wave_table(
    block: Mapping[str, Any], waves: Waves, cell: Callable[[Mapping[str, Any]], str]
) -> pd.DataFrame:
    """One row per configured wave, one column per group, from {group: {wave: leaf}}.

    A wave with no data for a group shows a dash.
    """
    rows = []
    for wave in waves.all:
        cells = [
            cell(block[g][wave.id]) if wave.id in block.get(g, {}) else NO_TEST
            for g, _ in GROUP_COLUMNS
        ]
        rows.append([wave.label[:1].upper() + wave.label[1:], *cells])
    return pd.DataFrame(rows, columns=["Wave", *(label for _, label in GROUP_COLUMNS)])


def mean_n_cell(leaf: Mapping[str, Any], decimals: int = 1) -> str:
    """A mean with its n: '22.9 (89)' (or '23 (89)' at no decimals); a dash when nobody had a
    value."""
    if leaf.get("value") is None:
        return NO_TEST
    return f"{fmt_number(leaf['value'], decimals)} ({fmt_count(leaf['n'])})"


_EXACT_P = re.compile(r"^p=(?P<p>[0-9.eE+-]+)$")


def scorecard_value(text: str) -> str:
    """A scorecard value as the report prints it: a regenerated exact p ('p=2.6e-07', as
    analysis.reproduce writes it) in the report's p style ('p < 0.001'); others unchanged."""
    m = _EXACT_P.match(text)
    return fmt_p(float(m["p"])) if m else text


MATCH_WORDS = {"true": "yes", "false": "no"}


def match_word(match: str) -> str:
    """The scorecard's match flag as the report prints it ('true' -> 'yes')."""
    if match not in MATCH_WORDS:
        raise ValueError("scorecard: the match column must hold only 'true' or 'false'")
    return MATCH_WORDS[match]


def scorecard_table(scorecard: pd.DataFrame) -> pd.DataFrame:
    """The reproduction scorecard as the report shows it (match as yes/no, p in the report's
    style, ids verbatim so that a copied id finds its row in statistics.csv)."""
    shown = scorecard[["id", "quantity", "published", "regenerated", "match", "note"]].copy()
    shown["match"] = shown["match"].map(match_word)
    shown["regenerated"] = shown["regenerated"].map(scorecard_value)
    shown.columns = ["Id", "Quantity", "Published", "Regenerated", "Match", "Note"]
    return shown.astype(str)


def scorecard_misses(scorecard: pd.DataFrame) -> pd.DataFrame:
    """Every printed statistic not reproduced, with the reason the scorecard gives."""
    shown = scorecard_table(scorecard)
    misses = shown.loc[shown["Match"].eq("no")]
    return pd.DataFrame(
        {
            "Statistic": misses["Id"] + ": " + misses["Quantity"],
            "Printed": misses["Published"],
            "Regenerated": misses["Regenerated"],
            "Reason": misses["Note"],
        }
    ).reset_index(drop=True)


# The full scorecard in the HTML: a table the reader can filter and sort, and a CSV download,
# all inside one raw HTML block (pandoc and Quarto pass it to HTML and drop it elsewhere).
_SCORECARD_SCRIPT = """
(function () {
  var table = document.getElementById("scorecard-full");
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  // A cell's text as shown: without the origin boxes of its traceable numbers.
  function shown(node) {
    var copy = node.cloneNode(true);
    copy.querySelectorAll(".qct-origin").forEach(function (box) { box.remove(); });
    return copy.textContent;
  }
  var texts = rows.map(function (r) { return shown(r).toLowerCase(); });
  document.getElementById("scorecard-filter").addEventListener("input", function (e) {
    var q = e.target.value.toLowerCase();
    rows.forEach(function (r, i) { r.hidden = texts[i].indexOf(q) < 0; });
  });
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
    th.style.cursor = "pointer";
    th.addEventListener("click", function () {
      var up = th.dataset.order !== "up";
      th.dataset.order = up ? "up" : "down";
      rows.sort(function (a, b) {
        var x = shown(a.cells[i]), y = shown(b.cells[i]);
        return (up ? 1 : -1) * x.localeCompare(y, undefined, {numeric: true});
      });
      rows.forEach(function (r) { table.tBodies[0].appendChild(r); });
    });
  });
})();
"""


# Ids may wrap after an underscore (<wbr>, which a copied id does not contain). On a narrow
# screen each row becomes a card: the headings (still sort buttons) wrap above, and every cell
# sits on its own line after its column's name, so Regenerated and Match need no sideways scroll.
_SCORECARD_STYLE = (
    ".scorecard-scroll{overflow-x:auto}"
    "#scorecard-full{font-size:0.85em;width:100%}"
    "#scorecard-full td:first-child{min-width:8em}"
    "#scorecard-full td:nth-child(2){min-width:14em}"
    "@media (max-width:600px){"
    "#scorecard-full,#scorecard-full tbody,#scorecard-full tr,#scorecard-full td{display:block}"
    "#scorecard-full thead tr{display:flex;flex-wrap:wrap;gap:0.2em 0.8em}"
    "#scorecard-full th{border:0;padding:0.2em 0;text-decoration:underline}"
    "#scorecard-full tr{border-bottom:1px solid #999;padding:0.4em 0}"
    "#scorecard-full td{border:0;padding:0.05em 0;min-width:0}"
    "#scorecard-full td:empty{display:none}"
    '#scorecard-full td::before{content:attr(data-label) ": ";font-weight:bold}}'
)


def scorecard_html(shown: pd.DataFrame, marks: Mapping[tuple[int, int], str] | None = None) -> str:
    """The whole scorecard (`scorecard_table`) as a raw HTML block: a filter box, a table
    sorted by clicking a column heading, and the same table as a CSV download (a data: link,
    so the HTML stays self-contained). Cells are typeset here: the block as a whole is script
    and markup. `marks` marks cells as traceable numbers, as in `to_markdown`."""
    csv = shown.to_csv(index=False, lineterminator="\n")
    head = "".join(f"<th>{html.escape(c)}</th>" for c in shown.columns)
    labels = [html.escape(c, quote=True) for c in shown.columns]
    marks = marks or {}

    def cell(label: str, value: str, at: tuple[int, int]) -> str:
        text = html.escape(typeset(value))
        if label == "Id":
            text = text.replace("_", "_<wbr>")
        if at in marks:
            text = html_span(marks[at], text)
        return f'<td data-label="{label}">{text}</td>'

    body = "\n".join(
        "<tr>"
        + "".join(cell(lab, v, (r, c)) for c, (lab, v) in enumerate(zip(labels, row, strict=True)))
        + "</tr>"
        for r, row in enumerate(shown.itertuples(index=False))
    )
    return (
        "```{=html}\n"
        f'<details class="scorecard"><summary>The full scorecard: all {len(shown)} printed '
        "statistics (filter, sort by clicking a heading)</summary>\n"
        '<p><input id="scorecard-filter" type="search" placeholder="Filter rows" '
        'aria-label="Filter the scorecard"> '
        f'<a download="scorecard.csv" href="data:text/csv;charset=utf-8,'
        f'{urllib.parse.quote(csv)}">Download the scorecard as CSV</a></p>\n'
        f'<style>{_SCORECARD_STYLE}</style>\n<div class="scorecard-scroll">'
        # Quarto turns raw HTML tables into document tables for every format (so the PDF would
        # print all of it); the attribute keeps this one raw, and HTML-only.
        f'<table id="scorecard-full" data-quarto-disable-processing="true">'
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n"
        "</tbody></table></div>\n"
        f"<script>{_SCORECARD_SCRIPT}</script>\n</details>\n```\n"
    )


def scorecard_summary(scorecard: pd.DataFrame) -> pd.DataFrame:
    """Reproduced / printed counts per results domain (the id's prefix names the domain)."""
    domain = scorecard["id"].str.split("_").str[0].map(ID_PREFIXES)
    if domain.isna().any():
        unknown = sorted(scorecard.loc[domain.isna(), "id"])
        raise ValueError(f"scorecard ids with no known domain prefix: {', '.join(unknown[:5])}")
    tally = scorecard["match"].eq("true").groupby(domain).agg(["sum", "count"])
    rows = [
        [
            name.replace("_", " "),
            fmt_count(row["sum"]),
            fmt_count(row["count"]),
            fmt_percent(100.0 * row["sum"] / row["count"]),
        ]
        for name in dict.fromkeys(ID_PREFIXES.values())
        if name in tally.index
        for row in [tally.loc[name]]
    ]
    return pd.DataFrame(rows, columns=["Domain", "Reproduced", "Printed", "Share"])


def provenance_table(provenance: Mapping[str, Any]) -> pd.DataFrame:
    """The colophon: commit, renderer, Python, package versions and input checksums."""
    git = provenance["git"]
    rows = [
        ("Commit", git["commit"]),
        ("Commit date (build date)", git["date"]),
        ("Working tree modified at build", git["modified"]),
        ("Renderer", provenance["renderer"]),
        ("Python", provenance["python"]),
    ]
    rows += [(f"Package: {name}", v) for name, v in sorted(provenance["packages"].items())]
    rows += [(f"sha256: {name}", digest) for name, digest in sorted(provenance["data"].items())]
    return pd.DataFrame(rows, columns=["Item", "Value"])
