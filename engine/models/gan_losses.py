"""The GAN losses of SEEDS.md §12, as (critic loss, generator loss) pairs.

Each critic loss is minimised by the critic and each generator loss by the
generator; T is the critic's raw output.

* standard — the non-saturating GAN: critic softplus(−T(real)) + softplus(T(fake)),
  generator softplus(−T(fake)).
* wgan-gp — critic T(fake) − T(real) + λ(‖∇T(x̂)‖ − 1)² on real–fake interpolates x̂ (λ = 10).
* wgan-div — the author's code (kexue.fm/archives/6139, ``wgan_div_celeba.py``):
  critic T(real) − T(fake) + (k/2)(‖∇T(real)‖ᵖ + ‖∇T(fake)‖ᵖ) with k = 2, p = 6, generator
  T(fake); the mirrored sign of the blog's formula, the same divergence.
* gan-qp — kexue.fm/archives/6163: critic −ΔT + ΔT²/(2λd) with ΔT = T(real) − T(fake),
  d the L1 (mean |·|) or L2 (root-mean-square) distance of each pair, λ = 10; generator
  ΔT only (never the quadratic term).

A critic may return several outputs (B, N) — the heads of cascading rejection
(``gan_nets.CascadeHead``): every loss then averages over heads with equal
weights, and a gradient penalty is taken on each head's own gradient.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

LOSSES = ("standard", "wgan-gp", "wgan-div", "gan-qp")


def outputs(critic: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """T(x) as (B,) for a one-output critic, (B, N) for N heads."""
    t = critic(x)
    return t.squeeze(-1) if t.shape[-1] == 1 else t


def grad_norm(critic: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """‖∇ₓT(x)‖ per sample (and per head), kept in the graph so a penalty on it trains the critic."""
    x = x.detach().requires_grad_(True)
    t = critic(x)
    norms = []
    for i in range(t.shape[-1]):
        (grad,) = torch.autograd.grad(t[:, i].sum(), x, create_graph=True, retain_graph=True)
        norms.append(grad.flatten(1).norm(dim=1))
    return norms[0] if len(norms) == 1 else torch.stack(norms, 1)


def wgan_gp_penalty(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor, weight: float = 10.0,
                    alpha: torch.Tensor | None = None) -> torch.Tensor:
    if alpha is None:
        alpha = torch.rand(len(real), *[1] * (real.dim() - 1), device=real.device)
    mixed = alpha * real + (1 - alpha) * fake
    return weight * (grad_norm(critic, mixed) - 1).pow(2).mean()


def wgan_div_penalty(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor, k: float = 2.0,
                     p: float = 6.0) -> torch.Tensor:
    return k / 2 * (grad_norm(critic, real).pow(p).mean() + grad_norm(critic, fake).pow(p).mean())


def pair_distance(real: torch.Tensor, fake: torch.Tensor, norm: str) -> torch.Tensor:
    diff = (real - fake).flatten(1)
    return diff.abs().mean(dim=1) if norm == "l1" else diff.pow(2).mean(dim=1).sqrt()


def critic_loss(name: str, critic: nn.Module, real: torch.Tensor, fake: torch.Tensor, *,
                qp_lambda: float = 10.0, qp_norm: str = "l2") -> torch.Tensor:
    t_real, t_fake = outputs(critic, real), outputs(critic, fake)
    if name == "standard":
        return (F.softplus(-t_real) + F.softplus(t_fake)).mean()
    if name == "wgan-gp":
        return (t_fake - t_real).mean() + wgan_gp_penalty(critic, real, fake)
    if name == "wgan-div":
        return (t_real - t_fake).mean() + wgan_div_penalty(critic, real, fake)
    if name == "gan-qp":
        delta = t_real - t_fake
        scale = qp_lambda * pair_distance(real, fake, qp_norm)
        scale = scale if delta.dim() == 1 else scale.unsqueeze(1)
        return (-delta + delta.pow(2) / (2 * scale.clamp_min(1e-8))).mean()
    raise ValueError(f"unknown GAN loss {name!r}; choose one of {', '.join(LOSSES)}")


def generator_loss(name: str, critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    t_fake = outputs(critic, fake)
    if name == "standard":
        return F.softplus(-t_fake).mean()
    if name == "wgan-gp":
        return -t_fake.mean()
    if name == "wgan-div":
        return t_fake.mean()
    if name == "gan-qp":
        return (outputs(critic, real) - t_fake).mean()
    raise ValueError(f"unknown GAN loss {name!r}; choose one of {', '.join(LOSSES)}")
