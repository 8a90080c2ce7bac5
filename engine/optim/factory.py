"""Optimizers by name, with the defaults of the framework the blog used.

RMSprop follows Keras (the author's ``vae_keras.py``): ρ = 0.9 and ε = 1e-7,
where PyTorch would default to α = 0.99 and ε = 1e-8.
"""

from __future__ import annotations

from typing import Iterable

import torch

OPTIMIZERS = ("rmsprop", "adam", "sgd")


def make(name: str, parameters: Iterable[torch.nn.Parameter], lr: float) -> torch.optim.Optimizer:
    if name == "rmsprop":
        return torch.optim.RMSprop(parameters, lr=lr, alpha=0.9, eps=1e-7, foreach=True)
    if name == "adam":
        return torch.optim.Adam(parameters, lr=lr, foreach=True)
    if name == "sgd":
        return torch.optim.SGD(parameters, lr=lr, momentum=0.9, foreach=True)
    raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")
