"""The paper's printed numbers as the synthesis reads them: the one copy in
`data/published/statistics.csv`, looked up by id.

Every printed value the generator pins or calibrates to comes from here, with its printed
precision, so that editing statistics.csv recalibrates the cohort.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.published import load_published, p_band

DEFAULT_DIR = "data/published"


@dataclass(frozen=True)
class Printed:
    """statistics.csv indexed by id: `value(id)`, `count(id)`, `decimals(id)`, `p(id)`."""

    table: pd.DataFrame

    @classmethod
    def load(
        cls, directory: str | Path = DEFAULT_DIR, wave_ids: list[str] | None = None
    ) -> Printed:
        return cls(load_published(directory, wave_ids).set_index("id"))

    def _row(self, stat_id: str) -> pd.Series:
        try:
            return self.table.loc[stat_id]
        except KeyError:
            raise KeyError(f"statistics.csv has no printed number with id {stat_id!r}") from None

    def value(self, stat_id: str) -> float:
        """The printed value (percentages on the 0-100 scale, pounds without the sign)."""
        row = self._row(stat_id)
        if row["kind"] == "p_threshold":
            raise ValueError(f"{stat_id} is a p threshold; use p()")
        text = row["published"].lstrip("£").rstrip("%")
        return float(text)

    def count(self, stat_id: str) -> int:
        value = self.value(stat_id)
        if value != int(value):
            raise ValueError(f"{stat_id} is not a count: {value}")
        return int(value)

    def decimals(self, stat_id: str) -> int:
        return int(self._row(stat_id)["decimals"])

    def p(self, stat_id: str) -> tuple[float, float]:
        """A printed p threshold as the band [low, high) of p it states (`p_band`)."""
        return p_band(self._row(stat_id)["published"])

    def ids(self) -> list[str]:
        return list(self.table.index)
