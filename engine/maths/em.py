"""EM for a Gaussian mixture, one step at a time (kexue.fm/archives/5239, SEEDS.md §19).

The post reads EM as alternating minimisation of KL(p̃(X, Y) ‖ p_θ(X, Y)):
the E-step sets p̃(Y|X) to the exact posterior (the responsibilities
r_ik ∝ π_k N(x_i; μ_k, Σ_k)), the M-step maximises the expected complete
log-likelihood (π_k = mean_i r_ik, μ_k and Σ_k the r-weighted mean and
covariance).  So the marginal log-likelihood never decreases.

Written here rather than taken from scikit-learn because the bench needs every
intermediate state (responsibilities, weights, means, covariances,
log-likelihood) after each step, which ``GaussianMixture`` does not expose;
its conventions are kept — ``reg_covar`` added to the covariances' diagonal
(the default 1e-6 keeps them invertible; 0 is the post's pure EM), the 10·eps
added to component masses — so the same start gives the same result (tested
to 1e-6).  The start: k centres (``sklearn.cluster.kmeans_plusplus``, the
centres scikit-learn picks for the same seed, or k distinct random points),
every point assigned to its nearest centre, one M-step.  scikit-learn's own
k-means++ start gives each component only its seed point (covariance
reg_covar·I); the nearest-centre start is chosen here because its first
picture is a sensible one.  K-means is the
hard-assignment limit (all Σ_k = σ²I, σ → 0, equal weights: r_ik becomes
one-hot at the nearest mean); it is offered as its own step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator

import numpy as np
from scipy.linalg import solve_triangular
from scipy.special import logsumexp

from engine.errors import UserError
from engine.maths import tables
from engine.params import param
from engine.tasks import TaskContext

COVARIANCES = ("full", "diag", "spherical")
INITS = ("k-means++", "random")
_EMPTY = 10 * np.finfo(float).eps  # added to component masses, as scikit-learn does: no 0/0 for an empty component


class EMError(UserError):
    pass


@dataclass(frozen=True)
class EMParams:
    table: str = param("", "table file: CSV, TSV or Excel", positional=True, gui=False)
    k: int = param(3, "number of mixture components K", minimum=1, maximum=1000, slider=(1, 10))
    columns: str = param("", "comma-separated columns to model (default: every numeric column)")
    covariance: str = param("full", "component covariances: full, diagonal or spherical (σ²I)",
                            choices=COVARIANCES)
    init: str = param("k-means++", "start: k-means++ seeding or k distinct random points, then one M-step "
                      "on the nearest-centre assignment", choices=INITS)
    max_iter: int = param(500, "most EM steps", minimum=1, maximum=1_000_000, label="Max steps")
    tol: float = param(1e-6, "stop when the mean log-likelihood per point gains less than this", minimum=0.0,
                       maximum=1.0)
    reg_covar: float = param(1e-6, "added to the covariances' diagonal (scikit-learn's default; 0: pure EM)",
                             minimum=0.0, maximum=1e6)
    seed: int = param(1, "random seed of the start", minimum=0)


@dataclass
class Mixture:
    weights: np.ndarray  # (K,)
    means: np.ndarray  # (K, d)
    covariances: np.ndarray  # full (K, d, d), diag (K, d), spherical (K,)
    covariance_type: str

    @property
    def matrices(self) -> np.ndarray:
        """The covariances as (K, d, d) matrices, whatever their type (for drawing ellipses)."""
        k, d = self.means.shape
        if self.covariance_type == "full":
            return self.covariances
        diag = self.covariances if self.covariance_type == "diag" else np.repeat(self.covariances[:, None], d, 1)
        return np.einsum("kd,de->kde", diag, np.eye(d))


@dataclass
class EMState:
    iteration: int  # M-steps taken
    mixture: Mixture
    responsibilities: np.ndarray  # (n, K), the E-step for ``mixture``
    log_likelihood: float  # mean log p(x) per point under ``mixture``

    @property
    def labels(self) -> np.ndarray:
        return self.responsibilities.argmax(1)


def log_components(x: np.ndarray, mix: Mixture) -> np.ndarray:
    """log π_k + log N(x_i; μ_k, Σ_k), shape (n, K)."""
    x = as_points(x)
    n, d = x.shape
    out = np.empty((n, len(mix.weights)))
    for j, mu in enumerate(mix.means):
        diff = x - mu
        if mix.covariance_type == "full":
            try:
                chol = np.linalg.cholesky(mix.covariances[j])
            except np.linalg.LinAlgError:
                raise EMError(f"component {j + 1}'s covariance is singular; raise reg_covar") from None
            z = solve_triangular(chol, diff.T, lower=True)
            log_det, maha = 2 * np.log(np.diag(chol)).sum(), (z * z).sum(0)
        else:
            var = mix.covariances[j] if mix.covariance_type == "diag" else np.full(d, mix.covariances[j])
            if not (var > 0).all():
                raise EMError(f"component {j + 1}'s variance is 0; raise reg_covar")
            log_det, maha = np.log(var).sum(), (diff * diff / var).sum(1)
        with np.errstate(divide="ignore"):
            out[:, j] = np.log(mix.weights[j]) - 0.5 * (d * math.log(2 * math.pi) + log_det + maha)
    return out


def e_step(x: np.ndarray, mix: Mixture) -> tuple[np.ndarray, float]:
    """Responsibilities (the exact posterior) and the mean log-likelihood per point."""
    logp = log_components(x, mix)
    norm = logsumexp(logp, axis=1)
    return np.exp(logp - norm[:, None]), float(norm.mean())


def m_step(x: np.ndarray, resp: np.ndarray, covariance_type: str = "full", reg_covar: float = 1e-6) -> Mixture:
    """Maximise the expected complete log-likelihood for fixed responsibilities."""
    x = as_points(x)
    nk = resp.sum(0) + _EMPTY
    means = resp.T @ x / nk[:, None]
    if covariance_type == "full":
        cov = np.empty((len(nk), x.shape[1], x.shape[1]))
        for j in range(len(nk)):
            diff = x - means[j]
            cov[j] = (resp[:, j, None] * diff).T @ diff / nk[j] + reg_covar * np.eye(x.shape[1])
    elif covariance_type in ("diag", "spherical"):
        cov = np.stack([resp[:, j] @ (x - means[j]) ** 2 / nk[j] for j in range(len(nk))]) + reg_covar
        if covariance_type == "spherical":
            cov = cov.mean(1)
    else:
        raise ValueError(f"covariance_type must be one of {COVARIANCES}; got {covariance_type!r}")
    return Mixture(nk / len(x), means, cov, covariance_type)


def state_for(x: np.ndarray, mix: Mixture, iteration: int = 0) -> EMState:
    resp, ll = e_step(x, mix)
    return EMState(iteration, mix, resp, ll)


def initial_state(x: np.ndarray, k: int, covariance_type: str = "full", init: str = "k-means++", seed: int = 1,
                  reg_covar: float = 1e-6) -> EMState:
    """Seed k centres, assign every point to its nearest, one M-step, then the E-step."""
    x = as_points(x)
    if not 1 <= k <= len(x):
        raise EMError(f"K = {k} needs between 1 and {len(x)} components for {len(x)} points")
    centres = seed_centres(x, k, init, seed)
    resp = np.eye(k)[nearest(x, centres)]
    return state_for(x, m_step(x, resp, covariance_type, reg_covar))


def step(x: np.ndarray, state: EMState, reg_covar: float = 1e-6) -> EMState:
    """One EM step: M-step from the state's responsibilities, then the E-step."""
    mix = m_step(x, state.responsibilities, state.mixture.covariance_type, reg_covar)
    return state_for(x, mix, state.iteration + 1)


