"""Seeded simulated annealing that moves the draft cohort onto the paper's printed statistics.

Two stages over one move set. The first minimises a smooth loss (each statistic's squared
distance from its printed value in half-units of the last printed digit), so that all targets
approach their centres together. The second adds a fixed step to every missed target and
nothing to a hit one (a hinge at printed precision), so the search stops polishing met targets
and spends its moves on the missed ones.

Moves change one value (within its range, then re-applying the codebook row rules), transfer
an amount between two people of the same group (group sums and means stay exact), or swap a
bundle of related values between two people of the same group (group marginals stay exact).
Each move re-evaluates only the target families that read a touched cell. What `construct` and
`correlates` pinned (group sizes, interview grid, printed 2x2 cells, zero / positive status,
yes-counts, group sums, the 0/1 block of the Spearman correlations) is never changed: moves
are built to keep it, and a move that would change the correlation block is undone.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np

from synthesis.cohort import (
    GRID,
    IV_NUMERIC,
    Cohort,
    bounded,
    keep_cumulative,
    repair_interview,
    repair_interviews,
    wave_role,
)
from synthesis.construct import YES_COUNT_IDS, mean_pinned_cells, zero_pinned_cells
from synthesis.correlates import signature
from synthesis.printed import Printed
from synthesis.stats import on_grid
from synthesis.targets import Family, build_targets

ITERATIONS = 160_000
SMOOTH_SHARE = 0.6  # share of the iterations spent on the smooth stage
T_SMOOTH = (3.0, 0.1)  # temperature from .. to, smooth stage (loss in band units squared)
T_HINGE = (1.0, 0.02)  # temperature from .. to, hinge stage
MISS_STEP = 4.0  # hinge stage: extra cost of a missed target
# Table 1's model and the claims about it (families named table1*) read the composite score,
# age, stage of change and site, and the stepwise selection also reads being in treatment at
# the first follow-up; a last hinge search polishes them with swaps of these values within a
# group (site: within a retention class, `Mover.p_swap`; in treatment: between two people of
# the same class of desistance, which keeps its printed rs, `Mover.iv_swap_any`), which keep
# the group means and counts, scoring every family a swap touches.
POLISHED = "table1"
POLISH_MOVES = ("drug_composite", "age", "stage_of_change", "site", "in_treatment")
POLISH_ITERATIONS = 20_000
FOCUS = 0.8  # share of the moves that change a cell a missed target reads (`_anneal`)
# Each of the two descents after the row rules (`with_row_rules`): at most this many moves, at
# a temperature that keeps a move only if it does not raise the cost (a rise of one LOSS_UNIT
# would need a uniform below exp(-1e6)).
MEND_ITERATIONS = 4_000
MEND_TEMPERATURE = 1e-12

IV_BINARY_FOLLOW_UP = (
    "in_treatment",
    "arrested_since_last",
    "worked_or_studied_since_last",
    "abstinent_via_treatment_since_intake",
)
# Values swapped together between two people of a group. The composite score swaps alone:
# that keeps its group means and its Mann-Whitney U while changing Table 1.
BUNDLES = (
    ("crime_days_30", "crime_days_180", "crime_types_30", "days_at_liberty_30"),
    (
        "illicit_drug_days_30",
        "any_drug_days_30",
        "heroin_days_30",
        "crack_days_30",
        "injecting_days_30",
        "n_drugs_30",
        "drug_spend_30",
    ),
    (
        "homeless_30",
        "homeless_setting",
        "satisfied_living",
        "free_time_with_users",
        "relationship_problems",
    ),
    (
        "in_treatment",
        "arrested_since_last",
        "worked_or_studied_since_last",
        "abstinent_via_treatment_since_intake",
    ),
)
SWAP_WITHIN_GROUP = ("age", "stage_of_change")
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

    def __init__(self, c: Cohort, rng: np.random.Generator, config: dict[str, Any]):
        self.c, self.rng = c, rng
        self.frequent_days = float(config["derived"]["frequent_use_days"])
        days = c.v["tr.days_in_treatment"][:, 1]
        # retained beyond the threshold at the first follow-up: -1 unknown, 0 no, 1 yes
        self.retained = np.where(
            np.isnan(days), -1, days > float(config["derived"]["retained_days"])
        )
        self.q = c.qct
        self.n_waves = len(c.waves)
        roles = [wave_role(j, self.n_waves) for j in range(self.n_waves)]
        self.zero_pinned = zero_pinned_cells(self.n_waves)
        self.mean_pinned = mean_pinned_cells(self.n_waves)
        # Items with a group mean or zero pinned at some wave (`level_shift` leaves them).
        self.pinned_items = {col for col, _ in self.mean_pinned | self.zero_pinned}
        self.count_pinned = {
            (col, j)
            for col, (_, by_role) in YES_COUNT_IDS.items()
            for j in range(self.n_waves)
            if roles[j] in by_role
        }

    def propose(self, journal: Journal, dep: str) -> None:
        """Apply one random move that changes the cells named by a dependency key."""
        kind, _, rest = dep.partition(".")
        col, _, wave = rest.partition("@")
        u = self.rng.random()
        if kind == "p":
            if col in ("age", "weeks_to_intake_interview") and (
                u >= 0.35 or col == "weeks_to_intake_interview"
            ):
                self.p_numeric(journal, col)
            elif col in SWAP_WITHIN_GROUP + SWAP_ANYONE:
                self.p_swap(journal, col)
        elif kind == "iv" and col != "weeks_abstinent_since_intake":
            j = int(wave)
            if (col, j) in self.count_pinned:
                self.iv_swap_any(journal, col, j)
            elif u < 0.3 or (col not in IV_NUMERIC and col not in IV_BINARY_FOLLOW_UP):
                self.iv_swap(journal, col, j)
            elif col in IV_NUMERIC:
                keep_sum = u < 0.55 or (col, j) in self.mean_pinned
                (self.iv_transfer if keep_sum else self.iv_numeric)(journal, col, j)
            elif j > 0:
                (self.iv_binary if u < 0.75 else self.iv_swap_any)(journal, col, j)
        elif col in ("residential_since_intake", "imprisoned_since_intake"):
            self.tr_flag(journal, col, int(wave))
        # Days in treatment and weeks abstinent are solved in `construct`: never moved.

    def _classes(self) -> np.ndarray:
        """Each person's class: desisted at the first follow-up and improved illicit use there
        (each 1, 0 or unknown), the binary outcomes of the paper's Spearman correlations."""
        v = self.c.v
        crime = v["iv.crime_days_30"][:, 1]
        before, after = v["iv.illicit_drug_days_30"][:, 0], v["iv.illicit_drug_days_30"][:, 1]
        desisted = np.where(np.isnan(crime), 2, crime == 0)
        improved = np.where(np.isnan(before) | np.isnan(after), 2, (after < before) | (after == 0))
        return desisted * 3 + improved

    def _partner(self, a: int, pool: np.ndarray) -> int | None:
        """A swap partner for `a` from `pool`; half the time one of the same class, so that
        the swap keeps every correlation with desistance and improvement."""
        if self.rng.random() < 0.5:
            classes = self._classes()
            pool = pool[classes[pool] == classes[a]]
        pool = pool[pool != a]
        return int(self.rng.choice(pool)) if len(pool) else None

    def _cell(self, col: str, j: int) -> int | None:
        x = self.c.v[f"iv.{col}"][:, j]
        pool = np.flatnonzero(~np.isnan(x))
        return int(self.rng.choice(pool)) if len(pool) else None

    def _bounded(self, col: str, i: int, j: int, new: float) -> float:
        return bounded(
            self.c,
            col,
            i,
            j,
            new,
            keep_zero=(col, j) in self.zero_pinned,
            frequent_days=self.frequent_days,
        )

    def iv_numeric(self, journal: Journal, col: str, j: int) -> None:
        lo, hi, step = IV_NUMERIC[col]
        i = self._cell(col, j)
        if i is None:
            return
        v = self.c.v
        grid = GRID.get(col, 1)
        old = v[f"iv.{col}"][i, j]
        if col == "n_drugs_30" and v["iv.any_drug_days_30"][i, j] == 0:
            return
        delta = self.rng.integers(1, max(2, int(round(step / grid)) + 1)) * grid
        new = old + (delta if self.rng.random() < 0.5 else -delta)
        if self.rng.random() < 0.1:  # occasional jump: to none, or anywhere in the range
            new = float(lo) if self.rng.random() < 0.5 else float(self.rng.uniform(lo, hi))
        journal.set(f"iv.{col}", (i, j), self._bounded(col, i, j, new), _iv_dep(col, j))
        _repaired(self.c, journal, i, j)

    def level_shift(self, journal: Journal, dep: str) -> None:
        """Move every known answer of one person to an interview item up or down by one grid
        step, the person drawn among those with an answer at the wave `dep` names. Each change
        within a person is kept, and with it every paired test of the item (Wilcoxon z and r
        of a change). Items with a group mean or zero pinned at some wave are not moved."""
        kind, _, rest = dep.partition(".")
        col, _, wave = rest.partition("@")
        if kind != "iv" or col not in IV_NUMERIC or col in self.pinned_items:
            return
        i = self._cell(col, int(wave))
        if i is None:
            return
        x = self.c.v[f"iv.{col}"][i]
        step = GRID.get(col, 1) * (1 if self.rng.random() < 0.5 else -1)
        moved = {int(k): float(x[k] + step) for k in np.flatnonzero(~np.isnan(x))}
        if any(self._bounded(col, i, k, new) != new for k, new in moved.items()):
            return  # out of the item's range, or onto a refused code
        for k, new in moved.items():
            journal.set(f"iv.{col}", (i, k), new, _iv_dep(col, k))
            _repaired(self.c, journal, i, k)

    def iv_transfer(self, journal: Journal, col: str, j: int) -> None:
        """Move an amount of `col` from one person to another of the same group (sum kept)."""
        _, _, step = IV_NUMERIC[col]
        x = self.c.v[f"iv.{col}"]
        group = self.q if self.rng.random() < 0.5 else ~self.q
        pool = np.flatnonzero(group & ~np.isnan(x[:, j]))
        if (col, j) in self.zero_pinned:
            pool = pool[x[pool, j] > 0]
        if len(pool) < 2:
            return
        a, b = (int(k) for k in self.rng.choice(pool, 2, replace=False))
        grid = GRID.get(col, 1)
        amount = self.rng.integers(1, max(2, int(round(step / grid)) + 1)) * grid
        new_a, new_b = x[a, j] - amount, x[b, j] + amount
        if self._bounded(col, a, j, new_a) != round(new_a, 3) or self._bounded(
            col, b, j, new_b
        ) != round(new_b, 3):
            return
        journal.set(f"iv.{col}", (a, j), round(new_a, 3), _iv_dep(col, j))
        journal.set(f"iv.{col}", (b, j), round(new_b, 3), _iv_dep(col, j))
        _repaired(self.c, journal, a, j)
        _repaired(self.c, journal, b, j)

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
        if "crime_days_30" in bundle and j > 0 and self._changes_offended(a, b, j):
            return
        for k, name in enumerate(bundle):
            journal.set(f"iv.{name}", (a, j), rows[1, k], _iv_dep(name, j))
            journal.set(f"iv.{name}", (b, j), rows[0, k], _iv_dep(name, j))

    def _changes_offended(self, a: int, b: int, j: int) -> bool:
        """Whether swapping a's and b's crime at follow-up j changes how many of the two offend
        at some follow-up (a count `construct` pins)."""
        x = np.nan_to_num(self.c.v["iv.crime_days_30"][[a, b], 1:]) > 0
        after = x.copy()
        after[:, j - 1] = x[::-1, j - 1]
        return int(x.any(1).sum()) != int(after.any(1).sum())

    def iv_swap_any(self, journal: Journal, col: str, j: int) -> None:
        """Swap one item between any two interviewees (keeps the wave's yes-count)."""
        if j == 0 and col == "homeless_30":  # pinned by group: swap within group
            self.iv_swap(journal, col, j)
            return
        x = self.c.v[f"iv.{col}"]
        pool = np.flatnonzero(~np.isnan(x[:, j]))
        a = int(self.rng.choice(pool))
        b = self._partner(a, pool)
        if b is None:
            return
        va, vb = x[a, j], x[b, j]
        journal.set(f"iv.{col}", (a, j), vb, _iv_dep(col, j))
        journal.set(f"iv.{col}", (b, j), va, _iv_dep(col, j))
        _repaired(self.c, journal, a, j)
        _repaired(self.c, journal, b, j)

    def p_numeric(self, journal: Journal, col: str) -> None:
        v = self.c.v
        i = int(self.rng.integers(self.c.n))
        sign = 1 if self.rng.random() < 0.5 else -1
        if col == "age":
            new = float(np.clip(v["p.age"][i] + sign * self.rng.integers(1, 4), 18, 60))
        else:
            step = self.rng.integers(1, 11) / 10
            new = round(float(np.clip(v[f"p.{col}"][i] + sign * step, 0.1, 20.0)), 1)
        journal.set(f"p.{col}", (i,), new, f"p.{col}")

    def p_swap(self, journal: Journal, col: str) -> None:
        group = np.ones(self.c.n, bool)
        if col in SWAP_WITHIN_GROUP:
            group = self.q if self.rng.random() < 0.5 else ~self.q
        a = int(self.rng.choice(np.flatnonzero(group)))
        if col == "site":  # keep the site-of-interest retention table (construct.RETAINED_TABLE)
            group = group & (self.retained == self.retained[a])
        b = self._partner(a, np.flatnonzero(group))
        if b is None:
            return
        x = self.c.v[f"p.{col}"]
        va, vb = x[a], x[b]
        journal.set(f"p.{col}", (a,), vb, f"p.{col}")
        journal.set(f"p.{col}", (b,), va, f"p.{col}")

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


