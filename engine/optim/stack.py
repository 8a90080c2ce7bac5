"""What the training loop asks of a task's optimizer stacks: the sample count
of the coming micro-batch and the end of an epoch (for gradient
accumulation), and the EMA's weights in place for validation and sampling.
Optimizers without those wrappers are left alone."""

from __future__ import annotations

from contextlib import ExitStack, contextmanager
from typing import Any, Iterable, Iterator

from engine.optim.accumulate import Accumulate
from engine.optim.averaging import EMA
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
