"""The one number formatter: every number in the text, the tables and the scorecard goes through it.

Rounding is half away from zero, done in decimal arithmetic on the shortest decimal form of the
value (its `repr`), so 0.125 -> 0.13, -0.125 -> -0.13 and 2.675 -> 2.68 as a reader expects;
never Python's banker's rounding nor the binary artefacts of `round()`.

Conventions (chosen once, used everywhere):
- A negative number is written with the ASCII hyphen-minus '-', so the strings compare equal
  with the paper's printed values in plain ASCII (the scorecard). What the reader sees goes
  through `typeset`, which turns every such minus into U+2212 and keeps "p < 0.001" and
  "n = 68" on one line.
- A value that rounds to zero is written without a sign ("0.0", never "-0.0").
- Missing values (None, NaN) are an error, never a blank: a number the text needs must exist.
- Spacing follows "p = 0.012", "t = -2.20, d.f. = 155", "54% (n = 85)", where the n beside a
  percentage is the count of people the percentage describes (the paper's "54%; n=85").
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from numbers import Real
from typing import Any

ALPHA = 0.05
# The paper's significance thresholds for the "p<0.01"/"ns" style, strictest first.
P_THRESHOLDS = (0.001, 0.01, 0.05)


MINUS = "\u2212"
NBSP = "\u00a0"
# A hyphen-minus that is a minus sign: not inside a word, a number range or a date ("t1-t2",
# "2024-05-01"), and followed by a number ("-2.20", "-.298", "-£30").
_MINUS = re.compile(r"(?<![\w.)])-(?=[\d.£])")
# A relation between two tokens ("p < 0.001", "n = 68", "d.f. = 1") that must not break; in a
# Markdown table cell '<' and '>' arrive as the entities "&lt;" and "&gt;".
_RELATION = re.compile(r"(?<=\S) ([<>=≤≥]|&lt;|&gt;) (?=\S)")


def typeset(text: str) -> str:
    """`text` as printed: U+2212 for a minus sign and no line break around '<', '>' or '='."""
    return _RELATION.sub(f"{NBSP}\\1{NBSP}", _MINUS.sub(MINUS, text))


def _checked(value: Any, what: str = "value") -> float:
    """Return `value` as a finite float, or raise ValueError naming what was wrong."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"{what} must be a number, got {value!r}")
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        raise ValueError(f"{what} must be a finite number, got {value!r}")
    return number


def round_half_away(value: float, decimals: int) -> Decimal:
    """Round `value` to `decimals` places, halves away from zero (ROUND_HALF_UP on |value|)."""
    number = _checked(value)
    quantum = Decimal(1).scaleb(-decimals)
    rounded = Decimal(repr(number)).quantize(quantum, rounding=ROUND_HALF_UP)
    return rounded.copy_abs() if rounded.is_zero() else rounded


def fmt_number(
    value: float, decimals: int = 1, *, leading_zero: bool = True, grouping: bool = False
) -> str:
    """A number at fixed `decimals`; `leading_zero=False` gives the paper's ".287" style."""
    text = f"{round_half_away(value, decimals):{',' if grouping else ''}f}"
    if not leading_zero:
        text = text.replace("0.", ".", 1) if text.lstrip("-").startswith("0.") else text
    return text


def fmt_mean(value: float, decimals: int = 1) -> str:
    """A mean (or any continuous summary), one decimal by default: 22.9."""
    return fmt_number(value, decimals)


def fmt_count(value: float) -> str:
    """An integer count with thousands separators: 157, 40,000. A fractional count is an error."""
    number = _checked(value, "count")
    if not number.is_integer():
        raise ValueError(f"count must be a whole number, got {value!r}")
    return f"{int(number):,d}"


def fmt_percent(percent: float, n: int | None = None, decimals: int = 0) -> str:
    """A percentage (0-100), bare "54%" or with the count it describes "54% (n = 85)"."""
    text = f"{fmt_number(percent, decimals)}%"
    return text if n is None else f"{text} (n = {fmt_count(n)})"


def fmt_p(p: float, style: str = "exact", *, prefix: bool = True) -> str:
    """A p-value: exact "p = 0.012" / "p < 0.001", or the paper's threshold style "p < 0.01" / "ns".

    Exact style shows three decimals, and "< 0.001" for any p below 0.001 (judged on the unrounded
    p, so 0.0006 is "< 0.001", not "= 0.001").
    Threshold style gives the strictest of 0.001, 0.01, 0.05 that p is below, else "ns".
    `prefix=False` drops the leading "p " (for table cells): "< 0.001", "= 0.012" -> "0.012".
    """
    value = _checked(p, "p")
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"p must lie in [0, 1], got {p!r}")
    if style == "exact":
        if value < P_THRESHOLDS[0]:
            body = "< 0.001"
        else:
            body = f"= {fmt_number(value, 3)}"
    elif style == "threshold":
        below = [t for t in P_THRESHOLDS if value < t]
        if not below:
            return "ns"
        body = f"< {below[0]:g}"
    else:
        raise ValueError(f"p style must be 'exact' or 'threshold', got {style!r}")
    if prefix:
        return f"p {body}"
    return body.removeprefix("= ")


