"""The dilated residual Conv1D of "基于Conv1D的光谱分类模型" (SEEDS.md §11,
kexue.fm/archives/5505) and its differentiable macro-F1.

BLOCK(f): three stacked [Conv1D(2f, kernel 3, dilation 1, 2, 4, ReLU) → sum of
the two channel halves (a maxout-like merge to f)], plus a residual (1×1
projection when the channel count changes).  The network is
BLOCK16 → pool → BLOCK16 → pool → BLOCK32 → … → BLOCK128 (seven max-pools),
dropout 0.5 → global max pool → Dense(128, ReLU) → class logits.  The pools
follow the author's Keras ``MaxPooling1D(2)``, which floors (an odd last
position is dropped): 2,600 points → 1300 → 650 → 325 → 162 → 81 → 40 → 20.

The author's dropout has noise shape (batch, L, 1) in Keras' channels-last
layout: one mask value per time step shared by all channels, so whole
positions are dropped; that is what is done here (mask shape (B, 1, L)).

Macro-F1 surrogate: for one-hot y and softmax ŷ over K classes,
    F̃ = (2/K) Σ_c Σᵢ yᵢc ŷᵢc / Σᵢ (yᵢc + ŷᵢc),   loss = −ln F̃,
which equals the macro-F1 exactly when ŷ is one-hot (V22): 2TP/(|T| + |P|) = F1.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

WIDTHS = (16, 16, 32, 32, 64, 64, 128, 128)


class Block(nn.Module):
    def __init__(self, c_in: int, filters: int) -> None:
        super().__init__()
        self.convs = nn.ModuleList(nn.Conv1d(c_in if i == 0 else filters, 2 * filters, 3, padding=d, dilation=d)
                                   for i, d in enumerate((1, 2, 4)))
        self.skip = nn.Identity() if c_in == filters else nn.Conv1d(c_in, filters, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        for conv in self.convs:
            a, b = F.relu(conv(h)).chunk(2, dim=1)
            h = a + b
        return h + self.skip(x)


class PositionDropout(nn.Module):
    """Drops whole time steps (all channels at once) with probability p, scaling the rest by 1/(1−p)."""

    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        keep = (torch.rand(x.shape[0], 1, x.shape[2], device=x.device) >= self.p).to(x.dtype)
        return x * keep / (1 - self.p)


class SpectraNet(nn.Module):
    def __init__(self, classes: int, dropout: float = 0.5, widths: tuple[int, ...] = WIDTHS) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c = 1
        for i, w in enumerate(widths):
            if i:
                layers.append(nn.MaxPool1d(2))
            layers.append(Block(c, w))
            c = w
        self.features = nn.Sequential(*layers)
        self.drop = PositionDropout(dropout)
        self.head = nn.Sequential(nn.Linear(c, 128), nn.ReLU(), nn.Linear(128, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, L) → logits (B, K)."""
        h = self.drop(self.features(x.unsqueeze(1)))
        return self.head(h.amax(dim=2))

    def penultimate(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, L) → the 128 ReLU units the class logits are read from: what the net learned."""
        h = self.drop(self.features(x.unsqueeze(1)))
        return self.head[:2](h.amax(dim=2))


def soft_macro_f1(probs: torch.Tensor, onehot: torch.Tensor) -> torch.Tensor:
    """(2/K) Σ_c Σ y ŷ / Σ (y + ŷ); a class absent from both y and ŷ counts as 0, as scikit-learn's default."""
    k = probs.shape[1]
    tp = (onehot * probs).sum(0)
    denom = (onehot + probs).sum(0)
    return (2.0 / k) * (tp / denom.clamp_min(1e-12)).sum()


def f1_loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    probs = logits.softmax(1)
    return -torch.log(soft_macro_f1(probs, F.one_hot(y, probs.shape[1]).to(probs.dtype)).clamp_min(1e-12))
