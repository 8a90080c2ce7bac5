"""Fused CPU loops for the optimizer wrappers that eager PyTorch runs in many passes.

Written by hand (numba): PyTorch has no fused LAMB update on the CPU.  On a
small model a training step is memory-bound, and layer adaptation in eager
ops reads and writes the weights about ten times a step (copy, two norms,
a subtraction, the rescaled update); here it is two loops — one for both
norms (partial sums vectorised in the weights' precision, added in float64),
one that places the update and keeps the new weights for the next step: the
wrapper's own time on the VAE's 1.6 MB of weights (caches warm) fell from
0.55 ms to 0.12 ms; within a training step, after the backward pass has
moved the weights out of cache, it is 0.22 ms of a 3.9 ms step (the whole
cost against bare Adam is in ``benchmarks/optim_overhead.py``).  Lazy
optimisation's row test stops at a row's first non-zero gradient, so a dense
weight costs about one read per row instead of two full reductions, and only
absent rows are copied.

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


_BLOCK = 4096  # partial sums in the weights' precision, vectorised; their total in float64


@numba.njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})  # vectorised sums; NaN kept
def _norms(new: np.ndarray, old: np.ndarray) -> tuple[float, float]:
    sx = 0.0
    sd = 0.0
    zero = new.dtype.type(0)
    for start in range(0, new.size, _BLOCK):
        x = new[start:start + _BLOCK]
        y = old[start:start + _BLOCK]
        bx = zero
        bd = zero
        for i in range(x.size):
            o = y[i]
            d = x[i] - o
            bx += o * o
            bd += d * d
        sx += bx
        sd += bd
    return sx, sd


@numba.njit(cache=True, nogil=True)
def _place(new: np.ndarray, old: np.ndarray, ratio: float) -> None:
    r = new.dtype.type(ratio)  # in the weights' precision, as an eager op would: float32 math is twice as wide
    for i in range(new.size):
        o = old[i]
        v = o + r * (new[i] - o)
        new[i] = v
        old[i] = v


@numba.njit(cache=True, nogil=True)
def trust_update(new: np.ndarray, old: np.ndarray, lr: float) -> None:
    """LAMB's trust ratio on one tensor's memory (:func:`flat`): ``new`` holds the inner
    optimizer's θ_new, ``old`` θ_old; both end holding θ_old + r(θ_new − θ_old),
    r = lr‖θ_old‖/‖θ_new − θ_old‖ (1 when either norm is 0).  One call from Python a tensor."""
    if new.size != old.size:
        raise ValueError("trust_update: the weights and their old copy differ in size")
    sx, sd = _norms(new, old)
    ratio = lr * math.sqrt(sx) / math.sqrt(sd) if sx > 0 and sd > 0 else 1.0
    _place(new, old, ratio)


_UNSIGNED = {np.dtype(np.float32): (np.uint32, np.uint32(0x7FFF_FFFF)),
             np.dtype(np.float64): (np.uint64, np.uint64(0x7FFF_FFFF_FFFF_FFFF))}


def hold_rows(grad: np.ndarray, weights: np.ndarray, rows: np.ndarray, held: np.ndarray) -> int:
    """Write the indices of the all-zero (±0) rows of ``grad`` into ``rows`` and copy those
    rows of ``weights`` into ``held``, as many as it has room for; return how many rows are
    zero (more than ``held`` took: the caller gives a larger one and calls again).
    The test ORs the bits without the sign, 64 at a time (a vectorised loop), and stops at a
    row's first block with a non-zero (NaN too); the copy follows at once, in one pass."""
    if not (grad.shape == weights.shape and len(rows) >= len(weights) and held.shape[1:] == weights.shape[1:]):
        raise ValueError("hold_rows: the arrays do not fit")  # the loop has no bounds checks
    unsigned, magnitude = _UNSIGNED[grad.dtype]
    return _hold_rows(grad.view(unsigned), magnitude, weights, rows, held)


@numba.njit(cache=True, nogil=True)
def _hold_rows(bits: np.ndarray, magnitude: int, weights: np.ndarray, rows: np.ndarray, held: np.ndarray) -> int:
    n = 0
    for r in range(bits.shape[0]):
        row = bits[r]
        zero = True
        for start in range(0, row.size, 64):
            block = row[start:start + 64]
            seen = magnitude & 0
            for j in range(block.size):
                seen |= block[j]
            if seen & magnitude:
                zero = False
                break
        if zero:
            rows[n] = r
            if n < held.shape[0]:
                _copy(weights[r], held[n])
            n += 1
    return n


@numba.njit(cache=True, nogil=True)
def _copy(src: np.ndarray, dst: np.ndarray) -> None:
    for j in range(src.size):  # an explicit loop: a slice assignment costs 3× as much a row
        dst[j] = src[j]


@numba.njit(cache=True, nogil=True)
def restore_rows(weights: np.ndarray, rows: np.ndarray, n: int, held: np.ndarray) -> None:
    """Put back the ``n`` rows :func:`hold_rows` kept (the same arrays, checked there)."""
    for k in range(n):
        _copy(held[k], weights[rows[k]])
