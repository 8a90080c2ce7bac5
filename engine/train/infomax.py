"""Train Deep INFOMAX (SEEDS.md §9.4; model and loss: ``engine.models.infomax``).

The author's settings: α = 0.5, β = 1.5, γ = 0.01, Adam at 1e-3, batch 64,
50 epochs; inputs in [−0.5, 0.5] (here: [0, 1] shifted by −0.5).  The
post judges the features only by nearest-neighbour retrieval, so that is what
the bench shows — validation images with their nearest neighbours by cosine
similarity of μ — and, to have a number, the share of validation images whose
5 nearest neighbours' majority label is their own (labelled data only), for μ
and for the local feature map the mutual information is measured on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import numpy as np
import torch
import torch.nn.functional as F

from engine.data import images
from engine.jobs import Job, JobContext
from engine.models import infomax
from engine.optim.build import build
from engine.params import like, param
from engine.train import precheck, setup
from engine.train.features import image_features
from engine.train.loop import LoopSettings, TrainTask, fit
from engine.train.params import TrainParams
from engine.train.pictures import Once, plane, thumbnails

QUERIES, NEIGHBOURS, K = 8, 7, 5


@dataclass(frozen=True)
class InfomaxParams(TrainParams):
    data: str = like(TrainParams, "data", "digits", help="dataset: 'digits', 'mnist', or an image file or folder as for the VAE")
    batch_size: int = like(TrainParams, "batch_size", 64, help="images per step (negatives come from the same batch)",
                           minimum=2)
    lr: float = like(TrainParams, "lr", 1e-3, help="Adam learning rate", maximum=1.0)
    epochs: int = like(TrainParams, "epochs", 50)
    alpha: float = param(0.5, "weight α of the global mutual information", minimum=0.0, maximum=100.0,
                         label="α (global)")
    beta: float = param(1.5, "weight β of the local mutual information", minimum=0.0, maximum=100.0,
                        label="β (local)")
    gamma: float = param(0.01, "weight γ of the prior term KL(p(z|x) ‖ N(0, I))", minimum=0.0, maximum=100.0,
                         label="γ (prior)")
    z_dim: int = param(64, "feature dimensions (the author: 256 for CIFAR-10)", minimum=1, maximum=4096,
                       label="Feature size")
    width: int = param(32, "channels of the first conv block (doubling per block; the author: 64)", minimum=4,
                       maximum=1024)


def neighbours(features: torch.Tensor, k: int) -> torch.Tensor:
    """Indices (N, k) of each row's k nearest other rows by cosine similarity."""
    f = F.normalize(features, dim=1)
    sim = f @ f.t()
    sim.fill_diagonal_(-2.0)
    return sim.topk(k, dim=1).indices


def knn_accuracy(features: torch.Tensor, labels: torch.Tensor, k: int = K) -> float:
    """Share of rows whose k neighbours' majority label (ties: the nearest's) is their own."""
    nn_labels = labels[neighbours(features, k)]
    votes = F.one_hot(nn_labels, int(labels.max()) + 1).sum(1).float()
    votes[torch.arange(len(labels)), nn_labels[:, 0]] += 0.5
    return float((votes.argmax(1) == labels).float().mean())


class InfomaxTask(TrainTask):
    monitor = "loss"

    def __init__(self, p: InfomaxParams, shape: tuple[int, int, int], device: torch.device) -> None:
        self.p, self.device = p, device
        try:
            self.model = infomax.DeepInfoMax(shape, p.z_dim, p.width).to(device)
        except ValueError as exc:
            raise images.DataError(str(exc)) from exc
        self.opt = build(p, self.model)
        self.once = Once()

    def modules(self) -> Mapping[str, torch.nn.Module]:
        return {"infomax": self.model}

    def optimizers(self) -> Mapping[str, torch.optim.Optimizer]:
        return {"infomax": self.opt}

    def _losses(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        return self.model.losses(x - 0.5, self.p.alpha, self.p.beta, self.p.gamma)

    def train_step(self, x: torch.Tensor, y: torch.Tensor) -> Mapping[str, torch.Tensor]:
        terms = self._losses(x)
        self.opt.zero_grad(set_to_none=True)
        terms["loss"].backward()
        self.opt.step()
        return {k: v.detach() for k, v in terms.items()}

    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> Mapping[str, float]:
        values = {k: float(v) for k, v in self._losses(x).items()}
        if (y >= 0).all() and len(x) > K:
            local, _, mu, _ = self.model.encoder(x - 0.5)
            values["knn_acc"] = knn_accuracy(mu, y)
            values["knn_local"] = knn_accuracy(local.flatten(1), y)
        return values

    def artifacts(self, x: torch.Tensor, y: torch.Tensor) -> Iterable[tuple[str, str, dict[str, Any]]]:
        feats = torch.cat([self.model.embed(x[i:i + 512] - 0.5) for i in range(0, len(x), 512)])
        k = min(NEIGHBOURS, len(x) - 1)
        queries = torch.arange(min(QUERIES, len(x)), device=x.device)
        rows = torch.cat([queries[:, None], neighbours(feats, k)[queries]], 1)
        yield "image_grid", "neighbours", {"images": x[rows].cpu().numpy()[:, :, 0],
                                           "title": f"Query (left) and its {k} nearest neighbours"}
        points, axes = plane(feats.cpu().numpy())
        yield "scatter", "features", {"points": points.astype(np.float32), "labels": y.cpu().numpy(),
                                      "axes": np.array(axes), "title": "Features μ (validation)",
                                      **self.once("features", lambda: {"images": thumbnails(x.float().cpu().numpy())})}


def restore(p: InfomaxParams, shape: tuple[int, ...]) -> InfomaxTask:
    return InfomaxTask(p, tuple(shape), torch.device("cpu"))


def run(p: InfomaxParams, ctx: JobContext) -> dict[str, Any]:
    choice = setup.device(p.device, ctx)
    parts, _, fp = setup.load(p.data, seed=p.seed, val_fraction=p.val_fraction, images_for="Deep INFOMAX")
    setup.begin(ctx, choice, parts, fp, p.seed, "Deep INFOMAX")
    task = InfomaxTask(p, tuple(parts.x_train.shape[1:]), choice.device)
    settings = LoopSettings(p.batch_size, p.epochs, eval_batch=max(len(parts.x_val), 1))
    return fit(task, parts, ctx, choice.device, settings, p.seed)


JOB = Job("infomax", "Deep INFOMAX", InfomaxParams, run,
    "kexue.fm/archives/6024, 6088: an encoder trained to maximise global and local mutual "
    "information (JS estimate) with a light prior term; nearest neighbours show its features.",
    metrics=("loss", "js_global", "js_local", "kl", "knn_acc", "knn_local"), datasets=images.BUILTIN,
    pictures={"image_grid": "Nearest neighbours", "scatter": "Features μ (validation)"}, summary_metric="knn_acc",
    precheck=precheck.image_data(lambda p, shape, device: InfomaxTask(p, shape, device), images_for="Deep INFOMAX"),
    features=lambda p, store, cfg, ctx: image_features(p, store, cfg, ctx, "Deep INFOMAX μ", restore,
                                                        lambda task, x: task.model.embed(x - 0.5)))
