"""The reproduction scorecard: each printed number against its regenerated value.

A regenerated value is written in the printed number's own style (decimals, leading zero,
minus, % or £) and matches when the two strings are equal and, where the paper prints the n
beside it, the n is the same; a printed p threshold matches when the exact p lies in the band
it states (Table 1's stars are bands, an inline `p<0.05` a bound). Reading a result is the
caller's job (`lookup`), so these functions stay pure and the scorecard does not depend on how
results are stored. The same command scores the paper's claims (`analysis.claims`).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import pandas as pd

from analysis import claims
from analysis.config import Waves, load_config
from analysis.formatting import fmt_number
from analysis.io import atomic_write
from analysis.published import load_documented_misses, load_published, p_band, parse_printed
from analysis.results import load_results, lookup_number

SCORECARD_COLUMNS = ["id", "quantity", "published", "regenerated", "match", "note"]
NOT_COMPUTED = "not computed"

Lookup = Callable[[str], float | None]


def format_like(value: float, printed: str) -> str:
    """Write `value` in the style of the printed number `printed` (e.g. 0.2868, '.287' -> '.287';
    22.94, '23' -> '23'; 70.7, '71%' -> '71%'; -0.571, '-.57' -> '-.57'), with the one
    formatter's rounding (halves away from zero, no sign on a zero)."""
    style = parse_printed(printed)
    digits = fmt_number(value, style.decimals, leading_zero=style.leading_zero is not False)
    return f"{style.prefix}{digits}{style.suffix}"


def p_satisfies(p: float, printed: str) -> bool:
    """Whether an exact p lies in the band a printed threshold states (`analysis.published.p_band`:
    `p<0.01` is p < 0.01, `ns` p >= 0.05, Table 1's `*` 0.01 <= p < 0.05)."""
    low, high = p_band(printed)
    return low <= p < high


def _n_path(result_path: str) -> str:
    """The path of the `n` beside a result leaf (results_format.md: `{"value": .., "n": ..}`)."""
    return result_path.rsplit(".", 1)[0] + ".n"


def _missing(value: float | None) -> bool:
    return value is None or bool(pd.isna(value))


def _score(row: pd.Series, lookup: Lookup) -> dict[str, str]:
    """One scorecard row; a row with no result path or no value is `not computed`."""
    path = row["result_path"]
    value = lookup(path) if path else None
    if _missing(value):
        return {"regenerated": "", "match": "false", "note": NOT_COMPUTED}
    if row["kind"] == "p_threshold":
        regenerated, match = f"p={value:.3g}", p_satisfies(value, row["published"])
    else:
        regenerated = format_like(value, row["published"])
        match = regenerated == row["published"]
    note = ""
    if not pd.isna(row["n"]):
        # A printed n is part of the number (`mean 38 days (n=47)`): it must be reproduced too.
        n = lookup(_n_path(path))
        if _missing(n) or int(n) != int(row["n"]):
            match = False
            note = f"printed n={int(row['n'])}, regenerated n=" + (
                "none" if _missing(n) else str(int(n))
            )
    return {"regenerated": regenerated, "match": "true" if match else "false", "note": note}


def compare(published: pd.DataFrame, lookup: Lookup) -> pd.DataFrame:
    """Score every printed number, in the order of statistics.csv.

    `published` is `load_published(...)`; `lookup(result_path)` returns the unrounded
    regenerated value (percentages on the 0-100 scale, exact p for p thresholds) or None.
    """
    scored = [_score(row, lookup) for _, row in published.iterrows()]
    card = pd.concat(
        [
            published[["id", "quantity", "published"]].reset_index(drop=True),
            pd.DataFrame(scored, columns=["regenerated", "match", "note"]),
        ],
        axis=1,
    )
    return card[SCORECARD_COLUMNS]


def explain_miss(scorecard: pd.DataFrame, reasons: Mapping[str, str]) -> pd.DataFrame:
    """Add the documented reason to the note of each miss (`reasons`: id -> reason)."""
    unknown = sorted(set(reasons) - set(scorecard["id"]))
    if unknown:
        raise ValueError(f"documented misses name ids not in the scorecard: {', '.join(unknown)}")
    reason = scorecard["id"].map(reasons).fillna("")
    explain = (scorecard["match"] == "false") & (reason != "")
    joined = scorecard["note"].where(scorecard["note"] == "", scorecard["note"] + "; ") + reason
    return scorecard.assign(note=scorecard["note"].where(~explain, joined))


def summary(scorecard: pd.DataFrame) -> tuple[int, int]:
    """(number of printed numbers reproduced, number of printed numbers)."""
    return int((scorecard["match"] == "true").sum()), len(scorecard)


def build_scorecard(
    published_dir: str | Path, results_dir: str | Path, wave_ids: Iterable[str]
) -> pd.DataFrame:
    """The scorecard of a build: every published statistic against the results on disk (the
    statistics' waves are checked against the build's `wave_ids`)."""
    published = load_published(published_dir, wave_ids)
    results = load_results(results_dir)
    card = compare(published, lambda path: lookup_number(results, path))
    return explain_miss(card, load_documented_misses(published_dir, published))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Write the reproduction scorecard and the claims scorecard (CSV)."
    )
    parser.add_argument(
        "--published",
        required=True,
        help="directory of statistics.csv, documented_misses.csv and claims.csv",
    )
    parser.add_argument("--results", required=True, nargs="+", help="the results files")
    parser.add_argument("--config", required=True, help="the build's configuration (its waves)")
    parser.add_argument("--out", required=True, help="the numbers' scorecard")
    parser.add_argument("--claims-out", required=True, help="the claims' scorecard")
    args = parser.parse_args(argv)
    wave_ids = Waves.from_config(load_config(args.config)).ids
    card = build_scorecard(args.published, args.results, wave_ids)
    claims_card = claims.score(claims.load_claims(args.published), load_results(args.results))
    for path, frame in ((args.out, card), (args.claims_out, claims_card)):
        atomic_write(path, lambda tmp, f=frame: f.to_csv(tmp, index=False, lineterminator="\n"))
    matched, total = summary(card)
    held, claimed = claims.summary(claims_card)
    print(f"reproduced {matched} of {total} published statistics; {held} of {claimed} claims hold")


if __name__ == "__main__":
    main()
