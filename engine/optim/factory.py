"""Base optimizers by name, with the defaults of the framework the blog used.

RMSprop follows Keras (the author's ``vae_keras.py``): ρ = 0.9 and ε = 1e-7,
where PyTorch would default to α = 0.99 and ε = 1e-8.  The bases that have a
fused kernel for the parameters' device use it (CUDA; the CPU from PyTorch
2.4, where Adam's fused step over a VAE's 1.6 MB of weights takes 0.22 ms
against 0.58 ms for the multi-tensor one); the others the multi-tensor
(``foreach``) one.
"""

from __future__ import annotations

import inspect
from typing import Any, Iterable

import torch

from engine.params import ParamError

OPTIMIZERS = ("rmsprop", "adam", "adamw", "sgd")


def make(name: str, parameters: Iterable[Any], lr: float, **overrides: Any) -> torch.optim.Optimizer:
    """The base optimizer ``name`` over ``parameters`` (tensors or param groups).

    ``overrides`` (a model's own constants, such as the GANs' ``betas``) apply to the
    bases whose constructor takes them and are ignored by the others."""
    if name == "rmsprop":
        cls, kw = torch.optim.RMSprop, {"alpha": 0.9, "eps": 1e-7}
    elif name == "adam":
        cls, kw = torch.optim.Adam, {}
    elif name == "adamw":
        cls, kw = torch.optim.AdamW, {}
    elif name == "sgd":
        cls, kw = torch.optim.SGD, {"momentum": 0.9}
    else:
        raise ParamError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")
    accepted = inspect.signature(cls.__init__).parameters
    kw.update({k: v for k, v in overrides.items() if k in accepted})
    parameters = list(parameters)
    tensors = [q for item in parameters for q in (item["params"] if isinstance(item, dict) else [item])]
    if "fused" in accepted and tensors:
        try:
            return cls(parameters, lr=lr, **kw, fused=True)
        except RuntimeError:  # no fused kernel for these tensors' device or dtype in this PyTorch
            pass
    return cls(parameters, lr=lr, **kw, foreach=True)
