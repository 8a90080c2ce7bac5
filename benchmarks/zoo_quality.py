"""Quality of the model zoo at its defaults, each against a baseline computed in the same run.

* VQ-VAE on digits: validation reconstruction MSE and codebook perplexity, with and
  without dead-code restarts; baseline: the MSE of predicting the mean image.
* BiGAN-QP: reconstruction MSE of G(E(x)) on digits (baseline: the mean image) and on
  the 8-Gaussian ring (also the modes its samples cover).
* DAE sampler: sliced Wasserstein distance of 2,000 samples to fresh data on each toy
  set, against uniform noise over the data's range and against a second fresh draw
  (the floor: what two samples of the true distribution score).
* Deep INFOMAX on digits: 5-NN label accuracy of the features, against the untrained
  encoder and against raw pixels.

    python benchmarks/zoo_quality.py [--only vqvae,bigan,dae,infomax] [--threads 1]
"""

from __future__ import annotations

import argparse
import tempfile
import time

import common  # noqa: F401 - sets the path
import numpy as np
import torch

from engine.data import images, toy2d
from engine.jobs import execute
from engine.train import infomax as infomax_train
from engine.train.bigan import BiGANParams
from engine.train.dae import DAEParams
from engine.train.infomax import InfomaxParams, knn_accuracy
from engine.train.registry import EXPERIMENTS
from engine.train.sampling import sample_run
from engine.train.vqvae import VQVAEParams


def train(name: str, params) -> tuple[dict, float]:
    t0 = time.process_time()
    out = execute(EXPERIMENTS[name], params, tempfile.mkdtemp())
    if out.status != "completed":
        raise SystemExit(f"{name}: {out.status}: {out.error}")
    return out, time.process_time() - t0


def mean_image_mse(seed: int = 0) -> float:
    parts = images.split(images.load("digits"), 0.1, seed)
    return float(((parts.x_val - parts.x_train.mean(0)) ** 2).mean())


def vqvae() -> None:
    base = mean_image_mse()
    print(f"VQ-VAE, digits (8×8 → 4×4 codes of K = 64), 30 epochs; mean-image MSE {base:.4f}")
    for restart in (False, True):
        out, cpu = train("vqvae", VQVAEParams(restart_dead=restart, device="cpu"))
        s = out.summary
        print(f"  restart dead codes {'on ' if restart else 'off'}  recon MSE {s['val/recon']:.4f} "
              f"({s['val/recon'] / base:.2f}× the mean image)  perplexity {s['val/perplexity']:.1f}/64  "
              f"CPU {cpu:.0f} s   samples: {out.run_dir}")


def bigan() -> None:
    base = mean_image_mse(0)
    for data, p in (("digits", BiGANParams(data="digits", epochs=200, lr=2e-4, device="cpu")),
                    ("gaussians8", BiGANParams(device="cpu"))):
        out, cpu = train("bigan-qp", p)
        s = out.summary
        extra = f"  (mean image {base:.4f}: {s['val/recon_mse'] / base:.2f}×)" if data == "digits" else \
            f"  modes {s.get('val/modes', 0):.0f}/8  off-mode {s.get('val/off_mode', 0):.1%}"
        print(f"BiGAN-QP, {data}, {p.epochs} epochs, lr {p.lr:g}: recon MSE {s['val/recon_mse']:.4f}{extra}  "
              f"swd {s['val/swd']:.3f}  CPU {cpu:.0f} s   run: {out.run_dir}")


def dae() -> None:
    print("DAE + annealed Langevin (L = 10, T = 100, ε = 2e-5), 30 epochs, 2,000 samples; "
          "sliced Wasserstein distance to fresh data (lower is better)")
    for toy in toy2d.TOYS:
        out, cpu = train("dae", DAEParams(data=toy, device="cpu"))
        fresh, _ = toy2d.sample(toy, 2000, 0.02, seed=1234)
        floor, _ = toy2d.sample(toy, 2000, 0.02, seed=4321)
        torch.manual_seed(0)
        draws = sample_run(out.run_dir, 2000)
        uniform = np.random.default_rng(0).uniform(fresh.min(0), fresh.max(0), (2000, 2)).astype(np.float32)
        d, u, f = (toy2d.sliced_wasserstein(fresh, a) for a in (draws, uniform, floor))
        print(f"  {toy:12s} samples {d:.3f}   uniform noise {u:.3f} (samples {d / u:.2f}×)   "
              f"fresh data {f:.3f}   CPU {cpu:.0f} s")


def infomax() -> None:
    out, cpu = train("infomax", InfomaxParams(device="cpu"))
    parts = images.split(images.load("digits"), 0.1, 0)
    x, y = torch.from_numpy(parts.x_val), torch.from_numpy(parts.y_val)
    untrained = infomax_train.InfomaxTask(InfomaxParams(), (1, 8, 8), torch.device("cpu"))
    untrained.train(False)
    with torch.no_grad():
        raw = knn_accuracy(x.flatten(1), y)
        local, _, mu, _ = untrained.model.encoder(x - 0.5)
        init_mu, init_local = knn_accuracy(mu, y), knn_accuracy(local.flatten(1), y)
    s = out.summary
    print(f"Deep INFOMAX, digits, 50 epochs, 5-NN label accuracy (cosine): μ {s['val/knn_acc']:.3f} "
          f"(untrained {init_mu:.3f}); local feature map {s['val/knn_local']:.3f} (untrained {init_local:.3f}); "
          f"raw pixels {raw:.3f}   CPU {cpu:.0f} s")


PARTS = {"vqvae": vqvae, "bigan": bigan, "dae": dae, "infomax": infomax}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", default=",".join(PARTS), help="comma-separated parts to run")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    for name in args.only.split(","):
        torch.manual_seed(0)
        PARTS[name]()


if __name__ == "__main__":
    main()
