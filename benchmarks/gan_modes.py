"""Mode coverage on the 8-Gaussian ring (σ = 0.02) for each GAN loss at its defaults:
modes covered by 5,000 samples of the final generator (a mode counts when ≥ 2 % of the
samples lie within 3σ of its centre), the share of samples near no mode, and the CPU
seconds spent.  Baseline in the same run: the generator before training.

    python benchmarks/gan_modes.py [--epochs 40] [--threads 1]
"""

from __future__ import annotations

import argparse
import tempfile
import time

import common  # noqa: F401 - sets the path

import torch

from engine.data import toy2d
from engine.jobs import execute
from engine.runs import RunStore
from engine.train.gan import GANParams, GANTask
from engine.train.registry import EXPERIMENTS


def samples_of(run_dir, p: GANParams, n: int = 5000):
    task = GANTask(p, (2,), False, torch.device("cpu"))
    task.load_state_dict(RunStore(run_dir).load_checkpoint("last")["task"])
    torch.manual_seed(123)
    return task.sample(n)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    untrained = GANTask(GANParams(), (2,), False, torch.device("cpu")).sample(5000)
    print(f"8 Gaussians on a ring (σ = 0.02), 20,000 points, batch 256, {args.epochs} epochs, "
          f"{args.threads} CPU thread(s)")
    print(f"  {'untrained generator':22s} modes {toy2d.mode_coverage(untrained, 0.02)[0]}/8  "
          f"off-mode {toy2d.mode_coverage(untrained, 0.02)[1]:.1%}")
    for loss in ("standard", "wgan-gp", "wgan-div", "gan-qp"):
        p = GANParams(loss=loss, epochs=args.epochs, device="cpu")
        t0 = time.process_time()
        out = execute(EXPERIMENTS["gan"], p, tempfile.mkdtemp())
        cpu = time.process_time() - t0
        covered, off = toy2d.mode_coverage(samples_of(out.run_dir, p), 0.02)
        print(f"  {loss:22s} modes {covered}/8  off-mode {off:.1%}  CPU {cpu:5.0f} s  ({out.status})")


if __name__ == "__main__":
    main()
