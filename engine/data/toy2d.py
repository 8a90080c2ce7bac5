"""The 2-D toy distributions GAN papers use to show mode coverage at a glance.

8 Gaussians on a ring of radius 2 (σ = 0.02·scale by default), two moons,
a swiss roll and a 4×4 checkerboard, each with a sample count and a noise
level.  Written by hand: scikit-learn has moons and a 3-D swiss roll but not
the ring or the checkerboard, and one generator for all four keeps them alike.
"""

from __future__ import annotations

import numpy as np

from engine.data import DataError

TOYS = ("gaussians8", "moons", "swissroll", "checkerboard")
RING_RADIUS = 2.0


def ring_centres() -> np.ndarray:
    angles = np.arange(8) * np.pi / 4
    return RING_RADIUS * np.column_stack([np.cos(angles), np.sin(angles)])


def sample(name: str, n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(points (n, 2) float32, labels (n,)): labels are the mode or part each point came from."""
    if n < 2:
        raise DataError(f"{name}: at least 2 points are needed, asked for {n}")
    rng = np.random.default_rng(seed)
    if name == "gaussians8":
        labels = rng.integers(0, 8, n)
        pts = ring_centres()[labels] + noise * rng.normal(size=(n, 2))
    elif name == "moons":
        labels = rng.integers(0, 2, n)
        t = rng.uniform(0, np.pi, n)
        pts = np.where(labels[:, None] == 0, np.column_stack([np.cos(t), np.sin(t)]),
                       np.column_stack([1 - np.cos(t), 0.5 - np.sin(t)]))
        pts = pts - [0.5, 0.25] + noise * rng.normal(size=(n, 2))
    elif name == "swissroll":
        t = 1.5 * np.pi * (1 + 2 * rng.uniform(size=n))
        pts = np.column_stack([t * np.cos(t), t * np.sin(t)]) / 5 + noise * rng.normal(size=(n, 2))
        labels = np.digitize(t, np.linspace(t.min(), t.max(), 5)[1:-1])
    elif name == "checkerboard":
        cells = np.array([(i, j) for i in range(4) for j in range(4) if (i + j) % 2 == 0])
        labels = rng.integers(0, len(cells), n)
        pts = (cells[labels] + rng.uniform(size=(n, 2))) - 2.0 + noise * rng.normal(size=(n, 2))
    else:
        raise DataError(f"{name}: unknown toy distribution; choose one of {', '.join(TOYS)}")
    return pts.astype(np.float32), labels.astype(np.int64)


def mode_coverage(points: np.ndarray, sigma: float, share: float = 0.02) -> tuple[int, float]:
    """For the 8-Gaussian ring: (modes covered, share of points near no mode).

    A mode counts as covered when at least ``share`` of the points lie within
    3σ of its centre (the issue's rule: ≥ 2 % of 5,000 samples)."""
    d = np.linalg.norm(points[:, None, :] - ring_centres()[None], axis=2)
    near = d < 3 * sigma
    covered = int((near.mean(axis=0) >= share).sum())
    return covered, float(1.0 - near.any(axis=1).mean())


def sliced_wasserstein(a: np.ndarray, b: np.ndarray, projections: int = 128, seed: int = 0) -> float:
    """Sliced 1-Wasserstein distance between two equal-size point clouds (random directions)."""
    n = min(len(a), len(b))
    rng = np.random.default_rng(seed)
    dirs = rng.normal(size=(a.shape[1], projections))
    dirs /= np.linalg.norm(dirs, axis=0)
    pa = np.sort(a[:n] @ dirs, axis=0)
    pb = np.sort(b[:n] @ dirs, axis=0)
    return float(np.abs(pa - pb).mean())
