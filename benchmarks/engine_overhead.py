"""Engine overhead: training samples/s of the VAE job over samples/s of a bare
PyTorch loop on the same data, model, optimizer and batch, in the same run.
Target ≥ 0.9 on digits (issue 12), where epochs last tens of milliseconds and
any per-epoch cost of the house shows.

* bare: the loop a user would write (pytorch/examples' vae/main.py style),
  validation after every epoch, nothing written.
* engine: ``execute`` as ``train vae`` runs it (in this thread) — run folder,
  metrics, checkpoints, pictures.  Timed twice: its training loop alone (from
  the loop's first progress event to the job's return, the final checkpoint
  included), the part that compares with the bare loop's timed part; and the
  whole job (folder, reading and splitting the data, status files).
* with ``--gui`` (MNIST-sized synthetic data): the job in its background thread,
  and the same training started from the Models bench with every live panel.

Neither side counts building the model or, for the loop ratio, reading the data.
Three clocks: the wall clock (what a user waits); the wall clock less the time
this thread sat runnable waiting for a CPU (Linux schedstat) — the wall time of
an idle machine, disk waits (fsync) included, and the steadier figure on a
shared one; and this thread's CPU time (no disk waits).  The sides alternate;
each rate is the best of the repeats, and each ratio is given twice: of the
best rates, and as the median of the ratios of runs made back to back (on a
busy machine one lucky quiet moment decides a best-of, not the code).

    python benchmarks/engine_overhead.py [--data digits|synthetic] [--epochs 50]
        [--repeat 7] [--threads 1] [--images 60000] [--gui]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch
from common import qt_app, synthetic_images  # noqa: I001

from engine import events as ev
from engine import params
from engine.data import images
from engine.jobs import execute
from engine.models.vae import gaussian_kl, reconstruction_nll, reparameterize
from engine.train import vae as vae_job
from engine.train.vae import VAEParams

CLOCKS = ("wall", "uncontended", "cpu")


def run_queue_wait() -> float:
    """Seconds this thread has waited, runnable, for a CPU (0 where schedstat is missing)."""
    try:
        with open("/proc/thread-self/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


class Clocks:
    """The three clocks of this thread, read together."""

    def __init__(self) -> None:
        self.wall, self.cpu, self.wait = time.perf_counter(), time.thread_time(), run_queue_wait()

    def rates(self, samples: int) -> dict[str, float]:
        """Samples/s by each clock since this reading."""
        now = Clocks()
        wall = now.wall - self.wall
        return {"wall": samples / wall, "uncontended": samples / (wall - (now.wait - self.wait)),
                "cpu": samples / (now.cpu - self.cpu)}


def bare_loop(p: VAEParams, skip: int = 0) -> dict[str, float]:
    """Samples/s of the plain loop, with the job's own split, model and optimizer; the clocks start
    after ``skip`` epochs (to time the same stretch of training as a run's steady state: an
    optimizer's state and so its speed change as training goes — RMSprop's mean square of a
    gradient that stays 0, MNIST's border pixels, decays into denormal floats, which torch's
    sqrt handles many times slower)."""
    parts = images.split(images.load(p.data), p.val_fraction, p.seed)
    x, x_val = torch.from_numpy(parts.x_train), torch.from_numpy(parts.x_val)
    torch.manual_seed(p.seed)
    task = vae_job.VAETask(p, tuple(x.shape[1:]), torch.device("cpu"), amp=False)
    model, opt = task.model, task.opt

    def loss_of(xb):
        mu, logvar = model.encode(xb)
        logits = model.decode(reparameterize(mu, logvar))
        return (reconstruction_nll(logits, xb, p.likelihood, p.sigma) + gaussian_kl(mu, logvar)).mean()

    start = Clocks()
    for epoch in range(p.epochs):
        if epoch == skip:
            start = Clocks()
        perm = torch.randperm(len(x))
        for i in range(0, len(x), p.batch_size):
            loss = loss_of(x[perm[i:i + p.batch_size]])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        with torch.no_grad():
            float(sum(loss_of(x_val[i:i + 1024]) * len(x_val[i:i + 1024]) for i in range(0, len(x_val), 1024)))
    return start.rates((p.epochs - skip) * len(x))


class LoopStart:
    """A sink reading the clocks when the training loop reports its first progress (after set-up)."""

    def __init__(self) -> None:
        self.clocks: Clocks | None = None

    def __call__(self, event: ev.Event) -> None:
        if self.clocks is None and isinstance(event, ev.Progress) and event.epoch is not None:
            self.clocks = Clocks()


def engine(p: VAEParams, n_train: int) -> tuple[dict[str, float], dict[str, float]]:
    """Samples/s of the training loop and of the whole job, as ``train vae`` runs it."""
    mark, start = LoopStart(), Clocks()
    out = execute(vae_job.JOB, p, Path(tempfile.mkdtemp()), [mark])
    if out.status != "completed":
        raise SystemExit(f"the job ended {out.status}: {out.error}")
    samples = p.epochs * n_train
    return mark.clocks.rates(samples), start.rates(samples)


def engine_thread(p: VAEParams, n_train: int) -> float:
    """Samples/s of the job in its background thread with no GUI."""
    app = qt_app()
    from PySide6.QtCore import QEventLoop

    from gui.runner import JobThread

    thread = JobThread(vae_job.JOB, p, Path(tempfile.mkdtemp()), lambda event: None)
    loop = QEventLoop()
    thread.finished.connect(loop.quit)
    start = time.perf_counter()
    thread.start()
    loop.exec()
    del app
    return p.epochs * n_train / (time.perf_counter() - start)


def workbench(p: VAEParams, n_train: int) -> float:
    """Samples/s of the same training started from the Models bench: job thread,
    bridge, live curves, reconstructions, latent scatter and manifold, offscreen."""
    app = qt_app()
    from PySide6.QtCore import QEventLoop

    from gui.benches.models import ModelsBench

    bench = ModelsBench(Path(tempfile.mkdtemp()))
    bench.resize(1300, 800)
    bench.show()
    bench.picker.set_source(p.data)
    while not bench.data_ok:  # the bench checks the file first; not part of training
        app.processEvents()
    bench.form.set_values(params.to_dict(p))
    loop = QEventLoop()
    bench.busy_changed.connect(lambda busy: busy or loop.quit())
    start = time.perf_counter()
    bench.start()
    loop.exec()
    elapsed = time.perf_counter() - start
    assert bench.runs.model.frame["status"].iat[0] == "completed"
    bench.close()
    bench.deleteLater()
    return p.epochs * n_train / elapsed


def runs(values: list[float]) -> str:
    return f"{max(values):10,.0f} samples/s   (runs: {', '.join(f'{v:,.0f}' for v in values)})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", choices=("digits", "synthetic"), default="digits")
    ap.add_argument("--epochs", type=int, default=None, help="default: 50 on digits (the job's), 3 on synthetic")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--images", type=int, default=60000, help="synthetic 28×28 images (MNIST has 60,000)")
    ap.add_argument("--gui", action="store_true", help="also time the job thread and the Models bench")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    data = "digits" if args.data == "digits" else str(synthetic_images(args.images))
    epochs = args.epochs or (50 if args.data == "digits" else 3)
    p = VAEParams(data=data, epochs=epochs, device="cpu")
    n_train = len(images.split(images.load(data), p.val_fraction, p.seed).x_train)
    sides: dict[str, dict[str, list[float]]] = {s: {c: [] for c in CLOCKS} for s in ("bare", "loop", "job")}
    thread, gui = [], []
    for _ in range(args.repeat):  # alternate the sides, keep the best of each (the machine is shared)
        for side, rates in zip(("bare", "loop", "job"), (bare_loop(p), *engine(p, n_train))):
            for clock in CLOCKS:
                sides[side][clock].append(rates[clock])
        if args.gui:
            thread.append(engine_thread(p, n_train))
            gui.append(workbench(p, n_train))
    print(f"VAE ({p.arch}, hidden {p.hidden or 'as the author'}), {args.data}, batch {p.batch_size}, {p.optimizer}, "
          f"{args.threads} thread(s), {epochs} epochs of {n_train:,} images, best of {args.repeat}")
    names = {"bare": "bare PyTorch loop", "loop": "engine, training loop", "job": "engine, whole job"}
    for clock in CLOCKS:
        print(f" {clock} clock")
        for side in sides:
            print(f"  {names[side]:22s}: {runs(sides[side][clock])}")
    if args.gui:
        print(f"  {'job thread, no GUI':22s}: {runs(thread)}   (wall clock)")
        print(f"  {'workbench + GUI':22s}: {runs(gui)}   (wall clock)")
    best = {side: {c: max(v) for c, v in clocks.items()} for side, clocks in sides.items()}
    for clock in CLOCKS:
        parts = []
        for side in ("loop", "job"):
            paired = statistics.median(e / b for e, b in zip(sides[side][clock], sides["bare"][clock]))
            parts.append(f"engine {side} / bare = {best[side][clock] / best['bare'][clock]:.3f} "
                         f"(paired median {paired:.3f})")
        print(f"  ratio by the {clock} clock: {', '.join(parts)}   (target ≥ 0.9)")
    if args.gui:
        print(f"  ratio job thread / bare = {max(thread) / best['bare']['wall']:.3f}, "
              f"workbench / bare = {max(gui) / best['bare']['wall']:.3f}   (wall clock)")


if __name__ == "__main__":
    main()