def misses(fams: list[Family], c: Cohort) -> list[str]:
    """Ids 'family.check' of the targets the cohort does not hit."""
    out = []
    for fam in fams:
        values = fam.compute(c)
        out += [f"{fam.name}.{k}" for k, chk in fam.checks.items() if chk.miss(values[k]) > 0]
    return out


# Machine independence: every accept / reject decision compares integers. Each statistic is
# first rounded to the grid (`stats.on_grid`: last-bit differences of exp / log between CPUs
# vanish), and each check's loss is counted in whole LOSS_UNITs; the sums are
# then exact, and no decision hinges on the order of a floating-point sum.
LOSS_UNIT = 1e-6  # band units squared
LOSS_CAP = 10**12  # in LOSS_UNITs; a loss beyond it (an infinite statistic) counts as the cap


def _units(loss: float) -> int:
    return min(LOSS_CAP, round(loss / LOSS_UNIT)) if loss == loss else LOSS_CAP


def _score(fam: Family, c: Cohort, step: float | None) -> tuple[int, int]:
    """(cost in LOSS_UNITs, checks missed) of one family: smooth loss, or hinge loss when
    step is set."""
    values = fam.compute(c)
    values = {k: on_grid(values[k]) for k in fam.checks}
    missed = sum(chk.miss(values[k]) > 0 for k, chk in fam.checks.items())
    if step is None:
        return sum(_units(chk.loss(values[k])) for k, chk in fam.checks.items()), missed
    return sum(_units(chk.penalty(values[k], step)) for k, chk in fam.checks.items()), missed


