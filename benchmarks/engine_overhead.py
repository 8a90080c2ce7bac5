"""Engine overhead: training samples/s of the VAE job over samples/s of a bare
PyTorch loop on the same data, model, optimizer and batch, in the same run.
Target ≥ 0.9 on digits (issue 12), where epochs last tens of milliseconds and
any per-epoch cost of the house shows.

* bare: the loop a user would write (pytorch/examples' vae/main.py style),
  validation after every epoch, nothing written.
* engine: ``execute`` as ``train vae`` runs it — run folder, metrics,
  checkpoints, pictures.  Timed twice: the whole job (folder, reading and
  splitting the data, the final checkpoint and status), and its training loop
  alone (from the loop's first progress event to the job's return), the part
  that compares with the bare loop's timed part.
* with ``--gui`` (MNIST-sized synthetic data): the job in its background thread,
  and the same training started from the Models bench with every live panel.

Neither side counts building the model or, for the loop ratio, reading the data.
Each side is timed by the wall clock (what a user waits, fsync included) and by
this thread's CPU time (steadier on a shared machine; no waiting for the disk).

    python benchmarks/engine_overhead.py [--data digits|synthetic] [--epochs 50]
        [--repeat 5] [--threads 1] [--images 60000] [--gui]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from common import qt_app, synthetic_images  # noqa: I001

import torch

from engine import events as ev
from engine import params
from engine.data import images
from engine.jobs import execute
from engine.models.vae import gaussian_kl, reconstruction_nll, reparameterize
from engine.train import vae as vae_job
from engine.train.vae import VAEParams


def bare_loop(p: VAEParams) -> tuple[float, float]:
    """Samples/s (wall, CPU) of the plain loop, with the job's own split, model and optimizer."""
    parts = images.split(images.load(p.data), p.val_fraction, p.seed)
    x, x_val = torch.from_numpy(parts.x_train), torch.from_numpy(parts.x_val)
    torch.manual_seed(p.seed)
    task = vae_job.VAETask(p, tuple(x.shape[1:]), torch.device("cpu"), amp=False)
    model, opt = task.model, task.opt

    def loss_of(xb):
        mu, logvar = model.encode(xb)
        logits = model.decode(reparameterize(mu, logvar))
        return (reconstruction_nll(logits, xb, p.likelihood, p.sigma) + gaussian_kl(mu, logvar)).mean()

    start, cpu = time.perf_counter(), time.thread_time()
    for _ in range(p.epochs):
        perm = torch.randperm(len(x))
        for i in range(0, len(x), p.batch_size):
            loss = loss_of(x[perm[i:i + p.batch_size]])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        with torch.no_grad():
            float(sum(loss_of(x_val[i:i + 1024]) * len(x_val[i:i + 1024]) for i in range(0, len(x_val), 1024)))
    samples = p.epochs * len(x)
    return samples / (time.perf_counter() - start), samples / (time.thread_time() - cpu)


class LoopStart:
    """A sink noting when the training loop reports its first progress (after reading and set-up)."""

    def __init__(self) -> None:
        self.at: float | None = None
        self.cpu: float | None = None

    def __call__(self, event: ev.Event) -> None:
        if self.at is None and isinstance(event, ev.Progress) and event.epoch is not None:
            self.at, self.cpu = time.perf_counter(), time.thread_time()


def engine(p: VAEParams, n_train: int) -> tuple[float, float, float]:
    """Samples/s of the whole job, of its training loop, and of the loop by CPU time, as
    ``train vae`` runs it (in this thread)."""
    mark = LoopStart()
    start = time.perf_counter()
    out = execute(vae_job.JOB, p, Path(tempfile.mkdtemp()), [mark])
    end, cpu = time.perf_counter(), time.thread_time()
    if out.status != "completed":
        raise SystemExit(f"the job ended {out.status}: {out.error}")
    samples = p.epochs * n_train
    return samples / (end - start), samples / (end - mark.at), samples / (cpu - mark.cpu)


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
    assert bench.runs.model.frame.iat[0, 1] == "completed"
    bench.close()
    bench.deleteLater()
    return p.epochs * n_train / elapsed


def runs(values: list[float]) -> str:
    return f"{max(values):10,.0f} samples/s   (runs: {', '.join(f'{v:,.0f}' for v in values)})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", choices=("digits", "synthetic"), default="digits")
    ap.add_argument("--epochs", type=int, default=None, help="default: 50 on digits (the job's), 3 on synthetic")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--images", type=int, default=60000, help="synthetic 28×28 images (MNIST has 60,000)")
    ap.add_argument("--gui", action="store_true", help="also time the job thread and the Models bench")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    data = "digits" if args.data == "digits" else str(synthetic_images(args.images))
    epochs = args.epochs or (50 if args.data == "digits" else 3)
    p = VAEParams(data=data, epochs=epochs, device="cpu")
    n_train = len(images.split(images.load(data), p.val_fraction, p.seed).x_train)
    bare, bare_cpu, job, loop, loop_cpu, thread, gui = [], [], [], [], [], [], []
    for _ in range(args.repeat):  # alternate the sides, keep the best of each (the machine is shared)
        wall, cpu = bare_loop(p)
        bare.append(wall)
        bare_cpu.append(cpu)
        whole, inner, inner_cpu = engine(p, n_train)
        job.append(whole)
        loop.append(inner)
        loop_cpu.append(inner_cpu)
        if args.gui:
            thread.append(engine_thread(p, n_train))
            gui.append(workbench(p, n_train))
    b = max(bare)
    print(f"VAE ({p.arch}, hidden {p.hidden or 'the author’s'}), {args.data}, batch {p.batch_size}, {p.optimizer}, "
          f"{args.threads} thread(s), {epochs} epochs of {n_train:,} images, best of {args.repeat}")
    print(f"  bare PyTorch loop      : {runs(bare)}")
    print(f"  engine, training loop  : {runs(loop)}")
    print(f"  engine, whole job      : {runs(job)}")
    print(f"  bare loop, CPU time    : {runs(bare_cpu)}")
    print(f"  engine loop, CPU time  : {runs(loop_cpu)}")
    if args.gui:
        print(f"  job thread, no GUI     : {runs(thread)}")
        print(f"  workbench + GUI        : {runs(gui)}")
    print(f"  ratio engine loop / bare = {max(loop) / b:.3f}   (target ≥ 0.9)")
    print(f"  ratio engine job / bare  = {max(job) / b:.3f}")
    print(f"  ratio engine loop / bare by CPU time = {max(loop_cpu) / max(bare_cpu):.3f}")
    if args.gui:
        print(f"  ratio job thread / bare  = {max(thread) / b:.3f}")
        print(f"  ratio workbench / bare   = {max(gui) / b:.3f}")


if __name__ == "__main__":
    main()
