"""Calls the ``infomap`` package, behind our own interface (its 2.x API is moving: ``Result``
replaces ``Infomap.codelength``; the GPL package stays swappable).

The package's ``run`` holds the GIL for its whole search, so in the GUI's worker thread it
would freeze the window, and Cancel could not be answered until it returned.  Small
graphs (≤ ``IN_PROCESS_LINKS``, well under a second) run in process; larger ones in a
spawned worker process, which Cancel terminates at once.  :class:`Worker` can be started
early (while the kNN graph is built) so its start-up is hidden.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from dataclasses import dataclass

import numpy as np

from engine.graph import GraphInputError
from engine.tasks import TaskContext

IN_PROCESS_LINKS = 200_000


@dataclass(frozen=True)
class InfomapOptions:
    directed: bool = True
    two_level: bool = True
    teleport: float = 0.15
    trials: int = 1
    seed: int = 1


@dataclass
class InfomapOutcome:
    """``paths`` (n, D) each item's module path (package's module ids, −1 padded);
    ``codelength`` the package's figure, ``one_level`` its one-module codelength."""

    paths: np.ndarray
    codelength: float
    index: float
    one_level: float
    levels: int


def run_infomap(n: int, links: np.ndarray, options: InfomapOptions,
                initial: np.ndarray | None = None) -> InfomapOutcome:
    """The package on nodes 0…n-1 (all of them, linked or not) and ``links`` rows (s, t, w).
    With ``initial`` (n,) module ids, the partition is only evaluated, not searched."""
    import infomap

    net = infomap.Network()
    net.add_nodes(range(n))
    net.add_links(links)
    opts = infomap.Options(two_level=options.two_level, flow_model="directed" if options.directed else "undirected",
                           teleportation_probability=options.teleport, num_trials=options.trials,
                           seed=options.seed, silent=True, no_infomap=initial is not None)
    partition = None if initial is None else {i: int(m) for i, m in enumerate(initial)}
    result = infomap.run(net, options=opts, initial_partition=partition)
    depth = result.num_levels - 1
    paths = np.full((n, max(1, depth)), -1, np.int64)
    for node in result.nodes():
        module_path = node.path[:-1]
        paths[node.node_id, :len(module_path)] = module_path
    return InfomapOutcome(paths, float(result.codelength), float(result.index_codelength),
                          float(result.one_level_codelength), int(result.num_levels))


def _serve(conn) -> None:
    import infomap  # noqa: F401 - loaded while the parent builds the graph

    try:
        args = conn.recv()
    except EOFError:
        return
    try:
        conn.send(("ok", run_infomap(*args)))
    except Exception as exc:  # noqa: BLE001 - handed to the parent as its message
        conn.send(("error", f"{type(exc).__name__}: {exc}"))


class Worker:
    """One spawned process that runs the package once: :meth:`send` the job, do other work,
    then :meth:`wait` for it (answering Cancel while waiting)."""

    def __init__(self) -> None:
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(target=_serve, args=(child,), daemon=True)
        self._process.start()
        child.close()
        self._sent = 0.0

    def send(self, n: int, links: np.ndarray, options: InfomapOptions, initial: np.ndarray | None = None) -> None:
        self._sent = time.monotonic()
        try:
            self._conn.send((n, links, options, initial))
        except BaseException:
            self.close()
            raise

    def wait(self, ctx: TaskContext) -> InfomapOutcome:
        try:
            while not self._conn.poll(0.1):
                ctx.checkpoint()
                if not self._process.is_alive():
                    raise GraphInputError("InfoMap's worker process ended without a result (out of memory?)")
                ctx.progress(0, None, f"InfoMap searching … {time.monotonic() - self._sent:.0f} s")
            status, value = self._conn.recv()
        finally:
            self.close()
        if status == "error":
            raise GraphInputError(f"InfoMap failed: {value}")
        return value

    def close(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._conn.close()


class Pending:
    """A partition being found: already done (in process) or in a worker."""

    def __init__(self, outcome: InfomapOutcome | None = None, worker: Worker | None = None) -> None:
        self._outcome, self._worker = outcome, worker

    def result(self, ctx: TaskContext) -> InfomapOutcome:
        if self._outcome is None:
            assert self._worker is not None
            self._outcome = self._worker.wait(ctx)
        return self._outcome

    def cancel(self) -> None:
        if self._worker is not None:
            self._worker.close()


def submit(n: int, links: np.ndarray, options: InfomapOptions, ctx: TaskContext, worker: Worker | None = None,
           initial: np.ndarray | None = None) -> Pending:
    """Run in process for small graphs, else hand the job to ``worker`` (one is started if not
    given) and return at once."""
    if len(links) <= IN_PROCESS_LINKS:
        if worker is not None:
            worker.close()
        ctx.checkpoint()
        return Pending(run_infomap(n, links, options, initial))
    worker = worker or Worker()
    worker.send(n, links, options, initial)
    return Pending(worker=worker)
