"""The one place a trainer gets its optimizer: the base the params name,
wrapped as the shared training fields ask (``engine.train.params.TrainBase``).

The stack, inside out — the order fixes what each wrapper sees:

    base → weight decay → lazy rows → layer adaptation → LR schedule → Lookahead → EMA → accumulation

Weight decay is inside the trust ratio, as in LAMB (the ratio rescales the
decayed update); lazy rows are held before the ratio is measured, so it sees
the update that is applied; the schedule scales the learning rate all the
wrappers inside it read; Lookahead, the EMA and the schedule count updates;
accumulation is outermost, so every state inside it moves only when an
update is made.  ``adamw``, and ``adam`` with a weight decay, are PyTorch's
AdamW with the decay in its own fused kernel (the same rule as the wrapper
over Adam, without its extra pass over the weights), the excluded names in a
group without decay.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

import torch

from engine.optim import factory
from engine.optim.accumulate import Accumulate
from engine.optim.averaging import EMA, Lookahead
from engine.optim.schedule import Schedule, parse
from engine.optim.updates import WEIGHT_DECAY, LayerAdaptation, Lazy, WeightDecay
from engine.optim.wrapper import matching

NO_DECAY = ("bias", "norm")  # biases and normalisation layers: no decay, no trust ratio (as BERT/LAMB)
LAZY_ROWS = ("embed", "codebook")  # embedding tables and the VQ-VAE's codebook


def named(**modules: torch.nn.Module) -> list[tuple[str, torch.nn.Parameter]]:
    """(name, parameter) of several modules, each name with its layer's class —
    'vae.encoder.1.weight (Linear)' — so patterns find embeddings and norms by
    type even inside an ``nn.Sequential``, where the path is only numbers."""
    out = []
    for key, module in modules.items():
        for path, layer in module.named_modules(prefix=key):
            out += [(f"{path}.{name} ({type(layer).__name__})", q) for name, q in layer.named_parameters(recurse=False)]
    return out


def build(p: Any, parameters: torch.nn.Module | Iterable[tuple[str, torch.nn.Parameter]], *,
          lazy_rows: Sequence[str] = LAZY_ROWS, **base_defaults: Any) -> Any:
    """The optimizer the training fields of ``p`` describe, over a module's parameters
    (or (name, parameter) pairs, as :func:`named` gives for several modules).

    ``lazy_rows``: the name patterns of the tables ``p.lazy`` holds rows of; ``base_defaults``:
    the model's constants for its base (the GANs' Adam ``betas``)."""
    named_parameters = named(model=parameters) if isinstance(parameters, torch.nn.Module) else parameters
    pairs = [(n, q) for n, q in named_parameters if q.requires_grad]
    names = {q: n for n, q in pairs}
    params = [q for _, q in pairs]
    if p.optimizer == "adamw" or (p.optimizer == "adam" and p.weight_decay > 0):
        kept = set(matching(params, names, NO_DECAY))
        groups = [{"params": [q for q in params if q not in kept], "weight_decay": p.weight_decay or WEIGHT_DECAY},
                  {"params": [q for q in params if q in kept], "weight_decay": 0.0}]
        opt: Any = factory.make("adamw", [g for g in groups if g["params"]], p.lr, **base_defaults)
    else:
        opt = factory.make(p.optimizer, params, p.lr, **base_defaults)
        if p.weight_decay > 0:
            opt = WeightDecay(opt, p.weight_decay, names, NO_DECAY)
    if p.lazy:
        opt = Lazy(opt, names, lazy_rows)
    if p.layer_adaptation:
        opt = LayerAdaptation(opt, names, NO_DECAY)
    schedule = parse(p.schedule)
    if schedule:
        opt = Schedule(opt, schedule)
    if p.lookahead:
        opt = Lookahead(opt)
    if p.ema > 0:
        opt = EMA(opt, p.ema)
    if p.accumulate > 1:
        opt = Accumulate(opt, p.accumulate)
    return opt
