"""The memory a job may take, and estimates made before anything big is allocated.

Three 3000×3000 images make an MLP with 9 M inputs: its weights, gradients and
optimizer state are tens of gigabytes, and on Linux the allocation succeeds
and the kernel kills the process later (the GUI with it).  So jobs estimate
first and refuse past a limit with one line; the user raises the limit with
``KEXUE_MAX_MEMORY_GB`` (or a front end calls :func:`set_limit_gb`).  The
default limit is 80 % of the machine's physical memory where the system says
it, else none.

Models are measured on PyTorch's ``meta`` device (shapes without storage, so
a 20 GB model costs nothing): their weights, and the layer outputs of one
training step on a small batch, scaled to the real batch.  The totals are
estimates to refuse the impossible, not a promise of the exact peak.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from engine.errors import UserError

ENV = "KEXUE_MAX_MEMORY_GB"
DEFAULT_SHARE = 0.8
OPTIMIZER_COPIES = 4  # weights, gradients and two optimizer moments (Adam; RMSprop keeps fewer)

_override_gb: float | None = None


class MemoryLimitError(UserError, MemoryError):
    """A job would need more memory than the limit allows."""


def set_limit_gb(gb: float | None) -> None:
    """Set the limit for this process (``None``: back to the environment / default)."""
    global _override_gb
    if gb is not None and not (math.isfinite(gb) and gb > 0):
        raise UserError(f"the memory limit must be a positive number of gigabytes; got {gb}")
    _override_gb = gb


def physical_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not a POSIX system
        return None


def limit_bytes() -> int | None:
    """The limit in bytes, or None where there is none to apply."""
    if _override_gb is not None:
        return int(_override_gb * 2**30)
    text = os.environ.get(ENV, "").strip()
    if text:
        try:
            gb = float(text)
        except ValueError:
            gb = math.nan
        if not (math.isfinite(gb) and gb > 0):
            raise UserError(f"{ENV}={text!r}: give the memory limit as a positive number of gigabytes")
        return int(gb * 2**30)
    phys = physical_bytes()
    return int(phys * DEFAULT_SHARE) if phys else None


def gigabytes(nbytes: float) -> str:
    gb = nbytes / 2**30
    return f"{gb:.3g} GB" if gb >= 0.1 else f"{nbytes / 2**20:.3g} MB"


def require(nbytes: float, what: str, hint: str = "") -> None:
    """Raise :class:`MemoryLimitError` when ``what`` needs more than the limit."""
    limit = limit_bytes()
    if limit is None or nbytes <= limit:
        return
    advice = f"{hint}, or raise" if hint else "raise"
    raise MemoryLimitError(f"{what} needs about {gigabytes(nbytes)} of memory, more than the limit of "
                           f"{gigabytes(limit)}; {advice} the limit with {ENV}")


def tensor_bytes(shape: Iterable[int], itemsize: int = 4) -> int:
    """Bytes of an array of this shape (exact, in Python integers: no overflow)."""
    return math.prod(int(s) for s in shape) * itemsize


def _build_on_meta(build: Callable[[Any], Any]) -> tuple[Any, list[Any]]:
    """What ``build(meta)`` makes, and its modules."""
    import torch
    from torch import nn

    meta = torch.device("meta")
    with torch.device(meta):
        made = build(meta)
    if isinstance(made, nn.Module):
        return made, [made]
    if hasattr(made, "modules") and callable(made.modules):
        return made, list(made.modules().values())
    return made, list(made.values())


def _weights(modules: Iterable[Any]) -> int:
    seen: set[int] = set()
    total = 0
    for module in modules:
        for t in [*module.parameters(), *module.buffers()]:
            if id(t) not in seen:  # shared weights count once
                seen.add(id(t))
                total += t.numel() * t.element_size()
    return total


def model_bytes(build: Callable[[Any], Any]) -> int:
    """Bytes of the parameters and buffers of what ``build(device)`` makes, built on the meta device.

    ``build`` gets the device to put its modules on and returns a module, a mapping of
    modules, or an object with ``modules()`` (a training task)."""
    return _weights(_build_on_meta(build)[1])


@dataclass(frozen=True)
class TrainingEstimate:
    weights: int  # parameters and buffers
    activations: int  # outputs of every layer for one batch, kept for the backward pass

    @property
    def total(self) -> int:
        """Weights with gradients and optimizer state, activations with their gradients."""
        return OPTIMIZER_COPIES * self.weights + 2 * self.activations


def training_bytes(make_task: Callable[[Any], Any], batch: int, sample_shape: Iterable[int]) -> TrainingEstimate:
    """Measure a training task (``make_task(device)``: an object with ``modules()`` and
    ``train_step(x, y)``) on the meta device: its weights, and the layer outputs of one training
    step on a batch of two, scaled to ``batch``.  A step the meta device cannot run (an operator
    without a meta kernel) counts the layers it got through."""
    import torch

    shape = tuple(int(s) for s in sample_shape)
    try:
        task, modules = _build_on_meta(make_task)
    except UserError:
        raise  # the task refuses the shape itself (images too small for its convolutions)
    except Exception:  # noqa: BLE001 - a model the meta device cannot build: no estimate, no refusal
        return TrainingEstimate(0, 0)
    seen = [0]

    def count(_module: Any, _inputs: Any, output: Any) -> None:
        outs = output if isinstance(output, (tuple, list)) else (output,)
        seen[0] += sum(t.numel() * t.element_size() for t in outs if isinstance(t, torch.Tensor))

    leaves = [m for module in modules for m in module.modules() if not any(True for _ in m.children())]
    hooks = [m.register_forward_hook(count) for m in leaves]
    probe = 2
    try:
        with torch.device("meta"):
            x, y = torch.zeros(probe, *shape), torch.zeros(probe, dtype=torch.long)
            if hasattr(task, "use_data"):  # tasks that draw extra batches of their own
                task.use_data(lambda n: (torch.zeros(n, *shape), torch.zeros(n, dtype=torch.long)))
            task.train_step(x, y)
    except Exception:  # noqa: BLE001 - an estimate: what ran is counted, the rest is not
        pass
    finally:
        for h in hooks:
            h.remove()
    return TrainingEstimate(_weights(modules), seen[0] * max(batch, 1) // probe)
