"""The capsule network of kexue.fm/archives/5112 (SEEDS.md §13) and its CNN baseline.

Both share the author's trunk (``bojone/Capsule``, capsule_test.py): Conv 64 → Conv 64 →
AvgPool 2 → Conv 128 → Conv 128, 3×3, ReLU.  The baseline ends in global average pooling →
Dense 128 ReLU → Dense 10 sigmoid; the capsule model reads every position of the last
feature map as an input capsule (128-d) into ``Capsule(10, 16, 3, True)`` and scores each
class by its capsule's length.  Both train with the margin loss
T·max(0, 0.9 − s)² + 0.25·(1 − T)·max(0, s − 0.1)², averaged over classes as the code does.

The layer follows the author's final Keras code: one matrix W shared by all input
capsules (so any image size works, and the model can read two digits at once), logits
starting at 0, ``routings`` softmax passes with the capsules l2-normalised between them,
and the squash ‖v‖²/(0.5 + ‖v‖²)·v/‖v‖ once at the end — the same iteration as
:func:`engine.maths.routing.author_routing` with ``routings − 1`` updates after the
uniform start (a test holds the two to each other).

The trunk's convolutions are unpadded as the author's on MNIST-sized images; on
images under 16 px (the bundled 8×8 digits) four unpadded 3×3 convolutions and a
pooling would leave nothing, so they are padded there.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

MODELS = ("capsule", "cnn")
SMALL = 16  # images below this size get padded convolutions


def squash(v: torch.Tensor, constant: float = 0.5, dim: int = -1) -> torch.Tensor:
    """‖v‖²/(constant + ‖v‖²) · v/‖v‖, with the author's ε inside the norm (no 0/0)."""
    norm2 = v.square().sum(dim, keepdim=True) + 1e-7
    return v * (norm2.sqrt() / (constant + norm2))


def margin_loss(scores: torch.Tensor, labels: torch.Tensor, upper: float = 0.9, lower: float = 0.1,
                down_weight: float = 0.25) -> torch.Tensor:
    """The margin loss per sample (mean over the classes)."""
    target = F.one_hot(labels, scores.shape[1]).to(scores.dtype)
    loss = target * F.relu(upper - scores).square() + down_weight * (1 - target) * F.relu(scores - lower).square()
    return loss.mean(1)


class Capsule(nn.Module):
    """``num_capsule`` output capsules of ``dim_capsule`` dimensions from input capsules of
    ``in_dim`` dimensions, with one shared transform (Glorot-uniform, as Keras initialises it)."""

    def __init__(self, in_dim: int, num_capsule: int = 10, dim_capsule: int = 16, routings: int = 3,
                 constant: float = 0.5) -> None:
        super().__init__()
        self.num_capsule, self.dim_capsule, self.routings, self.constant = num_capsule, dim_capsule, routings, constant
        self.weight = nn.Parameter(torch.empty(in_dim, num_capsule * dim_capsule))
        nn.init.xavier_uniform_(self.weight)

    def predictions(self, u: torch.Tensor) -> torch.Tensor:
        """û (batch, n_in, num_capsule, dim_capsule) = W_j u_i."""
        return (u @ self.weight).view(*u.shape[:2], self.num_capsule, self.dim_capsule)

    def forward(self, u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Output capsules (batch, num_capsule, dim_capsule) and the last couplings (batch, n_in, num_capsule)."""
        u_hat = self.predictions(u)
        logits = u.new_zeros(u_hat.shape[:3])
        for i in range(self.routings):
            coupling = logits.softmax(2)
            v = torch.einsum("bij,bijd->bjd", coupling, u_hat)
            if i < self.routings - 1:
                logits = torch.einsum("bjd,bijd->bij", F.normalize(v, dim=-1), u_hat)
        return squash(v, self.constant), coupling


def trunk(channels: int, small: bool) -> nn.Sequential:
    pad = 1 if small else 0
    return nn.Sequential(
        nn.Conv2d(channels, 64, 3, padding=pad), nn.ReLU(), nn.Conv2d(64, 64, 3, padding=pad), nn.ReLU(),
        nn.AvgPool2d(2),
        nn.Conv2d(64, 128, 3, padding=pad), nn.ReLU(), nn.Conv2d(128, 128, 3, padding=pad), nn.ReLU())


class CapsuleNet(nn.Module):
    def __init__(self, shape: tuple[int, int, int], classes: int = 10, dim_capsule: int = 16, routings: int = 3,
                 constant: float = 0.5) -> None:
        super().__init__()
        self.trunk = trunk(shape[0], min(shape[1:]) < SMALL)
        self.capsule = Capsule(128, classes, dim_capsule, routings, constant)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class scores in [0, 1): the output capsules' lengths."""
        return self.capsules(x).norm(dim=-1)

    def capsules(self, x: torch.Tensor) -> torch.Tensor:
        features = self.trunk(x)  # (batch, 128, h, w): h·w input capsules
        return self.capsule(features.flatten(2).transpose(1, 2))[0]


class PoolingCNN(nn.Module):
    def __init__(self, shape: tuple[int, int, int], classes: int = 10) -> None:
        super().__init__()
        self.trunk = trunk(shape[0], min(shape[1:]) < SMALL)
        self.head = nn.Sequential(nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class scores in (0, 1): sigmoids, one per class."""
        return torch.sigmoid(self.head(self.trunk(x).mean((2, 3))))


def build(model: str, shape: tuple[int, int, int], classes: int = 10, dim_capsule: int = 16, routings: int = 3,
          constant: float = 0.5) -> nn.Module:
    if model == "capsule":
        return CapsuleNet(shape, classes, dim_capsule, routings, constant)
    if model == "cnn":
        return PoolingCNN(shape, classes)
    raise ValueError(f"model must be one of {MODELS}; got {model!r}")


def side_by_side(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The post's test set: each image next to its neighbour in the (shuffled) batch, pairs of
    equal digits left out.  Returns images (m, C, H, 2W) and the sorted label pairs (m, 2).
    (The author's script stacks the two along the height; the post and the issue put them side by
    side — the shared-weight model reads either.)"""
    other = torch.roll(torch.arange(len(x), device=x.device), -1)
    keep = y != y[other]
    images = torch.cat([x[keep], x[other][keep]], dim=3)
    labels = torch.stack([y[keep], y[other][keep]], 1).sort(1).values
    return images, labels


def pair_hits(scores: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per pair: the top-2 classes are the two digits; and that with both scores > 0.5."""
    top = scores.topk(2, dim=1)
    hit = (top.indices.sort(1).values == labels).all(1)
    return hit, hit & (top.values[:, 1] > 0.5)
