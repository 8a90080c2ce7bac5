"""Train the Conv1D spectral classifier of SEEDS.md §11 (network and loss:
``engine.models.spectra_net``), and predict with a trained run.

As the post: every spectrum on the contest grid (2,600 points, 3690–9100 Å),
standardised; an 80/20 split with seed 2018; class-balanced batches of 160
drawn with replacement in fixed per-class shares (star 0.8, unknown 0.1,
galaxy 0.05, qso 0.05 — classes not named share what is left equally);
stage 1 categorical cross-entropy with Adam 1e-3, stage 2 the differentiable
macro-F1 with Adam 1e-4, continuing from the weights stage 1 ended with (the
post reloads its best; here best.pt is kept by validation macro-F1 across
both stages).  The post trains 50 + 50 epochs of 500 steps; the defaults here
are sized for the demo set and a CPU: 8 + 4 epochs of one pass each.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from engine import params as prm
from engine.data import DataError
from engine.data.images import Split, split_indices
from engine.errors import UserError
from engine.jobs import Job, JobContext
from engine.models.spectra_net import WIDTHS, SpectraNet, f1_loss
from engine.optim.build import build
from engine.params import like, param
from engine.runs import RunStore, open_trained
from engine.spectra import formats, preprocess, synthetic
from engine.tasks import TaskContext
from engine.train import precheck, setup
from engine.train.features import FeatureSet, encode, load_weights
from engine.train.loop import LoopSettings, TrainTask, fit
from engine.train.params import TrainBase

SHOWN_MISSES = 200


@dataclass(frozen=True)
class SpectraParams(TrainBase):
    data: str = like(TrainBase, "data", "synthetic", help="'synthetic' (the generated demo set), a folder of spectra, a "
                      "contest index CSV (id,type), or one file")
    batch_size: int = like(TrainBase, "batch_size", 160, help="spectra per step", minimum=4)
    lr: float = like(TrainBase, "lr", 1e-3, help="Adam learning rate of stage 1", maximum=1.0)
    val_fraction: float = like(TrainBase, "val_fraction", 0.2)
    seed: int = like(TrainBase, "seed", 2018, help="random seed (the post: 2018)")
    demo_size: int = param(2000, "spectra in the synthetic demo set", minimum=8, maximum=1_000_000,
                           label="Demo size")
    snr_min: float = param(3.0, "lowest signal-to-noise of the demo set", minimum=0.1, maximum=1000.0,
                           label="Demo S/N min")
    snr_max: float = param(30.0, "highest signal-to-noise of the demo set", minimum=0.1, maximum=1000.0,
                           label="Demo S/N max")
    z_qso: float = param(3.0, "highest QSO redshift of the demo set", minimum=0.1, maximum=7.0, label="Demo z QSO")
    continuum: bool = param(False, "divide each spectrum by its running-median continuum", label="Remove continuum")
    mask_bad: bool = param(True, "interpolate over pixels with ivar = 0 or NaN flux", label="Mask bad pixels")
    class_shares: str = param("star:0.8,unknown:0.1,galaxy:0.05,qso:0.05",
                              "share of each class in a training batch (the post's); empty: equal shares",
                              label="Batch shares")
    ce_epochs: int = param(8, "stage 1: epochs of cross-entropy", minimum=0, maximum=100000, label="CE epochs")
    f1_epochs: int = param(4, "stage 2: epochs of the macro-F1 loss", minimum=0, maximum=100000, label="F1 epochs")
    steps_per_epoch: int = param(0, "steps an epoch (0: one pass over the training set; the post: 500)",
                                 minimum=0, maximum=1_000_000)
    f1_lr: float = param(1e-4, "Adam learning rate of stage 2", minimum=1e-7, maximum=1.0, label="F1 learning rate")
    width: int = param(16, "filters of the first block, doubling every two blocks (the post: 16; 8 is 3× "
                       "faster on a CPU)", minimum=1, maximum=256, label="Width")
    dropout: float = param(0.5, "share of time steps dropped before pooling", minimum=0.0, maximum=0.95)


def demo_spec(p: SpectraParams) -> synthetic.SyntheticSpec:
    return synthetic.SyntheticSpec(n=p.demo_size, snr=(min(p.snr_min, p.snr_max), max(p.snr_min, p.snr_max)),
                                   z_qso=p.z_qso, seed=p.seed)


def preprocessing(p: SpectraParams) -> preprocess.Preprocessing:
    return preprocess.Preprocessing(mask_bad=p.mask_bad, continuum=p.continuum)


def class_order(labels: Iterable[str]) -> list[str]:
    """The contest's classes first, in its order; any others after, sorted."""
    present = set(labels)
    return [c for c in synthetic.CLASSES if c in present] + sorted(present - set(synthetic.CLASSES))