def iterate(x: np.ndarray, state: EMState, max_iter: int = 500, tol: float = 1e-6, reg_covar: float = 1e-6,
            ctx: TaskContext | None = None) -> Iterator[EMState]:
    """Yield the state after each step until the log-likelihood gains less than ``tol`` or
    ``max_iter`` steps; each state also goes to ``ctx.partial``."""
    ctx = ctx or TaskContext()
    x = as_points(x)
    for i in range(max_iter):
        ctx.checkpoint()
        new = step(x, state, reg_covar)
        ctx.partial(new)
        ctx.progress(i + 1, max_iter, f"step {new.iteration}: log-likelihood {new.log_likelihood:.6f}")
        yield new
        if abs(new.log_likelihood - state.log_likelihood) < tol or ctx.stop_requested:
            return
        state = new


@dataclass
class EMFit:
    columns: list[str]
    points: np.ndarray  # (n, d), the data fitted
    history: list[float]  # mean log-likelihood per point, from the start to the end
    state: EMState
    converged: bool

    @property
    def iterations(self) -> int:
        return self.state.iteration

    def to_dict(self) -> dict:
        mix = self.state.mixture
        return {"log_likelihood": self.state.log_likelihood, "weights": mix.weights.tolist(),
                "means": mix.means.tolist(), "covariances": mix.covariances.tolist(),
                "covariance_type": mix.covariance_type, "iterations": self.iterations,
                "converged": self.converged, "columns": self.columns}


def fit(x: np.ndarray, k: int, covariance_type: str = "full", init: str = "k-means++", seed: int = 1,
        max_iter: int = 500, tol: float = 1e-6, reg_covar: float = 1e-6, columns: list[str] | None = None,
        ctx: TaskContext | None = None) -> EMFit:
    """Run EM from the seeded start to convergence."""
    x = as_points(x)
    state = initial_state(x, k, covariance_type, init, seed, reg_covar)
    history = [state.log_likelihood]
    for new in iterate(x, state, max_iter, tol, reg_covar, ctx):
        history.append(new.log_likelihood)
        state = new
    converged = len(history) > 1 and abs(history[-1] - history[-2]) < tol
    return EMFit(columns or [f"x{j + 1}" for j in range(x.shape[1])], x, history, state, converged)


