"""VQ-VAE (SEEDS.md §2, kexue.fm/archives/6760; arXiv 1711.00937).

    z = enc(x),  k = argmin_j ‖z − e_j‖²,  z_q = e_k,  x̂ = dec(z + sg[z_q − z])

    L = ‖x − x̂‖² + ‖sg[z] − z_q‖² + β‖z − sg[z_q]‖²,   β = 0.25

The codebook term has weight 1 and the commitment term β = 0.25, as in the
paper and in the author's ``vq_vae_keras.py`` (his prose calls the weights β
and γ = 0.25β; the code is what we follow).  Distances are computed as
‖z‖² + ‖e‖² − 2 z·e, the codebook starts uniform in ±1/K, and the networks
follow his: two stride-2 convolutions with batch norm, then residual blocks
(ReLU → 3×3 → BN → ReLU → 1×1, identity skip), mirrored in the decoder.  The
blog's images are 128 px; the number of stride-2 steps and residual blocks
is a parameter here so 8-px digits still keep a 4×4 code map.

Pixels stay in [0, 1] with a sigmoid output (the author scales to [−1, 1] with
tanh); the reconstruction error is the mean squared error in those units.

Dead codes — entries no encoder output picked during the last ``window``
steps — can be restarted on randomly chosen encoder outputs of the current
batch (the rule of Jukebox and of Dhariwal et al.'s code resets), so that the
perplexity does not collapse to a handful of codes.  Usage counts live in a
buffer, so they are checkpointed and a resumed run restarts the same codes.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from engine.models.conv_blocks import down, halvings, up


class Quantizer(nn.Module):
    def __init__(self, codes: int, dim: int) -> None:
        super().__init__()
        self.codebook = nn.Parameter(torch.empty(codes, dim).uniform_(-1.0 / codes, 1.0 / codes))
        self.register_buffer("usage", torch.zeros(codes))  # picks since the last dead-code check

    def nearest(self, z: torch.Tensor) -> torch.Tensor:
        """Index of the nearest code for each row of z (N, d)."""
        e = self.codebook
        dist = z.pow(2).sum(1, keepdim=True) + e.pow(2).sum(1) - 2 * z @ e.t()
        return dist.argmin(1)

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """z (B, d, H, W) → (straight-through z, z_q, indices (B, H, W))."""
        b, d, h, w = z.shape
        flat = z.permute(0, 2, 3, 1).reshape(-1, d)
        idx = self.nearest(flat.detach())
        zq = self.codebook[idx].view(b, h, w, d).permute(0, 3, 1, 2)
        if self.training:
            self.usage += torch.bincount(idx, minlength=len(self.codebook)).to(self.usage.dtype)
        return z + (zq - z).detach(), zq, idx.view(b, h, w)

    @torch.no_grad()
    def restart_dead(self, z: torch.Tensor) -> int:
        """Move every code unused since the last call onto a random encoder output of z (B, d, H, W)."""
        dead = (self.usage == 0).nonzero().squeeze(1)
        if len(dead):
            flat = z.detach().permute(0, 2, 3, 1).reshape(-1, z.shape[1])
            pick = torch.randint(len(flat), (len(dead),), device=flat.device)
            self.codebook[dead] = flat[pick]
        self.usage.zero_()
        return len(dead)


def vq_losses(x: torch.Tensor, recon: torch.Tensor, z: torch.Tensor, zq: torch.Tensor,
              beta: float) -> dict[str, torch.Tensor]:
    """The three terms of the VQ-VAE loss and their sum (means over elements, as the author's code)."""
    terms = {"recon": F.mse_loss(recon, x), "codebook": F.mse_loss(zq, z.detach()),
             "commit": F.mse_loss(z, zq.detach())}
    terms["loss"] = terms["recon"] + terms["codebook"] + beta * terms["commit"]
    return terms


def perplexity(idx: torch.Tensor, codes: int) -> torch.Tensor:
    """exp(entropy) of the code usage: K when all codes are used equally, 1 when one code is."""
    p = torch.bincount(idx.flatten(), minlength=codes).float()
    p = p / p.sum()
    return torch.exp(-(p * torch.log(p.clamp_min(1e-12))).sum())


class Residual(nn.Module):
    def __init__(self, ch: int) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.ReLU(), nn.Conv2d(ch, ch, 3, padding=1), nn.BatchNorm2d(ch), nn.ReLU(),
                                  nn.Conv2d(ch, ch, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class VQVAE(nn.Module):
    def __init__(self, shape: tuple[int, int, int], codes: int = 64, dim: int = 64, channels: int = 64,
                 downsample: int = 2, blocks: int = 2) -> None:
        super().__init__()
        c, h, w = shape
        sizes = halvings((h, w), downsample)
        if downsample < 1 or min(h, w) < 2 ** downsample:
            raise ValueError(f"{h}×{w} images cannot be halved {downsample} time(s)")
        self.shape, self.grid = shape, sizes[-1]
        enc: list[nn.Module] = []
        for i in range(downsample):
            enc += [down(c if i == 0 else channels, channels, sizes[i]), nn.BatchNorm2d(channels)]
            if i < downsample - 1:
                enc.append(nn.ReLU())
        for _ in range(blocks):
            enc += [Residual(channels), nn.BatchNorm2d(channels)]
        enc.append(nn.Conv2d(channels, dim, 1))
        self.encoder = nn.Sequential(*enc)
        self.quantizer = Quantizer(codes, dim)
        dec: list[nn.Module] = [nn.Conv2d(dim, channels, 1)]
        for _ in range(blocks):
            dec += [nn.BatchNorm2d(channels), Residual(channels)]
        for i in reversed(range(downsample)):
            dec += [nn.BatchNorm2d(channels), nn.ReLU(), up(channels, channels if i else c, sizes[i], sizes[i + 1])]
        self.decoder = nn.Sequential(*dec)
        # how often each code was picked at each position in training: the sampling prior
        self.register_buffer("code_counts", torch.zeros(math.prod(self.grid), codes))

    def count_codes(self, idx: torch.Tensor) -> None:
        k = self.code_counts.shape[1]
        flat = (torch.arange(self.code_counts.shape[0], device=idx.device) * k + idx.flatten(1)).flatten()
        self.code_counts.view(-1).scatter_add_(0, flat, torch.ones_like(flat, dtype=self.code_counts.dtype))

    @torch.no_grad()
    def sample(self, n: int) -> torch.Tensor:
        """Decode code maps drawn position by position from the training code frequencies.

        A factorised prior: far weaker than the paper's PixelCNN or the author's
        PixelAtt (which he calls feasible but not good), but it needs no second
        model and shows what the codebook has learned to draw."""
        probs = self.code_counts + 1e-6
        idx = torch.multinomial(probs / probs.sum(1, keepdim=True), n, replacement=True).t()
        return self.decode_indices(idx.reshape(n, *self.grid))

    @property
    def bits(self) -> float:
        """Information per image in the code map: H·W·log₂K."""
        return math.prod(self.grid) * math.log2(len(self.quantizer.codebook))

    def decode(self, zq: torch.Tensor) -> torch.Tensor:
        """Pixel means in [0, 1]."""
        return torch.sigmoid(self.decoder(zq))

    def decode_indices(self, idx: torch.Tensor) -> torch.Tensor:
        return self.decode(self.quantizer.codebook[idx].permute(0, 3, 1, 2))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """x → (x̂, z, z_q, indices)."""
        z = self.encoder(x)
        st, zq, idx = self.quantizer(z)
        return self.decode(st), z, zq, idx