def parse_shares(text: str, classes: list[str]) -> np.ndarray:
    shares = {}
    for part in filter(None, (t.strip() for t in text.split(","))):
        name, _, value = part.partition(":")
        try:
            shares[name.strip().lower()] = float(value)
        except ValueError as exc:
            raise prm.ParamError(f"batch shares: '{part}' is not name:share") from exc
    named = [shares.get(c) for c in classes]
    rest = 1.0 - sum(s for s in named if s is not None)
    missing = sum(s is None for s in named)
    out = np.array([s if s is not None else max(rest, 0.0) / missing if missing else 0.0 for s in named], float)
    if out.sum() <= 0:
        out = np.ones(len(classes))
    return out / out.sum()


@dataclass
class LabelledSet:
    x: np.ndarray  # (N, L) prepared spectra
    y: np.ndarray  # (N,) class indices
    ids: list[str]
    classes: list[str]
    skipped: list[tuple[str, str]]


def load_labelled(p: SpectraParams, ctx: TaskContext | None = None) -> tuple[LabelledSet, dict[str, Any]]:
    if p.data == "synthetic":
        spectra = synthetic.generate(demo_spec(p))
        report = formats.LoadReport(spectra)
        fp = {"name": "synthetic", "source": "engine.spectra.synthetic", "n": p.demo_size, "seed": p.seed,
              "snr": [p.snr_min, p.snr_max], "z_qso": p.z_qso}
    else:
        report = formats.load_any(p.data, ctx)
        fp = {"name": Path(p.data).name, "source": str(p.data), "n": len(report.spectra)}
    labelled = [s for s in report.spectra if s.label]
    if not labelled:
        raise DataError(f"{p.data}: none of the {len(report.spectra)} spectra has a class label "
                        f"(use a contest index CSV, or FITS files with CLASS)")
    x, kept, skipped = preprocess.matrix(labelled, None, preprocessing(p))
    spectra = [labelled[i] for i in kept]
    classes = class_order(s.label for s in spectra)
    if len(classes) < 2:
        raise DataError(f"{p.data}: only the class '{classes[0]}' is present; a classifier needs two or more")
    y = np.array([classes.index(s.label) for s in spectra], np.int64)
    fp.update(classes=classes, shape=[x.shape[1]], skipped=len(report.skipped) + len(skipped))
    return LabelledSet(x, y, [s.id for s in spectra], classes, report.skipped + skipped), fp


def confusion(y: np.ndarray, pred: np.ndarray, k: int) -> np.ndarray:
    return np.bincount(y * k + pred, minlength=k * k).reshape(k, k)


def f1_per_class(cm: np.ndarray) -> np.ndarray:
    tp = np.diag(cm).astype(float)
    denom = cm.sum(0) + cm.sum(1)
    return np.divide(2 * tp, denom, out=np.zeros_like(tp), where=denom > 0)


