"""One GAN trainer whose loss is a choice (SEEDS.md §12.1–12.2): standard,
WGAN-GP, WGAN-div and GAN-QP, on the 2-D toy sets or small images, with or
without the cascading-rejection critic of §12.4 (``gan_nets.CascadeHead``).

Following the author's code: Adam with β₁ = 0.5 for both nets, and each
loss's own critic steps per generator step when ``critic_steps`` is 0 —
GAN-QP 2 (``gan_qp_l2.py``), WGAN-div 1 (``wgan_div_celeba.py``), WGAN-GP 5
(the WGAN-GP paper), standard 1.  Each critic step sees its own real batch,
as the author's loops draw a fresh one per step: the first is the loop's batch
(also used by the generator step), the others are drawn at random from the
training set with the loop's seeded generator (``TrainTask.use_data``), so a
run is reproducible and resumes exactly.  Validation is the sliced Wasserstein
distance between generated and held-out points (lower is better; it picks
best.pt), and on the 8-Gaussian ring the number of modes covered.

The learning rate defaults to 1e-3, not the author's 2e-4: his settings are
for 128-px CelebA convnets, and on the 2-D toys these small MLPs need about
2,500 steps at 1e-3 (GAN-QP at its defaults covers all 8 ring modes by epoch
21–31 of 40 for seeds 1 and 2, though not for seed 0; ~1 min of one CPU core)
but several times as many at 2e-4.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

import numpy as np
import torch

from engine.data import images, toy2d
from engine.jobs import Job, JobContext
from engine.models import gan_losses
from engine.models.gan_nets import MLPCritic, MLPGenerator
from engine.optim.build import build
from engine.params import like, param
from engine.train import precheck, setup
from engine.train.loop import LoopSettings, TrainTask, fit
from engine.train.params import TrainParams

CRITIC_STEPS = {"standard": 1, "wgan-gp": 5, "wgan-div": 1, "gan-qp": 2}
SHOWN = 1000  # points of each kind in the real-vs-generated scatter


@dataclass(frozen=True)
class GANParams(TrainParams):
    val_fraction: float = like(TrainParams, "val_fraction", 0.2)
    data: str = like(TrainParams, "data", "gaussians8", help="dataset: a 2-D toy set (gaussians8, moons, swissroll, "
                      "checkerboard), 'digits', or an image file as for the VAE")
    batch_size: int = like(TrainParams, "batch_size", 256, minimum=2)
    lr: float = like(TrainParams, "lr", 1e-3, help="Adam learning rate (β₁ = 0.5; the author used 2e-4 for "
                      "128-px faces)", maximum=1.0)
    epochs: int = like(TrainParams, "epochs", 40)
    optimizer: str = like(TrainParams, "optimizer", "adam", help="base optimizer (Adam with β₁ = 0.5 as the "
                          "author's GANs; RMSprop, AdamW, SGD with momentum 0.9)")
    loss: str = param("gan-qp", "the GAN loss (SEEDS §12)", choices=gan_losses.LOSSES)
    qp_norm: str = param("l2", "GAN-QP's pair distance d: 'l1' (mean |x_r − x_f|) or 'l2' (RMS)",
                         choices=("l1", "l2"), label="GAN-QP distance")
    critic_steps: int = param(0, "critic steps per generator step (0: the loss's published default)",
                              minimum=0, maximum=20)
    cascading_rejection: bool = param(False, "cascading-rejection critic (§12.4): the loss on several heads, "
                                      "each judging the feature left over by the previous ones")
    heads: int = param(3, "heads of the cascading-rejection critic", minimum=2, maximum=16,
                       label="Rejection heads")
    z_dim: int = param(16, "noise dimensions", minimum=1, maximum=1024, label="Noise size")
    hidden: int = param(256, "width of the two hidden layers of each net", minimum=8, maximum=4096)
    points: int = param(20000, "points drawn from a toy distribution", minimum=1, maximum=10_000_000)
    noise: float = param(0.02, "standard deviation of the toy distribution's noise", minimum=0.0, maximum=5.0)


class GeneratorTask(TrainTask):
    """What every generator-based task shares: its noise, its samples, its
    validation (sliced Wasserstein distance, and the modes covered on the
    8-Gaussian ring) and its pictures (a sample grid, or real against
    generated points).  Subclasses set ``G``, ``p``, ``device``, ``is_images``."""

    monitor = "swd"
    G: torch.nn.Module

    def noise(self, n: int) -> torch.Tensor:
        return torch.randn(n, self.p.z_dim, device=self.device)

    def sample(self, n: int) -> np.ndarray:
        with torch.no_grad():
            return self.G(self.noise(n)).float().cpu().numpy()

    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> Mapping[str, float]:
        real = x.flatten(1).cpu().numpy()
        fake = self.sample(len(x)).reshape(len(x), -1)
        values = {"swd": toy2d.sliced_wasserstein(real, fake)}
        if self.p.data == "gaussians8":
            covered, off = toy2d.mode_coverage(fake, max(self.p.noise, 1e-3))
            values.update(modes=float(covered), off_mode=off)
        return values

    def point_sets(self, x: torch.Tensor) -> dict[str, np.ndarray]:
        """The point clouds the scatter shows, by name."""
        n = min(SHOWN, len(x))
        return {"real": x[:n].cpu().numpy(), "generated": self.sample(n)}

    def artifacts(self, x: torch.Tensor, y: torch.Tensor) -> Iterable[tuple[str, str, dict[str, Any]]]:
        if self.is_images:
            yield "image_grid", "samples", {"images": self.sample(64)[:, 0].reshape(8, 8, *x.shape[2:]),
                                            "title": "Generated samples"}
            return
        sets = self.point_sets(x)
        yield "scatter", "samples", {
            "points": np.concatenate(list(sets.values())).astype(np.float32),
            "labels": np.concatenate([np.full(len(v), i, np.int64) for i, v in enumerate(sets.values())]),
            "names": np.array(list(sets)), "axes": np.array(["x₁", "x₂"]),
            "title": " and ".join(sets).capitalize() + " points"}


class GANTask(GeneratorTask):
    def __init__(self, p: GANParams, shape: tuple[int, ...], is_images: bool, device: torch.device) -> None:
        self.p, self.device, self.is_images = p, device, is_images
        self.G = MLPGenerator(p.z_dim, shape, p.hidden, images=is_images).to(device)
        self.D = MLPCritic(shape, p.hidden, p.heads if p.cascading_rejection else 1).to(device)
        self.opt_g = gan_optimizer(p, self.G)
        self.opt_d = gan_optimizer(p, self.D)
        self.steps = p.critic_steps or CRITIC_STEPS[p.loss]

    def modules(self) -> Mapping[str, torch.nn.Module]:
        return {"generator": self.G, "critic": self.D}

    def optimizers(self) -> Mapping[str, torch.optim.Optimizer]:
        return {"generator": self.opt_g, "critic": self.opt_d}

    def use_data(self, draw: Callable[[int], tuple[torch.Tensor, torch.Tensor]]) -> None:
        self.draw = draw

    def train_step(self, x: torch.Tensor, y: torch.Tensor) -> Mapping[str, torch.Tensor]:
        for i in range(self.steps):
            real = x if i == 0 else self.draw(len(x))[0]
            fake = self.G(self.noise(len(real))).detach()
            d_loss = gan_losses.critic_loss(self.p.loss, self.D, real, fake, qp_norm=self.p.qp_norm)
            self.opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            self.opt_d.step()
        fake = self.G(self.noise(len(x)))
        g_loss = gan_losses.generator_loss(self.p.loss, self.D, x, fake)
        self.opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        self.opt_g.step()
        return {"critic_loss": d_loss.detach(), "generator_loss": g_loss.detach()}


def gan_optimizer(p: Any, parameters: Any) -> Any:
    """The optimizer the params ask for (over a module, or build's named pairs); its default
    is the author's GAN optimiser, Adam with β₁ = 0.5."""
    return build(p, parameters, betas=(0.5, 0.999))


def restore(p: GANParams, shape: tuple[int, ...]) -> GANTask:
    return GANTask(p, tuple(shape), len(shape) == 3, torch.device("cpu"))


def run(p: GANParams, ctx: JobContext) -> dict[str, Any]:
    choice = setup.device(p.device, ctx)
    parts, is_images, fp = setup.load(p.data, seed=p.seed, val_fraction=p.val_fraction, points=p.points, noise=p.noise)
    steps = p.critic_steps or CRITIC_STEPS[p.loss]
    setup.begin(ctx, choice, parts, fp, p.seed, f"{p.loss} GAN ({steps} critic step(s) per generator step)")
    task = GANTask(p, tuple(parts.x_train.shape[1:]), is_images, choice.device)
    settings = LoopSettings(p.batch_size, p.epochs, eval_batch=len(parts.x_val))
    return fit(task, parts, ctx, choice.device, settings, p.seed)


JOB = Job("gan", "GAN (standard, WGAN-GP, WGAN-div, GAN-QP)", GANParams, run,
    "One GAN trainer with the loss as a choice (kexue.fm/archives/6139, 6163), and the "
    "cascading-rejection critic (7105).",
    metrics=("critic_loss", "generator_loss", "swd"), datasets=(*toy2d.TOYS, *images.BUILTIN),
    pictures={"scatter": "Real and generated points", "image_grid": "Generated samples"}, summary_metric="swd", restore=restore,
    precheck=precheck.image_data(lambda p, shape, device: GANTask(p, shape, len(shape) == 3, device)))
