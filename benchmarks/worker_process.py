"""Jobs in a worker process (issue 18): the Models bench training a VAE in the
app's worker, with every live panel, against a bare PyTorch loop, in one run.

* start-up, reported apart: a worker's own start (spawn to "ready": importing
  torch and the loop), and with a warm worker the time from Start to the run's
  Started event, to its training loop, and to its first metrics (step 10).
* steady state: samples/s between the first progress report of the second
  epoch and the last one, by the worker's own clock (``Progress.elapsed``),
  over samples/s of the bare loop (engine_overhead.bare_loop: the job's split,
  model and optimizer) over the same epochs (its second on).  Target ≥ 0.95.  Also by
  an uncontended clock (wall time less the time the training thread waited,
  runnable, for a CPU: /proc/<pid>/schedstat), which a shared machine's other
  load leaves nearly alone.
* responsiveness: gaps of a 10 ms GUI timer over ``--seconds`` of training
  (as benchmarks/responsiveness.py), longest < 50 ms and p99 < 25 ms, the
  GUI thread's CPU time inside the longest gaps (own work, or waiting for a
  core), and this process's CPU share meanwhile (the window's own work:
  ≤ 25 % of one core).
* with ``--thread``: the same bench with the job on a thread of this process
  (the runner as it was), for comparison in the same run.

Sides alternate and the best of ``--repeat`` is kept; a fresh worker is warm
before each timed part, so its import never overlaps one.

    python benchmarks/worker_process.py [--epochs 3] [--repeat 3] [--threads 1]
        [--seconds 20] [--images 60000] [--thread]
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from common import qt_app, synthetic_images, timer_ticks  # noqa: I001
from engine_overhead import bare_loop

from engine import events as ev
from engine import params
from engine.data import images
from engine.train.vae import VAEParams
from engine.worker import WorkerPool


def cold_start(threads: int) -> float:
    """Seconds from spawning a worker to its "ready" (torch, the loop and a warm-up step imported)."""
    pool = WorkerPool(threads=threads)
    start = time.perf_counter()
    pool.warm()
    if not pool.idle.wait_ready(300):
        raise SystemExit("the worker did not start")
    elapsed = time.perf_counter() - start
    pool.close()
    return elapsed


def queue_wait(pid: int | None) -> float:
    """Seconds the main thread of process ``pid`` (the worker's training thread) has waited, runnable,
    for a CPU; 0 where /proc has no schedstat (engine_overhead.run_queue_wait for another process)."""
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError, TypeError):
        return 0.0


class Recorder:
    """Wraps the bridge's sink: every event with the time it reached this process and, at each
    progress report, the worker's run-queue wait so far."""

    def __init__(self, sink, pid) -> None:
        self.sink, self.pid, self.seen, self.waits = sink, pid, [], {}

    def __call__(self, event: ev.Event) -> None:
        self.seen.append((time.perf_counter(), event))
        if isinstance(event, ev.Progress):
            self.waits[id(event)] = queue_wait(self.pid())
        self.sink(event)

    def first(self, test) -> float:
        return next(t for t, e in self.seen if test(e))


def make_bench(app, data: str):
    from gui.benches.models import ModelsBench

    bench = ModelsBench(Path(tempfile.mkdtemp()))
    bench.resize(1300, 800)
    bench.show()
    bench.picker.set_source(data)
    while not bench.data_ok:
        app.processEvents()
    return bench


def run_where(bench, worker: bool) -> None:
    """Make the bench's Start run its job in the worker, or on a thread of this process."""
    from gui.widgets.job_driver import JobDriver

    driver = bench.driver
    driver.start = lambda *a: JobDriver.start(driver, *a, in_process=not worker)


def train(app, bench, p: VAEParams, worker: bool) -> Recorder:
    """Start ``p`` from the bench as the Start button does; returns the events with their times."""
    from PySide6.QtCore import QEventLoop

    run_where(bench, worker)
    bridge = bench.driver.bridge
    rec = bridge.sink = Recorder(type(bridge).sink.__get__(bridge), lambda: getattr(bench.driver.thread, "pid", None))
    bench.form.set_values(params.to_dict(p))
    loop = QEventLoop()
    ended = lambda busy: busy or loop.quit()  # noqa: E731
    bench.busy_changed.connect(ended)
    rec.start = time.perf_counter()
    bench.start()
    loop.exec()
    rec.end = time.perf_counter()
    bench.busy_changed.disconnect(ended)
    if bench.runs.model.frame["status"].iat[0] != "completed":
        raise SystemExit(f"the run ended {bench.runs.model.frame['status'].iat[0]}: {bench.messages.message()}")
    return rec


def steady(rec: Recorder, per_step: float) -> tuple[float, float]:
    """Samples/s by the job's clock from the second epoch's first progress report to the last: by
    the wall clock, and uncontended (less the time the worker waited for a CPU, as engine_overhead's
    clock; equal to the wall clock for a job on a thread, whose wait is not read)."""
    progress = [e for _, e in rec.seen if isinstance(e, ev.Progress) and e.epoch is not None]
    a = next(e for e in progress if e.epoch >= 1)
    b = progress[-1]
    if b.elapsed - a.elapsed < 1.0:
        raise SystemExit("the run is too short for a steady state: give more --images or --epochs")
    samples, wall = (b.step - a.step) * per_step, b.elapsed - a.elapsed
    return samples / wall, samples / (wall - (rec.waits[id(b)] - rec.waits[id(a)]))


def start_up(rec: Recorder) -> tuple[float, float, float]:
    """Seconds from Start to the Started event, to the loop's first report, to the first metrics."""
    return (rec.first(lambda e: isinstance(e, ev.Started)) - rec.start,
            rec.first(lambda e: isinstance(e, ev.Progress) and e.epoch is not None) - rec.start,
            rec.first(lambda e: isinstance(e, ev.Metrics)) - rec.start)


def runs(values: list[float]) -> str:
    return f"{max(values):10,.0f} samples/s   (runs: {', '.join(f'{v:,.0f}' for v in values)})"


def seconds(values: list[float]) -> str:
    return f"{min(values):6.2f} s   (runs: {', '.join(f'{v:.2f}' for v in values)})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--epochs", type=int, default=3, help="epochs of the bench's run and of the bare loop; "
                    "both are timed from their second epoch")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--images", type=int, default=60000, help="synthetic 28×28 images (MNIST has 60,000)")
    ap.add_argument("--thread", action="store_true", help="also time the bench with the job on a thread")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    app = qt_app()
    from gui import process_runner
    from gui.app import settle_memory

    data = str(synthetic_images(args.images))
    p = VAEParams(data=data, epochs=args.epochs, device="cpu")
    n_train = len(images.split(images.load(data), p.val_fraction, p.seed).x_train)
    per_step = n_train / math.ceil(n_train / p.batch_size)  # samples a step takes, on average

    cold = [cold_start(args.threads) for _ in range(args.repeat)]
    pool = process_runner.start_workers(threads=args.threads)
    bench = make_bench(app, data)
    settle_memory()
    bare, bare_free, proc, proc_free, proc_whole, thread, ups = [], [], [], [], [], [], []
    for _ in range(args.repeat):  # alternate the sides, keep the best of each (the machine is shared)
        pool.idle.wait_ready(300)
        rates = bare_loop(p, skip=1)  # the same epochs as the bench's steady state
        bare.append(rates["wall"])
        bare_free.append(rates["uncontended"])
        pool.idle.wait_ready(300)
        rec = train(app, bench, p, worker=True)
        wall, free = steady(rec, per_step)
        proc.append(wall)
        proc_free.append(free)
        proc_whole.append(args.epochs * n_train / (rec.end - rec.start))
        ups.append(start_up(rec))
        if args.thread:
            pool.idle.wait_ready(300)
            thread.append(steady(train(app, bench, p, worker=False), per_step)[0])

    # responsiveness: a long run in the worker, every panel live
    pool.idle.wait_ready(300)
    bench.form.set_values({"epochs": 1000})
    run_where(bench, worker=True)
    settle_memory()
    idle = timer_ticks(app, 3.0)[0]
    cpu0, wall0 = time.process_time(), time.perf_counter()
    busy, busy_cpu, at = timer_ticks(app, args.seconds, during=bench.start)
    gui_cpu = (time.process_time() - cpu0) / (time.perf_counter() - wall0)
    bench.driver.thread.control.cancel()
    while bench.busy:
        app.processEvents()
    bench.close()
    process_runner.stop_workers()

    b = max(bare)
    print(f"VAE ({p.arch}), {args.images:,} synthetic 28×28 images ({n_train:,} to train), batch {p.batch_size}, "
          f"{args.threads} torch thread(s), best of {args.repeat}; the bench trains {args.epochs} epochs, "
          f"steady state from its 2nd epoch; the bare loop {args.epochs - 1} epochs")
    print(f"  worker start (spawn → ready)     : {seconds(cold)}")
    print(f"  warm worker, Start → Started     : {seconds([u[0] for u in ups])}")
    print(f"  warm worker, Start → loop begins : {seconds([u[1] for u in ups])}")
    print(f"  warm worker, Start → 1st metrics : {seconds([u[2] for u in ups])}   (target: first step within 1 s)")
    print(f"  bare PyTorch loop                : {runs(bare)}")
    print(f"  bench, job in worker, steady     : {runs(proc)}")
    print(f"  bench, job in worker, whole run  : {runs(proc_whole)}   (start-up included)")
    print(f"  bare loop, uncontended clock     : {runs(bare_free)}")
    print(f"  worker steady, uncontended clock : {runs(proc_free)}")
    if args.thread:
        print(f"  bench, job on a thread, steady   : {runs(thread)}")
    paired = float(np.median([w / r for w, r in zip(proc, bare)]))  # back-to-back runs: a shared machine's
    print(f"  ratio worker steady / bare = {max(proc) / b:.3f} of the best runs, {paired:.3f} as the median of "
          f"runs made back to back   (target ≥ 0.95)")  # quiet moments decide a best-of, not the code
    print(f"  ratio by the uncontended clock = {max(proc_free) / max(bare_free):.3f}")
    if args.thread:
        print(f"  ratio thread steady / bare = {max(thread) / b:.3f}")
    print(f"10 ms timer, {args.seconds:.0f} s of training in the worker, every panel live")
    for name, g in (("idle (baseline)", idle), ("while training", busy)):
        print(f"  {name:16s}: ticks {len(g) + 1:5d}  median {np.median(g):5.1f} ms  p99 "
              f"{np.percentile(g, 99):5.1f} ms  longest {g.max():6.1f} ms")
    order = np.argsort(busy)[::-1][:5]
    print("  five longest gaps while training (GUI-thread CPU in each): " +
          ", ".join(f"{busy[i]:.0f} ms at {at[i]:.1f} s ({busy_cpu[i]:.0f} ms)" for i in order))
    print(f"  longest gap {busy.max():.1f} ms (target < 50), p99 {np.percentile(busy, 99):.1f} ms (target < 25); "
          f"GUI process CPU {gui_cpu:.0%} of one core (target ≤ 25 %)")


if __name__ == "__main__":
    main()
