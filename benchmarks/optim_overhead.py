"""Optimizer wrappers' overhead (issue 16): the time of one training step
(forward, backward, update — the trainer's own ``train_step``) with each
wrapper, and with all of them stacked, over the same step with bare Adam, in
the same run.  Target ≤ 1.05× on the VAE (MLP, MNIST-sized images, batch 100)
and the spectra net (2,600-point spectra, batch 160).

The configurations take turns step by step (in a rotating order), so a busy
machine slows them alike; each is the best of its steps' CPU time (this
thread's, steadier than the wall clock where other work shares the cores;
the best, because a shared machine only ever adds time).
Accumulation over 4 batches costs one gradient addition per batch and one
update per 4, so it is usually faster than the bare step;
"lazy" marks every weight matrix as an embedding (the worst case — with the
defaults no layer of these models is one; on the VAE's random images 158 of
the first layer's 256 rows have no gradient and are held).  A second bare
Adam is timed as a control: its ratio is the spread of the measurement
itself (separate models, separate memory).

    python benchmarks/optim_overhead.py [--steps 40] [--threads 1] [--models vae,spectra]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from engine.optim.build import build  # noqa: E402
from engine.spectra.training import SpectraParams, SpectraTask  # noqa: E402
from engine.train.vae import VAEParams, VAETask  # noqa: E402

CONFIGS: dict[str, dict] = {
    "adam": {},
    "adam (a second copy)": {},  # the control: how far two identical steps differ in this run
    "accumulate 4": {"accumulate": 4},
    "schedule": {"schedule": "1000:1,2000:0.1"},
    "weight decay": {"weight_decay": 0.01},
    "layer adaptation": {"layer_adaptation": True},
    "lookahead": {"lookahead": True},
    "lazy (every weight)": {"lazy": True},
    "ema": {"ema": 0.999},
    "all but accumulation": {"schedule": "1000:1,2000:0.1", "weight_decay": 0.01, "layer_adaptation": True,
                             "lookahead": True, "lazy": True, "ema": 0.999},
    "all stacked": {"accumulate": 4, "schedule": "1000:1,2000:0.1", "weight_decay": 0.01,
                    "layer_adaptation": True, "lookahead": True, "lazy": True, "ema": 0.999},
}


def vae_task(extra: dict) -> tuple[VAETask, torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    p = VAEParams(device="cpu", optimizer="adam", **extra)
    task = VAETask(p, (1, 28, 28), torch.device("cpu"), amp=False)
    task.opt = build(p, task.model, lazy_rows=("weight",))
    x = torch.rand(p.batch_size, 1, 28, 28)
    return task, x, torch.zeros(p.batch_size, dtype=torch.long)


def spectra_task(extra: dict) -> tuple[SpectraTask, torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    p = SpectraParams(device="cpu", **extra)
    task = SpectraTask(p, ["star", "galaxy", "qso", "unknown"], torch.device("cpu"))
    task.opt = build(p, task.model, lazy_rows=("weight",))
    x = torch.randn(p.batch_size, 2600)
    return task, x, torch.randint(4, (p.batch_size,))


def measure(make, steps: int) -> dict[str, float]:
    """Best CPU time of a step per configuration, the configurations taking turns step by step."""
    tasks = {name: make(extra) for name, extra in CONFIGS.items()}
    names = list(CONFIGS)
    times: dict[str, list[float]] = {name: [] for name in names}
    for i in range(steps + 4):  # the first rounds warm up (allocations, the optimizers' lazy state)
        for name in names[i % len(names):] + names[:i % len(names)]:
            task, x, y = tasks[name]
            t0 = time.thread_time()
            float(task.train_step(x, y)["loss"])
            if i >= 4:
                times[name].append(time.thread_time() - t0)
    return {name: min(t) for name, t in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--models", default="vae,spectra", help="which models to time, comma-separated")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    worst = 0.0
    models = {"vae": ("VAE (MLP 784-256-2, batch 100)", vae_task, args.steps),
              "spectra": ("spectra net (width 16, batch 160)", spectra_task, max(5, args.steps // 4))}
    for key in args.models.split(","):
        label, make, steps = models[key.strip()]
        best = measure(make, steps)
        base = best["adam"]
        print(f"\n{label}: bare Adam step {base * 1e3:.2f} ms CPU (best of {steps})")
        for name, t in best.items():
            ratio = t / base
            if not name.startswith("adam"):
                worst = max(worst, ratio)
            print(f"  {name:22s} {t * 1e3:8.2f} ms   {ratio:5.3f}×{'' if ratio <= 1.05 else '   > 1.05'}")
    print(f"\nworst ratio {worst:.3f} (target ≤ 1.05)")


if __name__ == "__main__":
    main()
