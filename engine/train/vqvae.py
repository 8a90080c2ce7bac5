"""Train the VQ-VAE of SEEDS.md §2 (model and loss: ``engine.models.vqvae``).

Defaults follow the author's ``vq_vae_keras.py`` where they fit small images:
K = 64 codes, β = 0.25, Adam at 1e-3, batch 64, two stride-2 steps (one for
images under 16 px, so 8-px digits keep a 4×4 code map).  Live pictures:
originals beside reconstructions, the code-index maps of a few validation
images, and a histogram of code usage over the validation set; curves of the
loss terms and the codebook perplexity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import numpy as np
import torch

from engine.data import images
from engine.jobs import Job, JobContext
from engine.models import vqvae
from engine.optim.build import build
from engine.params import like, param
from engine.train import precheck, setup
from engine.train.loop import LoopSettings, TrainTask, fit
from engine.train.params import TrainParams

SHOWN = 16


@dataclass(frozen=True)
class VQVAEParams(TrainParams):
    data: str = like(TrainParams, "data", "digits", help="dataset: 'digits', 'mnist', or an image file or folder as for the VAE")
    lr: float = like(TrainParams, "lr", 1e-3, help="Adam learning rate", maximum=1.0)
    codes: int = param(64, "codebook size K (the author: 64)", minimum=2, maximum=65536, label="Codes K")
    code_dim: int = param(64, "length d of each code vector (the author: 128 for 128-px faces)", minimum=1,
                          maximum=4096, label="Code size d")
    channels: int = param(64, "channels of the convolutions and residual blocks", minimum=4, maximum=1024)
    downsample: int = param(0, "stride-2 steps from image to code map (0: 2, or 1 below 16 px)", minimum=0,
                            maximum=6)
    blocks: int = param(2, "residual blocks in the encoder and in the decoder", minimum=0, maximum=16)
    beta: float = param(0.25, "commitment weight β (codebook term weight 1)", minimum=0.0, maximum=100.0,
                        label="Commitment β")
    restart_dead: bool = param(False, "move codes unused for a window of steps onto random encoder outputs",
                               label="Restart dead codes")
    window: int = param(100, "steps a code may go unused before it is restarted", minimum=1, maximum=1_000_000,
                        label="Dead-code window")


def steps_for(p: VQVAEParams, shape: tuple[int, ...]) -> int:
    return p.downsample or (1 if min(shape[1:]) < 16 else 2)


class VQVAETask(TrainTask):
    monitor = "loss"

    def __init__(self, p: VQVAEParams, shape: tuple[int, int, int], device: torch.device) -> None:
        self.p, self.device = p, device
        try:
            self.model = vqvae.VQVAE(shape, p.codes, p.code_dim, p.channels, steps_for(p, shape), p.blocks).to(device)
        except ValueError as exc:
            raise images.DataError(f"{exc}; lower 'downsample' or use larger images") from exc
        self.opt = build(p, self.model)
        self.since = 0  # steps since the last dead-code check
        self.restarted = 0  # codes restarted so far

    def modules(self) -> Mapping[str, torch.nn.Module]:
        return {"vqvae": self.model}

    def optimizers(self) -> Mapping[str, torch.optim.Optimizer]:
        return {"vqvae": self.opt}

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "since": self.since, "restarted": self.restarted}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        super().load_state_dict(state)
        self.since, self.restarted = state.get("since", 0), state.get("restarted", 0)

    def _forward(self, x: torch.Tensor) -> tuple[dict[str, torch.Tensor], torch.Tensor, torch.Tensor]:
        recon, z, zq, idx = self.model(x)
        terms = vqvae.vq_losses(x, recon, z, zq, self.p.beta)
        terms["perplexity"] = vqvae.perplexity(idx, self.p.codes)
        return terms, z, idx

    def train_step(self, x: torch.Tensor, y: torch.Tensor) -> Mapping[str, torch.Tensor]:
        terms, z, idx = self._forward(x)
        self.opt.zero_grad(set_to_none=True)
        terms["loss"].backward()
        self.opt.step()
        self.model.count_codes(idx)
        out = {k: v.detach() for k, v in terms.items()}
        self.since += 1
        if self.p.restart_dead and self.since >= self.p.window:
            self.restarted += self.model.quantizer.restart_dead(z)
            self.since = 0
        return out

    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> Mapping[str, float]:
        terms, _, _ = self._forward(x)
        values = {k: float(v) for k, v in terms.items()}
        return {**values, "restarted": float(self.restarted)} if self.p.restart_dead else values

    def sample(self, n: int) -> np.ndarray:
        return self.model.sample(n).float().cpu().numpy()

    def artifacts(self, x: torch.Tensor, y: torch.Tensor) -> Iterable[tuple[str, str, dict[str, Any]]]:
        recon, _, _, idx = self.model(x[:SHOWN])
        yield "image_pairs", "reconstructions", {"originals": x[:SHOWN].cpu().numpy()[:, 0],
                                                 "reconstructions": recon.float().cpu().numpy()[:, 0]}
        yield "image_grid", "codes", {
            "images": idx.cpu().numpy().astype(np.float32), "levels": np.array([0.0, self.p.codes - 1.0]),
            "colormap": "viridis",
            "title": f"Code maps ({'×'.join(map(str, self.model.grid))} indices of {self.p.codes}, "
                     f"{self.model.bits:.0f} bits an image)"}
        counts = torch.zeros(self.p.codes, device=x.device)
        for i in range(0, len(x), 512):
            counts += torch.bincount(self.model(x[i:i + 512])[3].flatten(), minlength=self.p.codes)
        yield "bars", "usage", {"counts": counts.cpu().numpy(), "xlabel": "code index",
                                "title": f"Code usage: {int((counts > 0).sum())} of {self.p.codes} used"}


def restore(p: VQVAEParams, shape: tuple[int, ...]) -> VQVAETask:
    return VQVAETask(p, tuple(shape), torch.device("cpu"))


def run(p: VQVAEParams, ctx: JobContext) -> dict[str, Any]:
    choice = setup.device(p.device, ctx)
    parts, _, fp = setup.load(p.data, seed=p.seed, val_fraction=p.val_fraction, images_for="VQ-VAE")
    setup.begin(ctx, choice, parts, fp, p.seed, f"VQ-VAE with {p.codes} codes")
    task = VQVAETask(p, tuple(parts.x_train.shape[1:]), choice.device)
    ctx.log(f"code map {'×'.join(map(str, task.model.grid))}: {task.model.bits:.0f} bits an image")
    return fit(task, parts, ctx, choice.device, LoopSettings(p.batch_size, p.epochs), p.seed)


JOB = Job("vqvae", "VQ-VAE", VQVAEParams, run,
    "kexue.fm/archives/6760: a codebook of K vectors, straight-through gradients, codebook and "
    "commitment losses; samples use the codes' frequencies at each position.",
    metrics=("loss", "recon", "perplexity", "commit"), datasets=images.BUILTIN,
    pictures={"image_pairs": "Originals | reconstructions", "image_grid": "Code maps", "bars": "Code usage"}, restore=restore,
    precheck=precheck.image_data(lambda p, shape, device: VQVAETask(p, shape, device), images_for="VQ-VAE"))
