"""Mode coverage on the 8-Gaussian ring (σ = 0.02) for each GAN loss at its defaults:
modes covered by 5,000 samples of the run's best generator (best.pt, the lowest
validation sliced Wasserstein distance — what the workbench keeps), a mode counting
when ≥ 2 % of the samples lie within 3σ of its centre; the share of samples near no
mode; the first epoch whose validation samples covered all 8; and the CPU seconds
spent.  Baseline in the same run: the generator before training.

    python benchmarks/gan_modes.py [--epochs 40] [--wgan-epochs 80] [--cascading] [--threads 1]
"""

from __future__ import annotations

import argparse
import tempfile
import time

import common  # noqa: F401 - sets the path
import torch

from engine.data import toy2d
from engine.jobs import execute
from engine.runs import RunStore, read_metrics
from engine.train.gan import GANParams, GANTask
from engine.train.registry import EXPERIMENTS


def samples_of(run_dir, p: GANParams, n: int = 5000):
    task = GANTask(p, (2,), False, torch.device("cpu"))
    task.load_state_dict(RunStore(run_dir).load_checkpoint("best")["task"])
    torch.manual_seed(123)
    return task.sample(n)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--epochs", type=int, default=40, help="epochs for standard and GAN-QP")
    ap.add_argument("--wgan-epochs", type=int, default=80, help="epochs for WGAN-GP and WGAN-div")
    ap.add_argument("--cascading", action="store_true", help="with the cascading-rejection critic (3 heads)")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    untrained = GANTask(GANParams(), (2,), False, torch.device("cpu")).sample(5000)
    print(f"8 Gaussians on a ring (σ = 0.02), 20,000 points, batch 256, {args.threads} CPU thread(s)"
          f"{', cascading rejection (3 heads)' if args.cascading else ''}")
    print(f"  {'untrained generator':22s} modes {toy2d.mode_coverage(untrained, 0.02)[0]}/8  "
          f"off-mode {toy2d.mode_coverage(untrained, 0.02)[1]:.1%}")
    for loss in ("standard", "wgan-gp", "wgan-div", "gan-qp"):
        epochs = args.wgan_epochs if loss.startswith("wgan") else args.epochs
        p = GANParams(loss=loss, epochs=epochs, cascading_rejection=args.cascading, device="cpu")
        t0 = time.process_time()
        out = execute(EXPERIMENTS["gan"], p, tempfile.mkdtemp())
        cpu = time.process_time() - t0
        covered, off = toy2d.mode_coverage(samples_of(out.run_dir, p), 0.02)
        full = [m["epoch"] + 1 for m in read_metrics(out.run_dir).to_dict("records")
                if m["phase"] == "val" and m.get("modes") == 8]
        print(f"  {loss:10s} {epochs:3d} epochs  modes {covered}/8  off-mode {off:.1%}  all 8 first at epoch "
              f"{full[0] if full else '—'}  CPU {cpu:5.0f} s  ({out.status})")


if __name__ == "__main__":
    main()