def run(p: EMParams, ctx: TaskContext | None = None) -> EMFit:
    """The verb: EM on the chosen (default: all numeric) columns of the table ``p.table``."""
    ctx = ctx or TaskContext()
    df = tables.read_table(p.table)
    names = [c.strip() for c in p.columns.split(",") if c.strip()] or tables.numeric_columns(df)
    if not names:
        raise EMError(f"{p.table}: no numeric column")
    cols = tables.select(df, names, p.table, min_rows=p.k)
    if cols.dropped:
        ctx.warn(f"{p.table}: {cols.dropped} row(s) with a missing value left out")
    return fit(cols.values, p.k, p.covariance, p.init, p.seed, p.max_iter, p.tol, p.reg_covar, cols.names, ctx)


# -- K-means: the hard-assignment limit --------------------------------------------------------

@dataclass
class KMeansState:
    iteration: int
    means: np.ndarray  # (K, d)
    labels: np.ndarray  # (n,) nearest mean
    inertia: float  # mean squared distance to the nearest mean


def kmeans_state(x: np.ndarray, means: np.ndarray, iteration: int = 0) -> KMeansState:
    x = as_points(x)
    labels = nearest(x, means)
    return KMeansState(iteration, means, labels, float(((x - means[labels]) ** 2).sum(1).mean()))


def kmeans_step(x: np.ndarray, state: KMeansState) -> KMeansState:
    """Lloyd's step: each mean moves to its points' centroid (an empty cluster keeps its mean)."""
    x = as_points(x)
    means = state.means.copy()
    for j in range(len(means)):
        members = state.labels == j
        if members.any():
            means[j] = x[members].mean(0)
    return kmeans_state(x, means, state.iteration + 1)


def kmeans_iterate(x: np.ndarray, state: KMeansState, max_iter: int = 300,
                   ctx: TaskContext | None = None) -> Iterator[KMeansState]:
    """Yield Lloyd's steps until no point changes cluster."""
    ctx = ctx or TaskContext()
    for i in range(max_iter):
        ctx.checkpoint()
        new = kmeans_step(x, state)
        ctx.partial(new)
        ctx.progress(i + 1, max_iter, f"step {new.iteration}: inertia {new.inertia:.6g}")
        yield new
        if np.array_equal(new.labels, state.labels):
            return
        state = new


# -- data ----------------------------------------------------------------------------------------

def seed_centres(x: np.ndarray, k: int, init: str = "k-means++", seed: int = 1) -> np.ndarray:
    x = as_points(x)
    if init == "k-means++":
        from sklearn.cluster import kmeans_plusplus

        return kmeans_plusplus(x, k, random_state=seed)[0]
    if init == "random":
        return x[np.random.default_rng(seed).choice(len(x), k, replace=False)]
    raise ValueError(f"init must be one of {INITS}; got {init!r}")


def nearest(x: np.ndarray, centres: np.ndarray) -> np.ndarray:
    return ((as_points(x)[:, None, :] - centres[None]) ** 2).sum(-1).argmin(1)


def generate(k: int = 3, n: int = 500, dim: int = 2, seed: int = 0,
             separation: float = 4.0) -> tuple[np.ndarray, np.ndarray, Mixture]:
    """Points from a random mixture: weights ~ Dirichlet(5), means ~ N(0, separation²),
    covariances rotated with axes of standard deviation 0.5…1.2.  Returns points, labels, truth."""
    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(np.full(k, 5.0))
    means = rng.normal(0.0, separation, (k, dim))
    covs = np.empty((k, dim, dim))
    for j in range(k):
        q, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
        covs[j] = q @ np.diag(rng.uniform(0.5, 1.2, dim) ** 2) @ q.T
    labels = rng.choice(k, n, p=weights)
    points = means[labels] + np.einsum("nij,nj->ni", np.linalg.cholesky(covs)[labels], rng.standard_normal((n, dim)))
    return points, labels, Mixture(weights, means, covs, "full")


def as_points(x: np.ndarray) -> np.ndarray:
    """(n,) or (n, d) finite values as an (n, d) float array."""
    x = np.asarray(x, dtype=float)
    x = x.reshape(len(x), -1) if x.ndim == 1 else x
    if x.ndim != 2 or len(x) == 0:
        raise EMError(f"points must be an (n, d) array with n ≥ 1; got shape {x.shape}")
    if not np.isfinite(x).all():
        raise EMError("points must be finite numbers (no NaN or infinity)")
    return x
