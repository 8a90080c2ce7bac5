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
from engine.io import atomic_path, check_target, write_text
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


SAMPLE_SUFFIXES = {".npy": "NumPy array", ".png": "PNG grid of the images", ".csv": "CSV of points",
                   ".txt": "text, a sample a line"}


def write_samples(samples: np.ndarray | list[str], path: Path) -> str:
    """Write drawn samples by the suffix of ``path`` (no suffix: .npy, or .txt for text) and say
    what was written: a text model's lines as .txt; arrays as .npy; images also as one PNG grid
    (as square as the count allows, one pixel between tiles); 2-D points also as .csv."""
    path = Path(path)
    if isinstance(samples, list):
        path = path if path.suffix else path.with_suffix(".txt")
        check_target(path)
        write_text(path, "".join(line + "\n" for line in samples))
        return f"{len(samples)} lines → {path}"
    path = path if path.suffix else path.with_suffix(".npy")
    check_target(path)
    suffix = path.suffix.lower()
    images = samples.ndim in (3, 4)
    if suffix == ".png" and images:
        from PIL import Image

        with atomic_path(path) as tmp:
            Image.fromarray(grid_image(samples)).save(tmp, format="PNG")
    elif suffix == ".csv" and samples.ndim == 2:
        with atomic_path(path) as tmp:
            np.savetxt(tmp, samples, delimiter=",", header=",".join(f"x{i + 1}" for i in range(samples.shape[1])),
                       comments="")
    elif suffix == ".npy":
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            np.save(fh, samples)
    else:
        fits = ".npy or .png" if images else ".npy or .csv"
        raise UserError(f"{path.name}: samples of shape {tuple(samples.shape[1:])} are written as {fits}")
    return f"{len(samples)} samples of shape {tuple(samples.shape[1:])} → {path}"


def grid_image(samples: np.ndarray) -> np.ndarray:
    """Images (n, h, w) or (n, c, h, w) in [0, 1] tiled into one 8-bit picture, rows of ⌈√n⌉."""
    tiles = samples if samples.ndim == 3 else np.moveaxis(samples, 1, -1)
    n, h, w = tiles.shape[:3]
    cols = int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    out = np.ones((rows * (h + 1) - 1, cols * (w + 1) - 1, *tiles.shape[3:]), np.float32)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, cols)
        out[r * (h + 1):r * (h + 1) + h, c * (w + 1):c * (w + 1) + w] = tile
    pixels = (np.clip(out, 0, 1) * 255 + 0.5).astype(np.uint8)
    return pixels[..., 0] if pixels.ndim == 3 and pixels.shape[2] == 1 else pixels
