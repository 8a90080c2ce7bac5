"""Deep INFOMAX as the author derives it (SEEDS.md §9.3–9.4, kexue.fm/archives/6024, 6088).

The encoder alone is trained: maximise the mutual information between an image
and its code, estimated through the Jensen–Shannon dual

    JS ≈ E_{(x, z) joint}[ln σ(T)] + E_{(x, z) shuffled}[ln(1 − σ(T))],

globally (the whole last feature map, flattened, against z — as Hjelm et al.'s
global term; pairing z with the pooled vector it is computed from would let the
critic check a linear map instead of judging the image) and locally (every cell C_ij of
the last feature map against z), and pull p(z|x) towards N(0, I):

    L = −α JS_global − (β / hw) Σ_ij JS_local(C_ij, z) + (γ / d) KL(p(z|x) ‖ N(0, I)),
    α = 0.5, β = 1.5, γ = 0.01.

The prior term follows the author's code (``prior_kl_loss``, a mean over the batch
and the d latent dimensions), not the post's formula with the KL summed over them:
γ = 0.01 was tuned for the mean, and the sum would weigh the prior d times more
(γ ≈ 0.64 in the author's units at d = 64).

Negative pairs take z from another image of the batch (a random derangement, so
no image is paired with itself).  ln σ(T) is evaluated as logsigmoid rather
than the author's ln(σ(T) + 1e-6): the same quantity without the floor.

The encoder is the author's CIFAR one scaled to small images:
[Conv3×3 → BN → LeakyReLU(0.2) → MaxPool2] blocks (channels doubling), the
last map as the local features, then 2 × [Conv3×3 → BN → LeakyReLU] →
global max pool → (μ, log σ²).  Discriminators are three-layer ReLU MLPs,
the local one applied position-wise with 1×1 convolutions.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from engine.models.vae import gaussian_kl, reparameterize


def pool_steps(size: int, most: int = 3) -> int:
    """Max-pool halvings that leave a local map at least 2 cells wide (the author: 3)."""
    steps = 0
    while steps < most and size // 2 >= 2:
        size //= 2
        steps += 1
    return steps


class Encoder(nn.Module):
    def __init__(self, channels_in: int, size: int, z_dim: int, width: int = 32) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c = channels_in
        steps = pool_steps(size)
        if steps == 0:
            raise ValueError(f"{size}-px images are too small for the local features (at least 4 px)")
        for i in range(steps):
            out = width * 2 ** i
            layers += [nn.Conv2d(c, out, 3, padding=1), nn.BatchNorm2d(out), nn.LeakyReLU(0.2), nn.MaxPool2d(2)]
            c = out
        self.local = nn.Sequential(*layers)
        self.steps = steps
        self.features = c
        self.top = nn.Sequential(*[m for _ in range(2) for m in (nn.Conv2d(c, c, 3, padding=1), nn.BatchNorm2d(c),
                                                                  nn.LeakyReLU(0.2))])
        self.mu = nn.Linear(c, z_dim)
        self.logvar = nn.Linear(c, z_dim)

    def grid(self, size: tuple[int, int]) -> tuple[int, int]:
        """Cells of the local map for an image of ``size``."""
        return tuple(s // 2 ** self.steps for s in size)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """x → (local map C, pooled global feature, μ, log σ²)."""
        local = self.local(x)
        pooled = self.top(local).amax(dim=(2, 3))
        return local, pooled, self.mu(pooled), self.logvar(pooled)


def mlp(inputs: int, hidden: int, conv: bool = False) -> nn.Sequential:
    layer = (lambda a, b: nn.Conv2d(a, b, 1)) if conv else nn.Linear
    return nn.Sequential(layer(inputs, hidden), nn.ReLU(), layer(hidden, hidden), nn.ReLU(),
                         layer(hidden, hidden), nn.ReLU(), layer(hidden, 1))


def js_estimate(t_pos: torch.Tensor, t_neg: torch.Tensor) -> torch.Tensor:
    """E[ln σ(T₊)] + E[ln(1 − σ(T₋))]: its supremum over T is 2·JS − ln 4, between −ln 4 and 0."""
    return F.logsigmoid(t_pos).mean() + F.logsigmoid(-t_neg).mean()


def derangement(n: int, device: torch.device) -> torch.Tensor:
    """A random permutation with no fixed point (n ≥ 2): a random shift of a random order."""
    order = torch.randperm(n, device=device)
    shift = torch.randint(1, n, (1,), device=device)
    out = torch.empty_like(order)
    out[order] = order[(torch.arange(n, device=device) + shift) % n]
    return out


class DeepInfoMax(nn.Module):
    def __init__(self, shape: tuple[int, int, int], z_dim: int = 64, width: int = 32, hidden: int = 256) -> None:
        super().__init__()
        c, h, w = shape
        self.encoder = Encoder(c, min(h, w), z_dim, width)
        f = self.encoder.features
        self.global_d = mlp(f * math.prod(self.encoder.grid((h, w))) + z_dim, hidden)
        self.local_d = mlp(f + z_dim, hidden, conv=True)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """The representation used downstream: μ."""
        return self.encoder(x)[2]

    def losses(self, x: torch.Tensor, alpha: float, beta: float, gamma: float) -> dict[str, torch.Tensor]:
        local, _, mu, logvar = self.encoder(x)
        z = reparameterize(mu, logvar)
        other = z[derangement(len(x), x.device)]
        flat = local.flatten(1)
        js_g = js_estimate(self.global_d(torch.cat([flat, z], 1)), self.global_d(torch.cat([flat, other], 1)))
        h, w = local.shape[2:]

        def tiled(v: torch.Tensor) -> torch.Tensor:
            return torch.cat([local, v[:, :, None, None].expand(-1, -1, h, w)], 1)

        js_l = js_estimate(self.local_d(tiled(z)), self.local_d(tiled(other)))  # mean over cells = (1/hw) Σ
        kl = gaussian_kl(mu, logvar).mean() / mu.shape[1]  # per latent dimension, as the author's prior_kl_loss
        return {"loss": -alpha * js_g - beta * js_l + gamma * kl, "js_global": js_g, "js_local": js_l, "kl": kl}
