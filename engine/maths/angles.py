"""The angle between two random vectors in n dimensions (kexue.fm/archives/7076, SEEDS.md §15).

For isotropic vectors only the angle to a fixed axis matters; in hyperspherical
coordinates the surface element carries sin^{n−2}θ, so

    p_n(θ) = Γ(n/2) / (Γ((n−1)/2)·√π) · sin^{n−2}θ   on [0, π],
    p_n(η) = same constant · (1 − η²)^{(n−3)/2}       for η = cos θ on [−1, 1].

The mean is π/2 for every n; the variance C_n∫(θ − π/2)² sin^{n−2}θ dθ is
integrated here with scipy's ``quad`` over the half-width where the integrand
lives (~1/√n wide, so n = 10,000 is no harder than n = 10).  Constants and
powers are taken in log space: Γ(5000) overflows a double, sin^{9998} underflows.

Approximations drawn beside it: the post's Laplace approximation
θ ≈ N(π/2, 1/(n − 2)), and 1/(n − 1), which fits the post's own table better
(SEEDS.md §15's remark, not the post's).  For cos θ the normal curve uses its
exact variance 1/n (E[x₁²/‖x‖²] = 1/n by symmetry) — ours, not the post's.

The experiment draws the vectors themselves — Gaussian (isotropic) or uniform
in the cube [−1, 1]^n, where the pdf above fails for small n because the cube
is not isotropic — in chunks, so memory stays bounded at any n.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy.integrate import quad
from scipy.special import gammaln, xlog1py, xlogy

from engine.params import param
from engine.tasks import TaskContext

DISTRIBUTIONS = ("gaussian", "cube")
_CHUNK_VALUES = 1 << 22  # random numbers drawn per chunk (two vectors per sample)


@dataclass(frozen=True)
class AnglesParams:
    n: int = param(10, "dimension n of the space", minimum=2, maximum=100_000, slider=(2, 10_000),
                   label="Dimension n")
    samples: int = param(200_000, "number of random pairs of vectors", minimum=2, maximum=10_000_000,
                         label="Samples")
    distribution: str = param("gaussian", "how the vectors are drawn: 'gaussian' (isotropic, the post's "
                              "assumption) or 'cube' (uniform in [−1, 1]^n, not isotropic)",
                              choices=DISTRIBUTIONS, label="Vectors")
    bins: int = param(100, "histogram bins", minimum=2, maximum=10_000)
    seed: int = param(1, "random seed", minimum=0, maximum=2**63 - 1)


def log_constant(n: float) -> float:
    """log of Γ(n/2) / (Γ((n−1)/2)·√π), the normaliser of both pdfs."""
    _need_dimension(n)
    return float(gammaln(n / 2) - gammaln((n - 1) / 2) - 0.5 * math.log(math.pi))


def angle_pdf(theta: np.ndarray | float, n: float) -> np.ndarray:
    """Exact density of the angle θ ∈ [0, π] (0 outside)."""
    theta = np.asarray(theta, dtype=float)
    inside = (theta >= 0) & (theta <= math.pi)
    with np.errstate(divide="ignore"):
        log_p = log_constant(n) + xlogy(n - 2, np.sin(np.where(inside, theta, math.pi / 2)))
    return np.where(inside, np.exp(log_p), 0.0)


def cos_pdf(eta: np.ndarray | float, n: float) -> np.ndarray:
    """Exact density of η = cos θ ∈ [−1, 1] (0 outside; infinite at ±1 for n = 2)."""
    eta = np.asarray(eta, dtype=float)
    inside = (eta >= -1) & (eta <= 1)
    with np.errstate(divide="ignore"):
        log_p = log_constant(n) + xlog1py(0.5 * (n - 3), -np.where(inside, eta, 0.0) ** 2)
    return np.where(inside, np.exp(log_p), 0.0)


def normal_angle_pdf(theta: np.ndarray | float, n: float) -> np.ndarray:
    """The post's Laplace approximation N(π/2, 1/(n − 2)); NaN for n ≤ 2 where it does not exist."""
    theta = np.asarray(theta, dtype=float)
    if n <= 2:
        return np.full_like(theta, np.nan)
    return _normal(theta - math.pi / 2, variance_laplace(n))


def normal_cos_pdf(eta: np.ndarray | float, n: float) -> np.ndarray:
    """N(0, 1/n) for cos θ: the normal with the exact variance of η (ours, not the post's)."""
    return _normal(np.asarray(eta, dtype=float), 1.0 / n)


def variance_exact(n: float) -> float:
    """Var θ = 2 C_n ∫₀^{π/2} t² cos^{n−2}t dt (t = θ − π/2), by adaptive quadrature."""
    log_c = log_constant(n)
    upper = math.pi / 2 if n <= 2 else min(math.pi / 2, 40.0 / math.sqrt(n - 2))

    def integrand(t: float) -> float:
        return t * t * math.exp(log_c + (n - 2) * math.log(math.cos(t)))

    value, _ = quad(integrand, 0.0, upper, epsabs=0.0, epsrel=1e-12, limit=200)
    return 2.0 * value


