"""Named random streams: one independent, seeded generator per column or construction step.

Each name gets numpy's SeedSequence of the configured seed with a spawn key derived from the
name (SHA-256, stable across runs and Python versions), so adding a column or a step draws
from a new stream and leaves every other column's values as they were.
"""

from __future__ import annotations

import hashlib

import numpy as np


class Streams:
    """`streams(name)`: the generator of one name; repeated calls continue the same stream."""

    def __init__(self, seed: int):
        self.seed = int(seed)
        self._made: dict[str, np.random.Generator] = {}

    def __call__(self, name: str) -> np.random.Generator:
        if name not in self._made:
            key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")
            self._made[name] = np.random.default_rng(
                np.random.SeedSequence(self.seed, spawn_key=(key,))
            )
        return self._made[name]
