"""100,000 items × 128 dimensions → kNN graph (chosen automatically: HNSW above 50k) →
InfoMap modules, with progress and Cancel, peak memory reported (this process and its
worker processes).  Cancel is also timed: asked during the graph search and during
InfoMap's search, how long until the task has stopped.

    python benchmarks/graph_scale.py [--n 100000] [--dim 128] [--no-cancel]
"""

from __future__ import annotations

import argparse
import os
import resource
import threading
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import common  # noqa: F401,E402 - sets the path
from graph_data import word_like_vectors  # noqa: E402


class ChildPeak:
    """The largest peak resident size (VmHWM) of this process's child processes, sampled while
    they live (``RUSAGE_CHILDREN`` would count the parent's memory copied at fork)."""

    def __init__(self, every: float = 0.2) -> None:
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(every,), daemon=True)
        self._thread.start()

    def _run(self, every: float) -> None:
        while not self._stop.wait(every):
            for task in os.listdir("/proc/self/task"):
                try:
                    with open(f"/proc/self/task/{task}/children") as f:
                        pids = f.read().split()
                except OSError:
                    continue
                for pid in pids:
                    try:
                        with open(f"/proc/{pid}/status") as f:
                            line = next(x for x in f if x.startswith("VmHWM:"))
                        self.peak_kib = max(self.peak_kib, int(line.split()[1]))
                    except (OSError, StopIteration):
                        pass

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_kib / 1024


def cancel_latency(v, when_text: str, timeout: float = 600.0) -> float:
    """Start a clustering in a thread, cancel it once its progress text contains ``when_text``,
    and return the seconds from the request to the end of the task."""
    from engine.graph.cluster import cluster
    from engine.tasks import Cancelled, TaskContext

    seen = threading.Event()
    ctx = TaskContext(on_progress=lambda d, t, text: seen.set() if when_text in text else None, interval=0.0)
    outcome = {}

    def work():
        try:
            cluster(v, ctx=ctx)
            outcome["r"] = "finished"
        except Cancelled:
            outcome["r"] = "cancelled"

    thread = threading.Thread(target=work)
    thread.start()
    seen.wait(timeout)
    t = time.perf_counter()
    ctx.control.cancel()
    thread.join()
    assert outcome["r"] == "cancelled", outcome
    return time.perf_counter() - t


def main() -> None:
    import torch

    from engine.graph.cluster import cluster
    from engine.tasks import TaskContext

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--no-cancel", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    v = word_like_vectors(args.n, args.dim)
    updates = []
    ctx = TaskContext(on_progress=lambda d, t, text: updates.append(text))
    sampler = ChildPeak()
    t = time.perf_counter()
    r = cluster(v, ctx=ctx)
    total = time.perf_counter() - t
    workers = sampler.stop()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.n:,} × {args.dim}: graph by {r.graph.method}, {r.graph.num_links:,} links; {r.tree.num_top:,} "
          f"modules, L = {r.codelength:.6f} bits (ours {r.ours.total:.6f}), NMI vs planted {r.nmi:.3f}")
    print(f"total {total:.1f} s ({', '.join(f'{k} {s:.1f} s' for k, s in r.seconds.items())}); "
          f"{len(updates)} progress updates; peak memory: this process {own:,.0f} MiB, "
          f"largest worker {workers:,.0f} MiB (input {v.matrix.nbytes / 2**20:.0f} MiB)")
    if not args.no_cancel:
        during_graph = cancel_latency(v, "HNSW")
        during_infomap = cancel_latency(v, "InfoMap")
        print(f"Cancel: {during_graph:.2f} s during the graph search, {during_infomap:.2f} s during InfoMap's search")


if __name__ == "__main__":
    main()
