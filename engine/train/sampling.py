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
from engine.optim.stack import use_averages
from engine.runs import open_trained, trained_state
from engine import registry


def sample_run(run_dir: Path | str, n: int, seed: int = 0) -> np.ndarray | list[str]:
    """Samples in the data's shape; a text model's are lines of text ("xxxxx，xxxxx" for a verse run)."""
    if n < 1:
        raise UserError(f"ask for at least one sample, not {n}")
    store, cfg = open_trained(run_dir)
    name = cfg.get("job", "")
    job = registry.load(name) if name in {e.name for e in registry.entries("train")} else None
    if job is None or job.restore is None:
        raise UserError(f"{Path(run_dir).name}: a '{cfg.get('job')}' run has no generator to sample from")
    data = cfg.get("data") or {}
    shape = data.get("shape")
    if not shape:
        raise UserError(f"{Path(run_dir).name}: the run recorded no data shape (it failed before loading data)")
    text = {"vocabulary": data["vocabulary"]} if "vocabulary" in data else {}  # a text model's characters
    task = job.restore(prm.from_dict(job.params, cfg["params"]), tuple(shape), **text)
    task.load_state_dict(trained_state(store))
    use_averages(task.optimizers().values())  # a run trained with an EMA is used by its average
    task.train(False)
    torch.manual_seed(seed)
    out = task.sample(n)
    if isinstance(out, list):
        return out
    return out[:, 0] if out.ndim == 4 and out.shape[1] == 1 else out
