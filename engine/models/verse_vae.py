"""The CNN + VAE that writes five-character couplets (kexue.fm/archives/5332, ``bojone/vae/vae_shi.py``).

    encoder: ids (B, 10) → embedding (B, 10, 64) → GCNN → GCNN → mean over the
             10 positions → μ, log σ² (64 each)
    decoder: z (64) → Dense(64 × 10) → (10, 64) → GCNN → Dense(V): logits per position

A gated CNN layer is a Conv1D of kernel 3 ('same' padding, no bias, as the
author's layer) to twice the channels, split into A and B, output A ⊙ σ(B)
plus its input (residual).  Loss per couplet: the per-position cross-entropy
summed over the ten positions, plus KL(N(μ, σ²) ‖ N(0, I)).

Initialisation follows Keras, as the post's results came with it: Glorot
uniform kernels, zero biases, embeddings uniform in ±0.05.  Couplets always
have ten characters, so nothing is padded and no mask (SEEDS.md §20) is needed.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from engine.models.vae import reparameterize


class GatedConv1d(nn.Module):
    """A ⊙ σ(B) of a kernel-3 convolution to 2 × channels, plus the input. Takes (B, L, C)."""

    def __init__(self, channels: int, kernel: int = 3) -> None:
        super().__init__()
        self.conv = nn.Conv1d(channels, 2 * channels, kernel, padding=kernel // 2, bias=False)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        a, b = self.conv(h.transpose(1, 2)).chunk(2, dim=1)
        return (a * torch.sigmoid(b)).transpose(1, 2) + h


class VerseVAE(nn.Module):
    def __init__(self, vocab: int, length: int = 10, hidden: int = 64, latent: int = 64) -> None:
        super().__init__()
        self.length, self.hidden, self.latent = length, hidden, latent
        self.embed = nn.Embedding(vocab, hidden)
        self.encoder = nn.Sequential(GatedConv1d(hidden), GatedConv1d(hidden))
        self.mu = nn.Linear(hidden, latent)
        self.logvar = nn.Linear(hidden, latent)
        self.expand = nn.Linear(latent, hidden * length)
        self.decoder = GatedConv1d(hidden)
        self.out = nn.Linear(hidden, vocab)
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Conv1d)):
                nn.init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
        nn.init.uniform_(self.embed.weight, -0.05, 0.05)

    def encode(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(self.embed(ids)).mean(dim=1)
        return self.mu(h), self.logvar(h)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Logits (B, 10, V) of each position's character."""
        h = self.expand(z).view(-1, self.length, self.hidden)
        return self.out(self.decoder(h))

    def forward(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mu, logvar = self.encode(ids)
        return self.decode(reparameterize(mu, logvar)), mu, logvar


def reconstruction(logits: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """−ln q(x|z) per couplet: the cross-entropy of each position, summed over the ten."""
    per_position = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), ids.reshape(-1), reduction="none")
    return per_position.view(ids.shape).sum(dim=1)  # rows, not (B, V, 10) columns: twice as fast on a CPU


def pick(logits: torch.Tensor, temperature: float = 0.0, generator: torch.Generator | None = None) -> torch.Tensor:
    """Character ids (B, 10): the most likely at each position (temperature 0, the post's
    greedy decoding), or drawn from softmax(logits / temperature)."""
    if temperature <= 0:
        return logits.argmax(dim=-1)
    probs = torch.softmax(logits.float() / temperature, dim=-1)
    flat = torch.multinomial(probs.reshape(-1, probs.shape[-1]), 1, generator=generator)
    return flat.view(probs.shape[:-1])
