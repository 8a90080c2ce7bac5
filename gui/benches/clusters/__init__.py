"""The Clusters bench: vectors or a graph → the author's kNN similarity graph → InfoMap
modules (kexue.fm/archives/7006), explored as a module tree, a map, a module's subgraph
and an item's nearest neighbours.

The bench is imported lazily: :mod:`gui.benches.clusters.jobs` (the background work, no
Qt) runs in spawned worker processes too, which should not have to load Qt for it.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "ClustersBench":
        from gui.benches.clusters.bench import ClustersBench

        return ClustersBench
    raise AttributeError(name)