def variance_laplace(n: float) -> float:
    """The post's 1/(n − 2), from the Laplace approximation at θ = π/2."""
    return 1.0 / (n - 2) if n > 2 else math.inf


def variance_n_minus_1(n: float) -> float:
    """1/(n − 1): closer to the post's table than 1/(n − 2) (SEEDS.md §15 remark)."""
    return 1.0 / (n - 1)


def variance_table(ns: Sequence[int] = (3, 10, 20, 50, 100, 200, 1000)) -> list[dict[str, float]]:
    """The post's table (exact variance by quadrature) beside both approximations."""
    return [{"n": int(n), "variance_exact": variance_exact(n), "variance_laplace": variance_laplace(n),
             "variance_n_minus_1": variance_n_minus_1(n)} for n in ns]


def sample_angles(n: int, samples: int, distribution: str = "gaussian", seed: int = 1,
                  ctx: TaskContext | None = None) -> np.ndarray:
    """Angles (radians) between ``samples`` pairs of independent random vectors in R^n."""
    _need_dimension(n)
    if distribution not in DISTRIBUTIONS:
        raise ValueError(f"distribution must be one of {DISTRIBUTIONS}; got {distribution!r}")
    ctx = ctx or TaskContext()
    rng = np.random.default_rng(seed)
    chunk = max(1, _CHUNK_VALUES // (2 * n))
    out = np.empty(samples)
    for start in range(0, samples, chunk):
        ctx.checkpoint()
        m = min(chunk, samples - start)
        if distribution == "gaussian":
            x, y = rng.standard_normal((2, m, n))
        else:
            x, y = rng.uniform(-1.0, 1.0, (2, m, n))
        cos = np.einsum("ij,ij->i", x, y) / np.sqrt(np.einsum("ij,ij->i", x, x) * np.einsum("ij,ij->i", y, y))
        out[start:start + m] = np.arccos(np.clip(cos, -1.0, 1.0))
        ctx.progress(start + m, samples, f"{start + m:,} of {samples:,} pairs")
    return out


@dataclass
class Histogram:
    edges: np.ndarray
    density: np.ndarray

    @property
    def centres(self) -> np.ndarray:
        return 0.5 * (self.edges[1:] + self.edges[:-1])


@dataclass
class AngleResult:
    n: int
    distribution: str
    angles: np.ndarray
    theta: Histogram
    cosine: Histogram

    @property
    def mean(self) -> float:
        return float(self.angles.mean())

    @property
    def variance(self) -> float:
        """Sample variance (1/(m − 1))."""
        return float(self.angles.var(ddof=1))

    @property
    def variance_exact(self) -> float:
        return variance_exact(self.n)

    def to_dict(self) -> dict[str, float | int | str]:
        return {"n": self.n, "distribution": self.distribution, "samples": int(self.angles.size),
                "mean": self.mean, "mean_exact": math.pi / 2, "variance": self.variance,
                "variance_exact": self.variance_exact, "variance_laplace": variance_laplace(self.n),
                "variance_n_minus_1": variance_n_minus_1(self.n)}


def run(p: AnglesParams, ctx: TaskContext | None = None) -> AngleResult:
    """Draw the pairs and histogram θ and cos θ (densities, comparable with the pdfs)."""
    angles = sample_angles(p.n, p.samples, p.distribution, p.seed, ctx)
    theta, _ = np.histogram(angles, bins=p.bins, range=(0.0, math.pi), density=True)
    cosine, _ = np.histogram(np.cos(angles), bins=p.bins, range=(-1.0, 1.0), density=True)
    return AngleResult(p.n, p.distribution, angles,
                       Histogram(np.linspace(0.0, math.pi, p.bins + 1), theta),
                       Histogram(np.linspace(-1.0, 1.0, p.bins + 1), cosine))


def sweep(ns: Sequence[int], samples: int, distribution: str = "gaussian", seed: int = 1,
          ctx: TaskContext | None = None) -> list[dict[str, float]]:
    """Sample mean and variance against n beside the exact and approximate variances
    (the log-log plot); each n gets its own seed stream."""
    ctx = ctx or TaskContext()
    rows = []
    for i, n in enumerate(ns):
        ctx.progress(i, len(ns), f"n = {n}")
        angles = sample_angles(int(n), samples, distribution, seed + i, ctx=TaskContext(ctx.control))
        rows.append({"n": int(n), "mean": float(angles.mean()), "variance": float(angles.var(ddof=1)),
                     "variance_exact": variance_exact(n), "variance_laplace": variance_laplace(n),
                     "variance_n_minus_1": variance_n_minus_1(n)})
        ctx.partial(rows)
    ctx.progress(len(ns), len(ns))
    return rows


def _normal(x: np.ndarray, variance: float) -> np.ndarray:
    return np.exp(-0.5 * x * x / variance) / math.sqrt(2 * math.pi * variance)


def _need_dimension(n: float) -> None:
    if not n >= 2:
        raise ValueError(f"the dimension must be at least 2; got {n}")