def _accept(delta: int, uniform: float, temp: float) -> bool:
    """Metropolis rule on an integer cost change (never accepts a larger delta than a smaller
    one: exp and the float products are monotone)."""
    return delta <= 0 or uniform < math.exp(-delta * LOSS_UNIT / temp)


def _scored_if_kept(
    fams: list[Family],
    touched: list[int],
    c: Cohort,
    step: float | None,
    cost: np.ndarray,
    missed: np.ndarray,
    uniform: float | Callable[[], float],
    temp: float,
) -> dict[int, tuple[int, int]] | None:
    """The new (cost, missed) of each touched family if the move is kept, else None.

    A move is refused when it makes a gate family (`Family.gate`) that met all of its checks
    miss one, and otherwise kept by the Metropolis rule on the cost change with `uniform`: the
    move's uniform, or a function that draws it, called only for a move no gate refused (the
    met gates are then scored first). The families are scored in `Family.order` (the model
    fits last), and scoring stops as soon as the move cannot be kept: each cost is a
    non-negative integer, so the sum scored so far bounds the new total from below, and
    `_accept` is monotone in the change. The decision is the one that scoring every touched
    family would give, at a fraction of the fits. (Table 1's fits start from the last fit of
    their model, `targets.table1_fit`'s `warm`: a fit left unscored leaves the next one
    another start, whose coefficients agree to about STEP_TOL**2, far below the STAT_DIGITS of
    `stats.on_grid`; the shipped cohort came out byte for byte the same with and without the
    skipping.)
    """
    old = int(cost[touched].sum())
    new: dict[int, tuple[int, int]] = {}

    def passes(k: int) -> bool:
        """Score family k; False when it is a met gate the move breaks."""
        new[k] = _score(fams[k], c, step)
        return not (fams[k].gate and not missed[k] and new[k][1])

    if callable(uniform):
        if not all(passes(k) for k in touched if fams[k].gate and not missed[k]):
            return None
        uniform = uniform()
    spent = sum(x for x, _ in new.values())
    for k in sorted(set(touched) - new.keys(), key=lambda k: (fams[k].order, k)):
        if not _accept(spent - old, uniform, temp) or not passes(k):
            return None
        spent += new[k][0]
    return new if _accept(spent - old, uniform, temp) else None


