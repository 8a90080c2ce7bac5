"""Small MLP generator and critic, for 2-D toy data and flattened small images,
and the cascading-rejection head of SEEDS.md §12.4 (kexue.fm/archives/7105).

Cascading rejection: a critic's last layer D(x) = ⟨v, w⟩ ignores the part of
the feature v orthogonal to w, so further heads judge what is left:

    v₁ = v,  Dᵢ = ⟨vᵢ, wᵢ⟩ + bᵢ,  vᵢ₊₁ = vᵢ − (⟨vᵢ, wᵢ⟩ / ‖wᵢ‖²) wᵢ.

The projection stays in the graph, as in the paper.  The loss is applied to
every Dᵢ and averaged with equal weights (the post leaves the weights open;
equal weights are the paper's default).
"""

from __future__ import annotations

import math

import torch
from torch import nn


class MLPGenerator(nn.Module):
    def __init__(self, z_dim: int, shape: tuple[int, ...], hidden: int = 256, images: bool = False) -> None:
        super().__init__()
        self.shape = shape
        out = math.prod(shape)
        layers = [nn.Linear(z_dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, out)]
        if images:
            layers.append(nn.Sigmoid())  # pixels in [0, 1]
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).view(-1, *self.shape)


class CascadeHead(nn.Module):
    """N linear heads, each on the feature's residual after the previous heads' directions."""

    def __init__(self, features: int, heads: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(heads, features) / math.sqrt(features))
        self.bias = nn.Parameter(torch.zeros(heads))

    def residuals(self, v: torch.Tensor) -> list[torch.Tensor]:
        """v₁ … v_N (each (B, F))."""
        out = [v]
        for w in self.weight[:-1]:
            out.append(out[-1] - (out[-1] @ w / w.dot(w)).unsqueeze(1) * w)
        return out

    def forward(self, v: torch.Tensor) -> torch.Tensor:
        """(B, F) → (B, N): D₁ … D_N."""
        return torch.stack([r @ w for r, w in zip(self.residuals(v), self.weight)], 1) + self.bias


class MLPCritic(nn.Module):
    """T(x): (B, 1), or (B, N) with ``heads`` = N > 1 cascading-rejection heads."""

    def __init__(self, shape: tuple[int, ...], hidden: int = 256, heads: int = 1) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(math.prod(shape), hidden), nn.LeakyReLU(0.2),
                                 nn.Linear(hidden, hidden), nn.LeakyReLU(0.2),
                                 nn.Linear(hidden, 1) if heads == 1 else CascadeHead(hidden, heads))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class MLPEncoder(nn.Module):
    """x → z, the BiGAN's inverse of the generator."""

    def __init__(self, shape: tuple[int, ...], z_dim: int, hidden: int = 256) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(math.prod(shape), hidden), nn.LeakyReLU(0.2),
                                 nn.Linear(hidden, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, z_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class JointCritic(nn.Module):
    """T(x, z) for BiGAN-QP: x through its own layer, then [features, z] through an MLP (the
    author's critic encodes the image, concatenates z, and applies two wide LeakyReLU layers)."""

    def __init__(self, shape: tuple[int, ...], z_dim: int, hidden: int = 256) -> None:
        super().__init__()
        self.x_net = nn.Sequential(nn.Flatten(), nn.Linear(math.prod(shape), hidden), nn.LeakyReLU(0.2))
        self.joint = nn.Sequential(nn.Linear(hidden + z_dim, hidden), nn.LeakyReLU(0.2),
                                   nn.Linear(hidden, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, 1))

    def forward(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        return self.joint(torch.cat([self.x_net(x), z], 1)).squeeze(-1)