def p_stars(p: float) -> str:
    """Table significance marks as in the paper's Table 1: "**" p < 0.01, "*" p < 0.05, else ""."""
    value = _checked(p, "p")
    return "**" if value < 0.01 else "*" if value < ALPHA else ""


def fmt_chi2(statistic: float, df: int, decimals: int = 2) -> str:
    """Pearson chi-square with its degrees of freedom: "χ² = 10.56, d.f. = 1"."""
    return f"χ² = {fmt_number(statistic, decimals)}, d.f. = {fmt_count(df)}"


def fmt_t(statistic: float, df: float, decimals: int = 2, df_decimals: int = 0) -> str:
    """Student/Welch t with df: "t = -2.20, d.f. = 155".

    Assumption: the paper prints every df as an integer (also its Welch tests), so a fractional
    Welch df is rounded to `df_decimals` = 0 places by default.
    """
    return f"t = {fmt_number(statistic, decimals)}, d.f. = {fmt_number(df, df_decimals)}"


def fmt_z(z: float, decimals: int = 2) -> str:
    """A normal-approximation z (Wilcoxon): "z = -6.46"."""
    return f"z = {fmt_number(z, decimals)}"


def fmt_u(statistic: float, decimals: int = 1) -> str:
    """A Mann-Whitney U: "U = 1597.5" (halves occur with ties, hence one decimal)."""
    return f"U = {fmt_number(statistic, decimals)}"


def fmt_r(r: float, decimals: int = 2, *, leading_zero: bool = True) -> str:
    """An effect size r = z / sqrt(N): "r = -0.57", or "r = -.57" with `leading_zero=False`."""
    return f"r = {fmt_number(r, decimals, leading_zero=leading_zero)}"


def fmt_rs(rs: float, decimals: int = 3, *, leading_zero: bool = True) -> str:
    """A Spearman correlation: "rs = 0.287", or "rs = .287" with `leading_zero=False`."""
    return f"rs = {fmt_number(rs, decimals, leading_zero=leading_zero)}"


def fmt_or_ci(odds_ratio: float, ci_low: float, ci_high: float, decimals: int = 2) -> str:
    """An odds ratio with its 95% CI: "1.94 (1.23 to 3.10)"."""
    if (
        not _checked(ci_low, "ci_low")
        <= _checked(odds_ratio, "odds ratio")
        <= _checked(ci_high, "ci_high")
    ):
        raise ValueError(f"CI ({ci_low!r}, {ci_high!r}) does not contain OR {odds_ratio!r}")
    parts = (fmt_number(v, decimals) for v in (odds_ratio, ci_low, ci_high))
    return "{} ({} to {})".format(*parts)


def fmt_money(value: float, decimals: int = 0, symbol: str = "£") -> str:
    """Money with thousands separators and the sign before the symbol: "£1,200", "-£30"."""
    text = fmt_number(value, decimals, grouping=True)
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    return f"{sign}{symbol}{digits}"


def direction(before: float, after: float, decimals: int = 1) -> str:
    """The word for a change: "fall", "rise" or "no change".

    The values are compared after rounding to `decimals` places, the precision they are shown
    at, so the word can never contradict the printed numbers (22.94 -> 22.96 is "no change").
    """
    start, end = round_half_away(before, decimals), round_half_away(after, decimals)
    return "fall" if end < start else "rise" if end > start else "no change"


def significance(p: float, alpha: float = ALPHA) -> str:
    """ "significant" when p < alpha (strictly), else "not significant"."""
    return "significant" if _checked(p, "p") < alpha else "not significant"


def fmt_test(
    result: Mapping[str, Any], p_style: str = "threshold", *, leading_zero: bool = True
) -> str:
    """A whole test leaf of a results JSON (docs/results_format.md) as one phrase.

    chi2: "χ² = 17.35, d.f. = 1, p < 0.001"; t: "t = -2.20, d.f. = 155, p < 0.05";
    mann_whitney: "U = 1597.5, p < 0.001"; wilcoxon: "z = -6.46, p < 0.001, r = -0.57";
    spearman: "rs = 0.287, p < 0.01". `leading_zero` applies to r and rs.
    """
    kind = result.get("test")
    p = fmt_p(result["p"], p_style)
    if kind == "chi2":
        return f"{fmt_chi2(result['statistic'], result['df'])}, {p}"
    if kind == "t":
        return f"{fmt_t(result['statistic'], result['df'])}, {p}"
    if kind == "mann_whitney":
        return f"{fmt_u(result['statistic'])}, {p}"
    if kind == "wilcoxon":
        r = fmt_r(result["r"], leading_zero=leading_zero)
        return f"{fmt_z(result['z'])}, {p}, {r}"
    if kind == "spearman":
        return f"{fmt_rs(result['statistic'], leading_zero=leading_zero)}, {p}"
    raise ValueError(
        f"unknown test kind {kind!r} (expected chi2, t, mann_whitney, wilcoxon, spearman)"
    )
