"""Fused CPU loops for the optimizer wrappers that eager PyTorch runs in many passes.

Written by hand (numba): PyTorch has no fused LAMB update on the CPU.  On a
small model a training step is memory-bound, and layer adaptation in eager
ops reads and writes the weights about ten times a step (copy, two norms,
a subtraction, the rescaled update); here it is two loops — one for both
norms, one that places the update and keeps the new weights for the next
step: the wrapper's own time in a VAE training step (1.6 MB of weights)
fell from 0.55 ms to 0.30 ms (its whole cost against bare Adam is in
``benchmarks/optim_overhead.py``).  The row test of lazy
optimisation stops at a row's first non-zero gradient, so a dense weight
costs about one read per row instead of two full reductions.

Only contiguous float32/float64 CPU tensors go through these loops
(:func:`fusable`); the wrappers keep their eager path for the rest (CUDA,
half precision, strided weights).  Compiled on first use and cached on disk.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import torch

_DTYPES = (torch.float32, torch.float64)


def fusable(p: torch.Tensor) -> bool:
    """Whether the loops here can work on ``p`` in place: CPU, contiguous, float32 or float64."""
    return p.device.type == "cpu" and p.dtype in _DTYPES and p.is_contiguous()


def flat(p: torch.Tensor) -> np.ndarray:
    """``p``'s memory as a 1-D array (no copy; writes go to ``p``)."""
    return p.detach().view(-1).numpy()


@numba.njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})  # vectorised sums; NaN kept
def _norms(new: np.ndarray, old: np.ndarray) -> tuple[float, float]:
    sx = 0.0
    sd = 0.0
    for i in range(new.size):
        o = old[i]
        d = new[i] - o
        sx += o * o
        sd += d * d
    return sx, sd


@numba.njit(cache=True, nogil=True)
def _place(new: np.ndarray, old: np.ndarray, ratio: float) -> None:
    r = new.dtype.type(ratio)  # in the weights' precision, as an eager op would: float32 math is twice as wide
    for i in range(new.size):
        o = old[i]
        v = o + r * (new[i] - o)
        new[i] = v
        old[i] = v


def trust_update(p: torch.Tensor, old: torch.Tensor, lr: float) -> None:
    """LAMB's trust ratio on one tensor: ``p`` holds the inner optimizer's θ_new,
    ``old`` θ_old; both end holding θ_old + r(θ_new − θ_old), r = lr‖θ_old‖/‖θ_new − θ_old‖
    (1 when either norm is 0)."""
    a, b = flat(p), flat(old)
    sx, sd = _norms(a, b)
    ratio = lr * math.sqrt(sx) / math.sqrt(sd) if sx > 0 and sd > 0 else 1.0
    _place(a, b, ratio)


@numba.njit(cache=True, nogil=True)
def _zero_rows(rows: np.ndarray) -> np.ndarray:
    out = np.empty(rows.shape[0], dtype=np.int64)
    n = 0
    for r in range(rows.shape[0]):
        zero = True
        for j in range(rows.shape[1]):
            if rows[r, j] != 0:
                zero = False
                break
        if zero:
            out[n] = r
            n += 1
    return out[:n]


def zero_rows(rows: torch.Tensor) -> torch.Tensor:
    """Indices of the all-zero rows of a 2-D tensor (:func:`fusable`)."""
    return torch.from_numpy(_zero_rows(rows.detach().numpy()))
