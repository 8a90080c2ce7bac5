"""Draw samples from a trained generative run: its generator, or its decoder fed the prior.

The run folder holds all that is needed: the params and the data's sample
shape in config.json, the weights in best.pt (else last.pt).  Samples come
back in the data's own shape — (N, H, W) for grey images, (N, C, H, W) for
colour, (N, 2) for 2-D points.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from engine import params as prm
from engine.errors import UserError
from engine.runs import open_trained, trained_state
from engine.train.registry import EXPERIMENTS


def sample_run(run_dir: Path | str, n: int, seed: int = 0) -> np.ndarray:
    if n < 1:
        raise UserError(f"ask for at least one sample, not {n}")
    store, cfg = open_trained(run_dir)
    job = EXPERIMENTS.get(cfg.get("job", ""))
    if job is None or job.restore is None:
        raise UserError(f"{Path(run_dir).name}: a '{cfg.get('job')}' run has no generator to sample from")
    shape = (cfg.get("data") or {}).get("shape")
    if not shape:
        raise UserError(f"{Path(run_dir).name}: the run recorded no data shape (it failed before loading data)")
    task = job.restore(prm.from_dict(job.params, cfg["params"]), tuple(shape))
    task.load_state_dict(trained_state(store))
    task.train(False)
    torch.manual_seed(seed)
    out = task.sample(n)
    return out[:, 0] if out.ndim == 4 and out.shape[1] == 1 else out
