"""The paper's first-follow-up conclusions, and whether each holds under every method.

Each conclusion is a claim with an explicit criterion evaluated on the pooled results; its
verdict is a boolean per method (None where the method cannot judge it) and an overall
`holds` that is true only when every method that can judge it agrees.
"""

from __future__ import annotations

from typing import Any

from analysis.sensitivity.methods import MODELS, QCT_TERM

# The reference for each within-group conclusion is the paper's own method, LOCF, computed on
# this build's data (on the shipped data: a significant fall for the QCT group and everyone, no
# significant change for the comparison group, as the paper printed). The question each
# verdict answers is whether the other methods reach the same conclusion.
REFERENCE_METHOD = "locf"


def _significant_fall(wilcoxon: dict[str, Any], alpha: float) -> bool:
    return bool(wilcoxon["z"] < 0 and wilcoxon["p"] < alpha)


def _verdict(
    statement: str, criterion: str, holds: dict[str, bool | None], evidence: dict[str, Any]
) -> dict[str, Any]:
    judged = [v for v in holds.values() if v is not None]
    return {
        "statement": statement,
        "criterion": criterion,
        "holds_by_method": holds,
        "holds": bool(judged) and all(judged),
        "evidence": evidence,
    }


def change_conclusions(change: dict[str, Any], alpha: float) -> dict[str, Any]:
    """Per measure and group: whether each method agrees with LOCF on the (non-)significance
    of the fall and on whether the percentage reduction's interval lies above 0."""
    out = {}
    for measure, groups in change.items():
        for group, cells in groups.items():
            expected = _significant_fall(cells[REFERENCE_METHOD]["wilcoxon"], alpha)
            test = f"Wilcoxon signed-rank z < 0 and p < {alpha}"
            out[f"{measure}_{group}_{'fall' if expected else 'no_significant_change'}"] = _verdict(
                f"{group}: {measure} "
                + ("fell significantly" if expected else "did not change significantly")
                + " from baseline to the first follow-up",
                (test if expected else f"not ({test})")
                + "; under multiple imputation the imputations' mean z and the D2-pooled p",
                {m: _significant_fall(c["wilcoxon"], alpha) == expected for m, c in cells.items()},
                {m: {k: c["wilcoxon"][k] for k in ("z", "p")} for m, c in cells.items()},
            )
            reductions = {m: c["reduction"] for m, c in cells.items()}
            excludes_zero = {
                m: None if r is None or r["ci_low"] is None else r["ci_low"] > 0
                for m, r in reductions.items()
            }
            expected_cut = excludes_zero[REFERENCE_METHOD]
            out[f"{measure}_{group}_reduction"] = _verdict(
                f"{group}: the mean of {measure} "
                + ("fell" if expected_cut else "did not clearly fall")
                + " (percentage reduction interval "
                + ("above 0)" if expected_cut else "includes 0)"),
                f"whether the {100 * (1 - alpha):g}% interval of the percentage reduction lies "
                "above 0 agrees with LOCF (percentile bootstrap; Rubin's rules under multiple "
                "imputation)",
                {
                    m: None if v is None or expected_cut is None else v == expected_cut
                    for m, v in excludes_zero.items()
                },
                {
                    m: None if r is None else {k: r[k] for k in ("value", "ci_low", "ci_high")}
                    for m, r in reductions.items()
                },
            )
    return out


def regression_conclusions(regression: dict[str, Any], alpha: float) -> dict[str, Any]:
    """Table 1's predictors stay significant in the same direction; the QCT group does not."""
    table1, adjusted = (regression[model] for model in MODELS)
    reference = table1["complete_case"]
    out = {}
    for term, ref in reference.items():
        out[f"table1_{term}"] = _verdict(
            f"{term} predicts reporting no offence at the first follow-up (Table 1)",
            f"p < {alpha} with the odds ratio on the same side of 1 as in the complete-case "
            "model (the paper's Table 1 analysis)",
            {
                m: bool(t[term]["p"] < alpha and (t[term]["b"] > 0) == (ref["b"] > 0))
                for m, t in table1.items()
            },
            {
                m: {k: t[term][k] for k in ("odds_ratio", "ci_low", "ci_high", "p")}
                for m, t in table1.items()
            },
        )
    out["qct_not_significant"] = _verdict(
        "the QCT group was not significantly more or less likely to desist, other factors "
        "controlled",
        f"p >= {alpha} for {QCT_TERM} added to the Table 1 model",
        {m: bool(t[QCT_TERM]["p"] >= alpha) for m, t in adjusted.items()},
        {
            m: {k: t[QCT_TERM][k] for k in ("odds_ratio", "ci_low", "ci_high", "p")}
            for m, t in adjusted.items()
        },
    )
    return out


def evaluate(pooled: dict[str, Any], alpha: float) -> dict[str, Any]:
    """Every conclusion's verdict, keyed by a stable id."""
    return {
        **change_conclusions(pooled["change"], alpha),
        **regression_conclusions(pooled["regression"], alpha),
    }
