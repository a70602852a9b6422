"""How identifiable the participants are from their quasi-identifiers (k-anonymity).

A person is k-anonymous when at least k - 1 others share their combination of sex, age band,
ethnicity and site. The smallest class size is the cohort's k; people in classes below
`SMALL_CLASS` are the ones a release would need to suppress or coarsen.
"""

from __future__ import annotations

import pandas as pd

QUASI_IDENTIFIERS = ("sex", "age_band", "ethnicity", "site")
# Assumption: the common rule of thumb that classes of fewer than 5 people are disclosive.
SMALL_CLASS = 5


def k_anonymity(participants: pd.DataFrame, age_band_years: int = 10) -> dict:
    """k, number of classes and people in small classes over sex, age band, ethnicity, site."""
    if age_band_years < 1:
        raise ValueError(f"age_band_years must be a positive number of years, got {age_band_years}")
    if participants.empty:
        raise ValueError("k-anonymity needs at least one participant")
    keys = participants[["sex", "ethnicity", "site"]].assign(
        age_band=(participants["age"] // age_band_years) * age_band_years
    )
    # dropna=False: a missing quasi-identifier is its own (possibly small) class.
    sizes = keys.groupby(list(QUASI_IDENTIFIERS), dropna=False, observed=True).size()
    return {
        "quasi_identifiers": list(QUASI_IDENTIFIERS),
        "age_band_years": age_band_years,
        "k": int(sizes.min()),
        "n_classes": int(len(sizes)),
        "small_class_size": SMALL_CLASS,
        "n_people_in_small_classes": int(sizes[sizes < SMALL_CLASS].sum()),
    }
