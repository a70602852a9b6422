"""Synthetic reconstruction of the QCT cohort: a tool that makes `data/raw/` from the paper's
printed numbers in `data/published/`, not part of the analysis (see `synthesis.synthesize` for
the public API, `python -m synthesis` to regenerate the files, docs/synthesis.md).

Modules: `printed` (the printed numbers, read from statistics.csv), `streams` (one seeded
random stream per column or step), `cohort` (the wide in-memory representation and its
codebook rules), `structure` (who belongs to which group and site, who was interviewed when,
plausible draft values), `construct` and `correlates` (what is pinned exactly before the
search), `targets` (the calibration's checks, one per printed number), `calibrate` (the seeded
search that makes the draft reproduce them), `holdout` (the held-out check).
"""
