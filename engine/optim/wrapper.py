"""The shape every optimizer wrapper shares, so that they stack like
bert4keras's ``extend_with_*`` (kexue.fm/archives/7094, SEEDS.md §14.2).

A :class:`Wrapper` holds another optimizer (a ``torch.optim.Optimizer`` or a
wrapper) and looks like one: ``param_groups``, ``state``, ``zero_grad``,
``step``, ``state_dict``.  The author's trick — patch ``K.update`` so each
wrapper sees and rewrites the update its parent proposes — becomes here: a
wrapper runs code before and after the inner step, and one that needs the
update Δ = θ_new − θ_old keeps the old weights itself.  Steps allocate
nothing once warm: on a CPU a fresh megabyte-sized tensor each step costs
page faults that show in the step time.

Parameters are chosen by name with regular expressions (``re.search``, so a
plain substring works, as bert4keras's ``string_matching``).
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Mapping, Sequence

import torch

from engine.params import ParamError

Names = Mapping[torch.Tensor, str]


def matching(params: Iterable[torch.Tensor], names: Names | None, patterns: Sequence[str]) -> list[torch.Tensor]:
    """The parameters whose name matches one of ``patterns`` (case-insensitive)."""
    if not patterns:
        return []
    if names is None:
        raise ParamError("choosing parameters by name needs their names (pass names=)")
    found = re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
    return [p for p in params if found.search(names.get(p, ""))]


class Wrapper:
    """An optimizer that changes how ``inner`` updates the weights.

    Subclasses override :meth:`_step` (and call :meth:`_inner_step` in it) and
    ``_own_state`` / ``_load_own`` for what a checkpoint must carry."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    # -- what an optimizer looks like ----------------------------------
    @property
    def param_groups(self) -> list[dict[str, Any]]:
        return self.inner.param_groups

    @property
    def state(self) -> Any:
        return self.inner.state

    @property
    def defaults(self) -> dict[str, Any]:
        return self.inner.defaults

    def params(self) -> list[torch.Tensor]:
        return [p for g in self.param_groups for p in g["params"]]

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.inner.zero_grad(set_to_none=set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        with torch.no_grad():
            self._step()
        return loss

    def state_dict(self) -> dict[str, Any]:
        return {"inner": self.inner.state_dict(), "own": self._own_state()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.inner.load_state_dict(state["inner"])
        self._load_own(state["own"])

    # -- what a wrapper changes ----------------------------------------
    def _step(self) -> None:
        self._inner_step()

    def _inner_step(self) -> None:
        if isinstance(self.inner, Wrapper):
            self.inner._step()
        else:
            self.inner.step()

    def _own_state(self) -> dict[str, Any]:
        return {}

    def _load_own(self, state: Mapping[str, Any]) -> None:
        pass


def layers(optimizer: Any) -> list[Any]:
    """The optimizer and every one inside it, outermost first."""
    out = [optimizer]
    while isinstance(out[-1], Wrapper):
        out.append(out[-1].inner)
    return out
