"""The window's own CPU while a model trains (issue 13, issue 18): the GUI process's CPU time
(its GUI thread and its event threads) over 20 s of a VAE run and of a DAE run, started from the
Models bench with every panel live and the job in the app's worker process, as a share of one
core.  Target ≤ 25 %.  The same window idle for the same time is the baseline; the GUI thread's
own CPU (``time.thread_time``) is reported beside the process's.

    python benchmarks/gui_cpu.py [--seconds 20] [--threads 1] [--images 60000]
"""

from __future__ import annotations

import argparse
import time

from common import qt_app, synthetic_images  # noqa: I001
from worker_process import make_bench, run_where


def share(app, seconds: float, during=None) -> tuple[float, float]:
    """(process CPU, GUI-thread CPU) per wall second over ``seconds`` of the event loop."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    cpu, thread, wall = time.process_time(), time.thread_time(), time.perf_counter()
    if during is not None:
        during()
    loop.exec()
    elapsed = time.perf_counter() - wall
    return (time.process_time() - cpu) / elapsed, (time.thread_time() - thread) / elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--images", type=int, default=60000)
    args = ap.parse_args()
    from gui import process_runner
    from gui.app import settle_memory

    app = qt_app()
    pool = process_runner.start_workers(threads=args.threads)
    mnist_like = str(synthetic_images(args.images))
    bench = make_bench(app, mnist_like)
    runs = {"VAE": ("vae", {"data": mnist_like}), "DAE": ("dae", {})}
    print(f"GUI process CPU while the Models bench trains in the worker ({args.seconds:.0f} s each), "
          f"share of one core (target ≤ 25 %)")
    idle = share(app, args.seconds)
    print(f"  idle window          : process {idle[0]:6.1%}   GUI thread {idle[1]:6.1%}")
    for label, (name, values) in runs.items():
        bench.experiment.setCurrentIndex(bench.experiment.findData(name))
        if values:
            bench.picker.set_source(values["data"])
        while not bench.data_ok:
            app.processEvents()
        bench.form.set_values({"epochs": 100000})
        run_where(bench, worker=True)
        pool.idle.wait_ready(300)
        settle_memory()
        busy = share(app, args.seconds, during=bench.start)
        bench.driver.thread.control.cancel()
        while bench.busy:
            app.processEvents()
        verdict = "✓" if busy[0] <= 0.25 else "✗"
        print(f"  {label} training         : process {busy[0]:6.1%}   GUI thread {busy[1]:6.1%}   {verdict}")
    bench.close()
    process_runner.stop_workers()


if __name__ == "__main__":
    main()