class SpectraTask(TrainTask):
    monitor = "macro_f1"
    higher_is_better = True

    def __init__(self, p: SpectraParams, classes: list[str], device: torch.device,
                 ids: list[str] | None = None) -> None:
        self.p, self.classes, self.device, self.ids = p, classes, device, ids or []
        widths = tuple(p.width * 2 ** (i // 2) for i in range(len(WIDTHS)))
        self.model = SpectraNet(len(classes), p.dropout, widths).to(device)
        self.opt = build(p, self.model)
        self.shares = parse_shares(p.class_shares, classes)
        self.stage = 1

    def modules(self) -> Mapping[str, torch.nn.Module]:
        return {"classifier": self.model}

    def optimizers(self) -> Mapping[str, torch.optim.Optimizer]:
        return {"classifier": self.opt}

    def epoch_order(self, y: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Batches drawn with replacement in the fixed class shares (classes absent from y are skipped)."""
        bs = self.p.batch_size
        steps = self.p.steps_per_epoch or math.ceil(len(y) / bs)
        members = [torch.nonzero(y == c).squeeze(1) for c in range(len(self.classes))]
        shares = np.array([s if len(m) else 0.0 for s, m in zip(self.shares, members)])
        counts = np.floor(shares / shares.sum() * bs + 1e-9).astype(int)  # 0.05·160 is 8, not 7.99…
        counts[np.argmax(shares)] += bs - counts.sum()
        parts = [m[torch.randint(len(m), (steps * k,), generator=generator)].view(steps, k)
                 for m, k in zip(members, counts) if k]
        return torch.cat(parts, 1).flatten()

    def start_epoch(self, epoch: int) -> None:
        if epoch >= self.p.ce_epochs and self.stage == 1:
            self.stage = 2
            for group in self.opt.param_groups:
                group["lr"] = self.p.f1_lr

    def train_step(self, x: torch.Tensor, y: torch.Tensor) -> Mapping[str, torch.Tensor]:
        logits = self.model(x)
        loss = F.cross_entropy(logits, y) if self.stage == 1 else f1_loss(logits, y)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return {"loss": loss.detach(), "acc": (logits.argmax(1) == y).float().mean().detach()}

    def probabilities(self, x: torch.Tensor, chunk: int = 256) -> torch.Tensor:
        return torch.cat([self.model(x[i:i + chunk]).softmax(1) for i in range(0, len(x), chunk)])

    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> Mapping[str, float]:
        probs = self.probabilities(x)
        pred = probs.argmax(1)
        cm = confusion(y.cpu().numpy(), pred.cpu().numpy(), len(self.classes))
        return {"loss": float(F.nll_loss(probs.clamp_min(1e-12).log(), y)),
                "acc": float((pred == y).float().mean()), "macro_f1": float(f1_per_class(cm).mean())}

    def artifacts(self, x: torch.Tensor, y: torch.Tensor) -> Iterable[tuple[str, str, dict[str, Any]]]:
        probs = self.probabilities(x)
        pred = probs.argmax(1).cpu().numpy()
        truth = y.cpu().numpy()
        cm = confusion(truth, pred, len(self.classes))
        names = np.array(self.classes)
        yield "confusion", "confusion", {"matrix": cm, "classes": names}
        yield "bars", "f1", {"counts": f1_per_class(cm), "names": names, "title": "F1 per class (validation)"}
        wrong = np.nonzero(pred != truth)[0][:SHOWN_MISSES]
        yield "misclassified", "misclassified", {
            "index": wrong, "ids": np.array([self.ids[i] for i in wrong] if self.ids else wrong.astype(str)),
            "truth": names[truth[wrong]], "predicted": names[pred[wrong]],
            "confidence": probs.max(1).values.cpu().numpy()[wrong]}


def run(p: SpectraParams, ctx: JobContext) -> dict[str, Any]:
    choice = setup.device(p.device, ctx)
    data, fp = load_labelled(p, ctx)
    for name, why in data.skipped[:20]:
        ctx.log(f"skipped {name}: {why}", "warning")
    train, val = split_indices(len(data.y), p.val_fraction, p.seed, fp["name"])
    parts = Split(data.x[train], data.y[train], data.x[val], data.y[val])
    counts = ", ".join(f"{c} {int((data.y == i).sum())}" for i, c in enumerate(data.classes))
    setup.begin(ctx, choice, parts, fp, p.seed, f"Conv1D spectral classifier ({counts})")
    if p.ce_epochs + p.f1_epochs == 0:
        raise UserError("both stages have 0 epochs: nothing to train")
    task = SpectraTask(p, data.classes, choice.device, [data.ids[i] for i in val])
    settings = LoopSettings(p.batch_size, p.ce_epochs + p.f1_epochs, eval_batch=len(val))
    return fit(task, parts, ctx, choice.device, settings, p.seed)


def restore(p: SpectraParams, shape: tuple[int, ...], classes: list[str]) -> SpectraTask:
    return SpectraTask(p, classes, torch.device("cpu"))


def trained(store: RunStore, cfg: dict[str, Any]) -> tuple[SpectraTask, SpectraParams]:
    """A spectral classifier run's net with its best weights, in evaluation mode."""
    if cfg.get("job") != "spectra":
        raise UserError(f"{store.path.name}: a '{cfg.get('job')}' run, not a spectral classifier")
    p = prm.from_dict(SpectraParams, store.job_and_params()[1])  # a damaged config.json: one line naming it
    classes = (cfg.get("data") or {}).get("classes")
    if not classes:
        raise UserError(f"{store.path.name}: the run recorded no classes (it failed before loading data)")
    return load_weights(restore(p, (), classes), store), p


def predict(run_dir: Path | str, source: Path | str, ctx: TaskContext | None = None) -> tuple[pd.DataFrame, list]:
    """(table of id, predicted class and one probability column per class; skipped files) for
    every spectrum of ``source`` (a folder, an index or a file), with a trained run's best weights."""
    task, p = trained(*open_trained(run_dir))
    classes = task.classes
    report = formats.load_any(source, ctx)
    x, kept, skipped = preprocess.matrix(report.spectra, None, preprocessing(p))
    with torch.no_grad():
        probs = task.probabilities(torch.from_numpy(x)).numpy() if len(x) else np.empty((0, len(classes)))
    table = pd.DataFrame({"id": [report.spectra[i].id for i in kept],
                          "predicted": [classes[i] for i in probs.argmax(1)] if len(x) else []})
    for j, c in enumerate(classes):
        table[f"p_{c}"] = probs[:, j]
    return table, report.skipped + skipped



def features(p: SpectraParams, store: RunStore, cfg: dict[str, Any], ctx: TaskContext) -> FeatureSet:
    """The penultimate layer of a trained run over every labelled spectrum of its data."""
    task, _ = trained(store, cfg)
    data, _ = load_labelled(p, ctx)
    matrix = encode(task.model.penultimate, data.x, ctx, "penultimate layer")
    return FeatureSet(data.ids, matrix, np.array([data.classes[i] for i in data.y]), "penultimate layer")


JOB = Job("spectra", "Conv1D spectral classifier", SpectraParams, run,
          "kexue.fm/archives/5505: dilated residual Conv1D, class-balanced batches, cross-entropy then "
          "the differentiable macro-F1.", metrics=("loss", "acc", "macro_f1"),
          pictures={"confusion": "Confusion matrix", "bars": "F1 per class",
                    "misclassified": "Misclassified"}, summary_metric="macro_f1",
          precheck=precheck.spectra_data, features=features)