def _temperatures(t_from: float, t_to: float, n: int) -> list[float]:
    """Geometric cooling schedule (Python floats: no vectorised pow)."""
    return [t_from * (t_to / t_from) ** (k / n) for k in range(n)]


def calibrate(
    c: Cohort,
    config: dict[str, Any],
    rng: np.random.Generator,
    printed: Printed,
    iterations: int = ITERATIONS,
    held_out: frozenset[str] = frozenset(),
) -> Cohort:
    """Anneal `c` (a copy is modified) towards every target in `targets.build_targets` but
    the `held_out` statistics.csv ids."""
    c = c.copy()
    fams = build_targets(c, config, printed, held_out)
    by_key = _readers(fams)
    mover = Mover(c, rng, config)
    intact = _block_kept(c, config)
    n_smooth = int(iterations * SMOOTH_SHARE)
    stages = ((n_smooth, T_SMOOTH, None), (iterations - n_smooth, T_HINGE, MISS_STEP))
    for n, (t_from, t_to), step in stages:
        temps = _temperatures(t_from, t_to, n)
        _anneal(fams, by_key, c, mover.propose, rng, intact, temps, step)
    polished = [k for k, f in enumerate(fams) if f.name.startswith(POLISHED)]
    if polished:
        _polish(fams, polished, by_key, c, mover, rng, intact)
    return c


