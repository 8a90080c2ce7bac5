"""A noise-conditional denoiser and the annealed Langevin sampler built on it
(SEEDS.md §12.5, kexue.fm/archives/7038).

The post's result: for y = x + ε, ε ~ N(0, σ²I), the best denoiser is

    r*(y) = E[x | y] = y + σ² ∇ log p̂(y),   p̂ = p ∗ N(0, σ²I),

so a trained denoiser gives the score s(y) = (r(y) − y) / σ².  The net here
predicts the noise, r(y, σ) = y − σ f(y, log σ), and is trained on
‖r − x‖² / σ² = ‖f − ε/σ‖², averaged over a geometric ladder of σ — the
annealed denoising score matching the post credits as the key trick, with the
weighting λ(σ) = σ² of Song & Ermon (NCSN, arXiv 1907.05600).

Sampling is the annealed Langevin dynamics of the same paper: for each σᵢ from
the largest down, T steps of x ← x + (αᵢ/2) s(x, σᵢ) + √αᵢ z with
αᵢ = ε σᵢ² / σ_L², then, as the post says, one last denoising x ← r(x, σ_L).
Written here because no maintained library offers it for arbitrary nets.
"""

from __future__ import annotations

import math
from typing import Callable

import torch
from torch import nn


def ladder(sigma_max: float, sigma_min: float, levels: int) -> torch.Tensor:
    """σ₁ > … > σ_L, geometric (a single level is σ_min)."""
    if levels == 1:
        return torch.tensor([sigma_min])
    return torch.exp(torch.linspace(math.log(sigma_max), math.log(sigma_min), levels))


class Denoiser(nn.Module):
    """r(y, σ) = y − σ f([y, log σ]) with f an MLP on flattened samples.

    It carries its noise ladder and the data's range (where sampling starts)
    as buffers, so a checkpoint alone is enough to sample from."""

    def __init__(self, shape: tuple[int, ...], hidden: int = 256, sigmas: torch.Tensor | None = None,
                 low: torch.Tensor | None = None, high: torch.Tensor | None = None) -> None:
        super().__init__()
        self.shape = shape
        d = math.prod(shape)
        self.register_buffer("sigmas", torch.as_tensor(sigmas if sigmas is not None else [1.0]).float())
        self.register_buffer("low", torch.as_tensor(low if low is not None else 0.0).float().reshape(-1))
        self.register_buffer("high", torch.as_tensor(high if high is not None else 1.0).float().reshape(-1))
        self.f = nn.Sequential(nn.Linear(d + 1, hidden), nn.SiLU(), nn.Linear(hidden, hidden), nn.SiLU(),
                               nn.Linear(hidden, hidden), nn.SiLU(), nn.Linear(hidden, d))

    def noise(self, y: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        """f: the predicted ε/σ for each row of y, whose σ is ``sigma`` (B,)."""
        scale = (1.0 + sigma.pow(2)).rsqrt().unsqueeze(1)  # inputs of about unit size at every level
        inp = torch.cat([y.flatten(1) * scale, sigma.log().unsqueeze(1)], 1)
        return self.f(inp).view_as(y)

    def forward(self, y: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        return y - _col(sigma, y) * self.noise(y, sigma)

    def start(self, n: int) -> torch.Tensor:
        """Uniform noise over the data's range: where the sampler begins."""
        u = torch.rand(n, math.prod(self.shape), device=self.low.device)
        return (self.low + (self.high - self.low) * u).view(n, *self.shape)

    def score(self, y: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        """(r − y) / σ² = −f / σ."""
        return -self.noise(y, sigma) / _col(sigma, y)


def _col(sigma: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return sigma.view(-1, *[1] * (like.dim() - 1))


def dsm_loss(model: Denoiser, x: torch.Tensor, sigmas: torch.Tensor) -> torch.Tensor:
    """Mean over the batch of ‖r(x + σε, σ) − x‖² / σ², each row at a random level of the ladder."""
    sigma = sigmas[torch.randint(len(sigmas), (len(x),), device=x.device)]
    eps = torch.randn_like(x)
    r = model(x + _col(sigma, x) * eps, sigma)
    return ((r - x) / _col(sigma, x)).pow(2).flatten(1).sum(1).mean()


@torch.no_grad()
def annealed_langevin(model: Denoiser, x: torch.Tensor, sigmas: torch.Tensor, steps: int, eps: float,
                      keep: Callable[[int, int], bool] | None = None) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Run the sampler from x; returns (final denoised samples, snapshots).

    ``keep(level, step)`` says which intermediate states to snapshot (the
    starting point is always the first snapshot, the denoised end the last)."""
    snaps = [x.clone()]
    last = sigmas[-1]
    for i, sigma in enumerate(sigmas):
        alpha = eps * (sigma / last) ** 2
        s = torch.full((len(x),), float(sigma), device=x.device)
        for t in range(steps):
            x = x + alpha / 2 * model.score(x, s) + alpha.sqrt() * torch.randn_like(x)
            if keep is not None and keep(i, t):
                snaps.append(x.clone())
    x = model(x, torch.full((len(x),), float(last), device=x.device))
    snaps.append(x.clone())
    return x, snaps
