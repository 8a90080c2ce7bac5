"""Features of a trained run (issue 14): ``engine.train.features.run_features`` on a VAE run
over MNIST-sized data (60,000 synthetic 28×28 images), against the script a user would write
instead — load the images and the checkpoint, build the model, encode in chunks of 512 — in
the same run, sides alternated, best of ``--repeat``.  Both include reading the data.

    python benchmarks/run_features.py [--images 60000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from common import synthetic_images  # noqa: I001

from engine.data import images
from engine.jobs import execute
from engine.models import vae as vae_model
from engine.runs import RunStore
from engine.train.features import run_features
from engine.train.vae import JOB, VAEParams


def by_hand(run_dir: Path, data: str, latent: int) -> np.ndarray:
    x = torch.from_numpy(images.load(data).x)
    model = vae_model.build("mlp", tuple(x.shape[1:]), latent)
    model.load_state_dict(RunStore.open(run_dir).load_checkpoint("best")["task"]["modules"]["vae"])
    model.eval()
    with torch.no_grad():
        return torch.cat([model.encode(x[i:i + 512])[0] for i in range(0, len(x), 512)]).numpy()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=60000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(1)
    data = str(synthetic_images(args.images))
    p = VAEParams(data=data, epochs=1, latent=8, device="cpu")
    run_dir = execute(JOB, p, Path(tempfile.mkdtemp())).run_dir
    ours, bare = [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        features = run_features(run_dir)
        ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        reference = by_hand(run_dir, data, p.latent)
        bare.append(time.perf_counter() - t0)
    assert np.allclose(features.matrix, reference, atol=1e-5)
    print(f"features of a VAE run, {args.images:,} images of 28×28, latent {p.latent}, best of {args.repeat}")
    print(f"  run_features      : {min(ours):6.2f} s   (runs: {', '.join(f'{t:.2f}' for t in ours)})")
    print(f"  by hand (torch)   : {min(bare):6.2f} s   (runs: {', '.join(f'{t:.2f}' for t in bare)})")
    print(f"  ratio = {min(ours) / min(bare):.2f}   (target ≤ 1.5: restoring the run and its checks cost little)")


if __name__ == "__main__":
    main()
