"""What the training loop asks of a task's optimizer stacks: the sample count
of the coming micro-batch and the end of an epoch (for gradient
accumulation), the EMA's weights in place for validation and sampling,
whether lazy rows found a table to hold, and the stack in words for the log.
Optimizers without those wrappers are left alone."""

from __future__ import annotations

from contextlib import ExitStack, contextmanager
from typing import Any, Iterable, Iterator

from engine.optim.accumulate import Accumulate
from engine.optim.averaging import EMA, Lookahead
from engine.optim.schedule import Schedule
from engine.optim.updates import LayerAdaptation, Lazy, WeightDecay
from engine.optim.wrapper import layers


def find(optimizers: Iterable[Any], kind: type) -> list[Any]:
    """Every wrapper of ``kind`` in the stacks."""
    return [layer for opt in optimizers for layer in layers(opt) if isinstance(layer, kind)]


def micro_batch(accumulators: Iterable[Accumulate], samples: int) -> None:
    """The steps until the next call weigh their gradients by ``samples``."""
    for a in accumulators:
        a.samples = float(samples)


def end_epoch(accumulators: Iterable[Accumulate]) -> None:
    """Close the open accumulation groups, so a group never spans two epochs' orders."""
    for a in accumulators:
        a.flush()


@contextmanager
def averaged(optimizers: Iterable[Any]) -> Iterator[None]:
    """The EMA's weights in the model for the duration (nothing changes without an EMA)."""
    with ExitStack() as stack:
        for ema in find(optimizers, EMA):
            stack.enter_context(ema.averaged())
        yield


def use_averages(optimizers: Iterable[Any]) -> None:
    """Put the EMA's weights in the model for good (a trained model opened to sample or predict)."""
    for ema in find(optimizers, EMA):
        ema.swap()


def accumulators(optimizers: Iterable[Any]) -> list[Accumulate]:
    return find(optimizers, Accumulate)


def lazy_holds_nothing(optimizers: Iterable[Any]) -> bool:
    """Whether ``--lazy`` was asked for and no table of these optimizers' models matched (a VAE
    has no embedding): the run says so instead of silently changing nothing."""
    lazy = find(optimizers, Lazy)
    return bool(lazy) and not any(layer.chosen for layer in lazy)


def described(optimizer: Any) -> str:
    """One stack in a line, outermost first, as a run's log says what it trains with:
    'accumulate 4 · EMA 0.99 · schedule 1000:1 · Adam lr 0.001'."""
    parts = []
    for layer in layers(optimizer):
        if isinstance(layer, Accumulate):
            parts.append(f"accumulate {layer.steps}")
        elif isinstance(layer, EMA):
            parts.append(f"EMA {layer.decay:g}")
        elif isinstance(layer, Lookahead):
            parts.append(f"Lookahead k {layer.steps} α {layer.alpha:g}")
        elif isinstance(layer, Schedule):
            parts.append("schedule " + ",".join(f"{k}:{v:g}" for k, v in sorted(layer.schedule.items())))
        elif isinstance(layer, LayerAdaptation):
            parts.append("layer adaptation")
        elif isinstance(layer, Lazy):
            parts.append(f"lazy rows of {len(layer.chosen)} table{'' if len(layer.chosen) == 1 else 's'}")
        elif isinstance(layer, WeightDecay):
            parts.append(f"weight decay {layer.rate:g}")
        else:
            group = layer.param_groups[0]  # the base; only AdamW is given a decay of its own
            decay = group.get("weight_decay", 0.0)
            parts.append(f"{type(layer).__name__} lr {group['lr']:g}" + (f" weight decay {decay:g}" if decay else ""))
    return " · ".join(parts)
