"""Denoising autoencoder → generative model (SEEDS.md §12.5; model and
sampler: ``engine.models.denoiser``).

Defaults follow NCSN (Song & Ermon 2019), whose annealing the post calls the
key trick: L = 10 noise levels down to σ_L = 0.01, T = 100 Langevin steps a
level, ε = 2e-5, samples started from uniform noise over the data's range.
σ₁ is by default the largest distance between two training samples (Song &
Ermon 2020, technique 1), so the first level can move a sample anywhere.

Live: the denoising loss and the sliced Wasserstein distance of fresh samples
to held-out data.  On 2-D data, the learned field r(y) − y = σ²∇log p̂ as
arrows for each level and the samples at each stage of the sampler, so the
bench can play them moving; on images, a grid of samples and noisy inputs
beside their denoised versions.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import numpy as np
import torch

from engine.data import images, toy2d
from engine.jobs import Job, JobContext
from engine.models import denoiser
from engine.optim.build import build as build_optimizer
from engine.params import like, param
from engine.train import precheck, setup
from engine.train.loop import LoopSettings, TrainTask, fit
from engine.train.params import TrainParams

GRID = 21  # arrows per side of the score field
SHOWN = 500  # samples followed through the sampler
FRAMES_PER_LEVEL = 4


@dataclass(frozen=True)
class DAEParams(TrainParams):
    val_fraction: float = like(TrainParams, "val_fraction", 0.2)
    data: str = like(TrainParams, "data", "gaussians8", help="dataset: a 2-D toy set, 'digits', or an image file "
                      "as for the VAE")
    batch_size: int = like(TrainParams, "batch_size", 128, minimum=2)
    lr: float = like(TrainParams, "lr", 1e-3, help="Adam learning rate", maximum=1.0)
    sigma_max: float = param(0.0, "largest noise σ₁ (0: the largest distance between training samples)",
                             minimum=0.0, maximum=1e4, label="σ max")
    sigma_min: float = param(0.01, "smallest noise σ_L", minimum=1e-5, maximum=100.0, label="σ min")
    levels: int = param(10, "noise levels L, geometric from σ max to σ min", minimum=1, maximum=1000)
    langevin_steps: int = param(100, "Langevin steps T at each level", minimum=1, maximum=100000)
    step_size: float = param(2e-5, "ε: the step at level i is ε σᵢ² / σ_L²", minimum=1e-10, maximum=10.0,
                             label="Step ε")
    hidden: int = param(256, "width of the denoiser's three hidden layers", minimum=8, maximum=4096)
    points: int = param(20000, "points drawn from a toy distribution", minimum=2, maximum=10_000_000)
    noise: float = param(0.02, "standard deviation of the toy distribution's noise", minimum=0.0, maximum=5.0)


def widest(x: np.ndarray, n: int = 2000) -> float:
    """The largest distance between two of (up to) n samples."""
    flat = torch.from_numpy(x[:n].reshape(min(n, len(x)), -1))
    return float(torch.cdist(flat, flat).max())


class DAETask(TrainTask):
    monitor = "loss"

    def __init__(self, p: DAEParams, shape: tuple[int, ...], is_images: bool, device: torch.device,
                 low: np.ndarray, high: np.ndarray) -> None:
        self.p, self.device, self.is_images = p, device, is_images
        sigmas = denoiser.ladder(p.sigma_max or 1.0, p.sigma_min, p.levels)
        self.model = denoiser.Denoiser(shape, p.hidden, sigmas, torch.from_numpy(low),
                                       torch.from_numpy(high)).to(device)
        self.opt = build_optimizer(p, self.model)

    @property
    def sigmas(self) -> torch.Tensor:
        return self.model.sigmas

    def modules(self) -> Mapping[str, torch.nn.Module]:
        return {"denoiser": self.model}

    def optimizers(self) -> Mapping[str, torch.optim.Optimizer]:
        return {"denoiser": self.opt}

    def train_step(self, x: torch.Tensor, y: torch.Tensor) -> Mapping[str, torch.Tensor]:
        loss = denoiser.dsm_loss(self.model, x, self.sigmas)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return {"loss": loss.detach()}

    def run_sampler(self, n: int, frames: bool = False) -> tuple[torch.Tensor, list[torch.Tensor]]:
        steps = self.p.langevin_steps
        every = max(1, steps // FRAMES_PER_LEVEL)
        keep = (lambda i, t: (t + 1) % every == 0) if frames else None
        return denoiser.annealed_langevin(self.model, self.model.start(n), self.sigmas, steps, self.p.step_size, keep)

    def sample(self, n: int) -> np.ndarray:
        return self.run_sampler(n)[0].float().cpu().numpy()

    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> Mapping[str, float]:
        n = min(len(x), SHOWN)
        fake = self.sample(n).reshape(n, -1)
        return {"loss": float(denoiser.dsm_loss(self.model, x, self.sigmas)),
                "swd": toy2d.sliced_wasserstein(x[:n].flatten(1).cpu().numpy(), fake)}

    def artifacts(self, x: torch.Tensor, y: torch.Tensor) -> Iterable[tuple[str, str, dict[str, Any]]]:
        if self.is_images:
            yield "image_grid", "samples", {"images": np.clip(self.sample(64)[:, 0], 0, 1).reshape(8, 8, *x.shape[2:]),
                                            "title": "Samples of annealed Langevin dynamics"}
            mid = self.sigmas[len(self.sigmas) // 2]
            shown = x[:16]
            noisy = shown + mid * torch.randn_like(shown)
            clean = self.model(noisy, mid.expand(len(shown)))
            yield "image_pairs", "denoised", {"originals": np.clip(noisy.cpu().numpy()[:, 0], 0, 1),
                                              "reconstructions": np.clip(clean.cpu().numpy()[:, 0], 0, 1),
                                              "title": f"Noisy (σ = {float(mid):.3g}) | denoised"}
            return
        yield "field", "score", self._field(x)

    def _field(self, x: torch.Tensor) -> dict[str, Any]:
        low, high = self.model.low, self.model.high
        lo, hi = (low - 0.1 * (high - low)).cpu().numpy(), (high + 0.1 * (high - low)).cpu().numpy()
        gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], GRID), np.linspace(lo[1], hi[1], GRID))
        grid = torch.from_numpy(np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32)).to(self.device)
        moves = [(self.model(grid, s.expand(len(grid))) - grid).cpu().numpy() for s in self.sigmas]
        _, snaps = self.run_sampler(min(SHOWN, len(x)), frames=True)
        per_level = (len(snaps) - 2) // len(self.sigmas)
        level = np.r_[0, np.repeat(np.arange(len(self.sigmas)), per_level), len(self.sigmas) - 1]
        return {"grid": grid.cpu().numpy(), "moves": np.stack(moves).astype(np.float32),
                "sigmas": self.sigmas.cpu().numpy(), "real": x[:SHOWN].cpu().numpy(),
                "frames": torch.stack(snaps).cpu().numpy(), "frame_level": level.astype(np.int64),
                "title": "Denoising field r(y) − y and the sampler's samples"}


def build(p: DAEParams, x_train: np.ndarray, is_images: bool, device: torch.device) -> DAETask:
    flat = x_train.reshape(len(x_train), -1)
    low, high = (np.zeros(1), np.ones(1)) if is_images else (flat.min(0), flat.max(0))
    low, high = low.astype(np.float32), high.astype(np.float32)
    if not p.sigma_max:
        p = dataclasses.replace(p, sigma_max=widest(x_train))
    return DAETask(p, tuple(x_train.shape[1:]), is_images, device, low, high)


def restore(p: DAEParams, shape: tuple[int, ...]) -> DAETask:
    """A task to load a checkpoint into (the ladder and data range come back with its buffers)."""
    is_images = len(shape) == 3
    size = 1 if is_images else int(np.prod(shape))
    return DAETask(p, tuple(shape), is_images, torch.device("cpu"), np.zeros(size, np.float32),
                   np.ones(size, np.float32))


def run(p: DAEParams, ctx: JobContext) -> dict[str, Any]:
    choice = setup.device(p.device, ctx)
    parts, is_images, fp = setup.load(p.data, seed=p.seed, val_fraction=p.val_fraction, points=p.points, noise=p.noise)
    setup.begin(ctx, choice, parts, fp, p.seed, "Denoising autoencoder")
    task = build(p, parts.x_train, is_images, choice.device)
    ctx.log(f"noise ladder σ = {float(task.sigmas[0]):.3g} … {float(task.sigmas[-1]):.3g} in {p.levels} levels")
    settings = LoopSettings(p.batch_size, p.epochs, eval_batch=len(parts.x_val))
    return fit(task, parts, ctx, choice.device, settings, p.seed)


JOB = Job("dae", "Denoising autoencoder sampler", DAEParams, run,
    "kexue.fm/archives/7038: a denoiser gives the score (r(y) − y)/σ²; annealed Langevin "
    "dynamics samples with it.",
    metrics=("loss", "swd"), datasets=(*toy2d.TOYS, *images.BUILTIN),
    pictures={"field": "Denoising field", "image_grid": "Samples of annealed Langevin dynamics",
              "image_pairs": "Noisy | denoised"}, summary_metric="swd", restore=restore,
    precheck=precheck.image_data(lambda p, shape, device: DAETask(
        p, shape, len(shape) == 3, device, np.zeros(1, np.float32), np.ones(1, np.float32))))
