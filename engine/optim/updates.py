"""Wrappers that rewrite one update (kexue.fm/archives/7094, 6869; SEEDS.md §14.2):
decoupled weight decay, layer adaptation (LAMB's trust ratio) and lazy rows.

Written by hand: PyTorch has AdamW's decay for Adam only and neither LAMB nor
lazy optimisation for dense gradients; their CPU loops are in
:mod:`engine.optim.kernels`.  All three work on any inner
optimizer and act on the parameters chosen by name patterns.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch
from torch.autograd.graph import increment_version

from engine.optim.wrapper import Names, Wrapper, matching

WEIGHT_DECAY = 0.01  # bert4keras's weight_decay_rate


class _Chosen(Wrapper):
    """A wrapper acting on some parameters: those matching ``include`` (all when None), minus ``exclude``."""

    def __init__(self, inner: Any, names: Names | None, include: Sequence[str] | None,
                 exclude: Sequence[str]) -> None:
        super().__init__(inner)
        every = self.params()
        picked = every if include is None else matching(every, names, include)
        dropped = set(matching(every, names, exclude))
        self.chosen = [p for p in picked if p not in dropped]
        self._chosen = set(self.chosen)

    def _live(self, group: dict[str, Any]) -> list[torch.Tensor]:
        return [p for p in group["params"] if p.grad is not None and p in self._chosen]


class WeightDecay(_Chosen):
    """θ ← θ − γh − γλθ: the decay uses the weights before the step and the
    (scheduled) learning rate, and never passes through h — so unlike an L2
    term it is not rescaled by Adam's or RMSprop's denominators (AdamW,
    arXiv 1711.05101).  Applied before the inner step, which only reads the
    gradients, so the result is the same as subtracting it afterwards."""

    def __init__(self, inner: Any, rate: float = WEIGHT_DECAY, names: Names | None = None,
                 exclude: Sequence[str] = ()) -> None:
        super().__init__(inner, names, None, exclude)
        self.rate = rate

    def _step(self) -> None:
        for g in self.param_groups:
            live = self._live(g)
            if live:
                torch._foreach_mul_(live, 1.0 - g["lr"] * self.rate)
        self._inner_step()


class LayerAdaptation(_Chosen):
    """Rescale each parameter's update Δ so that ‖Δ‖ = γ‖θ‖ (ratio ‖θ‖/‖Δ/γ‖,
    1 when either norm is 0), as bert4keras's ``extend_with_layer_adaptation``;
    over Adam this is LAMB (arXiv 1904.00962).  γ is clipped below at 1e-7 as
    bert4keras does.

    The old weights live in a buffer kept across steps.  On the CPU the fused
    loops of :mod:`engine.optim.kernels` leave the placed weights in it too,
    so the next step copies only a tensor changed since: PyTorch's version
    counter, the storage and the shape tell, for every in-place op, a new
    ``.data`` and ``load_state_dict`` (Lookahead's and the EMA's writes
    included).  Writes it does not see — in place through ``.data``, or a
    *fused* optimizer step of another optimizer over the same weights — would
    leave the buffer stale; none of the trainers makes them.  Elsewhere the buffer is refilled every step and the rest is
    eager multi-tensor ops, the norms coming to the host in one transfer."""

    def __init__(self, inner: Any, names: Names | None = None, exclude: Sequence[str] = ()) -> None:
        super().__init__(inner, names, None, exclude)
        self._kernels = _kernels()
        self._old: dict[torch.Tensor, torch.Tensor] = {}
        self._placed: dict[torch.Tensor, tuple] = {}  # (version, storage, shape) the buffer matches
        self._views: dict[torch.Tensor, Any] = {}  # (weights, buffer) as numpy arrays, None off the fused path

    def _step(self) -> None:
        groups = [(g, self._live(g)) for g in self.param_groups]
        for _, live in groups:
            stale = [p for p in live if self._placed.get(p) != (p._version, p.data_ptr(), p.shape)]
            for p in stale:
                old = self._old.get(p)
                if old is None or (old.shape, old.stride(), old.dtype, old.device) != \
                        (p.shape, p.stride(), p.dtype, p.device):
                    self._old[p] = old = torch.empty_like(p)
                fused = self._kernels.fusable(p)
                self._views[p] = (self._kernels.flat(p), self._kernels.flat(old)) if fused else None
            if stale:
                torch._foreach_copy_([self._old[p] for p in stale], stale)
        self._inner_step()
        for g, live in groups:
            lr = max(float(g["lr"]), 1e-7)
            eager = []
            for p in live:
                views = self._views[p]
                if views is None:
                    eager.append(p)
                    continue
                self._kernels.trust_update(*views, lr)
                increment_version(p)  # written through numpy, unseen by autograd's in-place check
                self._placed[p] = (p._version, p.data_ptr(), p.shape)
            self._eager(eager, lr)

    def _eager(self, live: list[torch.Tensor], lr: float) -> None:
        if not live:
            return
        back = [self._old[p] for p in live]
        x_norm = torch._foreach_norm(back)
        torch._foreach_sub_(back, live)  # θ_old − θ_new = −Δ
        norms = torch.stack([*x_norm, *torch._foreach_norm(back)]).tolist()  # one transfer
        ratios = [x * lr / d if x > 0 and d > 0 else 1.0 for x, d in zip(norms, norms[len(live):])]
        one = torch.ones((), dtype=live[0].dtype, device=live[0].device)
        torch._foreach_addcmul_(live, back, [one] * len(live), [1.0 - r for r in ratios])  # θ_old + ratio·Δ


class Lazy(_Chosen):
    """Rows (along the first axis) whose gradient is all zero keep their old
    values — "the token was not in the batch".  As the author's version, the
    inner optimizer still updates its moments for every row; only the
    weights of absent rows are held (copied out before the step and back
    after, so the cost follows the absent rows).  Dense gradients only.  On
    the CPU one loop tests the rows, stopping at a row's first non-zero
    entry, and copies the absent ones into a buffer kept across steps
    (:func:`engine.optim.kernels.hold_rows`); elsewhere two reductions find
    them (amax and amin: a row-wise ∞-norm or aminmax is ten times slower on
    the CPU)."""

    def __init__(self, inner: Any, names: Names | None = None, include: Sequence[str] = ("embed",)) -> None:
        super().__init__(inner, names, include, ())
        self._kernels = _kernels()
        self._buffers: dict[torch.Tensor, list] = {}  # (storage, shape), weights, row slots, held rows

    def _step(self) -> None:
        fused, eager = [], []
        for g in self.param_groups:
            for p in self._live(g):
                k, grad = self._kernels, p.grad
                if grad.shape == p.shape and k.fusable(p) and k.fusable(grad):
                    weights, rows, held = self._buffers_of(p)
                    table = grad.detach().numpy().reshape(weights.shape)  # numpy's reshape: 2 µs less
                    n = k.hold_rows(table, weights, rows, held)
                    if n > len(held):  # more rows absent than ever: held again, into more room
                        held = self._room(p, n)
                        k.hold_rows(table, weights, rows, held)
                    if n:
                        fused.append((p, weights, rows, n, held))
                    continue
                self._buffers.pop(p, None)  # off the fused path: let go of the old storage's views
                table = grad.reshape(len(p) if p.dim() else 1, -1)  # rows of the weight (a stale grad fails)
                absent = torch.nonzero((table.amax(1) == 0) & (table.amin(1) == 0)).squeeze(1)
                if len(absent):
                    target = p if p.dim() else p.view(1)  # index_copy_ writes any layout
                    eager.append((target, absent, target.index_select(0, absent)))
        self._inner_step()
        for p, *held in fused:
            self._kernels.restore_rows(*held)
            increment_version(p)  # written through numpy: a wrapper inside sees the change
        for target, absent, old in eager:
            target.index_copy_(0, absent, old)

    def _buffers_of(self, p: torch.Tensor) -> list[np.ndarray]:
        """``p`` as a 2-D numpy array, a slot a row for the absent ones' indices and room for
        their copies (none at first), kept while ``p``'s storage and shape are."""
        kept = self._buffers.get(p)
        if kept is None or kept[0] != (p.data_ptr(), p.shape):
            weights = _rows(p.detach()).numpy()
            kept = [(p.data_ptr(), p.shape), weights, np.empty(len(weights), np.int64), weights[:0].copy()]
            self._buffers[p] = kept
        return kept[1:]

    def _room(self, p: torch.Tensor, n: int) -> np.ndarray:
        """Room for ``n`` rows of ``p``, grown by doubling (to at most all of them) and kept:
        an embedding's absent rows vary from batch to batch."""
        kept = self._buffers[p]
        kept[3] = np.empty((min(len(kept[1]), max(n, 2 * len(kept[3]))), *kept[1].shape[1:]), kept[1].dtype)
        return kept[3]


def _rows(t: torch.Tensor) -> torch.Tensor:
    """``t`` as a table of rows along its first axis (a scalar is one row); a view of a
    contiguous tensor, so writes to the table of a weight reach it."""
    return t.reshape(len(t) if t.dim() else 1, -1)


def _kernels() -> Any:
    """The fused CPU loops, imported (numba) only by the runs that ask for a wrapper using them."""
    from engine.optim import kernels

    return kernels