def with_row_rules(
    searched: Cohort,
    config: dict[str, Any],
    rng: np.random.Generator,
    printed: Printed,
    iterations: int = MEND_ITERATIONS,
) -> Cohort:
    """The searched cohort (a copy) with the row rules applied to every row, the targets that
    this undoes met again by a short descent, and then the targets still missed by a second
    descent whose moves keep each change within a person (`Mover.level_shift`).

    The search repairs only the rows it moves, and construction pins illicit-drug days by sums
    without raising any-drug days, so every row gets the row rules (`repair_interviews`) and
    the since-intake items are kept from falling (`keep_cumulative`) once the search is done.
    That can undo a target the search met: raising a row's any-drug days to its illicit days
    sets its number of drugs from 0 to 1, which moved the group t of the number of drugs off
    its printed 2.88. The descent aims only at the families the rules broke, each move
    repairing its row, and keeps a move only if the total cost does not rise
    (MEND_TEMPERATURE) and no met gate breaks; it leaves the targets the search itself missed
    alone. The second descent, with the same rule for keeping a move, aims at every target still
    missed, with moves the search lacks: one person's answers to an item moved by one at every
    wave together, which leave every paired test as it was.
    """
    fams = build_targets(searched, config, printed)
    met = np.array([not _score(f, searched, MISS_STEP)[1] for f in fams])
    c = searched.copy()
    repair_interviews(c)
    keep_cumulative(c)
    temps = [MEND_TEMPERATURE] * iterations
    mover, intact, by_key = Mover(c, rng, config), _block_kept(c, config), _readers(fams)
    _anneal(fams, by_key, c, mover.propose, rng, intact, temps, MISS_STEP, focus=1.0, aim=met)
    # Then every target still missed, with moves that keep each change within a person.
    _anneal(fams, by_key, c, mover.level_shift, rng, intact, temps, MISS_STEP, focus=1.0)
    keep_cumulative(c)
    return c


