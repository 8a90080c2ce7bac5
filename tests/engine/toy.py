"""A tiny experiment for testing the shared loop: linear regression y = 3x + 1."""

from dataclasses import dataclass

import numpy as np
import torch

from engine.data.images import Split
from engine.jobs import Job
from engine.params import param
from engine.train.loop import LoopSettings, TrainTask, fit
from engine.train.rng import seed_everything


@dataclass(frozen=True)
class ToyParams:
    epochs: int = param(3, "epochs", minimum=1)
    batch_size: int = param(8, "batch", minimum=1)
    seed: int = param(0, "seed")
    nan_at_step: int = param(0, "make the loss NaN from this step on (0: never)")


class ToyTask(TrainTask):
    def __init__(self, nan_at_step: int = 0):
        self.model = torch.nn.Linear(1, 1)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.05)
        self.nan_at, self.calls = nan_at_step, 0

    def modules(self):
        return {"m": self.model}

    def optimizers(self):
        return {"m": self.opt}

    def train_step(self, x, y):
        self.calls += 1
        noise = torch.randn(len(x), 1) * 0.01  # consumes the global RNG, like a VAE does
        loss = ((self.model(x) + noise - y.float()) ** 2).mean()
        if self.nan_at and self.calls >= self.nan_at:
            loss = loss * float("nan")
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return {"loss": loss.detach()}

    def evaluate(self, x, y):
        return {"loss": float(((self.model(x) - y.float()) ** 2).mean())}


def toy_split(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (n, 1)).astype(np.float32)
    y = 3 * x + 1
    return Split(x[: n - 16], y[: n - 16], x[n - 16:], y[n - 16:])


def run_toy(p: ToyParams, ctx):
    seed_everything(p.seed)
    task = ToyTask(p.nan_at_step)
    settings = LoopSettings(p.batch_size, p.epochs, log_every=1, max_metric_rate=1e9, artifact_interval=0)
    return fit(task, toy_split(), ctx, torch.device("cpu"), settings, p.seed)


TOY = Job("toy", "Toy regression", ToyParams, run_toy)
