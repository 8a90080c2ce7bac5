"""The training loop every model shares.

A :class:`TrainTask` knows its model (one ``train_step``, an ``evaluate``, the
pictures it can draw); :func:`fit` does the rest: seeded shuffling of
in-memory tensors (no DataLoader — on small image sets it is the bottleneck),
pause / stop early / cancel at every batch, metrics throttled at the source,
a NaN guard, checkpoints with RNG state written atomically, and exact resume
from the middle of an epoch.

Checkpoints go by wall-clock time, not by epoch: on small data an epoch lasts
tens of milliseconds and a pickled, fsync'd checkpoint after each one cost more
than the training.  last.pt is written after the first epoch, then after an
epoch once ``checkpoint_interval`` seconds have passed since the previous one,
and always at the end, on stop early, on cancel and when a pause begins; each
one is a consistent state, so a killed run resumes exactly from the last one
written.  best.pt follows the same clock: an improvement between two writes is
kept as a CPU copy and written with the next one (and before a NaN failure), so
the best epoch's weights always reach the disk.  Pictures are drawn every
``artifact_interval`` seconds at most (the live view's refresh; at most
``artifact_duty`` of the time), at the end and on stop early.

Evaluation and artifacts run under ``torch.random.fork_rng`` so that how often
they run (they are throttled by wall time) never changes the training stream.
"""

from __future__ import annotations

import math
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

import torch
from torch import nn

from engine import allocator, devices
from engine import events as ev
from engine.control import Cancelled
from engine.data.images import Split
from engine.jobs import JobContext, JobError
from engine.optim import stack as optim_stack
from engine.train import rng


class NonFiniteLoss(JobError):
    pass


