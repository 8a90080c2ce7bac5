"""BiGAN-QP (SEEDS.md §12.3, kexue.fm/archives/6214; ``bojone/gan-qp/bigan-qp``).

A joint critic T(x, z) tells (x, E(x)) from (G(z), z), with ΔT = T(x, E(x)) − T(G(z), z):

    critic:  min E[−ΔT + ΔT² / (2λd)],   λd = 10·(mean|x − G(z)| + mean|E(x) − z|)
    G and E: min E[ΔT + β₁‖z − E(sg[G](z))‖² + β₂‖x − G(sg[E](x))‖²],   β₁ = 2, β₂ = 3

sg is stop-gradient: the latent term trains E only, the image term G only (the
post: coupling them over-regularises and blurs).  The squared norms are means
over elements, as the author's ``K.mean``.  Two critic steps per G/E step and
Adam with β₁ = 0.5, as his code; the learning rate defaults to 1e-3 for the
same reason as the GAN's (``engine.train.gan``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import numpy as np
import torch

from engine.data import images, toy2d
from engine.jobs import Job, JobContext
from engine.models.gan_losses import pair_distance
from engine.models.gan_nets import JointCritic, MLPEncoder, MLPGenerator
from engine.optim.build import named
from engine.params import like, param
from engine.train import precheck, setup
from engine.train.gan import SHOWN, GeneratorTask, gan_optimizer
from engine.train.loop import LoopSettings, fit
from engine.train.params import TrainParams


@dataclass(frozen=True)
class BiGANParams(TrainParams):
    val_fraction: float = like(TrainParams, "val_fraction", 0.2)
    data: str = like(TrainParams, "data", "gaussians8", help="dataset: a 2-D toy set, 'digits', or an image file "
                      "as for the VAE")
    batch_size: int = like(TrainParams, "batch_size", 64, help="samples per step (the author: 64)", minimum=2)
    lr: float = like(TrainParams, "lr", 1e-3, help="Adam learning rate (β₁ = 0.5; the author used 2e-4 for faces)",
                      maximum=1.0)
    epochs: int = like(TrainParams, "epochs", 20)
    optimizer: str = like(TrainParams, "optimizer", "adam", help="base optimizer (Adam with β₁ = 0.5 as the "
                          "author's code; RMSprop, AdamW, SGD with momentum 0.9)")
    beta1: float = param(2.0, "weight β₁ of the latent reconstruction ‖z − E(G(z))‖²", minimum=0.0,
                         maximum=100.0, label="β₁ (latent)")
    beta2: float = param(3.0, "weight β₂ of the data reconstruction ‖x − G(E(x))‖²", minimum=0.0,
                         maximum=100.0, label="β₂ (data)")
    qp_lambda: float = param(10.0, "λ of the quadratic potential", minimum=1e-3, maximum=1e4, label="λ")
    critic_steps: int = param(2, "critic steps per generator/encoder step", minimum=1, maximum=20)
    z_dim: int = param(0, "latent dimensions (0: 2 for 2-D points, 32 for images; a latent wider than the "
                       "data's own dimension cannot be matched by E(x) and the critic wins)", minimum=0,
                       maximum=1024, label="Latent size")
    hidden: int = param(256, "width of the hidden layers of each net", minimum=8, maximum=4096)
    points: int = param(20000, "points drawn from a toy distribution", minimum=2, maximum=10_000_000)
    noise: float = param(0.02, "standard deviation of the toy distribution's noise", minimum=0.0, maximum=5.0)


class BiGANTask(GeneratorTask):
    def __init__(self, p: BiGANParams, shape: tuple[int, ...], is_images: bool, device: torch.device) -> None:
        if not p.z_dim:
            p = dataclasses.replace(p, z_dim=32 if is_images else 2)
        self.p, self.device, self.is_images = p, device, is_images
        self.G = MLPGenerator(p.z_dim, shape, p.hidden, images=is_images).to(device)
        self.E = MLPEncoder(shape, p.z_dim, p.hidden).to(device)
        self.D = JointCritic(shape, p.z_dim, p.hidden).to(device)
        self.opt_ge = gan_optimizer(p, named(generator=self.G, encoder=self.E))
        self.opt_d = gan_optimizer(p, self.D)

    def modules(self) -> Mapping[str, torch.nn.Module]:
        return {"generator": self.G, "encoder": self.E, "critic": self.D}

    def optimizers(self) -> Mapping[str, torch.optim.Optimizer]:
        return {"generator_encoder": self.opt_ge, "critic": self.opt_d}

    def train_step(self, x: torch.Tensor, y: torch.Tensor) -> Mapping[str, torch.Tensor]:
        for _ in range(self.p.critic_steps):
            z = self.noise(len(x))
            with torch.no_grad():
                zr, xf = self.E(x), self.G(z)
            delta = self.D(x, zr) - self.D(xf, z)
            scale = self.p.qp_lambda * (pair_distance(x, xf, "l1") + pair_distance(zr, z, "l1"))
            d_loss = (-delta + delta.pow(2) / (2 * scale.clamp_min(1e-8))).mean()
            self.opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            self.opt_d.step()
        z = self.noise(len(x))
        zr, xf = self.E(x), self.G(z)
        adversarial = (self.D(x, zr) - self.D(xf, z)).mean()
        z_rec = (z - self.E(xf.detach())).pow(2).mean()
        x_rec = (x - self.G(zr.detach())).pow(2).mean()
        loss = adversarial + self.p.beta1 * z_rec + self.p.beta2 * x_rec
        self.opt_ge.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_ge.step()
        return {"critic_loss": d_loss.detach(), "generator_loss": adversarial.detach(),
                "z_recon": z_rec.detach(), "x_recon": x_rec.detach()}

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        return self.G(self.E(x))

    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> Mapping[str, float]:
        return {**super().evaluate(x, y), "recon_mse": float((self.reconstruct(x) - x).pow(2).mean())}

    def point_sets(self, x: torch.Tensor) -> dict[str, np.ndarray]:
        n = min(SHOWN, len(x))
        return {**super().point_sets(x), "reconstructed": self.reconstruct(x[:n]).cpu().numpy()}

    def artifacts(self, x: torch.Tensor, y: torch.Tensor) -> Iterable[tuple[str, str, dict[str, Any]]]:
        yield from super().artifacts(x, y)
        if self.is_images:
            shown = x[:16]
            yield "image_pairs", "reconstructions", {"originals": shown.cpu().numpy()[:, 0],
                                                     "reconstructions": self.reconstruct(shown).cpu().numpy()[:, 0]}


def restore(p: BiGANParams, shape: tuple[int, ...]) -> BiGANTask:
    return BiGANTask(p, tuple(shape), len(shape) == 3, torch.device("cpu"))


def run(p: BiGANParams, ctx: JobContext) -> dict[str, Any]:
    choice = setup.device(p.device, ctx)
    parts, is_images, fp = setup.load(p.data, seed=p.seed, val_fraction=p.val_fraction, points=p.points, noise=p.noise)
    setup.begin(ctx, choice, parts, fp, p.seed, "BiGAN-QP")
    task = BiGANTask(p, tuple(parts.x_train.shape[1:]), is_images, choice.device)
    settings = LoopSettings(p.batch_size, p.epochs, eval_batch=len(parts.x_val))
    return fit(task, parts, ctx, choice.device, settings, p.seed)


JOB = Job("bigan-qp", "BiGAN-QP", BiGANParams, run,
    "kexue.fm/archives/6214: generator, encoder and a joint critic trained with the GAN-QP "
    "potential, plus the two stop-gradient reconstruction terms.",
    metrics=("critic_loss", "generator_loss", "x_recon", "z_recon", "swd", "recon_mse"),
    datasets=(*toy2d.TOYS, *images.BUILTIN),
    pictures={"scatter": "Real and generated points", "image_grid": "Generated samples",
              "image_pairs": "Originals | reconstructions"},
    summary_metric="recon_mse", restore=restore,
    precheck=precheck.image_data(lambda p, shape, device: BiGANTask(p, shape, len(shape) == 3, device)))
