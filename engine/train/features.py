"""What a trained run learned, as vectors: the features of its own data through its model.

The Clusters bench clusters them (issue 14): a VAE's encoder mean μ, Deep INFOMAX's
μ, the spectral classifier's penultimate layer (the 128 ReLU units before the class
logits).  Each such job offers ``Job.features`` — (params, store, config, ctx) →
:class:`FeatureSet` — built from the two helpers here, so a run folder is all a user
names; the items are every example of the data the run trained on, labelled as that
data is.  The weights used are the run's best (else last) checkpoint, with its
weight average where the run kept one, in evaluation mode (no dropout).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from engine import params as prm
from engine import registry
from engine.errors import UserError
from engine.optim.stack import use_averages
from engine.runs import RunStore, open_trained, trained_state
from engine.tasks import TaskContext

CHUNK = 512
MAX_HOVER_PIXELS = 30_000_000  # images kept for hovering a point, in pixels over all items


@dataclass
class FeatureSet:
    names: list[str]
    matrix: np.ndarray  # (n, d) float32
    labels: np.ndarray | None
    what: str  # "VAE μ", "penultimate layer" …
    images: np.ndarray | None = None  # (n, h, w) grey pictures of the items, for hovering


def run_features(run_dir: Path | str, ctx: TaskContext | None = None) -> FeatureSet:
    """The features of a finished or stopped run, or one line saying why there are none."""
    store, cfg = open_trained(run_dir)
    name, values = store.job_and_params()
    known = {e.name for e in registry.entries("train")}
    job = registry.load(name, "train") if name in known else None
    if job is None or job.features is None:
        able = ", ".join(e.name for e in registry.entries("train") if registry.load(e.name, "train").features)
        raise UserError(f"{Path(run_dir).name}: a '{name}' run has no features to cluster (runs of {able} have)")
    return job.features(params_of(store, job.params, values), store, cfg, ctx or TaskContext())


def feature_jobs() -> dict[str, str]:
    """{job name: title} of the training jobs whose runs have features."""
    jobs = {e.name: registry.load(e.name, "train") for e in registry.entries("train")}
    return {name: job.title for name, job in jobs.items() if job.features is not None}


def params_of(store: RunStore, params: type, values: dict[str, Any]) -> Any:
    """The run's params, or one line naming its damaged config.json."""
    try:
        return prm.from_dict(params, values)
    except (TypeError, ValueError) as exc:
        raise UserError(f"{store.path / 'config.json'}: damaged params ({exc})") from exc


def load_weights(task: Any, store: RunStore) -> Any:
    """``task`` with the run's best weights (else last), its weight average if it kept one, in
    evaluation mode; a checkpoint that does not fit the model is one line, not a traceback."""
    try:
        task.load_state_dict(trained_state(store))
    except (RuntimeError, KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, UserError):
            raise
        first = str(exc).strip().splitlines()[0][:100] if str(exc).strip() else repr(exc)
        raise UserError(f"{store.path.name}: its checkpoint does not fit the model its config.json "
                        f"describes ({first})") from exc
    use_averages(task.optimizers().values())
    task.train(False)
    return task


def recorded_shape(store: RunStore, cfg: dict[str, Any]) -> tuple[int, ...]:
    """The data's sample shape the run recorded in config.json."""
    shape = (cfg.get("data") if isinstance(cfg.get("data"), dict) else {}).get("shape")
    if not shape:
        raise UserError(f"{store.path.name}: the run recorded no data shape (it failed before loading data)")
    if not isinstance(shape, list) or not all(type(d) is int and d > 0 for d in shape):
        raise UserError(f"{store.path / 'config.json'}: damaged (the data shape is {shape!r})")
    return tuple(shape)


def encode(fn: Callable[[torch.Tensor], torch.Tensor], x: np.ndarray, ctx: TaskContext,
           what: str) -> np.ndarray:
    """``fn`` over ``x`` in chunks without gradients, reporting progress and answering Cancel."""
    out = []
    with torch.no_grad():
        for start in range(0, len(x), CHUNK):
            ctx.checkpoint()
            ctx.progress(start, len(x), f"{what} of {len(x):,} items")
            out.append(fn(torch.from_numpy(np.array(x[start:start + CHUNK], np.float32))).float().numpy())
    return np.concatenate(out).astype(np.float32) if out else np.zeros((0, 0), np.float32)


def image_features(p: Any, store: RunStore, cfg: dict[str, Any], ctx: TaskContext, what: str,
                   restore: Callable[[Any, tuple[int, ...]], Any],
                   fn: Callable[[Any, torch.Tensor], torch.Tensor]) -> FeatureSet:
    """Features of an image model's run: every image of its data (``p.data``) through ``fn(task, x)``."""
    from engine.data import images

    shape = recorded_shape(store, cfg)
    task = load_weights(restore(p, shape), store)
    ctx.progress(0, None, f"reading {p.data}")
    data = images.load(p.data)
    if tuple(data.shape) != shape:
        raise UserError(f"{p.data}: images of shape {tuple(data.shape)}, but the run {store.path.name} was "
                        f"trained on {shape}")
    matrix = encode(lambda x: fn(task, x), data.x, ctx, what)
    c, h, w = shape
    keep_images = c == 1 and len(data.x) * h * w <= MAX_HOVER_PIXELS
    labels = data.y if data.labelled else None
    return FeatureSet([str(i) for i in range(len(data.x))], matrix, labels, what,
                      data.x[:, 0] if keep_images else None)
