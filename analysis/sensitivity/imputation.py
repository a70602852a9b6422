"""Multiple imputation by chained equations with predictive mean matching (one imputation).

statsmodels' MICEData does the chained equations: each incomplete variable in turn is
regressed (OLS) on all the others, the coefficients are drawn from their approximate
posterior, and each missing value is replaced by the observed value of one of the k_pmm
donors whose predicted means are closest (predictive mean matching). PMM keeps imputed days
whole numbers within 0..30, as observed. MICEData rebuilds every design matrix from a formula
at every step, which made one imputation cost seconds; `MainEffectsMICEData` builds the same
matrices (intercept + every other column, MICEData's default formula) with numpy, so the
chain is draw for draw the library's, about fifty times faster.

The imputation model is one row per person: the group, the site (dummies), the intake
values (age, stage of change, drug composite) and every configured wave's values of the
imputed measures, so each wave is imputed from the other waves. Age and stage are Table 1
predictors: the imputation model includes the analysis model's variables (congeniality).
Each imputation is an independent chain of `burn_in` cycles with its own seed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from statsmodels.imputation.mice import MICEData

from analysis import stats, views
from analysis.codebook import PARTICIPANTS
from analysis.sensitivity import methods
from analysis.sensitivity.settings import Settings, item_seed, settings

STAGES = next(c for c in PARTICIPANTS.columns if c.name == "stage_of_change").categories
# Intake measures in the imputation model besides the imputed measures themselves.
INTAKE = ("drug_composite",)


def column_name(measure: str, wave_index: int) -> str:
    """The imputation-frame column of `measure` at the wave in position `wave_index`
    (formula-safe whatever the wave ids are)."""
    return f"{measure}__w{wave_index}"


def imputation_frame(
    cohort: pd.DataFrame, config: dict[str, Any], measures: tuple[str, ...]
) -> pd.DataFrame:
    """One float row per person (sorted by id): the imputation model's variables, NaN = missing."""
    people = views.persons(cohort, config).sort_index()
    w = views.waves(config)
    # Reference categories: the first stage in the codebook (precontemplation), the lowest site.
    stage = pd.get_dummies(
        people["stage_of_change"].astype(pd.CategoricalDtype(STAGES)), prefix="stage", dtype=float
    ).iloc[:, 1:]
    site = pd.get_dummies(people["site"].astype("Int64"), prefix="site", dtype=float).iloc[:, 1:]
    frame = pd.concat(
        [
            pd.DataFrame(
                {
                    "qct": (people["group"] == views.QCT).astype(float),
                    "age": stats.as_float(people["age"]),
                },
                index=people.index,
            ),
            stage,
            site,
            pd.DataFrame({c: stats.as_float(people[c]) for c in INTAKE}, index=people.index),
        ],
        axis=1,
    )
    for measure in measures:
        table = views.wide(cohort, measure, config).reindex(people.index)
        for index, wave in enumerate(w.ids):
            frame[column_name(measure, index)] = stats.as_float(table[wave])
    return frame


class MainEffectsMICEData(MICEData):
    """MICEData with its default conditional models (main effects of every other column),
    whose design matrices are taken straight from the data instead of through a formula."""

    def _matrices(self, vname: str, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        others = [c for c in self.data.columns if c != vname]
        values = self.data.to_numpy(dtype=float)[rows]
        predictors = values[:, self.data.columns.get_indexer(others)]
        exog = np.column_stack([np.ones(len(rows)), predictors])
        return values[:, self.data.columns.get_loc(vname)], exog

    def get_fitting_data(self, vname):
        endog, exog = self._matrices(vname, self.ix_obs[vname])
        return endog, exog, {}, {}

    def get_split_data(self, vname):
        endog_obs, exog_obs = self._matrices(vname, self.ix_obs[vname])
        _, exog_miss = self._matrices(vname, self.ix_miss[vname])
        return endog_obs, exog_obs, exog_miss, {}, {}


def impute(
    frame: pd.DataFrame, seed: np.random.SeedSequence, burn_in: int, k_pmm: int
) -> pd.DataFrame:
    """One completed copy of `frame`: the state of a MICE/PMM chain after `burn_in` cycles."""
    if frame.isna().all(axis=1).any():
        raise ValueError("imputation: a person has no observed value at all")
    data = MainEffectsMICEData(
        frame.reset_index(drop=True), k_pmm=k_pmm, rng=np.random.default_rng(seed)
    )
    data.update_all(burn_in)
    return data.data.set_axis(frame.index)


def completed_cohort(
    cohort: pd.DataFrame, config: dict[str, Any], imputed: pd.DataFrame, measures: tuple[str, ...]
) -> pd.DataFrame:
    """The cohort with every wave's value of each measure taken from the imputed frame."""
    key = pd.MultiIndex.from_frame(cohort[["id", "wave"]])
    out = cohort.copy()
    for measure in measures:
        long = pd.DataFrame(
            {
                wave: imputed[column_name(measure, index)]
                for index, wave in enumerate(views.waves(config).ids)
            }
        ).stack()
        out[measure] = long.reindex(key).to_numpy()
    return out


def imputation_job(cohort: pd.DataFrame, config: dict[str, Any], job: int) -> dict[str, Any]:
    """Job `job` of the configured imputation jobs: for each of its imputation indices, the
    analyses of that imputation's completed cohort (each imputation seeded by its index)."""
    s: Settings = settings(config)
    frame = imputation_frame(cohort, config, s.measures)
    estimates = {}
    for index in s.job_items("imputation", job):
        imputed = impute(frame, item_seed(s.seed, "imputation", index), s.burn_in, s.k_pmm)
        completed = completed_cohort(cohort, config, imputed, s.measures)
        estimates[str(index)] = methods.analyse(completed, config, s)
    return {"settings": s.result_settings(), "imputations": estimates}
