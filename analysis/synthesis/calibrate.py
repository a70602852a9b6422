"""Seeded simulated annealing that moves the draft cohort onto the paper's printed statistics.

Moves change one value (within its range, then re-applying the codebook row rules) or swap a
bundle of related values between two people of the same group (which leaves every group-level
marginal intact and changes only within-person pairings). Each move re-evaluates only the
target families that read a touched cell. Pinned counts (group sizes, interview grid, printed
2x2 cells) are never moved.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from analysis.synthesis.cohort import DAYS_PER_MONTH, Cohort, repair_interview
from analysis.synthesis.targets import Family, build_targets

ITERATIONS = 120_000
T_START, T_END = 0.5, 0.01

IV_NUMERIC = {  # column: (minimum, maximum, largest step)
    "crime_days_30": (0, 30, 4),
    "crime_days_180": (0, 180, 20),
    "illicit_drug_days_30": (0, 30, 4),
    "any_drug_days_30": (0, 30, 4),
    "heroin_days_30": (0, 30, 4),
    "crack_days_30": (0, 30, 4),
    "injecting_days_30": (0, 30, 4),
    "n_drugs_30": (1, 15, 1),
    "drug_spend_30": (0, 20000, 300),
    "drug_composite": (0, 1, 0.03),
    "relationship_problems": (0, 6, 1),
    "weeks_abstinent_since_intake": (0, 260, 4),
}
IV_BINARY_FOLLOW_UP = ("homeless_30", "satisfied_living", "free_time_with_users", "in_treatment",
                       "arrested_since_last", "worked_or_studied_since_last",
                       "abstinent_via_treatment_since_intake")
IV_BINARY_BASELINE = ("satisfied_living", "free_time_with_users")
GRID = {"drug_spend_30": 10, "drug_composite": 0.001, "weeks_abstinent_since_intake": 0.1}
BUNDLES = (
    ("crime_days_30", "crime_days_180", "crime_types_30", "days_at_liberty_30"),
    ("illicit_drug_days_30", "any_drug_days_30", "heroin_days_30", "crack_days_30",
     "injecting_days_30", "n_drugs_30", "drug_spend_30", "drug_composite"),
    ("homeless_30", "homeless_setting", "satisfied_living", "free_time_with_users",
     "relationship_problems"),
    ("in_treatment", "arrested_since_last", "worked_or_studied_since_last",
     "abstinent_via_treatment_since_intake", "weeks_abstinent_since_intake"),
)
SWAP_WITHIN_GROUP = ("age", "stage_of_change", "suicide_attempts_lifetime")
SWAP_ANYONE = ("site", "abstinent_voluntarily_before", "abstinent_via_treatment_before")


class Journal:
    """Old values of every cell a move changed, so a rejected move can be undone."""

    def __init__(self, c: Cohort):
        self.c = c
        self.saved: list[tuple[str, tuple, float]] = []
        self.keys: set[str] = set()

    def set(self, key: str, index: tuple, value: float, dep: str) -> None:
        arr = self.c.v[key]
        old = arr[index]
        if old == value or (np.isnan(old) and np.isnan(value)):
            return
        self.saved.append((key, index, old))
        arr[index] = value
        self.keys.add(dep)

    def undo(self) -> None:
        for key, index, old in reversed(self.saved):
            self.c.v[key][index] = old


def _iv_dep(col: str, j: int) -> str:
    return f"iv.{col}@{j}"


def _repaired(c: Cohort, journal: Journal, i: int, j: int) -> None:
    """Apply the row rules to interview row (i, j) through the journal."""
    before = {k: a[i, j] for k, a in c.v.items() if k.startswith("iv.")}
    scratch = {k: c.v[k][i, j] for k in before}
    repair_interview(c, i, j)
    for k, old in before.items():
        new = c.v[k][i, j]
        if not (new == old or (np.isnan(new) and np.isnan(old))):
            c.v[k][i, j] = scratch[k]
            journal.set(k, (i, j), new, _iv_dep(k[3:], j))


class Mover:
    """The move set over one cohort; `propose` moves a cell a missed target reads."""

    def __init__(self, c: Cohort, rng: np.random.Generator):
        self.c, self.rng = c, rng
        self.q = c.qct
        self.n_waves = len(c.waves)

    def propose(self, journal: Journal, dep: str) -> None:
        """Apply one random move that changes the cells named by a dependency key."""
        kind, _, rest = dep.partition(".")
        col, _, wave = rest.partition("@")
        swap = self.rng.random() < 0.35
        if kind == "p":
            if col in ("age", "suicide_attempts_lifetime", "weeks_to_intake_interview") and (
                not swap or col == "weeks_to_intake_interview"
            ):
                self.p_numeric(journal, col)
            elif col in SWAP_WITHIN_GROUP + SWAP_ANYONE:
                self.p_swap(journal, col)
        elif kind == "iv":
            j = int(wave)
            if swap:
                self.iv_swap(journal, col, j)
            elif col in IV_NUMERIC:
                self.iv_numeric(journal, col, j)
            elif col in (IV_BINARY_BASELINE if j == 0 else IV_BINARY_FOLLOW_UP):
                self.iv_binary(journal, col, j)
            else:
                self.iv_swap(journal, col, j)
        elif col == "days_in_treatment" and not swap:
            self.tr_days(journal, int(wave))
        elif col in ("residential_since_intake", "imprisoned_since_intake") and not swap:
            self.tr_flag(journal, col, int(wave))
        else:
            self.tr_swap(journal)

    def _cell(self, col: str, j: int) -> int | None:
        x = self.c.v[f"iv.{col}"][:, j]
        pool = np.flatnonzero(~np.isnan(x))
        return int(self.rng.choice(pool)) if len(pool) else None

    def iv_numeric(self, journal: Journal, col: str, j: int) -> None:
        lo, hi, step = IV_NUMERIC[col]
        i = self._cell(col, j)
        if i is None:
            return
        v = self.c.v
        grid = GRID.get(col, 1)
        old = v[f"iv.{col}"][i, j]
        delta = self.rng.integers(1, max(2, int(round(step / grid)) + 1)) * grid
        new = float(np.clip(old + (delta if self.rng.random() < 0.5 else -delta), lo, hi))
        if self.rng.random() < 0.1:  # occasional jump: to none, or anywhere in the range
            new = float(lo) if self.rng.random() < 0.5 else float(self.rng.uniform(lo, hi))
        new = round(round(new / grid) * grid, 3)
        if col in ("heroin_days_30", "crack_days_30"):
            new = min(new, np.nan_to_num(v["iv.illicit_drug_days_30"][i, j], nan=30))
        if col == "illicit_drug_days_30":
            parts = [v[f"iv.{k}"][i, j] for k in ("heroin_days_30", "crack_days_30")]
            new = max([new] + [x for x in parts if not np.isnan(x)])
        if col == "any_drug_days_30":
            new = max(new, np.nan_to_num(v["iv.illicit_drug_days_30"][i, j]))
        if col == "n_drugs_30" and v["iv.any_drug_days_30"][i, j] == 0:
            return
        if col == "crime_days_30":
            new = min(new, np.nan_to_num(v["iv.days_at_liberty_30"][i, j], nan=30))
        journal.set(f"iv.{col}", (i, j), new, _iv_dep(col, j))
        _repaired(self.c, journal, i, j)

    def iv_binary(self, journal: Journal, col: str, j: int) -> None:
        i = self._cell(col, j)
        if i is None:
            return
        journal.set(f"iv.{col}", (i, j), 1 - self.c.v[f"iv.{col}"][i, j], _iv_dep(col, j))
        _repaired(self.c, journal, i, j)

    def iv_swap(self, journal: Journal, col: str, j: int) -> None:
        bundle = next((b for b in BUNDLES if col in b), (col,))
        if j == 0 and col in ("homeless_30", "homeless_setting"):
            bundle = ("homeless_30", "homeless_setting")  # pinned by group: swap within group
        group = self.q if self.rng.random() < 0.5 else ~self.q
        pool = np.flatnonzero(group & self.c.interviewed[:, j])
        if len(pool) < 2:
            return
        a, b = self.rng.choice(pool, 2, replace=False)
        rows = np.array([[self.c.v[f"iv.{k}"][x, j] for k in bundle] for x in (a, b)])
        if not (np.isnan(rows[0]) == np.isnan(rows[1])).all():
            return
        for k, name in enumerate(bundle):
            journal.set(f"iv.{name}", (a, j), rows[1, k], _iv_dep(name, j))
            journal.set(f"iv.{name}", (b, j), rows[0, k], _iv_dep(name, j))

    def iv_swap_any(self, journal: Journal, col: str, j: int) -> None:
        """Swap one follow-up item between any two interviewees (keeps the wave's count)."""
        pool = np.flatnonzero(~np.isnan(self.c.v[f"iv.{col}"][:, j]))
        a, b = self.rng.choice(pool, 2, replace=False)
        x = self.c.v[f"iv.{col}"]
        va, vb = x[a, j], x[b, j]
        journal.set(f"iv.{col}", (a, j), vb, _iv_dep(col, j))
        journal.set(f"iv.{col}", (b, j), va, _iv_dep(col, j))
        _repaired(self.c, journal, int(a), j)
        _repaired(self.c, journal, int(b), j)

    def p_numeric(self, journal: Journal, col: str) -> None:
        v = self.c.v
        i = int(self.rng.integers(self.c.n))
        sign = 1 if self.rng.random() < 0.5 else -1
        if col == "age":
            new = float(np.clip(v["p.age"][i] + sign * self.rng.integers(1, 4), 18, 60))
        elif col == "suicide_attempts_lifetime":
            if v["p.suicide_attempted_lifetime"][i] != 1:
                return
            new = float(np.clip(v[f"p.{col}"][i] + sign, 1, 15))
        else:
            step = self.rng.integers(1, 11) / 10
            new = round(float(np.clip(v[f"p.{col}"][i] + sign * step, 0.1, 20.0)), 1)
        journal.set(f"p.{col}", (i,), new, f"p.{col}")

    def p_swap(self, journal: Journal, col: str) -> None:
        group = np.ones(self.c.n, bool)
        if col in SWAP_WITHIN_GROUP:
            group = self.q if self.rng.random() < 0.5 else ~self.q
        if col == "suicide_attempts_lifetime":
            group = group & (self.c.v["p.suicide_attempted_lifetime"] == 1)
        a, b = self.rng.choice(np.flatnonzero(group), 2, replace=False)
        x = self.c.v[f"p.{col}"]
        va, vb = x[a], x[b]
        journal.set(f"p.{col}", (a,), vb, f"p.{col}")
        journal.set(f"p.{col}", (b,), va, f"p.{col}")

    def tr_days(self, journal: Journal, j: int) -> None:
        days = self.c.v["tr.days_in_treatment"]
        pool = np.flatnonzero(~np.isnan(days[:, j]))
        i = int(self.rng.choice(pool))
        lower = np.nanmax(np.r_[0, days[i, 1:j]])
        upper = min([np.floor(self.c.months[j] * DAYS_PER_MONTH)]
                    + [d for d in days[i, j + 1:] if not np.isnan(d)])
        step = self.rng.integers(1, 16) * (1 if self.rng.random() < 0.5 else -1)
        new = float(np.clip(days[i, j] + step, lower, upper))
        journal.set("tr.days_in_treatment", (i, j), new, f"tr.days_in_treatment@{j}")

    def tr_flag(self, journal: Journal, col: str, j: int) -> None:
        x = self.c.v[f"tr.{col}"]
        pool = np.flatnonzero(~np.isnan(x[:, j]))
        i = int(self.rng.choice(pool))
        new = 1 - x[i, j]
        journal.set(f"tr.{col}", (i, j), new, f"tr.{col}@{j}")
        # 'since intake' flags are cumulative: a 0 forces earlier 0s, a 1 later 1s.
        for k in range(1, self.n_waves):
            if (new == 0 and k < j and x[i, k] == 1) or (new == 1 and k > j and x[i, k] == 0):
                journal.set(f"tr.{col}", (i, k), new, f"tr.{col}@{k}")

    def tr_swap(self, journal: Journal) -> None:
        group = self.q if self.rng.random() < 0.5 else ~self.q
        a, b = self.rng.choice(np.flatnonzero(group), 2, replace=False)
        if not (self.c.has_record[a] == self.c.has_record[b]).all():
            return
        keys = [k for k in self.c.v if k.startswith("tr.")]
        if any((np.isnan(self.c.v[k][a]) != np.isnan(self.c.v[k][b])).any() for k in keys):
            return
        for k in keys:
            ra, rb = self.c.v[k][a].copy(), self.c.v[k][b].copy()
            for j in range(1, self.n_waves):
                journal.set(k, (a, j), rb[j], f"{k}@{j}")
                journal.set(k, (b, j), ra[j], f"{k}@{j}")


def evaluate(fams: list[Family], c: Cohort) -> dict[str, dict[str, tuple[float, float]]]:
    """Every family's statistics with their printed values: {family: {check: (x, printed)}}."""
    out = {}
    for fam in fams:
        values = fam.compute(c)
        out[fam.name] = {k: (values[k], chk.value) for k, chk in fam.checks.items()}
    return out


def misses(fams: list[Family], c: Cohort) -> list[str]:
    """Ids 'family.check' of the targets the cohort does not hit."""
    out = []
    for fam in fams:
        values = fam.compute(c)
        out += [f"{fam.name}.{k}" for k, chk in fam.checks.items() if chk.miss(values[k]) > 0]
    return out


def _penalty(fam: Family, c: Cohort) -> float:
    values = fam.compute(c)
    return sum(chk.penalty(values[k]) for k, chk in fam.checks.items())


def calibrate(c: Cohort, config: dict[str, Any], rng: np.random.Generator,
              iterations: int = ITERATIONS) -> Cohort:
    """Anneal `c` (a copy is modified) towards every target in `targets.build_targets`."""
    c = c.copy()
    fams = build_targets(c, config)
    by_key: dict[str, list[int]] = defaultdict(list)
    for k, fam in enumerate(fams):
        for dep in fam.deps:
            by_key[dep].append(k)
    pen = np.array([_penalty(f, c) for f in fams])
    mover = Mover(c, rng)
    temps = T_START * (T_END / T_START) ** (np.arange(iterations) / iterations)
    uniforms = rng.random(iterations)
    for step in range(iterations):
        missed = np.flatnonzero(pen)
        if len(missed) == 0:
            break
        # Mostly move a cell that a missed target reads; sometimes any target's cell.
        fam = fams[rng.choice(missed) if rng.random() < 0.8 else rng.integers(len(fams))]
        journal = Journal(c)
        mover.propose(journal, fam.deps[rng.integers(len(fam.deps))])
        if not journal.saved:
            continue
        touched = sorted({k for key in journal.keys for k in by_key.get(key, ())})
        new = np.array([_penalty(fams[k], c) for k in touched])
        delta = float(new.sum() - pen[touched].sum())
        if delta <= 0 or uniforms[step] < np.exp(-delta / temps[step]):
            pen[touched] = new
        else:
            journal.undo()
    return c
