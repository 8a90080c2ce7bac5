"""Calls the ``infomap`` package, behind our own interface (its 2.x API is moving: ``Result``
replaces ``Infomap.codelength``; the GPL package stays swappable).

The package's ``run`` holds the GIL for its whole search.  Small graphs (≤
``IN_PROCESS_LINKS`` links, well under a second) run in process; larger ones in a
spawned :class:`~engine.graph.worker.Worker`, which Cancel terminates at once, while the
caller computes its own flow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from engine.graph.worker import Worker
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


def run_infomap(n: int, links: np.ndarray, options: InfomapOptions, initial: np.ndarray | None = None,
                report: Callable[..., None] | None = None) -> InfomapOutcome:
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


class Pending:
    """A partition being found: already done (in process) or in a worker."""

    def __init__(self, outcome: InfomapOutcome | None = None, worker: Worker | None = None) -> None:
        self._outcome, self._worker = outcome, worker

    def result(self, ctx: TaskContext) -> InfomapOutcome:
        if self._outcome is None:
            assert self._worker is not None
            self._outcome = self._worker.wait(ctx, "InfoMap")
        return self._outcome

    def cancel(self) -> None:
        if self._worker is not None:
            self._worker.close()


def submit(n: int, links: np.ndarray, options: InfomapOptions, ctx: TaskContext,
           initial: np.ndarray | None = None) -> Pending:
    """Run in process for small graphs; else start a worker with the job and return at once
    (the caller computes meanwhile, then asks :meth:`Pending.result`)."""
    ctx.checkpoint()
    if len(links) <= IN_PROCESS_LINKS:
        return Pending(run_infomap(n, links, options, initial))
    worker = Worker(preload=("infomap",))
    worker.send(run_infomap, n, links, options, initial)
    return Pending(worker=worker)
