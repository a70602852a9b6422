"""Held-out check: calibrate with a seeded fifth of the calibration's printed targets left out,
then count how many of those the cohort still reproduces.

A reconstruction that is structurally right (groups, waves, pinned counts, the correlation
block, plausible drafts) should reproduce many numbers it was never fitted to; one that is
merely fitted reproduces few. Only the targets of the annealing (`targets.build_targets`) can
be held out: numbers pinned by construction (group sizes, printed counts, solved means) are
inputs of the generator. The shipped cohort stays calibrated to everything.

CLI: python -m synthesis.holdout --config config/config.yaml [--seed 1] [--share 0.2]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from analysis.config import Waves, load_config
from synthesis.calibrate import calibrate
from synthesis.printed import DEFAULT_DIR, Printed
from synthesis.synthesize import drafted
from synthesis.targets import build_targets

SHARE = 0.2


@dataclass(frozen=True)
class HeldOut:
    ids: list[str]  # the statistics.csv ids left out of the calibration
    reproduced: list[str]  # those the cohort still reproduces at printed precision


def target_ids(fams) -> list[str]:
    """The statistics.csv ids the calibration's checks fit, sorted."""
    return sorted({i for fam in fams for i in fam.ids.values()})


def held_out_check(
    config: dict[str, Any], printed: Printed, seed: int, share: float = SHARE
) -> HeldOut:
    """Calibrate without a seeded `share` of the target ids; score those ids afterwards."""
    cohort, streams = drafted(config, printed)
    every = target_ids(build_targets(cohort, config, printed))
    rng = np.random.default_rng(seed)
    left_out = sorted(rng.choice(every, round(share * len(every)), replace=False).tolist())
    fitted = calibrate(
        cohort, config, streams("calibration"), printed, held_out=frozenset(left_out)
    )
    hit = []
    for fam in build_targets(fitted, config, printed):
        values = fam.compute(fitted)
        hit += [
            stat
            for k, stat in fam.ids.items()
            if stat in left_out and fam.checks[k].miss(values[k]) == 0
        ]
    return HeldOut(left_out, sorted(set(hit)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="config/config.yaml")
    parser.add_argument("--published", default=DEFAULT_DIR)
    parser.add_argument("--seed", type=int, default=1, help="seed of the held-out draw")
    parser.add_argument("--share", type=float, default=SHARE)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    config = load_config(args.config)
    printed = Printed.load(args.published, Waves.from_config(config).ids)
    result = held_out_check(config, printed, args.seed, args.share)
    missed = sorted(set(result.ids) - set(result.reproduced))
    print(
        f"held out {len(result.ids)} printed targets (seed {args.seed}); "
        f"reproduced {len(result.reproduced)} of them"
    )
    print(f"not reproduced: {', '.join(missed) or 'none'}")
    print(f"took {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
