"""HSIC, the Hilbert–Schmidt independence criterion (kexue.fm/archives/6910, SEEDS.md §5).

The post's kernel is K(a, b) = exp(−‖a − b‖²/σ²) with σ = 1.  The median
heuristic (σ = the median pairwise distance, over at most 1,000 points drawn
with the seed) is offered as an option; it is a common choice in the
literature, not the author's.

Everything is computed from three kinds of kernel sums, as the post
recommends instead of the matrix product Tr(K H L H) (three n×n products):
Σ K∘L, the row sums of K and of L.  With r = K1, s = L1,

    Tr(K H L H) = Σ K∘L − (2/n) r·s + (1ᵀr)(1ᵀs)/n²,

and the estimators are

* ``biased``:   Tr(K H L H)/n² (HSIC_b of Gretton et al. 2005);
* ``author``:   Tr(K H L H)/(n − 1)², the post's "unbiased" variant; it only
  rescales HSIC_b;
* ``unbiased``: the standard unbiased estimator (Song et al. 2012), which
  differs: with K̃, L̃ the kernels with zeroed diagonals,
  [Tr(K̃L̃) + 1ᵀK̃1·1ᵀL̃1/((n−1)(n−2)) − 2/(n−2)·1ᵀK̃L̃1] / (n(n−3)).

The sums come from row blocks of the kernels, so memory is O(block·n) and the
time O(n²), in torch (float64: the terms cancel to a few parts in 10⁴).  The
permutation test permutes y: the row sums permute with it and only Σ K∘L_π is
recomputed — from the stored kernels when both fit in memory, from fresh
blocks otherwise.  The gamma approximation of the null (Gretton et al. 2008:
moments of n·HSIC_b matched to a Gamma law) is written here from the paper;
no maintained Python library provides these with the post's kernel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Sequence

import numpy as np
from scipy import stats
from scipy.spatial.distance import pdist

from engine.errors import UserError
from engine.maths import tables
from engine.params import param
from engine.tasks import TaskContext

if TYPE_CHECKING:
    import torch

BANDWIDTHS = ("fixed", "median")
ESTIMATORS = ("biased", "author", "unbiased")
PAIRS = ("independent", "linear", "quadratic", "sinusoid", "ring", "author")
MEDIAN_POINTS = 1000
_BLOCK_VALUES = 1 << 22  # kernel entries per block (all variables together)
_STORE_BYTES = 1 << 29  # keep the two kernels for the permutation test below this size
MAX_RANK = 256  # low-rank factors for the permutation test up to this rank
RANK_TOL = 1e-12  # residual trace per point: Σ K∘L_π is then exact to ~1e-12·n²


class HSICError(UserError):
    pass


@dataclass(frozen=True)
class HSICParams:
    table: str = param("", "table file: CSV, TSV or Excel", positional=True, gui=False)
    x: str = param("", "column of the first variable")
    y: str = param("", "column of the second variable")
    sigma: float = param(1.0, "kernel width σ in exp(−‖a − b‖²/σ²); the post uses 1", minimum=1e-12,
                         maximum=1e12, label="σ")
    bandwidth: str = param("fixed", "'fixed': σ as given (the post); 'median': σ per variable from the median "
                           "pairwise distance (a common heuristic, not the author's)", choices=BANDWIDTHS)
    estimator: str = param("biased", "'biased' Tr(KHLH)/n²; 'author' Tr(KHLH)/(n−1)², the post's variant; "
                           "'unbiased' the standard unbiased estimator (Song et al.)", choices=ESTIMATORS)
    permutations: int = param(1000, "permutations of y for the null distribution (0: none)", minimum=0,
                              maximum=1_000_000)
    seed: int = param(0, "random seed of the permutations and of the median's subsample", minimum=0)


@dataclass
class KernelSums:
    """Σ K_a∘K_b for every pair of variables, and each kernel's row sums."""

    n: int
    cross: np.ndarray  # (p, p)
    rows: np.ndarray  # (p, n)