class TrainTask(ABC):
    """One trainable experiment; ``fit`` drives it."""

    monitor = "loss"  # validation metric that picks best.pt
    higher_is_better = False  # for the monitor (a macro-F1 is better higher)
    fresh_optimizers: tuple[str, ...] = ()  # those the last load_state_dict could not restore

    @abstractmethod
    def modules(self) -> Mapping[str, nn.Module]: ...

    @abstractmethod
    def optimizers(self) -> Mapping[str, torch.optim.Optimizer]: ...

    @abstractmethod
    def train_step(self, x: torch.Tensor, y: torch.Tensor) -> Mapping[str, torch.Tensor]:
        """One optimisation step; returns detached scalar tensors (no ``.item()``)."""

    @abstractmethod
    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> Mapping[str, float]: ...

    def artifacts(self, x: torch.Tensor, y: torch.Tensor) -> Iterable[tuple[str, str, dict[str, Any]]]:
        return ()

    def epoch_order(self, y: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Indices of the training samples in the order one epoch visits them (default: a shuffle)."""
        return torch.randperm(len(y), generator=generator)

    def start_epoch(self, epoch: int) -> None:
        """Called before each epoch (and on resume): a task with stages switches here."""

    def use_data(self, draw: Callable[[int], tuple[torch.Tensor, torch.Tensor]]) -> None:
        """Called before training with ``draw(n)``: n training samples picked at random (with
        replacement) by the loop's seeded generator, for a task that needs more data per step than
        its batch (a GAN critic's further steps).  That generator is in every checkpoint, so runs
        that draw stay reproducible and resume exactly."""

    def state_dict(self) -> dict[str, Any]:
        return {"modules": {k: m.state_dict() for k, m in self.modules().items()},
                "optimizers": {k: o.state_dict() for k, o in self.optimizers().items()}}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """The weights, and each optimizer's state where it fits this run's optimizer; one whose
        saved state has another shape (a checkpoint of an earlier version, whose Adam with weight
        decay was a wrapper where it is now PyTorch's AdamW) starts afresh and is named in
        ``fresh_optimizers``, so a resumed run continues rather than failing."""
        for k, m in self.modules().items():
            m.load_state_dict(state["modules"][k])
        fresh = []
        for k, o in self.optimizers().items():
            try:  # a saved base of another kind fails on its layout before anything is loaded
                o.load_state_dict(state["optimizers"][k])
            except (KeyError, ValueError):
                fresh.append(k)
        self.fresh_optimizers = tuple(fresh)

    def train(self, mode: bool = True) -> None:
        for m in self.modules().values():
            m.train(mode)


@dataclass(frozen=True)
class LoopSettings:
    batch_size: int
    epochs: int
    log_every: int = 10  # steps between metric events (and NaN checks)
    max_metric_rate: float = 10.0  # metric events per second at most
    artifact_interval: float = 2.0  # seconds between artifact refreshes (and before the first), at least
    artifact_duty: float = 0.05  # and at most this share of the time spent drawing them
    eval_batch: int = 1024
    checkpoint_interval: float = 30.0  # seconds between checkpoints at epoch ends, at least


def _cpu_copy(state: Any) -> Any:
    """``state`` with every tensor copied to the CPU: a snapshot later steps cannot change.
    State dicts keep tensors in dicts and lists; tuples (RNG states) are immutable already."""
    if isinstance(state, torch.Tensor):
        return state.detach().to("cpu", copy=True)
    if isinstance(state, dict):
        return {k: _cpu_copy(v) for k, v in state.items()}
    if isinstance(state, list):
        return [_cpu_copy(v) for v in state]
    return state


class _Clock:
    """Progress events at most every 0.25 s, with an ETA that ignores paused time."""

    def __init__(self, ctx: JobContext, total: int, first_step: int, device: torch.device) -> None:
        self.ctx, self.total, self.first, self.device = ctx, total, first_step, device
        self.t0 = time.monotonic()
        self.paused0 = ctx.control.paused_seconds
        self.last = 0.0

    def tick(self, epoch: int, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < 0.25:
            return
        self.last = now
        active = now - self.t0 - (self.ctx.control.paused_seconds - self.paused0)
        done = self.ctx.step - self.first
        eta = active / done * (self.total - self.ctx.step) if done > 0 else None
        self.ctx.emit(ev.Progress(self.ctx.run_id, self.ctx.step, self.total, active, eta, epoch=epoch,
                                  device_memory=devices.memory_in_use(self.device)))


def _batched_eval(task: TrainTask, x: torch.Tensor, y: torch.Tensor, size: int) -> dict[str, float]:
    totals: dict[str, float] = {}
    for i in range(0, len(x), size):
        part = task.evaluate(x[i:i + size], y[i:i + size])
        for k, v in part.items():
            totals[k] = totals.get(k, 0.0) + v * len(x[i:i + size])
    return {k: v / len(x) for k, v in totals.items()}


def fit(task: TrainTask, data: Split, ctx: JobContext, device: torch.device, settings: LoopSettings,
        seed: int) -> dict[str, Any]:
    """Train ``task`` on ``data``; returns a summary. Raises ``Cancelled`` on cancel.

    The activations each step frees stay in the process until the loop ends
    (:func:`engine.allocator.kept`): on the CPU they are not faulted in again."""
    with allocator.kept():
        return _fit(task, data, ctx, device, settings, seed)


def _fit(task: TrainTask, data: Split, ctx: JobContext, device: torch.device, settings: LoopSettings,
         seed: int) -> dict[str, Any]:
    x_train = torch.from_numpy(data.x_train).to(device)
    y_train = torch.from_numpy(data.y_train).to(device)
    x_val = torch.from_numpy(data.x_val).to(device)
    y_val = torch.from_numpy(data.y_val).to(device)
    bs = settings.batch_size
    n = len(task.epoch_order(y_train.cpu(), torch.Generator().manual_seed(0)))  # samples an epoch visits
    per_epoch = math.ceil(n / bs)
    total = per_epoch * settings.epochs
    shuffle = torch.Generator().manual_seed(seed)
    sign = -1.0 if task.higher_is_better else 1.0  # best is kept as a lower-is-better score
    epoch, batch, perm, best = 0, 0, None, math.inf
    for name, opt in task.optimizers().items():
        ctx.log(f"{name} optimizer: {optim_stack.described(opt)}")
    if optim_stack.lazy_holds_nothing(task.optimizers().values()):
        ctx.warn("--lazy holds the rows of embedding and codebook tables; this model has none, so it changes "
                 "nothing")
    if ctx.resume is not None:
        r = ctx.resume
        task.load_state_dict(r["task"])
        for k in task.fresh_optimizers:
            ctx.warn(f"the {k} optimizer's state in the checkpoint does not fit this version's optimizer: "
                     f"it starts afresh (moments and step count), the weights are the checkpoint's")
        rng.restore(r["rng"], shuffle)
        epoch, batch, perm, best = r["epoch"], r["batch"], r["perm"], r["best"]
        ctx.step = r["step"]
        ctx.log(f"resumed at epoch {epoch + 1}, step {ctx.step}")

    def state() -> dict[str, Any]:
        return {"task": task.state_dict(), "rng": rng.capture(shuffle), "epoch": epoch, "batch": batch,
                "perm": perm, "best": best, "step": ctx.step}

    saved_at, saved_step = -math.inf, ctx.step  # when, and after which step, last.pt was written
    unsaved_best: dict[str, Any] | None = None  # the best state, while it is not on disk

    def save() -> None:
        """last.pt now, with the best state kept since the previous write."""
        nonlocal saved_at, saved_step, unsaved_best
        ctx.store.save_checkpoint("last", state())
        if unsaved_best is not None:
            ctx.store.save_checkpoint("best", unsaved_best)
            unsaved_best = None
        saved_at, saved_step = time.monotonic(), ctx.step

    def non_finite(message: str) -> NonFiniteLoss:
        """The NaN guard's error, once the best state kept in memory is on disk (the weights are not)."""
        if unsaved_best is not None:
            ctx.store.save_checkpoint("best", unsaved_best)
        return NonFiniteLoss(message)

    def draw_training(n: int) -> tuple[torch.Tensor, torch.Tensor]:
        idx = torch.randint(len(x_train), (n,), generator=shuffle).to(device)
        return x_train.index_select(0, idx), y_train.index_select(0, idx)

    task.use_data(draw_training)

    draw_cost = 0.0

    def validate(draw: bool) -> dict[str, float]:
        nonlocal draw_cost
        task.train(False)
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []), torch.no_grad(), \
                optim_stack.averaged(task.optimizers().values()):  # the EMA's weights when there is one
            if device.type == "cuda":
                torch.manual_seed(seed + 1)
            else:  # torch.manual_seed also seeds every other backend: 0.3 ms an epoch
                torch.default_generator.manual_seed(seed + 1)
            values = _batched_eval(task, x_val, y_val, settings.eval_batch)
            if draw:
                t0 = time.monotonic()
                for kind, name, payload in task.artifacts(x_val, y_val):
                    ctx.artifact(kind, name, payload)
                draw_cost = time.monotonic() - t0
        task.train(True)
        if not all(math.isfinite(v) for v in values.values()):
            raise non_finite(f"validation loss is not finite at epoch {epoch + 1} "
                             f"({', '.join(f'{k}={v}' for k, v in values.items())})")
        return values

    clock = _Clock(ctx, total, ctx.step, device)
    clock.tick(epoch, force=True)
    last_metrics, last_artifacts = 0.0, time.monotonic()  # pictures: after artifact_interval, at the end, on stop
    sums: dict[str, torch.Tensor] = {}
    count = 0
    pending: list[Mapping[str, torch.Tensor]] = []  # step outputs not yet summed
    task.train(True)
    accumulate = optim_stack.accumulators(task.optimizers().values())
    summary: dict[str, Any] = {}
    while epoch < settings.epochs:
        task.start_epoch(epoch)
        if perm is None:
            perm = task.epoch_order(y_train.cpu(), shuffle)
            batch = 0
        while batch < per_epoch:
            if ctx.control.paused and ctx.step != saved_step:
                save()  # a paused run is on disk, should it never be resumed
            try:
                ctx.checkpoint()
            except Cancelled:
                save()
                raise
            if ctx.control.stop_requested:
                values = validate(draw=True)
                ctx.metrics("val", epoch, values)
                save()
                ctx.log(f"stopped early at step {ctx.step}; model saved")
                return {"stopped_at_step": ctx.step, **{f"val/{k}": v for k, v in values.items()}}
            idx = perm[batch * bs:(batch + 1) * bs].to(device)
            optim_stack.micro_batch(accumulate, len(idx))
            pending.append(task.train_step(x_train.index_select(0, idx), y_train.index_select(0, idx)))
            batch += 1
            ctx.step += 1
            end_of_epoch = batch == per_epoch
            if ctx.step % settings.log_every == 0 or end_of_epoch:
                for k in dict.fromkeys(k for out in pending for k in out):  # one sum per metric, not per step
                    part = torch.stack([out[k] for out in pending if k in out]).sum()
                    sums[k] = sums[k] + part if k in sums else part
                count += len(pending)
                pending.clear()
                means = {k: float(v) / count for k, v in sums.items()}  # the only host sync
                bad = [k for k, v in means.items() if not math.isfinite(v)]
                if bad:
                    raise non_finite(f"training {', '.join(bad)} became {means[bad[0]]} near step "
                                     f"{ctx.step} (epoch {epoch + 1}); try a lower learning rate. " +
                                     ("The last good checkpoint is kept." if unsaved_best is not None
                                      or ctx.store.has_checkpoint("last") else "No checkpoint was saved yet."))
                now = time.monotonic()
                if end_of_epoch or now - last_metrics >= 1.0 / settings.max_metric_rate:
                    ctx.metrics("train", epoch, means)
                    last_metrics = now
                    sums, count = {}, 0
            clock.tick(epoch)
        optim_stack.end_epoch(accumulate)  # a group of accumulated batches is one batch of the big-batch order
        now = time.monotonic()
        final = epoch == settings.epochs - 1
        gap = max(settings.artifact_interval, draw_cost * (1 / settings.artifact_duty - 1))
        draw = final or now - last_artifacts >= gap
        values = validate(draw)
        if draw:
            last_artifacts = now
        ctx.metrics("val", epoch, values)
        epoch, perm, batch = epoch + 1, None, 0
        due = final or time.monotonic() - saved_at >= settings.checkpoint_interval
        if sign * values[task.monitor] < best:
            best = sign * values[task.monitor]
            unsaved_best = state() if due else _cpu_copy(state())
        if due:
            save()
        clock.tick(epoch - 1, force=True)
        summary = {f"val/{k}": v for k, v in values.items()}
    return {**summary, f"best_val/{task.monitor}": sign * best, "epochs": settings.epochs}
