"""Synthetic reconstruction of the QCT cohort (see `analysis.synthesize` for the public API).

Modules: `cohort` (the wide in-memory representation and its codebook rules), `structure`
(who belongs to which group and site, who was interviewed when, plausible draft values),
`targets` (the paper's printed statistics as one table), `calibrate` (the seeded search that
makes the draft reproduce them).
"""