def _block_kept(c: Cohort, config: dict[str, Any]) -> Callable[[], bool]:
    """A check that the designed correlation block of `c` is still as it is now."""
    block = signature(c, config)
    return lambda: np.array_equal(signature(c, config), block, equal_nan=True)


def _readers(fams: list[Family]) -> dict[str, list[int]]:
    """Dependency key -> the families that read it."""
    by_key: dict[str, list[int]] = defaultdict(list)
    for k, fam in enumerate(fams):
        for dep in fam.deps:
            by_key[dep].append(k)
    return by_key


def _anneal(
    fams: list[Family],
    by_key: dict[str, list[int]],
    c: Cohort,
    propose: Callable[[Journal, str], None],
    rng: np.random.Generator,
    intact: Callable[[], bool],
    temps: list[float],
    step: float | None,
    focus: float = FOCUS,
    aim: np.ndarray | None = None,
) -> None:
    """One stage of the search: a move (`propose`) per temperature, on the smooth loss (`step`
    None) or the hinge loss; a hinge stage ends early once nothing aimed at is missed. With probability
    `focus` the move changes a cell a missed target reads (a family in proportion to its
    missed checks, among the families `aim` marks, all by default), else any target's cell.
    `intact()` says whether the correlation block is kept."""
    scores = [_score(f, c, step) for f in fams]
    cost = np.array([x for x, _ in scores], dtype=np.int64)
    missed = np.array([m for _, m in scores])
    uniforms = rng.random(len(temps))
    for it, temp in enumerate(temps):
        aimed = missed if aim is None else missed * aim
        n_missed = aimed.sum()
        if step is not None and n_missed == 0:
            break
        pick = (
            rng.choice(len(fams), p=aimed / n_missed)
            if n_missed and rng.random() < focus
            else rng.integers(len(fams))
        )
        fam = fams[pick]
        journal = Journal(c)
        propose(journal, fam.deps[rng.integers(len(fam.deps))])
        if not journal.saved:
            continue
        if not intact():
            journal.undo()  # the designed correlation block is kept as it is
            continue
        touched = sorted({k for key in journal.keys for k in by_key.get(key, ())})
        new = _scored_if_kept(fams, touched, c, step, cost, missed, uniforms[it], temp)
        _settle(journal, new, cost, missed)


def _polish(
    fams: list[Family],
    polished: list[int],
    by_key: dict[str, list[int]],
    c: Cohort,
    mover: Mover,
    rng: np.random.Generator,
    intact: Callable[[], bool],
) -> None:
    """A last hinge search with the moves of POLISH_MOVES alone, until the `polished` families
    miss nothing; each move is scored on every family it touches. `intact()` says whether the
    correlation block is kept."""
    scores = [_score(f, c, MISS_STEP) for f in fams]
    cost = np.array([x for x, _ in scores], dtype=np.int64)
    missed = np.array([m for _, m in scores])
    for temp in _temperatures(*T_HINGE, POLISH_ITERATIONS):
        if missed[polished].sum() == 0:
            return
        journal = Journal(c)
        col = POLISH_MOVES[rng.integers(len(POLISH_MOVES))]
        if col == "drug_composite":
            mover.iv_swap(journal, col, 0)
        elif col == "in_treatment":
            mover.iv_swap_any(journal, col, 1)
        else:
            mover.p_swap(journal, col)
        if not journal.saved:
            continue
        if not intact():  # checked before scoring: a move that breaks the block costs no fits
            journal.undo()
            continue
        touched = sorted({k for key in journal.keys for k in by_key.get(key, ())})
        _settle(
            journal,
            _scored_if_kept(fams, touched, c, MISS_STEP, cost, missed, rng.random, temp),
            cost,
            missed,
        )


def _settle(
    journal: Journal, new: dict[int, tuple[int, int]] | None, cost: np.ndarray, missed: np.ndarray
) -> None:
    """Keep a scored move (its families' new costs and misses) or undo it (`new` is None)."""
    if new is None:
        journal.undo()
        return
    for k, (x, m) in new.items():
        cost[k], missed[k] = x, m
