"""k-anonymity over sex, age band, ethnicity and site, computed by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.anonymity import k_anonymity
from analysis.validate import load_raw
from tests.helpers_cohort import TINY, TINY_CONFIG


def people(rows: list[tuple[str, int, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["sex", "age", "ethnicity", "site"])


def test_tiny_cohort():
    # Classes (10-year bands): only P4 and P8 (male, 40s, white, site 2) share one.
    result = k_anonymity(load_raw(TINY, TINY_CONFIG).participants)
    assert result == {
        "quasi_identifiers": ["sex", "age_band", "ethnicity", "site"],
        "age_band_years": 10,
        "k": 1,
        "n_classes": 7,
        "small_class_size": 5,
        "n_people_in_small_classes": 8,
    }


def test_band_edges_and_small_classes():
    frame = people(
        [("male", 30, "white", 1)] * 5
        + [("male", 39, "white", 1)]
        + [("female", 29, "white", 1)] * 2
    )
    result = k_anonymity(frame)
    # 30 and 39 share the 30-39 band (6 people); the two women aged 29 form a class of 2.
    assert (result["k"], result["n_classes"], result["n_people_in_small_classes"]) == (2, 2, 2)
    wide = k_anonymity(frame, age_band_years=100)
    assert (wide["k"], wide["n_classes"], wide["n_people_in_small_classes"]) == (2, 2, 2)
    narrow = k_anonymity(frame, age_band_years=5)
    # Bands 30-34 (5), 35-39 (1), 25-29 (2).
    assert (narrow["k"], narrow["n_classes"], narrow["n_people_in_small_classes"]) == (1, 3, 3)


def test_bad_arguments():
    with pytest.raises(ValueError, match="positive"):
        k_anonymity(people([("male", 30, "white", 1)]), age_band_years=0)
    with pytest.raises(ValueError, match="at least one participant"):
        k_anonymity(people([]))
