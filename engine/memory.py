"""The memory a job may take, and estimates made before anything big is allocated.

Three 3000×3000 images make an MLP with 9 M inputs: its weights, gradients and
optimizer state are tens of gigabytes, and on Linux the allocation succeeds
and the kernel kills the process later (the GUI with it).  So jobs estimate
first and refuse past a limit with one line; the user raises the limit with
``KEXUE_MAX_MEMORY_GB`` (or a front end calls :func:`set_limit_gb`).  The
default limit is 80 % of the machine's physical memory where the system says
it, else none.

Model sizes are counted by building the model on PyTorch's ``meta`` device:
shapes without storage, so a 20 GB model costs nothing to measure.
"""

from __future__ import annotations

import math
import os
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


def model_bytes(build: Callable[[Any], Any]) -> int:
    """Bytes of the parameters and buffers of what ``build(device)`` makes, built on the meta device.

    ``build`` gets the device to put its modules on and returns a module, a mapping of
    modules, or an object with ``modules()`` (a training task)."""
    import torch
    from torch import nn

    meta = torch.device("meta")
    with torch.device(meta):
        made = build(meta)
    if isinstance(made, nn.Module):
        modules: Iterable[nn.Module] = [made]
    elif hasattr(made, "modules") and callable(made.modules):
        modules = made.modules().values()
    else:
        modules = made.values()
    seen: set[int] = set()
    total = 0
    for module in modules:
        for t in [*module.parameters(), *module.buffers()]:
            if id(t) not in seen:  # shared weights count once
                seen.add(id(t))
                total += t.numel() * t.element_size()
    return total


def training_bytes(build: Callable[[Any], Any], batch: int, sample_shape: Iterable[int]) -> int:
    """Rough peak of a training step: the model with gradients and optimizer state, and a batch's
    inputs, outputs and their gradients."""
    return OPTIMIZER_COPIES * model_bytes(build) + 4 * batch * tensor_bytes(sample_shape)
