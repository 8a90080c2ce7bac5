"""Piecewise-linear learning rate (kexue.fm/archives/7094; bert4keras's
``extend_with_piecewise_linear_lr``; SEEDS.md §14.2 item 3, V24).

θ ← θ − γ ρ_t h_t with ρ piecewise linear in the update number t, given as
{step: multiplier}.  As bert4keras: the curve starts from (0, 0) unless 0 is a
key, holds its last value after the last key, and t counts from 0, so with a
warm-up the first update has multiplier 0.  {1000: 1, 2000: 0.1} rises 0 → 1
over updates 0–1000, falls to 0.1 at 2000 and stays there.  With gradient
accumulation outside it, t counts updates, not micro-batches.

The multiplier scales each group's ``lr`` for the duration of the inner step
only, so a trainer that sets ``lr`` itself (the spectra net's second stage)
keeps doing so, and the wrappers inside (weight decay, layer adaptation) see
the scheduled γ.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from engine.optim.wrapper import Wrapper
from engine.params import ParamError


def parse(text: str) -> dict[int, float]:
    """'1000:1,2000:0.1' → {1000: 1.0, 2000: 0.1}; empty → {} (constant multiplier 1).  A
    multiplier is ≥ 0: a negative one would climb the loss."""
    out: dict[int, float] = {}
    for item in text.replace(";", ",").split(","):
        if not item.strip():
            continue
        step, sep, value = item.partition(":")
        try:
            if not sep:
                raise ValueError
            key, mult = int(step), float(value)
        except ValueError:
            raise ParamError(f"{item.strip()!r} is not 'update:multiplier' (e.g. '1000:1,2000:0.1')") from None
        if key < 0 or not math.isfinite(mult) or mult < 0:
            raise ParamError(f"{item.strip()!r} needs an update ≥ 0 and a finite multiplier ≥ 0")
        if key in out:
            raise ParamError(f"update {key} is given twice")
        out[key] = mult
    return out


def multiplier(step: float, schedule: Mapping[int, float]) -> float:
    """ρ at ``step``: linear between the keys, from (0, 0) unless 0 is a key, flat after the last."""
    if not schedule:
        return 1.0
    points = sorted(schedule.items())
    if points[0][0] != 0:
        points.insert(0, (0, 0.0))
    xs, ys = zip(*points)
    return float(np.interp(step, xs, ys))


class Schedule(Wrapper):
    def __init__(self, inner: Any, schedule: Mapping[int, float]) -> None:
        super().__init__(inner)
        self.schedule = dict(schedule)
        self.updates = 0

    def _step(self) -> None:
        rho = multiplier(self.updates, self.schedule)
        groups = self.param_groups
        nominal = [g["lr"] for g in groups]
        for g, lr in zip(groups, nominal):
            g["lr"] = lr * rho
        try:
            self._inner_step()
        finally:
            for g, lr in zip(groups, nominal):
                g["lr"] = lr
        self.updates += 1

    def _own_state(self) -> dict[str, Any]:
        return {"updates": self.updates}

    def _load_own(self, state: Mapping[str, Any]) -> None:
        self.updates = state["updates"]
