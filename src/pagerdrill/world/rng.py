"""Deterministic randomness: every draw comes from a seed, never from global state."""

from __future__ import annotations

import hashlib
import random as _random

__all__ = ["Rng", "derive_seed"]


def derive_seed(seed: int, *labels: object) -> int:
    """A stable 64-bit seed for a named sub-stream (unlike ``hash``, not salted)."""
    digest = hashlib.blake2b(repr((seed, *labels)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


class Rng(_random.Random):
    """A seeded generator; ``child(label)`` gives an independent named stream."""

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.seed_value = seed

    def child(self, *labels: object) -> Rng:
        return Rng(derive_seed(self.seed_value, *labels))
