"""Draw samples from a trained generative run: its generator, or its decoder fed the prior.

The run folder holds all that is needed: the params and the data's sample
shape in config.json, the weights in best.pt (else last.pt).  Samples come
back in the data's own shape — (N, H, W) for grey images, (N, C, H, W) for
colour, (N, 2) for 2-D points.

The samples' memory is estimated before drawing them (three float32 copies of
the output: the decoder's logits, their sigmoid, the returned array) and a
request past the limit of :mod:`engine.memory` is refused in one line.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from engine import memory, registry
from engine.errors import UserError
from engine.runs import open_trained
from engine.train.features import load_weights, params_of, recorded_shape


def sample_run(run_dir: Path | str, n: int, seed: int = 0) -> np.ndarray | list[str]:
    """Samples in the data's shape; a text model's are lines of text ("xxxxx，xxxxx" for a verse run)."""
    if n < 1:
        raise UserError(f"ask for at least one sample, not {n}")
    store, cfg = open_trained(run_dir)
    name, values = store.job_and_params()
    job = registry.load(name) if name in {e.name for e in registry.entries("train")} else None
    if job is None or job.restore is None:
        raise UserError(f"{Path(run_dir).name}: a '{cfg.get('job')}' run has no generator to sample from")
    shape = recorded_shape(store, cfg)
    memory.require(3 * memory.tensor_bytes((n, *shape)), f"{n:,} samples of shape {shape}",
                   "ask for fewer")
    data = cfg["data"]
    text = {"vocabulary": data["vocabulary"]} if "vocabulary" in data else {}  # a text model's characters
    task = load_weights(job.restore(params_of(store, job.params, values), shape, **text), store)
    torch.manual_seed(seed)
    out = task.sample(n)
    if isinstance(out, list):
        return out
    return out[:, 0] if out.ndim == 4 and out.shape[1] == 1 else out
