"""Gradient accumulation (kexue.fm/archives/6794; SEEDS.md §14.1).

Every ``steps`` calls of ``step()`` make one update of the optimizer inside,
with the gradients of those calls averaged.  The author's Keras version
updates every step multiplied by a 0/1 condition so that Adam's moments and
every other inner state move only on the k-th step; here the inner optimizer
is simply not called in between, which gates all its state (moments, step
counts, the schedule, Lookahead's counter, the EMA) the same way.

The average weights each call by its number of samples when the training loop
says it (:meth:`Accumulate.samples`), and the loop closes a group at the end
of an epoch (:meth:`Accumulate.flush`): k micro-batches of b samples then
give exactly the update of one batch of k·b samples over the same data order,
including an epoch's shorter last batch — for a loss that is a mean over
samples.  Not exact with BatchNorm: its statistics stay per micro-batch.
"""

from __future__ import annotations

from typing import Any, Mapping

import torch

from engine.optim.wrapper import Wrapper
from engine.params import ParamError


class Accumulate(Wrapper):
    def __init__(self, inner: Any, steps: int = 2) -> None:
        if steps < 1:
            raise ParamError(f"gradient accumulation needs at least 1 step; got {steps}")
        super().__init__(inner)
        self.steps = steps
        self.samples = 1.0  # weight of the coming calls' gradients (the loop sets the batch size)
        self._sums: list[torch.Tensor] = []
        self._touched: set[int] = set()
        self._calls = 0
        self._weight = 0.0

    def _step(self) -> None:
        params = self.params()
        if not self._sums:
            self._sums = [torch.zeros_like(p) for p in params]
        live = [i for i, p in enumerate(params) if p.grad is not None]
        if live:
            torch._foreach_add_([self._sums[i] for i in live], [params[i].grad for i in live], alpha=self.samples)
        self._touched.update(live)
        self._calls += 1
        self._weight += self.samples
        if self._calls >= self.steps:
            self._apply()

    def flush(self) -> None:
        """Apply what has been accumulated, if anything (the loop calls it at the end of an epoch)."""
        if self._calls:
            with torch.no_grad():
                self._apply()

    def _apply(self) -> None:
        params = self.params()
        touched = sorted(self._touched)
        sums = [self._sums[i] for i in touched]
        torch._foreach_div_(sums, self._weight)
        for i in range(len(params)):
            params[i].grad = self._sums[i] if i in self._touched else None
        self._inner_step()
        for p in params:  # the buffers are ours again: a backward must not add into them
            p.grad = None
        torch._foreach_zero_(sums)
        self._touched.clear()
        self._calls, self._weight = 0, 0.0

    def _own_state(self) -> dict[str, Any]:
        return {"sums": [s.clone() for s in self._sums], "touched": sorted(self._touched), "calls": self._calls,
                "weight": self._weight, "samples": self.samples}

    def _load_own(self, state: Mapping[str, Any]) -> None:
        params = self.params()
        self._sums = [s.to(p.device, p.dtype) for s, p in zip(state["sums"], params)]
        self._touched = set(state["touched"])
        self._calls, self._weight, self.samples = state["calls"], state["weight"], state["samples"]
