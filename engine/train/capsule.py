"""Train the capsule network of kexue.fm/archives/5112 (SEEDS.md §13) or its CNN baseline on
single digits, and test both on two different digits side by side, as the post does.

Defaults are the author's script (``bojone/Capsule``, capsule_test.py) — Adam, margin loss
0.9 / 0.1 / 0.25, ``Capsule(10, 16, 3, True)`` with the 0.5 squash — except the batch (32,
not 128) and the epochs (20): the bundled 8×8 digits are 1,617 training images, and the
margin loss sits on a plateau for the first hundred-odd steps.  With these defaults on the
digits (seed 0, CPU, about 2 minutes): capsule 97 % / 97 %, CNN + pooling 53 % / 11 %.  Each
validation reports the single-digit accuracy and the post's two numbers on pairs made
from the validation images (each beside its neighbour in the shuffled validation set,
equal digits left out): ``pair_top2`` — the two highest scores are the two digits — and
``pair_confident`` — and both exceed 0.5.  Post, on MNIST: capsule > 90 % on both
(95 %+ with this routing), CNN + pooling ≈ 40 % / 10 %.

The pair metrics are computed within each evaluation chunk of the loop (1,024 images),
so the last few images of an uneven split may pair among fewer neighbours.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import numpy as np
import torch

from engine.data import DataError, images
from engine.jobs import Job, JobContext
from engine.models import capsule as capsule_model
from engine.optim.build import build
from engine.params import like, param
from engine.train import precheck, setup
from engine.train.loop import LoopSettings, TrainTask, fit
from engine.train.params import TrainParams

CLASSES = 10
SHOWN = 4  # rows and columns of the pair pictures


@dataclass(frozen=True)
class CapsuleParams(TrainParams):
    epochs: int = like(TrainParams, "epochs", 20, help="passes over the training digits (the author, on MNIST: "
                       "10 for the capsule model, 20 for the CNN)")
    batch_size: int = like(TrainParams, "batch_size", 32, help="digits per step (the author, on MNIST: 128; "
                           "the bundled 1,617 digits need the smaller batch for enough steps)")
    model: str = param("capsule", "'capsule': CNN trunk + Capsule(10, 16, routings); 'cnn': the same trunk + "
                       "global average pooling + dense (the post's baseline)", choices=capsule_model.MODELS,
                       label="Model")
    routings: int = param(3, "routing passes of the capsule layer (the paper's and the author's 3)", minimum=1,
                          maximum=10)
    dim_capsule: int = param(16, "dimension of each output capsule", minimum=1, maximum=256,
                             label="Capsule size")
    squash_constant: float = param(0.5, "c in the squash ‖v‖²/(c + ‖v‖²)·v/‖v‖: the author's 0.5, the "
                                   "paper's 1", minimum=1e-3, maximum=100.0, label="Squash constant")


class CapsuleTask(TrainTask):
    monitor = "loss"

    def __init__(self, p: CapsuleParams, shape: tuple[int, int, int], device: torch.device) -> None:
        self.model = capsule_model.build(p.model, shape, CLASSES, p.dim_capsule, p.routings,
                                         p.squash_constant).to(device)
        self.opt = build(p, self.model)

    def modules(self) -> Mapping[str, torch.nn.Module]:
        return {"model": self.model}

    def optimizers(self) -> Mapping[str, torch.optim.Optimizer]:
        return {"model": self.opt}

    def train_step(self, x: torch.Tensor, y: torch.Tensor) -> Mapping[str, torch.Tensor]:
        loss = capsule_model.margin_loss(self.model(x), y).mean()
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return {"loss": loss.detach()}

    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> Mapping[str, float]:
        scores = self.model(x)
        pairs, labels = capsule_model.side_by_side(x, y)
        top2, confident = capsule_model.pair_hits(self.model(pairs), labels) if len(pairs) else (y[:0], y[:0])
        m = max(1, len(pairs))
        return {"loss": float(capsule_model.margin_loss(scores, y).mean()),
                "acc": float((scores.argmax(1) == y).float().mean()),
                "pair_top2": float(top2.sum()) / m, "pair_confident": float(confident.sum()) / m}

    def artifacts(self, x: torch.Tensor, y: torch.Tensor) -> Iterable[tuple[str, str, dict[str, Any]]]:
        pairs, labels = capsule_model.side_by_side(x[:SHOWN * SHOWN + 1], y[:SHOWN * SHOWN + 1])
        if not len(pairs):
            return
        scores = self.model(pairs)
        top2, _ = capsule_model.pair_hits(scores, labels)
        shown = pairs[:SHOWN * SHOWN].cpu().numpy()[:, 0]
        rows = -(-len(shown) // SHOWN)
        grid = np.zeros((rows * SHOWN, *shown.shape[1:]), dtype=np.float32)
        grid[:len(shown)] = shown
        yield "image_grid", "pairs", {
            "images": grid.reshape(rows, SHOWN, *shown.shape[1:]),
            "title": f"Two-digit test: {int(top2[:len(shown)].sum())} of {len(shown)} pairs with both digits on top"}
        a, b = (int(v) for v in labels[0])
        yield "bars", "scores", {"counts": scores[0].float().cpu().numpy(), "xlabel": "digit",
                                 "title": f"Scores of the first pair (digits {a} and {b})"}


def restore(p: CapsuleParams, shape: tuple[int, ...]) -> CapsuleTask:
    return CapsuleTask(p, tuple(shape), torch.device("cpu"))


def run(p: CapsuleParams, ctx: JobContext) -> dict[str, Any]:
    choice = setup.device(p.device, ctx)
    data = images.load(p.data)
    if data.y.min() < 0 or data.y.max() >= CLASSES:
        raise DataError(f"{data.name}: the capsule test needs digit labels 0–9 on every image")
    parts = images.split(data, p.val_fraction, p.seed)
    setup.begin(ctx, choice, parts, data.fingerprint(), p.seed,
                "capsule network" if p.model == "capsule" else "CNN + pooling")
    task = CapsuleTask(p, data.shape, choice.device)
    return fit(task, parts, ctx, choice.device, LoopSettings(p.batch_size, p.epochs), p.seed)


JOB = Job("capsule", "Capsule network vs CNN", CapsuleParams, run,
          "kexue.fm/archives/5112: a CNN trunk read by a shared-weight capsule layer (routing as clustering) "
          "or by global pooling; trained on single digits, tested on two different digits side by side.",
          metrics=("loss", "acc", "pair_top2", "pair_confident"), datasets=images.BUILTIN,
          pictures={"image_grid": "Two-digit test pairs", "bars": "Scores of the first pair"},
          summary_metric="pair_top2", restore=restore,
          precheck=precheck.image_data(lambda p, shape, device: CapsuleTask(p, shape, device),
                                       images_for="capsule network"))
