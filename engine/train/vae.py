"""Train the VAE of SEEDS.md §9 (kexue.fm/archives/5253) and draw what the blog draws.

Defaults are the author's MLP demo (``vae_keras.py``): latent 2, RMSprop,
batch 100, 50 epochs, Bernoulli decoder.  The conv arch is his
``vae_keras_cnn.py`` (with its dense width 16 when ``hidden`` is 0); that demo
trains with batch 128 for 30 epochs, as the help of those two fields says.
Pictures per refresh: originals beside reconstructions, the validation
latents coloured by label (the first two principal axes when the latent has
more than two dimensions), and for a 2-D latent the 15×15 manifold decoded at
the normal quantiles 0.05…0.95.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import numpy as np
import torch
from scipy.stats import norm

from engine.data import images
from engine.jobs import Job, JobContext
from engine.models import vae as vae_model
from engine.optim.build import build
from engine.params import like, param
from engine.train import precheck, setup
from engine.train.features import image_features
from engine.train.loop import LoopSettings, TrainTask, fit
from engine.train.params import TrainParams
from engine.train.pictures import Once, plane, thumbnails

MANIFOLD_SIDE = 15
MAX_SCATTER = 5000


@dataclass(frozen=True)
class VAEParams(TrainParams):
    epochs: int = like(TrainParams, "epochs", 50, help="passes over the training images (the author: 50 for "
                       "the MLP, 30 for the conv model)")
    batch_size: int = like(TrainParams, "batch_size", 100, help="images per optimisation step (the author: 100 "
                           "for the MLP, 128 for the conv model)")
    arch: str = param("mlp", "encoder/decoder: 'mlp' (784-256-z) or 'conv' (Conv 32/64 stride 2, Dense 16, "
                      "transposed convs back)", choices=vae_model.ARCHS.keys(), label="Model")
    latent: int = param(2, "latent dimensions (2 lets you see the manifold)", minimum=1, maximum=512,
                        label="Latent size")
    hidden: int = param(0, "width of the hidden layer (MLP) or of the conv encoder's dense layer; 0: the "
                        "author's (256 for the MLP, 16 for the conv model)", minimum=0, maximum=4096)
    likelihood: str = param("bernoulli", "decoder distribution: 'bernoulli' (binary cross-entropy) or "
                            "'gaussian' (squared error / 2σ̃²)", choices=("bernoulli", "gaussian"))
    sigma: float = param(0.1, "σ̃ of the Gaussian decoder", minimum=1e-4, maximum=10.0, label="Decoder σ̃")
    optimizer: str = like(TrainParams, "optimizer", "rmsprop")  # the blog's
    amp: bool = param(False, "mixed precision (bfloat16 autocast) on CUDA; ignored on the CPU",
                      label="Mixed precision")


class VAETask(TrainTask):
    monitor = "loss"

    def __init__(self, p: VAEParams, shape: tuple[int, int, int], device: torch.device, amp: bool) -> None:
        self.model = vae_model.build(p.arch, shape, p.latent, p.hidden).to(device)
        self.opt = build(p, self.model)
        self.p, self.device = p, device
        self.autocast = (lambda: torch.autocast("cuda", dtype=torch.bfloat16)) if amp else nullcontext
        self.once = Once()

    def modules(self) -> Mapping[str, torch.nn.Module]:
        return {"vae": self.model}

    def optimizers(self) -> Mapping[str, torch.optim.Optimizer]:
        return {"vae": self.opt}

    def _losses(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        with self.autocast():
            logits, mu, logvar = self.model(x)
        recon = vae_model.reconstruction_nll(logits.float(), x, self.p.likelihood, self.p.sigma)
        kl = vae_model.gaussian_kl(mu.float(), logvar.float())
        return recon.mean(), kl.mean()

    def train_step(self, x: torch.Tensor, y: torch.Tensor) -> Mapping[str, torch.Tensor]:
        recon, kl = self._losses(x)
        loss = recon + kl
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return {"loss": loss.detach(), "recon": recon.detach(), "kl": kl.detach()}

    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> Mapping[str, float]:
        recon, kl = self._losses(x)
        return {"loss": float(recon + kl), "recon": float(recon), "kl": float(kl)}

    def sample(self, n: int) -> np.ndarray:
        """Decode n draws from the prior N(0, I): the decoder's mean images."""
        with torch.no_grad():
            z = torch.randn(n, self.p.latent, device=self.device)
            return torch.sigmoid(self.model.decode(z)).float().cpu().numpy()

    def artifacts(self, x: torch.Tensor, y: torch.Tensor) -> Iterable[tuple[str, str, dict[str, Any]]]:
        m = self.model
        shown = x[:16]
        mu_shown, _ = m.encode(shown)
        recon = torch.sigmoid(m.decode(mu_shown))
        yield "image_pairs", "reconstructions", {
            "originals": shown.cpu().numpy()[:, 0], "reconstructions": recon.float().cpu().numpy()[:, 0]}
        keep = min(len(x), MAX_SCATTER)
        mu = torch.cat([m.encode(x[i:min(i + 1024, keep)])[0] for i in range(0, keep, 1024)]).float().cpu().numpy()
        points, axes = plane(mu)
        yield "scatter", "latent", {"points": points.astype(np.float32), "labels": y[:keep].cpu().numpy(),
                                    "axes": np.array(axes),
                                    **self.once("latent", lambda: {"images": thumbnails(x[:keep].float().cpu().numpy())})}
        if self.p.latent == 2:
            q = norm.ppf(np.linspace(0.05, 0.95, MANIFOLD_SIDE)).astype(np.float32)
            gx, gy = np.meshgrid(q, q[::-1])  # y grows upwards in the picture
            z = torch.from_numpy(np.stack([gx.ravel(), gy.ravel()], 1)).to(self.device)
            tiles = torch.sigmoid(m.decode(z)).float().cpu().numpy()[:, 0]
            yield "image_grid", "manifold", {
                "images": tiles.reshape(MANIFOLD_SIDE, MANIFOLD_SIDE, *tiles.shape[1:]), "quantiles": q}


def restore(p: VAEParams, shape: tuple[int, ...]) -> VAETask:
    return VAETask(p, tuple(shape), torch.device("cpu"), amp=False)


def run(p: VAEParams, ctx: JobContext) -> dict[str, Any]:
    choice = setup.device(p.device, ctx)
    amp = p.amp and choice.device.type == "cuda"
    if p.amp and not amp:
        ctx.log("mixed precision needs CUDA; training in float32 on the CPU", "warning")
    data = images.load(p.data)
    parts = images.split(data, p.val_fraction, p.seed)
    setup.begin(ctx, choice, parts, data.fingerprint(), p.seed, "VAE", minimum=1)
    task = VAETask(p, data.shape, choice.device, amp)
    return fit(task, parts, ctx, choice.device, LoopSettings(p.batch_size, p.epochs), p.seed)


JOB = Job("vae", "Variational autoencoder", VAEParams, run,
    "The VAE of kexue.fm/archives/5253: MLP or conv encoder, Gaussian latent, KL to N(0, I).",
    metrics=("loss", "recon", "kl"), datasets=images.BUILTIN,
    pictures={"image_pairs": "Originals | reconstructions", "scatter": "Latent space (validation)",
              "image_grid": "Decoded manifold"}, restore=restore,
    precheck=precheck.image_data(lambda p, shape, device: VAETask(p, shape, device, amp=False)),
    features=lambda p, store, cfg, ctx: image_features(p, store, cfg, ctx, "VAE μ", restore,
                                                        lambda task, x: task.model.encode(x)[0]))
