"""The shape every optimizer wrapper shares, so that they stack like
bert4keras's ``extend_with_*`` (kexue.fm/archives/7094, SEEDS.md §14.2).

A :class:`Wrapper` holds another optimizer (a ``torch.optim.Optimizer`` or a
wrapper) and looks like one: ``param_groups``, ``state``, ``zero_grad``,
``step``, ``state_dict``.  The author's trick — patch ``K.update`` so each
wrapper sees and rewrites the update its parent proposes — becomes here: a
wrapper that needs the update Δ = θ_new − θ_old asks for the pre-step values
in a :class:`Snapshot` that the whole stack shares, so a stack of such
wrappers copies the weights once per step, not once per wrapper.

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


class Snapshot:
    """The weights before a step, copied at most once per step into buffers kept across steps."""

    def __init__(self, params: Sequence[torch.Tensor]) -> None:
        self.params = list(params)
        self.index = {p: i for i, p in enumerate(self.params)}
        self.buffers: list[torch.Tensor] = []
        self.taken = False

    def take(self) -> None:
        """Copy the watched weights now, unless done already this step."""
        if self.taken or not self.params:
            return
        if not self.buffers:
            self.buffers = [torch.empty_like(p) for p in self.params]
        torch._foreach_copy_(self.buffers, [p.detach() for p in self.params])
        self.taken = True

    def old(self, params: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        return [self.buffers[self.index[p]] for p in params]


class Wrapper:
    """An optimizer that changes how ``inner`` updates the weights.

    Subclasses override :meth:`_step` (and call :meth:`_inner_step` in it),
    :meth:`watched` when they need the pre-step weights, and ``_own_state`` /
    ``_load_own`` for what a checkpoint must carry."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self._snapshot: Snapshot | None = None

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
        if self._snapshot is None:
            self._snapshot = Snapshot(self.watched())
        self._snapshot.taken = False
        with torch.no_grad():
            self._step(self._snapshot)
        return loss

    def state_dict(self) -> dict[str, Any]:
        return {"inner": self.inner.state_dict(), "own": self._own_state()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.inner.load_state_dict(state["inner"])
        self._load_own(state["own"])

    # -- what a wrapper changes ----------------------------------------
    def watched(self) -> list[torch.Tensor]:
        """Parameters whose pre-step values this wrapper or one inside it reads."""
        return self.inner.watched() if isinstance(self.inner, Wrapper) else []

    def _step(self, snapshot: Snapshot) -> None:
        self._inner_step(snapshot)

    def _inner_step(self, snapshot: Snapshot) -> None:
        if isinstance(self.inner, Wrapper):
            self.inner._step(snapshot)
        else:
            self.inner.step()

    def _own_state(self) -> dict[str, Any]:
        return {}

    def _load_own(self, state: Mapping[str, Any]) -> None:
        pass

    @staticmethod
    def _with_grad(params: Iterable[torch.Tensor]) -> list[torch.Tensor]:
        return [p for p in params if p.grad is not None]


def layers(optimizer: Any) -> list[Any]:
    """The optimizer and every one inside it, outermost first."""
    out = [optimizer]
    while isinstance(out[-1], Wrapper):
        out.append(out[-1].inner)
    return out


def union(*lists: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    """The tensors of several lists, each once, in first-seen order."""
    seen: dict[torch.Tensor, None] = {}
    for items in lists:
        for p in items:
            seen.setdefault(p, None)
    return list(seen)
