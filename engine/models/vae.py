"""The VAE of "变分自编码器（一）原来是这么一回事" (kexue.fm/archives/5253, 5343).

Loss per image (SEEDS.md §9.1), with q(z) = N(0, I) and p(z|x) = N(μ, diag σ²):

    L = −ln q(x|z) + KL(p(z|x) ‖ q(z)),   KL = ½ Σ_k (μ_k² + σ_k² − ln σ_k² − 1),
    z = μ + ε ⊙ σ,  σ = exp(½ log σ²),  one sample of ε per image.

Bernoulli decoder → summed pixel binary cross-entropy (the blog's MNIST demo);
Gaussian decoder with fixed σ̃ → ‖x − μ̃‖² / (2σ̃²) (the constant ½D ln 2πσ̃² is
dropped, so only differences of this term are meaningful).

Shapes follow the author's Keras demos (``bojone/vae``): the MLP
(``vae_keras.py``) is D → 256 ReLU → (μ, log σ²) and back 2 → 256 ReLU → D; the
conv version (``vae_keras_cnn.py``) is Conv(32, 3×3, s2) → Conv(64, 3×3, s2) →
Dense(16, ReLU) → (μ, log σ²), and back Dense(64·h/4·w/4, ReLU) →
ConvT(64, 3×3, s2) → ConvT(32, 3×3, s2) → ConvT(1, 3×3, s1), all ReLU but the
last.  The decoder returns logits; the sigmoid is applied inside the loss
(numerically safer, the same model).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from engine.models.conv_blocks import halvings, up


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(μ, σ²) ‖ N(0, I)) per row, summed over the latent dimensions."""
    return 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1.0).sum(dim=-1)


def standard_normal(like: torch.Tensor) -> torch.Tensor:
    """ε ~ N(0, I) shaped like ``like``, as Φ⁻¹ of uniform draws (exact quantiles).

    On the CPU torch draws uniforms one after another while ``randn`` transforms
    blocks of 16, so here a batch's noise is the noise of its parts in a row:
    k accumulated batches of b see the ε of one batch of k·b (SEEDS.md §14.5)."""
    u = torch.rand(like.shape, device=like.device).add_(2.0 ** -25)  # multiples of 2⁻²⁴, moved into (0, 1)
    return torch.special.ndtri(u).to(like.dtype)


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    return mu + standard_normal(mu) * torch.exp(0.5 * logvar)


def reconstruction_nll(logits: torch.Tensor, x: torch.Tensor, likelihood: str, sigma: float) -> torch.Tensor:
    """−ln q(x|z) per image (summed over pixels) for the chosen decoder likelihood."""
    if likelihood == "bernoulli":
        per_pixel = F.binary_cross_entropy_with_logits(logits, x, reduction="none")
    else:
        per_pixel = (torch.sigmoid(logits) - x).pow(2) / (2.0 * sigma * sigma)
    return per_pixel.flatten(1).sum(dim=1)


class MLPVAE(nn.Module):
    def __init__(self, shape: tuple[int, int, int], latent: int = 2, hidden: int = 256) -> None:
        super().__init__()
        self.shape = shape
        d = math.prod(shape)
        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(d, hidden), nn.ReLU())
        self.mu = nn.Linear(hidden, latent)
        self.logvar = nn.Linear(hidden, latent)
        self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, d))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(x)
        return self.mu(h), self.logvar(h)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z).view(-1, *self.shape)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mu, logvar = self.encode(x)
        return self.decode(reparameterize(mu, logvar)), mu, logvar


class ConvVAE(nn.Module):
    """Works for any image size: each transposed convolution's output padding
    is chosen so the decoder returns exactly the encoder's input size."""

    def __init__(self, shape: tuple[int, int, int], latent: int = 2, hidden: int = 16) -> None:
        super().__init__()
        self.shape = shape
        c, h, w = shape
        sizes = halvings((h, w), 2)
        self.inner = (64, *sizes[-1])
        flat = math.prod(self.inner)
        self.encoder = nn.Sequential(
            nn.Conv2d(c, 32, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(flat, hidden), nn.ReLU())
        self.mu = nn.Linear(hidden, latent)
        self.logvar = nn.Linear(hidden, latent)

        self.decoder_in = nn.Sequential(nn.Linear(latent, flat), nn.ReLU())
        self.decoder = nn.Sequential(
            up(64, 64, sizes[1], sizes[2], kernel=3), nn.ReLU(),
            up(64, 32, sizes[0], sizes[1], kernel=3), nn.ReLU(),
            nn.ConvTranspose2d(32, c, 3, padding=1))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(x)
        return self.mu(h), self.logvar(h)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.decoder_in(z).view(-1, *self.inner))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mu, logvar = self.encode(x)
        return self.decode(reparameterize(mu, logvar)), mu, logvar


ARCHS = {"mlp": MLPVAE, "conv": ConvVAE}


def build(arch: str, shape: tuple[int, int, int], latent: int = 2, hidden: int = 0) -> nn.Module:
    """The VAE of ``arch``; ``hidden`` 0 keeps the author's width for it (MLP 256, conv 16)."""
    return ARCHS[arch](shape, latent=latent, **({"hidden": hidden} if hidden else {}))