def gaussian_kernel(a: "torch.Tensor", b: "torch.Tensor", sigma: float) -> "torch.Tensor":
    """exp(−‖a_i − b_j‖²/σ²) for rows a_i of ``a`` (m, d) and b_j of ``b`` (n, d)."""
    import torch

    d = torch.cdist(a, b, compute_mode="donot_use_mm_for_euclid_dist")
    return torch.exp(-(d * d) / (sigma * sigma))


def median_sigma(values: np.ndarray, seed: int = 0) -> float:
    """Median pairwise distance (over at most MEDIAN_POINTS rows drawn with ``seed``); not the author's."""
    values = _column_block(values)
    if len(values) > MEDIAN_POINTS:
        values = values[np.random.default_rng(seed).choice(len(values), MEDIAN_POINTS, replace=False)]
    sigma = float(np.median(pdist(values)))
    if not sigma > 0:
        raise HSICError("the median pairwise distance is 0 (mostly repeated values); give σ instead")
    return sigma


def kernel_sums(variables: Sequence[np.ndarray | "torch.Tensor"], sigmas: Sequence[float],
                ctx: TaskContext | None = None, device: str = "cpu") -> KernelSums:
    """One pass over row blocks of every variable's kernel: O(n²) time, O(block·n) memory."""
    import torch

    ctx = ctx or TaskContext()
    data = [_tensor(v, device) for v in variables]
    n, p = data[0].shape[0], len(data)
    step = max(1, _BLOCK_VALUES // (n * p))
    cross = torch.zeros(p, p, dtype=torch.float64, device=data[0].device)
    rows = torch.empty(p, n, dtype=torch.float64, device=data[0].device)
    for start in range(0, n, step):
        ctx.checkpoint()
        stop = min(n, start + step)
        block = torch.stack([gaussian_kernel(v[start:stop], v, s) for v, s in zip(data, sigmas)])
        rows[:, start:stop] = block.sum(-1)
        flat = block.reshape(p, -1)
        cross += flat @ flat.T
        ctx.progress(stop, n, "kernel sums")
    return KernelSums(n, cross.cpu().numpy(), rows.cpu().numpy())


def estimate(cross: float, rows_x: np.ndarray, rows_y: np.ndarray, estimator: str = "biased") -> float:
    """An estimator from Σ K∘L and the row sums (unit kernel diagonal, as for the Gaussian)."""
    n = len(rows_x)
    if estimator == "unbiased":
        if n < 4:
            raise HSICError(f"the unbiased estimator needs at least 4 points; got {n}")
        rx, ry = rows_x - 1.0, rows_y - 1.0
        value = (cross - n) + rx.sum() * ry.sum() / ((n - 1) * (n - 2)) - 2.0 / (n - 2) * float(rx @ ry)
        return float(value / (n * (n - 3)))
    trace = cross - 2.0 / n * float(rows_x @ rows_y) + rows_x.sum() * rows_y.sum() / n ** 2
    if estimator == "biased":
        return float(trace / n ** 2)
    if estimator == "author":
        return float(trace / (n - 1) ** 2)
    raise ValueError(f"estimator must be one of {ESTIMATORS}; got {estimator!r}")


def hsic(x: np.ndarray, y: np.ndarray, sigma: float = 1.0, estimator: str = "biased",
         ctx: TaskContext | None = None, device: str = "cpu") -> float:
    """HSIC of paired samples x (n,) or (n, dx) and y (n,) or (n, dy) with one σ for both."""
    sums = kernel_sums(_paired(x, y), [sigma, sigma], ctx, device)
    return estimate(sums.cross[0, 1], sums.rows[0], sums.rows[1], estimator)


@dataclass
class GammaNull:
    """The Gamma law of the null for the chosen estimator (a rescaled n·HSIC_b)."""

    shape: float
    scale: float  # in the estimator's units

    def pdf(self, values: np.ndarray) -> np.ndarray:
        return stats.gamma(self.shape, scale=self.scale).pdf(values)

    def p_value(self, value: float) -> float:
        return float(stats.gamma(self.shape, scale=self.scale).sf(value))


@dataclass
class HSICResult:
    hsic: float
    estimator: str
    n: int
    sigma_x: float
    sigma_y: float
    pearson: float
    null: np.ndarray = field(repr=False)  # the statistic under permutations of y
    gamma: GammaNull | None  # None for the unbiased estimator (the approximation is HSIC_b's) and n < 6

    @property
    def p_value(self) -> float | None:
        """Permutation p-value (1 + #{null ≥ observed})/(1 + permutations); None without permutations."""
        if self.null.size == 0:
            return None
        return float((1 + np.count_nonzero(self.null >= self.hsic)) / (1 + self.null.size))

    @property
    def p_value_gamma(self) -> float | None:
        return None if self.gamma is None else self.gamma.p_value(self.hsic)

    def to_dict(self) -> dict:
        return {"hsic": self.hsic, "p_value": self.p_value, "p_value_gamma": self.p_value_gamma, "n": self.n,
                "estimator": self.estimator, "sigma_x": self.sigma_x, "sigma_y": self.sigma_y,
                "pearson": self.pearson, "permutations": int(self.null.size)}


def independence_test(x: np.ndarray, y: np.ndarray, sigma: float = 1.0, bandwidth: str = "fixed",
                      estimator: str = "biased", permutations: int = 1000, seed: int = 0,
                      ctx: TaskContext | None = None, device: str = "cpu") -> HSICResult:
    """HSIC of x and y with its permutation null, p-value and gamma approximation."""
    ctx = ctx or TaskContext()
    x, y = _paired(x, y)
    n = len(x)
    if n < 4:
        raise HSICError(f"HSIC needs at least 4 paired values; got {n}")
    sx, sy = (median_sigma(x, seed), median_sigma(y, seed)) if bandwidth == "median" else (sigma, sigma)
    tx, ty = _tensor(x, device), _tensor(y, device)
    sums = kernel_sums([tx, ty], [sx, sy], ctx)
    rows_x, rows_y = sums.rows
    value = estimate(sums.cross[0, 1], rows_x, rows_y, estimator)
    gamma = None if estimator == "unbiased" or n < 6 else _gamma_null(tx, ty, sx, sy, rows_x, rows_y, estimator, ctx)
    null = np.array([estimate(c, rows_x, rows_y[perm], estimator)
                     for c, perm in permuted_cross(tx, ty, sx, sy, permutations, seed, ctx)])
    return HSICResult(value, estimator, n, sx, sy, _pearson(x, y), null, gamma)


@dataclass
class HSICMatrix:
    names: list[str]
    hsic: np.ndarray  # (p, p)
    pearson: np.ndarray  # (p, p)
    sigmas: np.ndarray  # (p,)

    @property
    def normalised(self) -> np.ndarray:
        """HSIC(a, b)/√(HSIC(a, a)·HSIC(b, b)), in [0, 1] for the biased estimators (a Cauchy–Schwarz bound)."""
        d = np.sqrt(np.clip(np.diag(self.hsic), 1e-300, None))
        return self.hsic / np.outer(d, d)


def hsic_matrix(values: np.ndarray, names: Sequence[str], sigma: float = 1.0, bandwidth: str = "fixed",
                estimator: str = "biased", seed: int = 0, ctx: TaskContext | None = None,
                device: str = "cpu") -> HSICMatrix:
    """HSIC between every pair of columns of ``values`` (n, p), beside Pearson's correlations."""
    values = np.asarray(values, dtype=float)
    cols = [values[:, j] for j in range(values.shape[1])]
    sigmas = [median_sigma(c, seed) if bandwidth == "median" else sigma for c in cols]
    sums = kernel_sums(cols, sigmas, ctx, device)
    p = len(cols)
    out = np.array([[estimate(sums.cross[a, b], sums.rows[a], sums.rows[b], estimator) for b in range(p)]
                    for a in range(p)])
    with np.errstate(invalid="ignore", divide="ignore"):
        pearson = np.corrcoef(values, rowvar=False).reshape(p, p)
    return HSICMatrix(list(names), out, pearson, np.array(sigmas))


def synthetic_pair(kind: str, n: int = 1000, noise: float = 0.3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Pairs whose dependence Pearson sees (linear) or misses (quadratic, sinusoid, ring);
    ``author`` is the post's demo y = x + 0.1ε with x, ε ~ N(0, 1), whatever ``noise``."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    eps = rng.standard_normal(n)
    if kind == "independent":
        return x, eps
    if kind == "author":
        return x, x + 0.1 * eps
    if kind == "linear":
        return x, x + noise * eps
    if kind == "quadratic":
        return x, x * x + noise * eps
    if kind == "sinusoid":
        t = rng.uniform(-math.pi, math.pi, n)
        return t, np.cos(2 * t) + noise * eps  # even in t: no correlation
    if kind == "ring":
        t = rng.uniform(0, 2 * math.pi, n)
        return np.cos(t) + noise * x, np.sin(t) + noise * eps
    raise ValueError(f"kind must be one of {PAIRS}; got {kind!r}")


def run(p: HSICParams, ctx: TaskContext | None = None) -> HSICResult:
    """The verb: HSIC of two columns of the table ``p.table``."""
    ctx = ctx or TaskContext()
    df = tables.read_table(p.table)
    if not (p.x and p.y):
        raise HSICError(f"{p.table}: choose the x and y columns (columns: {', '.join(map(str, df.columns))})")
    cols = tables.select(df, [p.x, p.y], p.table, min_rows=4)
    if cols.dropped:
        ctx.warn(f"{p.table}: {cols.dropped} row(s) with a missing value left out")
    return independence_test(cols.values[:, 0], cols.values[:, 1], p.sigma, p.bandwidth, p.estimator,
                             p.permutations, p.seed, ctx)


def permuted_cross(tx: "torch.Tensor", ty: "torch.Tensor", sx: float, sy: float, permutations: int, seed: int,
                    ctx: TaskContext):
    """Yield (Σ K∘L_π, π) for ``permutations`` random π.  Low-rank factors K ≈ GGᵀ, L ≈ FFᵀ
    (pivoted Cholesky) make each ‖Gᵀ F_π‖²_F cost O(n·r²); kernels whose rank is too high
    are stored and gathered (O(n²) per π) or, when they do not fit, recomputed in blocks."""
    import torch

    n = tx.shape[0]
    generator = torch.Generator().manual_seed(seed)
    perms = (torch.randperm(n, generator=generator) for _ in range(permutations))
    if permutations == 0:
        return
    gx, gy = pivoted_cholesky(tx, sx, MAX_RANK), pivoted_cholesky(ty, sy, MAX_RANK)
    if gx is not None and gy is not None:
        batch = max(1, _BLOCK_VALUES // (n * gy.shape[1]))
        done = 0
        while done < permutations:
            ctx.checkpoint()
            chunk = torch.stack([next(perms) for _ in range(min(batch, permutations - done))])
            cross = (gx.T @ gy[chunk.to(gy.device)]).square().sum((1, 2)).cpu().numpy()
            yield from zip(cross.tolist(), chunk.numpy())
            done += len(chunk)
            ctx.progress(done, permutations, "permutations")
        return
    store = 2 * n * n * 8 <= _STORE_BYTES
    kx, ky = (gaussian_kernel(tx, tx, sx), gaussian_kernel(ty, ty, sy)) if store else (None, None)
    for i, perm in enumerate(perms):
        ctx.checkpoint()
        p = perm.to(tx.device)
        if kx is not None:
            cross = float(torch.dot(kx.reshape(-1), ky.index_select(0, p).index_select(1, p).reshape(-1)))
        else:
            cross = float(kernel_sums([tx, ty[p]], [sx, sy]).cross[0, 1])
        yield cross, perm.numpy()
        ctx.progress(i + 1, permutations, "permutations")


def pivoted_cholesky(t: "torch.Tensor", sigma: float, max_rank: int) -> "torch.Tensor | None":
    """G (n, r) with K ≈ GGᵀ for the Gaussian kernel of the rows of ``t``, stopping when the
    residual trace tr(K − GGᵀ) ≤ RANK_TOL·n; None when that needs more than ``max_rank``."""
    import torch

    n = t.shape[0]
    max_rank = min(n, max_rank)
    g = torch.zeros(n, max_rank, dtype=torch.float64, device=t.device)
    residual = torch.ones(n, dtype=torch.float64, device=t.device)  # diag(K) = 1
    for k in range(max_rank):
        if float(residual.sum()) <= RANK_TOL * n:
            return g[:, :k]
        i = int(torch.argmax(residual))
        column = gaussian_kernel(t, t[i:i + 1], sigma)[:, 0]
        g[:, k] = (column - g[:, :k] @ g[i, :k]) / torch.sqrt(residual[i])
        residual = (residual - g[:, k].square()).clamp_(min=0.0)
    return g if float(residual.sum()) <= RANK_TOL * n else None


def _gamma_null(tx: "torch.Tensor", ty: "torch.Tensor", sx: float, sy: float, rows_x: np.ndarray,
                rows_y: np.ndarray, estimator: str, ctx: TaskContext) -> GammaNull:
    """Gretton et al. (2008): mean and variance of n·HSIC_b under independence, matched to a Gamma law;
    a second pass over blocks sums (Kc∘Lc)² off the diagonal, Kc = HKH, Lc = HLH."""
    import torch

    n = len(rows_x)
    rx, ry = torch.as_tensor(rows_x, device=tx.device), torch.as_tensor(rows_y, device=tx.device)
    mx, my = rx.mean(), ry.mean()
    step = max(1, _BLOCK_VALUES // (2 * n))
    total = 0.0
    for start in range(0, n, step):
        ctx.checkpoint()
        stop = min(n, start + step)
        kc = gaussian_kernel(tx[start:stop], tx, sx) - rx[start:stop, None] / n - rx[None, :] / n + mx / n
        lc = gaussian_kernel(ty[start:stop], ty, sy) - ry[start:stop, None] / n - ry[None, :] / n + my / n
        prod = kc * lc
        total += float((prod * prod).sum() - (torch.diagonal(prod, offset=start) ** 2).sum())
        ctx.progress(stop, n, "gamma approximation")
    variance = 2.0 * (n - 4) * (n - 5) / (n * (n - 1) * (n - 2) * (n - 3)) * total / (n * (n - 1))
    mu_x, mu_y = (rows_x.sum() - n) / (n * (n - 1)), (rows_y.sum() - n) / (n * (n - 1))
    mean = (1 + mu_x * mu_y - mu_x - mu_y) / n  # of HSIC_b
    shape = mean * mean / variance
    scale_b = variance / mean  # of HSIC_b; n·HSIC_b has scale n·scale_b
    factor = 1.0 if estimator == "biased" else n * n / (n - 1) ** 2
    return GammaNull(float(shape), float(scale_b * factor))


def _paired(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = _column_block(x), _column_block(y)
    if len(x) != len(y):
        raise HSICError(f"x and y must have the same number of values; got {len(x)} and {len(y)}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise HSICError("x and y must be finite numbers (no NaN or infinity)")
    return x, y


def _column_block(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    return values.reshape(len(values), -1)


def _tensor(values, device: str | None = None) -> "torch.Tensor":
    import torch

    if isinstance(values, torch.Tensor):
        return values.to(torch.float64)
    return torch.as_tensor(_column_block(values), dtype=torch.float64, device=device)


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    if x.shape[1] != 1 or y.shape[1] != 1 or x.std() == 0 or y.std() == 0:
        return float("nan")
    return float(np.corrcoef(x[:, 0], y[:, 0])[0, 1])
