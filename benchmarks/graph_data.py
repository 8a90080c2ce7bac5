"""Synthetic vectors shaped like word vectors for the graph benchmarks: unit vectors around
many centres of Zipf-distributed sizes, noisy enough that the cosine ≥ 0.5 cut of the
author's graph keeps some of each item's 40 neighbours and not others."""

from __future__ import annotations

import numpy as np


def word_like_vectors(n: int = 10_000, dim: int = 128, centres: int | None = None, noise: float = 1.1,
                      seed: int = 0):
    from engine.graph.data import Vectors

    rng = np.random.default_rng(seed)
    centres = centres or max(10, n // 50)
    sizes = 1.0 / np.arange(1, centres + 1) ** 0.8
    which = rng.choice(centres, n, p=sizes / sizes.sum())
    c = rng.normal(size=(centres, dim)) / np.sqrt(dim)
    x = c[which] + noise * rng.normal(size=(n, dim)) / np.sqrt(dim)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return Vectors([f"w{i}" for i in range(n)], x.astype(np.float32), which, "synthetic")
