"""Capsule routing read as clustering (kexue.fm/archives/5112, 4819; SEEDS.md §13).

A layer sends input capsules u_i to k output capsules v_j through predictions
û_ij = W_ji u_i (``predictions``: shared W_j or one W_ji per pair); the output
capsules are cluster centres of the predictions.  Three iterations side by side,
each returning every iteration's coupling coefficients c_ij (softmax over j) and
capsules:

* ``author_routing`` — the post's final version: v_j ← v_j/‖v_j‖,
  c_ij = softmax_j⟨û_ij, v_j⟩, v_j ← Σ_i c_ij û_ij, squash only at the end.
  The logits stay bounded by ‖û_ij‖, so c stays soft.
* ``hinton_routing`` — Sabour, Frosst & Hinton (2017): logits b_ij start at 0,
  c = softmax_j b, v_j = squash(Σ_i c_ij û_ij), b_ij += ⟨û_ij, v_j⟩.  The logits
  grow every iteration — a rising inverse temperature — so c tends to one-hot.
* ``soft_kmeans`` — the soft-min of squared distances with stiffness K:
  c_ij = softmax_j(−K‖û_ij − v_j‖²), v_j = Σ_i c_ij û_ij / Σ_i c_ij; K → ∞ is K-means.

With identity transforms (the bench's 2-D picture) the default start
v_j = (1/k)Σ_i û_ij is the same for every j, and symmetry keeps them equal;
``init`` gives distinct starting capsules.  Hinton's routing has no capsules
to start from, so there ``init`` seeds the logits with b_ij = ⟨û_ij, squash(v_j)⟩,
as if one iteration had produced them — the bench's device, not the paper's.

``squash(v) = ‖v‖²/(c + ‖v‖²)·v/‖v‖`` with c = 1 (the paper) or 0.5 (the
author's variant).  numpy only; a few lines each, no library routes capsules.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import softmax

ROUTINGS = ("author", "hinton", "soft-kmeans")


@dataclass
class RoutingStep:
    iteration: int
    coupling: np.ndarray  # (n_in, k): c_ij used in this iteration, rows sum to 1
    capsules: np.ndarray  # (k, d): v_j before the squash (Σ_i c_ij û_ij; the centres for soft K-means)
    outputs: np.ndarray  # (k, d): what the layer emits after this iteration


def squash(v: np.ndarray, constant: float = 1.0, axis: int = -1) -> np.ndarray:
    """‖v‖²/(constant + ‖v‖²) · v/‖v‖ (0 stays 0)."""
    v = np.asarray(v, dtype=float)
    norm2 = (v * v).sum(axis, keepdims=True)
    norm = np.sqrt(norm2)
    return np.divide(norm2 / (constant + norm2) * v, norm, out=np.zeros_like(v), where=norm > 0)


def predictions(u: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """û (n_in, k, d_out) from inputs u (n_in, d_in) and W: shared (k, d_out, d_in) or
    fully connected (n_in, k, d_out, d_in)."""
    u = np.asarray(u, dtype=float)
    if weights.ndim == 3:
        return np.einsum("jod,id->ijo", weights, u)
    return np.einsum("ijod,id->ijo", weights, u)


def identity_predictions(u: np.ndarray, k: int) -> np.ndarray:
    """û_ij = u_i for every j: routing as plain clustering of the input vectors."""
    u = np.asarray(u, dtype=float)
    return np.repeat(u[:, None, :], k, axis=1)


def author_routing(u_hat: np.ndarray, iterations: int = 3, init: np.ndarray | None = None,
                   constant: float = 1.0) -> list[RoutingStep]:
    v = _start(u_hat, init)
    steps = []
    for r in range(iterations):
        direction = v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-300)
        c = softmax(np.einsum("ijd,jd->ij", u_hat, direction), axis=1)
        v = np.einsum("ij,ijd->jd", c, u_hat)
        steps.append(RoutingStep(r + 1, c, v, squash(v, constant)))
    return steps


def hinton_routing(u_hat: np.ndarray, iterations: int = 3, init: np.ndarray | None = None,
                   constant: float = 1.0) -> list[RoutingStep]:
    n, k, _ = u_hat.shape
    logits = np.zeros((n, k)) if init is None else np.einsum("ijd,jd->ij", u_hat, squash(init, constant))
    steps = []
    for r in range(iterations):
        c = softmax(logits, axis=1)
        s = np.einsum("ij,ijd->jd", c, u_hat)
        v = squash(s, constant)
        steps.append(RoutingStep(r + 1, c, s, v))
        logits = logits + np.einsum("ijd,jd->ij", u_hat, v)
    return steps


def soft_kmeans(u_hat: np.ndarray, iterations: int = 3, init: np.ndarray | None = None,
                stiffness: float = 1.0) -> list[RoutingStep]:
    v = _start(u_hat, init)
    steps = []
    for r in range(iterations):
        d2 = ((u_hat - v[None]) ** 2).sum(-1)
        c = softmax(-stiffness * d2, axis=1)
        mass = c.sum(0)
        v = np.where(mass[:, None] > 0, np.einsum("ij,ijd->jd", c, u_hat) / np.maximum(mass, 1e-300)[:, None], v)
        steps.append(RoutingStep(r + 1, c, v, v))
    return steps


def route(kind: str, u_hat: np.ndarray, iterations: int = 3, init: np.ndarray | None = None,
          constant: float = 1.0, stiffness: float = 1.0) -> list[RoutingStep]:
    """One of ROUTINGS by name (the bench's three panels)."""
    if kind == "author":
        return author_routing(u_hat, iterations, init, constant)
    if kind == "hinton":
        return hinton_routing(u_hat, iterations, init, constant)
    if kind == "soft-kmeans":
        return soft_kmeans(u_hat, iterations, init, stiffness)
    raise ValueError(f"routing must be one of {ROUTINGS}; got {kind!r}")


def generate_inputs(n: int = 60, clusters: int = 3, spread: float = 0.25, seed: int = 0) -> np.ndarray:
    """2-D input capsules bunched around ``clusters`` directions, lengths 0.5…1.5."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, 2 * np.pi, clusters)
    angles = centres[rng.integers(0, clusters, n)] + spread * rng.standard_normal(n)
    lengths = rng.uniform(0.5, 1.5, n)
    return np.column_stack([lengths * np.cos(angles), lengths * np.sin(angles)])


def random_init(u: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """k distinct input vectors as starting capsules."""
    u = np.asarray(u, dtype=float)
    return u[np.random.default_rng(seed).choice(len(u), k, replace=False)].copy()


def _start(u_hat: np.ndarray, init: np.ndarray | None) -> np.ndarray:
    """The post's v_j = (1/k)Σ_i û_ij, or the given capsules."""
    return u_hat.sum(0) / u_hat.shape[1] if init is None else np.asarray(init, dtype=float).copy()
