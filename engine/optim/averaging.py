"""Wrappers that keep a second copy of the weights: Lookahead
(arXiv 1907.08610; kexue.fm/archives/6869 and 7094) and the exponential
moving average of the weights used for evaluation.

Written by hand (a few fused ``torch._foreach_*`` calls each): PyTorch's
``swa_utils.AveragedModel`` averages a module, not an optimizer's
parameters, and has no Lookahead.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Mapping

import torch

from engine.optim.wrapper import Wrapper
from engine.params import ParamError

LOOKAHEAD_STEPS = 5  # bert4keras's steps_per_slow_update
LOOKAHEAD_ALPHA = 0.5  # and slow_step_size


class _Copy(Wrapper):
    """A wrapper with one extra tensor per parameter, saved with its checkpoint."""

    def __init__(self, inner: Any) -> None:
        super().__init__(inner)
        self.copy = [p.detach().clone() for p in self.params()]

    def _own_state(self) -> dict[str, Any]:
        return {"copy": [c.clone() for c in self.copy]}

    def _load_own(self, state: Mapping[str, Any]) -> None:
        torch._foreach_copy_(self.copy, [c.to(p.device, p.dtype) for c, p in zip(state["copy"], self.params())])


class Lookahead(_Copy):
    """Every k updates: slow ← slow + α(fast − slow), fast ← slow.  With α = 1
    the slow weights follow the fast ones and nothing changes (SEEDS.md §14.5)."""

    def __init__(self, inner: Any, steps: int = LOOKAHEAD_STEPS, alpha: float = LOOKAHEAD_ALPHA) -> None:
        if steps < 1 or not 0.0 < alpha <= 1.0:
            raise ParamError(f"Lookahead needs k ≥ 1 and 0 < α ≤ 1; got k={steps}, α={alpha}")
        super().__init__(inner)
        self.steps, self.alpha = steps, alpha
        self.updates = 0

    def _step(self) -> None:
        self._inner_step()
        self.updates += 1
        if self.updates % self.steps == 0:
            fast = [p.detach() for p in self.params()]
            torch._foreach_lerp_(self.copy, fast, self.alpha)
            torch._foreach_copy_(fast, self.copy)

    def _own_state(self) -> dict[str, Any]:
        return {**super()._own_state(), "updates": self.updates}

    def _load_own(self, state: Mapping[str, Any]) -> None:
        super()._load_own(state)
        self.updates = state["updates"]


class EMA(_Copy):
    """average ← d·average + (1 − d)·θ after every update, starting from the
    initial weights.  Training never sees the average; :meth:`averaged`
    swaps it in (for validation, sampling) and back out."""

    def __init__(self, inner: Any, decay: float = 0.999) -> None:
        if not 0.0 <= decay < 1.0:
            raise ParamError(f"the EMA's decay must be in [0, 1); got {decay}")
        super().__init__(inner)
        self.decay = decay
        self.swapped = False

    def _step(self) -> None:
        if self.swapped:
            raise RuntimeError("an optimizer step while the EMA's average is swapped in")
        self._inner_step()
        torch._foreach_lerp_(self.copy, self.params(), 1.0 - self.decay)  # read only, under no_grad

    def swap(self) -> None:
        """Exchange the weights and the average (twice is a no-op)."""
        live = [p.detach() for p in self.params()]
        held = [t.clone() for t in live]
        torch._foreach_copy_(live, self.copy)
        torch._foreach_copy_(self.copy, held)
        self.swapped = not self.swapped

    @contextmanager
    def averaged(self) -> Iterator[None]:
        self.swap()
        try:
            yield
        finally:
            self.swap()

    def state_dict(self) -> dict[str, Any]:
        if self.swapped:
            raise RuntimeError("saving while the EMA's average is swapped in")
        return super().state_dict()
