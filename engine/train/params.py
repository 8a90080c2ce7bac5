"""The fields every training job shares, declared once.

A job's params dataclass inherits :class:`TrainParams` (or :class:`TrainBase`
when its epochs come in stages) and changes a default with
:func:`engine.params.like`; its form, CLI flags and ``config.json`` then carry
the same names, help and ranges for every model.  The shared fields sit in the
"training" group, which forms and ``--help`` list after the model's own.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.devices import DEVICE_CHOICES
from engine.optim.factory import OPTIMIZERS
from engine.optim.schedule import parse as parse_schedule
from engine.params import param

GROUP = "training"


def _train(default, help_text: str, **kw):
    return param(default, help_text, group=GROUP, **kw)


@dataclass(frozen=True)
class TrainBase:
    data: str = param("digits", "dataset: 'digits' (bundled), 'mnist' (downloaded), or a path to MNIST IDX "
                      "(.gz or not), an .npz with x/y arrays, or a folder of images", gui=False)
    batch_size: int = _train(64, "samples per optimisation step", minimum=1, maximum=65536)
    lr: float = _train(1e-3, "learning rate", minimum=1e-7, maximum=10.0, label="Learning rate")
    val_fraction: float = _train(0.1, "share of the data held out for validation", minimum=0.01, maximum=0.9,
                                 label="Validation share")
    seed: int = _train(0, "random seed: the same seed, data and settings give the same run", minimum=0)
    device: str = _train("auto", "where to train: 'auto' takes CUDA when it works", choices=DEVICE_CHOICES)
    optimizer: str = _train("adam", "base optimizer (RMSprop with Keras' ρ = 0.9, ε = 1e-7; SGD with momentum "
                            "0.9; AdamW decays by --weight-decay, 0.01 when that is 0)", choices=OPTIMIZERS)
    accumulate: int = _train(1, "gradient accumulation: average the gradients of N batches into one update "
                             "(batch N × batch size; not exact with BatchNorm)", minimum=1, maximum=4096,
                             label="Accumulate batches")
    schedule: str = _train("", "piecewise-linear learning-rate multiplier 'update:multiplier,…', from 0 at "
                           "update 0 unless 0 is given ('1000:1' is a warm-up; '1000:1,2000:0.1' then decays); "
                           "empty: constant", label="LR schedule", validate=parse_schedule)
    weight_decay: float = _train(0.0, "decoupled weight decay λ (θ ← θ − γλθ; biases and norms excluded; the "
                                 "blog's default rate is 0.01; 0: off)", minimum=0.0, maximum=1.0)
    layer_adaptation: bool = _train(False, "rescale each layer's update to γ‖θ‖ (LAMB's trust ratio; biases and "
                                    "norms excluded)")
    lookahead: bool = _train(False, "Lookahead: every 5 updates move slow weights halfway to the fast ones and "
                             "restart from them")
    lazy: bool = _train(False, "lazy rows: embedding and codebook rows with zero gradient keep their weights "
                        "(moments still move)", label="Lazy embeddings")
    ema: float = _train(0.0, "decay of an exponential moving average of the weights used for validation and "
                        "sampling (e.g. 0.999; 0: off)", minimum=0.0, maximum=0.99999, label="Weight EMA")


@dataclass(frozen=True)
class TrainParams(TrainBase):
    epochs: int = _train(30, "passes over the training data", minimum=1, maximum=100000)
