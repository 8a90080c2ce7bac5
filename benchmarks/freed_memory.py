"""Training steps with freed memory kept in the process (engine/allocator.py)
against glibc's defaults, in the same run, and against jemalloc — the
allocator a user would otherwise preload (PyTorch's CPU tuning guide), set
never to purge freed pages — where
``libjemalloc.so.2`` is installed, in a child process with ``LD_PRELOAD``:
the spectra net (2,600-point spectra, batch 160) and the VAE (MLP on 28×28
images, batch 100), the trainers' own ``train_step``.  The sides alternate
round by round, one thread, best of ``--rounds`` for each; wall time, CPU
time split into user and system, and the page faults a step takes.

    python benchmarks/freed_memory.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import ctypes.util
import json
import os
import resource
import subprocess
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


def measure(model: tuple, side: str) -> tuple[float, ...]:
    """One round of ``side`` ("defaults" or "kept") on ``model`` (task, x, y, steps), warmed by a step."""
    task, x, y, n = model
    steps(task, x, y, 1)  # the optimizer's state, the first allocations
    if side == "kept":
        with allocator.kept():
            steps(task, x, y, 1)  # the heap grows to the step's peak once
            return steps(task, x, y, n)
    return steps(task, x, y, n)


def jemalloc_round(model: str) -> tuple[float, ...] | None:
    """One round with glibc's defaults in a child process that preloads jemalloc (None: not installed)."""
    lib = ctypes.util.find_library("jemalloc")
    if lib is None:
        return None
    env = {**os.environ, "LD_PRELOAD": lib, "OMP_NUM_THREADS": "1", "MALLOC_CONF": JEMALLOC_CONF}
    out = subprocess.run([sys.executable, __file__, "--child", model], env=env, capture_output=True, text=True,
                         check=True).stdout
    return tuple(json.loads(out.strip().splitlines()[-1]))


MODELS = {"spectra net (batch 160)": spectra, "VAE (batch 100)": vae}
# freed pages never purged: its fastest setting here (the tuning guide's, with oversize_threshold:1, purged
# large blocks at once: 970,000 faults and 3.3 s a spectra-net step)
JEMALLOC_CONF = "background_thread:true,metadata_thp:auto,dirty_decay_ms:-1,muzzy_decay_ms:-1"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--child", help=argparse.SUPPRESS)  # one jemalloc round of this model, as JSON
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    if args.child:
        print(json.dumps(measure(MODELS[args.child](), "defaults")))
        return
    for label, make in MODELS.items():
        model = make()  # both in-process sides step the same model (separately built ones differ by a few %)
        best: dict[str, tuple[float, ...]] = {}
        for _ in range(args.rounds):
            for side in ("defaults", "kept", "jemalloc"):
                figures = jemalloc_round(label) if side == "jemalloc" else measure(model, side)
                if figures is not None and (side not in best or figures[0] < best[side][0]):
                    best[side] = figures
        print(f"\n{label}: best of {args.rounds} rounds")
        for side, (wall, user, system, faults) in best.items():
            print(f"  {side:9s} {wall * 1e3:9.1f} ms wall  {user * 1e3:9.1f} ms user  {system * 1e3:8.1f} ms system"
                  f"  {faults:9,.0f} page faults")
        for side in ("defaults", "jemalloc"):
            if side in best:
                print(f"  kept / {side}: {best['kept'][0] / best[side][0]:.3f}× the wall time")


if __name__ == "__main__":
    main()
