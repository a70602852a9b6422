"""Reproducible rebuild of the UK QCT Europe evaluation: validation, cleaning, analyses."""
