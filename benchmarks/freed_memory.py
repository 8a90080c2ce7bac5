"""Training steps with freed memory kept in the process (engine/allocator.py)
against glibc's defaults, in the same run: the spectra net (2,600-point
spectra, batch 160) and the VAE (MLP on 28×28 images, batch 100), the
trainers' own ``train_step``.  The two sides alternate, one thread, best of
``--rounds`` for each; wall time, CPU time split into user and system, and
the page faults a step takes.

    python benchmarks/freed_memory.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from engine import allocator  # noqa: E402
from engine.optim.build import build  # noqa: E402
from engine.spectra.training import SpectraParams, SpectraTask  # noqa: E402
from engine.train.vae import VAEParams, VAETask  # noqa: E402


def spectra():
    p = SpectraParams(device="cpu")
    task = SpectraTask(p, ["star", "galaxy", "qso", "unknown"], torch.device("cpu"))
    return task, torch.randn(p.batch_size, 2600), torch.randint(4, (p.batch_size,)), 2


def vae():
    p = VAEParams(device="cpu", optimizer="adam")
    task = VAETask(p, (1, 28, 28), torch.device("cpu"), amp=False)
    task.opt = build(p, task.model)
    return task, torch.rand(p.batch_size, 1, 28, 28), torch.zeros(p.batch_size, dtype=torch.long), 200


def steps(task, x, y, n: int) -> tuple[float, float, float, float]:
    """Per step: wall seconds, user and system CPU seconds, page faults."""
    r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    for _ in range(n):
        float(task.train_step(x, y)["loss"])
    r1, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter() - t0
    return wall / n, (r1.ru_utime - r0.ru_utime) / n, (r1.ru_stime - r0.ru_stime) / n, (r1.ru_minflt - r0.ru_minflt) / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    for label, make in (("spectra net (batch 160)", spectra), ("VAE (batch 100)", vae)):
        task, x, y, n = make()
        steps(task, x, y, 1)  # warm-up: the optimizer's state, the first allocations
        best: dict[str, tuple[float, ...]] = {}
        for _ in range(args.rounds):
            for side in ("defaults", "kept"):
                if side == "kept":
                    with allocator.kept():
                        steps(task, x, y, 1)  # the heap grows to the step's peak once
                        figures = steps(task, x, y, n)
                else:
                    figures = steps(task, x, y, n)
                if side not in best or figures[0] < best[side][0]:
                    best[side] = figures
        print(f"\n{label}: {n} step(s) a round, best of {args.rounds}")
        for side, (wall, user, system, faults) in best.items():
            print(f"  {side:9s} {wall * 1e3:9.1f} ms wall  {user * 1e3:9.1f} ms user  {system * 1e3:8.1f} ms system"
                  f"  {faults:9,.0f} page faults")
        print(f"  kept / defaults: {best['kept'][0] / best['defaults'][0]:.3f}× the wall time")


if __name__ == "__main__":
    main()
